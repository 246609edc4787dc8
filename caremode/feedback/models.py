"""What people said, held apart from who said it.

An `Excerpt` is a piece of free text to be coded into themes: from feedback after a contact, from a
carer, from staff, or imported by an analyst. It keeps the mode of the contact it is about, the
team, the month and the groups the evaluation counts by (a snapshot taken when it was given), and
no link to the person: themes are counted by mode and group, never shown as "X said".
"""

from __future__ import annotations

from django.conf import settings
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


# Feedback after contacts, and carers' input to assessments (questionnaires.py, services.py,
# carer_input.py). Free text is never kept here: it goes to `add_excerpt`, apart from the person.


class Respondent(models.TextChoices):
    SERVICE_USER = "service_user", "Service user"
    CARER = "carer", "Carer"
    STAFF = "staff", "Staff"


class AskedBy(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    PORTAL = "portal", "In CareMode"  # the portal, the carer page, or the staff list


class FeedbackRequest(models.Model):
    """An invitation to give feedback on one attended contact: to the service user, a carer who
    took part (with consent), or the clinician after a remote contact.

    Sent by text or email it carries a link whose token is stored only as its hash
    (`core.links`), answered once, until `expires_at`. Answering marks only the day
    (`answered_on`), so an anonymous response cannot be matched to its request by time."""

    key = models.CharField(max_length=80, unique=True, help_text="contact:respondent:who, once.")
    contact = models.ForeignKey(
        "scheduling.Contact", on_delete=models.CASCADE, related_name="feedback_requests"
    )
    respondent = models.CharField(max_length=15, choices=Respondent.choices)
    service_user = models.ForeignKey(
        "people.ServiceUser", on_delete=models.CASCADE, related_name="feedback_requests"
    )
    carer = models.ForeignKey(
        "people.Carer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    asked_by = models.CharField(max_length=10, choices=AskedBy.choices)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(respondent__in=[r.value for r in Respondent]),
                name="feedback_request_respondent_known",
            ),
            models.CheckConstraint(
                condition=(Q(respondent="carer") & Q(carer__isnull=False))
                | (~Q(respondent="carer") & Q(carer__isnull=True)),
                name="feedback_request_carer_only_for_carers",
            ),
            models.CheckConstraint(
                condition=(Q(respondent="staff") & Q(staff__isnull=False))
                | (~Q(respondent="staff") & Q(staff__isnull=True)),
                name="feedback_request_staff_only_for_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback request {self.pk} ({self.get_respondent_display()})"


class FeedbackResponse(models.Model):
    """The answers to one questionnaire, counted for the team and the service only.

    `request` is kept only when the person did not ask to be anonymous (so they can see their
    own answers); an anonymous response has no link to anyone. The free text is not here: each
    answer in words became an `Excerpt`. Only the month is kept, never the moment."""

    respondent = models.CharField(max_length=15, choices=Respondent.choices)
    request = models.OneToOneField(
        FeedbackRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="feedback_responses")
    service = models.ForeignKey(
        "people.Service", on_delete=models.PROTECT, related_name="feedback_responses"
    )
    mode = models.CharField(max_length=20, choices=codes.MODE_CHOICES)
    month = models.DateField()
    # The Friends and Family Test (service users and carers): "1" very good … "6" don't know.
    fft = models.CharField(max_length=1, blank=True)
    mode_suited = models.CharField(max_length=10, blank=True)
    choose_again = models.CharField(max_length=10, blank=True)
    barriers = models.JSONField(default=list, blank=True)
    # Staff after a remote contact.
    could_assess = models.CharField(max_length=10, blank=True)
    connection_good_enough = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-month", "-pk"]
        indexes = [models.Index(fields=["service", "month"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(respondent="staff") & Q(fft=""))
                | (~Q(respondent="staff") & Q(fft__in=["1", "2", "3", "4", "5", "6"])),
                name="feedback_fft_from_service_users_and_carers",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=list(codes.MODES)), name="feedback_response_mode_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.pk} ({self.get_respondent_display()}, {self.month:%B %Y})"


class CarerInvitation(models.Model):
    """An invitation to a carer, with consent to give input to assessments, to tell the team what
    they have noticed before an assessment, review or risk contact (E10). A link by text or
    email (hash only, single use, until the contact starts) or on the carer page."""

    contact = models.ForeignKey(
        "scheduling.Contact", on_delete=models.CASCADE, related_name="carer_invitations"
    )
    service_user = models.ForeignKey(
        "people.ServiceUser", on_delete=models.CASCADE, related_name="carer_invitations"
    )
    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="+")
    asked_by = models.CharField(max_length=10, choices=AskedBy.choices)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "carer"], name="one_invitation_per_carer"),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.carer} before contact {self.contact_id}"


class CarerInput(models.Model):
    """What a carer told the team: before a contact (from an invitation) or a concern raised at
    any time. Shown to the care team on the record and the contact as the carer's view."""

    class Kind(models.TextChoices):
        BEFORE_CONTACT = "before_contact", "Before an appointment"
        CONCERN = "concern", "A concern"

    kind = models.CharField(max_length=15, choices=Kind.choices)
    service_user = models.ForeignKey(
        "people.ServiceUser", on_delete=models.CASCADE, related_name="carer_inputs"
    )
    carer = models.ForeignKey("people.Carer", on_delete=models.CASCADE, related_name="inputs")
    contact = models.ForeignKey(
        "scheduling.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carer_inputs",
    )
    invitation = models.OneToOneField(
        CarerInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="input"
    )
    text = models.TextField()
    urgent = models.BooleanField(default=False)
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["-given_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="carer_input_has_text"),
            models.CheckConstraint(
                condition=Q(kind="concern") | Q(contact__isnull=False),
                name="carer_input_before_a_contact_names_it",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.carer}"


# The codebook (codebook.py): the themes excerpts are coded into, seeded from the findings and
# revised by the service. A code is never deleted: it is retired, or merged into another, and
# every change is a `CodebookEvent`, so the history of the codebook can be read back.


class Code(models.Model):
    key = models.SlugField(max_length=40, unique=True, help_text="A short stable name, e.g. C01.")
    label = models.CharField(max_length=120)
    definition = models.TextField()
    example = models.TextField(help_text="An example excerpt written for the codebook.")
    evidence = models.JSONField(default=list, help_text="The findings it relates to: E1–E23.")
    retired_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="split_into"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        permissions = [("code_excerpts", "Can code feedback excerpts into themes")]
        constraints = [
            models.CheckConstraint(condition=~Q(label=""), name="code_has_label"),
            models.CheckConstraint(condition=~Q(definition=""), name="code_has_definition"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.label}"

    @property
    def in_use(self) -> bool:
        return self.retired_at is None


class CodebookChange(models.TextChoices):
    ADDED = "added", "Added"
    EDITED = "edited", "Edited"
    MERGED = "merged", "Merged into another code"
    SPLIT = "split", "Split into new codes"
    RETIRED = "retired", "Retired"


class CodebookEvent(models.Model):
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="events")
    change = models.CharField(max_length=10, choices=CodebookChange.choices)
    detail = models.JSONField(default=dict, help_text="What changed: before and after, or codes.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the seeded codebook.",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(change__in=[c.value for c in CodebookChange]),
                name="codebook_event_change_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code.key} {self.change} at {self.at:%Y-%m-%d %H:%M}"


# Coding (coding.py): each coder's codes for an excerpt, made blind to the others', and the code
# the coders then agreed where they differed.


class Coding(models.Model):
    excerpt = models.ForeignKey(Excerpt, on_delete=models.PROTECT, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="codings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["excerpt", "coder", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["excerpt", "coder", "code"], name="coding_once_per_coder"
            )
        ]

    def __str__(self) -> str:
        return f"Excerpt {self.excerpt_id} coded {self.code_id} by {self.coder_id}"


class Reconciliation(models.Model):
    excerpt = models.ForeignKey(Excerpt, on_delete=models.PROTECT, related_name="reconciliations")
    codes = models.ManyToManyField(Code, related_name="+")
    agreed_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["excerpt"], name="one_reconciliation_per_excerpt")
        ]

    def __str__(self) -> str:
        return f"Excerpt {self.excerpt_id} reconciled at {self.at:%Y-%m-%d}"


class SuggestionDecision(models.Model):
    """A coder's answer to one suggested code for one excerpt: accepted or rejected, with the
    score it was suggested at, so the acceptance rate of the suggestions can be shown."""

    excerpt = models.ForeignKey(
        Excerpt, on_delete=models.PROTECT, related_name="suggestion_decisions"
    )
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField(help_text="1 for the best suggestion.")
    accepted = models.BooleanField()
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["excerpt", "coder", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["excerpt", "coder", "code"], name="one_decision_per_suggestion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="suggestion_score_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        verdict = "accepted" if self.accepted else "rejected"
        return f"Excerpt {self.excerpt_id}: {self.code_id} {verdict} by {self.coder_id}"
