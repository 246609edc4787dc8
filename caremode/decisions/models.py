from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from caremode.core import codes
from caremode.decisions.rules import PREFERENCES, WAITING_OUTCOMES
from caremode.decisions.waiting import rhythm_label
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling.models import Commitment

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

    The outcome is a mode, or to pause and keep in touch, or to wait for face to face (E3, E6):
    then no mode is agreed, and the decision holds the keep-in-touch rhythm (a `Commitment` the
    worker checks like any other), the date to offer again and the reason (hazard D16).
    """

    class Outcome(models.TextChoices):
        MODE = "mode", "A mode of contact"
        PAUSE = "pause", WAITING_OUTCOMES["pause"]
        WAIT_FOR_FACE_TO_FACE = "wait_face_to_face", WAITING_OUTCOMES["wait_face_to_face"]

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="decisions"
    )
    consultation_type = models.CharField(max_length=30, choices=codes.CONSULTATION_TYPE_CHOICES)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.MODE)
    agreed_mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES, blank=True)
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
    reoffer_on = models.DateField(
        null=True, blank=True, help_text="When a pause or wait is offered again."
    )
    waiting_reason = models.CharField(max_length=500, blank=True)
    keep_in_touch = models.OneToOneField(
        Commitment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waiting_decision",
        help_text="The agreed rhythm of keeping in touch while paused or waiting.",
    )
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
                condition=Q(fallback_mode="") | ~Q(fallback_mode=models.F("agreed_mode")),
                name="fallback_differs_from_agreed_mode",
            ),
            # A mode, or a pause or wait with its date to offer again, its reason and its
            # keep-in-touch rhythm, and never a mode beside it (hazard D16).
            models.CheckConstraint(
                condition=(Q(outcome="mode") & ~Q(agreed_mode="") & Q(reoffer_on__isnull=True))
                | (
                    Q(outcome__in=["pause", "wait_face_to_face"])
                    & Q(agreed_mode="", fallback_mode="")
                    & Q(reoffer_on__isnull=False, keep_in_touch__isnull=False)
                    & ~Q(waiting_reason="")
                ),
                name="a_mode_or_a_pause_with_its_terms",
            ),
        ]
        indexes = [models.Index(fields=["review_on"])]

    def __str__(self) -> str:
        return f"{self.get_consultation_type_display()}: {self.agreed_label}"

    @property
    def is_waiting(self) -> bool:
        return self.outcome != self.Outcome.MODE

    @property
    def agreed_label(self) -> str:
        """What was agreed, in a few words: the mode, or the pause or wait."""
        return self.get_outcome_display() if self.is_waiting else self.get_agreed_mode_display()

    @property
    def keep_in_touch_rhythm(self) -> str:
        """ "Weekly by telephone", or "" when nothing is paused or waiting."""
        commitment = self.keep_in_touch
        if commitment is None:
            return ""
        mode = codes.MODES.get(commitment.mode, (commitment.mode, commitment.mode))[1]
        return f"{rhythm_label(commitment.every_weeks)} by {mode.lower()}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None
