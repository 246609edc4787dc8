"""The interpreter arranged with a contact (E14): its language, how it takes part, and when the
interpreting service was asked.

The new check constraint makes SQLite rebuild the table, which drops its triggers, so the
no-double-booking triggers of 0003 are created again afterwards (PostgreSQL keeps its exclusion
constraints through the change).
"""

import importlib

from django.conf import settings
from django.db import migrations, models

_overlap = importlib.import_module("caremode.scheduling.migrations.0003_no_double_booking")


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in (*_overlap.SQLITE_REVERSE, *_overlap.SQLITE):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_interpreter_language_and_how"),
        ("scheduling", "0011_waiting_list_alerts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="interpreter_arranged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="interpreter_language",
            field=models.CharField(
                blank=True,
                choices=[
                    ("en", "English"),
                    ("pl", "Polish"),
                    ("ro", "Romanian"),
                    ("pa", "Panjabi"),
                    ("ur", "Urdu"),
                    ("bn", "Bengali"),
                    ("gu", "Gujarati"),
                    ("ar", "Arabic"),
                    ("pt", "Portuguese"),
                    ("es", "Spanish"),
                    ("so", "Somali"),
                    ("lt", "Lithuanian"),
                    ("ta", "Tamil"),
                    ("tr", "Turkish"),
                    ("zh", "Chinese"),
                    ("fa", "Persian"),
                    ("ku", "Kurdish"),
                    ("ti", "Tigrinya"),
                    ("bfi", "British Sign Language"),
                ],
                max_length=3,
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="interpreting",
            field=models.CharField(
                blank=True,
                choices=[
                    ("in_person", "In person"),
                    ("telephone", "By telephone"),
                    ("video", "By video"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("interpreter_arranged_at__isnull", True),
                    models.Q(
                        ("interpreter_needed", True),
                        models.Q(("interpreter_language", ""), _negated=True),
                        models.Q(("interpreting", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="interpreter_arranged_with_language_and_how",
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
