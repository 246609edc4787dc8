"""What the check-in tests share: a fixed Wednesday in February (UK time is UTC), a person with
a mobile number, and answers to the questionnaires."""

from __future__ import annotations

import datetime as dt
import re

from caremode.messaging.models import OutboundMessage
from caremode.monitoring.models import WarningSign

# A Wednesday in February, so UK local time is UTC and no clock change is near.
WEDNESDAY = dt.datetime(2027, 2, 10, 10, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2027, 2, 10, 9, 0, tzinfo=dt.UTC)


def phq9(*values: int | None) -> dict[str, int | None]:
    return {f"phq9_{n}": v for n, v in enumerate(values, start=1)}


def gad7(*values: int | None) -> dict[str, int | None]:
    return {f"gad7_{n}": v for n, v in enumerate(values, start=1)}


CALM_PHQ9 = phq9(0, 1, 0, 1, 0, 0, 0, 0, 0)
CALM_GAD7 = gad7(1, 0, 0, 1, 0, 0, 0)


def with_mobile(person, number: str = "07700 900123"):
    person.phone = number
    person.accepts_sms = True
    person.save()
    return person


def sign_of(person, clinician, words: str = "Sleeping under four hours") -> WarningSign:
    return WarningSign.objects.create(
        service_user=person,
        sign=words,
        person_action="Tell my sister and go to bed at ten",
        team_action="Call within a day",
        contact_whom="Duty worker, 0113 496 0000",
        agreed_by=clinician,
        agreed_at=WEDNESDAY - dt.timedelta(days=7),
    )


def token_in(message: OutboundMessage) -> str:
    """The token of the check-in link in a queued message (the only place it exists)."""
    found = re.search(r"/check-in/([A-Za-z0-9_-]+)/", message.body)
    assert found, message.body
    return found.group(1)
