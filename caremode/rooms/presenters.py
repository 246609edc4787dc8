"""What the room pages show, in words: the outcome a room proposes, as summary-list rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from caremode.core import codes
from caremode.core.presenters import mode_label, nhs_time
from caremode.rooms.outcomes import ProposedOutcome
from caremode.scheduling.models import Contact


def _row(key: str, value: str) -> dict[str, Any]:
    return {"key": {"text": key}, "value": {"text": value}}


def proposal_rows(proposal: ProposedOutcome, contact: Contact) -> list[dict[str, Any]]:
    """What the room saw and what it proposes, for the review page's summary list."""
    name = contact.service_user.given_name
    if proposal.arrived_at is None:
        rows = [_row(f"{name} arrived", "Did not arrive in the video room")]
    else:
        after = (
            f" ({proposal.late_minutes} minutes after the start)" if proposal.late_minutes else ""
        )
        rows = [_row(f"{name} arrived", nhs_time(proposal.arrived_at) + after)]
    if proposal.began_at is not None:
        rows.append(_row("Let in", nhs_time(proposal.began_at)))
    if proposal.proposes:
        rows.append(_row("Proposed outcome", codes.OUTCOME_PLAIN[proposal.attend_status]))
    else:
        rows.append(
            _row(
                "Proposed outcome",
                "None: the call began more than "
                f"{settings.CAREMODE_ROOM_EARLY_JOIN_MINUTES} minutes before the booked time, "
                "so record the outcome on the contact once it has started",
            )
        )
    if proposal.mode_used:
        rows.append(_row("Mode used", mode_label(proposal.mode_used)))
    why = " ".join(proposal.reasons)
    failure = f"Yes. {why}" if proposal.technical_failure else (f"No. {why}" if why else "No")
    rows.append(_row("Technical failure", failure))
    if proposal.interpreter_present:
        rows.append(_row("Interpreter", "Let in to the call"))
    return rows
