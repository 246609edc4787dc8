"""The record puts first what a clinician must know before choosing a mode, then contacts; outcomes
in plain words, and a did-not-attend without a "mode actually used" (hazard D19)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from caremode.decisions.rules import Context, recommend
from caremode.decisions.services import agree_decision
from caremode.people.services import record_access_need
from caremode.scheduling.models import TeamAlert
from tests.factories import CarerConsentFactory, ContactFactory, signed_in


def test_access_needs_carers_contact_decisions_and_alerts_come_before_contacts(
    client, clinician, service_user
):
    service_user.phone, service_user.email = "07700900123", "megan@example.com"
    service_user.save()
    record_access_need(
        actor=clinician,
        service_user=service_user,
        need="needs_interpreter",
        language="pl",
        interpreting="telephone",
    )
    CarerConsentFactory(service_user=service_user, carer__given_name="Jo")
    TeamAlert.objects.create(
        team=service_user.team,
        service_user=service_user,
        kind=TeamAlert.Kind.CONTACT_GAP,
        key=f"gap:{service_user.pk}",
        message="No contact for 30 days and nothing booked",
        raised_at=timezone.now(),
    )
    ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, clinician)
    page = client.get(reverse("records:record", args=[service_user.pk])).content.decode()
    order = [
        page.index(marker)
        for marker in (
            'id="before-choosing"',
            'id="access-needs"',
            "Polish, by telephone",
            'id="carers"',
            "Jo Carer",
            'id="how-to-contact"',
            "07700900123 (text message reminders agreed)",
            "megan@example.com (email reminders agreed)",
            'id="shared-decisions"',
            'id="open-alerts"',
            "No contact for 30 days and nothing booked",
            "<h2>Contacts</h2>",
            'id="warning-signs"',
        )
    ]
    assert order == sorted(order)
    assert reverse("people:edit_contact_details", args=[service_user.pk]) in page


def test_a_current_decision_and_no_alerts_are_said_in_the_first_part(
    client, clinician, service_user
):
    agree_decision(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        agreed_mode="telephone",
        fallback_mode="",
        recommendation=recommend(Context(consultation_type="care_coordination")),
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )
    signed_in(client, clinician)
    page = client.get(reverse("records:record", args=[service_user.pk])).content.decode()
    first = page[page.index('id="before-choosing"') : page.index("<h2>Contacts</h2>")]
    assert "Care coordination: telephone" in first
    assert "No open alerts." in first


def test_a_did_not_attend_shows_the_plain_outcome_and_no_mode_used(client, clinician, service_user):
    ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(days=3),
        attend_status="3",
        mode_used="telephone",  # as an older import might have left it
        planned_mode="video",
    )
    signed_in(client, clinician)
    page = client.get(reverse("records:record", args=[service_user.pk])).content.decode()
    past = page[page.index("Past contacts") :]
    assert "Did not attend" in past
    assert "Took place by" not in past
