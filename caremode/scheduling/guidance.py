"""Plain guidance for a person before their first remote contact (E20): what to expect and how
to manage it. Pure text, shown in the portal and used by reminder messages."""

from __future__ import annotations

from typing import Final

COMMON: Final = (
    "It will feel different from meeting in person. That is normal, and you can say so.",
    "Find somewhere private where you will not be overheard, if you can. If you cannot talk "
    "freely, say so at the start, or use the word you agreed with your care team.",
    "Have a drink of water, your medication list and anything you want to ask written down.",
    "Afterwards, give yourself a few minutes before getting on with your day.",
)
BY_MODE: Final[dict[str, tuple[str, ...]]] = {
    "video": (
        "You do not need to install anything. Open the link we send you on a phone, tablet or "
        "computer a few minutes early, and try the test call beforehand if you can.",
        "If the call drops or the picture freezes, we will phone you on the number we have for "
        "you, so keep your phone nearby.",
    ),
    "telephone": (
        "We will call you at the time booked. The number may show as withheld.",
        "If we are cut off, we will call you back. If you do not hear from us within 10 minutes, "
        "call your team.",
    ),
    "text": (
        "Messages are not read straight away. If you need help urgently, call your team or 111 "
        "(option 2 for mental health).",
    ),
    "email": (
        "Emails are not read straight away. If you need help urgently, call your team or 111 "
        "(option 2 for mental health).",
    ),
}


def first_remote_contact_guidance(mode: str) -> tuple[str, ...]:
    """The points to give someone before their first contact by `mode` (empty for face to face)."""
    if mode not in BY_MODE:
        return ()
    return (*BY_MODE[mode], *COMMON)


def as_message(mode: str) -> str:
    """The same guidance as one plain-text message, for SMS or email reminders."""
    points = first_remote_contact_guidance(mode)
    return "\n".join(f"- {point}" for point in points)
