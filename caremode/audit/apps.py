"""Audit: the append-only, hash-chained record of who read or changed personal data.

Services call `record_event` explicitly (no signals); nothing here knows clinical rules.
"""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    name = "caremode.audit"
    label = "audit"

    def ready(self) -> None:
        from caremode.audit.append_only import register_sqlite_guard

        connection_created.connect(register_sqlite_guard, dispatch_uid="audit-sqlite-guard")
