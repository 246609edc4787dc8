from __future__ import annotations

from django.db import models
from django.db.models import Q

from caremode.people.models import ServiceUser


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OutboundMessage(models.Model):
    """One message to one address. The table is the queue: the worker sends what is due."""

    channel = models.CharField(max_length=5, choices=Channel.choices)
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
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "purpose", "channel", "recipient"],
                condition=Q(status="queued"),
                name="one_queued_message_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient_label}: {self.purpose}"
