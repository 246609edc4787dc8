from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from caremode.records.selectors import list_past_retention


class Command(BaseCommand):
    help = (
        "List discharged people whose records have passed the retention period "
        "(RETENTION_YEARS after the last contact), for review under the trust's records policy. "
        "Deletes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        years = settings.RETENTION_YEARS
        due = list_past_retention(years=years)
        self.stdout.write(f"{len(due)} record(s) past {years} years since the last contact.")
        for person in due:
            self.stdout.write(f"  {person.pk}\t{person.nhs_number}\tdischarged")
