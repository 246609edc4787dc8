from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.people.models import Carer, ServiceUser
from caremode.people.selectors import get_current_consent
from caremode.scheduling.errors import (
    CarerNotConsentedError,
    ClinicianUnavailableError,
    ContactInPastError,
    ModeNotOfferedError,
    OutcomeAlreadyRecordedError,
    OutcomeTooEarlyError,
    ServiceUserDischargedError,
)
from caremode.scheduling.events import notify_contact_changed
from caremode.scheduling.models import Contact

# Outcomes that can only be known once the contact was due to start.
OUTCOMES_AFTER_START = frozenset({"5", "6", "7", "3"})


@transaction.atomic
def book_contact(
    *,
    actor: User,
    service_user: ServiceUser,
    consultation_type: str,
    mode: str,
    start: dt.datetime,
    duration_minutes: int = 60,
    carer: Carer | None = None,
    interpreter_needed: bool | None = None,
    notes: str = "",
) -> Contact:
    """Book a contact with the acting clinician, in a mode the service offers.

    Preconditions: `service_user` was reached through an access function. Raises, naming the field:
    ContactInPastError (start not in the future), ModeNotOfferedError, CarerNotConsentedError (no
    current consent to join contacts, E10), ServiceUserDischargedError, ClinicianUnavailableError
    (the clinician already has a contact at that time), DomainError for an unknown code.
    Audited as a create. An interpreter is requested by default when the person needs one (E14).
    """
    if consultation_type not in codes.CONSULTATION_TYPES:
        raise DomainError(
            f"Unknown consultation type {consultation_type!r}.", field="consultation_type"
        )
    if mode not in codes.MODES:
        raise DomainError(f"Unknown mode {mode!r}.", field="mode")
    if not 5 <= duration_minutes <= 480:
        raise DomainError("Duration must be between 5 and 480 minutes.", field="duration_minutes")
    if start <= timezone.now():
        raise ContactInPastError(
            "The start must be in the future. To record a contact that has happened, "
            "record its outcome instead.",
            field="start",
        )
    if service_user.status != ServiceUser.Status.ACTIVE:
        raise ServiceUserDischargedError(
            f"{service_user.full_name} has been discharged; contacts cannot be booked."
        )
    offered = service_user.team.service.modes_offered
    if mode not in offered:
        labels = ", ".join(codes.MODES[m][1].lower() for m in offered)
        raise ModeNotOfferedError(
            f"{service_user.team.service.name} does not offer {codes.MODES[mode][1].lower()} "
            f"contacts. It offers: {labels}.",
            field="mode",
        )
    if carer is not None:
        consent = get_current_consent(service_user, carer.pk)
        if consent is None or not consent.scope_join_contacts:
            raise CarerNotConsentedError(
                f"{service_user.full_name} has not agreed that {carer} may join contacts.",
                field="carer",
            )
    end = start + dt.timedelta(minutes=duration_minutes)
    # Lock the clinician's row so two bookings for the same clinician are checked one at a time.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    # Contacts with no outcome yet are the ones still going ahead; none lasts over 8 hours.
    nearby = Contact.objects.filter(
        clinician=actor,
        attend_status__isnull=True,
        start__lt=end,
        start__gt=start - dt.timedelta(hours=8),
    ).only("start", "duration_minutes")
    if any(c.end > start for c in nearby):
        raise ClinicianUnavailableError(
            "You already have a contact booked at that time.", field="start"
        )
    contact = Contact.objects.create(
        service_user=service_user,
        team=service_user.team,
        clinician=actor,
        consultation_type=consultation_type,
        planned_mode=mode,
        planned_cons_mechanism=codes.cons_mechanism_for(mode),
        start=start,
        duration_minutes=duration_minutes,
        carer_invited=carer,
        interpreter_needed=(
            service_user.interpreter_needed if interpreter_needed is None else interpreter_needed
        ),
        notes=notes,
        booked_by=actor,
        booked_at=timezone.now(),
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=contact,
        subject_id=service_user.pk,
        detail={"mode": mode, "consultation_type": consultation_type, "start": start.isoformat()},
    )
    notify_contact_changed(contact, change="booked")
    return contact


@transaction.atomic
def record_outcome(
    *,
    actor: User,
    contact: Contact,
    attend_status: str,
    mode_used: str = "",
    technical_failure: bool = False,
    ended_early: bool = False,
    notes: str = "",
) -> Contact:
    """Record what became of a contact, in MHSDS AttendStatus terms (E13, E16, E17).

    Raises, naming the field: DomainError for an unknown code or a missing mode used for an
    attended contact; OutcomeTooEarlyError for an attendance outcome before the contact's start;
    OutcomeAlreadyRecordedError if an outcome exists (checked in the UPDATE itself, so two clerks
    recording at once cannot both succeed). Audited as an update.
    """
    if attend_status not in codes.ATTEND_STATUS:
        raise DomainError(f"Unknown outcome {attend_status!r}.", field="attend_status")
    attended = attend_status in codes.ATTENDED
    if attended and not mode_used:
        raise DomainError("Select the mode that was actually used.", field="mode_used")
    if mode_used and mode_used not in codes.MODES:
        raise DomainError(f"Unknown mode {mode_used!r}.", field="mode_used")
    if ended_early and not attended:
        raise DomainError(
            "A contact can only have ended early if it took place.", field="ended_early"
        )
    if attend_status in OUTCOMES_AFTER_START and contact.start > timezone.now():
        raise OutcomeTooEarlyError(
            "This contact has not started yet. Only a cancellation can be recorded now.",
            field="attend_status",
        )
    updated = Contact.objects.filter(pk=contact.pk, attend_status__isnull=True).update(
        attend_status=attend_status,
        mode_used=mode_used if attended else "",
        cons_mechanism_used=codes.cons_mechanism_for(mode_used) if attended else "",
        technical_failure=technical_failure,
        ended_early=ended_early,
        outcome_notes=notes,
        outcome_recorded_by=actor,
        outcome_recorded_at=timezone.now(),
    )
    if not updated:
        raise OutcomeAlreadyRecordedError(
            "An outcome has already been recorded for this contact.", field="attend_status"
        )
    contact.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contact,
        subject_id=contact.service_user_id,
        detail={
            "attend_status": attend_status,
            "mode_used": contact.mode_used,
            "technical_failure": technical_failure,
            "ended_early": ended_early,
        },
    )
    notify_contact_changed(contact, change="outcome_recorded")
    return contact
