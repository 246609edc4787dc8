"""The hash chain, as pure functions: each entry's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64


def entry_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the entry's content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}|{canonical}".encode()).hexdigest()


def first_broken(entries: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> int | None:
    """The sequence number of the first entry whose link or hash is wrong, or None if intact.

    `entries` are (sequence, previous_hash, hash, content) in sequence order; a gap in the
    sequence (a deleted entry) or a reordering breaks the chain at the entry that follows it.
    """
    expected_previous = GENESIS
    expected_sequence = 1
    for sequence, previous_hash, stored_hash, content in entries:
        if sequence != expected_sequence or previous_hash != expected_previous:
            return sequence
        if entry_hash(previous_hash, content) != stored_hash:
            return sequence
        expected_previous = stored_hash
        expected_sequence += 1
    return None
