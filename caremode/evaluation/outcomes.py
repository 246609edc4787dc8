"""Outcomes by mode (E18): courses of care scored with PHQ-9 and GAD-7, counted as NHS Talking
Therapies count them, and DIALOG's change, by the mode of the course and by group.

Per person, from the checked scores and the standardised contacts (docs/data-standards.md):
- a course runs from the first to the last date on which both PHQ-9 and GAD-7 were scored (the
  highest score of a measure counts when one was scored twice that day); it needs at least two
  such dates and at least two attended contacts (AttendStatus 5 or 6) dated from the first to the
  last date inclusive;
- its mode is the mode of more than half of those attended contacts, otherwise `mixed`; the
  person's groups are those recorded on the first of them;
- caseness: PHQ-9 at least 10 or GAD-7 at least 8; reliable change: at least 6 on PHQ-9, at
  least 4 on GAD-7 (`RELIABLE_CHANGE`).
DIALOG's life mean is followed the same way from the first to the last DIALOG date (at least two,
with at least two attended contacts between), its reliable change `DIALOG_LIFE_RELIABLE_CHANGE`.

Written in Ibis: the courses are counted into a small cube of mode by outcome by every group on
whichever engine holds the tables; only those counts come back.
"""

from __future__ import annotations

from typing import Any, Final

import ibis
from ibis import _
from ibis.expr.types import Table

from caremode.evaluation import arrow
from caremode.evaluation.measures import COLUMN, _by_group, _with_all_modes, merge_counts
from caremode.evaluation.outcome_rules import (
    CASENESS,
    DIALOG_LIFE_RELIABLE_CHANGE,
    RELIABLE_CHANGE,
)

OUTCOME_TALLIES: Final = (
    "courses",
    "at_caseness",
    "recovered",
    "improved",
    "deteriorated",
    "reliably_recovered",
)
DIALOG_TALLIES: Final = (
    "dialog_people",
    "dialog_sum",
    "dialog_sum_squares",
    "dialog_improved",
    "dialog_deteriorated",
)
# DIALOG is given to two decimals: counted in hundredths, so that sums are exact on every engine.
_HUNDREDTHS: Final = 100
_RCI_HUNDREDTHS: Final = round(DIALOG_LIFE_RELIABLE_CHANGE * _HUNDREDTHS)


def _attended(t: Table) -> Table:
    """Attended contacts of a standardised contacts table: person, day, mode and groups."""
    seen = t.filter(t.status.isin(["5", "6"]))
    return seen.select(
        c_person=seen.Person_ID,
        c_day=seen.CareContDate.cast("date"),
        c_mode=seen.mode,
        **{c: seen[c] for c in COLUMN.values()},
    )


def _with_contacts(spans: Table, contacts: Table) -> Table:
    """Spans (Person_ID, first_day, last_day, …) with at least two attended contacts from the
    first to the last day inclusive, given the course's mode (`course_mode`) and the groups of
    the first of those contacts (a same-day tie broken by the least value, on every engine)."""
    a = _attended(contacts)
    inside = spans.select("Person_ID", "first_day", "last_day").join(
        a,
        [
            _.Person_ID == a.c_person,
            a.c_day >= _.first_day,
            a.c_day <= _.last_day,
        ],
    )
    per_mode = inside.group_by(["Person_ID", "c_mode"]).aggregate(k=_.count())
    totals = per_mode.group_by("Person_ID").aggregate(attended=per_mode.k.sum())
    major = (
        per_mode.join(totals, "Person_ID")
        .filter(_.k * 2 > _.attended)
        .select(m_person="Person_ID", course_mode="c_mode")
    )
    first_day = inside.group_by("Person_ID").aggregate(f_day=inside.c_day.min())
    first = (
        inside.join(
            first_day, [inside.Person_ID == first_day.Person_ID, inside.c_day == first_day.f_day]
        )
        .group_by("Person_ID")
        .aggregate(**{c: _[c].min() for c in COLUMN.values()})
    )
    enough = totals.filter(totals.attended >= 2)
    courses = spans.join(enough, "Person_ID").join(first, "Person_ID")
    courses = courses.left_join(major, courses.Person_ID == major.m_person)
    return courses.mutate(course_mode=courses.course_mode.fill_null("mixed")).drop("m_person")


def _daily(scores: Table, measure: str) -> Table:
    """One score per person and day for `measure` (the highest, if scored twice)."""
    one = scores.filter(scores.Measure == measure)
    return one.group_by([one.Person_ID, one.AssessmentDate.cast("date").name("day")]).aggregate(
        score=one.Score.cast("float64").max()
    )


def phq_gad_courses(scores: Table, contacts: Table) -> Table:
    """One row per course: first and last paired scores, outcome flags, mode and groups."""
    phq = _daily(scores, "PHQ9")
    gad = _daily(scores, "GAD7").rename(g_person="Person_ID", g_day="day", gad="score")
    paired = phq.join(gad, [phq.Person_ID == gad.g_person, phq.day == gad.g_day]).select(
        "Person_ID", "day", phq="score", gad="gad"
    )
    bounds = paired.group_by("Person_ID").aggregate(
        first_day=paired.day.min(), last_day=paired.day.max(), dates=paired.day.nunique()
    )
    bounds = bounds.filter(bounds.dates >= 2)
    at_first = paired.select(a_person="Person_ID", a_day="day", phq_first="phq", gad_first="gad")
    at_last = paired.select(z_person="Person_ID", z_day="day", phq_last="phq", gad_last="gad")
    spans = (
        bounds.join(
            at_first, [bounds.Person_ID == at_first.a_person, bounds.first_day == at_first.a_day]
        )
        .join(at_last, [_.Person_ID == at_last.z_person, _.last_day == at_last.z_day])
        .drop("a_person", "a_day", "z_person", "z_day", "dates")
    )
    c = _with_contacts(spans, contacts)
    phq_change = c.phq_last - c.phq_first
    gad_change = c.gad_last - c.gad_first
    decrease = (phq_change <= -RELIABLE_CHANGE["PHQ9"]) | (gad_change <= -RELIABLE_CHANGE["GAD7"])
    increase = (phq_change >= RELIABLE_CHANGE["PHQ9"]) | (gad_change >= RELIABLE_CHANGE["GAD7"])
    case_first = (c.phq_first >= CASENESS["PHQ9"]) | (c.gad_first >= CASENESS["GAD7"])
    case_last = (c.phq_last >= CASENESS["PHQ9"]) | (c.gad_last >= CASENESS["GAD7"])
    recovered = case_first & ~case_last
    improved = decrease & ~increase
    return c.mutate(
        at_caseness=case_first,
        recovered=recovered,
        improved=improved,
        deteriorated=increase & ~decrease,
        reliably_recovered=recovered & improved,
        baseline=(c.phq_first + c.gad_first).cast("int64"),
    )


def dialog_courses(scores: Table, contacts: Table) -> Table:
    """One row per person with two or more DIALOG dates: the change in life mean (hundredths)."""
    d = _daily(scores, "DIALOG").mutate(hundredths=(_.score * _HUNDREDTHS).round().cast("int64"))
    bounds = d.group_by("Person_ID").aggregate(
        first_day=d.day.min(), last_day=d.day.max(), dates=d.day.nunique()
    )
    bounds = bounds.filter(bounds.dates >= 2)
    first = d.select(a_person="Person_ID", a_day="day", first_h="hundredths")
    last = d.select(z_person="Person_ID", z_day="day", last_h="hundredths")
    spans = (
        bounds.join(first, [bounds.Person_ID == first.a_person, bounds.first_day == first.a_day])
        .join(last, [_.Person_ID == last.z_person, _.last_day == last.z_day])
        .drop("a_person", "a_day", "z_person", "z_day", "dates")
    )
    c = _with_contacts(spans, contacts)
    return c.mutate(change=c.last_h - c.first_h)


def _count(cube: Table, tallies: dict[str, Any]) -> list[dict[str, Any]]:
    rows = _by_group(cube, "course_mode")
    counts = rows.group_by(["dimension", "group", "course_mode"]).aggregate(
        **{name: expression(rows) for name, expression in tallies.items()}
    )
    found = [
        {
            "dimension": r["dimension"],
            "group": r["group"],
            "mode": r["course_mode"],
            **{name: int(r[name] or 0) for name in tallies},
        }
        for r in arrow.rows(counts)
    ]
    return _with_all_modes(found, tuple(tallies))


def count_outcomes(scores: Table, contacts: Table) -> list[dict[str, Any]]:
    """Course counts per (dimension, group, mode), mode `mixed` and `all` included, merged with
    DIALOG's sums; rows keyed like the contact counts so `measures.merge_counts` joins them."""
    courses = phq_gad_courses(scores, contacts)
    flags = ("at_caseness", "recovered", "improved", "deteriorated", "reliably_recovered")
    cube = (
        courses.group_by(["course_mode", *flags, *COLUMN.values()]).aggregate(n=_.count()).cache()
    )

    def weighted(flag: str) -> Any:
        return lambda rows: ibis.cases((rows[flag], rows.n), else_=0).sum()

    outcome = _count(cube, {"courses": lambda rows: rows.n.sum()} | {f: weighted(f) for f in flags})
    dialog = dialog_courses(scores, contacts)
    change = dialog.change
    dcube = (
        dialog.group_by(["course_mode", *COLUMN.values()])
        .aggregate(
            n=_.count(),
            s1=change.sum(),
            s2=(change * change).sum(),
            up=ibis.cases((change >= _RCI_HUNDREDTHS, 1), else_=0).sum(),
            down=ibis.cases((change <= -_RCI_HUNDREDTHS, 1), else_=0).sum(),
        )
        .cache()
    )
    dialog_counts = _count(
        dcube,
        {
            "dialog_people": lambda rows: rows.n.sum(),
            "dialog_sum": lambda rows: rows.s1.sum(),
            "dialog_sum_squares": lambda rows: rows.s2.sum(),
            "dialog_improved": lambda rows: rows.up.sum(),
            "dialog_deteriorated": lambda rows: rows.down.sum(),
        },
    )
    return _merge(outcome, dialog_counts)


def _merge(*lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rows in lists:
        for row in rows:
            merged.setdefault((row["dimension"], row["group"], row["mode"]), {}).update(row)
    return list(merged.values())


def course_rows(scores: Table, contacts: Table) -> list[dict[str, Any]]:
    """Courses grouped by what the adjusted comparison needs (mode, baseline severity, age band,
    deprivation quintile) with their outcome counts: at most a few thousand rows."""
    courses = phq_gad_courses(scores, contacts)
    grouped = courses.group_by(
        ["course_mode", "baseline", "dim_age_band", "dim_imd_quintile", "at_caseness"]
    ).aggregate(
        courses=_.count(),
        recovered=ibis.cases((_.recovered, 1), else_=0).sum(),
        improved=ibis.cases((_.improved, 1), else_=0).sum(),
    )
    # In one order on every engine, so that the models fitted on them are identical.
    found = [
        {
            "mode": r["course_mode"],
            "baseline": int(r["baseline"]),
            "age_band": r["dim_age_band"],
            "imd_quintile": r["dim_imd_quintile"],
            "at_caseness": bool(r["at_caseness"]),
            "courses": int(r["courses"]),
            "recovered": int(r["recovered"] or 0),
            "improved": int(r["improved"] or 0),
        }
        for r in arrow.rows(grouped)
    ]
    return sorted(found, key=lambda r: tuple(str(v) for v in r.values()))


def evaluate_outcomes(
    scores: Table, contacts: Table, counts: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The contact `counts` with the course and DIALOG counts merged in (`counts`), and the
    courses grouped for the adjusted comparison (`courses`)."""
    return {
        "counts": merge_counts(counts, count_outcomes(scores, contacts)),
        "courses": course_rows(scores, contacts),
    }
