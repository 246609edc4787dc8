from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.access import CODE_EXCERPTS_PERMISSION
from caremode.core.errors import DomainError
from caremode.people.errors import (
    AccessNeedAlreadyRecordedError,
    ConsentAlreadyRevokedError,
    ConsentScopeMissingError,
)
from caremode.people.models import (
    AccessNeed,
    Carer,
    CarerConsent,
    Cover,
    ServiceUser,
    Team,
    TeamMembership,
)
from caremode.signin.services import send_set_password_link


def _raise_first(error: ValidationError) -> None:
    """Turn a model's validation error into one DomainError naming the field."""
    for field, messages in error.message_dict.items():
        raise DomainError(messages[0], field=None if field == "__all__" else field) from error


@transaction.atomic
def register_service_user(*, actor: User | None, team: Team, fields: dict[str, Any]) -> ServiceUser:
    """Add a person to a team's caseload.

    `fields` are the model's own (nhs_number, names, date_of_birth, codes, contact details).
    Raises DomainError naming the field for an invalid NHS number, an unknown code, a date of
    birth in the future, or an NHS number already registered. Audited as a create.
    """
    service_user = ServiceUser(team=team, registered_at=timezone.now(), **fields)
    if service_user.date_of_birth and service_user.date_of_birth > timezone.localdate():
        raise DomainError("Date of birth must be in the past.", field="date_of_birth")
    try:
        service_user.full_clean()
    except ValidationError as error:
        _raise_first(error)
    service_user.save()
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=service_user,
        subject_id=service_user.pk,
        detail={"team": team.pk},
    )
    return service_user


@transaction.atomic
def record_access_need(
    *,
    actor: User,
    service_user: ServiceUser,
    need: str,
    notes: str = "",
    language: str = "",
    interpreting: str = "",
) -> AccessNeed:
    """Record a current access need (E9, E14-E16).

    "Needs an interpreter" needs the language (`codes.LANGUAGES`, the main language's code
    list) and how the interpreter takes part (`codes.INTERPRETING`); it marks the person as
    needing one, so that every contact booked from now on arranges an interpreter. Other needs
    take neither. Raises DomainError naming the field for an unknown need, a missing or unknown
    language or way of interpreting, or either given for another need;
    AccessNeedAlreadyRecordedError if the need is already current. Audited as a create.
    """
    if need not in codes.ACCESS_NEEDS:
        raise DomainError(f"Unknown access need {need!r}.", field="need")
    if need == codes.INTERPRETER_NEED:
        if not language:
            raise DomainError("Select the language the interpreter speaks.", field="language")
        if language not in codes.LANGUAGES:
            raise DomainError(f"Unknown language code {language!r}.", field="language")
        if not interpreting:
            raise DomainError(
                "Select how the interpreter takes part: in person, by telephone or by video.",
                field="interpreting",
            )
        if interpreting not in codes.INTERPRETING:
            raise DomainError(
                f"Unknown way of interpreting {interpreting!r}.", field="interpreting"
            )
    elif language or interpreting:
        raise DomainError(
            "A language is recorded only with the need for an interpreter.",
            field="language" if language else "interpreting",
        )
    if service_user.access_needs.filter(need=need, ended_at__isnull=True).exists():
        raise AccessNeedAlreadyRecordedError(
            f"'{codes.ACCESS_NEEDS[need]}' is already recorded.", field="need"
        )
    access_need = AccessNeed.objects.create(
        service_user=service_user,
        need=need,
        notes=notes,
        language=language,
        interpreting=interpreting,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    detail: dict[str, Any] = {"need": need}
    if need == codes.INTERPRETER_NEED:
        detail |= {"language": language, "interpreting": interpreting}
        if not service_user.interpreter_needed:
            service_user.interpreter_needed = True
            service_user.save(update_fields=["interpreter_needed"])
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=access_need,
        subject_id=service_user.pk,
        detail=detail,
    )
    return access_need


@transaction.atomic
def end_access_need(*, actor: User, access_need: AccessNeed) -> AccessNeed:
    """Mark an access need as no longer applying; the record stays in the history. Ending the
    need for an interpreter marks the person as no longer needing one (contacts booked from then
    arrange none). Raises DomainError if it was already ended. Audited as an update."""
    updated = AccessNeed.objects.filter(pk=access_need.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=actor
    )
    if not updated:
        raise DomainError("This access need has already been ended.")
    access_need.refresh_from_db()
    if access_need.need == codes.INTERPRETER_NEED:
        ServiceUser.objects.filter(pk=access_need.service_user_id).update(interpreter_needed=False)
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=access_need,
        subject_id=access_need.service_user_id,
        detail={"need": access_need.need, "ended": True},
    )
    return access_need


def _changes_to(
    service_user: ServiceUser, changes: dict[str, Any], allowed: tuple[str, ...], what: str
) -> tuple[ServiceUser, dict[str, dict[str, Any]]]:
    """The person's row, locked, and each of `changes` that differs from it as old and new;
    DomainError naming the field for one outside `allowed`, or when nothing differs."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise DomainError(f"{unknown[0]!r} is not {what}.", field=unknown[0])
    current = ServiceUser.objects.select_for_update().get(pk=service_user.pk)
    changed = {
        k: {"old": getattr(current, k), "new": v}
        for k, v in changes.items()
        if getattr(current, k) != v
    }
    if not changed:
        raise DomainError("Nothing has changed.")
    return current, changed


def _save_changed(current: ServiceUser, values: dict[str, Any]) -> None:
    """Set and validate only the fields that change, then save them (DomainError naming the
    field when one is invalid)."""
    for k, v in values.items():
        setattr(current, k, v)
    try:
        current.full_clean(
            exclude=[f.name for f in ServiceUser._meta.fields if f.name not in values]
        )
    except ValidationError as error:
        _raise_first(error)
    current.save(update_fields=sorted(values))


def _save_and_audit(
    *,
    actor: User | None,
    service_user: ServiceUser,
    current: ServiceUser,
    values: dict[str, Any],
    detail: dict[str, Any],
) -> ServiceUser:
    """Save `values` on the locked row `current` (`_save_changed`), audit the update with
    `detail`, and bring the caller's `service_user` up to date with them."""
    _save_changed(current, values)
    record_event(
        actor=actor, action=AuditAction.UPDATE, obj=current, subject_id=current.pk, detail=detail
    )
    for k in values:
        setattr(service_user, k, getattr(current, k))
    return current


# What a trust's record system may change about a person it sends again (caremode.interop's
# import), as the model names them: who they are, never their team, status or consent.
REGISTERED_DETAIL_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "ethnic_category",
    "postcode_district",
    "main_language",
)


@transaction.atomic
def update_registered_details(
    *, actor: User | None, service_user: ServiceUser, changes: dict[str, Any]
) -> ServiceUser:
    """Bring a person's registered details up to date from the trust's record system.

    `changes` holds any of `REGISTERED_DETAIL_FIELDS`, each a value different from the one
    held. `actor` is None when a system (the FHIR API) makes the change; the caller's audit
    entry names it. Raises DomainError naming the field for another field, an invalid value, a
    date of birth in the future, or no change at all (nothing is saved). Audited as an update
    with each field's old and new value.
    """
    current, changed = _changes_to(
        service_user, changes, REGISTERED_DETAIL_FIELDS, "a registered detail"
    )
    born = changes.get("date_of_birth")
    if isinstance(born, dt.date) and born > timezone.localdate():
        raise DomainError("Date of birth must be in the past.", field="date_of_birth")
    as_text = {k: {"old": str(v["old"]), "new": str(v["new"])} for k, v in changed.items()}
    return _save_and_audit(
        actor=actor,
        service_user=service_user,
        current=current,
        values={k: changes[k] for k in changed},
        detail={"registered_details": as_text},
    )


# Where a person lives, as the evaluation counts it (MHSDS-derived area fields): a person
# imported from a record system may arrive without them (rurality is not in FHIR).
AREA_FIELDS = ("postcode_district", "rurality", "imd_decile")


@transaction.atomic
def record_area(*, actor: User, service_user: ServiceUser, changes: dict[str, Any]) -> ServiceUser:
    """Record or correct where the person lives: postcode district, urban or rural, and the
    deprivation decile (each may be "not known", blank).

    `changes` holds any of `AREA_FIELDS`. Precondition: `service_user` was reached through
    `access_service_user`. Raises DomainError naming the field for another field, an invalid
    value or no change at all (nothing is saved). Audited as an update with each changed
    field's old and new value.
    """
    cleaned = {
        k: (v.strip().replace(" ", "").upper() if k == "postcode_district" and v else v)
        for k, v in changes.items()
    }
    current, changed = _changes_to(service_user, cleaned, AREA_FIELDS, "part of where they live")
    return _save_and_audit(
        actor=actor,
        service_user=service_user,
        current=current,
        values={k: cleaned[k] for k in changed},
        detail={"area": changed},
    )


# The ways of reaching a person that staff may correct, as the model names them.
CONTACT_DETAIL_FIELDS = ("phone", "email", "accepts_sms", "accepts_email")
PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 ()-]{5,18}")


@transaction.atomic
def update_contact_details(
    *, actor: User | None, service_user: ServiceUser, changes: dict[str, Any]
) -> ServiceUser:
    """Correct how to contact the person: telephone, email, and whether they agree to text
    message and email reminders.

    `changes` holds any of `CONTACT_DETAIL_FIELDS`. Preconditions: `service_user` was reached
    through `access_service_user`, or through the selector for systems when `actor` is None
    (the FHIR import, whose audit entry names the system). Raises DomainError naming the field
    for another field or an invalid value (nothing is saved). Audited as an update with each
    changed field's old and new value; nothing changed is not an update (DomainError).
    """
    cleaned = {k: (v.strip() if isinstance(v, str) else bool(v)) for k, v in changes.items()}
    current, changed = _changes_to(service_user, cleaned, CONTACT_DETAIL_FIELDS, "a contact detail")
    phone = cleaned.get("phone")
    if (
        "phone" in changed
        and isinstance(phone, str)
        and phone
        and not PHONE_NUMBER.fullmatch(phone)
    ):
        raise DomainError(
            "Enter a telephone number in digits, like 07700 900123 or 0113 496 0000.",
            field="phone",
        )
    for k, v in cleaned.items():
        setattr(current, k, v)
    return _save_and_audit(
        actor=actor,
        service_user=service_user,
        current=current,
        values={k: cleaned[k] for k in changed},
        detail={"contact_details": changed},
    )


@transaction.atomic
def add_carer_with_consent(
    *,
    actor: User | None,
    service_user: ServiceUser,
    carer_fields: dict[str, Any],
    join_contacts: bool,
    appointment_details: bool,
    assessment_input: bool,
    granted_at: dt.datetime | None = None,
) -> CarerConsent:
    """Link a new carer to a service user with the consent the service user gave (E10).

    `actor` is None when a system records it (the FHIR import of a RelatedPerson with the
    person's Consent; its audit entry names the system). Raises ConsentScopeMissingError when no
    scope is chosen, DomainError naming the field for invalid carer details. Audited as a
    create.
    """
    if not (join_contacts or appointment_details or assessment_input):
        raise ConsentScopeMissingError(
            "Select what the service user agrees the carer may do.", field="scopes"
        )
    carer = Carer(**carer_fields)
    try:
        carer.full_clean()
    except ValidationError as error:
        _raise_first(error)
    carer.save()
    consent = CarerConsent.objects.create(
        service_user=service_user,
        carer=carer,
        scope_join_contacts=join_contacts,
        scope_appointment_details=appointment_details,
        scope_assessment_input=assessment_input,
        granted_at=granted_at or timezone.now(),
        recorded_by=actor,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=consent,
        subject_id=service_user.pk,
        detail={"carer": carer.pk, "scopes": consent.scopes()},
    )
    return consent


@transaction.atomic
def revoke_consent(*, actor: User, consent: CarerConsent, reason: str = "") -> CarerConsent:
    """Withdraw a carer's consent; it takes effect at once for every page and invitation.

    Raises ConsentAlreadyRevokedError if it was already withdrawn. Audited as a revoke.
    """
    updated = CarerConsent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if not updated:
        raise ConsentAlreadyRevokedError("This consent has already been withdrawn.")
    consent.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.REVOKE,
        obj=consent,
        subject_id=consent.service_user_id,
        reason=reason,
        detail={"carer": consent.carer_id},
    )
    return consent


MAX_COVER_DAYS = 14


@transaction.atomic
def grant_cover(*, actor: User, user: User, team: Team, reason: str, ends_at: dt.datetime) -> Cover:
    """Let a clinician of another team see this team's caseload until `ends_at` (at most 14 days).

    Only a team manager of `team` may grant it. Raises DomainError naming the field. Audited.
    """
    if (
        actor.role != "team_manager"
        or not TeamMembership.objects.accepted().filter(team=team, user=actor).exists()
    ):
        raise DomainError("Only a manager of this team can grant cover.")
    if user.role not in ("clinician", "team_manager"):
        raise DomainError("Cover can only be given to a clinician.", field="user")
    if not reason.strip():
        raise DomainError("Give the reason for the cover.", field="reason")
    now = timezone.now()
    if not now < ends_at <= now + dt.timedelta(days=MAX_COVER_DAYS):
        raise DomainError("Cover ends within the next 14 days.", field="ends_on")
    cover = Cover.objects.create(
        user=user,
        team=team,
        reason=reason.strip(),
        starts_at=now,
        ends_at=ends_at,
        granted_by=actor,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=cover,
        reason=reason,
        detail={"user": user.pk, "team": team.pk, "ends_at": ends_at.isoformat()},
    )
    return cover


@transaction.atomic
def set_processing_restriction(
    *, actor: User, service_user: ServiceUser, restricted: bool, reason: str
) -> ServiceUser:
    """Restrict (or lift the restriction on) processing at the person's request (UK GDPR art. 18):
    the record stays available for their care but leaves analytics and extracts. Audited."""
    if not reason.strip():
        raise DomainError("Give the reason, in the person's words where possible.", field="reason")
    service_user.processing_restricted = restricted
    service_user.restriction_reason = reason.strip() if restricted else ""
    service_user.save(update_fields=["processing_restricted", "restriction_reason"])
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=service_user,
        subject_id=service_user.pk,
        reason=reason,
        detail={"processing_restricted": restricted},
    )
    return service_user


@transaction.atomic
def erase_registered_in_error(*, actor: User, service_user: ServiceUser, reason: str) -> None:
    """Erase a record created in error — the one case where health records may be erased. Only
    while no contact has been booked or recorded; otherwise retention rules apply. The audit log
    keeps that an erasure happened, without the person's details."""
    if not reason.strip():
        raise DomainError("Say why the record was created in error.", field="reason")
    if service_user.contacts.exists():
        raise DomainError(
            "This record has contacts, so it is part of the health record and must be kept. "
            "Restrict processing instead if the person asks."
        )
    pk = service_user.pk
    record_event(
        actor=actor,
        action=AuditAction.REVOKE,
        object_type="people.ServiceUser",
        object_id=str(pk),
        subject_id=pk,
        reason=reason,
        detail={"erased": "registered in error"},
    )
    service_user.delete()


@transaction.atomic
def create_staff_account(
    *,
    actor: User,
    username: str,
    display_name: str,
    email: str,
    role: str,
    team: Team | None,
) -> User:
    """An administrator opens a staff account. Nobody is told a password: the person is emailed
    a single-use, expiring link to set their own (signin.services.send_set_password_link), then
    sets up their own authenticator at first sign-in. A care-team account's membership of its
    team is pending: it opens the caseload only when a manager of that team accepts it
    (`accept_membership`).

    Raises DomainError naming the field for a taken username, a missing email address, a role
    that is not a staff role, or a care-team role without a team. Audited as a create.
    """
    if actor.role != "admin":
        raise DomainError("Only an administrator can open accounts.")
    if role not in ("clinician", "team_manager", "analyst", "admin"):
        raise DomainError("Choose a staff role.", field="role")
    if role in ("clinician", "team_manager") and team is None:
        raise DomainError("Choose the team they work in.", field="team")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("That username is taken.", field="username")
    if not email.strip():
        raise DomainError(
            "Enter their work email address: the link to set a password goes there.",
            field="email",
        )
    user = User(username=username, display_name=display_name, role=role, email=email.strip())
    user.set_unusable_password()
    user.save()
    if team is not None and role in ("clinician", "team_manager"):
        TeamMembership.objects.create(team=team, user=user, requested_by=actor)
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        object_type="staff account",
        detail={"role": role, "team": team.pk if team else None, "membership": "pending"},
    )
    send_set_password_link(actor=actor, user=user)
    return user


@transaction.atomic
def accept_membership(*, actor: User, membership: TeamMembership) -> TeamMembership:
    """A team's manager accepts a person into the team: from now on they see its caseload.

    Preconditions: `actor` is a team manager with an accepted membership of the same team, and
    is neither the person joining nor whoever asked for the membership (the database refuses
    that too). Raises DomainError otherwise, or if it was already accepted. Audited.
    """
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    if (
        actor.role != "team_manager"
        or not TeamMembership.objects.accepted().filter(team=membership.team, user=actor).exists()
    ):
        raise DomainError("Only a manager of this team can accept someone into it.")
    if actor.pk in (membership.user_id, membership.requested_by_id):
        raise DomainError(
            "Someone else must accept this: you cannot accept a membership you asked for or "
            "your own."
        )
    if membership.accepted_at is not None:
        raise DomainError("This membership has already been accepted.")
    membership.accepted_by = actor
    membership.accepted_at = timezone.now()
    membership.save(update_fields=["accepted_by", "accepted_at"])
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=membership,
        object_type="team membership",
        detail={
            "user": membership.user_id,
            "team": membership.team_id,
            "requested_by": membership.requested_by_id,
            "accepted": True,
        },
    )
    return membership


@transaction.atomic
def set_account_active(*, actor: User, user: User, active: bool, reason: str) -> User:
    """Close or reopen an account (for example when someone leaves). Audited with the reason."""
    if actor.role != "admin":
        raise DomainError("Only an administrator can close accounts.")
    if user == actor:
        raise DomainError("You cannot close your own account.")
    if not reason.strip():
        raise DomainError("Give the reason.", field="reason")
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit_account_change(actor=actor, user=user, reason=reason, detail={"active": active})
    return user


def _audit_account_change(*, actor: User, user: User, reason: str, detail: dict[str, Any]) -> None:
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        object_type="staff account",
        reason=reason,
        detail=detail,
    )


@transaction.atomic
def set_may_code_feedback(*, actor: User, user: User, allowed: bool, reason: str) -> User:
    """Give or take away a staff member's permission to code feedback into themes
    (`core.access.CODE_EXCERPTS_PERMISSION`, caremode.feedback.coding). Only an administrator,
    only for a staff account. Raises DomainError otherwise, or naming `reason` when none is
    given. Audited with the reason."""
    if actor.role != "admin":
        raise DomainError("Only an administrator can change who codes feedback.")
    if user.role not in ("clinician", "team_manager", "analyst", "admin"):
        raise DomainError("Only staff code feedback.")
    if not reason.strip():
        raise DomainError("Give the reason.", field="reason")
    app_label, codename = CODE_EXCERPTS_PERMISSION.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    if allowed:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    _audit_account_change(
        actor=actor, user=user, reason=reason, detail={"may_code_feedback": allowed}
    )
    return user


@transaction.atomic
def reset_second_factor(*, actor: User, user: User, reason: str) -> int:
    """Remove a person's authenticator (lost phone); they set up a new one at next sign-in."""
    if actor.role != "admin":
        raise DomainError("Only an administrator can reset a second factor.")
    if not reason.strip():
        raise DomainError("Give the reason.", field="reason")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record_event(
        actor=actor,
        action=AuditAction.REVOKE,
        obj=user,
        object_type="second factor",
        reason=reason,
        detail={"devices_removed": removed},
    )
    return removed
