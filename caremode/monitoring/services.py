"""Writes of monitoring data: scoring an assessment and raising the alerts it calls for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.monitoring import alerts, scoring
from caremode.monitoring.errors import (
    AssessmentAnswerError,
    PersonDischargedError,
    ScoreContactError,
    WarningSignError,
)
from caremode.monitoring.instruments import DIALOG_MORE_HELP_SUFFIX, get_instrument
from caremode.monitoring.models import Assessment, CheckIn, WarningSign
from caremode.monitoring.selectors import get_previous_score
from caremode.people.models import ServiceUser
from caremode.scheduling.models import Contact
from caremode.scheduling.services import raise_team_alert


@transaction.atomic
def record_assessment(
    *,
    actor: User | None,
    service_user: ServiceUser,
    measure: str,
    answers: Mapping[str, int | None],
    more_help: Sequence[str] = (),
    checkin: CheckIn | None = None,
    contact: Contact | None = None,
    taken_at: dt.datetime | None = None,
) -> Assessment:
    """Store one questionnaire, scored by CareMode from its item answers, and raise its alerts.

    Preconditions: the caller has reached `service_user` through `people`'s access functions (or
    a check-in link, `checkin`, of theirs). `contact` (a clinician scoring during a contact, in
    any mode) must be this person's and have taken place; the assessment records its mode.
    Incomplete questionnaires are stored as incomplete, unscored; PHQ-9 item 9 above 0 raises an
    urgent alert even then. Audited. Raises `AssessmentAnswerError` naming the item,
    `PersonDischargedError`, `ScoreContactError`; nothing is saved when one is raised."""
    if service_user.status != ServiceUser.Status.ACTIVE:
        raise PersonDischargedError(
            f"{service_user} has been discharged: check-ins and scores are no longer taken.",
            field="service_user",
        )
    try:
        result = scoring.score(measure, answers)
    except scoring.AnswerError as error:
        raise AssessmentAnswerError(str(error), field=error.key) from error
    instrument = get_instrument(measure)
    if len(result.missing) == len(instrument.scored_items):
        raise AssessmentAnswerError(
            f"Answer at least one question of the {instrument.name}",
            field=instrument.scored_items[0].key,
        )
    help_keys = [key.removesuffix(DIALOG_MORE_HELP_SUFFIX) for key in more_help]
    allowed_help = {item.key for item in instrument.items if item.asks_for_more_help}
    for key in help_keys:
        if key not in allowed_help:
            raise AssessmentAnswerError(
                f"{key} is not a {instrument.name} question that asks about more help.",
                field=key + DIALOG_MORE_HELP_SUFFIX,
            )
    mode = ""
    if contact is not None:
        if contact.service_user_id != service_user.pk:
            raise ScoreContactError("This contact is not with this person.", field="contact")
        if contact.attend_status not in codes.ATTENDED:
            raise ScoreContactError(
                "Record the contact as attended before scoring a measure in it.", field="contact"
            )
        mode = contact.mode_used or contact.planned_mode
    assessment = Assessment(
        service_user=service_user,
        measure=result.measure.value,
        answers={k: v for k, v in answers.items() if v is not None},
        more_help=sorted(set(help_keys)),
        complete=result.complete,
        score=result.total,
        band=result.band,
        treatment_mean=result.treatment_mean,
        risk_answer=result.risk_answer,
        source=Assessment.Source.CONTACT if contact is not None else Assessment.Source.CHECKIN,
        checkin=checkin,
        contact=contact,
        mode=mode,
        taken_at=taken_at or timezone.now(),
        recorded_by=actor,
    )
    assessment.save()
    # Compare with the score taken before this one, not the latest stored: a score entered
    # afterwards for an earlier contact must not be read as a change from a later check-in.
    previous = get_previous_score(
        service_user=service_user, measure=result.measure.value, before=assessment
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assessment,
        subject_id=service_user.pk,
        detail={
            "measure": assessment.measure,
            "complete": assessment.complete,
            "source": assessment.source,
            "contact": contact.pk if contact is not None else None,
        },
    )
    for reason in alerts.alerts_for(result, previous=previous):
        raise_team_alert(
            kind=reason.kind,
            key=f"assessment:{assessment.pk}:{reason.suffix}",
            service_user=service_user,
            message=reason.message,
            urgent=reason.urgent,
        )
    return assessment


# --- Early-warning signs agreed with the person (issue 12, the clinician's side) ---------------

SIGN_FIELDS = {
    "sign": ("the warning sign, in the person's own words", 200),
    "person_action": ("what the person will do", 300),
    "team_action": ("what the team will do", 300),
    "contact_whom": ("whom to contact", 200),
}


@transaction.atomic
def agree_warning_sign(
    *,
    actor: User,
    service_user: ServiceUser,
    sign: str,
    person_action: str,
    team_action: str,
    contact_whom: str,
) -> WarningSign:
    """Record one early-warning sign agreed with the person, in their own words, with what they
    and the team will do and whom to contact.

    Preconditions: `actor` reached `service_user` through `people`'s access functions. Every
    part is required (text is stripped, never rewritten). Audited. Raises `WarningSignError`
    naming the field for an empty or too long part, `PersonDischargedError` for someone
    discharged; nothing is saved then."""
    if service_user.status != ServiceUser.Status.ACTIVE:
        raise PersonDischargedError(
            f"{service_user} has been discharged: early-warning signs are no longer agreed.",
            field="service_user",
        )
    values = {"sign": sign, "person_action": person_action, "team_action": team_action}
    values["contact_whom"] = contact_whom
    cleaned: dict[str, str] = {}
    for field, (what, limit) in SIGN_FIELDS.items():
        text = " ".join((values[field] or "").split())
        if not text:
            raise WarningSignError(f"Enter {what}", field=field)
        if len(text) > limit:
            raise WarningSignError(f"Keep {what} to {limit} characters or fewer", field=field)
        cleaned[field] = text
    if WarningSign.objects.filter(
        service_user=service_user, retired_at__isnull=True, sign__iexact=cleaned["sign"]
    ).exists():
        raise WarningSignError("This warning sign is already in the plan", field="sign")
    warning_sign = WarningSign.objects.create(
        service_user=service_user, agreed_by=actor, agreed_at=timezone.now(), **cleaned
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=warning_sign,
        subject_id=service_user.pk,
        detail={"warning_sign": warning_sign.pk},
    )
    return warning_sign


@transaction.atomic
def retire_warning_sign(*, actor: User, warning_sign: WarningSign) -> WarningSign:
    """Take a warning sign out of the person's plan: no longer asked at check-ins. Kept, with
    its reports, for the history. A conditional update, so it is retired once. Audited. Raises
    `WarningSignError` if it was already retired."""
    now = timezone.now()
    if not WarningSign.objects.filter(pk=warning_sign.pk, retired_at__isnull=True).update(
        retired_at=now, retired_by=actor
    ):
        raise WarningSignError("This warning sign was already taken out of the plan", field=None)
    warning_sign.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.REVOKE,
        obj=warning_sign,
        subject_id=warning_sign.service_user_id,
        detail={"warning_sign": warning_sign.pk},
    )
    return warning_sign
