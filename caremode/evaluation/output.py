"""Where `caremode evaluate` writes: all of its files or none of them.

The files are written to a temporary folder beside the target (same file system, so the last
step is a rename) and moved into place only when every one is complete. An existing folder that
holds anything is refused unless the caller forces it to be replaced.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutputError(Exception):
    """The output folder cannot be written as asked; nothing was written."""


def check_out(out: Path, *, force: bool) -> None:
    """Refuse a target that is a file, or a folder holding anything unless `force`. Called before
    any work so that a long run does not end in a refusal."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder; nothing was written.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(
            f"{out} already holds files; nothing was written. Name an empty or new folder, or "
            "add --force to replace it."
        )
    if not out.parent.exists():
        raise OutputError(f"{out.parent} does not exist; nothing was written.")


@contextmanager
def staged(out: Path, *, force: bool) -> Iterator[Path]:
    """A temporary folder beside `out` to write into; on leaving without an error it replaces
    `out` (an empty folder, or with `force` one holding anything), else it is removed."""
    check_out(out, force=force)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield staging
        check_out(out, force=force)  # nothing appeared there while we worked
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(old / out.name)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
