from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.decisions.errors import DecisionInputError
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.decisions.rules import PREFERENCES, Recommendation
from caremode.people.consent import may_take_part_in_decisions
from caremode.people.models import Carer, ServiceUser

MAX_REVIEW_MONTHS = 12


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
) -> DecisionRecord:
    """Record a shared decision on the mode of one kind of contact, superseding the current one.

    `recommendation` is what was on screen; it is stored with its rules version, and whether the
    agreed mode was its first choice. Raises DecisionInputError naming the field: a mode the
    service does not offer, a fallback equal to the agreed mode, a review date not in the next
    12 months, a carer without current consent, or nobody but the clinician taking part. The
    previous decision stays readable, linked to this one. Audited.
    """
    offered = service_user.team.service.modes_offered
    if consultation_type not in codes.CONSULTATION_TYPES:
        raise DecisionInputError(
            f"Unknown consultation type {consultation_type!r}.", field="consultation_type"
        )
    for field, mode in (("agreed_mode", agreed_mode), ("fallback_mode", fallback_mode)):
        if mode and mode not in offered:
            raise DecisionInputError(
                f"{service_user.team.service.name} does not offer "
                f"{codes.MODES.get(mode, (mode, mode))[1].lower()} contacts.",
                field=field,
            )
    if fallback_mode == agreed_mode:
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
        followed_recommendation=recommendation.top.mode == agreed_mode,
        review_on=review_on,
        decided_at=now,
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
        },
    )
    return decision
