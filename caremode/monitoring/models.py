"""What monitoring stores: the agreed check-in schedule, each check-in sent, each scored
assessment (by link, in the portal or by a clinician during a contact), and the person's own
early-warning signs with the reports of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from caremode.core import codes
from caremode.monitoring.instruments import Measure
from caremode.people.models import ServiceUser
from caremode.scheduling.models import Contact

MEASURE_CHOICES = [(m.value, m.value) for m in Measure]


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    PORTAL = "portal", "In the portal only"


class Rhythm(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every 2 weeks"
    MONTHLY = "monthly", "Every 4 weeks"
    BEFORE_REVIEW = "before_review", "Before each review"


class CheckInSchedule(models.Model):
    """A rhythm of check-ins agreed with the person: which measures, how often, by which channel.
    History is kept: a change ends the current schedule (`ended_at`) and starts a new one; the
    person stopping it ends it with no successor."""

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="checkin_schedules"
    )
    measures = models.JSONField(help_text="Measure codes asked at each check-in: [PHQ9, GAD7].")
    rhythm = models.CharField(max_length=15, choices=Rhythm.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    ask_warning_signs = models.BooleanField(default=True)
    starts_on = models.DateField()
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-agreed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user"],
                condition=Q(ended_at__isnull=True),
                name="one_current_checkin_schedule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rhythm_display()} check-in for {self.service_user}"


class CheckIn(models.Model):
    """One check-in the person is asked to complete. Its link, when sent by text or email, is a
    256-bit token of which only the SHA-256 hash is stored, usable once, until `expires_at`."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        COMPLETED = "completed", "Completed"
        MISSED = "missed", "Missed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    schedule = models.ForeignKey(CheckInSchedule, on_delete=models.PROTECT, related_name="checkins")
    service_user = models.ForeignKey(ServiceUser, on_delete=models.CASCADE, related_name="checkins")
    measures = models.JSONField()
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"Check-in for {self.service_user} due {self.due_at:%Y-%m-%d}"


class Assessment(models.Model):
    """One completed (or incomplete) questionnaire. The answers are stored item by item; the score
    is CareMode's own computation from them (`scoring.score`), stored so it can be listed and
    extracted, never a total someone supplied."""

    class Source(models.TextChoices):
        CHECKIN = "checkin", "Check-in"
        CONTACT = "contact", "During a contact"

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="assessments"
    )
    measure = models.CharField(max_length=6, choices=MEASURE_CHOICES)
    answers = models.JSONField(help_text="Item key → answer, scored and supplementary items.")
    more_help = models.JSONField(default=list, blank=True, help_text="DIALOG items wanting help.")
    complete = models.BooleanField()
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    band = models.CharField(max_length=20, blank=True)
    treatment_mean = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    risk_answer = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    # The mode the contact was delivered in (`core.codes.MODES`), when scored during a contact.
    mode = models.CharField(max_length=15, blank=True, choices=codes.MODE_CHOICES)
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["service_user", "measure", "taken_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(complete=False) | Q(score__isnull=False), name="complete_is_scored"
            ),
            models.CheckConstraint(
                condition=Q(source="checkin", contact__isnull=True)
                | Q(source="contact", contact__isnull=False, checkin__isnull=True),
                name="assessment_source_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} for {self.service_user} on {self.taken_at:%Y-%m-%d}"


class WarningSign(models.Model):
    """One of the person's early-warning signs, in their own words, agreed with their clinician,
    with what the person and the team will do and whom to contact. Retired, never deleted."""

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="warning_signs"
    )
    sign = models.CharField(max_length=200, help_text="In the person's own words.")
    person_action = models.CharField(max_length=300, help_text="What I will do.")
    team_action = models.CharField(max_length=300, help_text="What the team will do.")
    contact_whom = models.CharField(max_length=200, help_text="Whom to contact, and how.")
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["agreed_at", "pk"]

    def __str__(self) -> str:
        return self.sign


class WarningSignReport(models.Model):
    """The person said, at a check-in (or a clinician recorded), that a warning sign is back."""

    sign = models.ForeignKey(WarningSign, on_delete=models.PROTECT, related_name="reports")
    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="warning_sign_reports"
    )
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="sign_reports"
    )
    reported_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sign} reported {self.reported_at:%Y-%m-%d}"
