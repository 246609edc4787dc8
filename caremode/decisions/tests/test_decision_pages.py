import datetime as dt

from django.utils import timezone

from caremode.accounts.models import Role
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.decisions.rules import Context, recommend
from caremode.decisions.services import agree_decision
from caremode.scheduling.models import Contact
from tests.factories import UserFactory, next_working_day_at, signed_in


def _review_date(days=90):
    day = timezone.localdate() + dt.timedelta(days=days)
    return {"review_on_0": day.day, "review_on_1": day.month, "review_on_2": day.year}


def test_the_recommendation_is_shown_and_the_decision_recorded(client, clinician, service_user):
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/decisions/new/"
    page = client.get(url, {"consultation_type": "risk_assessment", "risk_level": "high"})
    body = page.content.decode()
    assert "What the evidence suggests for risk assessment" in body
    assert "1. Face to face" in body and "E7" in body and "Ask about" in body

    partial = client.get(url, {"consultation_type": "psychotherapy"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert 'id="recommendation"' in partial.content.decode()

    response = client.post(
        url,
        {
            "consultation_type": "risk_assessment",
            "risk_level": "high",
            "agreed_mode": "face_to_face",
            "fallback_mode": "video",
            "service_user_took_part": "on",
            "persons_own_words": "I want to be seen",
            **_review_date(),
        },
        follow=True,
    )
    assert "Decision recorded" in response.content.decode()
    decision = DecisionRecord.objects.get()
    assert decision.followed_recommendation and decision.recommendation["ranked"][0]["mode"] == (
        "face_to_face"
    )
    assert "I want to be seen" in response.content.decode()


def test_a_bad_decision_is_explained_on_its_field(client, clinician, service_user):
    signed_in(client, clinician)
    response = client.post(
        f"/service-users/{service_user.pk}/decisions/new/",
        {
            "consultation_type": "psychotherapy",
            "agreed_mode": "video",
            "fallback_mode": "video",
            "service_user_took_part": "on",
            **_review_date(),
        },
    )
    assert "Choose a fallback that differs" in response.content.decode()
    assert not DecisionRecord.objects.exists()


def test_another_team_cannot_see_decisions_or_the_api(client, other_team_clinician, service_user):
    signed_in(client, other_team_clinician)
    for url in (
        f"/service-users/{service_user.pk}/decisions/",
        f"/service-users/{service_user.pk}/decisions/new/",
        f"/service-users/{service_user.pk}/preferences/",
        f"/api/service-users/{service_user.pk}/recommendation/?consultation_type=psychotherapy",
    ):
        assert client.get(url).status_code == 404


def test_the_api_returns_the_recommendation_as_json(client, clinician, service_user):
    signed_in(client, clinician)
    url = f"/api/service-users/{service_user.pk}/recommendation/"
    data = client.get(url, {"consultation_type": "medication_review"}).json()
    assert data["ranked"][0]["mode"] == "face_to_face"
    assert {"rules_version", "missing_information", "put_in_place"} <= set(data)
    bad = client.get(url, {"consultation_type": "sorcery"})
    assert bad.status_code == 400 and bad.json()["field"] == "consultation_type"


def test_a_service_user_states_preferences_in_the_portal(client, service_user):
    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    signed_in(client, account)
    response = client.post(
        "/my-care/preferences/",
        {"face_to_face": "prefers", "video": "declines", "email": ""},
        follow=True,
    )
    assert "Preferences saved" in response.content.decode()
    current = dict(
        ModePreference.objects.filter(superseded_at__isnull=True).values_list("mode", "preference")
    )
    assert current == {"face_to_face": "prefers", "video": "declines"}
    assert set(ModePreference.objects.values_list("source", flat=True)) == {"service_user"}


def test_booking_warns_when_the_mode_differs_from_the_decision(client, clinician, service_user):
    agree_decision(
        actor=clinician,
        service_user=service_user,
        consultation_type="psychotherapy",
        agreed_mode="face_to_face",
        fallback_mode="video",
        recommendation=recommend(Context(consultation_type="psychotherapy")),
        review_on=timezone.localdate() + dt.timedelta(days=60),
    )
    signed_in(client, clinician)
    day = next_working_day_at(10, after=4).date()
    booking = {
        "consultation_type": "psychotherapy",
        "mode": "telephone",
        "date_0": day.day,
        "date_1": day.month,
        "date_2": day.year,
        "time": "10:00",
        "duration_minutes": "60",
    }
    url = f"/service-users/{service_user.pk}/book/"
    assert "<p>Agreed with Megan:</p>" in client.get(url).content.decode()
    warned = client.post(url, booking).content.decode()
    assert "differs from the agreed mode for this kind of contact (face to face)" in warned
    assert not Contact.objects.exists()
    client.post(url, {**booking, "confirm_different_mode": "on"})
    assert Contact.objects.get().planned_mode == "telephone"


def test_the_review_list_shows_decisions_due(client, clinician, service_user):
    agree_decision(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        agreed_mode="telephone",
        fallback_mode="",
        recommendation=recommend(Context(consultation_type="care_coordination")),
        review_on=timezone.localdate() + dt.timedelta(days=3),
    )
    signed_in(client, clinician)
    body = client.get("/decisions/review/").content.decode()
    assert "Megan Taylor" in body and "Review is due on" in body
