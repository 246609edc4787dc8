"""Digital support booked and recorded like a contact: a practice call or help with a device holds
the staff member's and the person's time (their diary, the person's appointments, the reminder),
under the same no-double-booking rules; its outcome is recorded once, on its contact; it is not
a care contact in the extract or the care checks; a carer's session only with consent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from caremode.accounts.models import Role
from caremode.messaging.models import OutboundMessage, RecipientKind
from caremode.messaging.purposes import Purpose
from caremode.people.services import revoke_consent
from caremode.records.selectors import EXTRACT_COLUMNS, iter_pseudonymised_contacts
from caremode.scheduling import services as scheduling
from caremode.scheduling.errors import OutcomeAlreadyRecordedError, SlotAlreadyBookedError
from caremode.scheduling.models import Contact, TeamAlert
from caremode.scheduling.selectors import (
    count_contacts_by_mode_and_outcome,
    list_clinician_contacts_between,
    list_upcoming_contacts,
)
from caremode.workforce import selectors, services
from caremode.workforce.errors import WorkforceError
from caremode.workforce.models import DigitalSupport
from tests.factories import (
    CarerConsentFactory,
    ServiceUserFactory,
    UserFactory,
    clinician_in,
    signed_in,
)

NOW = dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC)  # Wednesday 18 November 2026, 9am in London
THURSDAY_10 = dt.datetime(2026, 11, 19, 10, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("_frozen")


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def practice_call(actor, person, **kwargs):
    return services.offer_digital_support(
        actor=actor,
        service_user=person,
        kind=kwargs.pop("kind", "practice_call"),
        start=kwargs.pop("start", THURSDAY_10),
        **kwargs,
    )


def test_a_practice_call_is_in_the_diary_the_appointments_and_gets_a_reminder(
    clinician, service_user
):
    service_user.phone = "07700900123"
    service_user.save()
    support = practice_call(clinician, service_user, given_by="Sam, a digital volunteer")
    contact = support.contact
    assert contact is not None
    assert (contact.consultation_type, contact.planned_mode) == ("digital_support", "video")
    assert (contact.clinician, contact.start, contact.duration_minutes) == (
        clinician,
        THURSDAY_10,
        30,
    )
    assert "Sam, a digital volunteer" in contact.notes
    diary = list_clinician_contacts_between(clinician, NOW.date(), NOW.date() + dt.timedelta(6))
    assert contact in diary
    assert contact in list_upcoming_contacts(service_user)
    reminder = OutboundMessage.objects.get(
        reference=f"contact:{contact.pk}",
        purpose=Purpose.REMINDER,
        recipient_kind=RecipientKind.SERVICE_USER,
    )
    assert "digital support" in reminder.body
    # A guide is sent, not booked: no contact, nothing in anyone's diary.
    guide = services.offer_digital_support(
        actor=clinician, service_user=service_user, kind="video_guide"
    )
    assert guide.contact is None
    assert Contact.objects.count() == 1


def test_help_with_a_device_needs_a_mode_and_a_guide_cannot_be_booked(clinician, service_user):
    with pytest.raises(WorkforceError) as error:
        practice_call(clinician, service_user, kind="devices_and_data")
    assert error.value.field == "mode"
    with pytest.raises(WorkforceError) as error:
        practice_call(clinician, service_user, kind="check_in_guide")
    assert error.value.field == "start"
    help_ = practice_call(clinician, service_user, kind="devices_and_data", mode="telephone")
    assert help_.contact.planned_mode == "telephone"
    assert DigitalSupport.objects.count() == 1


def test_a_practice_call_that_clashes_is_refused_naming_what_it_clashes_with(
    clinician, service_user, team
):
    review = scheduling.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="medication_review",
        mode="video",
        start=THURSDAY_10,
        duration_minutes=30,
    )
    with pytest.raises(SlotAlreadyBookedError) as error:
        practice_call(clinician, service_user, start=THURSDAY_10 + dt.timedelta(minutes=15))
    assert error.value.field == "start"
    assert "medication review (video) on Thursday 19 November 2026 at 10am" in error.value.message
    # The pause after a remote contact (E12) holds for a practice call too.
    with pytest.raises(SlotAlreadyBookedError, match="or the pause after it"):
        practice_call(clinician, service_user, start=THURSDAY_10 + dt.timedelta(minutes=30))
    assert not DigitalSupport.objects.exists()
    assert list(Contact.objects.all()) == [review]

    # And the other way: the person's practice call with a colleague holds their time.
    colleague = clinician_in(team, username="colleague")
    support = practice_call(colleague, service_user, start=THURSDAY_10 + dt.timedelta(hours=2))
    with pytest.raises(SlotAlreadyBookedError) as error:
        scheduling.book_contact(
            actor=clinician,
            service_user=service_user,
            consultation_type="care_coordination",
            mode="telephone",
            start=support.contact.start,
        )
    assert "Megan Taylor's digital support (video)" in error.value.message


def test_the_database_refuses_a_support_session_over_another_contact(clinician, service_user):
    support = practice_call(clinician, service_user)
    clash = Contact.objects.get(pk=support.contact.pk)
    clash.pk = None
    clash.consultation_type = "psychotherapy"
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


def test_the_outcome_is_recorded_once_on_the_contact(clinician, service_user):
    support = practice_call(clinician, service_user)
    with pytest.raises(WorkforceError, match="still to come"):
        services.record_support_outcome(actor=clinician, support=support, outcome="taken_up")
    with time_machine.travel(THURSDAY_10 + dt.timedelta(hours=1), tick=False):
        services.record_support_outcome(actor=clinician, support=support, outcome="taken_up")
        support.refresh_from_db()
        assert (support.outcome, support.current_outcome) == ("", "taken_up")
        assert (support.contact.attend_status, support.contact.mode_used) == ("5", "video")
        with pytest.raises(WorkforceError, match="already") as error:
            services.record_support_outcome(actor=clinician, support=support, outcome="declined")
        assert error.value.field == "outcome"
        with pytest.raises(OutcomeAlreadyRecordedError):
            scheduling.record_outcome(actor=clinician, contact=support.contact, attend_status="3")
    # The database keeps the one place too: a booked session has no outcome of its own.
    with pytest.raises(IntegrityError), transaction.atomic():
        DigitalSupport.objects.filter(pk=support.pk).update(
            outcome="declined", outcome_recorded_at=NOW
        )


def test_an_outcome_recorded_on_the_contact_page_is_the_support_s_outcome(clinician, service_user):
    support = practice_call(clinician, service_user)
    with time_machine.travel(THURSDAY_10 + dt.timedelta(hours=1), tick=False):
        scheduling.record_outcome(actor=clinician, contact=support.contact, attend_status="3")
        support = selectors.get_digital_support(service_user, support.pk)
        assert support.current_outcome == "did_not_attend"
        with pytest.raises(WorkforceError, match="already"):
            services.record_support_outcome(actor=clinician, support=support, outcome="taken_up")


def test_declining_cancels_the_session_and_frees_the_time(clinician, service_user):
    support = practice_call(clinician, service_user)
    services.record_support_outcome(actor=clinician, support=support, outcome="declined")
    support.contact.refresh_from_db()
    assert support.contact.attend_status == "2"
    assert support.current_outcome == "declined"
    scheduling.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="video",
        start=THURSDAY_10,
    )


def test_a_session_is_not_a_care_contact_but_its_uptake_is_in_the_extract(
    clinician, service_user, team
):
    support = practice_call(clinician, service_user)
    with time_machine.travel(THURSDAY_10 + dt.timedelta(hours=1), tick=False):
        services.record_support_outcome(actor=clinician, support=support, outcome="taken_up")
    care = scheduling.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="video",
        start=THURSDAY_10 + dt.timedelta(days=1),
    )
    with time_machine.travel(THURSDAY_10 + dt.timedelta(days=1, hours=2), tick=False):
        scheduling.record_outcome(
            actor=clinician, contact=care, attend_status="5", mode_used="video"
        )
        rows = [
            dict(zip(EXTRACT_COLUMNS, r, strict=True)) for r in iter_pseudonymised_contacts(key="k")
        ]
        summary = count_contacts_by_mode_and_outcome()
    assert [r["UniqCareContID"] for r in rows] == [str(care.pk)]
    assert (rows[0]["DigitalSupportOffered"], rows[0]["DigitalSupportTakenUp"]) == ("Y", "Y")
    assert [r["mode"] for r in summary] == ["video"]

    # An attended practice call does not stop the alert for a person with no care contact.
    team.contact_gap_days = 14
    team.save()
    lonely = practice_call(
        clinician,
        ServiceUserFactory(team=team, registered_at=NOW - dt.timedelta(days=1)),
        start=THURSDAY_10 + dt.timedelta(hours=3),
    )
    with time_machine.travel(THURSDAY_10 + dt.timedelta(hours=4), tick=False):
        services.record_support_outcome(actor=clinician, support=lonely, outcome="taken_up")
    later = THURSDAY_10 + dt.timedelta(days=60)
    scheduling.check_contact_gaps(now=later)
    assert TeamAlert.objects.filter(
        service_user=lonely.service_user, kind=TeamAlert.Kind.CONTACT_GAP
    ).exists()


def test_a_carer_s_session_only_with_consent(client, clinician, service_user):
    no_join = CarerConsentFactory(service_user=service_user, scope_join_contacts=False)
    with pytest.raises(WorkforceError) as error:
        practice_call(clinician, service_user, carer=no_join.carer)
    assert error.value.field == "carer"
    assert not Contact.objects.exists() and not DigitalSupport.objects.exists()

    consent = CarerConsentFactory(service_user=service_user, carer__phone="07700900456")
    consent.carer.account = UserFactory(role=Role.CARER)
    consent.carer.save()
    support = practice_call(clinician, service_user, carer=consent.carer)
    assert support.contact.carer_invited == consent.carer
    to_carer = OutboundMessage.objects.filter(
        carer=consent.carer, reference=f"contact:{support.contact.pk}", purpose=Purpose.REMINDER
    )
    assert to_carer.count() == 1
    signed_in(client, consent.carer.account)
    assert "Digital support" in client.get("/people-i-care-for/").content.decode()

    revoke_consent(actor=clinician, consent=consent, reason="Asked to stop")
    assert "Digital support" not in client.get("/people-i-care-for/").content.decode()


def test_the_page_books_a_practice_call_and_shows_a_clash_on_the_date(
    client, clinician, service_user
):
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/digital-support/"
    posted = {
        "kind": "practice_call",
        "date_0": "19",
        "date_1": "11",
        "date_2": "2026",
        "time": "10:00",
        "given_by": "",
    }
    response = client.post(url, posted)
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Thursday 19 November 2026 at 10am, 30 minutes by video (in the diary)" in page
    again = client.post(url, posted)
    assert again.status_code == 200
    body = again.content.decode()
    assert "That clashes with" in body and "digital support (video)" in body
    assert "#id_date_0" in body  # the error summary points at the date, the field it is about
    assert DigitalSupport.objects.count() == 1
