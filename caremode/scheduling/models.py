from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from caremode.accounts.models import User
from caremode.core import codes
from caremode.people.models import Carer, ServiceUser, Team


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, user: User) -> ContactQuerySet:
        """Contacts of the service users this person may see (see ServiceUser.visible_to)."""
        return self.filter(service_user__in=ServiceUser.objects.visible_to(user).values("pk"))

    def care(self) -> ContactQuerySet:
        """Care contacts only: without the non-clinical ones (digital support) that occupy a
        diary but are not care (`codes.NON_CLINICAL_CONTACT_TYPES`)."""
        return self.exclude(consultation_type__in=sorted(codes.NON_CLINICAL_CONTACT_TYPES))


class Contact(models.Model):
    """An offered or booked care contact, whatever became of it (E17: missed ones count too)."""

    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="contacts")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contacts")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts"
    )
    consultation_type = models.CharField(max_length=30, choices=codes.CONTACT_TYPE_CHOICES)
    planned_mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES)
    planned_cons_mechanism = models.CharField(
        max_length=2, help_text="MHSDS ConsMechanismMH of the planned mode."
    )
    start = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    end_at = models.DateTimeField(help_text="start + duration; kept for the overlap constraints.")
    blocked_until = models.DateTimeField(
        help_text="When the clinician is free again: the end, plus the team's pause after a "
        "remote contact (E12)."
    )
    late_start_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    carer_invited = models.ForeignKey(
        Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    interpreter_needed = models.BooleanField(default=False)
    # The interpreter arranged when the contact was booked (E14): the language and how they take
    # part, from the person's access need; when the interpreting service was asked.
    interpreter_language = models.CharField(
        max_length=3, blank=True, choices=codes.LANGUAGE_CHOICES
    )
    interpreting = models.CharField(max_length=10, blank=True, choices=codes.INTERPRETING_CHOICES)
    interpreter_arranged_at = models.DateTimeField(null=True, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField()

    # Outcome, once recorded (MHSDS AttendStatus; E13, E16).
    # NULL, not "", means "no outcome yet": the absence of an AttendStatus is itself a state.
    attend_status = models.CharField(  # noqa: DJ001
        max_length=1, null=True, blank=True, choices=codes.ATTEND_STATUS_CHOICES
    )
    mode_used = models.CharField(max_length=15, blank=True, choices=codes.MODE_CHOICES)
    cons_mechanism_used = models.CharField(max_length=2, blank=True)
    technical_failure = models.BooleanField(default=False)
    interpreter_present = models.BooleanField(
        null=True,
        blank=True,
        help_text="Recorded with the outcome of a contact that took place (MHSDS "
        "InterpreterPresentInd); empty when it did not take place or was recorded before this.",
    )
    ended_early = models.BooleanField(default=False)
    outcome_notes = models.CharField(max_length=500, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["service_user", "start"]),
            models.Index(fields=["clinician", "start"]),
            models.Index(fields=["team", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_mode__in=list(codes.MODES)), name="planned_mode_known"
            ),
            models.CheckConstraint(
                condition=Q(attend_status__isnull=True)
                | Q(attend_status__in=list(codes.ATTEND_STATUS)),
                name="attend_status_known",
            ),
            models.CheckConstraint(
                condition=Q(consultation_type__in=list(codes.CONTACT_TYPES)),
                name="consultation_type_known",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="duration_5_to_480_minutes",
            ),
            # An interpreter arranged says in which language and how.
            models.CheckConstraint(
                condition=Q(interpreter_arranged_at__isnull=True)
                | (Q(interpreter_needed=True) & ~Q(interpreter_language="") & ~Q(interpreting="")),
                name="interpreter_arranged_with_language_and_how",
            ),
            # An attended contact says which mode was actually used.
            models.CheckConstraint(
                condition=~Q(attend_status__in=sorted(codes.ATTENDED)) | ~Q(mode_used=""),
                name="attended_has_mode_used",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_consultation_type_display()} on {self.start:%Y-%m-%d %H:%M}"

    @property
    def end(self) -> dt.datetime:
        return self.end_at

    @property
    def has_outcome(self) -> bool:
        return self.attend_status is not None

    @property
    def attended(self) -> bool:
        return self.attend_status in codes.ATTENDED

    @property
    def cancelled(self) -> bool:
        return self.attend_status in codes.CANCELLED


class ContactChange(models.Model):
    """A reschedule, cancellation or late start: who initiated it, why, and the notice given (E11).

    Shown on the person's record and in the portal, and counted in the evaluation.
    """

    class Kind(models.TextChoices):
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        LATE_START = "late_start", "Started late"

    class InitiatedBy(models.TextChoices):
        SERVICE = "service", "The service"
        SERVICE_USER = "service_user", "The service user"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    initiated_by = models.CharField(max_length=12, choices=InitiatedBy.choices)
    reason = models.CharField(max_length=300)
    notice_hours = models.IntegerField(help_text="Hours between the change and the planned start.")
    previous_start = models.DateTimeField()
    new_start = models.DateTimeField(null=True, blank=True)
    late_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_initiated_by_display().lower()}"

    @property
    def short_notice(self) -> bool:
        return self.notice_hours < 48


class WorkingHours(models.Model):
    """When a clinician can be booked on one day of the week. None recorded: Mon–Fri, 9am–5pm."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday.")
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["clinician", "weekday"], name="one_pattern_per_day"),
            models.CheckConstraint(
                condition=Q(starts__lt=models.F("ends")), name="starts_before_ends"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekday_0_to_6"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} day {self.weekday} {self.starts}-{self.ends}"


class FollowUpTask(models.Model):
    """Follow up a missed contact, or check-ins missed in a row (E13): due by a date, owned by the
    care team. A follow-up of missed check-ins has no contact and a `key` naming what it is about,
    so that it is raised once."""

    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_up"
    )
    key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="follow_ups"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="follow_ups")
    due_on = models.DateField()
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"Follow up {self.service_user} by {self.due_on}"


class Commitment(models.Model):
    """An agreed rhythm, like "a telephone call every Tuesday at 3pm" (E11)."""

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="commitments"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments"
    )
    consultation_type = models.CharField(max_length=30, choices=codes.CONSULTATION_TYPE_CHOICES)
    mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES)
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday.")
    time = models.TimeField()
    every_weeks = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    agreed_at = models.DateTimeField()

    class Meta:
        ordering = ["weekday", "time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="commitment_weekday_0_to_6"),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=8), name="every_1_to_8_weeks"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_mode_display()} every {self.every_weeks} week(s) with {self.service_user}"
        )


class Handover(models.Model):
    """Discharge or transfer happens only once it is accepted (E11): a transfer by the receiving
    team, a discharge by the sending team's manager — a second person, never the clinician who
    asked for it. Until then the person stays on the sending team's caseload.
    """

    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Transfer to another team"
        DISCHARGE = "discharge", "Discharge"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the receiver to accept"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="handovers"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="handovers_out")
    to_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers_in"
    )
    receiver_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="For a discharge: who takes over, for example the GP practice.",
    )
    receiver_phone = models.CharField(
        max_length=20,
        blank=True,
        help_text="For a discharge: the number the person can call from now on (told to them "
        "and to carers with consent when the discharge is confirmed).",
    )
    summary = models.TextField(help_text="What the receiver needs to know.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = models.CharField(max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user"], condition=Q(status="pending"), name="one_pending_handover"
            ),
            models.CheckConstraint(
                condition=Q(kind="discharge") | Q(to_team__isnull=False),
                name="transfer_has_receiving_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.service_user} ({self.get_status_display()})"


class TeamAlert(models.Model):
    """Something the care team should act on before the person notices (E11, E13)."""

    class Kind(models.TextChoices):
        BROKEN_COMMITMENT = "broken_commitment", "Commitment at risk"
        CONTACT_GAP = "contact_gap", "No recent contact"
        HANDOVER_UNACCEPTED = "handover_unaccepted", "Handover not accepted"
        TRIAGE_WAIT = "triage_wait", "Waiting for a full assessment after telephone triage"
        # Raised for people paused or waiting for face to face (decisions, hazard D17).
        REOFFER_DUE = "reoffer_due", "Time to offer again"
        KEEP_IN_TOUCH_LATE = "keep_in_touch_late", "Keeping in touch overdue"
        # Raised by monitoring between contacts (E7, E20).
        RISK_ANSWER = "risk_answer", "Thoughts of self-harm reported"
        DETERIORATION = "deterioration", "Reliable deterioration"
        SEVERE_SCORE = "severe_score", "Score in the severe band"
        WARNING_SIGN = "warning_sign", "Early-warning sign reported"
        MISSED_CHECKINS = "missed_checkins", "Check-ins missed"

    # Alerts monitoring raises: they flag the person on the caseload.
    MONITORING_KINDS = (
        Kind.RISK_ANSWER,
        Kind.DETERIORATION,
        Kind.SEVERE_SCORE,
        Kind.WARNING_SIGN,
        Kind.MISSED_CHECKINS,
    )
    # The team page's list of people whose measures deteriorated or who missed check-ins.
    WATCH_KINDS = (Kind.DETERIORATION, Kind.SEVERE_SCORE, Kind.MISSED_CHECKINS)

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alerts")
    service_user = models.ForeignKey(ServiceUser, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(
        max_length=80, help_text="What the alert is about, so it is raised once."
    )
    message = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    # Urgent alerts are shown first and escalate to the team's managers when nobody acknowledges
    # them in time (docs/clinical-safety.md).
    urgent = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="alert_raised_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"


class AppointmentRequest(models.Model):
    """A person's request to cancel, rebook or change the mode of one of their appointments
    (issue 18). It reaches the team page; only the care team changes the diary, then closes it."""

    class Kind(models.TextChoices):
        CANCEL = "cancel", "Cancel it"
        REBOOK = "rebook", "Move it to another time"
        CHANGE_MODE = "change_mode", "Change how we meet"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="requests")
    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="appointment_requests"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="appointment_requests")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    mode = models.CharField(
        max_length=15, blank=True, choices=codes.MODE_CHOICES, help_text="For a change of mode."
    )
    message = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            # One open request per appointment: asking twice does not queue two.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(closed_at__isnull=True),
                name="one_open_request_per_contact",
            ),
            models.CheckConstraint(
                condition=~Q(kind="change_mode") | ~Q(mode=""),
                name="change_of_mode_names_the_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contact}"


class OutcomeCorrection(models.Model):
    """A correction of a recorded outcome, with its reason (issue 17): the contact holds the
    corrected value, and this row the value it replaced, so an error does not stay in the
    evaluation and the history reads as it happened. Never updated or deleted."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="corrections")
    reason = models.CharField(max_length=300)
    previous = models.JSONField(help_text="The outcome fields as they were before the correction.")
    corrected = models.JSONField(help_text="The outcome fields as corrected.")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ["-corrected_at", "-pk"]

    def __str__(self) -> str:
        return f"Outcome of {self.contact} corrected"
