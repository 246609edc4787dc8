"""The MHSDS tables of a seeded month, fed back into `caremode evaluate` as the MHS201 + MHS001
pair, give the same measures as the flat extract of the same month."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command

from caremode.interop.mhsds import parse_period

pytestmark = pytest.mark.django_db

# What the pair cannot carry: MHSDS has no rurality, access-need list or technical failure
# column, so those groups are Unknown there (docs/evaluation-report.md).
NOT_IN_MHSDS = {"rurality", "access_need", "access_need_mode"}
# The same figures; q-values and flags are adjusted over every measure computed, and the flat
# extract computes more (the groups above), so they are not compared.
COMPARED = (
    "numerator",
    "denominator",
    "people",
    "design_effect",
    "value",
    "ci95",
    "ci998",
    "reference_group",
    "ratio",
    "ratio_ci95",
    "ratio_ci998",
    "p_value",
)


def measures(folder: Path) -> dict[tuple[str, str, str, str], dict[str, str]]:
    with (folder / "measures.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (r["dimension"], r["group"], r["mode"], r["measure"]): {k: r[k] for k in COMPARED}
            for r in csv.DictReader(handle)
            if r["dimension"] not in NOT_IN_MHSDS and r["measure"] != "tech_failure_rate"
        }


def test_the_pair_gives_the_flat_extracts_measures(tmp_path):
    call_command("seed", "--service-users", "120", "--months", "2", "--as-of", "2026-11-02")
    period = parse_period("2026-10")
    call_command("mhsds_export", "--period", "2026-10", "--out", str(tmp_path / "mhsds"))
    # The flat extract of the same month: from its first UK day, without the days after it.
    call_command(
        "extract", "--out", str(tmp_path / "all.csv"), "--since", period.first_day.isoformat()
    )
    with (tmp_path / "all.csv").open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        kept = [r for r in reader if r["CareContDate"] <= period.last_day.isoformat()]
        with (tmp_path / "flat.csv").open("w", newline="", encoding="utf-8") as target:
            writer = csv.DictWriter(target, fieldnames=reader.fieldnames or [])
            writer.writeheader()
            writer.writerows(kept)
    common = ("--only", "results", "--no-suppress")
    call_command("evaluate", str(tmp_path / "flat.csv"), "--out", str(tmp_path / "a"), *common)
    call_command(
        "evaluate",
        "--mhs201",
        str(tmp_path / "mhsds" / "MHS201CareContact.csv"),
        "--mhs001",
        str(tmp_path / "mhsds" / "MHS001MPI.csv"),
        "--out",
        str(tmp_path / "b"),
        *common,
    )
    flat, pair = measures(tmp_path / "a"), measures(tmp_path / "b")
    assert len(kept) > 100
    assert {key[0] for key in flat} >= {"ethnicity", "age_band", "gender", "imd_quintile"}
    assert pair == flat
