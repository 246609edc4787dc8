import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.messaging.models import OutboundMessage
from caremode.people.models import ServiceUser
from caremode.people.services import revoke_consent
from caremode.scheduling import services
from caremode.scheduling.diary import bank_holiday
from caremode.scheduling.errors import (
    CarerNotConsentedError,
    ClinicianUnavailableError,
    ContactInPastError,
    ModeNotOfferedError,
    OutcomeAlreadyRecordedError,
    OutcomeTooEarlyError,
    OutsideWorkingHoursError,
    ServiceUserDischargedError,
)
from caremode.scheduling.models import Contact
from caremode.scheduling.services.reminders import list_recipients
from tests.factories import (
    CarerConsentFactory,
    CarerFactory,
    ContactFactory,
    ServiceUserFactory,
    clinician_in,
    next_working_day_at,
)


def next_saturday_at(hour: int) -> dt.datetime:
    """The next Saturday that is not also a bank holiday (26 December can be both)."""
    return _next_day_at(hour, lambda day: day.weekday() == 5 and not bank_holiday(day))


def next_bank_holiday_at(hour: int) -> dt.datetime:
    return _next_day_at(hour, lambda day: bank_holiday(day) is not None)


def _next_day_at(hour: int, wanted: Callable[[dt.date], bool]) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    while not wanted(day):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    """The next working day, so that bookings fall in working hours whatever today is."""
    return next_working_day_at(hour, minute)


def book(clinician, service_user, **overrides):
    arguments = {
        "actor": clinician,
        "service_user": service_user,
        "consultation_type": "medication_review",
        "mode": "video",
        "start": tomorrow_at(10),
        "duration_minutes": 30,
    }
    return services.book_contact(**{**arguments, **overrides})


def test_booking_records_the_mhsds_code_the_clinician_and_an_audit_entry(clinician, service_user):
    contact = book(clinician, service_user)
    assert (contact.planned_mode, contact.planned_cons_mechanism) == ("video", "11")
    assert contact.clinician == clinician and contact.team == service_user.team
    event = AuditEvent.objects.get(object_type="scheduling.Contact")
    assert event.detail["mode"] == "video" and event.subject_id == service_user.pk


def test_an_interpreter_is_requested_when_the_person_needs_one(clinician, service_user):
    service_user.interpreter_needed = True
    service_user.save()
    assert book(clinician, service_user).interpreter_needed is True


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"start": timezone.now() - dt.timedelta(hours=1)}, ContactInPastError, "start"),
        ({"consultation_type": "tea_and_biscuits"}, DomainError, "consultation_type"),
        ({"mode": "pager"}, DomainError, "mode"),
        ({"duration_minutes": 600}, DomainError, "duration_minutes"),
    ],
)
def test_bad_bookings_name_the_field_and_save_nothing(
    clinician, service_user, overrides, error, field
):
    with pytest.raises(error) as caught:
        book(clinician, service_user, **overrides)
    assert caught.value.field == field
    assert not Contact.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_mode_the_service_does_not_offer_is_refused(clinician, service_user):
    service = service_user.team.service
    service.modes_offered = ["face_to_face", "telephone"]
    service.save()
    with pytest.raises(ModeNotOfferedError, match="does not offer video"):
        book(clinician, service_user)


def test_a_discharged_person_cannot_be_booked(clinician, service_user):
    ServiceUser.objects.filter(pk=service_user.pk).update(status="discharged")
    service_user.refresh_from_db()
    with pytest.raises(ServiceUserDischargedError):
        book(clinician, service_user)


def test_a_carer_is_invited_only_with_current_consent_to_join(clinician, service_user):
    stranger = CarerFactory()
    with pytest.raises(CarerNotConsentedError):
        book(clinician, service_user, carer=stranger)

    details_only = CarerConsentFactory(service_user=service_user, scope_join_contacts=False)
    with pytest.raises(CarerNotConsentedError):
        book(clinician, service_user, carer=details_only.carer)

    consent = CarerConsentFactory(service_user=service_user, scope_join_contacts=True)
    assert book(clinician, service_user, carer=consent.carer).carer_invited == consent.carer

    revoke_consent(actor=clinician, consent=consent)
    with pytest.raises(CarerNotConsentedError):
        book(clinician, service_user, carer=consent.carer, start=tomorrow_at(14))


def test_consent_given_by_another_person_never_lets_a_carer_be_invited_or_told(
    clinician, service_user, team
):
    service_user.phone = "07700900123"
    service_user.save()
    elsewhere = CarerConsentFactory(
        service_user=ServiceUserFactory(team=team),
        scope_join_contacts=True,
        scope_appointment_details=True,
        carer__phone="07700900456",
    )
    with pytest.raises(CarerNotConsentedError) as caught:
        book(clinician, service_user, carer=elsewhere.carer)
    assert caught.value.field == "carer"
    assert [r.carer for r in list_recipients(service_user)] == [None]
    book(clinician, service_user)
    assert not OutboundMessage.objects.filter(carer=elsewhere.carer).exists()
    assert not OutboundMessage.objects.filter(recipient="+447700900456").exists()


def test_a_clinician_cannot_hold_two_overlapping_contacts(clinician, service_user, team):
    book(clinician, service_user, start=tomorrow_at(10), duration_minutes=60)
    other = ServiceUserFactory(team=team)
    with pytest.raises(ClinicianUnavailableError, match="clashes with"):
        book(clinician, other, start=tomorrow_at(10, 30))
    # After a remote contact the clinician gets the team's pause before the next one (E12).
    with pytest.raises(ClinicianUnavailableError, match="pause"):
        book(clinician, other, start=tomorrow_at(11))
    book(clinician, other, start=tomorrow_at(11, 10))
    # After a face-to-face contact, back to back is allowed.
    book(clinician, other, start=tomorrow_at(13), mode="face_to_face", duration_minutes=60)
    book(clinician, service_user, start=tomorrow_at(14), mode="face_to_face")
    assert Contact.objects.count() == 4


def test_a_service_user_cannot_hold_two_overlapping_contacts(clinician, service_user, team):
    book(clinician, service_user, start=tomorrow_at(10), duration_minutes=60)
    colleague = clinician_in(team)
    clash = "clashes with Megan Taylor's medication review"
    with pytest.raises(ClinicianUnavailableError, match=clash):
        book(colleague, service_user, start=tomorrow_at(10, 30))


def test_the_database_refuses_overlaps_that_skip_the_service(clinician, service_user):
    from django.db import IntegrityError, transaction

    first = book(clinician, service_user, start=tomorrow_at(10), duration_minutes=60)
    clash = ContactFactory(service_user=service_user, clinician=clinician, start=tomorrow_at(15))
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=clash.pk).update(
            start=first.start, end_at=first.end_at, blocked_until=first.blocked_until
        )


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (lambda: tomorrow_at(8), "outside the clinician's working hours"),
        (lambda: tomorrow_at(16, 45), "outside the clinician's working hours"),
        (lambda: next_saturday_at(10), "does not work on Saturdays"),
        (lambda: next_bank_holiday_at(10), "bank holiday"),
    ],
)
def test_bookings_respect_working_hours_and_bank_holidays(clinician, service_user, start, message):
    with pytest.raises(OutsideWorkingHoursError, match=message) as caught:
        book(clinician, service_user, start=start())
    assert caught.value.field == "start"


def test_a_clinicians_own_hours_replace_the_default(clinician, service_user):
    services.set_working_hours(
        actor=clinician,
        clinician=clinician,
        hours={tomorrow_at(10).weekday(): (dt.time(12), dt.time(20))},
    )
    with pytest.raises(OutsideWorkingHoursError):
        book(clinician, service_user, start=tomorrow_at(10))
    assert book(clinician, service_user, start=tomorrow_at(18)).start == tomorrow_at(18)


def test_a_cancelled_contact_frees_the_time(clinician, service_user):
    contact = book(clinician, service_user)
    services.cancel_contact(
        actor=clinician, contact=contact, initiated_by="service", reason="Clinician unwell"
    )
    book(clinician, service_user)
    assert Contact.objects.count() == 2


def test_recording_an_attended_outcome_after_the_start(clinician, service_user):
    contact = book(clinician, service_user)
    with time_machine.travel(contact.start + dt.timedelta(minutes=40)):
        done = services.record_outcome(
            actor=clinician,
            contact=contact,
            attend_status="5",
            mode_used="telephone",
            technical_failure=True,
        )
    assert (done.attend_status, done.mode_used, done.cons_mechanism_used) == (
        "5",
        "telephone",
        "02",
    )
    assert done.technical_failure and done.attended
    assert done.interpreter_present is False  # recorded with the outcome: not present
    assert AuditEvent.objects.filter(action="update", object_id=str(contact.pk)).exists()


def test_an_interpreter_present_is_recorded_with_the_outcome(clinician, service_user):
    contact = book(clinician, service_user)
    with time_machine.travel(contact.start + dt.timedelta(minutes=40)):
        done = services.record_outcome(
            actor=clinician,
            contact=contact,
            attend_status="5",
            mode_used="video",
            interpreter_present=True,
        )
    assert done.interpreter_present is True
    event = AuditEvent.objects.get(action="update", object_id=str(contact.pk))
    assert event.detail["interpreter_present"] is True
    missed = book(clinician, service_user, start=tomorrow_at(14))
    with time_machine.travel(missed.start + dt.timedelta(minutes=40)):
        services.record_outcome(actor=clinician, contact=missed, attend_status="3")
    missed.refresh_from_db()
    assert missed.interpreter_present is None  # it did not take place


def test_an_outcome_is_recorded_once(clinician, service_user):
    contact = book(clinician, service_user)
    with time_machine.travel(contact.start + dt.timedelta(hours=1)):
        services.record_outcome(actor=clinician, contact=contact, attend_status="3")
        with pytest.raises(OutcomeAlreadyRecordedError):
            services.record_outcome(
                actor=clinician, contact=contact, attend_status="5", mode_used="video"
            )
    contact.refresh_from_db()
    assert contact.attend_status == "3"


def test_attendance_cannot_be_recorded_before_the_contact_starts(clinician, service_user):
    contact = book(clinician, service_user)
    with pytest.raises(OutcomeTooEarlyError):
        services.record_outcome(actor=clinician, contact=contact, attend_status="3")
    # A cancellation is recorded ahead of time, with its reason.
    services.cancel_contact(
        actor=clinician, contact=contact, initiated_by="service_user", reason="Working"
    )
    contact.refresh_from_db()
    assert contact.attend_status == "2"


def test_a_contact_that_began_early_is_recorded_before_its_start_as_attended_only(
    clinician, service_user
):
    contact = book(clinician, service_user)
    with time_machine.travel(contact.start - dt.timedelta(minutes=10), tick=False):
        began = timezone.now() - dt.timedelta(minutes=5)
        with pytest.raises(OutcomeTooEarlyError):  # a no-show cannot have begun early
            services.record_outcome(
                actor=clinician, contact=contact, attend_status="3", began_at=began
            )
        with pytest.raises(OutcomeTooEarlyError):  # nor can a beginning still to come
            services.record_outcome(
                actor=clinician,
                contact=contact,
                attend_status="5",
                mode_used="video",
                began_at=timezone.now() + dt.timedelta(minutes=1),
            )
        services.record_outcome(
            actor=clinician, contact=contact, attend_status="5", mode_used="video", began_at=began
        )
    contact.refresh_from_db()
    assert contact.attend_status == "5"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"attend_status": "5"}, "mode_used"),
        ({"attend_status": "8"}, "attend_status"),
        ({"attend_status": "3", "ended_early": True}, "ended_early"),
        ({"attend_status": "3", "interpreter_present": True}, "interpreter_present"),
        ({"attend_status": "5", "mode_used": "semaphore"}, "mode_used"),
    ],
)
def test_inconsistent_outcomes_are_refused(clinician, service_user, arguments, field):
    contact = book(clinician, service_user)
    with (
        time_machine.travel(contact.start + dt.timedelta(hours=1)),
        pytest.raises(DomainError) as caught,
    ):
        services.record_outcome(actor=clinician, contact=contact, **arguments)
    assert caught.value.field == field
    contact.refresh_from_db()
    assert contact.attend_status is None


def test_the_database_refuses_an_attended_contact_without_a_mode(clinician, service_user):
    from django.db import IntegrityError

    contact = book(clinician, service_user)
    with pytest.raises(IntegrityError):
        Contact.objects.filter(pk=contact.pk).update(attend_status="5", mode_used="")
