"""The audit log in the person's words (pure, no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from caremode.audit.wording import Entry, group_by_person_and_day, system_words

UK = ZoneInfo("Europe/London")


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, tzinfo=dt.UTC)


def test_entries_are_grouped_by_person_and_day_in_plain_words():
    sam = "Dr Sam Lee (clinician)"
    entries = [
        Entry(7, sam, "read", "people.ServiceUser", at(2, 9)),
        Entry(7, sam, "read", "people.ServiceUser", at(2, 11)),
        Entry(7, sam, "update", "scheduling.Contact", at(2, 12)),
        Entry(7, sam, "read", "people.ServiceUser", at(2, 15)),
        Entry(7, sam, "read", "people.ServiceUser", at(3, 9)),
        Entry(None, "system", "create", "scheduling.TeamAlert", at(2, 8)),
        Entry(None, "system", "create", "scheduling.TeamAlert", at(2, 9)),
        Entry(None, "system", "update", "rooms.Participant", at(2, 10)),
    ]
    sentences = [a.sentence for a in group_by_person_and_day(entries, local=UK)]
    assert sentences == [
        "Dr Sam Lee (clinician) looked at your record once on 3 December 2026.",
        "Dr Sam Lee (clinician) looked at your record 3 times and changed your record once "
        "on 2 December 2026.",
        "CareMode told your care team about something to check (twice) and noted who joined "
        "or left a video appointment on 2 December 2026.",
    ]


def test_the_day_is_the_uk_day_not_the_utc_one():
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    [activity] = group_by_person_and_day([Entry(1, "A (clinician)", "read", "x", late)], local=UK)
    assert activity.day == dt.date(2026, 7, 1)


def test_an_unknown_system_action_is_still_explained():
    assert system_words("something.New", "create") == (
        "kept a note of an automatic update to your record"
    )
    assert system_words("rooms.Room", "create") == "kept a note about a video appointment"
