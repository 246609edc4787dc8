"""Requests from the person about one of their appointments: they ask, the team acts and closes.

The person never changes the diary: a request reaches the team page (hazard H-P01 in
docs/clinical-safety.md), and the care team reschedules, cancels or rebooks through the usual
services before closing it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.errors import DomainError
from caremode.scheduling.events import notify_contact_changed
from caremode.scheduling.models import AppointmentRequest, Contact


class AppointmentRequestError(DomainError):
    """A request the person cannot make about this appointment."""


@transaction.atomic
def ask_about_contact(
    *, actor: User, contact: Contact, kind: str, mode: str = "", message: str = ""
) -> AppointmentRequest:
    """Record the person's request to cancel, rebook or change the mode of `contact`, for its
    team to act on; audited and the team's open pages told on commit. The diary is unchanged.

    Raises AppointmentRequestError naming the field: an appointment already past or with an
    outcome (`kind`), an unknown kind, a change of mode without a mode the service offers, or
    the mode it already has (`mode`), or a request already open for it (`kind`)."""
    if kind not in AppointmentRequest.Kind.values:
        raise AppointmentRequestError("Choose what you would like to change.", field="kind")
    if contact.attend_status is not None or contact.start <= timezone.now():
        raise AppointmentRequestError(
            "This appointment has already taken place or been cancelled.", field="kind"
        )
    if kind == AppointmentRequest.Kind.CHANGE_MODE:
        if mode not in contact.team.service.modes_offered:
            raise AppointmentRequestError("Choose how you would like to meet.", field="mode")
        if mode == contact.planned_mode:
            raise AppointmentRequestError(
                "This appointment is already arranged that way.", field="mode"
            )
    else:
        mode = ""
    try:
        with transaction.atomic():
            request = AppointmentRequest.objects.create(
                contact=contact,
                service_user_id=contact.service_user_id,
                team_id=contact.team_id,
                kind=kind,
                mode=mode,
                message=message.strip()[:500],
                requested_by=actor,
                requested_at=timezone.now(),
            )
    except IntegrityError as error:
        raise AppointmentRequestError(
            "You have already asked about this appointment. The team will be in touch.",
            field="kind",
        ) from error
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=request,
        subject_id=contact.service_user_id,
        detail={"contact": contact.pk, "kind": kind, "mode": mode},
    )
    notify_contact_changed(contact, change="request")
    return request


@transaction.atomic
def close_appointment_request(
    *, actor: User, appointment_request: AppointmentRequest, note: str
) -> AppointmentRequest:
    """Close a request once the team has acted on it (or decided not to), saying what was done;
    audited. Raises AppointmentRequestError if it is already closed or the note is empty."""
    if not note.strip():
        raise AppointmentRequestError("Say what was done about the request.", field="note")
    closed = AppointmentRequest.objects.filter(
        pk=appointment_request.pk, closed_at__isnull=True
    ).update(closed_at=timezone.now(), closed_by=actor, outcome_note=note.strip()[:500])
    if not closed:
        raise AppointmentRequestError("This request has already been closed.", field="note")
    appointment_request.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=appointment_request,
        subject_id=appointment_request.service_user_id,
        detail={"closed": True, "note": appointment_request.outcome_note},
    )
    return appointment_request
