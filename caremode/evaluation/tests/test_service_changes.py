"""Before and after a service change: the segmented regression finds a planted change in level
(and in slope), covers it with its interval, and finds none where none was planted."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.evaluation.service_changes import hac_lags, segmented_regression

AS_OF = "2026-06-30"


def weekly(rng: random.Random, *, level: float, slope: float, weeks: int = 13, n: int = 150):
    """Binomial weekly counts around 10%, with `level` added from week 0 and `slope` a week."""
    rows = []
    for week in range(-weeks, weeks):
        p = 0.10 + 0.001 * week + (level + slope * week if week >= 0 else 0.0)
        rows.append((week, sum(rng.random() < p for _ in range(n)), n))
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def test_a_planted_level_change_is_found_and_covered():
    fitted = segmented_regression(*weekly(random.Random(1), level=0.08, slope=0.0))
    assert fitted is not None
    low, high = fitted["level_ci95"]
    assert 0 < low < 0.08 < high
    assert fitted["slope_ci95"][0] < 0 < fitted["slope_ci95"][1]
    assert fitted["weeks_before"] == fitted["weeks_after"] == 13


def test_a_planted_slope_change_is_found():
    fitted = segmented_regression(*weekly(random.Random(2), level=0.0, slope=0.01))
    assert fitted is not None
    low, high = fitted["slope_ci95"]
    assert 0 < low < 0.01 < high


def test_no_change_planted_is_rarely_found():
    """Over 200 series with nothing planted, the 95% interval of the level change covers 0
    about 95% of the time (at least 92% here: 184 of 200)."""
    rng = random.Random(3)
    covered = 0
    for _ in range(200):
        fitted = segmented_regression(*weekly(rng, level=0.0, slope=0.0))
        assert fitted is not None
        covered += fitted["level_ci95"][0] < 0 < fitted["level_ci95"][1]
    assert covered >= 184


def test_too_few_weeks_or_contacts_gives_no_model():
    weeks, numerators, denominators = weekly(random.Random(4), level=0.0, slope=0.0, weeks=3)
    assert segmented_regression(weeks, numerators, denominators) is None
    weeks, numerators, _ = weekly(random.Random(4), level=0.0, slope=0.0)
    assert segmented_regression(weeks, [0] * len(weeks), [1] * len(weeks)) is None


def test_newey_west_lags():
    assert hac_lags(26) == 2
    assert hac_lags(100) == 4


def test_bad_service_changes_are_named(tmp_path):
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus\np,1,2026-01-01,01,5\n"
    )
    changes = tmp_path / "changes.csv"
    changes.write_text(
        "ServiceChangeID,Service,ChangeDate,Summary,ModesBefore,ModesAfter\n"
        "1,Community,2026-02-30,x,face_to_face,telephone\n"
        "2,,2026-02-01,x,face_to_face,carrier_pigeon\n"
    )
    out = tmp_path / "out"
    with pytest.raises(CommandError) as caught:
        call_command("evaluate", str(contacts), "--changes", str(changes), "--out", str(out))
    message = str(caught.value)
    assert "column ChangeDate: row 2: '2026-02-30'" in message
    assert "unknown mode in column ModesAfter: row 3: 'carrier_pigeon'" in message
    assert "missing value in column Service: row 3" in message
    assert not out.exists()


CHANGES_HEADER = "ServiceChangeID,Service,ChangeDate,Summary,ModesBefore,ModesAfter\n"
ONE_CONTACT = (
    "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus\np,1,2026-01-01,01,5\n"
)


def _evaluate_with_changes(tmp_path, changes_text: str, *extra: str) -> dict:
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(ONE_CONTACT)
    changes = tmp_path / "changes.csv"
    changes.write_text(changes_text)
    out = tmp_path / "out"
    call_command("evaluate", str(contacts), "--changes", str(changes), "--out", str(out), *extra)
    return json.loads((out / "results.json").read_text())


def test_a_header_only_changes_file_means_no_change_was_recorded(tmp_path):
    # The extract writes the header alone when the service recorded no change: an answer, not
    # a damaged file (a header-only *contacts* file is refused: test_inputs).
    results = _evaluate_with_changes(tmp_path, CHANGES_HEADER)
    assert results["service_changes"] == []


def test_skip_invalid_leaves_out_a_bad_change_and_says_so(tmp_path):
    results = _evaluate_with_changes(
        tmp_path,
        CHANGES_HEADER
        + "1,Community,2026-02-30,x,face_to_face,telephone\n"
        + "2,Community,2026-02-01,Telephone first,face_to_face,telephone\n",
        "--skip-invalid",
    )
    assert [c["change"]["date"] for c in results["service_changes"]] == ["2026-02-01"]
    assert any(
        "service changes:" in s and "ChangeDate" in s and "row 2" in s for s in results["skipped"]
    )


def test_a_change_recorded_twice_is_refused_naming_both_rows(tmp_path):
    with pytest.raises(CommandError) as caught:
        _evaluate_with_changes(
            tmp_path,
            CHANGES_HEADER
            + "7,Community,2026-02-01,x,face_to_face,telephone\n"
            + "7,Community,2026-03-01,y,face_to_face,video\n",
        )
    message = str(caught.value)
    assert "duplicate identifier in column ServiceChangeID" in message
    assert "row 2: '7'" in message and "row 3: '7'" in message
    assert not (tmp_path / "out").exists()


def test_a_parquet_changes_file_reads_as_the_csv_does(tmp_path):
    import pyarrow.csv
    import pyarrow.parquet

    text = CHANGES_HEADER + "1,Community,2026-02-01,Telephone first,face_to_face,telephone\n"
    from_csv = _evaluate_with_changes(tmp_path, text)
    parquet = tmp_path / "changes.parquet"
    as_text = pyarrow.csv.ConvertOptions(
        column_types=dict.fromkeys(CHANGES_HEADER.strip().split(","), pyarrow.string())
    )
    pyarrow.parquet.write_table(
        pyarrow.csv.read_csv(tmp_path / "changes.csv", convert_options=as_text), parquet
    )
    out = tmp_path / "from-parquet"
    contacts = tmp_path / "contacts.csv"
    call_command("evaluate", str(contacts), "--changes", str(parquet), "--out", str(out))
    from_parquet = json.loads((out / "results.json").read_text())
    assert from_parquet["service_changes"] == from_csv["service_changes"]
    assert [c["change"]["summary"] for c in from_parquet["service_changes"]] == ["Telephone first"]


def _seed_extract_evaluate(tmp_path, rise: float) -> dict:
    """Seed a trust (one fixed seed: a single draw, so the null case is one 95% interval; the
    coverage over many draws is `test_no_change_planted_is_rarely_found`), extract, evaluate."""
    call_command(
        "seed",
        "--service-users",
        "700",
        "--months",
        "6",
        "--seed",
        "6",
        "--as-of",
        AS_OF,
        "--plant-service-change",
        str(rise),
    )
    contacts, changes = tmp_path / "contacts.csv", tmp_path / "service_changes.csv"
    call_command("extract", "--out", str(contacts), "--changes", str(changes))
    with changes.open() as handle:
        (change,) = list(csv.DictReader(handle))
    assert change["Service"] == "Community mental health service"
    assert change["Summary"] == "Telephone first for follow-up contacts"
    call_command(
        "evaluate", str(contacts), "--changes", str(changes), "--out", str(tmp_path / "out")
    )
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    (analysed,) = results["service_changes"]
    assert analysed["change"]["date"] == change["ChangeDate"]
    (dna,) = [
        m
        for m in analysed["segmented"]
        if m["dimension"] == "overall" and m["measure"] == "dna_rate"
    ]
    assert dna["weeks_before"] >= 12 and dna["weeks_after"] >= 12
    assert any(s["dimension"] == "ethnicity" for s in analysed["series"])
    assert "Before and after service changes" in (tmp_path / "out" / "report.html").read_text()
    return dna


@pytest.mark.django_db
def test_the_seeded_change_with_a_planted_rise_in_dna_is_found(tmp_path):
    dna = _seed_extract_evaluate(tmp_path, 0.08)
    low, high = dna["level_ci95"]
    assert low < 0.08 < high
    assert low > 0


@pytest.mark.django_db
def test_the_seeded_change_without_an_effect_shows_none(tmp_path):
    dna = _seed_extract_evaluate(tmp_path, 0.0)
    low, high = dna["level_ci95"]
    assert low < 0 < high


def _contacts_around_a_change(folder, *, seed: int = 5):
    """26 weeks of contacts in two services, the first moving to telephone first on 2026-04-06
    with a planted rise in missed contacts; the change file names that service."""
    rng = random.Random(seed)
    lines = [
        "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus,EthnicCategory,Service"
    ]
    start = dt.date(2026, 1, 5)
    change = dt.date(2026, 4, 6)
    for n in range(4_000):
        day = start + dt.timedelta(days=rng.randrange(26 * 7))
        service = rng.choice(["Community", "Crisis"])
        after = service == "Community" and day >= change
        status = "3" if rng.random() < (0.18 if after else 0.10) else rng.choice("5556247")
        mode = "02" if after and rng.random() < 0.7 else rng.choice(["01", "02", "11"])
        lines.append(
            f"p{rng.randrange(600)},{n},{day.isoformat()},{mode},{status},"
            f"{rng.choice('AAAHNR')},{service}"
        )
    contacts = folder / "contacts.csv"
    contacts.write_text("\n".join(lines) + "\n")
    changes = folder / "service_changes.csv"
    changes.write_text(
        "ServiceChangeID,Service,ChangeDate,Summary,ModesBefore,ModesAfter\n"
        "7,Community,2026-04-06,Telephone first,face_to_face;video,telephone\n"
    )
    return contacts, changes


@pytest.mark.parametrize("backend", ["postgres", "spark"])
def test_the_service_changes_are_identical_on_every_engine(tmp_path, backend):
    import os
    import shutil

    if backend == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("Needs DATABASE_URL pointing at PostgreSQL (CI sets it).")
    if backend == "spark" and not shutil.which("java"):
        pytest.skip("Spark needs Java 17 or later on PATH.")
    contacts, changes = _contacts_around_a_change(tmp_path)
    found = {}
    for engine in ("duckdb", backend):
        out = tmp_path / engine
        call_command(
            "evaluate",
            str(contacts),
            "--changes",
            str(changes),
            "--out",
            str(out),
            "--only",
            "results",
            "--backend",
            engine,
        )
        found[engine] = json.loads((out / "results.json").read_text())["service_changes"]
    assert found["duckdb"] == found[backend]
    (analysed,) = found["duckdb"]
    (dna,) = [
        m
        for m in analysed["segmented"]
        if m["dimension"] == "overall" and m["measure"] == "dna_rate"
    ]
    assert dna["level_ci95"][0] > 0  # the planted rise, on the changed service's contacts only
    assert {s["dimension"] for s in analysed["series"]} >= {"overall", "ethnicity", "mode"}
