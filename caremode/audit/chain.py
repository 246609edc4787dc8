"""The hash chain, as pure functions: each entry's hash covers its content and the previous hash.

`verify` walks the entries once and holds them against two outside witnesses: the head row (how
many entries there are and the last hash, moved by every append) and the signed checkpoints the
worker exports out of the application's reach. An edited, reordered or missing entry breaks the
links; a missing tail shows against the head; a rewrite that recomputed every later hash (and the
head) shows against the last checkpoint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class Head:
    """What the head row says: the number of entries and the hash of the last one."""

    entries: int
    last_hash: str


@dataclass(frozen=True)
class Checkpoint:
    """A head exported at a moment, signed (see `caremode.audit.checkpoints`)."""

    entries: int
    last_hash: str
    at: str


@dataclass
class Report:
    """The outcome of `verify`: what the chain holds and every problem found, in words."""

    entries: int = 0
    last_hash: str = GENESIS
    first_broken: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def entry_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the entry's content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}|{canonical}".encode()).hexdigest()


def _entries_range(first: int, last: int) -> str:
    return f"entry {first} is" if first == last else f"entries {first}–{last} are"


def verify(
    entries: Iterable[tuple[int, str, str, Mapping[str, Any]]],
    *,
    head: Head | None,
    checkpoints: Sequence[Checkpoint] = (),
) -> Report:
    """Check the chain link by link, then against the head and every checkpoint.

    `entries` are (sequence, previous_hash, hash, content) in sequence order. The walk stops at
    the first broken link (what follows it cannot be trusted); a gap in the sequence names the
    missing entries.
    """
    report = Report()
    wanted = {c.entries for c in checkpoints}
    seen: dict[int, str] = {0: GENESIS}
    expected_previous = GENESIS
    expected_sequence = 1
    for sequence, previous_hash, stored_hash, content in entries:
        if sequence > expected_sequence:
            report.first_broken = sequence
            report.problems.append(
                f"{_entries_range(expected_sequence, sequence - 1).capitalize()} missing: "
                f"the log jumps from entry {expected_sequence - 1} to entry {sequence}."
            )
            break
        if sequence != expected_sequence or previous_hash != expected_previous:
            report.first_broken = sequence
            report.problems.append(
                f"Entry {sequence} does not follow entry {expected_sequence - 1}: entries were "
                "reordered, or one before it was edited."
            )
            break
        if entry_hash(previous_hash, content) != stored_hash:
            report.first_broken = sequence
            report.problems.append(
                f"Entry {sequence} was edited: its hash does not match what it says."
            )
            break
        if sequence in wanted:
            seen[sequence] = stored_hash
        expected_previous = stored_hash
        expected_sequence += 1
        report.entries = sequence
        report.last_hash = stored_hash
    if report.first_broken is not None:
        return report

    if head is None:
        if report.entries:
            report.problems.append(
                f"The chain head is missing, but the log holds {report.entries} entries."
            )
    elif head.entries > report.entries:
        report.problems.append(
            f"{_entries_range(report.entries + 1, head.entries).capitalize()} missing: the head "
            f"says {head.entries} entries ending in hash {head.last_hash}, and the log ends at "
            f"entry {report.entries}."
        )
    elif head.entries < report.entries:
        report.problems.append(
            f"{_entries_range(head.entries + 1, report.entries).capitalize()} not counted by "
            f"the head, which says {head.entries} entries: the head was moved back."
        )
    elif head.last_hash != report.last_hash:
        report.problems.append(
            f"The log was rewritten: the head says entry {head.entries} has hash "
            f"{head.last_hash}, and the log's has hash {report.last_hash}."
        )

    for checkpoint in checkpoints:
        if checkpoint.entries > report.entries:
            report.problems.append(
                f"{_entries_range(report.entries + 1, checkpoint.entries).capitalize()} missing: "
                f"the checkpoint of {checkpoint.at} says {checkpoint.entries} entries ending in "
                f"hash {checkpoint.last_hash}, and the log ends at entry {report.entries}."
            )
        elif seen[checkpoint.entries] != checkpoint.last_hash:
            report.problems.append(
                f"The log was rewritten at or before entry {checkpoint.entries}: the checkpoint "
                f"of {checkpoint.at} says its hash is {checkpoint.last_hash}, and the log's is "
                f"{seen[checkpoint.entries]}."
            )
    return report
