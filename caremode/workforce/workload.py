"""Workload read from the diaries, without asking anyone (E12). Pure.

For each clinician's contacts that took place or still stand (cancelled ones freed their time):
- **back to back, remote**: a remote contact followed by another remote contact that starts at or
  before the first one ends (no gap at all);
- **pause skipped**: a remote contact followed by any contact that starts sooner than the team's
  pause after a remote contact (back-to-back pairs count here too);
- **outside working hours**: a contact that starts or ends outside the clinician's working hours
  that day, or falls on a day they do not work or a bank holiday (`diary.outside_working_hours`,
  the rule booking uses).
Times are those that happened: a late start moves the contact later.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from caremode.core import codes
from caremode.scheduling import diary


@dataclass(frozen=True)
class DiaryEntry:
    clinician_id: int
    start: dt.datetime
    duration_minutes: int
    mode: str
    late_start_minutes: int = 0

    @property
    def began(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.late_start_minutes)

    @property
    def ended(self) -> dt.datetime:
        return self.began + dt.timedelta(minutes=self.duration_minutes)

    @property
    def remote(self) -> bool:
        return self.mode in codes.REMOTE_MODES


@dataclass(frozen=True)
class Workload:
    contacts: int
    remote_contacts: int
    back_to_back_remote: int
    pauses_skipped: int
    outside_working_hours: int
    clinicians: int


def workload(
    entries: Iterable[DiaryEntry],
    *,
    pause_minutes: int,
    hours: Mapping[int, dict[int, tuple[dt.time, dt.time]]],
) -> Workload:
    """The team's figures from its diary entries; `hours` maps clinician → their working hours
    (missing or empty: Monday to Friday, 9am to 5pm, as the diary assumes)."""
    by_clinician: dict[int, list[DiaryEntry]] = {}
    for entry in entries:
        by_clinician.setdefault(entry.clinician_id, []).append(entry)
    back_to_back = skipped = outside = total = remote = 0
    pause = dt.timedelta(minutes=pause_minutes)
    for clinician, own in by_clinician.items():
        own.sort(key=lambda e: e.began)
        total += len(own)
        remote += sum(1 for e in own if e.remote)
        for entry in own:
            if diary.outside_working_hours(
                entry.began, entry.duration_minutes, hours.get(clinician)
            ):
                outside += 1
        for first, then in itertools.pairwise(own):
            if (
                not first.remote
                or first.began.astimezone(diary.UK).date() != then.began.astimezone(diary.UK).date()
            ):
                continue
            gap = then.began - first.ended
            if then.remote and gap <= dt.timedelta(0):
                back_to_back += 1
            if gap < pause:
                skipped += 1
    return Workload(
        contacts=total,
        remote_contacts=remote,
        back_to_back_remote=back_to_back,
        pauses_skipped=skipped,
        outside_working_hours=outside,
        clinicians=len(by_clinician),
    )
