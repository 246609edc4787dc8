from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.decisions.errors import DecisionInputError
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.decisions.rules import (
    KEEP_IN_TOUCH_RHYTHMS,
    MAX_REOFFER_DAYS,
    PREFERENCES,
    WAITING_OUTCOMES,
    Recommendation,
)
from caremode.decisions.selectors import list_waiting
from caremode.people.consent import may_take_part_in_decisions
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling.models import Commitment, TeamAlert
from caremode.scheduling.services import (
    agree_commitment,
    clear_alerts,
    end_commitment,
    raise_team_alert,
)

MAX_REVIEW_MONTHS = 12
# The kind of contact that keeps in touch while a person is paused or waiting.
KEEP_IN_TOUCH_CONTACT_TYPE = "wellbeing_check_in"


@dataclass(frozen=True)
class KeepInTouch:
    """How the clinician keeps in touch while therapy is paused or the person waits: a mode, a
    weekday and time, every so many weeks. Recorded as a `scheduling.Commitment`."""

    mode: str
    weekday: int
    time: dt.time
    every_weeks: int


@transaction.atomic
def record_preference(
    *, actor: User, service_user: ServiceUser, mode: str, preference: str, source: str
) -> ModePreference:
    """Record what the person says about one mode; the previous statement is kept as history.

    Raises DecisionInputError naming the field for an unknown mode or preference. Audited.
    """
    if mode not in codes.MODES:
        raise DecisionInputError(f"Unknown mode {mode!r}.", field="mode")
    if preference not in PREFERENCES:
        raise DecisionInputError(f"Unknown preference {preference!r}.", field="preference")
    now = timezone.now()
    ModePreference.objects.filter(
        service_user=service_user, mode=mode, superseded_at__isnull=True
    ).update(superseded_at=now)
    stated = ModePreference.objects.create(
        service_user=service_user,
        mode=mode,
        preference=preference,
        source=source,
        recorded_by=actor,
        recorded_at=now,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=stated,
        subject_id=service_user.pk,
        detail={"mode": mode, "preference": preference, "source": source},
    )
    return stated


@transaction.atomic
def agree_decision(
    *,
    actor: User,
    service_user: ServiceUser,
    consultation_type: str,
    agreed_mode: str,
    fallback_mode: str,
    recommendation: Recommendation,
    review_on: dt.date,
    persons_own_words: str = "",
    service_user_took_part: bool = True,
    carer: Carer | None = None,
    outcome: str = DecisionRecord.Outcome.MODE,
    keep_in_touch: KeepInTouch | None = None,
    reoffer_on: dt.date | None = None,
    waiting_reason: str = "",
) -> DecisionRecord:
    """Record a shared decision on the mode of one kind of contact, superseding the current one.

    `recommendation` is what was on screen; it is stored with its rules version, and whether the
    agreed mode was its first choice. Raises DecisionInputError naming the field: a mode the
    service does not offer, a fallback equal to the agreed mode, a review date not in the next
    12 months, a carer without current consent, or nobody but the clinician taking part. The
    previous decision stays readable, linked to this one. Audited.

    Instead of a mode, `outcome` may be to pause and keep in touch or to wait for face to face,
    only where the recommendation offered it (hazard D16); then `keep_in_touch` (a rhythm of
    `KEEP_IN_TOUCH_RHYTHMS`), `reoffer_on` (within `MAX_REOFFER_DAYS`) and `waiting_reason` are
    required, and the rhythm is agreed as a commitment that the worker checks. Superseding a
    decision ends its keep-in-touch commitment and clears its waiting-list alerts (hazard D17).
    """
    offered = service_user.team.service.modes_offered
    if consultation_type not in codes.CONSULTATION_TYPES:
        raise DecisionInputError(
            f"Unknown consultation type {consultation_type!r}.", field="consultation_type"
        )
    waiting = outcome != DecisionRecord.Outcome.MODE
    if waiting:
        _check_waiting_terms(
            outcome=outcome,
            recommendation=recommendation,
            keep_in_touch=keep_in_touch,
            reoffer_on=reoffer_on,
            waiting_reason=waiting_reason,
        )
        agreed_mode = fallback_mode = ""
    elif not agreed_mode:
        raise DecisionInputError("Select the mode you agreed.", field="agreed_mode")
    for field, mode in (("agreed_mode", agreed_mode), ("fallback_mode", fallback_mode)):
        if mode and mode not in offered:
            raise DecisionInputError(
                f"{service_user.team.service.name} does not offer "
                f"{codes.MODES.get(mode, (mode, mode))[1].lower()} contacts.",
                field=field,
            )
    if fallback_mode and fallback_mode == agreed_mode:
        raise DecisionInputError(
            "Choose a fallback that differs from the agreed mode.", field="fallback_mode"
        )
    today = timezone.localdate()
    if not today < review_on <= today + dt.timedelta(days=MAX_REVIEW_MONTHS * 31):
        raise DecisionInputError(
            "The review date must be in the next 12 months.", field="review_on"
        )
    if carer is not None and not may_take_part_in_decisions(carer, service_user):
        raise DecisionInputError(
            f"{service_user.full_name} has not agreed that {carer} may take part.",
            field="carer",
        )
    if not service_user_took_part and carer is None:
        raise DecisionInputError(
            "A shared decision needs the service user, or a carer with consent, to take part.",
            field="service_user_took_part",
        )
    if recommendation.consultation_type != consultation_type:
        raise DecisionInputError("The recommendation shown was for another type of contact.")

    now = timezone.now()
    previous = (
        DecisionRecord.objects.select_for_update()
        .filter(
            service_user=service_user,
            consultation_type=consultation_type,
            superseded_at__isnull=True,
        )
        .first()
    )
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
        _end_waiting(actor=actor, decision=previous, because=_REPLACED)
    commitment = None
    if waiting:
        assert keep_in_touch is not None
        commitment = _agree_keep_in_touch(
            actor=actor, service_user=service_user, keep_in_touch=keep_in_touch
        )
    decision = DecisionRecord.objects.create(
        service_user=service_user,
        consultation_type=consultation_type,
        agreed_mode=agreed_mode,
        fallback_mode=fallback_mode,
        service_user_took_part=service_user_took_part,
        carer=carer,
        clinician=actor,
        persons_own_words=persons_own_words,
        recommendation=recommendation.as_json(),
        rules_version=recommendation.rules_version,
        followed_recommendation=(
            outcome in recommendation.waiting_outcomes
            if waiting
            else recommendation.top.mode == agreed_mode
        ),
        review_on=review_on,
        decided_at=now,
        outcome=outcome,
        reoffer_on=reoffer_on if waiting else None,
        waiting_reason=waiting_reason.strip() if waiting else "",
        keep_in_touch=commitment,
    )
    if previous is not None:
        previous.superseded_by = decision
        previous.save(update_fields=["superseded_by"])
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=decision,
        subject_id=service_user.pk,
        detail={
            "consultation_type": consultation_type,
            "agreed_mode": agreed_mode,
            "fallback_mode": fallback_mode,
            "supersedes": previous.pk if previous else None,
            "rules_version": recommendation.rules_version,
            "outcome": outcome,
            "reoffer_on": reoffer_on.isoformat() if waiting and reoffer_on else None,
            "keep_in_touch": commitment.pk if commitment else None,
        },
    )
    return decision


_REPLACED = "The decision it belonged to was replaced."


def _check_waiting_terms(
    *,
    outcome: str,
    recommendation: Recommendation,
    keep_in_touch: KeepInTouch | None,
    reoffer_on: dt.date | None,
    waiting_reason: str,
) -> None:
    if outcome not in WAITING_OUTCOMES:
        raise DecisionInputError(f"Unknown outcome {outcome!r}.", field="outcome")
    if outcome not in recommendation.waiting_outcomes:
        raise DecisionInputError(
            f"“{WAITING_OUTCOMES[outcome]}” is offered only where the evidence supports it: for "
            "trauma-focused therapy that cannot be face to face, or for therapy when the person "
            "declines every remote mode offered. Agree a mode instead.",
            field="outcome",
        )
    if keep_in_touch is None or keep_in_touch.every_weeks not in KEEP_IN_TOUCH_RHYTHMS:
        raise DecisionInputError(
            "Choose how often you will keep in touch: weekly, fortnightly or every 4 weeks.",
            field="keep_in_touch_every_weeks",
        )
    today = timezone.localdate()
    if reoffer_on is None or not today < reoffer_on <= today + dt.timedelta(days=MAX_REOFFER_DAYS):
        raise DecisionInputError(
            f"The date to offer it again must be in the next {MAX_REOFFER_DAYS} days.",
            field="reoffer_on",
        )
    if not waiting_reason.strip():
        raise DecisionInputError(
            "Say why you are pausing or waiting, in a few words.", field="waiting_reason"
        )


def _agree_keep_in_touch(
    *, actor: User, service_user: ServiceUser, keep_in_touch: KeepInTouch
) -> Commitment:
    try:
        return agree_commitment(
            actor=actor,
            service_user=service_user,
            consultation_type=KEEP_IN_TOUCH_CONTACT_TYPE,
            mode=keep_in_touch.mode,
            weekday=keep_in_touch.weekday,
            time=keep_in_touch.time,
            every_weeks=keep_in_touch.every_weeks,
            # From tomorrow: today's conversation is not the first keep-in-touch contact.
            starts_on=timezone.localdate() + dt.timedelta(days=1),
        )
    except DomainError as error:
        raise DecisionInputError(
            str(error), field=f"keep_in_touch_{error.field}" if error.field else None
        ) from error


def _end_waiting(*, actor: User | None, decision: DecisionRecord, because: str) -> int:
    """End a decision's keep-in-touch commitment and clear its waiting-list alerts."""
    commitment = decision.keep_in_touch
    if commitment is not None and commitment.ends_on is None and actor is not None:
        end_commitment(actor=actor, commitment=commitment, reason=because)
    return clear_alerts(
        actor=actor,
        service_user=decision.service_user,
        kinds=WAITING_ALERT_KINDS,
        key_prefix=f"waiting:{decision.pk}:",
        because=because,
    )


WAITING_ALERT_KINDS = (TeamAlert.Kind.REOFFER_DUE, TeamAlert.Kind.KEEP_IN_TOUCH_LATE)


def check_waiting_list(*, now: dt.datetime | None = None) -> int:
    """For the worker: alert the team once when a paused or waiting person's date to offer
    again arrives, and once per missed due date when keeping in touch is overdue (no attended
    care contact by the rhythm's due date and `KEEP_IN_TOUCH_GRACE_DAYS`); clear the alerts
    whose cause has gone (a contact kept in touch, or the decision replaced). Discharged people
    are left out. Returns the number of new alerts (hazard D17)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    raised = 0
    still: set[str] = set()
    for entry in list_waiting(None, today=today):
        decision = entry.decision
        what = WAITING_OUTCOMES[decision.outcome].lower()
        kind = decision.get_consultation_type_display().lower()
        if entry.reoffer_due:
            key = f"waiting:{decision.pk}:reoffer"
            still.add(key)
            raised += (
                raise_team_alert(
                    kind=TeamAlert.Kind.REOFFER_DUE,
                    key=key,
                    service_user=entry.service_user,
                    message=f"Time to offer {kind} again: agreed to {what} until "
                    f"{decision.reoffer_on:%-d %B %Y}.",
                )
                is not None
            )
        if entry.overdue:
            key = f"waiting:{decision.pk}:keep_in_touch:{entry.due_on.isoformat()}"
            still.add(key)
            raised += (
                raise_team_alert(
                    kind=TeamAlert.Kind.KEEP_IN_TOUCH_LATE,
                    key=key,
                    service_user=entry.service_user,
                    message=f"Keeping in touch is overdue: {entry.rhythm.lower()} contact "
                    f"agreed ({what}), due by {entry.due_on:%-d %B %Y}.",
                )
                is not None
            )
    with transaction.atomic():
        stale = (
            TeamAlert.objects.filter(
                kind__in=WAITING_ALERT_KINDS, resolved_at__isnull=True, key__startswith="waiting:"
            )
            .exclude(key__in=still)
            .select_related("service_user")
        )
        for alert in stale:
            clear_alerts(
                actor=None,
                service_user=alert.service_user,
                kinds=(alert.kind,),
                key_prefix=alert.key,
                because="Its cause has gone: kept in touch, offered again or decided otherwise.",
            )
    return raised
