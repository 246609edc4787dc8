"""The evaluation over CareMode's own contacts, for the analysts' and managers' dashboard."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from caremode.core import codes
from caremode.core.presenters import mode_label, nhs_date
from caremode.evaluation.comparisons import (
    MODE_DIMENSION,
    dialog_changes,
    references,
    with_mode_dimension,
)
from caremode.evaluation.inputs import OPTIONAL, REQUIRED
from caremode.evaluation.measures import (
    DIMENSIONS,
    FIELDS,
    INTERSECTION_NAMES,
    MODE_ORDER,
    Options,
    compute_measures,
    count_all,
    count_declined,
    merge_counts,
    standardise,
)
from caremode.evaluation.outcomes import evaluate_outcomes
from caremode.evaluation.report import (
    DIMENSION_WORDS,
    MEASURE_LABELS,
    dimension_rows,
    findings,
    rate_chart,
    short_label,
    summary,
    who,
)
from caremode.evaluation.report_sections import change_chart, outcome_sections
from caremode.evaluation.scores import SCORE_OPTIONAL, SCORE_REQUIRED
from caremode.evaluation.service_changes import (
    WEEKLY_MEASURES,
    change_from_row,
    evaluate_changes,
)

SCORE_COLUMNS = (*SCORE_REQUIRED, *SCORE_OPTIONAL)


def _table(columns: list[str], data: list[list[str]]) -> Table:
    """MHSDS-shaped rows as a table of strings, with every column the measures read; an empty
    value is missing, as it is when the same rows are read from the extract's CSV file."""
    table_data: dict[str, list[str | None]] = {
        name: [row[i] or None for row in data] for i, name in enumerate(columns)
    }
    for name in (*REQUIRED, *OPTIONAL):
        table_data.setdefault(name, [None] * len(data))
    return ibis.memtable(
        pa.table({k: pa.array(v, type=pa.string()) for k, v in table_data.items()})
    )


def _strings(columns: Sequence[str], data: list[list[str]]) -> Table:
    """Rows as a table of strings, in `columns` (an empty value is missing)."""
    return ibis.memtable(
        pa.table(
            {
                name: pa.array([row[i] or None for row in data], type=pa.string())
                for i, name in enumerate(columns)
            }
        )
    )


def evaluate_rows(
    columns: list[str],
    rows: Iterable[list[str]],
    preference_columns: list[str] | None = None,
    preferences: Iterable[list[str]] = (),
    *,
    score_columns: Sequence[str] = SCORE_COLUMNS,
    scores: Iterable[list[str]] = (),
    changes: Iterable[Sequence[str]] = (),
) -> dict[str, Any]:
    """What `caremode evaluate --outcomes … --changes …` gives, from CareMode's own rows, counted
    by DuckDB and suppressed: the measures (modes compared with face to face as the dimension
    `mode`), findings; with the current mode preferences, declined remote modes by group; with
    the scores (`score_columns`, as `caremode extract --outcomes` writes them), outcomes by mode,
    DIALOG's change and the adjusted comparisons; with the service changes
    (`core.codes.SERVICE_CHANGE_COLUMNS`), each one's weekly series and segmented regression."""
    data = list(rows)
    if not data:
        return {
            "contacts": 0,
            "findings": [],
            "summary": [],
            "flagged": [],
            "overall": [],
            "measures": [],
            "service_changes": [],
        }
    contacts = standardise(_table(columns, data))
    counts = count_all(contacts)
    stated = list(preferences)
    if stated and preference_columns:
        counts = merge_counts(
            counts, count_declined(standardise(_table(preference_columns, stated)))
        )
    scored = list(scores)
    courses: list[dict[str, Any]] = []
    if scored:
        outcomes = evaluate_outcomes(_strings(score_columns, scored), contacts, counts)
        counts, courses = outcomes["counts"], outcomes["courses"]
    counts = with_mode_dimension(counts)
    measures = compute_measures(counts, Options(suppress=True, reference=references(None)))
    recorded = [
        change_from_row(dict(zip(codes.SERVICE_CHANGE_COLUMNS, row, strict=True)))
        for row in changes
    ]
    result: dict[str, Any] = {
        "contacts": len(data),
        "findings": findings(measures),
        "summary": [f for f in summary(measures) if "text" in f],
        "measures": measures,
        "flagged": [m for m in measures if m["flag"] in ("higher", "lower")],
        "overall": [m for m in measures if m["dimension"] == "overall" and m["mode"] != "all"],
        "service_changes": evaluate_changes(contacts, recorded, suppress=True),
    }
    if scored:
        from caremode.evaluation.adjusted import adjusted_comparisons

        result["scores"] = len(scored)
        result["dialog"] = dialog_changes(counts, suppress=True)
        result["adjusted"] = adjusted_comparisons(courses)
    return result


@dataclass(frozen=True)
class Selection:
    """The dashboard's filters, each checked against what can be shown (an unknown value falls
    back to the default, so a hand-edited address never fails)."""

    measure: str = "dna_rate"
    mode: str = "all"
    dimension: str = "ethnicity"

    @classmethod
    def from_query(cls, query: dict[str, str], measures: Sequence[dict[str, Any]]) -> Selection:
        choices = dashboard_choices(measures)
        picked = {}
        for name in ("measure", "mode", "dimension"):
            value = query.get(name, "")
            if value in dict(choices[name]):
                picked[name] = value
        return cls(**picked)


def dashboard_choices(measures: Sequence[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The measures, modes and dimensions there are rows for, as (value, label)."""
    present_measures = {m["measure"] for m in measures}
    present_modes = {m["mode"] for m in measures}
    present_dimensions = {m["dimension"] for m in measures}
    return {
        "measure": [(k, v) for k, v in MEASURE_LABELS.items() if k in present_measures]
        or [("dna_rate", MEASURE_LABELS["dna_rate"])],
        "mode": [("all", "All modes")]
        + [(m, mode_label(m)) for m in MODE_ORDER if m in present_modes]
        + ([("mixed", "Mixed (courses of care)")] if "mixed" in present_modes else []),
        "dimension": [
            (d, DIMENSION_WORDS[d].capitalize())
            for d in (*DIMENSIONS, *INTERSECTION_NAMES, MODE_DIMENSION)
            if d in present_dimensions
        ]
        or [("ethnicity", DIMENSION_WORDS["ethnicity"].capitalize())],
    }


def _mode_words(mode: str) -> str:
    return "courses of care in mixed modes" if mode == "mixed" else f"{mode_label(mode).lower()}"


def dashboard(result: dict[str, Any], selection: Selection) -> dict[str, Any]:
    """What the dashboard shows for one selection: the chosen measure by the chosen dimension
    and mode (rows, chart, reference group), and the report's sections (`report_sections`):
    modes against face to face, outcomes by mode, DIALOG, and each service change."""
    measures = result.get("measures", [])
    rows = dimension_rows(measures, selection.dimension, selection.measure, selection.mode)
    title = f"{MEASURE_LABELS[selection.measure]}, by {DIMENSION_WORDS[selection.dimension]}" + (
        ""
        if selection.mode == "all"
        else f", {_mode_words(selection.mode)}" + ("" if selection.mode == "mixed" else " contacts")
    )
    sections = outcome_sections(
        {"measures": measures, **{k: result.get(k, []) for k in ("adjusted", "dialog")}}
    )
    return {
        "title": title,
        "rows": rows,
        "chart": rate_chart(rows, selection.measure, title) if rows else None,
        "reference": rows[0]["reference_group"] if rows else None,
        "reference_label": who(selection.dimension, str(rows[0]["reference_group"]))
        if rows
        else None,
        "choices": dashboard_choices(measures),
        "mode_rows": sections["mode_rows"],
        "adjusted": sections["adjusted"],
        "dialog": sections["dialog"],
        "changes": [change_view(change, selection) for change in result.get("service_changes", [])],
    }


def change_view(change: dict[str, Any], selection: Selection) -> dict[str, Any]:
    """One service change for the dashboard: the chosen measure (did not attend unless a weekly
    measure is chosen) week by week, as a chart and as its table, and the segmented regression
    of every measure over all the service's contacts, then of the chosen measure for each group
    of the chosen dimension (every group when the chosen dimension is `mode`)."""
    measure = selection.measure if selection.measure in WEEKLY_MEASURES else "dna_rate"
    label = MEASURE_LABELS[measure]
    title = f"{label}, week by week: {change['change']['summary']}"
    weeks = [
        {
            **s,
            "period": "after" if s["week"] >= 0 else "before",
            "week_text": nhs_date(dt.date.fromisoformat(s["week_start"])),
        }
        for s in change["series"]
        if s["dimension"] == "overall" and s["measure"] == measure
    ]
    groups = [
        {**m, "label": short_label(selection.dimension, str(m["group"]))}
        for m in change["segmented"]
        if m["dimension"] == selection.dimension and m["measure"] == measure
    ]
    return {
        **change["change"],
        "date_text": nhs_date(dt.date.fromisoformat(change["change"]["date"])),
        "measure": measure,
        "measure_label": label,
        "title": title,
        "chart": change_chart(change, measure, title),
        "weeks": weeks,
        "overall": [
            {**m, "measure_label": MEASURE_LABELS.get(m["measure"], m["measure"])}
            for m in change["segmented"]
            if m["dimension"] == "overall"
        ],
        "groups": sorted(groups, key=lambda m: m["label"]),
        "dimension_words": DIMENSION_WORDS[selection.dimension],
    }


def series_csv(changes: Sequence[dict[str, Any]]) -> str:
    """Every service change's weekly figures (suppressed as the page is), one row per change,
    dimension, group, measure and week, with the change's identifier and date."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(SERIES_FIELDS), extrasaction="ignore")
    writer.writeheader()
    for change in changes:
        about = {
            "service_change": change["change"]["id"],
            "service": change["change"]["service"],
            "change_date": change["change"]["date"],
        }
        for row in change["series"]:
            writer.writerow({**about, **row})
    return buffer.getvalue()


def models_csv(changes: Sequence[dict[str, Any]]) -> str:
    """Every service change's segmented regressions: level and slope change with intervals."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(MODEL_FIELDS), extrasaction="ignore")
    writer.writeheader()
    for change in changes:
        about = {
            "service_change": change["change"]["id"],
            "service": change["change"]["service"],
            "change_date": change["change"]["date"],
        }
        for row in change["segmented"]:
            writer.writerow(
                {
                    **about,
                    **{k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()},
                }
            )
    return buffer.getvalue()


SERIES_FIELDS = (
    "service_change",
    "service",
    "change_date",
    "dimension",
    "group",
    "measure",
    "week",
    "week_start",
    "numerator",
    "denominator",
    "value",
)
MODEL_FIELDS = (
    "service_change",
    "service",
    "change_date",
    "dimension",
    "group",
    "measure",
    "weeks_before",
    "weeks_after",
    "contacts_before",
    "contacts_after",
    "rate_before",
    "rate_after",
    "level_change",
    "level_ci95",
    "slope_change",
    "slope_ci95",
    "hac_lags",
)


def measures_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Measure rows as measures.csv writes them (intervals as JSON lists)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()
