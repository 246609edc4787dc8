"""Signed checkpoints of the chain head, kept outside the database (ADR 0008).

One JSON line a checkpoint, appended to `AUDIT_CHECKPOINT_DIR/checkpoints.jsonl`:
`{"entries": 1000, "last_hash": "…", "at": "2026-12-01T23:40:00+00:00", "signature": "…"}`.
The signature is HMAC-SHA256 with `AUDIT_CHECKPOINT_KEY`, which is held in the environment, never
in the database: someone who can rewrite the database cannot forge a checkpoint, and the file is
only ever opened for appending (deploy the directory append-only or shipped to write-once storage,
docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

from django.conf import settings

from caremode.audit.chain import Checkpoint

FILE_NAME = "checkpoints.jsonl"


class CheckpointError(Exception):
    """A checkpoint line that cannot be trusted: not JSON, incomplete, or not signed by our key."""


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILE_NAME


def _signature(entries: int, last_hash: str, at: str) -> str:
    message = f"{entries}|{last_hash}|{at}".encode()
    return hmac.new(settings.AUDIT_CHECKPOINT_KEY.encode(), message, hashlib.sha256).hexdigest()


def sign(checkpoint: Checkpoint) -> str:
    """The checkpoint as the signed JSON line that is appended to the file."""
    return json.dumps(
        {
            "entries": checkpoint.entries,
            "last_hash": checkpoint.last_hash,
            "at": checkpoint.at,
            "signature": _signature(checkpoint.entries, checkpoint.last_hash, checkpoint.at),
        },
        separators=(",", ":"),
    )


def parse(line: str, *, where: str) -> Checkpoint:
    """One line of the file as a checkpoint; CheckpointError naming the line if it is not ours."""
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(
            entries=int(data["entries"]), last_hash=str(data["last_hash"]), at=str(data["at"])
        )
        signature = str(data["signature"])
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{where} cannot be read ({error}).") from error
    expected = _signature(checkpoint.entries, checkpoint.last_hash, checkpoint.at)
    if not hmac.compare_digest(signature, expected):
        raise CheckpointError(
            f"{where} is not signed with AUDIT_CHECKPOINT_KEY: it was altered, "
            "or written with another key."
        )
    return checkpoint


def read_all() -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; [] when none has been written yet."""
    path = checkpoint_file()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [
            parse(line, where=f"Checkpoint line {number}")
            for number, line in enumerate(lines, start=1)
            if line.strip()
        ]


def read_last() -> Checkpoint | None:
    """The newest checkpoint, reading only the end of the file."""
    path = checkpoint_file()
    if not path.exists():
        return None
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(max(0, size - 4096))
        lines = [line for line in file.read().decode("utf-8").splitlines() if line.strip()]
    return parse(lines[-1], where="The last checkpoint line") if lines else None


def append(checkpoint: Checkpoint) -> None:
    """Append one signed line; the file is never opened for writing in place."""
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(sign(checkpoint) + "\n")
        file.flush()
        os.fsync(file.fileno())
