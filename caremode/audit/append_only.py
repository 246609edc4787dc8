"""The database's side of append-only: triggers refuse UPDATE and DELETE of audit entries.

The triggers are created by `migrations/0002_append_only.py` (PostgreSQL: plpgsql functions;
SQLite: `RAISE(ABORT, …)`). They also hold the head row to moving forward one appended entry at
a time. The one way to empty the log is `flush`, the reset Django's transactional tests and a
demo database use, and only outside production: it runs inside `erasure_allowed`, which on
PostgreSQL sets `caremode.audit_erasure` for the TRUNCATE and on SQLite answers the triggers'
guard function. Nothing else sets either (a raw DELETE through a connection that lacks the
guard function fails with "no such function", which refuses it just the same).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

GUARD_FUNCTION = "caremode_audit_erasure_allowed"  # named in the SQLite triggers
GUARD_SETTING = "caremode.audit_erasure"  # read by the PostgreSQL TRUNCATE triggers

_erasing: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_erasing", default=False)


def register_sqlite_guard(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On every new SQLite connection, define the guard function the DELETE triggers call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(GUARD_FUNCTION, 0, lambda: 1 if _erasing.get() else 0)


@contextmanager
def erasure_allowed(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let the whole log be emptied while the block runs, on this connection and thread only."""
    token = _erasing.set(True)
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET {GUARD_SETTING} = 'on'")
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"RESET {GUARD_SETTING}")
        _erasing.reset(token)
