"""Every evidence number the code and docs cite ("E17") is defined in docs/evidence.md; and the
session clock option that proves the suite passes on any date reads its moment as documented."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from conftest import session_clock

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "docs" / "evidence.md"
CITATION = re.compile(r"\bE(\d{1,2})\b")
DEFINITION = re.compile(r"^\| \*\*E(\d{1,2})\*\* \|", re.MULTILINE)
SKIPPED_DIRS = {"static_build", "__pycache__", "node_modules"}


def defined_findings(text: str) -> set[int]:
    return {int(n) for n in DEFINITION.findall(text)}


def citations(root: Path) -> dict[int, list[str]]:
    """Each E-number cited in a text file under `root`, with where (path:line)."""
    found: dict[int, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or SKIPPED_DIRS & set(path.parts) or path == EVIDENCE:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text
        for number, line in enumerate(text.splitlines(), start=1):
            for cited in CITATION.findall(line):
                found.setdefault(int(cited), []).append(f"{path.relative_to(root)}:{number}")
    return found


def test_every_cited_finding_is_defined_in_docs_evidence():
    defined = defined_findings(EVIDENCE.read_text(encoding="utf-8"))
    assert defined == set(range(1, 24)), "docs/evidence.md defines E1 to E23, each once"
    cited = citations(ROOT / "caremode") | citations(ROOT / "docs")
    assert len(cited) > 15  # the scan does reach the rules, docstrings and templates
    missing = {f"E{n}": where[:3] for n, where in cited.items() if n not in defined}
    assert not missing, f"cited but not defined in docs/evidence.md: {missing}"


def test_the_check_finds_an_undefined_citation(tmp_path):
    """The check can fail: a citation of E24, which is not defined, is found and named."""
    (tmp_path / "rule.py").write_text('evidence = ("E4", "E24")  # E501 is not a finding\n')
    assert sorted(citations(tmp_path)) == [4, 24]
    assert 24 not in defined_findings(EVIDENCE.read_text(encoding="utf-8"))


def test_the_session_clock_reads_iso_moments_in_uk_time():
    assert session_clock("2026-12-25T11:00Z") == dt.datetime(2026, 12, 25, 11, tzinfo=dt.UTC)
    # Without an offset, UK local time: 23:30 on 30 June is 22:30 UTC (BST).
    assert session_clock("2027-06-30T23:30") == dt.datetime(2027, 6, 30, 22, 30, tzinfo=dt.UTC)
    with pytest.raises(pytest.UsageError, match="CAREMODE_TEST_CLOCK"):
        session_clock("next Friday")


def test_the_evidence_pages_say_what_docs_evidence_says_row_for_row():
    from caremode.core.evidence import FINDINGS

    text = EVIDENCE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| \*\*(E\d+)\*\* \| (.+) \| ([A-Z0-9, ]+) \|$", text, re.MULTILINE)
    assert [(f.id, f.text, ", ".join(f.sources)) for f in FINDINGS] == [
        (code, finding.replace("*", ""), sources) for code, finding, sources in rows
    ]
