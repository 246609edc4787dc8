from __future__ import annotations

import datetime as dt

import nhs_number
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from caremode.accounts.models import CARE_TEAM_ROLES, Role, User
from caremode.core import codes


def validate_nhs_number(value: str) -> None:
    """Ten digits whose modulus-11 check digit is right (the `nhs-number` package decides)."""
    if not (len(value) == 10 and value.isdigit() and nhs_number.is_valid(value)):
        raise ValidationError(
            "Enter a valid NHS number: 10 digits, like 485 777 3456.", code="invalid_nhs_number"
        )


def validate_modes(value: list[str]) -> None:
    unknown = [m for m in value if m not in codes.MODES]
    if unknown:
        raise ValidationError(f"Unknown mode(s): {', '.join(unknown)}.", code="unknown_mode")


postcode_district_validator = RegexValidator(
    r"^[A-Z]{1,2}[0-9][A-Z0-9]?$", "Enter the first half of a postcode, like LS6 or SW1A."
)


class Service(models.Model):
    """A service of the trust (for example 'Community mental health team') and its modes."""

    name = models.CharField(max_length=120, unique=True)
    modes_offered = models.JSONField(default=list, validators=[validate_modes])

    def __str__(self) -> str:
        return self.name


class ServiceChange(models.Model):
    """A dated change to how a service runs (E23): kept so evaluation can see before and after."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField()
    summary = models.CharField(max_length=300)
    modes_before = models.JSONField(default=list)
    modes_after = models.JSONField(default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.service}: {self.summary}"


class Team(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120, unique=True)
    phone = models.CharField(
        max_length=20,
        blank=True,
        help_text="The number people are given to call the team: in reminders and the portal.",
    )
    contact_gap_days = models.PositiveSmallIntegerField(
        default=28, help_text="Alert when someone on the caseload has had no contact for this long."
    )
    remote_buffer_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="A pause after each remote contact before the next one (E12)."
    )
    follow_up_days = models.PositiveSmallIntegerField(
        default=2, help_text="Working days to follow up a missed contact (E13)."
    )
    handover_escalation_days = models.PositiveSmallIntegerField(
        default=5, help_text="Escalate a handover not accepted within this many days (E11)."
    )
    members: models.ManyToManyField[User, TeamMembership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TeamMembership",
        through_fields=("team", "user"),
        related_name="teams",
    )

    def __str__(self) -> str:
        return self.name


class TeamMembershipQuerySet(models.QuerySet["TeamMembership"]):
    def accepted(self) -> TeamMembershipQuerySet:
        return self.filter(accepted_at__isnull=False)

    def pending(self) -> TeamMembershipQuerySet:
        return self.filter(accepted_at__isnull=True)


class TeamMembership(models.Model):
    """A person's place in a team. It opens the team's caseload only once accepted by a manager
    of the team who is not the person who asked for it (two people, both audited)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    joined_on = models.DateField(default=dt.date.today)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = TeamMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership"),
            models.CheckConstraint(
                condition=Q(accepted_by__isnull=True)
                | (
                    Q(accepted_at__isnull=False)
                    & ~Q(accepted_by=models.F("requested_by"))
                    & ~Q(accepted_by=models.F("user"))
                ),
                name="membership_accepted_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Cover(models.Model):
    """Explicit, time-limited cover of another team's caseload, granted with a reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="covers"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="covers")
    reason = models.CharField(max_length=300)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="cover_starts_before_it_ends"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} covering {self.team} until {self.ends_at:%Y-%m-%d}"


def teams_reached_by(user: User) -> models.QuerySet[Team]:
    """Teams whose caseload the user may see: an accepted membership, or cover in force now."""
    now = timezone.now()
    return Team.objects.filter(
        Q(teammembership__user=user, teammembership__accepted_at__isnull=False)
        | Q(covers__user=user, covers__starts_at__lte=now, covers__ends_at__gt=now)
    ).distinct()


class ServiceUserQuerySet(models.QuerySet["ServiceUser"]):
    def visible_to(self, user: User) -> ServiceUserQuerySet:
        """The service users this person may see; none for roles without a relationship."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role in CARE_TEAM_ROLES:
            return self.filter(team__in=teams_reached_by(user).values("pk"))
        if user.role == Role.SERVICE_USER:
            return self.filter(account=user)
        if user.role == Role.CARER:
            # The one home of the rule is people.consent (imported here, not at the top, because
            # it builds on these models).
            from caremode.people.consent import service_users_sharing_appointments_with

            return self.filter(pk__in=service_users_sharing_appointments_with(user))
        return self.none()


class ServiceUser(models.Model):
    """A person on a caseload. Demographics are held in NHS Data Dictionary codes."""

    class Status(models.TextChoices):
        ACTIVE = "active", "On caseload"
        DISCHARGED = "discharged", "Discharged"

    nhs_number = models.CharField(
        "NHS number", max_length=10, unique=True, validators=[validate_nhs_number]
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=codes.GENDER_CHOICES)
    gender_identity = models.CharField(
        max_length=1, choices=codes.GENDER_IDENTITY_CHOICES, default="Z"
    )
    ethnic_category = models.CharField(max_length=2, choices=codes.ETHNIC_CATEGORY_CHOICES)
    # Blank: not known (a person imported from a record system without a UK postcode, until the
    # team records it).
    postcode_district = models.CharField(
        max_length=4, blank=True, validators=[postcode_district_validator]
    )
    imd_decile = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="English IMD 2019 decile of the person's LSOA (1 = most deprived).",
    )
    # Blank: not known. FHIR carries no rurality, so a person imported from a record system has
    # none until the team records it; decision support and the extract treat it as unknown.
    rurality = models.CharField(max_length=5, blank=True, choices=codes.RURALITY_CHOICES)
    main_language = models.CharField(max_length=3, choices=codes.LANGUAGE_CHOICES, default="en")
    interpreter_needed = models.BooleanField(default=False)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    accepts_sms = models.BooleanField("Agrees to text message reminders", default=True)
    accepts_email = models.BooleanField("Agrees to email reminders", default=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="caseload")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_user_record",
    )
    registered_at = models.DateTimeField()
    processing_restricted = models.BooleanField(
        default=False,
        help_text="Restricted at the person's request (UK GDPR art. 18): kept and used for "
        "their care, but left out of analytics, extracts and non-essential messages.",
    )
    restriction_reason = models.CharField(max_length=300, blank=True)

    objects = ServiceUserQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(imd_decile__isnull=True) | Q(imd_decile__gte=1, imd_decile__lte=10),
                name="imd_decile_1_to_10",
            ),
            models.CheckConstraint(
                condition=Q(ethnic_category__in=list(codes.ETHNIC_CATEGORIES)),
                name="ethnic_category_known",
            ),
            models.CheckConstraint(condition=Q(gender__in=list(codes.GENDER)), name="gender_known"),
        ]
        indexes = [models.Index(fields=["team", "status"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class AccessNeed(models.Model):
    """One access need, recorded by someone at a time; ending it keeps the history (E9, E14-E16)."""

    service_user = models.ForeignKey(
        ServiceUser, on_delete=models.CASCADE, related_name="access_needs"
    )
    need = models.CharField(max_length=30, choices=codes.ACCESS_NEED_CHOICES)
    notes = models.CharField(max_length=300, blank=True)
    # For "needs an interpreter" only: the language (the same code list as the main language,
    # MHSDS LanguageCodePreferred) and how the interpreter takes part (codes.INTERPRETING).
    language = models.CharField(max_length=3, blank=True, choices=codes.LANGUAGE_CHOICES)
    interpreting = models.CharField(max_length=10, blank=True, choices=codes.INTERPRETING_CHOICES)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["need", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "need"],
                condition=Q(ended_at__isnull=True),
                name="one_current_access_need",
            ),
            models.CheckConstraint(
                condition=Q(need__in=list(codes.ACCESS_NEEDS)), name="access_need_known"
            ),
            # Only the interpreter need carries a language and a way of interpreting.
            models.CheckConstraint(
                condition=Q(need=codes.INTERPRETER_NEED) | Q(language="", interpreting=""),
                name="access_need_language_only_for_interpreters",
            ),
        ]

    def __str__(self) -> str:
        return self.get_need_display()


class Carer(models.Model):
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=60, help_text="For example 'Mother' or 'Partner'.")
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carer_record",
    )

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class CarerConsent(models.Model):
    """What a service user has agreed a carer may do. Revoking takes effect at once (E10).

    A change of scope is a revocation and a new grant, so the history reads as it happened.
    """

    service_user = models.ForeignKey(ServiceUser, on_delete=models.CASCADE, related_name="consents")
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="consents")
    scope_join_contacts = models.BooleanField(default=False)
    scope_appointment_details = models.BooleanField(default=False)
    scope_assessment_input = models.BooleanField(default=False)
    granted_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "carer"],
                condition=Q(revoked_at__isnull=True),
                name="one_current_consent_per_carer",
            ),
            models.CheckConstraint(
                condition=Q(scope_join_contacts=True)
                | Q(scope_appointment_details=True)
                | Q(scope_assessment_input=True),
                name="consent_has_a_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent for {self.carer} ({', '.join(self.scopes())})"

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None

    def scopes(self) -> list[str]:
        labels = []
        if self.scope_join_contacts:
            labels.append("Join contacts")
        if self.scope_appointment_details:
            labels.append("Receive appointment details")
        if self.scope_assessment_input:
            labels.append("Give input to assessments")
        return labels
