from __future__ import annotations

from django.db.models import QuerySet

from caremode.messaging.models import MessageStatus, OutboundMessage
from caremode.people.models import ServiceUser, Team


def list_messages_for(service_user: ServiceUser, *, limit: int = 30) -> list[OutboundMessage]:
    """Messages to the person or about them, newest first (the local outbox people can read)."""
    return list(OutboundMessage.objects.filter(service_user=service_user)[:limit])


def list_failed_messages(team: Team) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(
        service_user__team=team, status=MessageStatus.FAILED
    ).select_related("service_user")
