"""The trend of a person's measures over time, ready to draw: a chart (server-drawn SVG, no
JavaScript) with the severity bands shaded and the contacts, with their modes, marked on the same
time line, and the table that says the same in words for screen readers and print.

Pure: it takes rows already fetched (the person's assessments and contacts) and touches no
database, so the record page and the portal draw the same thing (`monitoring/_trend.html`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from caremode.core import codes
from caremode.core.presenters import mode_label, nhs_date
from caremode.monitoring.instruments import INSTRUMENTS, Measure
from caremode.monitoring.scoring import HIGHER_IS_BETTER, Change, reliable_change

# What the person is told about who reads their answers, and when (hazard H-M06): the team
# reads check-ins and alerts in its working hours only, so nobody may see an answer at night, at
# the weekend or on a bank holiday until the next working day. Shown where the plan is agreed
# and for the person to read; the check-in's "what to do now" page says the same at once.
OUT_OF_HOURS_NOTICE = (
    "Your care team reads check-ins and warning signs during its working hours only, usually "
    "Monday to Friday in the daytime, not at night, at weekends or on bank holidays. If you "
    "need help before then, call NHS 111 and choose the mental health option, or call "
    "Samaritans free on 116 123 at any time. In an emergency, call 999."
)

# The drawing's coordinate system (viewBox); the SVG scales to the width of its container.
WIDTH = 640
HEIGHT = 260
LEFT = 44  # room for the axis numbers
RIGHT = 12
TOP = 10
BOTTOM = 40  # room for the contact markers and the dates
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM

# The range of each measure's score on the chart.
SCALE: dict[Measure, tuple[int, int]] = {
    Measure.PHQ9: (0, 27),
    Measure.GAD7: (0, 21),
    Measure.DIALOG: (1, 7),
}
# Shades from the lightest (minimal) to the darkest (severe), NHS palette tints: the band is
# also named in words on the chart and in the table, never by colour alone (WCAG 1.4.1).
BAND_FILLS = ("#f0f4f5", "#e8edee", "#fff3c4", "#ffe0b3", "#f9d4d4")
# One letter per mode for the markers under the chart; the legend and the table say it in words.
MODE_MARKS = {"face_to_face": "F", "video": "V", "telephone": "T", "text": "S", "email": "E"}
CHANGE_WORDS = {
    Change.IMPROVED: "Reliably better",
    Change.DETERIORATED: "Reliably worse",
    Change.NO_RELIABLE_CHANGE: "No reliable change",
}


class AssessmentRow(Protocol):
    """What the trend reads of an assessment (`monitoring.Assessment` has it)."""

    @property
    def measure(self) -> str: ...
    @property
    def complete(self) -> bool: ...
    @property
    def score(self) -> Decimal | None: ...
    @property
    def band(self) -> str: ...
    @property
    def treatment_mean(self) -> Decimal | None: ...
    @property
    def source(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def taken_at(self) -> dt.datetime: ...


class ContactRow(Protocol):
    """What the trend reads of a contact (`scheduling.Contact` has it)."""

    @property
    def start(self) -> dt.datetime: ...
    @property
    def planned_mode(self) -> str: ...
    @property
    def mode_used(self) -> str | None: ...
    @property
    def attend_status(self) -> str | None: ...


@dataclass(frozen=True)
class BandShade:
    label: str
    y: float
    height: float
    fill: str
    label_y: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    when: str
    score: str
    band: str


@dataclass(frozen=True)
class ContactMark:
    x: float
    when: str
    mark: str
    mode: str
    attended: bool


@dataclass(frozen=True)
class TableRow:
    when: str
    score: str  # "Incomplete" when not every item was answered
    band: str
    treatment_mean: str
    how: str  # "Check-in" or "During a video contact"…
    change: str  # against the previous complete score of the measure


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class MeasureTrend:
    measure: str
    name: str
    higher_is_better: bool
    bands: tuple[BandShade, ...]
    ticks: tuple[Tick, ...]
    points: tuple[Point, ...]
    line: str  # the polyline's points attribute
    contacts: tuple[ContactMark, ...]
    rows: tuple[TableRow, ...]
    first: str
    last: str
    summary: str  # one sentence: the chart's text alternative

    @property
    def modes_marked(self) -> list[tuple[str, str]]:
        """(letter, mode) for the legend: only the modes on this chart."""
        seen = dict.fromkeys((c.mark, c.mode) for c in self.contacts)
        return list(seen)


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _y(value: float, low: int, high: int) -> float:
    return round(TOP + PLOT_HEIGHT * (high - value) / (high - low), 1)


def _x(when: dt.datetime, start: dt.datetime, end: dt.datetime) -> float:
    if end <= start:
        return round(LEFT + PLOT_WIDTH / 2, 1)
    return round(LEFT + PLOT_WIDTH * (when - start) / (end - start), 1)


def _how(row: AssessmentRow) -> str:
    if row.source == "contact":
        return f"During a {mode_label(row.mode).lower()} contact" if row.mode else "In a contact"
    return "Check-in"


def _bands(measure: Measure, low: int, high: int) -> tuple[BandShade, ...]:
    bands = INSTRUMENTS[measure].bands
    shades = []
    for n, band in enumerate(bands):
        # A band covers its whole numbers: from low - 0.5 to high + 0.5, clipped to the scale.
        top = _y(min(band.high + 0.5, high), low, high)
        bottom = _y(max(band.low - 0.5, low), low, high)
        fill = BAND_FILLS[round(n * (len(BAND_FILLS) - 1) / max(len(bands) - 1, 1))]
        shades.append(
            BandShade(
                label=band.label,
                y=top,
                height=round(bottom - top, 1),
                fill=fill,
                label_y=round(top + min(12.0, (bottom - top) - 2), 1),
            )
        )
    return tuple(shades)


def _ticks(measure: Measure, low: int, high: int) -> tuple[Tick, ...]:
    if measure is Measure.DIALOG:
        values = list(range(low, high + 1))
    else:
        values = sorted({low, high, *(b.low for b in INSTRUMENTS[measure].bands)})
    return tuple(Tick(_y(v, low, high), str(v)) for v in values)


def _trend_of(
    measure: Measure, rows: Sequence[AssessmentRow], contacts: Sequence[ContactRow]
) -> MeasureTrend:
    low, high = SCALE[measure]
    instrument = INSTRUMENTS[measure]
    scored = [r for r in rows if r.complete and r.score is not None]
    start = min(r.taken_at for r in rows)
    end = max(r.taken_at for r in rows)
    in_range = [c for c in contacts if start <= c.start <= end]
    points = tuple(
        Point(
            x=_x(r.taken_at, start, end),
            y=_y(float(r.score or 0), low, high),
            when=nhs_date(r.taken_at),
            score=_number(r.score),
            band=r.band,
        )
        for r in scored
    )
    table: list[TableRow] = []
    previous: Decimal | None = None
    for r in rows:
        change = ""
        if r.complete and r.score is not None:
            if previous is not None:
                change = CHANGE_WORDS[reliable_change(measure.value, previous, r.score)]
            previous = r.score
        table.append(
            TableRow(
                when=nhs_date(r.taken_at),
                score=_number(r.score) if r.complete else "Incomplete",
                band=r.band,
                treatment_mean=_number(r.treatment_mean),
                how=_how(r),
                change=change,
            )
        )
    marks = tuple(
        ContactMark(
            x=_x(c.start, start, end),
            when=nhs_date(c.start),
            mark=MODE_MARKS.get(c.mode_used or c.planned_mode, "?"),
            mode=mode_label(c.mode_used or c.planned_mode),
            attended=c.attend_status in codes.ATTENDED,
        )
        for c in in_range
    )
    if scored:
        latest = scored[-1]
        summary = (
            f"{instrument.name}: {len(scored)} score{'s' if len(scored) != 1 else ''} from "
            f"{nhs_date(scored[0].taken_at)} to {nhs_date(latest.taken_at)}, from "
            f"{_number(scored[0].score)} to {_number(latest.score)}"
            + (f" ({latest.band.lower()})" if latest.band else "")
            + f"; {len(marks)} contact{'s' if len(marks) != 1 else ''} in that time."
        )
    else:
        summary = f"{instrument.name}: no complete questionnaire yet."
    return MeasureTrend(
        measure=measure.value,
        name=instrument.name + (" (mean of the 8 life areas)" if measure is Measure.DIALOG else ""),
        higher_is_better=HIGHER_IS_BETTER[measure],
        bands=_bands(measure, low, high),
        ticks=_ticks(measure, low, high),
        points=points,
        line=" ".join(f"{p.x},{p.y}" for p in points),
        contacts=marks,
        rows=tuple(table),
        first=nhs_date(start),
        last=nhs_date(end),
        summary=summary,
    )


def present_trends(
    assessments: Iterable[AssessmentRow], contacts: Iterable[ContactRow]
) -> list[MeasureTrend]:
    """One trend per measure the person has answered (PHQ-9, GAD-7, DIALOG in that order).

    `assessments` are the person's (any order; incomplete ones appear in the table only, never
    drawn as a score); `contacts` are theirs, and those that took place or were missed within the
    span of a measure's assessments are marked with their mode (cancelled ones are not: nothing
    happened)."""
    rows = sorted(assessments, key=lambda a: a.taken_at)
    kept = sorted(
        (
            c
            for c in contacts
            if c.attend_status is not None and c.attend_status not in codes.CANCELLED
        ),
        key=lambda c: c.start,
    )
    trends = []
    for measure in Measure:
        mine = [r for r in rows if r.measure == measure.value]
        if mine:
            trends.append(_trend_of(measure, mine, kept))
    return trends


def trend_context(
    assessments: Iterable[AssessmentRow], contacts: Iterable[ContactRow], **extra: Any
) -> dict[str, Any]:
    """The context `monitoring/_trend.html` expects, for a view to merge into its own."""
    return {
        "trends": present_trends(assessments, contacts),
        "trend_size": {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT},
        "trend_axis_y": HEIGHT - BOTTOM,
        **extra,
    }
