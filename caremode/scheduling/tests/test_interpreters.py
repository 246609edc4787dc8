"""Booking arranges the interpreter a person needs, with the language and how, and tells the
interpreting service through the outbox (E14, hazard S21)."""

import pytest

from caremode.audit.models import AuditEvent
from caremode.messaging.models import MessageStatus, OutboundMessage, RecipientKind
from caremode.messaging.selectors import list_messages_sent_to_service_user
from caremode.people.services import record_access_need
from caremode.scheduling import services
from caremode.scheduling.errors import InterpreterNotArrangedError
from caremode.scheduling.models import Contact
from caremode.scheduling.services.interpreters import interpreter_needed_for
from tests.factories import next_working_day_at


@pytest.fixture
def needs_polish(clinician, service_user):
    record_access_need(
        actor=clinician,
        service_user=service_user,
        need="needs_interpreter",
        language="pl",
        interpreting="video",
    )
    service_user.refresh_from_db()
    return service_user


def book(clinician, service_user, **overrides):
    arguments = {
        "actor": clinician,
        "service_user": service_user,
        "consultation_type": "care_coordination",
        "mode": "video",
        "start": next_working_day_at(10),
        "duration_minutes": 45,
    }
    return services.book_contact(**{**arguments, **overrides})


def interpreter_messages():
    return OutboundMessage.objects.filter(recipient_kind=RecipientKind.INTERPRETER)


def test_booking_arranges_the_interpreter_and_tells_the_interpreting_service(
    clinician, needs_polish, settings
):
    settings.CAREMODE_INTERPRETING_EMAIL = "Interpreting@Trust.example.nhs.uk"
    contact = book(clinician, needs_polish)
    contact.refresh_from_db()
    assert contact.interpreter_needed is True
    assert (contact.interpreter_language, contact.interpreting) == ("pl", "video")
    assert contact.interpreter_arranged_at is not None

    message = interpreter_messages().get()
    assert message.recipient == "interpreting@trust.example.nhs.uk"
    assert message.purpose == "interpreter_booking" and message.carer is None
    assert message.reference == f"contact:{contact.pk}"
    assert "Polish, by video" in message.body and "45 minutes" in message.body
    assert f"CM-{contact.pk}" in message.body
    # The interpreter is not told whom the contact is with.
    assert needs_polish.full_name not in message.body
    assert needs_polish.family_name not in message.subject

    arranged = AuditEvent.objects.get(
        object_type="scheduling.Contact", detail__interpreter_arranged=True
    )
    assert arranged.detail["language"] == "pl" and arranged.subject_id == needs_polish.pk


def test_the_person_never_sees_the_interpreters_messages(clinician, needs_polish):
    needs_polish.phone = "07700900123"
    needs_polish.save()
    book(clinician, needs_polish)
    interpreter_messages().update(status=MessageStatus.SENT)
    OutboundMessage.objects.exclude(recipient_kind=RecipientKind.INTERPRETER).update(
        status=MessageStatus.SENT
    )
    seen = list_messages_sent_to_service_user(needs_polish)
    assert seen and all(m.recipient_kind == RecipientKind.SERVICE_USER for m in seen)


def test_nobody_needing_an_interpreter_means_none_arranged(clinician, service_user):
    contact = book(clinician, service_user)
    assert contact.interpreter_arranged_at is None and not contact.interpreter_needed
    assert not interpreter_messages().exists()


@pytest.mark.parametrize(
    ("main_language", "mode", "expected"),
    [
        ("ar", "face_to_face", ("ar", "in_person")),
        ("ar", "telephone", ("ar", "telephone")),
        ("en", "video", None),  # the language is not known: nothing can be arranged
        ("ar", "text", None),  # no way for an interpreter to take part in a text contact
    ],
)
def test_a_person_marked_before_the_language_was_asked_gets_their_main_language(
    clinician, service_user, main_language, mode, expected
):
    service_user.interpreter_needed, service_user.main_language = True, main_language
    service_user.save()
    found = interpreter_needed_for(service_user, mode=mode)
    assert (found and (found.language, found.interpreting)) == (expected or None)
    contact = book(clinician, service_user, mode=mode)
    assert contact.interpreter_needed is True  # requested, whatever could be arranged
    assert (contact.interpreter_arranged_at is not None) is (expected is not None)
    assert interpreter_messages().count() == (1 if expected else 0)


def test_the_recorded_need_decides_over_the_main_language(clinician, needs_polish):
    needs_polish.main_language = "ro"
    needs_polish.save()
    found = interpreter_needed_for(needs_polish, mode="face_to_face")
    assert (found.language, found.interpreting) == ("pl", "video")


def test_moving_or_cancelling_the_contact_tells_the_interpreting_service(clinician, needs_polish):
    contact = book(clinician, needs_polish)
    interpreter_messages().update(status=MessageStatus.SENT)
    services.reschedule_contact(
        actor=clinician,
        contact=contact,
        new_start=next_working_day_at(14),
        initiated_by="service",
        reason="Clinician unwell",
    )
    moved = interpreter_messages().filter(status=MessageStatus.QUEUED).get()
    assert "Moved from" in moved.body and "Polish, by video" in moved.body
    interpreter_messages().update(status=MessageStatus.SENT)
    contact.refresh_from_db()
    services.cancel_contact(
        actor=clinician, contact=contact, initiated_by="service_user", reason="Feeling better"
    )
    cancelled = interpreter_messages().filter(status=MessageStatus.QUEUED).get()
    assert cancelled.body.startswith("Cancelled:") and f"CM-{contact.pk}" in cancelled.body


def test_a_booker_naming_the_language_arranges_that_interpreter(clinician, service_user):
    contact = book(clinician, service_user, interpreter_language="so", mode="telephone")
    contact.refresh_from_db()
    assert (contact.interpreter_language, contact.interpreting) == ("so", "telephone")
    assert contact.interpreter_needed and contact.interpreter_arranged_at is not None
    assert "Somali, by telephone" in interpreter_messages().get().body


@pytest.mark.parametrize(
    ("language", "interpreting", "mode", "says"),
    [
        ("pl", "", "video", "recorded interpreter need is Polish, not Romanian"),
        ("xx", "", "video", "not 'xx'"),
        ("en", "", "video", "not 'en'"),
        ("ro", "by-pigeon", "video", "not 'by-pigeon'"),
    ],
)
def test_an_interpreter_the_record_contradicts_or_cannot_place_is_refused_and_nothing_booked(
    clinician, needs_polish, language, interpreting, mode, says
):
    asked = "ro" if language == "pl" else language
    with pytest.raises(InterpreterNotArrangedError, match=says) as refused:
        book(
            clinician,
            needs_polish,
            interpreter_language=asked,
            interpreting=interpreting,
            mode=mode,
        )
    assert refused.value.field == "interpreter"
    assert not Contact.objects.exists() and not interpreter_messages().exists()


def test_an_interpreter_for_a_text_contact_needs_to_be_told_how(clinician, service_user):
    service_user.team.service.modes_offered = ["video", "text"]
    service_user.team.service.save()
    with pytest.raises(InterpreterNotArrangedError, match="Say how"):
        book(clinician, service_user, interpreter_language="ar", mode="text")
    contact = book(
        clinician, service_user, interpreter_language="ar", interpreting="telephone", mode="text"
    )
    assert (contact.interpreter_language, contact.interpreting) == ("ar", "telephone")
