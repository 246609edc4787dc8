"""What each message is for, and the consent a carer needs to be sent it (E10).

This is the one mapping from a message's purpose to the consent predicate in `people.consent`.
The worker asks it again at send time, and withdrawing consent asks it for every queued message,
so a message queued while consent held is never sent after it stopped.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

from caremode.people import consent
from caremode.people.models import Carer, ServiceUser


class Purpose(models.TextChoices):
    REMINDER = "reminder", "Reminder"
    PREPARATION = "preparation", "What to expect"
    CHANGE = "change", "Change to an appointment"
    ROOM_LINK = "room_link", "Video room link"
    DISCHARGE = "discharge", "Discharge: what happens next"
    # A wellbeing check-in link (monitoring): for the service user only (SERVICE_USER_ONLY).
    CHECKIN = "checkin", "Check-in link"
    # Feedback after a contact (feedback): to the person, or a carer who took part.
    FEEDBACK = "feedback", "Feedback after an appointment"
    # A carer's invitation to tell the team what they have noticed before an assessment (E10).
    CARER_INPUT = "carer_input", "Invitation to give input before an appointment"
    # An interpreter booked to a contact (language, how, time) or its cancellation (E14):
    # for the interpreting service only (RecipientKind.INTERPRETER).
    INTERPRETER_BOOKING = "interpreter_booking", "Interpreter booking"


Predicate = Callable[[Carer | int, ServiceUser | int], bool]

# purpose → (what the consent must allow, in words; the predicate that says whether it does)
CARER_CONSENT_FOR_PURPOSE: dict[str, tuple[str, Predicate]] = {
    Purpose.REMINDER: ("receive appointment details", consent.may_receive_appointment_details),
    Purpose.PREPARATION: ("receive appointment details", consent.may_receive_appointment_details),
    Purpose.CHANGE: ("receive appointment details", consent.may_receive_appointment_details),
    Purpose.ROOM_LINK: ("join contacts", consent.may_join_contacts),
    Purpose.DISCHARGE: ("receive appointment details", consent.may_receive_appointment_details),
    Purpose.FEEDBACK: ("join contacts", consent.may_give_feedback),
    Purpose.CARER_INPUT: ("give input to assessments", consent.may_give_assessment_input),
}


# Purposes no carer consent ever covers: their messages go to the service user alone, and
# `why_carer_may_not_receive` refuses them for every carer, at queueing and at sending.
SERVICE_USER_ONLY: frozenset[str] = frozenset({Purpose.CHECKIN})
# Purposes no carer consent covers because they are for the interpreter booked to a contact.
INTERPRETER_ONLY: frozenset[str] = frozenset({Purpose.INTERPRETER_BOOKING})


def why_carer_may_not_receive(
    *, purpose: str, carer: Carer | int | None, service_user: ServiceUser | int
) -> str:
    """Why a message for this purpose may not go to `carer` now, or "" when it may.

    Fails closed: a purpose with no consent rule, or a message for an unnamed carer, is refused.
    """
    if carer is None:
        return "Not sent: the carer this message was for is not recorded."
    if purpose in SERVICE_USER_ONLY:
        return "Not sent: this message is for the service user only, never a carer."
    if purpose in INTERPRETER_ONLY:
        return "Not sent: this message is for the interpreter only, never a carer."
    rule = CARER_CONSENT_FOR_PURPOSE.get(purpose)
    if rule is None:
        return f"Not sent: no carer consent covers messages of purpose {purpose!r}."
    scope, holds = rule
    if not holds(carer, service_user):
        return f"Not sent: consent for the carer to {scope} no longer holds."
    return ""
