"""The database refuses UPDATE and DELETE of audit entries, and holds the head to moving forward.

PostgreSQL: plpgsql trigger functions raising an exception; TRUNCATE is refused too unless
`caremode.audit_erasure` is 'on' (set only by `flush`, outside production) on a test database
(`test_…`), so the application's own role cannot empty a live log. SQLite: triggers that
`RAISE(ABORT, …)`; DELETE is let through only while the connection's guard function
`caremode_audit_erasure_allowed()` answers 1 (again only inside `flush`). The names match
`caremode.audit.append_only`.

A later migration that makes SQLite rebuild either table (most column changes) drops its
triggers with the old table: create them again there. `test_the_database_refuses_*` would fail.
"""

from django.db import migrations

POSTGRESQL = """
-- Emptying the log is for test databases only (Django names them test_…): the setting alone
-- would let any connection of the application's own role switch the guard off.
CREATE OR REPLACE FUNCTION audit_erasure_allowed() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('caremode.audit_erasure', true), '') = 'on'
        AND current_database() LIKE 'test\\_%'
$$;
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND audit_erasure_allowed() THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE OR REPLACE FUNCTION audit_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF audit_erasure_allowed() THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.last_sequence = OLD.last_sequence + 1
        AND EXISTS (
            SELECT 1 FROM audit_auditevent
            WHERE sequence = NEW.last_sequence AND hash = NEW.last_hash
        ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION
        'the audit chain head only moves forward, one appended entry at a time: % refused',
        TG_OP;
END;
$$;
CREATE TRIGGER audit_auditchainhead_forward_only BEFORE UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_moves_forward();
CREATE TRIGGER audit_auditchainhead_no_truncate BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_head_moves_forward();
"""

POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP FUNCTION IF EXISTS audit_head_moves_forward();
DROP FUNCTION IF EXISTS audit_erasure_allowed();
"""

SQLITE = [
    """
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE on audit_auditevent refused');
    END
    """,
    """
    CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN caremode_audit_erasure_allowed() IS NOT 1
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only: DELETE on audit_auditevent refused');
    END
    """,
    """
    CREATE TRIGGER audit_auditchainhead_forward_only BEFORE UPDATE ON audit_auditchainhead
    WHEN NEW.id != OLD.id OR NEW.last_sequence != OLD.last_sequence + 1 OR NOT EXISTS (
        SELECT 1 FROM audit_auditevent
        WHERE sequence = NEW.last_sequence AND hash = NEW.last_hash
    )
    BEGIN
        SELECT RAISE(ABORT, 'the audit chain head only moves forward, one appended entry at a time: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER audit_auditchainhead_no_delete BEFORE DELETE ON audit_auditchainhead
    WHEN caremode_audit_erasure_allowed() IS NOT 1
    BEGIN
        SELECT RAISE(ABORT, 'the audit chain head only moves forward, one appended entry at a time: DELETE refused');
    END
    """,
]

SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "audit_auditevent_no_update",
        "audit_auditevent_no_delete",
        "audit_auditchainhead_forward_only",
        "audit_auditchainhead_no_delete",
    )
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)  # the plpgsql holds literal %

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": [POSTGRESQL], "sqlite": SQLITE}),
            _run({"postgresql": [POSTGRESQL_REVERSE], "sqlite": SQLITE_REVERSE}),
        )
    ]
