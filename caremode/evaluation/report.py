"""The evaluation report a service manager reads, presented the way OHID's Fingertips presents
comparisons: a short summary of the few differences that matter (most important first, each
with its size and how sure we are), then a chart and its table for each dimension (the
reference group's rate as a line, every point labelled, a colour-blind-safe palette), then
methods and caveats. HTML and tagged PDF (PDF/UA-1, WeasyPrint); charts drawn to SVG by
vl-convert, nothing fetched. `summary` and `dimension_rows` are pure and shared with the
in-app dashboard."""

from __future__ import annotations

import base64
import html as html_lib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from caremode.core import codes
from caremode.core.presenters import mode_label
from caremode.evaluation import stats
from caremode.evaluation.dimensions import DIMENSIONS, INTERSECTIONS, SEPARATOR
from caremode.evaluation.report_sections import outcome_sections

# What each measure counts, as a heading, and its events for "about N more ...".
MEASURE_LABELS = {
    "attendance_rate": "Attendance",
    "dna_rate": "Did not attend",
    "patient_cancellation_rate": "Cancelled by the person",
    "provider_cancellation_rate": "Cancelled by the service",
    "late_not_seen_rate": "Arrived too late to be seen",
    "tech_failure_rate": "Technical failure",
    "disengagement_rate": "Lost contact after a missed remote contact",
    "declined_rate": "Declined a remote mode",
    "recovery_rate": "Recovery (of those at caseness at the start)",
    "reliable_improvement_rate": "Reliable improvement",
    "reliable_deterioration_rate": "Reliable deterioration",
    "reliable_recovery_rate": "Reliable recovery (of those at caseness at the start)",
    "dialog_reliable_improvement_rate": "DIALOG life mean reliably improved",
    "dialog_reliable_deterioration_rate": "DIALOG life mean reliably deteriorated",
}
EVENTS = {
    "attendance_rate": "attended contacts",
    "dna_rate": "contacts not attended",
    "patient_cancellation_rate": "cancellations by the person",
    "provider_cancellation_rate": "cancellations by the service",
    "late_not_seen_rate": "late arrivals not seen",
    "tech_failure_rate": "technical failures",
    "disengagement_rate": "people who lost contact",
    "declined_rate": "people declining",
    "recovery_rate": "people recovered",
    "reliable_improvement_rate": "people reliably improved",
    "reliable_deterioration_rate": "people reliably deteriorated",
    "reliable_recovery_rate": "people reliably recovered",
    "dialog_reliable_improvement_rate": "people reliably improved on DIALOG",
    "dialog_reliable_deterioration_rate": "people reliably deteriorated on DIALOG",
}
# Measures counted over people rather than contacts.
# Outcomes by mode (E18): one course of care per person.
OUTCOME_MEASURES = (
    "recovery_rate",
    "reliable_improvement_rate",
    "reliable_deterioration_rate",
    "reliable_recovery_rate",
    "dialog_reliable_improvement_rate",
    "dialog_reliable_deterioration_rate",
)
PEOPLE_MEASURES = ("disengagement_rate", "declined_rate", *OUTCOME_MEASURES)
# Missing a contact in any of these ways is the mirror image of lower attendance.
MISSED_MEASURES = (
    "dna_rate",
    "patient_cancellation_rate",
    "provider_cancellation_rate",
    "late_not_seen_rate",
)
DIMENSION_WORDS = {
    "ethnicity": "ethnic group",
    "age_band": "age band",
    "gender": "gender",
    "imd_quintile": "deprivation quintile (1 = most deprived)",
    "rurality": "rural or urban area",
    "access_need": "access need",
    "interpreter": "interpreter present",
    "language": "main language",
    "ethnicity_age_band": "ethnic group and age band",
    "ethnicity_imd_quintile": "ethnic group and deprivation quintile",
    "access_need_mode": "access need and mode",
    "mode": "mode",
}
# A finding needs at least this many people behind it, whatever its interval says.
MIN_PEOPLE = 10
FAMILYWISE = 0.05
SUMMARY_LENGTH = 6
# Okabe & Ito (2008), "Color universal design": distinguishable with every common colour-vision
# deficiency; no red-green pair among the modes.
MODE_COLOURS = {
    "Face to face": "#0072B2",
    "Telephone": "#E69F00",
    "Video": "#56B4E9",
    "Text message": "#CC79A7",
    "Email": "#000000",
    "Talk type": "#F0E442",
    "Other": "#999999",
}
FLAG_COLOURS = {"higher": "#D55E00", "lower": "#0072B2", "similar": "#595959"}
CHART_WIDTH = 220  # fits a 390 px phone with the labels; scales down further as an SVG


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _one(dimension: str, group: str) -> str:
    """One group of one dimension in words."""
    if dimension == "ethnicity":
        return (
            f"{group} ethnic group"
            if group not in ("Unknown", "Not Stated")
            else "ethnic group unknown"
        )
    if dimension == "age_band":
        return f"aged {group}"
    if dimension == "imd_quintile":
        return "deprivation unknown" if group == "Unknown" else f"deprivation quintile {group}"
    if dimension == "access_need":
        return (
            "no access need recorded"
            if group == "none_recorded"
            else codes.ACCESS_NEEDS.get(group, group).lower()
        )
    if dimension == "language":
        return f"main language {group}"
    if dimension == "mode":
        return "mixed modes" if group == "mixed" else mode_label(group).lower()
    if dimension == "rurality":
        return f"{group} area" if group != "Unknown" else "area unknown"
    return group.lower() if dimension in ("gender", "interpreter") else group


def short_label(dimension: str, group: str) -> str:
    """A group as a chart's axis shows it: short, with codes in words."""
    if dimension == "access_need":
        return (
            "No access need recorded"
            if group == "none_recorded"
            else codes.ACCESS_NEEDS.get(group, group)
        )
    if dimension == "imd_quintile" and group != "Unknown":
        return f"Quintile {group}" + (" (most deprived)" if group == "1" else "")
    if dimension == "rurality":
        return group.capitalize()
    return group


def who(dimension: str, group: str) -> str:
    """A group in words, intersections as both of their parts: 'Black or Black British ethnic
    group, aged 25-34'."""
    for first, second in INTERSECTIONS:
        if dimension == f"{first}_{second}" and SEPARATOR in group:
            a, b = group.split(SEPARATOR, 1)
            return f"{_one(first, a)}, {_one(second, b)}"
    return _one(dimension, str(group))


def _contacts(m: dict[str, Any]) -> str:
    """What the rate is out of: 'video contacts', 'people whose view of text messages is
    recorded'..."""
    mode = mode_label(m["mode"]).lower() if m["mode"] != "all" else ""
    if m["measure"] == "disengagement_rate":
        return f"people whose first missed remote contact was by {mode}" if mode else "all people"
    if m["measure"] == "declined_rate":
        return f"people whose view of {mode} is recorded" if mode else "all people"
    if m["measure"] in OUTCOME_MEASURES:
        if m["mode"] == "mixed":
            return "courses of care in mixed modes"
        return f"courses of care by {mode}" if mode else "all courses of care"
    return f"{mode} contacts" if mode else "all contacts"


def _q(q: float) -> str:
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


def _reference_rate(m: dict[str, Any]) -> float | None:
    if not m.get("ratio") or m.get("value") is None:
        return None
    return float(m["value"]) / float(m["ratio"])


def _excess(m: dict[str, Any]) -> float:
    """How many more (or fewer) events than at the reference group's rate."""
    reference = _reference_rate(m)
    if reference is None or not m.get("denominator"):
        return 0.0
    return float(m["denominator"]) * (float(m["value"]) - reference)


def _candidates(measures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flagged differences that also hold the family-wise error rate at 5% over every test in the
    run (Holm): a true difference echoes in many rows (its modes, its two-way groups), which
    loosens a false discovery rate, so the summary asks for more."""
    tested = [m for m in measures if m.get("p_value") is not None]
    strong = {
        id(m)
        for m, adjusted in zip(tested, stats.holm([m["p_value"] for m in tested]), strict=True)
        if adjusted <= FAMILYWISE
    }
    return [
        m
        for m in measures
        if id(m) in strong
        and m["flag"] in ("higher", "lower")
        and m.get("ratio")
        and m.get("ratio_ci95")
        and m["dimension"] != "overall"
        and (m.get("people") or 0) >= MIN_PEOPLE
    ]


def _same_counts(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["numerator"], a["denominator"]) == (b["numerator"], b["denominator"])


def _components(m: dict[str, Any]) -> list[tuple[str, str]]:
    for first, second in INTERSECTIONS:
        if m["dimension"] == f"{first}_{second}" and SEPARATOR in str(m["group"]):
            a, b = str(m["group"]).split(SEPARATOR, 1)
            return [(first, a)] if second == "mode" else [(first, a), (second, b)]
    return []


def summary(
    measures: Sequence[dict[str, Any]], limit: int = SUMMARY_LENGTH
) -> list[dict[str, Any]]:
    """The differences that matter, most important (most events above or below the reference
    group's rate) first, each said once:

    - one per group and measure: every mode together, unless one mode clearly differs from
      them (its 95% interval excludes their ratio), then the one furthest from 1; a single mode
      is never said twice;
    - lower attendance is left out where the same group misses more contacts (its mirror image);
    - a two-way group is left out where either of its parts shows the same difference, and an
      access need by mode compared with another mode (that says more of modes than of needs);
    - none resting on fewer than MIN_PEOPLE people;
    - where the reference group itself is the one that differs (`_reference_outliers`: at
      least two other groups differ from it in the same direction and every other group lies
      on their side of it), that is said once, of the reference group, instead of once for
      every other group.
    """
    candidates = _candidates(measures)
    outliers = _reference_outliers(measures, candidates)
    by_key: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for m in candidates:
        by_key.setdefault((m["dimension"], str(m["group"]), m["measure"]), []).append(m)
    chosen = []
    for found in by_key.values():
        every = next((m for m in found if m["mode"] == "all"), None)
        if every is not None:
            # One mode is said instead of every mode together only when it clearly differs
            # from them (its 95% interval excludes their ratio); a mode with the very counts of
            # every mode together is the only mode, said once.
            found = [every] + [
                m
                for m in found
                if m is not every
                and not _same_counts(m, every)
                and not m["ratio_ci95"][0] <= every["ratio"] <= m["ratio_ci95"][1]
            ]
        chosen.append(
            max(found, key=lambda m: (round(abs(math.log(m["ratio"])), 9), m["mode"] == "all"))
        )
    directions = {(m["dimension"], str(m["group"]), m["measure"]): m["flag"] for m in chosen}
    kept = []
    for m in chosen:
        group = str(m["group"])
        if m["measure"] == "attendance_rate" and any(
            directions.get((m["dimension"], group, missed))
            == ("higher" if m["flag"] == "lower" else "lower")
            for missed in MISSED_MEASURES
        ):
            continue
        if any(
            directions.get((dimension, part, m["measure"])) == m["flag"]
            for dimension, part in _components(m)
        ):
            continue
        if m["dimension"] == "access_need_mode" and (
            group.partition(SEPARATOR)[2] != str(m["reference_group"]).partition(SEPARATOR)[2]
        ):
            continue  # against another mode: a difference between modes, not access needs
        if any(o.covers(m) for o in outliers):
            continue  # said once, of the reference group
        kept.append(_finding(m))
    said = {
        (o.reference["dimension"], o.reference["mode"], o.reference["measure"]): o.direction
        for o in outliers
    }
    kept += [
        o.finding()
        for o in outliers
        if not (
            o.reference["measure"] == "attendance_rate"
            and any(
                said.get((o.reference["dimension"], o.reference["mode"], missed))
                == ("higher" if o.direction == "lower" else "lower")
                for missed in MISSED_MEASURES
            )
        )  # lower attendance of the reference group, the mirror of its missed contacts
    ]
    kept.sort(key=lambda f: (-abs(f["excess"]), -abs(math.log(f["ratio"]))))
    return kept[:limit] + ([{"more": len(kept) - limit}] if len(kept) > limit else [])


@dataclass(frozen=True)
class ReferenceOutlier:
    """The reference group of one dimension, measure and mode, differing from the rest."""

    reference: dict[str, Any]  # the reference group's own row
    differing: tuple[dict[str, Any], ...]  # the other groups flagged, all in one direction
    others: tuple[dict[str, Any], ...]  # every other group with a ratio and MIN_PEOPLE people

    @property
    def direction(self) -> str:
        """The reference group's direction: the opposite of the others' flags."""
        return "higher" if self.differing[0]["flag"] == "lower" else "lower"

    def covers(self, m: dict[str, Any]) -> bool:
        """Whether `m` is one of the comparisons this finding says (any mode, when this is
        every mode together)."""
        return (
            m["dimension"] == self.reference["dimension"]
            and m["measure"] == self.reference["measure"]
            and m["flag"] == self.differing[0]["flag"]
            and self.reference["mode"] in ("all", m["mode"])
        )

    def finding(self) -> dict[str, Any]:
        ref, differing = self.reference, self.differing
        dimension = ref["dimension"]
        rest_events = sum(float(m["numerator"]) for m in self.others)
        rest_total = sum(float(m["denominator"]) for m in self.others)
        rest_rate = rest_events / rest_total
        excess = float(ref["denominator"]) * (float(ref["value"]) - rest_rate)
        rates = sorted(float(m["value"]) for m in self.others)
        ratios = sorted(float(m["ratio"]) for m in differing)
        lows = [m["ratio_ci95"][0] for m in differing]
        highs = [m["ratio_ci95"][1] for m in differing]
        largest_q = max(m["q_value"] for m in differing if m.get("q_value") is not None)
        title = (
            f"{MEASURE_LABELS.get(ref['measure'], ref['measure'])}: {self.direction} for "
            f"{who(dimension, str(ref['group']))}, the reference group, than for every other "
            f"group by {DIMENSION_WORDS.get(dimension, dimension)} ({_contacts(ref)})"
        )
        size = (
            f"{_pct(ref['value'])} against {_pct(rates[0])} to {_pct(rates[-1])} for the "
            f"{len(self.others)} other groups ({_pct(rest_rate)} together); "
            f"{len(differing)} of them clearly differ, at {ratios[0]:.2f} to {ratios[-1]:.2f} "
            f"times its rate (95% intervals from {min(lows):.2f} to {max(highs):.2f})."
        )
        impact = (
            f"About {round(abs(excess)):,} {'more' if excess > 0 else 'fewer'} "
            f"{EVENTS.get(ref['measure'], 'events')} than at the other groups' rate, among "
            f"{ref['denominator']:,} {_contacts(ref)}"
            + (
                f" of {ref['people']:,} people."
                if ref["measure"] not in PEOPLE_MEASURES and ref.get("people")
                else "."
            )
        )
        certainty = (
            "Each of those differences clear beyond the 99.8% limits and within a 5% false "
            f"discovery rate (the largest {_q(largest_q)}); contacts are allowed to cluster "
            f"within people (design effect {ref['design_effect']:.2f})."
        )
        return {
            "title": title,
            "size": size,
            "impact": impact,
            "certainty": certainty,
            "text": f"{title}. {size} {impact} {certainty}",
            "dimension": dimension,
            "group": ref["group"],
            "mode": ref["mode"],
            "measure": ref["measure"],
            "reference_group": ref["group"],
            "flag": self.direction,
            "ratio": 1 / math.exp(sum(math.log(r) for r in ratios) / len(ratios)),
            "excess": excess,
            "reference_differs": True,
        }


def _reference_outliers(
    measures: Sequence[dict[str, Any]], candidates: Sequence[dict[str, Any]]
) -> list[ReferenceOutlier]:
    """Where the reference group is the one that differs: per dimension, measure and mode, at
    least two other groups flagged, all in one direction, holding at least half of the other
    groups' contacts, and every other group of MIN_PEOPLE people or more on their side of the
    reference (ratio below 1 when they are lower). Said for every mode together where that
    holds; for one mode only where every mode together does not."""
    flagged: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for m in candidates:
        if m["group"] != m["reference_group"]:
            flagged.setdefault((m["dimension"], m["measure"], m["mode"]), []).append(m)
    found = []
    for (dimension, measure, mode), differing in flagged.items():
        directions = {m["flag"] for m in differing}
        if len(differing) < 2 or len(directions) != 1:
            continue
        lower = directions == {"lower"}
        rows = [
            m
            for m in measures
            if m["dimension"] == dimension and m["measure"] == measure and m["mode"] == mode
        ]
        reference = next((m for m in rows if m["group"] == m["reference_group"]), None)
        others = [
            m
            for m in rows
            if m is not reference
            and m.get("ratio") is not None
            and m.get("value") is not None
            and (m.get("people") or 0) >= MIN_PEOPLE
        ]
        if (
            reference is None
            or reference.get("value") is None
            or not reference.get("denominator")
            or any((m["ratio"] < 1) != lower or m["ratio"] == 1 for m in others)
            or 2 * sum(m["denominator"] for m in differing) < sum(m["denominator"] for m in others)
        ):
            continue
        found.append(ReferenceOutlier(reference, tuple(differing), tuple(others)))
    every_mode = {
        (o.reference["dimension"], o.reference["measure"])
        for o in found
        if o.reference["mode"] == "all"
    }
    return [
        o
        for o in found
        if o.reference["mode"] == "all"
        or (o.reference["dimension"], o.reference["measure"]) not in every_mode
    ]


def _finding(m: dict[str, Any]) -> dict[str, Any]:
    reference = _reference_rate(m) or 0.0
    low, high = m["ratio_ci95"]
    excess = _excess(m)
    direction = "higher" if m["flag"] == "higher" else "lower"
    title = (
        f"{MEASURE_LABELS.get(m['measure'], m['measure'])}: {direction} for "
        f"{who(m['dimension'], str(m['group']))} ({_contacts(m)})"
    )
    size = (
        f"{_pct(m['value'])} against {_pct(reference)} for "
        f"{who(m['dimension'], str(m['reference_group']))}, the reference group: "
        f"{m['ratio']:.2f} times the rate (95% interval {low:.2f} to {high:.2f})."
    )
    count = round(abs(excess))
    impact = (
        f"About {count:,} {'more' if excess > 0 else 'fewer'} "
        f"{EVENTS.get(m['measure'], 'events')} than at the reference rate, among "
        f"{m['denominator']:,} {_contacts(m)}"
        + (
            f" of {m['people']:,} people."
            if m["measure"] not in PEOPLE_MEASURES and m.get("people")
            else "."
        )
    )
    certainty = (
        "Clear beyond the 99.8% limits and within a 5% false discovery rate "
        f"({_q(m['q_value'])}); contacts are allowed to cluster within people "
        f"(design effect {m['design_effect']:.2f})."
        if m.get("q_value") is not None
        else "Clear beyond the 99.8% limits."
    )
    return {
        "title": title,
        "size": size,
        "impact": impact,
        "certainty": certainty,
        "text": f"{title}. {size} {impact} {certainty}",
        "dimension": m["dimension"],
        "group": m["group"],
        "mode": m["mode"],
        "measure": m["measure"],
        "reference_group": m["reference_group"],
        "flag": m["flag"],
        "ratio": m["ratio"],
        "excess": excess,
    }


def findings(measures: Sequence[dict[str, Any]]) -> list[str]:
    """The summary as sentences; one saying there is nothing to report when there is none."""
    found = summary(measures)
    sentences = [f["text"] for f in found if "text" in f]
    more = [f["more"] for f in found if "more" in f]
    if not sentences:
        return [
            "No group differed from its reference group beyond what chance allows "
            "(99.8% limits, 5% false discovery rate), for any measure or mode."
        ]
    if more:
        sentences.append(f"{more[0]} smaller differences are in the tables below.")
    return sentences


def dimension_rows(
    measures: Sequence[dict[str, Any]], dimension: str, measure: str, mode: str = "all"
) -> list[dict[str, Any]]:
    """One dimension's rows of one measure and mode, groups in a stable order, each with the
    words the tables show."""
    rows = [
        m
        for m in measures
        if m["dimension"] == dimension and m["measure"] == measure and m["mode"] == mode
    ]
    rows.sort(key=lambda m: str(m["group"]))
    return [
        {
            **m,
            "label": who(dimension, str(m["group"])),
            "short": short_label(dimension, str(m["group"])),
        }
        for m in rows
    ]


def reference_rate(rows: Sequence[dict[str, Any]]) -> float | None:
    """The reference group's own rate, from its row."""
    for m in rows:
        if m["group"] == m["reference_group"] and m["value"] is not None:
            return float(m["value"])
    return None


def _svg(spec: dict[str, Any], title: str) -> str:
    """Vega-Lite to SVG, with the title inside the SVG (the PDF's alternative text) and
    role="img" for screen readers."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    safe = html_lib.escape(title)
    return re.sub(
        r"<svg([^>]*)>",
        lambda match: f'<svg{match.group(1)} role="img" aria-label="{safe}"><title>{safe}</title>',
        svg,
        count=1,
    )


def _axis_label_limit() -> dict[str, Any]:
    return {"labelLimit": 0, "labelFontSize": 11, "titleFontSize": 11}


def rate_chart(rows: Sequence[dict[str, Any]], measure: str, title: str) -> str | None:
    """Each group's rate with its 95% interval, the reference group's rate as a dashed line,
    each point labelled with its rate; flagged groups coloured and shaped differently."""
    shown = [m for m in rows if m["value"] is not None and m["ci95"]]
    if not shown:
        return None
    data = [
        {
            "group": m["short"],
            "rate": m["value"],
            "low": m["ci95"][0],
            "high": m["ci95"][1],
            "text": _pct(m["value"]),
            "flag": m["flag"] if m["flag"] in FLAG_COLOURS else "similar",
        }
        for m in shown
    ]
    reference = reference_rate(rows)
    y = {
        "field": "group",
        "type": "nominal",
        "title": None,
        "sort": None,
        "axis": _axis_label_limit(),
    }
    x_title = f"{MEASURE_LABELS.get(measure, measure)} (95% interval)"
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "color": "#595959"},
            "encoding": {
                "y": y,
                "x": {
                    "field": "low",
                    "type": "quantitative",
                    "axis": {"format": "%", **_axis_label_limit()},
                    "title": x_title,
                },
                "x2": {"field": "high"},
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 70},
            "encoding": {
                "y": y,
                "x": {"field": "rate", "type": "quantitative"},
                "color": {
                    "field": "flag",
                    "type": "nominal",
                    "title": "Compared with the reference",
                    "scale": {
                        "domain": list(FLAG_COLOURS),
                        "range": list(FLAG_COLOURS.values()),
                    },
                    "legend": {
                        "orient": "bottom",
                        "labelLimit": 0,
                        "titleLimit": 0,
                        "direction": "horizontal",
                    },
                },
                "shape": {
                    "field": "flag",
                    "type": "nominal",
                    "scale": {
                        "domain": list(FLAG_COLOURS),
                        "range": ["triangle-up", "triangle-down", "circle"],
                    },
                },
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 6, "dy": -8, "fontSize": 10},
            "encoding": {
                "y": y,
                "x": {"field": "rate", "type": "quantitative"},
                "text": {"field": "text"},
            },
        },
    ]
    if reference is not None:
        layers.append(
            {
                "data": {"values": [{"reference": reference}]},
                "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#000000"},
                "encoding": {"x": {"field": "reference", "type": "quantitative"}},
            }
        )
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "fontSize": 13, "anchor": "start", "limit": 0},
        "width": CHART_WIDTH,
        "data": {"values": data},
        "layer": layers,
        "config": {"font": "DejaVu Sans", "view": {"stroke": None}},
    }
    return _svg(spec, title)


def mode_chart(
    measures: Sequence[dict[str, Any]], dimension: str, measure: str, title: str
) -> tuple[str | None, list[dict[str, Any]]]:
    """Each group's rate by mode (Okabe-Ito colours and a shape per mode), with its table rows."""
    rows = [
        {
            **m,
            "label": who(dimension, str(m["group"])),
            "short": short_label(dimension, str(m["group"])),
            "mode_label": mode_label(m["mode"]),
        }
        for m in measures
        if m["dimension"] == dimension and m["measure"] == measure and m["mode"] not in ("all",)
    ]
    rows.sort(key=lambda m: (str(m["group"]), m["mode"]))
    shown = [m for m in rows if m["value"] is not None]
    modes = sorted({m["mode_label"] for m in shown})
    if len(modes) < 2:
        return None, rows
    data = [
        {"group": m["short"], "mode": m["mode_label"], "rate": m["value"], "text": _pct(m["value"])}
        for m in shown
    ]
    y = {"field": "group", "type": "nominal", "title": None, "axis": _axis_label_limit()}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "fontSize": 13, "anchor": "start", "limit": 0},
        "width": CHART_WIDTH,
        "data": {"values": data},
        "mark": {"type": "point", "filled": True, "size": 60},
        "encoding": {
            "y": y,
            "yOffset": {"field": "mode"},
            "x": {
                "field": "rate",
                "type": "quantitative",
                "axis": {"format": "%", **_axis_label_limit()},
                "title": MEASURE_LABELS.get(measure, measure),
            },
            "color": {
                "field": "mode",
                "type": "nominal",
                "title": "Mode",
                "scale": {
                    "domain": modes,
                    "range": [MODE_COLOURS.get(m, "#999999") for m in modes],
                },
                "legend": {
                    "orient": "bottom",
                    "labelLimit": 0,
                    "titleLimit": 0,
                    "direction": "horizontal",
                },
            },
            "shape": {"field": "mode", "type": "nominal"},
        },
        "config": {"font": "DejaVu Sans", "view": {"stroke": None}},
    }
    return _svg(spec, title), rows


def sections(measures: Sequence[dict[str, Any]], *, charts: bool = True) -> list[dict[str, Any]]:
    """Per dimension: the did-not-attend chart and table (every mode together), the same by
    mode, and a chart and table for every other measure the summary names in that dimension."""
    named = {(f["dimension"], f["measure"]) for f in summary(measures) if "measure" in f}
    result = []
    for dimension in DIMENSIONS:
        wanted = ["dna_rate", *sorted({m for d, m in named if d == dimension and m != "dna_rate"})]
        blocks = []
        for measure in wanted:
            rows = dimension_rows(measures, dimension, measure)
            if not rows:
                continue
            title = f"{MEASURE_LABELS[measure]}, by {DIMENSION_WORDS[dimension]}"
            blocks.append(
                {
                    "title": title,
                    "svg": rate_chart(rows, measure, title) if charts else None,
                    "rows": rows,
                    "reference": rows[0]["reference_group"],
                    "reference_label": who(dimension, str(rows[0]["reference_group"])),
                    "measure": measure,
                }
            )
        by_mode_title = f"Did not attend, by {DIMENSION_WORDS[dimension]} and mode"
        svg, mode_rows = (
            mode_chart(measures, dimension, "dna_rate", by_mode_title) if charts else (None, [])
        )
        if blocks:
            result.append(
                {
                    "dimension": dimension,
                    "words": DIMENSION_WORDS[dimension],
                    "blocks": blocks,
                    "by_mode": {"title": by_mode_title, "svg": svg, "rows": mode_rows}
                    if svg
                    else None,
                }
            )
    return result


def intersections_flagged(measures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every flagged two-way group, for the table after the charts."""
    names = {f"{a}_{b}" for a, b in INTERSECTIONS}
    return [
        {**m, "label": who(m["dimension"], str(m["group"]))}
        for m in measures
        if m["dimension"] in names and m["flag"] in ("higher", "lower")
    ]


def render(results: dict[str, Any], counts: Sequence[dict[str, Any]], out: Path) -> None:
    """Write out/report.html and out/report.pdf (tagged, PDF/UA-1)."""
    del counts  # the measures carry every count the report shows
    measures = results["measures"]
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "report_templates"),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["pct"] = lambda v: "" if v is None else _pct(v)
    env.filters["interval"] = lambda v, f="pct": (
        ""
        if not v
        else (f"{_pct(v[0])} to {_pct(v[1])}" if f == "pct" else f"{v[0]:.2f} to {v[1]:.2f}")
    )
    env.filters["count"] = lambda v: "*" if v is None else f"{v:,}"
    env.filters["mode_label"] = mode_label
    env.filters["measure_label"] = lambda v: MEASURE_LABELS.get(v, v)
    summary_items = summary(measures)
    context = {
        "results": results,
        "summary": [f for f in summary_items if "text" in f],
        "more": next((f["more"] for f in summary_items if "more" in f), 0),
        "sections": sections(measures),
        "intersections": intersections_flagged(measures),
        "z998": stats.Z998,
        "min_people": MIN_PEOPLE,
        "fdr": stats.FDR,
        **outcome_sections(results),
    }
    template = env.get_template("report.html")
    (out / "report.html").write_text(template.render(context, chart=Markup), encoding="utf-8")
    from weasyprint import HTML

    HTML(string=template.render(context, chart=chart_image), base_url=str(out)).write_pdf(
        out / "report.pdf", pdf_variant="pdf/ua-1"
    )


def chart_image(svg: str) -> Markup:
    """A chart (from `_svg`) as the PDF takes it: an image of the same SVG, its title as the
    alternative text. WeasyPrint draws an inline <svg> as such an image anyway, and the PDF is
    tagged the same (a Figure with that text), but markup inline in the page is first parsed
    node by node with the HTML (about a third of a small report's layout time)."""
    found = re.search(r'aria-label="([^"]*)"', svg)
    title = html_lib.unescape(found.group(1)) if found else ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Markup('<img src="data:image/svg+xml;base64,{}" alt="{}">').format(data, title)
