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


class Contact(models.Model):
    """An offered or booked care contact, whatever became of it (E17: missed ones count too)."""

    service_user = models.ForeignKey(ServiceUser, on_delete=models.PROTECT, related_name="contacts")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contacts")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts"
    )
    consultation_type = models.CharField(max_length=30, choices=codes.CONSULTATION_TYPE_CHOICES)
    planned_mode = models.CharField(max_length=15, choices=codes.MODE_CHOICES)
    planned_cons_mechanism = models.CharField(
        max_length=2, help_text="MHSDS ConsMechanismMH of the planned mode."
    )
    start = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    carer_invited = models.ForeignKey(
        Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    interpreter_needed = models.BooleanField(default=False)
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
                condition=Q(consultation_type__in=list(codes.CONSULTATION_TYPES)),
                name="consultation_type_known",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="duration_5_to_480_minutes",
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
        return self.start + dt.timedelta(minutes=self.duration_minutes)

    @property
    def has_outcome(self) -> bool:
        return self.attend_status is not None

    @property
    def attended(self) -> bool:
        return self.attend_status in codes.ATTENDED
