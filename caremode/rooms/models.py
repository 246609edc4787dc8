"""A room per video contact: who may join (single-use passes), who arrived, waited, was admitted,
dropped or left, and whether the call fell back to telephone (E1, E9, E10, E14, E16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from caremode.people.models import Carer
from caremode.scheduling.models import Contact

MAX_PARTICIPANTS = 4  # clinician included: peer-to-peer video stays usable on a phone


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    SERVICE_USER = "service_user", "Service user"
    CARER = "carer", "Carer"
    INTERPRETER = "interpreter", "Interpreter"


class Room(models.Model):
    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="room")
    provider = models.CharField(max_length=20, default="builtin")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    fell_back_at = models.DateTimeField(null=True, blank=True)
    # The service user's answer to "Can you talk privately?": shown to the clinician only.
    private_answer = models.CharField(max_length=10, blank=True)
    # A word agreed beforehand: typed in the chat, it tells the clinician (only) "not private".
    safe_word = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"Room for {self.contact}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoomPass(models.Model):
    """A single-use, expiring link for someone without an account to join (E10). Only a hash of
    the token is stored; using it binds the pass to that browser's session. A carer's pass names
    the carer, so that it works only while that carer is the one invited and the service user's
    consent to join holds; withdrawing consent revokes it (`revoked_at`)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="passes")
    role = models.CharField(max_length=15, choices=Role.choices)
    label = models.CharField(max_length=120)
    carer = models.ForeignKey(
        Carer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    session_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Re-opening on another device after a check (`rooms.reopening`): the date of birth for the
    # service user, a code sent to a carer's own address; only the code's hash is kept, and
    # wrong answers are counted until the pass is locked.
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_failures = models.PositiveSmallIntegerField(default=0)
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    codes_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[Role.SERVICE_USER, Role.CARER, Role.INTERPRETER]),
                name="pass_role_not_clinician",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.CARER) | Q(carer__isnull=True),
                name="pass_carer_only_for_carers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_role_display()})"


class Participant(models.Model):
    """Someone in a room, waiting or in the call, with the times that make lateness, waiting
    and dropped calls countable."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        ADMITTED = "admitted", "In the call"
        LEFT = "left", "Left"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="participants")
    identity = models.CharField(max_length=40, help_text="user:<id> or pass:<id>")
    role = models.CharField(max_length=15, choices=Role.choices)
    label = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    channel_name = models.CharField(max_length=200, blank=True)
    connected = models.BooleanField(default=False)
    arrived_at = models.DateTimeField()
    admitted_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    drops = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["arrived_at"]
        constraints = [
            models.UniqueConstraint(fields=["room", "identity"], name="one_participant_each"),
        ]

    def __str__(self) -> str:
        return self.label
