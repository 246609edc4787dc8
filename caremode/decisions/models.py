from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from caremode.core import codes
from caremode.decisions.rules import PREFERENCES
from caremode.people.models import Carer, ServiceUser

PREFERENCE_CHOICES = [(p, p.capitalize()) for p in PREFERENCES]


class ModePreference(models.Model):
    """What the person says about one mode, at a time. A new statement supersedes the old one,
    so the history shows how preferences changed (E20)."""

    class Source(models.TextChoices):
        SERVICE_USER = "service_user", "The service user, in the portal"
        CLINICIAN = "clinician", "A clinician, with the service user"

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="mode_preferences"
    )
    mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES)
    preference = models.CharField(max_length=10, choices=PREFERENCE_CHOICES)
    source = models.CharField(max_length=15, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "mode"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_preference_per_mode",
            ),
            models.CheckConstraint(
                condition=Q(preference__in=list(PREFERENCES)), name="preference_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_preference_display()} {self.get_mode_display()}"


class DecisionRecord(models.Model):
    """A shared decision about the mode of one kind of contact, agreed with the person (E19).

    Never overwritten: a new decision supersedes this one, which stays readable. The database
    holds one current decision per person and consultation type.
    """

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="decisions"
    )
    consultation_type = models.CharField(max_length=30, choices=codes.CONSULTATION_TYPE_CHOICES)
    agreed_mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES)
    fallback_mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES, blank=True)
    service_user_took_part = models.BooleanField(default=True)
    carer = models.ForeignKey(
        Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    persons_own_words = models.TextField(blank=True)
    recommendation = models.JSONField(help_text="The recommendation shown when it was agreed.")
    rules_version = models.CharField(max_length=20)
    followed_recommendation = models.BooleanField()
    review_on = models.DateField()
    decided_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "consultation_type"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_decision_per_type",
            ),
            models.CheckConstraint(
                condition=~Q(fallback_mode=models.F("agreed_mode")),
                name="fallback_differs_from_agreed_mode",
            ),
        ]
        indexes = [models.Index(fields=["review_on"])]

    def __str__(self) -> str:
        return f"{self.get_consultation_type_display()}: {self.get_agreed_mode_display()}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None
