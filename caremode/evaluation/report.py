"""The evaluation report: plain-language findings first, then charts (Altair, drawn to SVG with
vl-convert, nothing fetched), as HTML and as PDF (WeasyPrint)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert
from jinja2 import Environment, FileSystemLoader, select_autoescape

from caremode.core.presenters import mode_label
from caremode.evaluation import stats
from caremode.evaluation.report_sections import sections

MEASURE_WORDS = {
    "attendance_rate": "attended",
    "dna_rate": "did not attend",
    "patient_cancellation_rate": "cancelled",
    "provider_cancellation_rate": "had the service cancel",
    "late_not_seen_rate": "arrived too late to be seen",
    "tech_failure_rate": "had a technical failure",
    "disengagement_rate": "had no attended contact in the 90 days after a missed remote contact",
    "declined_rate": "declined it",
    "recovery_rate": "recovered (of those at caseness at the start)",
    "reliable_improvement_rate": "reliably improved",
    "reliable_deterioration_rate": "reliably deteriorated",
    "reliable_recovery_rate": "reliably recovered (of those at caseness at the start)",
    "dialog_reliable_improvement_rate": "reliably improved on the DIALOG life mean",
    "dialog_reliable_deterioration_rate": "reliably deteriorated on the DIALOG life mean",
}
DIMENSION_WORDS = {
    "ethnicity": "ethnic group",
    "age_band": "age band",
    "gender": "gender",
    "imd_quintile": "deprivation quintile (1 = most deprived)",
    "rurality": "rural or urban area",
    "access_need": "access need",
    "interpreter": "interpreter",
}


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _who(m: dict[str, Any]) -> str:
    """The group in words: 'people in the White ethnic group', 'people aged 65 or over'..."""
    group, dimension = str(m["group"]), m["dimension"]
    if dimension == "mode":
        label = "mixed-mode" if group == "mixed" else mode_label(group).lower()
        return f"people in {label} care"
    if dimension == "imd_quintile":
        return f"people in deprivation quintile {group} (1 = most deprived)"
    if dimension == "access_need":
        return (
            "people with no access need recorded"
            if group == "none_recorded"
            else f"people with the access need '{group.replace('_', ' ')}'"
        )
    if dimension == "age_band":
        return f"people aged {group}"
    if dimension in ("rurality", "interpreter", "gender"):
        return f"people in the group '{group}' ({DIMENSION_WORDS[dimension]})"
    return f"people in the {group} {DIMENSION_WORDS.get(dimension, dimension)}"


def findings(measures: Sequence[dict[str, Any]]) -> list[str]:
    """One sentence per flagged difference, largest first; or a sentence saying there are none."""
    flagged = [m for m in measures if m["flag"] in ("higher", "lower") and m["ratio"]]
    flagged.sort(key=lambda m: -abs(math.log(m["ratio"])))
    sentences = []
    for m in flagged:
        contacts = "contacts" if m["mode"] == "all" else f"{mode_label(m['mode']).lower()} contacts"
        if m["measure"] == "declined_rate":
            contacts = f"people whose view of {contacts} is recorded"
        low, high = m["ratio_ci95"]
        sentences.append(
            f"Among {contacts}, {_who(m)} "
            f"{MEASURE_WORDS.get(m['measure'], m['measure'])} {_pct(m['value'])} of the time: "
            f"{m['ratio']:.2f} times the rate for {_who({**m, 'group': m['reference_group']})} "
            f"(95% interval {low:.2f} to {high:.2f}; {m['flag']} beyond 99.8% limits)."
        )
    if not sentences:
        sentences.append(
            "No group differed from its reference group beyond what chance allows "
            "(99.8% limits), for any measure or mode."
        )
    return sentences


def _svg(chart: alt.TopLevelMixin) -> str:
    return vl_convert.vegalite_to_svg(chart.to_json())


def rate_chart(measures: Sequence[dict[str, Any]], dimension: str, measure: str) -> str | None:
    rows = [
        m
        for m in measures
        if m["dimension"] == dimension
        and m["measure"] == measure
        and m["mode"] != "all"
        and m["value"] is not None
        and m["ci95"]
    ]
    if not rows:
        return None
    frame = pd.DataFrame(
        [
            {
                "group": str(m["group"]),
                "mode": mode_label(m["mode"]),
                "rate": m["value"],
                "low": m["ci95"][0],
                "high": m["ci95"][1],
            }
            for m in rows
        ]
    )
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", title=None), yOffset="mode:N", color=alt.Color("mode:N", title="Mode")
    )
    chart = base.mark_rule().encode(
        x=alt.X("low:Q", axis=alt.Axis(format="%"), title=MEASURE_WORDS[measure].capitalize()),
        x2="high:Q",
    ) + base.mark_point(filled=True).encode(x="rate:Q")
    return _svg(chart.properties(width=520, title=f"By {DIMENSION_WORDS[dimension]}"))


def mode_mix_chart(counts: Sequence[dict[str, Any]], dimension: str) -> str | None:
    rows = [c for c in counts if c["dimension"] == dimension and c["mode"] != "all"]
    if not rows:
        return None
    frame = pd.DataFrame(
        [
            {"group": str(c["group"]), "mode": mode_label(c["mode"]), "offered": c["offered"]}
            for c in rows
        ]
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", title=None),
            x=alt.X(
                "offered:Q",
                stack="normalize",
                axis=alt.Axis(format="%"),
                title="Share of offered contacts",
            ),
            color=alt.Color("mode:N", title="Mode"),
        )
        .properties(width=520, title=f"Mode mix by {DIMENSION_WORDS[dimension]}")
    )
    return _svg(chart)


def funnel_chart(measures: Sequence[dict[str, Any]], measure: str) -> str | None:
    """Each group's rate against its number of contacts, with 95% and 99.8% funnel limits
    around the overall rate (as Fingertips draws them)."""
    overall = next(
        (
            m
            for m in measures
            if m["dimension"] == "overall"
            and m["mode"] == "all"
            and m["measure"] == measure
            and m["value"] is not None
        ),
        None,
    )
    points = [
        m
        for m in measures
        if m["dimension"] != "overall"
        and m["mode"] == "all"
        and m["measure"] == measure
        and m["value"] is not None
        and m["denominator"]
    ]
    if overall is None or not points:
        return None
    p = overall["value"]
    top = max(m["denominator"] for m in points)
    limits = []
    for n in sorted({int(top * f) for f in [i / 50 for i in range(1, 51)]} | {10}):
        if n < 5:
            continue
        for level, z in (("95%", stats.Z95), ("99.8%", stats.Z998)):
            half = z * math.sqrt(p * (1 - p) / n)
            limits += [
                {"n": n, "limit": max(0, p - half), "level": level, "side": "low"},
                {"n": n, "limit": min(1, p + half), "level": level, "side": "high"},
            ]
    dots = pd.DataFrame(
        [
            {
                "n": m["denominator"],
                "rate": m["value"],
                "group": f"{m['dimension']}: {m['group']}",
                "flag": m["flag"],
            }
            for m in points
        ]
    )
    lines = (
        alt.Chart(pd.DataFrame(limits))
        .mark_line(strokeDash=[4, 3])
        .encode(
            x=alt.X("n:Q", title="Offered contacts"),
            y=alt.Y("limit:Q", axis=alt.Axis(format="%")),
            detail="side:N",
            color=alt.Color("level:N", title="Limits"),
        )
    )
    dots_chart = (
        alt.Chart(dots)
        .mark_circle(size=40)
        .encode(
            x="n:Q",
            y=alt.Y("rate:Q", title=MEASURE_WORDS[measure].capitalize()),
            shape=alt.Shape("flag:N", title="Flag"),
            tooltip=["group", "rate", "n"],
        )
    )
    return _svg((lines + dots_chart).properties(width=520, title="Funnel plot, every group"))


def render(results: dict[str, Any], counts: Sequence[dict[str, Any]], out: Path) -> None:
    """Write out/report.html and out/report.pdf."""
    measures = results["measures"]
    charts = []
    for measure in ("dna_rate", "attendance_rate"):
        charts.append(("Funnel plot: " + MEASURE_WORDS[measure], funnel_chart(measures, measure)))
    for dimension in DIMENSION_WORDS:
        charts.append(
            (
                f"Did not attend, by {DIMENSION_WORDS[dimension]} and mode",
                rate_chart(measures, dimension, "dna_rate"),
            )
        )
        charts.append(
            (f"Mode mix by {DIMENSION_WORDS[dimension]}", mode_mix_chart(counts, dimension))
        )
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "report_templates"),
        autoescape=select_autoescape(["html"]),
    )
    html = env.get_template("report.html").render(
        results=results,
        findings=findings(measures),
        charts=[(title, svg) for title, svg in charts if svg],
        flagged=[m for m in measures if m["flag"] in ("higher", "lower")],
        **sections(results),
    )
    (out / "report.html").write_text(html, encoding="utf-8")
    from weasyprint import HTML

    HTML(string=html, base_url=str(out)).write_pdf(out / "report.pdf")
