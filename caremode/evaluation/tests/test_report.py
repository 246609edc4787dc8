"""The report a service manager reads: its summary states the planted differences and no others,
each once; the PDF is tagged; the intervals and flags behave at the edges and with clustering."""

from __future__ import annotations

import json
import random
import re
import zlib
from pathlib import Path

import ibis
import pyarrow as pa
import pytest
from django.core.management import call_command

from caremode.evaluation.inputs import OPTIONAL
from caremode.evaluation.measures import Options, compute_measures, count_groups, standardise
from caremode.evaluation.report import MIN_PEOPLE, summary

COLUMNS = (
    "Person_ID",
    "UniqCareContID",
    "CareContDate",
    "ConsMechanismMH",
    "AttendStatus",
    "EthnicCategory",
    "AgeCareContDate",
    "Gender",
    "IMD_Decile",
    "Rurality",
    "LanguageCodePreferred",
    "AccessNeeds",
    "TechFailure",
)


def planted_extract(path: Path, *, people: int = 4000, seed: int = 11) -> Path:
    """Contacts whose outcomes depend on no group, except three planted truths: Black people
    miss video contacts without notice 2.5 times as often, the service cancels 3 times as often
    for people aged 18 to 24, and White people, the largest ethnic group and so the reference
    group, cancel twice as often as everyone else. Each person has their own propensity to miss
    (so contacts cluster within people); only attendance absorbs the planted changes, so no
    other measure moves."""
    rng = random.Random(seed)
    lines = [",".join(COLUMNS)]
    contact = 0
    for person in range(people):
        ethnic = rng.choices("AHNRZ", weights=[65, 14, 11, 6, 4])[0]
        age = rng.randint(16, 90)
        decile = rng.randint(1, 10)
        rural = rng.choice(["urban", "urban", "rural"])
        language = rng.choices(["en", "pl", "ur", "ar"], weights=[85, 6, 5, 4])[0]
        need = rng.choices(["", "poor_connectivity", "mobility_difficulty"], weights=[80, 10, 10])[
            0
        ]
        frailty = rng.gammavariate(2.0, 0.5)  # mean 1: some people miss far more than others
        for _ in range(rng.randint(2, 14)):
            mode = rng.choice(["01", "02", "11"])
            dna = min(0.5, 0.10 * frailty * (2.5 if ethnic == "N" and mode == "11" else 1.0))
            provider = 0.05 * (3.0 if 18 <= age <= 24 else 1.0)
            fixed = {"3": dna, "4": provider, "2": 0.10 if ethnic == "A" else 0.05, "7": 0.02}
            left = 1 - sum(fixed.values())
            weights = {**fixed, "5": left * 6 / 7, "6": left / 7}
            status = rng.choices(list(weights), weights=list(weights.values()))[0]
            contact += 1
            lines.append(
                f"p{person},{contact},2026-{1 + contact % 12:02d}-{1 + contact % 28:02d},"
                f"{mode},{status},{ethnic},{age},{rng.choice('12')},{decile},{rural},"
                f"{language},{need},{rng.choice('YNNNNNNNNN')}"
            )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_summary_states_the_planted_differences_and_no_others(tmp_path):
    out = tmp_path / "report"
    call_command("evaluate", str(planted_extract(tmp_path / "planted.csv")), "--out", str(out))
    measures = json.loads((out / "results.json").read_text())["measures"]
    found = summary(measures)
    # Most contacts concerned first: White people's own cancellations touch more contacts than
    # the service's cancellations for the young, and those more than video non-attendance for
    # Black people. The reference group that differs is said once, of itself, not once for
    # every other ethnic group.
    assert [(f["dimension"], f["group"], f["mode"], f["measure"], f["flag"]) for f in found] == [
        ("ethnicity", "White", "all", "patient_cancellation_rate", "higher"),
        ("age_band", "18-24", "all", "provider_cancellation_rate", "higher"),
        ("ethnicity", "Black or Black British", "video", "dna_rate", "higher"),
    ]
    white, young, black = found
    assert white["title"] == (
        "Cancelled by the person: higher for White ethnic group, the reference group, than for "
        "every other group by ethnic group (all contacts)"
    )
    assert "for the 4 other groups" in white["size"] and "times its rate" in white["size"]
    assert (
        white["impact"].startswith("About ")
        and "more cancellations by the person" in (white["impact"])
    )
    assert "false discovery rate" in white["certainty"]
    assert black["title"] == (
        "Did not attend: higher for Black or Black British ethnic group (video contacts)"
    )
    assert "White ethnic group, the reference group" in black["size"]
    assert "95% interval" in black["size"] and "false discovery rate" in black["certainty"]
    assert young["reference_group"] == "65 or over"  # the largest band
    assert young["title"].endswith("(all contacts)")
    html = (out / "report.html").read_text()
    summary_html = html.split('id="summary"')[1].split('id="by-dimension"')[0]
    assert summary_html.count("<li>") == 3
    assert (
        summary_html.index("White ethnic group, the reference group")
        < summary_html.index("aged 18-24")
        < summary_html.index("Black or Black British")
    )
    # Every chart has its table and an accessible name; the PDF is tagged (PDF/UA-1).
    assert html.count('role="img"') >= 8
    assert html.count("<table") >= html.count('role="img"')
    pdf = _inflated((out / "report.pdf").read_bytes())
    assert pdf.startswith(b"%PDF") and b"/StructTreeRoot" in pdf and b"pdfuaid:part" in pdf
    assert b"/Figure" in pdf and b"/Table" in pdf  # charts as figures, tables as tables
    assert b"Did not attend, by ethnic group" in pdf  # a chart's alternative text


def _inflated(pdf: bytes) -> bytes:
    """The PDF with every compressed stream inflated, so that its structure can be searched."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _measure(**fields):
    """A flagged measure row as compute_measures writes it."""
    row = {
        "dimension": "ethnicity",
        "group": "Black or Black British",
        "mode": "all",
        "measure": "dna_rate",
        "numerator": 100,
        "denominator": 500,
        "people": 200,
        "design_effect": 1.2,
        "value": 0.2,
        "ci95": [0.17, 0.24],
        "ci998": [0.15, 0.26],
        "reference_group": "White",
        "ratio": 2.0,
        "ratio_ci95": [1.6, 2.5],
        "ratio_ci998": [1.4, 2.9],
        "p_value": 1e-9,
        "q_value": 1e-7,
        "flag": "higher",
    }
    return row | fields


def test_one_mode_is_said_once_not_again_for_every_mode_together():
    only_mode = _measure(mode="telephone")
    together = _measure()
    found = summary([only_mode, together])
    assert [f["mode"] for f in found] == ["all"]


def test_the_mode_furthest_from_the_reference_is_the_one_said():
    video = _measure(mode="video", numerator=60, denominator=200, value=0.3, ratio=3.0)
    together = _measure(ratio=1.5, value=0.15, numerator=75)
    assert [f["mode"] for f in summary([video, together])] == ["video"]


def test_lower_attendance_is_not_repeated_as_the_mirror_of_missed_contacts():
    dna = _measure()
    attendance = _measure(
        measure="attendance_rate", flag="lower", ratio=0.8, value=0.6, numerator=300
    )
    assert [f["measure"] for f in summary([dna, attendance])] == ["dna_rate"]
    # Alone, lower attendance is a finding.
    assert [f["measure"] for f in summary([attendance])] == ["attendance_rate"]


def test_a_two_way_group_is_not_repeated_when_its_part_says_the_same():
    part = _measure()
    both = _measure(dimension="ethnicity_age_band", group="Black or Black British / 25-34")
    assert [f["dimension"] for f in summary([part, both])] == ["ethnicity"]
    assert [f["dimension"] for f in summary([both])] == ["ethnicity_age_band"]


def test_no_finding_rests_on_a_handful_of_people():
    assert summary([_measure(people=MIN_PEOPLE - 1)]) == []
    assert len(summary([_measure(people=MIN_PEOPLE)])) == 1


def test_findings_are_ordered_by_how_many_contacts_they_concern():
    small = _measure(group="Mixed", denominator=100, numerator=30, value=0.3, ratio=3.0)
    large = _measure(denominator=5000, numerator=1000, value=0.2, ratio=2.0)
    assert [f["group"] for f in summary([small, large])] == ["Black or Black British", "Mixed"]


def _dimension(ratios: dict[str, float], flags: dict[str, str]) -> list[dict]:
    """One measure by ethnic group: White the reference at 20%, each other group at
    `ratios[group]` times that on 500 contacts of 200 people, flagged as `flags` says."""
    rows = [
        _measure(
            group="White",
            numerator=2000,
            denominator=10000,
            people=4000,
            value=0.2,
            ratio=1.0,
            ratio_ci95=[0.95, 1.05],
            p_value=None,
            q_value=None,
            flag="reference",
        )
    ]
    for group, ratio in ratios.items():
        flag = flags.get(group, "similar")
        rows.append(
            _measure(
                group=group,
                numerator=round(100 * ratio),
                value=0.2 * ratio,
                ratio=ratio,
                ratio_ci95=[ratio * 0.8, ratio * 1.25],
                p_value=1e-9 if flag != "similar" else 0.3,
                q_value=1e-7 if flag != "similar" else 0.5,
                flag=flag,
            )
        )
    return rows


def test_a_reference_group_that_differs_is_said_once_of_itself():
    others = {"Asian or Asian British": 0.5, "Black or Black British": 0.45, "Mixed": 0.8}
    found = summary(
        _dimension(others, {"Asian or Asian British": "lower", "Black or Black British": "lower"})
    )
    (white,) = found
    assert (white["group"], white["flag"], white["reference_group"]) == ("White", "higher", "White")
    assert white["title"].startswith("Did not attend: higher for White ethnic group, the reference")
    assert "20.0% against 9.0% to 16.0% for the 3 other groups" in white["size"]
    # 10,000 contacts at 20% against 11.7% for the others together (175 of 1,500).
    assert white["impact"].startswith("About 833 more contacts not attended")


def test_the_reference_is_not_the_one_that_differs_when_the_others_disagree():
    # One group lies above the reference, so the two below are differences of their own.
    others = {"Asian or Asian British": 0.5, "Black or Black British": 0.45, "Mixed": 1.2}
    found = summary(
        _dimension(others, {"Asian or Asian British": "lower", "Black or Black British": "lower"})
    )
    assert sorted(f["group"] for f in found) == ["Asian or Asian British", "Black or Black British"]
    assert all("the reference group, than" not in f["title"] for f in found)
    # A single group differing is that group's difference.
    (one,) = summary(_dimension({"Mixed": 0.5}, {"Mixed": "lower"}))
    assert one["group"] == "Mixed"


def _table(rows: list[tuple[str, str, str]]):
    """(person, ethnic category, status) rows as a standardised table."""
    data: dict[str, list[str | None]] = {
        "Person_ID": [p for p, _e, _s in rows],
        "UniqCareContID": [str(i) for i in range(len(rows))],
        "CareContDate": ["2026-01-05"] * len(rows),
        "ConsMechanismMH": ["01"] * len(rows),
        "AttendStatus": [s for _p, _e, s in rows],
        "EthnicCategory": [e for _p, e, _s in rows],
    }
    for name in OPTIONAL:
        data.setdefault(name, [None] * len(rows))
    return standardise(
        ibis.memtable(pa.table({k: pa.array(v, type=pa.string()) for k, v in data.items()}))
    )


def _reference_rows(n: int = 1000) -> list[tuple[str, str, str]]:
    """A large White reference group attending 70% of single contacts."""
    return [(f"w{i}", "A", "5" if i % 10 < 7 else "3") for i in range(n)]


@pytest.mark.parametrize("n", [1, 5, 20])
def test_a_small_group_that_attended_everything_is_not_flagged(n):
    rows = _reference_rows() + [(f"b{i}", "N", "5") for i in range(n)]
    measures = compute_measures(count_groups(_table(rows)), Options(suppress=False))
    (black,) = [
        m
        for m in measures
        if m["dimension"] == "ethnicity"
        and m["group"] == "Black or Black British"
        and m["mode"] == "all"
        and m["measure"] == "attendance_rate"
    ]
    assert black["value"] == 1.0 and black["flag"] == "similar"
    low, high = black["ratio_ci998"]
    assert low < 1 < high and high - low > 0.1
    assert black["people"] == n


def test_one_person_missing_ten_contacts_widens_the_interval():
    """Ten Black people who each missed one contact and attended one, against one person who
    missed ten and ten others who attended one each: the same counts (20 contacts, 10 missed),
    but the second is one person's pattern, so its design effect and interval grow."""
    spread = [(f"b{i}", "N", s) for i in range(10) for s in ("3", "5")]
    clustered = [("b0", "N", "3")] * 10 + [(f"b{i}", "N", "5") for i in range(1, 11)]
    [spread_dna, clustered_dna] = [
        next(
            m
            for m in compute_measures(
                count_groups(_table(_reference_rows() + rows)), Options(suppress=False)
            )
            if m["dimension"] == "ethnicity"
            and m["group"] == "Black or Black British"
            and m["mode"] == "all"
            and m["measure"] == "dna_rate"
        )
        for rows in (spread, clustered)
    ]
    assert (spread_dna["numerator"], spread_dna["denominator"]) == (10, 20)
    assert (clustered_dna["numerator"], clustered_dna["denominator"]) == (10, 20)
    assert spread_dna["design_effect"] == 1.0
    assert clustered_dna["design_effect"] > 3
    assert spread_dna["people"] == 10 and clustered_dna["people"] == 11
    s_low, s_high = spread_dna["ratio_ci95"]
    c_low, c_high = clustered_dna["ratio_ci95"]
    assert c_low < s_low and c_high > s_high
    # The contact-level Wilson interval is the same either way, as published.
    assert spread_dna["ci95"] == clustered_dna["ci95"]
