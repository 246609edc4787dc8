from __future__ import annotations

from django.db import models
from django.db.models import Q

from caremode.people.models import Carer, ServiceUser


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class RecipientKind(models.TextChoices):
    """Whom a message is for. Each person sees only the messages sent to them."""

    SERVICE_USER = "service_user", "The service user"
    CARER = "carer", "A carer"
    # The interpreting service, for an interpreter booked to a contact: never the person or a
    # carer, so neither sees these messages.
    INTERPRETER = "interpreter", "An interpreter"

    @classmethod
    def of(cls, carer: Carer | None) -> RecipientKind:
        return cls.CARER if carer is not None else cls.SERVICE_USER


class OutboundMessage(models.Model):
    """One message to one address. The table is the queue: the worker sends what is due.

    `service_user` is whom the message is about; `recipient_kind` and `carer` say whom it is for.
    """

    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient_kind = models.CharField(
        max_length=12, choices=RecipientKind.choices, default=RecipientKind.SERVICE_USER
    )
    carer = models.ForeignKey(
        Carer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        help_text="The carer the message is for, when it is for a carer.",
    )
    recipient = models.CharField(max_length=254)
    recipient_label = models.CharField(
        max_length=150, help_text="For example 'Megan (service user)'."
    )
    subject = models.CharField(max_length=150, blank=True)
    body = models.TextField()
    service_user = models.ForeignKey(ServiceUser, on_delete=models.CASCADE, related_name="messages")
    purpose = models.CharField(max_length=40, help_text="For example 'reminder' or 'change'.")
    reference = models.CharField(
        max_length=60, blank=True, help_text="What the message is about, e.g. 'contact:42'."
    )
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    send_after = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "purpose", "channel", "recipient"],
                condition=Q(status="queued"),
                name="one_queued_message_per_purpose",
            ),
            # A message for a carer names the carer (messages from before recipients were
            # recorded may be for an unknown carer: nobody sees those, and the worker refuses them).
            models.CheckConstraint(
                condition=Q(carer__isnull=True) | Q(recipient_kind="carer"),
                name="message_carer_only_when_for_a_carer",
            ),
            models.CheckConstraint(
                condition=Q(recipient_kind__in=["service_user", "carer", "interpreter"]),
                name="message_recipient_kind_known",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["carer", "service_user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient_label}: {self.purpose}"
