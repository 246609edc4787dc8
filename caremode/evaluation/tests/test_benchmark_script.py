"""The benchmark's hand-written DuckDB script counts what CareMode counts, so that the speed
ratios in `benchmarks/evaluate_speed.py` compare like with like."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from caremode.core.codes import LANGUAGES
from caremode.evaluation.inputs import OPTIONAL, read_extract
from caremode.evaluation.measures import count_all, standardise
from caremode.evaluation.tests.test_evaluate import (
    with_language_interpreter_and_needs,
    write_extract,
)

_PATH = Path(__file__).resolve().parents[3] / "benchmarks" / "evaluate_script.py"
_SPEC = importlib.util.spec_from_file_location("evaluate_script", _PATH)
assert _SPEC and _SPEC.loader
evaluate_script = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(evaluate_script)


def test_the_script_gives_the_same_counts_and_checks_as_caremode(tmp_path):
    path = with_language_interpreter_and_needs(
        write_extract(tmp_path / "small.csv", rows=3_000, seed=13, video_dna_ratio=1.5)
    )
    problems, script = evaluate_script.run(path, OPTIONAL, LANGUAGES)
    assert problems["rows"] == 3_000
    assert all(v == 0 for k, v in problems.items() if k != "rows")
    caremode = count_all(standardise(read_extract(path).table))
    assert len(script) > 80
    assert any(r["disengaged"] for r in script)
    # Every dimension the script covers is there, people and design-effect sums included.
    assert {r["dimension"] for r in script} == set(evaluate_script.DIMENSIONS)
    assert any(r["contact_people"] and r["sq_offered"] > r["offered"] for r in script)
    assert evaluate_script.differences(script, caremode) == []


def test_the_script_finds_the_bad_rows_caremode_refuses(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus,AgeCareContDate\n"
        "p1,1,2026-01-05,01,5,40\np2,2,2026-02-30,07,8,115\np3,2,2026-01-05,01,5,-1\n"
    )
    problems, _rows = evaluate_script.run(path, OPTIONAL, LANGUAGES)
    assert problems["contact_date"] == 1 and problems["mechanism"] == 1
    assert problems["status"] == 1 and problems["age"] == 2
    assert problems["duplicate_identifiers"] == 1
