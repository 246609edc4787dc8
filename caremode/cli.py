"""The `caremode` console command: Django's manage.py with CareMode's settings."""

from __future__ import annotations

import os
import sys

# Commands that read files and write files, touching no model, app or database: they run with
# the settings alone, without loading every app (about half a second, the ASGI server's
# imports among them), so a small evaluation starts quickly.
WITHOUT_APPS = {"evaluate": "caremode.evaluation.management.commands.evaluate"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in WITHOUT_APPS:
        from importlib import import_module

        command = import_module(WITHOUT_APPS[sys.argv[1]]).Command()
        command.run_from_argv(sys.argv)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
