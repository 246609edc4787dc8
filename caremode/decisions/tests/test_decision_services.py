import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.decisions import selectors, services
from caremode.decisions.errors import DecisionInputError
from caremode.decisions.models import DecisionRecord
from caremode.decisions.rules import Context, Relationship, recommend
from caremode.people.services import record_access_need
from tests.factories import CarerConsentFactory, ContactFactory, ServiceUserFactory


def shown(consultation_type="medication_review"):
    return recommend(Context(consultation_type=consultation_type))


def agree(clinician, service_user, **overrides):
    arguments = {
        "actor": clinician,
        "service_user": service_user,
        "consultation_type": "medication_review",
        "agreed_mode": "telephone",
        "fallback_mode": "video",
        "recommendation": shown(),
        "review_on": timezone.localdate() + dt.timedelta(days=90),
        "persons_own_words": "Phone is fine while I'm well",
    }
    return services.agree_decision(**{**arguments, **overrides})


def test_preferences_keep_their_history(clinician, service_user):
    services.record_preference(
        actor=clinician,
        service_user=service_user,
        mode="video",
        preference="accepts",
        source="clinician",
    )
    services.record_preference(
        actor=clinician,
        service_user=service_user,
        mode="video",
        preference="declines",
        source="service_user",
    )
    assert selectors.get_current_preferences(service_user) == {"video": "declines"}
    history = selectors.list_preference_history(service_user)
    assert [p.preference for p in history] == ["declines", "accepts"]
    assert history[1].superseded_at is not None
    with pytest.raises(DecisionInputError) as caught:
        services.record_preference(
            actor=clinician,
            service_user=service_user,
            mode="video",
            preference="adores",
            source="clinician",
        )
    assert caught.value.field == "preference"


def test_a_new_decision_supersedes_the_old_which_stays_readable(clinician, service_user):
    first = agree(clinician, service_user)
    assert first.followed_recommendation is False  # the recommendation put face to face first
    assert first.recommendation["rules_version"] == first.rules_version
    second = agree(clinician, service_user, agreed_mode="face_to_face", fallback_mode="")
    first.refresh_from_db()
    assert first.superseded_by == second and first.superseded_at is not None
    assert second.followed_recommendation is True
    assert selectors.list_current_decisions(service_user) == [second]
    assert selectors.list_decision_history(service_user) == [first]
    assert first.persons_own_words == "Phone is fine while I'm well"
    assert AuditEvent.objects.filter(object_type="decisions.DecisionRecord").count() == 2


def test_the_database_allows_one_current_decision_per_type(clinician, service_user):
    decision = agree(clinician, service_user)
    decision.pk = None
    with pytest.raises(IntegrityError):
        decision.save()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fallback_mode": "telephone"}, "fallback_mode"),
        ({"review_on": timezone.localdate()}, "review_on"),
        ({"review_on": timezone.localdate() + dt.timedelta(days=500)}, "review_on"),
        ({"service_user_took_part": False}, "service_user_took_part"),
        ({"consultation_type": "astrology"}, "consultation_type"),
    ],
)
def test_bad_decisions_name_the_field_and_save_nothing(clinician, service_user, overrides, field):
    with pytest.raises(DecisionInputError) as caught:
        agree(clinician, service_user, **overrides)
    assert caught.value.field == field
    assert not DecisionRecord.objects.exists()


def test_a_mode_the_service_does_not_offer_cannot_be_agreed(clinician, service_user):
    service = service_user.team.service
    service.modes_offered = ["face_to_face", "telephone"]
    service.save()
    with pytest.raises(DecisionInputError, match="does not offer video") as caught:
        agree(clinician, service_user)
    assert caught.value.field == "fallback_mode"


def test_a_carer_takes_part_only_with_consent(clinician, service_user):
    details_only = CarerConsentFactory(
        service_user=service_user, scope_join_contacts=False, scope_assessment_input=False
    )
    with pytest.raises(DecisionInputError, match="has not agreed"):
        agree(clinician, service_user, carer=details_only.carer)
    joining = CarerConsentFactory(service_user=service_user)
    decision = agree(clinician, service_user, carer=joining.carer, service_user_took_part=False)
    assert decision.carer == joining.carer


def test_context_comes_from_the_record(clinician, service_user):
    context = selectors.build_context(
        service_user, consultation_type="psychotherapy", clinician=clinician, risk_level="moderate"
    )
    assert context.access_needs is None  # never asked
    assert context.knows_clinician is False
    assert context.had_face_to_face_therapy is False
    assert context.rurality == service_user.rurality
    assert context.carer_may_join is False
    record_access_need(actor=clinician, service_user=service_user, need="poor_connectivity")
    past = ContactFactory(
        service_user=service_user, clinician=clinician, start=timezone.now() - dt.timedelta(days=7)
    )
    past.attend_status, past.mode_used = "5", "video"
    past.save()
    services.record_preference(
        actor=clinician,
        service_user=service_user,
        mode="email",
        preference="declines",
        source="service_user",
    )
    context = selectors.build_context(
        service_user, consultation_type="psychotherapy", clinician=clinician
    )
    assert context.access_needs == frozenset({"poor_connectivity"})
    # One video contact is a relationship begun, not rapport built (E4).
    assert context.relationship == Relationship(attended=1, face_to_face=0, days_since_last=7)
    assert context.knows_clinician is False
    assert context.preferences == {"email": "declines"}
    therapy = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        consultation_type="psychotherapy",
        start=timezone.now() - dt.timedelta(days=2),
    )
    therapy.attend_status, therapy.mode_used = "6", "face_to_face"
    therapy.save()
    CarerConsentFactory(service_user=service_user)  # consent to join contacts
    context = selectors.build_context(
        service_user, consultation_type="psychotherapy", clinician=clinician
    )
    assert context.relationship == Relationship(attended=2, face_to_face=1, days_since_last=2)
    assert context.knows_clinician is True
    assert context.had_face_to_face_therapy is True
    assert context.carer_may_join is True


def test_decisions_come_up_for_review_when_due_or_when_something_changes(
    clinician, service_user, team, django_assert_max_num_queries
):
    quiet = ServiceUserFactory(team=team)
    agree(clinician, quiet, review_on=timezone.localdate() + dt.timedelta(days=120))
    decision = agree(clinician, service_user)
    assert selectors.list_decisions_for_review(clinician) == []

    with time_machine.travel(timezone.now() + dt.timedelta(days=80)):
        due = selectors.list_decisions_for_review(clinician)
        assert [d.decision for d in due] == [decision] and not due[0].overdue
    with time_machine.travel(timezone.now() + dt.timedelta(days=95)):
        assert selectors.list_decisions_for_review(clinician)[0].overdue

    # Something changes: a new access need, a changed preference, then two remote contacts the
    # person missed, with one the service cancelled between them (which does not count).
    record_access_need(actor=clinician, service_user=quiet, need="hearing_impairment")
    services.record_preference(
        actor=clinician,
        service_user=quiet,
        mode="video",
        preference="declines",
        source="service_user",
    )
    for minutes, status, failure in (
        (1, "5", True),
        (2, "3", False),
        (3, "4", False),
        (4, "3", False),
    ):
        contact = ContactFactory(
            service_user=quiet,
            clinician=clinician,
            consultation_type="medication_review",
            planned_mode="telephone",
            start=timezone.now() + dt.timedelta(days=minutes),
        )
        contact.attend_status, contact.technical_failure = status, failure
        contact.mode_used = "telephone" if status == "5" else ""
        contact.save()
    with (
        time_machine.travel(timezone.now() + dt.timedelta(hours=1)),
        django_assert_max_num_queries(5),
    ):
        flagged = {
            d.decision.service_user: d.reasons
            for d in selectors.list_decisions_for_review(clinician)
        }
    assert flagged[quiet] == (
        "New access need: hearing impairment",
        "A technical failure since the decision",
        "The person missed their last two remote contacts",
        "The person's preference changed: now declines video",
    )


def test_contacts_the_service_cancelled_are_not_the_person_missing_them(clinician, service_user):
    agree(clinician, service_user)
    for days, status in ((1, "4"), (2, "4"), (3, "3")):
        contact = ContactFactory(
            service_user=service_user,
            clinician=clinician,
            planned_mode="video",
            start=timezone.now() + dt.timedelta(days=days),
        )
        contact.attend_status = status
        contact.save()
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        flagged = selectors.list_decisions_for_review(clinician)
    assert not any("missed" in reason for d in flagged for reason in d.reasons)


def test_guidance_is_offered_before_the_first_remote_contact(clinician, service_user):
    assert selectors.get_first_remote_contact(service_user) is None
    upcoming = ContactFactory(service_user=service_user, clinician=clinician, planned_mode="video")
    assert selectors.get_first_remote_contact(service_user) == upcoming
    ContactFactory(
        service_user=service_user,
        clinician=clinician,
        planned_mode="telephone",
        start=timezone.now() - dt.timedelta(days=3),
        attend_status="5",
        mode_used="telephone",
    )
    assert selectors.get_first_remote_contact(service_user) is None


def test_consent_given_by_another_person_never_lets_a_carer_take_part(
    clinician, service_user, team
):
    someone_else = CarerConsentFactory(
        service_user=ServiceUserFactory(team=team), scope_assessment_input=True
    )
    with pytest.raises(DecisionInputError, match="has not agreed") as caught:
        agree(clinician, service_user, carer=someone_else.carer, service_user_took_part=False)
    assert caught.value.field == "carer"
