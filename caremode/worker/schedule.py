"""The worker's periodic checks: a plain list, in the order they run. To add one, list a function
of the app that owns the rule, taking `now` by keyword and returning how many things it found or
did; nothing registers itself."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from django.utils import timezone

from caremode.audit.services import write_checkpoint
from caremode.decisions.services import check_waiting_list
from caremode.feedback.carer_input import invite_carers_before_assessments
from caremode.feedback.services import ask_for_feedback_after_contacts
from caremode.monitoring.checkins import create_due_checkins, mark_missed_checkins
from caremode.rooms.services import close_abandoned_rooms
from caremode.scheduling.services import (
    check_commitments,
    check_contact_gaps,
    check_triage_waits,
    escalate_handovers,
    escalate_urgent_alerts,
)

logger = logging.getLogger(__name__)


class PeriodicCheck(Protocol):
    def __call__(self, *, now: dt.datetime | None = ...) -> int: ...


def write_audit_checkpoint(*, now: dt.datetime | None = None) -> int:
    """The signed audit checkpoint (ADR 0008): 1 when one was written, 0 when the head rested."""
    return int(write_checkpoint(now=now) is not None)


PERIODIC_CHECKS: list[tuple[str, PeriodicCheck]] = [
    ("commitments at risk", check_commitments),
    ("contact gaps", check_contact_gaps),
    ("telephone triages waiting", check_triage_waits),
    # People paused or waiting for face to face: the date to offer again, keeping in touch
    # overdue; alerts whose cause has gone are cleared (hazard D17).
    ("waiting list offered again or kept in touch", check_waiting_list),
    ("handovers escalated", escalate_handovers),
    # Monitoring (issue 12): urgent alerts nobody acknowledged, to the team's managers (H-M05).
    ("urgent alerts escalated", escalate_urgent_alerts),
    ("video rooms closed after the contact", close_abandoned_rooms),
    # Monitoring (mci): missed first, so a closed check-in never blocks the next one.
    ("check-ins missed", mark_missed_checkins),
    ("check-ins due sent", create_due_checkins),
    # Voices (issue 15): feedback after attended contacts (H-F01), carers invited to give
    # input before assessments, reviews and risk contacts (H-F06).
    ("feedback asked after contacts", ask_for_feedback_after_contacts),
    ("carers invited before assessments", invite_carers_before_assessments),
    # Last, so that the checkpoint witnesses what the checks above recorded.
    ("audit checkpoints written", write_audit_checkpoint),
]


FAILED = -1


def run_periodic_checks(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every check in `PERIODIC_CHECKS`, at one `now`; returns what each found or did, by name.

    A check that raises is logged with its traceback and reported as `FAILED`; the others still
    run, and so does the sending of messages (a full disk under the audit checkpoints must not
    stop reminders). Each check is its own transaction, so a failed one leaves nothing behind.
    """
    now = now or timezone.now()
    done: dict[str, int] = {}
    for name, check in PERIODIC_CHECKS:
        try:
            done[name] = check(now=now)
        except Exception:
            logger.exception("The worker's check %r failed; it runs again next round.", name)
            done[name] = FAILED
    return done
