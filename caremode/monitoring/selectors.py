"""Reads of monitoring data. Callers reach the person through `people`'s access functions first."""

from __future__ import annotations

from decimal import Decimal

from caremode.monitoring.models import Assessment
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
