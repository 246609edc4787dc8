"""The clock matrix (`make test-clocks`) leaves out what reads no clock: the evaluation. This
test keeps that true, so that leaving it out can never hide a date bug."""

from __future__ import annotations

import re
from pathlib import Path

EVALUATION = Path(__file__).resolve().parents[1] / "caremode" / "evaluation"
READS_THE_CLOCK = re.compile(
    r"\b(timezone\.now|timezone\.localdate|timezone\.localtime|date\.today|datetime\.now|"
    r"datetime\.today|datetime\.utcnow|time\.time|time\.localtime)\s*\("
)


def test_the_evaluation_reads_no_clock() -> None:
    offenders = [
        f"{path.relative_to(EVALUATION)}:{n}"
        for path in EVALUATION.rglob("*.py")
        if "tests" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if READS_THE_CLOCK.search(line)
    ]
    assert not offenders, (
        "The evaluation reads the clock here, so the clock matrix must run its tests: "
        "remove it from CLOCK_SKIP in the Makefile. " + ", ".join(offenders)
    )


def test_the_check_would_catch_a_clock_read() -> None:
    assert READS_THE_CLOCK.search("week = timezone.now().isocalendar()")
    assert READS_THE_CLOCK.search("d = dt.date.today()")
    assert not READS_THE_CLOCK.search("AssessmentDate is a date")
