"""The report's sections on outcomes by mode, modes compared with each other, and service
changes (what `report.render` adds to its template when the results hold them). Charts are
drawn as the report's are (`report._svg`: titled SVG for the tagged PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from caremode.core.presenters import mode_label

MODE_TABLE_MEASURES: Final = {
    "attendance_rate": "Attended",
    "dna_rate": "Did not attend",
    "disengagement_rate": "No attended contact within 90 days of a missed remote one",
    "recovery_rate": "Recovered (of those at caseness at the start)",
    "reliable_improvement_rate": "Reliably improved",
    "reliable_deterioration_rate": "Reliably deteriorated",
    "reliable_recovery_rate": "Reliably recovered (of those at caseness at the start)",
    "dialog_reliable_improvement_rate": "DIALOG life mean reliably improved",
}
CHART_WIDTH: Final = 220  # as report.CHART_WIDTH: fits a 390 px phone
OUTCOME_WORDS: Final = {"recovery": "recovery", "reliable_improvement": "reliable improvement"}


def _mode(name: str) -> str:
    return "Mixed (no mode for more than half)" if name == "mixed" else mode_label(name)


def mode_rows(measures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The modes compared with the reference mode, measure by measure, in the table's order."""
    order = list(MODE_TABLE_MEASURES)
    rows = [
        {**m, "label": MODE_TABLE_MEASURES[m["measure"]], "mode_name": _mode(str(m["group"]))}
        for m in measures
        if m["dimension"] == "mode" and m["measure"] in MODE_TABLE_MEASURES
    ]
    rows.sort(key=lambda m: (order.index(m["measure"]), m["group"] != m["reference_group"]))
    return rows


def change_chart(change: dict[str, Any], measure: str, title: str) -> str | None:
    """The measure week by week, before and after (blue and orange, distinguishable with the
    common colour-vision deficiencies, and a shape each), the change's date as a dashed line."""
    from caremode.evaluation.report import MEASURE_LABELS, _axis_label_limit, _svg

    points = [
        s
        for s in change["series"]
        if s["dimension"] == "overall" and s["measure"] == measure and s["value"] is not None
    ]
    if len(points) < 2:
        return None
    data = [
        {
            "week": s["week_start"],
            "rate": s["value"],
            "period": "After" if s["week"] >= 0 else "Before",
        }
        for s in points
    ]
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "fontSize": 13, "anchor": "start", "limit": 0},
        "width": CHART_WIDTH,
        "layer": [
            {
                "data": {"values": data},
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": {
                        "field": "week",
                        "type": "temporal",
                        "title": "Week starting",
                        "axis": _axis_label_limit(),
                    },
                    "y": {
                        "field": "rate",
                        "type": "quantitative",
                        "axis": {"format": "%", **_axis_label_limit()},
                        "title": MEASURE_LABELS.get(measure, measure),
                    },
                    "color": {
                        "field": "period",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": ["Before", "After"], "range": ["#0072B2", "#E69F00"]},
                        "legend": {"orient": "bottom", "direction": "horizontal"},
                    },
                    "shape": {"field": "period", "type": "nominal"},
                },
            },
            {
                "data": {"values": [{"date": change["change"]["date"]}]},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#212b32"},
                "encoding": {"x": {"field": "date", "type": "temporal"}},
            },
        ],
        "config": {"font": "DejaVu Sans", "view": {"stroke": None}},
    }
    return _svg(spec, title)


def outcome_sections(results: dict[str, Any]) -> dict[str, Any]:
    """What the template's outcome and service-change sections show."""
    changes = []
    for change in results.get("service_changes", []):
        overall = [m for m in change["segmented"] if m["dimension"] == "overall"]
        groups = [m for m in change["segmented"] if m["dimension"] != "overall"]
        changes.append(
            {
                **change["change"],
                "overall": overall,
                "groups": groups,
                "chart": change_chart(
                    change,
                    "dna_rate",
                    f"Did not attend, week by week: {change['change']['summary']}",
                ),
            }
        )
    return {
        "mode_rows": mode_rows(results["measures"]),
        "adjusted": [
            {**a, "words": OUTCOME_WORDS[a["outcome"]], "mode_name": _mode(a["mode"])}
            for a in results.get("adjusted", [])
        ],
        "dialog": [
            {**d, "mode_name": _mode(d["mode"]) if d["mode"] != "all" else "All modes"}
            for d in results.get("dialog", [])
            if d["dimension"] == "overall"
        ],
        "changes": changes,
    }
