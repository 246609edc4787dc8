"""Carers' input to assessments (E10): invitations before assessments, reviews and risk contacts,
what the carer tells the team, and concerns raised at any time.

Rules and defaults, each in the hazard log (docs/clinical-safety.md, H-F06 to H-F09):
- only a carer whose current consent includes "give input to assessments"
  (`people.consent.may_give_assessment_input`) is invited or heard, asked again when the input
  is given, and by the worker at send time (`Purpose.CARER_INPUT`);
- the worker invites `INVITE_BEFORE` ahead of each booked contact of a type in
  `codes.CARER_INPUT_CONSULTATION_TYPES`; the invitation closes when the contact starts or is
  cancelled; by text, else email, else on the carer page;
- a concern reaches the team as an alert (`scheduling.services.raise_team_alert`), urgent when
  the carer says it cannot wait (escalated like other urgent alerts, H-M05);
- withdrawing consent revokes every open invitation and its queued message at once
  (`withdraw_carer_input`, composed in `records.services.withdraw_carer_consent`); what the carer
  said before stays on the record as the carer's view, as any record of care does.
What a carer says about the person is clinical information for their care, so it is not made
an excerpt to code (feedback about the service is).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.links import hash_token, new_link
from caremode.core.presenters import nhs_datetime
from caremode.feedback.errors import CarerInputError
from caremode.feedback.models import AskedBy, CarerInput, CarerInvitation
from caremode.messaging.models import Channel as MessageChannel
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import cancel_queued_messages, queue_message
from caremode.people.consent import consents_to_assessment_input, may_give_assessment_input
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling.models import Contact
from caremode.scheduling.services import raise_team_alert

# Carers are invited this long before the contact (H-F06).
INVITE_BEFORE = dt.timedelta(days=3)
CARER_INPUT_PATH = "/carer-input/{token}/"
MAX_TEXT = 4000


def _audit(
    actor: User | None, action: str, obj: models.Model, subject_id: int, **detail: object
) -> None:
    record_event(actor=actor, action=action, obj=obj, subject_id=subject_id, detail=detail)


def invitation_message(*, carer: Carer, contact: Contact, link: str) -> str:
    """The text of an invitation: who it is about by first name, when, no clinical detail."""
    return (
        f"Hello {carer.given_name}, {contact.service_user.given_name} has an appointment with "
        f"{contact.team.name} on {nhs_datetime(contact.start)}. They have agreed you can tell the "
        f"team what you have noticed beforehand: {link} The link works once, until the "
        "appointment starts. If someone is in danger now, call 999."
    )


def invite_carers_before_assessments(*, now: dt.datetime | None = None) -> int:
    """Invite each carer with consent to give input to the person's assessments, reviews and
    risk contacts booked in the next `INVITE_BEFORE`; return how many invitations were made.

    One invitation per contact and carer (a unique constraint, so two workers never invite
    twice), each contact in its own transaction. By text to the carer's mobile, else email (a
    link that is its own key), else on the carer page when the carer has an account."""
    now = now or timezone.now()
    made = 0
    contacts = (
        Contact.objects.filter(
            attend_status__isnull=True,
            consultation_type__in=codes.CARER_INPUT_CONSULTATION_TYPES,
            start__gt=now,
            start__lte=now + INVITE_BEFORE,
            service_user__status=ServiceUser.Status.ACTIVE,
        )
        .select_related("service_user", "team")
        .order_by("start", "pk")
    )
    for contact in contacts:
        for consent in consents_to_assessment_input(contact.service_user):
            with transaction.atomic():
                made += _invite(contact, consent.carer, now=now)
    return made


def _invite(contact: Contact, carer: Carer, *, now: dt.datetime) -> int:
    if carer.phone:
        asked_by, address = AskedBy.SMS, carer.phone
    elif carer.email:
        asked_by, address = AskedBy.EMAIL, carer.email
    elif carer.account_id is not None:
        asked_by, address = AskedBy.PORTAL, ""
    else:
        return 0
    link = new_link() if asked_by != AskedBy.PORTAL else None
    try:
        with transaction.atomic():
            invitation = CarerInvitation.objects.create(
                contact=contact,
                service_user_id=contact.service_user_id,
                carer=carer,
                asked_by=asked_by,
                token_hash=link.token_hash if link else None,
                created_at=now,
                expires_at=contact.start,
            )
    except IntegrityError:
        return 0
    _audit(None, AuditAction.CREATE, invitation, contact.service_user_id, asked_by=asked_by)
    if link is not None:
        queue_message(
            service_user=contact.service_user,
            carer=carer,
            channel=MessageChannel.SMS if asked_by == AskedBy.SMS else MessageChannel.EMAIL,
            recipient=address,
            recipient_label=f"{carer} (carer)",
            subject="Tell the team what you have noticed",
            body=invitation_message(carer=carer, contact=contact, link=link.url(CARER_INPUT_PATH)),
            purpose=Purpose.CARER_INPUT,
            reference=f"carer-input:{invitation.pk}",
        )
    return 1


def _check_open(invitation: CarerInvitation, *, now: dt.datetime) -> None:
    if invitation.answered_at is not None:
        raise CarerInputError(
            "You have already told the team what you noticed. Thank you.", field="token"
        )
    if invitation.revoked_at is not None or not may_give_assessment_input(
        invitation.carer_id, invitation.service_user_id
    ):
        raise CarerInputError("This invitation is no longer open.", field="token")
    if invitation.expires_at <= now or invitation.contact.attend_status in codes.CANCELLED:
        raise CarerInputError(
            "This invitation has closed: the appointment has started or was cancelled.",
            field="token",
        )


def open_invitation_by_link(*, token: str) -> CarerInvitation:
    """The invitation a link opens, still open and still within consent; audited as a read.

    Only the token's hash is compared. Raises CarerInputError (field `token`) for a link that is
    unknown, used, closed, revoked, or whose consent no longer holds."""
    found = (
        CarerInvitation.objects.select_related("contact__team", "service_user", "carer")
        .filter(token_hash=hash_token(token))
        .first()
        if token
        else None
    )
    if found is None:
        raise CarerInputError(
            "This link is not recognised. Check it is the whole link from your message.",
            field="token",
        )
    _check_open(found, now=timezone.now())
    _audit(None, AuditAction.READ, found, found.service_user_id, purpose="carer input by link")
    return found


def check_invitation_open(invitation: CarerInvitation) -> None:
    """Raise CarerInputError unless the invitation can be answered now (the carer page)."""
    _check_open(invitation, now=timezone.now())


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CarerInputError("Enter what you have noticed.", field="text")
    if len(text) > MAX_TEXT:
        raise CarerInputError(
            f"What you have noticed must be {MAX_TEXT} characters or fewer.", field="text"
        )
    return text


@transaction.atomic
def give_carer_input(*, actor: User | None, invitation: CarerInvitation, text: str) -> CarerInput:
    """Record what the carer has noticed before the contact, once, within consent.

    `actor` is the carer signed in, or None by link. The invitation is marked answered by a
    conditional update (a second answer fails). Raises CarerInputError on `token` (closed,
    revoked, consent withdrawn) or `text`; nothing is saved then. Audited."""
    now = timezone.now()
    _check_open(invitation, now=now)
    text = _clean_text(text)
    if not CarerInvitation.objects.filter(
        pk=invitation.pk, answered_at__isnull=True, revoked_at__isnull=True
    ).update(answered_at=now):
        raise CarerInputError("This invitation has just been answered.", field="token")
    invitation.answered_at = now
    given = CarerInput.objects.create(
        kind=CarerInput.Kind.BEFORE_CONTACT,
        service_user_id=invitation.service_user_id,
        carer_id=invitation.carer_id,
        contact_id=invitation.contact_id,
        invitation=invitation,
        text=text,
        given_at=now,
    )
    _audit(actor, AuditAction.CREATE, given, invitation.service_user_id, kind=given.kind)
    return given


@transaction.atomic
def raise_carer_concern(
    *, actor: User, carer: Carer, service_user: ServiceUser, text: str, urgent: bool = False
) -> CarerInput:
    """A concern from a carer, at any time, to the person's care team as an alert.

    Only within consent to give input to assessments (CarerInputError on `service_user`
    otherwise). The alert says a carer raised a concern, not what it is (that is on the record
    for the team); it is urgent when the carer says it cannot wait. Audited."""
    if not may_give_assessment_input(carer, service_user):
        raise CarerInputError(
            "You cannot raise a concern about this person: their consent does not cover it.",
            field="service_user",
        )
    text = _clean_text(text)
    now = timezone.now()
    concern = CarerInput.objects.create(
        kind=CarerInput.Kind.CONCERN,
        service_user=service_user,
        carer=carer,
        text=text,
        urgent=urgent,
        given_at=now,
    )
    _audit(actor, AuditAction.CREATE, concern, service_user.pk, kind=concern.kind, urgent=urgent)
    raise_team_alert(
        kind="carer_concern",
        key=f"carer-concern:{concern.pk}",
        service_user=service_user,
        message=(
            f"{carer} ({carer.relationship.lower() or 'carer'}) raised a concern"
            + (" and says it cannot wait" if urgent else "")
            + ". Read it on the record, under what carers have told the team."
        ),
        urgent=urgent,
    )
    return concern


@transaction.atomic
def withdraw_carer_input(*, carer: Carer, service_user: ServiceUser) -> int:
    """Revoke the carer's open invitations about `service_user` and their queued messages, at
    once (on withdrawal of consent); return how many. Audited."""
    now = timezone.now()
    open_invitations = list(
        CarerInvitation.objects.select_for_update().filter(
            carer=carer,
            service_user=service_user,
            answered_at__isnull=True,
            revoked_at__isnull=True,
        )
    )
    for invitation in open_invitations:
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        cancel_queued_messages(
            reference=f"carer-input:{invitation.pk}",
            purpose=Purpose.CARER_INPUT,
            why="Consent withdrawn",
        )
        _audit(None, AuditAction.REVOKE, invitation, service_user.pk, reason="Consent withdrawn")
    return len(open_invitations)
