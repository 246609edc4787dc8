"""Contacts may also be digital support sessions (`codes.NON_CLINICAL_CONTACT_TYPES`), booked by
workforce into the diaries like any contact and left out of what counts care.

Changing the check constraint makes SQLite rebuild the table, which drops its triggers, so the
no-double-booking triggers of 0003 are created again afterwards (PostgreSQL keeps its exclusion
constraints through the change).
"""

import importlib

from django.db import migrations, models

CONTACT_TYPES = [
    ("initial_assessment", "Initial assessment"),
    ("risk_assessment", "Risk assessment"),
    ("crisis_review", "Crisis review"),
    ("psychiatric_review", "Psychiatric review"),
    ("medication_review", "Medication review"),
    ("care_coordination", "Care coordination"),
    ("psychotherapy", "Psychotherapy"),
    ("trauma_focused_therapy", "Trauma-focused therapy"),
    ("group_therapy", "Group therapy"),
    ("wellbeing_check_in", "Wellbeing check-in"),
    ("carer_meeting", "Carer meeting"),
    ("discharge_planning", "Discharge planning"),
    ("digital_support", "Digital support"),
]
_overlap = importlib.import_module("caremode.scheduling.migrations.0003_no_double_booking")


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in (*_overlap.SQLITE_REVERSE, *_overlap.SQLITE):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0006_contact_interpreter_present"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="contact",
            name="consultation_type_known",
        ),
        migrations.AlterField(
            model_name="contact",
            name="consultation_type",
            field=models.CharField(choices=CONTACT_TYPES, max_length=30),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(("consultation_type__in", [key for key, _ in CONTACT_TYPES])),
                name="consultation_type_known",
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
