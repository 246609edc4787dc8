"""Feedback counted for teams and services, never shown per person.

The Friends and Family Test as NHS England collects it (each answer's count per month and
service, with the percentages positive and negative over all responses, "don't know" included),
and the answers about the mode by team and mode. Every figure leaves here suppressed as CareMode
publishes small numbers (`core.suppression`: a count under 5 is `*`, others rounded to 5; a
percentage is `*` when its numerator or denominator is under 5).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from caremode.core import codes
from caremode.core.suppression import suppress_count, suppress_percentage
from caremode.feedback.models import FeedbackResponse, Respondent
from caremode.feedback.questionnaires import FFT_ANSWERS, FFT_NEGATIVE, FFT_POSITIVE

# NHS England's FFT data columns, in its order (the CSV keeps these names exactly).
FFT_COLUMNS = (
    "Period",
    "Service",
    "Total Responses",
    "Very Good",
    "Good",
    "Neither Good nor Poor",
    "Poor",
    "Very Poor",
    "Don't Know",
    "Percentage Positive",
    "Percentage Negative",
)


@dataclass(frozen=True)
class FftRow:
    month: dt.date
    service: str
    counts: dict[str, int]  # answer code → responses (unsuppressed; never leaves this module)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def published(self) -> dict[str, str]:
        """The row as it may be shown or exported: NHS England's columns, suppressed."""
        total = self.total
        positive = sum(self.counts.get(code, 0) for code in FFT_POSITIVE)
        negative = sum(self.counts.get(code, 0) for code in FFT_NEGATIVE)
        row = {"Period": f"{self.month:%Y-%m}", "Service": self.service}
        row["Total Responses"] = suppress_count(total)
        for code, column in zip(FFT_ANSWERS, FFT_COLUMNS[3:9], strict=True):
            row[column] = suppress_count(self.counts.get(code, 0))
        row["Percentage Positive"] = suppress_percentage(positive, total, places=0)
        row["Percentage Negative"] = suppress_percentage(negative, total, places=0)
        return row


def fft_rows(*, since: dt.date | None = None) -> list[FftRow]:
    """The FFT answers of service users and carers, counted per month and service, newest month
    first (one query)."""
    responses = FeedbackResponse.objects.exclude(respondent=Respondent.STAFF)
    if since is not None:
        responses = responses.filter(month__gte=since.replace(day=1))
    counted: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(dict)
    for entry in responses.values("month", "service__name", "fft").annotate(n=Count("pk")):
        counted[(entry["month"], entry["service__name"])][entry["fft"]] = entry["n"]
    return [
        FftRow(month=month, service=service, counts=counts)
        for (month, service), counts in sorted(
            counted.items(), key=lambda k: (-k[0][0].toordinal(), k[0][1])
        )
    ]


def fft_csv_rows(rows: Iterable[FftRow]) -> list[list[str]]:
    """The FFT table for download: the header, then each row suppressed."""
    return [list(FFT_COLUMNS)] + [[r.published()[c] for c in FFT_COLUMNS] for r in rows]


@dataclass
class ModeResults:
    """What people said about the mode, for one team and mode (suppressed when shown)."""

    team: str
    mode: str
    people: int = 0
    suited: int = 0
    choose_again: int = 0
    barriers: Counter[str] = field(default_factory=Counter)
    staff: int = 0
    could_assess: int = 0
    connection_good: int = 0

    def published(self) -> dict[str, object]:
        return {
            "team": self.team,
            "mode": codes.MODES[self.mode][1],
            "responses": suppress_count(self.people),
            "suited": suppress_percentage(self.suited, self.people, places=0),
            "choose_again": suppress_percentage(self.choose_again, self.people, places=0),
            "barriers": [
                (codes.ACCESS_NEEDS[need], suppress_count(n))
                for need, n in self.barriers.most_common()
                if n >= 5
            ],
            "staff_responses": suppress_count(self.staff),
            "could_assess": suppress_percentage(self.could_assess, self.staff, places=0),
            "connection_good": suppress_percentage(self.connection_good, self.staff, places=0),
        }


def mode_results(*, since: dt.date | None = None) -> list[ModeResults]:
    """The answers about the mode by team and mode: service users and carers (suited this time,
    would choose again, what got in the way) and staff (could assess, connection good enough)."""
    responses = FeedbackResponse.objects.select_related("team").only(
        "respondent",
        "mode",
        "mode_suited",
        "choose_again",
        "barriers",
        "could_assess",
        "connection_good_enough",
        "team__name",
    )
    if since is not None:
        responses = responses.filter(month__gte=since.replace(day=1))
    results: dict[tuple[str, str], ModeResults] = {}
    for response in responses.iterator():
        key = (response.team.name, response.mode)
        result = results.setdefault(key, ModeResults(team=key[0], mode=key[1]))
        if response.respondent == Respondent.STAFF:
            result.staff += 1
            result.could_assess += response.could_assess == "yes"
            result.connection_good += response.connection_good_enough == "yes"
        else:
            result.people += 1
            result.suited += response.mode_suited == "yes"
            result.choose_again += response.choose_again == "yes"
            result.barriers.update(response.barriers)
    return [results[key] for key in sorted(results)]
