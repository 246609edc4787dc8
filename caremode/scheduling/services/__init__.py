"""Scheduling services: every function that changes a contact, a diary, a commitment or a handover.

Split by subject; import from here.
"""

from caremode.scheduling.services.booking import (
    book_contact,
    cancel_contact,
    reschedule_contact,
    set_working_hours,
)
from caremode.scheduling.services.checks import (
    acknowledge_alert,
    check_commitments,
    check_contact_gaps,
    check_triage_waits,
    clear_alerts,
    escalate_handovers,
    escalate_urgent_alerts,
    raise_team_alert,
    resolve_alert,
)
from caremode.scheduling.services.commitments import agree_commitment, end_commitment
from caremode.scheduling.services.handovers import (
    accept_handover,
    decline_handover,
    discharge_message,
    request_handover,
    why_not_respond,
)
from caremode.scheduling.services.outcomes import (
    complete_follow_up,
    correct_outcome,
    record_outcome,
    why_not_correct,
)
from caremode.scheduling.services.requests import (
    AppointmentRequestError,
    ask_about_contact,
    close_appointment_request,
)

__all__ = [
    "AppointmentRequestError",
    "accept_handover",
    "acknowledge_alert",
    "agree_commitment",
    "ask_about_contact",
    "book_contact",
    "cancel_contact",
    "check_commitments",
    "check_contact_gaps",
    "check_triage_waits",
    "clear_alerts",
    "close_appointment_request",
    "complete_follow_up",
    "correct_outcome",
    "decline_handover",
    "discharge_message",
    "end_commitment",
    "escalate_handovers",
    "escalate_urgent_alerts",
    "raise_team_alert",
    "record_outcome",
    "request_handover",
    "reschedule_contact",
    "resolve_alert",
    "set_working_hours",
    "why_not_correct",
    "why_not_respond",
]
