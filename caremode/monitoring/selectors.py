"""Reads of monitoring data. Callers reach the person through `people`'s access functions first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from caremode.monitoring.models import (
    Assessment,
    CheckIn,
    CheckInSchedule,
    WarningSign,
    WarningSignReport,
)
from caremode.people.models import ServiceUser


def get_previous_score(
    *, service_user: ServiceUser, measure: str, before: Assessment | None = None
) -> Decimal | None:
    """The person's latest complete score of a measure (before `before`, when given)."""
    scores = Assessment.objects.filter(
        service_user=service_user, measure=measure, complete=True
    ).order_by("-taken_at", "-pk")
    if before is not None:
        scores = scores.exclude(pk=before.pk).filter(taken_at__lte=before.taken_at)
    latest = scores.values_list("score", flat=True).first()
    return latest


def list_assessments(*, service_user: ServiceUser, measure: str | None = None) -> list[Assessment]:
    """The person's assessments, oldest first, with the contact each was scored in."""
    rows = Assessment.objects.filter(service_user=service_user).select_related("contact")
    if measure:
        rows = rows.filter(measure=measure)
    return list(rows.order_by("taken_at", "pk"))


# Check-ins (schedules, check-ins, the person's own warning signs as the check-in asks them).


def get_current_schedule(service_user: ServiceUser) -> CheckInSchedule | None:
    """The person's current check-in schedule, or None."""
    return CheckInSchedule.objects.filter(service_user=service_user, ended_at__isnull=True).first()


def list_checkins(service_user: ServiceUser, *, limit: int = 10) -> list[CheckIn]:
    """The person's latest check-ins, newest first, whatever their status."""
    return list(
        CheckIn.objects.filter(service_user=service_user).order_by("-due_at", "-pk")[:limit]
    )


def list_open_checkins(service_user: ServiceUser) -> list[CheckIn]:
    """The person's check-ins that can be answered now, the soonest to close first."""
    return list(
        CheckIn.objects.filter(
            service_user=service_user,
            status=CheckIn.Status.DUE,
            expires_at__gt=timezone.now(),
        ).order_by("expires_at", "pk")
    )


# --- Early-warning signs and the trend (issue 12, the clinician's side) -------------------------


def list_current_warning_signs(*, service_user: ServiceUser) -> list[WarningSign]:
    """The person's early-warning signs in their plan now, in the order they were agreed."""
    return list(
        WarningSign.objects.filter(service_user=service_user, retired_at__isnull=True)
        .select_related("agreed_by")
        .order_by("agreed_at", "pk")
    )


def list_retired_warning_signs(*, service_user: ServiceUser) -> list[WarningSign]:
    """Signs taken out of the plan, most recently retired first (kept for the history)."""
    return list(
        WarningSign.objects.filter(service_user=service_user, retired_at__isnull=False)
        .select_related("agreed_by", "retired_by")
        .order_by("-retired_at", "-pk")
    )


def get_current_warning_sign(*, service_user: ServiceUser, pk: int) -> WarningSign | None:
    """One sign in this person's current plan, or None (another person's, retired, unknown)."""
    return WarningSign.objects.filter(
        service_user=service_user, retired_at__isnull=True, pk=pk
    ).first()


def list_warning_sign_reports(
    *, service_user: ServiceUser, limit: int = 20
) -> list[WarningSignReport]:
    """The most recent times the person reported a warning sign, newest first."""
    return list(
        WarningSignReport.objects.filter(service_user=service_user)
        .select_related("sign")
        .order_by("-reported_at", "-pk")[:limit]
    )


def list_complete_assessments_between(start: dt.datetime, end: dt.datetime) -> QuerySet[Assessment]:
    """Every complete, scored assessment taken in [start, end), with its person and contact;
    people whose processing is restricted left out; incomplete questionnaires never.

    For whole-service returns (the MHSDS tables); the caller audits the export. Ordered by the
    time taken, then id."""
    return (
        Assessment.objects.filter(
            taken_at__gte=start,
            taken_at__lt=end,
            complete=True,
            score__isnull=False,
            service_user__processing_restricted=False,
        )
        .select_related("service_user", "contact")
        .order_by("taken_at", "pk")
    )


def list_assessments_for_systems(
    *, people: QuerySet[ServiceUser], pk: int | None = None
) -> list[Assessment]:
    """Scored questionnaires of `people` (already chosen through `people`'s selector for
    systems, caremode.interop), oldest first; the caller audits what it returns."""
    rows = Assessment.objects.filter(service_user__in=people)
    if pk is not None:
        rows = rows.filter(pk=pk)
    return list(rows.order_by("taken_at", "pk"))
