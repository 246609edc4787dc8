"""Fill the end and blocked-until times, then make the database refuse overlapping contacts.

PostgreSQL: exclusion constraints over time ranges (btree_gist). SQLite: triggers that abort an
insert or update that would overlap. Either way, a clinician cannot hold two contacts (or a
contact and the pause after a remote one) at once, and neither can a service user. Cancelled
contacts (AttendStatus 2 and 4) free their time.
"""

import datetime as dt

from django.db import migrations, models

ACTIVE = "(attend_status IS NULL OR attend_status NOT IN ('2', '4'))"

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_contact ADD CONSTRAINT contact_no_clinician_overlap
        EXCLUDE USING gist (clinician_id WITH =, tstzrange(start, blocked_until) WITH &&)
        WHERE {ACTIVE}""",
    f"""ALTER TABLE scheduling_contact ADD CONSTRAINT contact_no_service_user_overlap
        EXCLUDE USING gist (service_user_id WITH =, tstzrange(start, end_at) WITH &&)
        WHERE {ACTIVE}""",
]
POSTGRES_REVERSE = [
    "ALTER TABLE scheduling_contact DROP CONSTRAINT IF EXISTS contact_no_clinician_overlap",
    "ALTER TABLE scheduling_contact DROP CONSTRAINT IF EXISTS contact_no_service_user_overlap",
]


def _sqlite_trigger(name: str, event: str, exclude_self: str) -> str:
    new_active = "(NEW.attend_status IS NULL OR NEW.attend_status NOT IN ('2', '4'))"
    return f"""
    CREATE TRIGGER {name} BEFORE {event} ON scheduling_contact
    WHEN {new_active} AND EXISTS (
        SELECT 1 FROM scheduling_contact c
        WHERE {ACTIVE.replace("attend_status", "c.attend_status")} {exclude_self}
          AND ((c.clinician_id = NEW.clinician_id
                AND c.start < NEW.blocked_until AND NEW.start < c.blocked_until)
            OR (c.service_user_id = NEW.service_user_id
                AND c.start < NEW.end_at AND NEW.start < c.end_at))
    )
    BEGIN SELECT RAISE(ABORT, 'contact overlaps another contact'); END
    """


SQLITE = [
    _sqlite_trigger("contact_no_overlap_insert", "INSERT", ""),
    _sqlite_trigger(
        "contact_no_overlap_update",
        "UPDATE OF start, end_at, blocked_until, attend_status, clinician_id, service_user_id",
        "AND c.id != NEW.id",
    ),
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS contact_no_overlap_insert",
    "DROP TRIGGER IF EXISTS contact_no_overlap_update",
]


def fill_times(apps, schema_editor):
    Contact = apps.get_model("scheduling", "Contact")
    for contact in Contact.objects.select_related("team").iterator():
        contact.end_at = contact.start + dt.timedelta(minutes=contact.duration_minutes)
        remote = contact.planned_mode != "face_to_face"
        pause = dt.timedelta(minutes=contact.team.remote_buffer_minutes if remote else 0)
        contact.blocked_until = contact.end_at + pause
        contact.save(update_fields=["end_at", "blocked_until"])


def add_overlap_rules(apps, schema_editor):
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(schema_editor.connection.vendor)
    if statements is None:
        raise NotImplementedError(
            f"No overlap rule for {schema_editor.connection.vendor}; CareMode supports "
            "PostgreSQL and SQLite."
        )
    for statement in statements:
        schema_editor.execute(statement)


def remove_overlap_rules(apps, schema_editor):
    reverse = {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}
    for statement in reverse.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0002_diaries_changes_commitments_handovers"),
        ("people", "0002_team_settings_and_contact_preferences"),
    ]

    operations = [
        migrations.RunPython(fill_times, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contact",
            name="end_at",
            field=models.DateTimeField(
                help_text="start + duration; kept for the overlap constraints."
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="blocked_until",
            field=models.DateTimeField(
                help_text="When the clinician is free again: the end, plus the team's pause "
                "after a remote contact (E12)."
            ),
        ),
        migrations.RunPython(add_overlap_rules, remove_overlap_rules),
    ]
