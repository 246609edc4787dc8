"""The codebook, coding, agreement and reconciliation pages over HTTP: coders only, blind,
anonymised, audited, and every codebook change kept in the code's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.feedback.coding import code_excerpt, suggestions_for
from caremode.feedback.excerpts import add_excerpt
from caremode.feedback.models import Code, CodebookEvent, Reconciliation, SuggestionDecision
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db


def coder(name: str, role: str = Role.ANALYST):
    user = UserFactory(role=role, display_name=name)
    user.user_permissions.add(Permission.objects.get(codename="code_excerpts"))
    return type(user).objects.get(pk=user.pk)


def client_for(user) -> Client:
    client = Client()
    signed_in(client, user)
    return client


def excerpt(text: str = "The line kept dropping and I could not hear the nurse."):
    return add_excerpt(
        text=text, source="service_user", given_on=dt.date(2027, 2, 3), mode="telephone"
    )


def test_only_coders_reach_the_coding_pages(clinician) -> None:
    item = excerpt()
    urls = [
        reverse("feedback:codebook"),
        reverse("feedback:code", args=["C14"]),
        reverse("feedback:add_code"),
        reverse("feedback:coding_queue"),
        reverse("feedback:code_excerpt", args=[item.pk]),
        reverse("feedback:coding_agreement"),
    ]
    for url in urls:
        assert client_for(clinician).get(url).status_code == 404, url
        assert client_for(coder("Ana")).get(url).status_code == 200, url
    # A clinician who is also a coder reaches them: the permission, not the role, decides.
    assert client_for(coder("Cal", Role.CLINICIAN)).get(urls[0]).status_code == 200


def test_the_codebook_lists_each_code_with_its_example_and_evidence_links() -> None:
    page = client_for(coder("Ana")).get(reverse("feedback:codebook")).content.decode()
    c14 = Code.objects.get(key="C14")
    assert c14.label in page and c14.definition in page and c14.example in page
    for e in c14.evidence:
        assert f'href="{reverse("decisions:finding", args=[e])}"' in page


def test_adding_editing_splitting_merging_and_retiring_keep_the_history() -> None:
    ana = coder("Ana")
    client = client_for(ana)
    add = reverse("feedback:add_code")
    missing = client.post(add, {"key": "C90", "label": "", "definition": "d", "example": "e"})
    assert missing.status_code == 200 and "Enter label" in missing.content.decode()
    assert not Code.objects.filter(key="C90").exists()
    unknown = client.post(
        add,
        {"key": "C14", "label": "Twice", "definition": "d", "example": "e", "evidence": ["E4"]},
    )
    assert "There is already a code C14." in unknown.content.decode()
    made = client.post(
        add,
        {
            "key": "C90",
            "label": "Waiting",
            "definition": "Waits",
            "example": "I waited.",
            "evidence": ["E11", "E4"],
        },
    )
    assert made.status_code == 302
    assert Code.objects.get(key="C90").evidence == ["E4", "E11"]
    client.post(
        reverse("feedback:edit_code", args=["C90"]),
        {
            "label": "Waiting too long",
            "definition": "Waits",
            "example": "I waited.",
            "evidence": ["E11"],
        },
    )
    client.post(
        reverse("feedback:split_code", args=["C90"]),
        {
            "key_1": "C91",
            "label_1": "Waiting to join",
            "definition_1": "d1",
            "example_1": "e1",
            "key_2": "C92",
            "label_2": "Waiting for a call",
            "definition_2": "d2",
            "example_2": "e2",
            "evidence_2": ["E11"],
        },
    )
    client.post(reverse("feedback:merge_code", args=["C91"]), {"into": "C92"})
    retired = client.post(reverse("feedback:retire_code", args=["C92"]), {"reason": ""})
    assert "Enter why the code is retired" in retired.content.decode()
    client.post(reverse("feedback:retire_code", args=["C92"]), {"reason": "Too rare"})
    changes = [e.change for e in CodebookEvent.objects.filter(code__key="C90")]
    assert changes == ["added", "edited", "split"]
    assert [e.change for e in CodebookEvent.objects.filter(code__key="C92")] == [
        "added",
        "edited",
        "retired",
    ]
    page = client.get(reverse("feedback:code", args=["C90"])).content.decode()
    assert "Waiting → Waiting too long" in page and "E4, E11 → E11" in page
    assert "C91 Waiting to join" in page and "by Ana" in page
    assert client.get(reverse("feedback:edit_code", args=["C90"])).status_code == 404  # retired
    assert AuditEvent.objects.filter(object_type="feedback.Code", actor=ana).count() >= 6


def test_the_coding_pages_show_no_name_and_never_who_said_it(service_user) -> None:
    words = f"Dr Patel rang late and {service_user.given_name} could not hear on 07700 900123."
    item = add_excerpt(
        text=words,
        source="service_user",
        given_on=dt.date(2027, 2, 3),
        mode="telephone",
        service_user=service_user,
        names=[service_user.given_name, service_user.family_name],
    )
    assert item.text == "Dr [name] rang late and [name] could not hear on [phone]."
    ana = coder("Ana")
    client = client_for(ana)
    for url in (reverse("feedback:coding_queue"), reverse("feedback:code_excerpt", args=[item.pk])):
        page = client.get(url).content.decode()
        assert "[name] rang late" in page
        for identity in (service_user.given_name, service_user.family_name, "Patel", "07700"):
            assert identity not in page
        assert "Service user" in page  # the source, never the person
        assert "/service-users/" not in page
    reads = AuditEvent.objects.filter(actor=ana, action="read")
    assert reads.filter(object_type="feedback.excerpts to code").exists()
    assert reads.filter(object_type="feedback.Excerpt", object_id=str(item.pk)).exists()


def test_coding_an_excerpt_answers_each_suggestion_and_the_agreement_shows() -> None:
    ana, ben = coder("Ana"), coder("Ben")
    item = excerpt()
    url = reverse("feedback:code_excerpt", args=[item.pk])
    page = client_for(ana).get(url).content.decode()
    assert "Suggested codes" in page and "Similarity" in page
    unanswered = client_for(ana).post(url, {})
    assert "Select accept or reject for" in unanswered.content.decode()
    suggested = suggestions_for(item)  # what the page offered
    first, *rest = suggested
    answers = {f"suggestion_{s.code}": "reject" for s in rest}
    done = client_for(ana).post(url, {f"suggestion_{first.code}": "accept", **answers})
    assert done.status_code == 302
    assert SuggestionDecision.objects.filter(coder=ana, accepted=True).count() == 1
    other = next(c for c in Code.objects.filter(retired_at=None) if c.key != first.code)
    client_for(ben).post(
        url,
        {**{f"suggestion_{s.code}": "reject" for s in suggested}, "other_codes": [other.key]},
    )
    page = client_for(ana).get(reverse("feedback:coding_agreement")).content.decode()
    assert "Cohen&#39;s kappa" in page or "Cohen's kappa" in page
    assert "1 coded by two or more coders" in page
    assert f"Reconcile excerpt {item.pk}" in page
    assert "Ben</dt>" in page  # the acceptance rate per coder
    reconcile = reverse("feedback:reconcile_excerpt", args=[item.pk])
    shown = client_for(ana).get(reconcile).content.decode()
    assert first.code in shown and other.key in shown
    kept = client_for(ana).post(reconcile, {"codes": [other.key], "agreed_by": [str(ben.pk)]})
    assert kept.status_code == 302
    made = Reconciliation.objects.get(excerpt=item)
    assert set(made.agreed_by.all()) == {ana, ben} and [c.key for c in made.codes.all()] == [
        other.key
    ]


def test_a_coder_sees_no_other_coders_codes_until_they_have_coded_it() -> None:
    ana, ben, cy = coder("Ana"), coder("Ben"), coder("Cy")
    item = excerpt("Zebra quartz xylophone.")
    c14, c09 = Code.objects.get(key="C14"), Code.objects.get(key="C09")
    code_excerpt(item, [c14], coder=ana)
    code_excerpt(item, [c09], coder=ben)
    page = client_for(cy).get(reverse("feedback:code_excerpt", args=[item.pk])).content.decode()
    assert all(s.score < 0.9 for s in suggestions_for(item))  # not from its own codings
    assert "You coded it before" not in page
    agreement = client_for(cy).get(reverse("feedback:coding_agreement")).content.decode()
    assert f"Reconcile excerpt {item.pk}" not in agreement
    reconcile = reverse("feedback:reconcile_excerpt", args=[item.pk])
    assert client_for(cy).get(reconcile).status_code == 404
    assert client_for(ana).get(reconcile).status_code == 200


def test_feedback_words_are_stored_without_the_names_around_them(service_user, clinician) -> None:
    import time_machine

    from caremode.feedback.models import Excerpt, FeedbackRequest
    from caremode.feedback.services import answer_feedback, ask_for_feedback_after_contacts
    from caremode.feedback.tests.support import ALL_GOOD, WEDNESDAY, attended
    from tests.factories import CarerConsentFactory

    consent = CarerConsentFactory(service_user=service_user)
    service_user.phone = "07700 900123"
    service_user.save()
    with time_machine.travel(WEDNESDAY, tick=False):
        attended(service_user, clinician, mode="telephone")
        ask_for_feedback_after_contacts(now=WEDNESDAY)
        request = FeedbackRequest.objects.get(respondent="service_user")
        said = (
            f"{clinician.display_name} was kind; {consent.carer.given_name} sat with me. "
            f"I am {service_user.given_name} {service_user.family_name}, on 07700 900123."
        )
        answer_feedback(
            actor=None, request=request, answers={**ALL_GOOD, "fft_why": said}, anonymous=True
        )
    stored = Excerpt.objects.get().text
    # "Dr Asha Rahman": the title stays, the name goes.
    assert stored == "Dr [name] was kind; [name] sat with me. I am [name] [name], on [phone]."
    for name in (service_user.given_name, service_user.family_name, consent.carer.given_name):
        assert name not in stored
