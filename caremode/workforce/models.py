"""Training per platform and mode, staff completions, digital support for service users and
carers, staff profiles for grouping, and the wellbeing pulse (ADR 0010)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from caremode.accounts.models import Role
from caremode.core import codes
from caremode.people.models import Carer, ServiceUser, Team
from caremode.scheduling.models import Contact


class Topic(models.TextChoices):
    VIDEO_ROOM = "video_room", "The video room"
    TELEPHONE = "telephone", "Telephone consultations"
    TEXT_EMAIL = "text_email", "Text and email"
    REMOTE_RISK = "remote_risk", "Remote risk assessment"
    SAFEGUARDING_PRIVACY = "safeguarding_privacy", "Safeguarding and privacy on a remote contact"
    INTERPRETERS_CARERS = "interpreters_carers", "Interpreters and carers in calls"


TRAINED_ROLES = [(r.value, r.label) for r in (Role.CLINICIAN, Role.TEAM_MANAGER)]


class TrainingCourse(models.Model):
    """Training the service sets, for one platform or mode (E21): what it is, how long a
    completion lasts before a refresher is due, and which roles need it."""

    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=30, choices=Topic.choices)
    mode = models.CharField(
        max_length=15, choices=codes.MODE_CHOICES, help_text="The mode of contact it is for."
    )
    content = models.TextField(blank=True)
    link = models.URLField(blank=True)
    refresher_months = models.PositiveSmallIntegerField(
        help_text="Months until a refresher is due; 0 means it does not expire."
    )
    roles = models.JSONField(default=list, help_text="Roles that need it.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mode", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__in=[t.value for t in Topic]), name="course_topic_known"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=sorted(codes.REMOTE_MODES)), name="course_mode_remote"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    """A member of staff's record of completing a course; a manager of their team may confirm
    it (never the person themselves)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True)
                | (Q(confirmed_at__isnull=False) & ~Q(confirmed_by=F("user"))),
                name="completion_confirmed_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} on {self.completed_on}"


class SupportKind(models.TextChoices):
    PRACTICE_CALL = "practice_call", "A practice video call"
    VIDEO_GUIDE = "video_guide", "A guide to the video room, in plain English"
    CHECK_IN_GUIDE = "check_in_guide", "A guide to check-ins, in plain English"
    DEVICES_AND_DATA = "devices_and_data", "Help with a device or data"


class SupportOutcome(models.TextChoices):
    TAKEN_UP = "taken_up", "Taken up"
    DECLINED = "declined", "Declined"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"


# The kinds given at a time, with someone: booked as a contact in the giver's diary and the
# person's appointments. A practice call is always by video; help with a device or data in a
# mode chosen with the person. Guides are sent, not booked.
BOOKED_KINDS = frozenset({SupportKind.PRACTICE_CALL.value, SupportKind.DEVICES_AND_DATA.value})
BOOKED_MODES = ("video", "telephone", "face_to_face")


def outcome_of_contact(attend_status: str | None) -> str:
    """What became of a booked session, from its contact's MHSDS AttendStatus: "" while none is
    recorded."""
    if attend_status is None:
        return ""
    if attend_status in codes.ATTENDED:
        return SupportOutcome.TAKEN_UP.value
    if attend_status == "2":
        return SupportOutcome.DECLINED.value
    if attend_status == "4":
        return SupportOutcome.CANCELLED_BY_SERVICE.value
    return SupportOutcome.DID_NOT_ATTEND.value


class DigitalSupport(models.Model):
    """Digital support offered to a service user, or to their carer (E15, E16): who offered it,
    who gives it (staff or a volunteer), and whether it was taken up. A practice call or help
    with a device is booked as a contact (`contact`, consultation type `digital_support`), so
    it holds the staff member's and the person's time as any contact does, with its reminder
    and the same no-double-booking rules, and its outcome is the contact's, recorded once. A
    guide has no contact; its outcome is recorded here."""

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.PROTECT, related_name="digital_support"
    )
    carer = models.ForeignKey(
        Carer, null=True, blank=True, on_delete=models.PROTECT, related_name="digital_support"
    )
    kind = models.CharField(max_length=20, choices=SupportKind.choices)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField()
    contact = models.OneToOneField(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="digital_support",
        help_text="The booked session, in the diaries like any contact.",
    )
    given_by = models.CharField(
        max_length=150, blank=True, help_text="The member of staff or volunteer giving it."
    )
    outcome = models.CharField(
        max_length=20,
        blank=True,
        choices=SupportOutcome.choices,
        help_text="For a guide only: a booked session's outcome is its contact's.",
    )
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in SupportKind]), name="support_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=[o.value for o in SupportOutcome]),
                name="support_outcome_known",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_recorded_at__isnull=False),
                name="support_outcome_has_time",
            ),
            # One outcome, in one place: a booked session's is its contact's.
            models.CheckConstraint(
                condition=Q(contact__isnull=True) | Q(outcome=""),
                name="support_booked_outcome_on_contact",
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=True) | Q(kind__in=sorted(BOOKED_KINDS)),
                name="support_only_sessions_booked",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SupportKind.PRACTICE_CALL) | Q(contact__isnull=False),
                name="support_practice_call_booked",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def current_outcome(self) -> str:
        """What became of it: the contact's outcome for a booked session, else the one recorded
        here ("" while nothing is)."""
        if self.contact is not None:
            return outcome_of_contact(self.contact.attend_status)
        return self.outcome

    @property
    def current_outcome_label(self) -> str:
        return SupportOutcome(self.current_outcome).label if self.current_outcome else ""


class Band(models.TextChoices):
    BAND_2_4 = "2-4", "Bands 2 to 4"
    BAND_5 = "5", "Band 5"
    BAND_6 = "6", "Band 6"
    BAND_7 = "7", "Band 7"
    BAND_8_PLUS = "8+", "Band 8 and above"
    MEDICAL = "medical", "Medical and dental"


class StaffProfile(models.Model):
    """What a member of staff tells CareMode about themselves so that the wellbeing results can be
    read by group. Never shown to anyone else; used only to group answers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    ethnic_category = models.CharField(max_length=2, choices=codes.ETHNIC_CATEGORY_CHOICES)
    profession = models.CharField(max_length=80)
    band = models.CharField(max_length=10, choices=Band.choices)
    mostly_remote = models.BooleanField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ethnic_category__in=list(codes.ETHNIC_CATEGORIES)),
                name="staff_ethnic_category_known",
            ),
            models.CheckConstraint(
                condition=Q(band__in=[b.value for b in Band]), name="staff_band_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of user {self.user_id}"


class WellbeingResponse(models.Model):
    """One person's answers to one month's pulse. Readable only as a group of at least the
    threshold, and by the person who gave them (their own trend). The groups are copied when
    answering, so that a later change of team does not move past answers."""

    # A month's published figures never change (ADR 0010: otherwise the figures before and
    # after would give back the answers that left): an account's removal keeps its answers,
    # unlinked, and a team with answers cannot be removed.
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    period = models.DateField(help_text="The first day of the month answered for.")
    answers = models.JSONField()
    ethnic_group = models.CharField(max_length=40)
    profession = models.CharField(max_length=80)
    band = models.CharField(max_length=10)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, related_name="+")
    mostly_remote = models.BooleanField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["respondent", "period"], name="one_pulse_a_month"),
        ]

    def __str__(self) -> str:
        return f"Pulse for {self.period:%B %Y}"
