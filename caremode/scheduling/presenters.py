"""The diaries' week view: days Monday to Sunday, each contact with where it stands in time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from caremode.scheduling import diary
from caremode.scheduling.models import Contact, TeamAlert


@dataclass(frozen=True)
class DiaryEntry:
    contact: Contact
    timing: str  # "past", "under way" or "to come" (diary.timing)


@dataclass(frozen=True)
class DiaryDay:
    day: dt.date
    holiday: str | None
    entries: list[DiaryEntry]


@dataclass(frozen=True)
class DiaryWeek:
    monday: dt.date
    days: list[DiaryDay]
    previous: dt.date | None
    next: dt.date | None
    is_this_week: bool

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)


def diary_entries(
    contacts: Iterable[Contact], *, now: dt.datetime | None = None
) -> list[DiaryEntry]:
    """Each contact with where it stands against the clock, in time order."""
    now = now or timezone.now()
    return [
        DiaryEntry(c, diary.timing(c.start, c.end_at, now))
        for c in sorted(contacts, key=lambda c: c.start)
    ]


def diary_week(
    monday: dt.date, contacts: Iterable[Contact], *, now: dt.datetime | None = None
) -> DiaryWeek:
    """The week from `monday`, the contacts given placed on their UK day, in time order."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    by_day: dict[dt.date, list[DiaryEntry]] = {}
    for entry in diary_entries(contacts, now=now):
        by_day.setdefault(timezone.localdate(entry.contact.start), []).append(entry)
    previous, following = diary.neighbouring_weeks(monday, today)
    return DiaryWeek(
        monday=monday,
        days=[
            DiaryDay(day, diary.bank_holiday(day), by_day.get(day, []))
            for day in diary.week_days(monday)
        ],
        previous=previous,
        next=following,
        is_this_week=monday == diary.week_starting(today),
    )


def slot_choices(slots: Iterable[dt.datetime]) -> list[tuple[str, dt.datetime]]:
    """Each free time with the value its link carries (`?slot=`, UK local, as forms.chosen_slot
    reads it)."""
    return [(f"{timezone.localtime(s):%Y-%m-%dT%H:%M}", s) for s in slots]


# Alerts shown in each kind's group on the team page; the rest are one click away (`?kind=`).
ALERTS_PER_GROUP = 20


@dataclass(frozen=True)
class AlertGroup:
    kind: str
    label: str
    alerts: list[TeamAlert]  # the first ALERTS_PER_GROUP
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.alerts)

    @property
    def urgent(self) -> bool:
        return any(alert.urgent for alert in self.alerts)


def group_alerts(alerts: Iterable[TeamAlert]) -> list[AlertGroup]:
    """Alerts grouped by kind, keeping their order (urgent first): a group comes where its
    first alert came, so the group of the most urgent alert leads."""
    groups: dict[str, list[TeamAlert]] = {}
    for alert in alerts:
        groups.setdefault(alert.kind, []).append(alert)
    labels = dict(TeamAlert.Kind.choices)
    return [
        AlertGroup(
            kind=kind,
            label=str(labels.get(kind, kind)),
            alerts=found[:ALERTS_PER_GROUP],
            total=len(found),
        )
        for kind, found in groups.items()
    ]
