"""What the audit log says to the person it is about, in plain words (pure: no database).

"Who has looked at your record" groups the entries by person and day and says what happened
("Dr Sam Lee, clinician, looked at your record 3 times on 2 December 2026"), and explains in
words what CareMode did by itself (issue 18).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

# What CareMode itself does to a record, keyed by the kind of thing and the action; the
# fallback by kind, then a general sentence. Worded for the person the record is about.
SYSTEM_WORDING: dict[tuple[str, str], str] = {
    ("scheduling.TeamAlert", "create"): "told your care team about something to check",
    ("scheduling.TeamAlert", "update"): (
        "passed a message your care team had not answered to the team's managers"
    ),
    ("rooms.Room", "update"): "noted your answer about talking privately in a video appointment",
    ("rooms.RoomPass", "update"): "noted that a video appointment link was opened",
    ("rooms.Participant", "create"): "noted who arrived for a video appointment",
    ("rooms.Participant", "update"): "noted who joined or left a video appointment",
    ("monitoring.CheckIn", "read"): "opened a check-in from the link in your message",
    ("monitoring.CheckIn", "update"): "recorded your answers to a check-in",
    ("monitoring.Assessment", "create"): "scored a questionnaire you answered",
    ("feedback.FeedbackRequest", "read"): "opened a feedback form from the link in a message",
    ("pseudonymised extract", "export"): (
        "counted your appointments, without your name, in the service's own evaluation"
    ),
}
SYSTEM_BY_KIND: dict[str, str] = {
    "scheduling.TeamAlert": "told your care team about something to check",
    "rooms.Room": "kept a note about a video appointment",
    "rooms.RoomPass": "kept a note about a video appointment link",
    "rooms.Participant": "kept a note about a video appointment",
    "monitoring.CheckIn": "kept a note about one of your check-ins",
    "scheduling.Contact": "kept a note about one of your appointments",
}
SYSTEM_FALLBACK = "kept a note of an automatic update to your record"

# What people did, as verbs for one sentence.
VERBS = {
    "read": "looked at your record",
    "create": "added to your record",
    "update": "changed your record",
    "revoke": "withdrew something on your record",
    "export": "downloaded a copy of your record",
}


@dataclass(frozen=True)
class Entry:
    """One audit entry as the page needs it: who (None for CareMode itself), what, when."""

    actor_id: int | None
    who: str
    action: str
    object_type: str
    at: dt.datetime


@dataclass
class Activity:
    """Everything one person (or CareMode) did to the record on one day."""

    day: dt.date
    who: str
    system: bool
    counts: Counter[str] = field(default_factory=Counter)
    latest: dt.datetime | None = None

    @property
    def sentence(self) -> str:
        return describe(self)


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def day_words(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def describe(activity: Activity) -> str:
    """One sentence: "Dr Sam Lee, clinician, looked at your record 3 times on 2 December 2026"
    or "CareMode told your care team about something to check on 2 December 2026"."""
    if activity.system:
        parts = [
            f"{what} ({times(n)})" if n > 1 else what for what, n in activity.counts.most_common()
        ]
        return f"CareMode {_joined(parts)} on {day_words(activity.day)}."
    parts = [
        f"{VERBS.get(action, 'kept a note about your record')} {times(n)}"
        for action, n in sorted(
            activity.counts.items(),
            key=lambda item: list(VERBS).index(item[0]) if item[0] in VERBS else len(VERBS),
        )
    ]
    return f"{activity.who} {_joined(parts)} on {day_words(activity.day)}."


def system_words(object_type: str, action: str) -> str:
    """What CareMode did by itself, in words."""
    return SYSTEM_WORDING.get(
        (object_type, action), SYSTEM_BY_KIND.get(object_type, SYSTEM_FALLBACK)
    )


def group_by_person_and_day(entries: list[Entry], *, local: dt.tzinfo) -> list[Activity]:
    """Entries grouped by who and the local day, newest day first (within a day, the most
    recent first). CareMode's own entries are grouped by what they did."""
    groups: dict[tuple[dt.date, int | None, str], Activity] = {}
    for entry in entries:
        day = entry.at.astimezone(local).date()
        system = entry.actor_id is None
        key = (day, entry.actor_id, "CareMode" if system else entry.who)
        activity = groups.setdefault(key, Activity(day=day, who=key[2], system=system))
        activity.counts[
            system_words(entry.object_type, entry.action) if system else entry.action
        ] += 1
        if activity.latest is None or entry.at > activity.latest:
            activity.latest = entry.at
    return sorted(
        groups.values(),
        key=lambda a: (a.day, a.latest or dt.datetime.min.replace(tzinfo=dt.UTC)),
        reverse=True,
    )
