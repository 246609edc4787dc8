"""Planted truth: the evaluation finds a disparity that is there, and (almost) none that is not."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import ibis
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.evaluation import measures
from caremode.evaluation.inputs import InputError, read_extract
from caremode.evaluation.measures import Options, compute_measures, count_groups, standardise

HEADER = (
    "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus,EthnicCategory,"
    "AgeCareContDate,Gender,IMD_Decile,Rurality,AccessNeeds,TechFailure"
)


def write_extract(path: Path, *, rows: int, seed: int, video_dna_ratio: float = 1.0) -> Path:
    """Contacts with a 10% DNA rate; for video contacts of Black people, `ratio` times that."""
    rng = random.Random(seed)
    lines = [HEADER]
    for i in range(rows):
        ethnic = rng.choices("ANHJ", weights=[70, 12, 10, 8])[0]
        mode = rng.choice(["01", "02", "11"])
        p = 0.10 * (video_dna_ratio if ethnic == "N" and mode == "11" else 1.0)
        status = "3" if rng.random() < p else rng.choice(["5", "5", "5", "6", "2", "4"])
        lines.append(
            f"p{i % (rows // 6)},{i},2026-{1 + i % 12:02d}-{1 + i % 28:02d},{mode},{status},"
            f"{ethnic},{rng.randint(16, 90)},{rng.choice('12')},{rng.randint(1, 10)},"
            f"{rng.choice(['urban', 'rural'])},{rng.choice(['', 'poor_connectivity'])},"
            f"{rng.choice('YNNNNNNNNN')}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def with_language_interpreter_and_needs(path: Path) -> Path:
    """The extract with a preferred language (a known code, an unknown one, none), interpreter
    presence and people with two access needs at once, so every dimension is compared."""
    rng = random.Random(7)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["LanguageCodePreferred"] = rng.choice(["en", "en", "pl", "ur", "xx", ""])
        row["InterpreterPresentInd"] = rng.choice(["Y", "N", "N", ""])
        if rng.random() < 0.2:
            row["AccessNeeds"] = "hearing_impairment;poor_connectivity"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def evaluate(path: Path, **options) -> list[dict]:
    con = ibis.duckdb.connect()
    checked = read_extract(path, con=con)
    return compute_measures(count_groups(standardise(checked.table)), Options(**options))


def find(measures, **where):
    return [m for m in measures if all(m[k] == v for k, v in where.items())]


def test_counting_a_dimension_at_a_time_gives_what_one_query_gives(tmp_path, monkeypatch):
    # A large extract is counted one dimension per query, a small one in one query.
    path = with_language_interpreter_and_needs(
        write_extract(tmp_path / "both.csv", rows=3_000, seed=5, video_dna_ratio=1.5)
    )
    table = standardise(read_extract(path).table)

    def keyed(rows):
        return {(r["dimension"], r["group"], r["mode"]): r for r in rows}

    together = keyed(count_groups(table))
    monkeypatch.setattr(measures, "ONE_QUERY_ROWS", 0)
    apart = keyed(count_groups(table))
    assert len(together) > 250
    assert {d for d, _g, _m in together} >= {"language", "access_need_mode", "ethnicity_age_band"}
    assert apart == together


def test_a_planted_disparity_is_flagged_with_an_interval_covering_the_truth(tmp_path):
    measures = evaluate(
        write_extract(tmp_path / "planted.csv", rows=60_000, seed=3, video_dna_ratio=2.0)
    )
    (black_video,) = find(
        measures,
        dimension="ethnicity",
        group="Black or Black British",
        mode="video",
        measure="dna_rate",
    )
    assert black_video["reference_group"] == "White"
    assert black_video["flag"] == "higher"
    low, high = black_video["ratio_ci95"]
    assert low < 2.0 < high
    (white_video,) = find(
        measures, dimension="ethnicity", group="White", mode="video", measure="dna_rate"
    )
    assert white_video["ratio"] == 1.0 and white_video["flag"] == "similar"


def test_no_disparity_gives_no_more_flags_than_chance_allows(tmp_path):
    measures = evaluate(write_extract(tmp_path / "null.csv", rows=40_000, seed=5))
    compared = [m for m in measures if m["ratio_ci998"] is not None and m["ratio"] != 1.0]
    flagged = [m for m in compared if m["flag"] in ("higher", "lower")]
    assert len(compared) > 100
    # 99.8% intervals: about 0.2% false flags expected; allow a generous margin.
    assert len(flagged) <= max(2, 0.01 * len(compared)), flagged


def test_every_offered_contact_counts_missed_ones_included(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(
        "\n".join(
            [HEADER]
            + [
                f"p{i},{i},2026-01-0{1 + i % 9},11,{s},A,40,1,3,urban,,N"
                for i, s in enumerate(["5"] * 12 + ["3"] * 6 + ["2"] * 2)
            ]
        )
        + "\n"
    )
    measures = evaluate(path, suppress=False)
    (overall,) = find(measures, dimension="overall", mode="all", measure="attendance_rate")
    assert (overall["numerator"], overall["denominator"]) == (12, 20)
    (dna,) = find(measures, dimension="overall", mode="all", measure="dna_rate")
    assert dna["value"] == pytest.approx(0.3)


@pytest.mark.parametrize(("numerator", "suppressed"), [(4, True), (5, False)])
def test_suppression_at_its_edge(tmp_path, numerator, suppressed):
    path = tmp_path / "edge.csv"
    statuses = ["3"] * numerator + ["5"] * 20
    path.write_text(
        "\n".join(
            [HEADER]
            + [f"p{i},{i},2026-01-02,01,{s},A,40,1,3,urban,,N" for i, s in enumerate(statuses)]
        )
        + "\n"
    )
    (dna,) = find(evaluate(path), dimension="overall", mode="all", measure="dna_rate")
    if suppressed:
        assert dna["flag"] == "suppressed" and dna["value"] is None and dna["numerator"] is None
    else:
        assert dna["flag"] != "suppressed" and dna["numerator"] == 5
        assert dna["denominator"] == 25 and dna["value"] == pytest.approx(5 / 25)


def test_bad_rows_are_named_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "p1,1,2026-01-02,11,5,A,40,1,3,urban,,N",
                "p2,2,2026-02-30,11,5,A,40,1,3,urban,,N",
                "p3,3,2026-01-02,07,5,A,40,1,3,urban,,N",
                "p4,4,2026-01-02,11,8,Q,40,1,11,city,sad,maybe",
                "p5,1,2026-01-02,11,5,A,40,1,3,urban,,N",
            ]
        )
        + "\n"
    )
    out = tmp_path / "out"
    with pytest.raises(CommandError) as caught:
        call_command("evaluate", str(path), "--out", str(out))
    message = str(caught.value)
    for expected in (
        "column CareContDate: row 3: '2026-02-30'",
        "column ConsMechanismMH: row 4: '07'",
        "column AttendStatus: row 5: '8'",
        "column EthnicCategory: row 5: 'Q'",
        "column IMD_Decile: row 5: '11'",
        "column Rurality: row 5: 'city'",
        "column AccessNeeds: row 5: 'sad'",
        "column TechFailure: row 5: 'maybe'",
        "duplicate identifier in column UniqCareContID: row 2: '1'; row 6: '1'",
    ):
        assert expected in message
    assert not out.exists()


def test_parquet_rows_are_numbered_from_the_first_record(tmp_path):
    """Parquet has no header line: row 1 is the first record, typed columns read as codes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table(
            {
                "Person_ID": ["p1", "  ", "p3"],
                "UniqCareContID": [1, 2, 3],
                "CareContDate": ["2026-01-02", "2026-01-02", "2026-1-2"],
                "ConsMechanismMH": ["11", "02", "01"],
                "AttendStatus": [5, 3, 5],
                "AccessNeeds": [None, "poor_connectivity;", "poor_connectivity;sad"],
            }
        ),
        path,
    )
    with pytest.raises(InputError) as caught:
        read_extract(path)
    message = str(caught.value)
    assert "missing value in column Person_ID: row 2: '  '" in message
    assert "column CareContDate: row 3: '2026-1-2'" in message
    assert "unknown access need in column AccessNeeds: row 3: 'sad'" in message
    assert "AttendStatus" not in message  # integers 5 and 3 read as the codes "5" and "3"


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "missing.csv"
    path.write_text("Person_ID,UniqCareContID,CareContDate,AttendStatus\np,1,2026-01-01,5\n")
    with pytest.raises(InputError, match="missing required column\\(s\\): ConsMechanismMH"):
        read_extract(path)


def test_the_command_writes_csv_and_json_and_accepts_the_older_header(tmp_path, capsys):
    path = tmp_path / "legacy.csv"
    rows = [f"p{i},{i},2026-01-02,03,{'3' if i % 5 == 0 else '5'}" for i in range(60)]
    path.write_text(
        "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendOrDNACode\n"
        + "\n".join(rows)
        + "\n"
    )
    out = tmp_path / "out"
    call_command("evaluate", str(path), "--out", str(out))
    results = json.loads((out / "results.json").read_text())
    assert results["contacts"] == 60
    assert "before MHSDS v5" in results["warnings"][0]
    (video,) = [
        m
        for m in results["measures"]
        if m["dimension"] == "overall" and m["mode"] == "video" and m["measure"] == "dna_rate"
    ]
    assert video["value"] == pytest.approx(12 / 60)
    assert set(results["measures"][0]) >= {
        "dimension",
        "group",
        "mode",
        "measure",
        "numerator",
        "denominator",
        "value",
        "ci95",
        "ci998",
        "reference_group",
        "ratio",
        "ratio_ci95",
        "ratio_ci998",
        "flag",
    }
    assert (out / "measures.csv").read_text().startswith("dimension,group,mode,measure")


def test_skip_invalid_reports_and_continues(tmp_path):
    path = tmp_path / "some-bad.csv"
    path.write_text(
        "\n".join(
            [HEADER]
            + [
                f"p{i},{i},2026-01-02,11,{'9' if i == 3 else '5'},A,40,1,3,urban,,N"
                for i in range(10)
            ]
        )
        + "\n"
    )
    out = tmp_path / "out"
    call_command("evaluate", str(path), "--out", str(out), "--skip-invalid")
    results = json.loads((out / "results.json").read_text())
    assert results["contacts"] == 9
    assert "row 5: '9'" in results["skipped"][0]


def test_the_extract_command_feeds_the_evaluation(tmp_path, clinician, service_user):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from tests.factories import ContactFactory

    with time_machine.travel(timezone.now() - dt.timedelta(days=20)):
        for status in ["5"] * 8 + ["3"] * 2:
            ContactFactory(
                service_user=service_user,
                clinician=clinician,
                attend_status=status,
                mode_used="video" if status == "5" else "",
            )
    extract = tmp_path / "contacts.csv"
    call_command("extract", "--out", str(extract))
    call_command("evaluate", str(extract), "--out", str(tmp_path / "out"), "--no-suppress")
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    (dna,) = [
        m
        for m in results["measures"]
        if m["dimension"] == "overall" and m["mode"] == "all" and m["measure"] == "dna_rate"
    ]
    assert (dna["numerator"], dna["denominator"]) == (2, 10)


@pytest.mark.parametrize("backend", ["postgres", "spark"])
def test_the_same_input_gives_identical_measures_on_every_engine(tmp_path, backend):
    import os
    import shutil

    if backend == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("Needs DATABASE_URL pointing at PostgreSQL (CI sets it).")
    if backend == "spark" and not shutil.which("java"):
        pytest.skip("Spark needs Java 17 or later on PATH.")
    path = write_extract(tmp_path / "same.csv", rows=3_000, seed=11, video_dna_ratio=1.5)
    for engine in ("duckdb", backend):
        call_command(
            "evaluate",
            str(path),
            "--out",
            str(tmp_path / engine),
            "--no-suppress",
            "--backend",
            engine,
        )
    duck = json.loads((tmp_path / "duckdb" / "results.json").read_text())["measures"]
    other = json.loads((tmp_path / backend / "results.json").read_text())["measures"]
    assert len(duck) == len(other) > 100
    assert {m["measure"] for m in duck} >= {"dna_rate", "disengagement_rate"}
    assert duck == other


def test_the_report_puts_the_planted_finding_first_in_html_and_pdf(tmp_path):
    path = write_extract(tmp_path / "planted.csv", rows=30_000, seed=7, video_dna_ratio=2.5)
    out = tmp_path / "report"
    call_command("evaluate", str(path), "--out", str(out))
    html = (out / "report.html").read_text()
    summary = html.split('id="summary"')[1].split('id="by-dimension"')[0]
    first = summary.split("<li>")[1]
    assert "Did not attend: higher for Black or Black British ethnic group (video" in first
    assert "for White ethnic group, the reference group" in first
    assert html.count("<svg") >= 10  # rates by every dimension, and by mode
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_disengagement_after_a_missed_remote_contact(tmp_path):
    lines = [HEADER]
    n = 0

    def add(person, date, mode, status, ethnic):
        nonlocal n
        n += 1
        lines.append(f"{person},{n},{date},{mode},{status},{ethnic},40,1,3,urban,,N")

    for i in range(20):  # White: missed a video call, seen again within 90 days, except 4
        add(f"w{i}", "2026-01-05", "11", "3", "A")
        if i >= 4:
            add(f"w{i}", "2026-02-01", "01", "5", "A")
        add(f"w{i}", "2026-06-01", "01", "5", "A")
    for i in range(10):  # Black: missed a telephone call, not seen again for months
        add(f"b{i}", "2026-01-05", "02", "2", "N")
        add(f"b{i}", "2026-06-01", "01", "5", "N")
    for i in range(5):  # a missed call too recent to judge is not counted
        add(f"r{i}", "2026-05-20", "11", "3", "A")
    path = tmp_path / "engagement.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    call_command("evaluate", str(path), "--out", str(out), "--no-suppress")
    measures = json.loads((out / "results.json").read_text())["measures"]
    (overall,) = find(measures, dimension="overall", mode="all", measure="disengagement_rate")
    assert (overall["numerator"], overall["denominator"]) == (14, 30)
    (black,) = find(
        measures,
        dimension="ethnicity",
        group="Black or Black British",
        mode="all",
        measure="disengagement_rate",
    )
    assert black["value"] == 1.0 and black["reference_group"] == "White"
    (by_phone,) = find(
        measures, dimension="overall", mode="telephone", measure="disengagement_rate"
    )
    assert (by_phone["numerator"], by_phone["denominator"]) == (10, 10)


def test_declined_remote_modes_are_counted_by_group():
    """Planted: 40% of Black people decline video against 10% of White people; telephone alike."""
    from caremode.evaluation.own_data import evaluate_rows

    contacts = [["p0", "1", "2026-01-05", "01", "5"]]
    columns = ["Person_ID", "ConsMechanismMH", "AttendStatus", "EthnicCategory"]
    stated = []
    for i in range(4_000):
        ethnic = "N" if i % 4 == 0 else "A"
        share = 0.4 if ethnic == "N" else 0.1
        video = "declines" if (i // 4) % 100 < share * 100 else "accepts"
        telephone = "declines" if i % 10 == 1 else "prefers"
        stated += [[f"p{i}", "11", video, ethnic], [f"p{i}", "02", telephone, ethnic]]
    result = evaluate_rows(
        ["Person_ID", "UniqCareContID", "CareContDate", "ConsMechanismMH", "AttendStatus"],
        contacts,
        columns,
        stated,
    )
    flagged = [
        m
        for m in result["flagged"]
        if m["measure"] == "declined_rate" and m["dimension"] == "ethnicity"
    ]
    assert [(m["group"], m["mode"], m["flag"]) for m in flagged] == [
        ("Black or Black British", "video", "higher")
    ]
    assert flagged[0]["ci95"][0] < 0.4 < flagged[0]["ci95"][1]
    assert flagged[0]["ratio_ci95"][0] < 4 < flagged[0]["ratio_ci95"][1]
    assert any("people whose view of video is recorded" in f for f in result["findings"])


def test_reference_groups_are_chosen_per_dimension_and_stated(tmp_path):
    path = write_extract(tmp_path / "contacts.csv", rows=1200, seed=5)
    out = tmp_path / "out"
    call_command(
        "evaluate",
        str(path),
        "--out",
        str(out),
        "--reference",
        "ethnicity=Asian or Asian British",
        "--reference",
        "ethnicity_age_band=White / 25-34",
    )
    measures = json.loads((out / "results.json").read_text())["measures"]
    assert {m["reference_group"] for m in find(measures, dimension="ethnicity")} == {
        "Asian or Asian British"
    }
    assert {m["reference_group"] for m in find(measures, dimension="ethnicity_age_band")} == {
        "White / 25-34"
    }
    # Elsewhere the largest group, and every row has people and a design effect.
    assert {m["reference_group"] for m in find(measures, dimension="rurality")} <= {
        "urban",
        "rural",
    }
    assert all(m["design_effect"] >= 1 and "people" in m for m in measures)
    assert {m["dimension"] for m in measures} >= {
        "language",
        "ethnicity_age_band",
        "ethnicity_imd_quintile",
        "access_need_mode",
    }
    assert {m["mode"] for m in find(measures, dimension="access_need_mode")} == {"all"}
    with pytest.raises(CommandError, match="unknown dimension"):
        call_command("evaluate", str(path), "--out", str(tmp_path / "x"), "--reference", "shoe=9")
