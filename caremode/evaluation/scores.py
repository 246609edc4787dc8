"""Read and check an outcome scores file (CSV or Parquet), one row per scored measure.

The contract is the file `caremode extract --outcomes` writes (docs/data-standards.md):
`Person_ID`, `AssessmentDate` (YYYY-MM-DD), `Measure` (PHQ9, GAD7 or DIALOG), `Score` (the total;
for DIALOG the mean of the eight life items, to two decimals), and optionally `UniqCareContID`
(blank for a check-in) and `Source` (`checkin` or `contact`). Checked as contacts are: every
problem names the row and the column, nothing is evaluated unless `skip_invalid` drops the rows.
"""

from __future__ import annotations

from pathlib import Path

import ibis
from ibis.expr.types import Table

from caremode.evaluation.inputs import (
    ROW,
    CheckedInput,
    Condition,
    TableSpec,
    blank_person,
    malformed_date,
    read_table,
)

SCORE_REQUIRED = ("Person_ID", "AssessmentDate", "Measure", "Score")
SCORE_OPTIONAL = ("UniqCareContID", "Source")
# measure: (lowest, highest, whole numbers only)
SCORE_RANGES = {"PHQ9": (0, 27, True), "GAD7": (0, 21, True), "DIALOG": (1, 7, False)}


def _checks(t: Table) -> list[Condition]:
    """(kind, column, condition that marks a bad row)."""
    number = t.Score.try_cast("float64")
    in_range = ibis.literal(False)
    for measure, (low, high, whole) in SCORE_RANGES.items():
        fits = (t.Measure == measure) & number.between(low, high)
        if whole:
            fits = fits & t.Score.re_search(r"^\s*\d+\s*$")
        in_range = in_range | fits
    return [
        blank_person(t),
        malformed_date(t, "AssessmentDate"),
        (
            "unknown measure (expected PHQ9, GAD7 or DIALOG)",
            "Measure",
            t.Measure.isnull() | ~t.Measure.isin(list(SCORE_RANGES)),
        ),
        (
            "not a score of its measure (PHQ9 0-27, GAD7 0-21 whole numbers; DIALOG 1-7)",
            "Score",
            t.Measure.isin(list(SCORE_RANGES)) & (number.isnull() | ~in_range),
        ),
        (
            "not checkin or contact",
            "Source",
            t.Source.notnull() & ~t.Source.isin(["checkin", "contact"]),
        ),
    ]


SCORES = TableSpec(
    name="outcome scores",
    required=SCORE_REQUIRED,
    optional=SCORE_OPTIONAL,
    checks=_checks,
)


def read_scores(
    path: Path | str, *, con: ibis.BaseBackend | None = None, skip_invalid: bool = False
) -> CheckedInput:
    """Read and check a scores file (`SCORES`, through `inputs.read_table`: the same file
    checks, on DuckDB or Spark, as the contacts). Raises InputError listing every kind of problem
    (first 20 rows each) unless `skip_invalid`, which drops those rows and reports what was
    skipped."""
    checked = read_table(path, SCORES, con=con, skip_invalid=skip_invalid)
    return CheckedInput(
        table=checked.table.drop(ROW),
        rows=checked.rows,
        warnings=checked.warnings,
        skipped=[f"scores: {problem}" for problem in checked.skipped],
    )
