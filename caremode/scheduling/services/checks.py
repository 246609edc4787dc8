"""Periodic checks, run by the worker (`caremode.worker.schedule`): problems raised before the
person notices (E11, E13)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.core.presenters import mode_label
from caremode.people.models import ServiceUser, Team, TeamMembership
from caremode.scheduling import diary
from caremode.scheduling.models import Commitment, Contact, Handover, TeamAlert
from caremode.scheduling.selectors import list_triage_waits

logger = logging.getLogger(__name__)

LOOK_AHEAD = dt.timedelta(days=2)
LOOK_BACK = dt.timedelta(days=28)


def _raise_alert(
    *, kind: str, key: str, service_user: ServiceUser, message: str, urgent: bool = False
) -> bool:
    """Raise an alert once per key; True if it is new."""
    return (
        raise_team_alert(
            kind=kind, key=key, service_user=service_user, message=message, urgent=urgent
        )
        is not None
    )


def raise_team_alert(
    *, kind: str, key: str, service_user: ServiceUser, message: str, urgent: bool = False
) -> TeamAlert | None:
    """Raise an alert for the person's care team, once per `key` (what it is about).

    Returns the new alert, or None when one with that key was raised before. Audited as the
    system's write. Callers in a transaction get the alert in that transaction (a savepoint
    absorbs the duplicate)."""
    try:
        with transaction.atomic():
            alert = TeamAlert.objects.create(
                team_id=service_user.team_id,
                service_user=service_user,
                kind=kind,
                key=key,
                message=message,
                urgent=urgent,
                raised_at=timezone.now(),
            )
            record_event(
                actor=None,
                action=AuditAction.CREATE,
                obj=alert,
                subject_id=service_user.pk,
                detail={"kind": kind, "urgent": urgent},
            )
    except IntegrityError:
        return None
    return alert


def check_commitments(*, now: dt.datetime | None = None) -> int:
    """Raise an alert for each commitment occurrence that has no contact: one in the next two
    days with nothing booked, or one in the past four weeks that did not happen (cancelled by the
    service, or never booked). A discharged person's commitments raise nothing: the discharge
    ended them, and nobody is left to book. Returns the number of new alerts."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    raised = 0
    active = Commitment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today - LOOK_BACK),
        starts_on__lte=today + LOOK_AHEAD,
        service_user__status=ServiceUser.Status.ACTIVE,
    ).select_related("service_user")
    for commitment in active:
        # From the commitment's own first day, so that an every-2-weeks rhythm keeps its phase.
        days = [
            d
            for d in diary.occurrences(
                starts_on=commitment.starts_on,
                weekday=commitment.weekday,
                every_weeks=commitment.every_weeks,
                until=min(today + LOOK_AHEAD, commitment.ends_on or today + LOOK_AHEAD),
            )
            if d >= today - LOOK_BACK and not diary.bank_holiday(d)
        ]
        if not days:
            continue
        contacts = (
            Contact.objects.care()
            .filter(
                service_user_id=commitment.service_user_id,
                start__date__gte=days[0] - dt.timedelta(days=1),
                start__date__lte=days[-1] + dt.timedelta(days=1),
            )
            .exclude(attend_status="4")
        )
        held = {timezone.localtime(c.start).date() for c in contacts}
        for day in days:
            if held & {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}:
                continue
            kind = commitment.get_consultation_type_display().lower()
            what = f"{mode_label(commitment.mode).lower()} {kind}"
            if day >= today:
                message = f"The agreed {what} on {day:%A %-d %B} is not booked."
            else:
                message = f"The agreed {what} on {day:%A %-d %B} did not happen."
            raised += _raise_alert(
                kind=TeamAlert.Kind.BROKEN_COMMITMENT,
                key=f"commitment:{commitment.pk}:{day}",
                service_user=commitment.service_user,
                message=message,
            )
    return raised


def check_contact_gaps(*, now: dt.datetime | None = None) -> int:
    """Raise an alert for each person on a caseload with no attended care contact for longer
    than the team's threshold and no care contact booked (a digital support session is neither:
    hazard W3); never for a discharged person. Returns the number of new alerts."""
    now = now or timezone.now()
    care = ~Q(contacts__consultation_type__in=sorted(codes.NON_CLINICAL_CONTACT_TYPES))
    people = (
        ServiceUser.objects.filter(status=ServiceUser.Status.ACTIVE)
        .select_related("team")
        .annotate(
            last_seen=Max(
                "contacts__start",
                filter=care & Q(contacts__attend_status__in=sorted(codes.ATTENDED)),
            ),
            next_booked=Max(
                "contacts__start",
                filter=care & Q(contacts__start__gt=now, contacts__attend_status__isnull=True),
            ),
        )
        .filter(next_booked__isnull=True)
    )
    raised = 0
    for person in people.iterator(chunk_size=2000):
        since = getattr(person, "last_seen", None) or person.registered_at
        if now - since <= dt.timedelta(days=person.team.contact_gap_days):
            continue
        days = (now - since).days
        raised += _raise_alert(
            kind=TeamAlert.Kind.CONTACT_GAP,
            key=f"gap:{person.pk}:{since.date()}",
            service_user=person,
            message=f"No contact for {days} days and nothing booked.",
        )
    return raised


def check_triage_waits(*, now: dt.datetime | None = None) -> int:
    """Raise an alert, once per person and triage, when a telephone triage has waited longer
    than `settings.TRIAGE_TO_ASSESSMENT_DAYS` for the fuller assessment (E8; hazard S16).
    Returns the number of new alerts."""
    now = now or timezone.now()
    limit = settings.TRIAGE_TO_ASSESSMENT_DAYS
    raised = 0
    for wait in list_triage_waits(Team.objects.all(), now=now):
        if wait.assessed_at is not None or wait.days <= limit:
            continue
        raised += _raise_alert(
            kind=TeamAlert.Kind.TRIAGE_WAIT,
            key=f"triage:{wait.service_user_id}:{wait.triaged_at.date()}",
            service_user=wait.service_user,
            message=f"Telephone triage {wait.days} days ago and no fuller assessment yet "
            f"(the limit is {limit} days).",
        )
    return raised


def escalate_handovers(*, now: dt.datetime | None = None) -> int:
    """Escalate handovers not accepted within the sending team's limit. Returns how many."""
    now = now or timezone.now()
    escalated = 0
    for handover in Handover.objects.filter(
        status=Handover.Status.PENDING, escalated_at__isnull=True
    ).select_related("from_team", "service_user", "to_team"):
        if now - handover.requested_at < dt.timedelta(
            days=handover.from_team.handover_escalation_days
        ):
            continue
        Handover.objects.filter(pk=handover.pk).update(escalated_at=now)
        receiver = handover.to_team.name if handover.to_team else handover.receiver_name
        escalated += _raise_alert(
            kind=TeamAlert.Kind.HANDOVER_UNACCEPTED,
            key=f"handover:{handover.pk}",
            service_user=handover.service_user,
            # The team's one setting, the figure the request form states too.
            message=f"{handover.get_kind_display()} to {receiver} not accepted within "
            f"{handover.from_team.handover_escalation_days} days; {handover.service_user} is "
            "still on this caseload.",
        )
    return escalated


def _update_alert_once(
    *,
    actor: User,
    alert: TeamAlert,
    still: dict[str, object],
    change: dict[str, object],
    refused: str,
    detail: dict[str, object],
) -> TeamAlert:
    """Change an alert by a conditional update (`still`: what must still be true), so two people
    acting at once change it once; audited. Raises `DomainError(refused)` when it was not."""
    if not TeamAlert.objects.filter(pk=alert.pk, **still).update(**change):
        raise DomainError(refused)
    alert.refresh_from_db()
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=alert,
        subject_id=alert.service_user_id,
        detail=detail,
    )
    return alert


@transaction.atomic
def clear_alerts(
    *,
    actor: User | None,
    service_user: ServiceUser,
    kinds: tuple[str, ...],
    key_prefix: str,
    because: str,
) -> int:
    """Resolve a person's open alerts of these kinds whose key starts with `key_prefix`, because
    their cause has gone (`actor` None when the worker found it so). Each is audited with the
    reason; returns how many were cleared."""
    cleared = 0
    now = timezone.now()
    for alert in TeamAlert.objects.filter(
        service_user=service_user,
        kind__in=kinds,
        key__startswith=key_prefix,
        resolved_at__isnull=True,
    ):
        if TeamAlert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor
        ):
            cleared += 1
            record_event(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=alert,
                subject_id=service_user.pk,
                detail={"resolved": True, "because": because},
            )
    return cleared


@transaction.atomic
def resolve_alert(*, actor: User, alert: TeamAlert) -> TeamAlert:
    """Mark an alert as dealt with; it stays in the history."""
    return _update_alert_once(
        actor=actor,
        alert=alert,
        still={"resolved_at__isnull": True},
        change={"resolved_at": timezone.now(), "resolved_by": actor},
        refused="This alert has already been dealt with.",
        detail={"resolved": True},
    )


# --- Monitoring alerts: acknowledging and escalating (issue 12, hazards H-M05 and H-M06) -------


@transaction.atomic
def acknowledge_alert(*, actor: User, alert: TeamAlert) -> TeamAlert:
    """Say that someone in the team has seen an alert and is acting on it.

    Acknowledging stops the escalation of an urgent alert (H-M05); the alert stays open until it
    is resolved ("dealt with"). A conditional update, so two people acknowledging at once record
    one acknowledgement. Audited. Raises `DomainError` if it was already acknowledged or
    resolved."""
    return _update_alert_once(
        actor=actor,
        alert=alert,
        still={"acknowledged_at__isnull": True, "resolved_at__isnull": True},
        change={"acknowledged_at": timezone.now(), "acknowledged_by": actor},
        refused="Someone has already acknowledged or dealt with this alert.",
        detail={"acknowledged": True},
    )


def list_team_managers(team_id: int) -> list[User]:
    """The team's managers with an accepted membership and an email address: whom an
    unacknowledged urgent alert escalates to."""
    return [
        m.user
        for m in TeamMembership.objects.filter(
            team_id=team_id,
            accepted_at__isnull=False,
            user__role="team_manager",
            user__is_active=True,
        ).select_related("user")
        if m.user.email
    ]


def escalation_email(alert: TeamAlert, minutes: int) -> tuple[str, str]:
    """The subject and body sent to the managers. No name or answer in the email: it says where
    to look (the team page, after signing in), since email leaves the trust's systems."""
    url = f"{settings.CAREMODE_BASE_URL}/team/"
    return (
        "CareMode: an urgent alert has not been acknowledged",
        f"An urgent alert for your team ({alert.get_kind_display().lower()}) was raised "
        f"{minutes} minutes ago and nobody has acknowledged it yet.\n\n"
        f"Sign in and open the team page to see who it is about and act on it:\n{url}\n",
    )


def escalate_urgent_alerts(*, now: dt.datetime | None = None) -> int:
    """Escalate urgent alerts nobody acknowledged within `ALERT_ESCALATION_MINUTES` (H-M05).

    Each is emailed to the team's managers (or, when the team has none with an email address, to
    `ALERT_ESCALATION_FALLBACK_EMAILS`, the trust's duty address) and marked `escalated_at` in
    the same transaction: the mail is handed to the relay before the mark commits, so a relay
    that fails leaves the alert to be tried again next round, and an alert with nobody to tell is
    never marked escalated (it is logged as an error each round instead). The mark is a
    conditional update that skips alerts acknowledged or resolved meanwhile, so two workers
    escalate it once. Audited as the system's write. Returns how many were escalated."""
    now = now or timezone.now()
    minutes = settings.ALERT_ESCALATION_MINUTES
    cutoff = now - dt.timedelta(minutes=minutes)
    escalated = 0
    due = TeamAlert.objects.filter(
        urgent=True,
        acknowledged_at__isnull=True,
        resolved_at__isnull=True,
        escalated_at__isnull=True,
        raised_at__lte=cutoff,
    )
    for alert in due:
        recipients = [m.email for m in list_team_managers(alert.team_id)] or list(
            settings.ALERT_ESCALATION_FALLBACK_EMAILS
        )
        if not recipients:
            logger.error(
                "Urgent alert %s cannot be escalated: team %s has no manager with an email "
                "address and ALERT_ESCALATION_FALLBACK_EMAILS is empty.",
                alert.pk,
                alert.team_id,
            )
            continue
        try:
            with transaction.atomic():
                if not TeamAlert.objects.filter(
                    pk=alert.pk,
                    escalated_at__isnull=True,
                    acknowledged_at__isnull=True,
                    resolved_at__isnull=True,
                ).update(escalated_at=now):
                    continue
                record_event(
                    actor=None,
                    action=AuditAction.UPDATE,
                    obj=alert,
                    subject_id=alert.service_user_id,
                    detail={"escalated_to": len(recipients), "after_minutes": minutes},
                )
                subject, body = escalation_email(
                    alert, int((now - alert.raised_at).total_seconds() // 60)
                )
                send_mail(subject, body, None, recipients, fail_silently=False)
        except OSError:
            logger.exception("Escalating urgent alert %s failed; it is tried again.", alert.pk)
            continue
        escalated += 1
    return escalated
