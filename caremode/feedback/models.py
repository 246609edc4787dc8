"""What people said, held apart from who said it.

An `Excerpt` is a piece of free text to be coded into themes: from feedback after a contact, from a
carer, from staff, or imported by an analyst. It keeps the mode of the contact it is about, the
team, the month and the groups the evaluation counts by (a snapshot taken when it was given), and
no link to the person: themes are counted by mode and group, never shown as "X said".
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from caremode.core import codes
from caremode.people.models import Team


class ExcerptSource(models.TextChoices):
    SERVICE_USER = "service_user", "Service user"
    CARER = "carer", "Carer"
    STAFF = "staff", "Staff"
    IMPORTED = "imported", "Imported by an analyst"


class Excerpt(models.Model):
    text = models.TextField()
    source = models.CharField(max_length=15, choices=ExcerptSource.choices)
    mode = models.CharField(
        max_length=20, blank=True, choices=codes.MODE_CHOICES, help_text="The contact's mode."
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="excerpts"
    )
    month = models.DateField(help_text="The first day of the month it was given; no finer date.")
    # The groups, as they were when it was given ("" when not known, or for staff and carers).
    ethnic_category = models.CharField(max_length=2, blank=True)
    age_band = models.CharField(max_length=12, blank=True)
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    main_language = models.CharField(max_length=3, blank=True)
    origin = models.CharField(
        max_length=40, blank=True, help_text="Where it came from (feedback, import), never who."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in ExcerptSource]),
                name="excerpt_source_known",
            ),
            models.CheckConstraint(
                condition=Q(mode="") | Q(mode__in=list(codes.MODES)), name="excerpt_mode_known"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="excerpt_has_text"),
        ]

    def __str__(self) -> str:
        return f"Excerpt {self.pk} ({self.get_source_display()}, {self.month:%B %Y})"
