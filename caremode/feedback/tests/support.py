"""What the feedback tests share: a fixed Wednesday in February (UK time is UTC), an attended
contact whose outcome was just recorded, and the token in a queued message."""

from __future__ import annotations

import datetime as dt
import re

from caremode.messaging.models import OutboundMessage
from caremode.scheduling.models import Contact
from tests.factories import ContactFactory

WEDNESDAY = dt.datetime(2027, 2, 10, 14, 0, tzinfo=dt.UTC)


def attended(
    service_user,
    clinician,
    *,
    mode: str = "telephone",
    hours_ago: int = 3,
    consultation_type: str = "care_coordination",
    carer=None,
    now: dt.datetime = WEDNESDAY,
) -> Contact:
    """A contact that took place `hours_ago` and whose outcome was recorded an hour later."""
    start = now - dt.timedelta(hours=hours_ago)
    return ContactFactory(
        service_user=service_user,
        clinician=clinician,
        consultation_type=consultation_type,
        planned_mode=mode,
        start=start,
        carer_invited=carer,
        attend_status="5",
        mode_used=mode,
        outcome_recorded_by=clinician,
        outcome_recorded_at=start + dt.timedelta(hours=1),
    )


def booked(service_user, clinician, *, start: dt.datetime, consultation_type: str) -> Contact:
    return ContactFactory(
        service_user=service_user,
        clinician=clinician,
        consultation_type=consultation_type,
        start=start,
    )


def token_in(message: OutboundMessage, path: str = "feedback") -> str:
    """The token of the link in a queued message (the only place it exists)."""
    found = re.search(rf"/{path}/([A-Za-z0-9_-]+)/", message.body)
    assert found, message.body
    return found.group(1)


ALL_GOOD = {
    "fft": "1",
    "fft_why": "",
    "mode_suited": "yes",
    "choose_again": "yes",
    "barriers": [],
    "anything_else": "",
}
