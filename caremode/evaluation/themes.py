"""What people said (`--themes`): the themes of feedback per mode, beside the numbers.

The themes file is what `caremode themes_export` writes (columns `core.codes.THEME_COLUMNS`, one
row per excerpt and agreed theme; docs/themes.md), checked through `inputs.check_table` as the
contacts are (`THEMES`: rows and columns named, nothing written unless --skip-invalid). The file
is the contract: this module knows nothing of how themes were coded.

Per mode, each theme is counted in excerpts (distinct `ExcerptRef`, so a repeated row does not
count twice), suppressed as CareMode publishes small numbers (`core.suppression`: under 5 is `*`,
others rounded to 5) unless --no-suppress; up to `EXCERPTS_SHOWN` excerpts are quoted, newest
month first, and only for a theme with 5 or more excerpts of that mode (TH6), whatever
--no-suppress says (the export already leaves those texts empty).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import ibis
from ibis import _
from ibis.expr.types import Table

from caremode.core import codes
from caremode.core.evidence import FINDINGS_BY_ID
from caremode.core.presenters import mode_label
from caremode.core.suppression import THRESHOLD, suppress_count
from caremode.evaluation import arrow
from caremode.evaluation.inputs import ROW, CodeList, Condition, TableSpec, read_table

EXCERPTS_SHOWN: Final = 3
THEMES_QUOTED: Final = 3  # per mode: the themes most often said are quoted
REQUIRED: Final = ("ExcerptRef", "Month", "Mode", "Theme")


def _blank(t: Table, column: str) -> Condition:
    return ("missing value", column, t[column].isnull() | ~t[column].re_search(r"\S"))


def _checks(t: Table) -> list[Condition]:
    """(kind, column, condition that marks a bad row) for a themes file."""
    return [
        _blank(t, "ExcerptRef"),
        (
            "malformed month (expected YYYY-MM)",
            "Month",
            t.Month.isnull() | ~t.Month.re_search(r"^\d{4}-(0[1-9]|1[0-2])$"),
        ),
        (
            "unknown mode",
            "Mode",
            t.Mode.notnull() & (t.Mode.strip() != "") & ~t.Mode.strip().isin(sorted(codes.MODES)),
        ),
        _blank(t, "Theme"),
        (
            "unknown source",
            "Source",
            t.Source.notnull()
            & (t.Source.strip() != "")
            & ~t.Source.strip().isin(sorted(codes.THEME_SOURCES)),
        ),
    ]


THEMES = TableSpec(
    name="themes file",
    required=REQUIRED,
    optional=tuple(c for c in codes.THEME_COLUMNS if c not in REQUIRED),
    checks=_checks,
    code_lists=(CodeList("Evidence", frozenset(FINDINGS_BY_ID), kind="unknown evidence code"),),
    may_be_empty=True,  # nothing agreed yet is an answer: the report says so
)


def read_themes(
    path: Path | str, *, con: ibis.BaseBackend | None = None, skip_invalid: bool = False
) -> tuple[list[dict[str, Any]], int, list[str]]:
    """The rows of the themes file (`THEMES`, checked as the contacts are; DuckDB), how many,
    and what was skipped. Raises InputError naming the row and column of every problem unless
    `skip_invalid`, which leaves those rows out."""
    con = con if con is not None and con.name == "duckdb" else ibis.duckdb.connect()
    checked = read_table(path, THEMES, con=con, skip_invalid=skip_invalid)
    if not checked.rows:
        return [], 0, []
    t = checked.table
    table = t.select(
        ref=t.ExcerptRef.strip(),
        month=t.Month,
        mode=t.Mode.strip().fill_null(""),
        theme=t.Theme.strip(),
        label=t.ThemeLabel.fill_null(""),
        evidence=t.Evidence.fill_null(""),
        text=t.Text.fill_null(""),
        row=t[ROW],
    )
    rows = arrow.rows(table.order_by([ibis.desc(_.month), _.row]))
    return rows, checked.rows, [f"themes: {problem}" for problem in checked.skipped]


def what_people_said(
    rows: list[dict[str, Any]], *, suppress: bool = True, source: str = ""
) -> dict[str, Any]:
    """Per mode: the excerpts, and every theme, most often said first (counts suppressed unless
    not `suppress`), each with its evidence; the first `THEMES_QUOTED` themes carried by 5 or
    more excerpts of the mode quoted, up to `EXCERPTS_SHOWN` excerpts each. `rows` newest month
    first (`read_themes`). Pure."""

    def count(n: int) -> str:
        return suppress_count(n) if suppress else f"{n:,}"

    by_mode: dict[str, dict[str, Any]] = {}
    for row in rows:
        mode = by_mode.setdefault(row["mode"], {"refs": set(), "themes": {}})
        mode["refs"].add(row["ref"])
        theme = mode["themes"].setdefault(
            row["theme"],
            {"refs": set(), "label": row["label"], "evidence": row["evidence"], "texts": []},
        )
        if row["ref"] in theme["refs"]:
            continue
        theme["refs"].add(row["ref"])
        if row["text"].strip() and row["text"] not in theme["texts"]:
            theme["texts"].append(row["text"].strip())
    order = list(codes.MODES)
    modes = []
    for key in sorted(by_mode, key=lambda m: order.index(m) if m in order else len(order)):
        found = by_mode[key]
        themes = []
        quoted = 0
        for theme, info in sorted(
            found["themes"].items(), key=lambda kv: (-len(kv[1]["refs"]), kv[0])
        ):
            quotable = len(info["refs"]) >= THRESHOLD and info["texts"] and quoted < THEMES_QUOTED
            quoted += bool(quotable)
            themes.append(
                {
                    "theme": theme,
                    "label": info["label"] or theme,
                    "evidence": [e for e in info["evidence"].split(";") if e],
                    "excerpts": count(len(info["refs"])),
                    "said": info["texts"][:EXCERPTS_SHOWN] if quotable else [],
                }
            )
        modes.append(
            {
                "mode": key,
                "label": mode_label(key) if key in codes.MODES else "Mode not recorded",
                "excerpts": count(len(found["refs"])),
                "themes": themes,
            }
        )
    return {
        "input": source,
        "excerpts": count(len({r["ref"] for r in rows})),
        "suppressed": suppress,
        "modes": modes,
    }
