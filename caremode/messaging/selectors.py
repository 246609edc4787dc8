from __future__ import annotations

from django.db.models import QuerySet

from caremode.accounts.models import User
from caremode.messaging.models import MessageStatus, OutboundMessage, RecipientKind
from caremode.people.models import ServiceUser, Team


def list_messages_for(service_user: ServiceUser, *, limit: int = 30) -> list[OutboundMessage]:
    """Every message about the person, to them or to their carers, newest first (for the care
    team, never for the person or a carer: they see only their own)."""
    return list(OutboundMessage.objects.filter(service_user=service_user)[:limit])


def list_messages_sent_to_service_user(
    service_user: ServiceUser, *, limit: int = 10
) -> list[OutboundMessage]:
    """Messages sent to the person themself, newest first; never those sent to their carers."""
    return list(
        OutboundMessage.objects.filter(
            service_user=service_user,
            recipient_kind=RecipientKind.SERVICE_USER,
            status=MessageStatus.SENT,
        ).order_by("-sent_at", "-pk")[:limit]
    )


def list_messages_sent_to_carer(account: User, *, limit: int = 20) -> list[OutboundMessage]:
    """Messages sent to the carer signed in as `account`, newest first, about the people whose
    consent still lets that carer see their appointments (withdrawal hides them at once)."""
    return list(
        OutboundMessage.objects.filter(
            recipient_kind=RecipientKind.CARER,
            carer__account=account,
            status=MessageStatus.SENT,
            service_user__in=ServiceUser.objects.visible_to(account).values("pk"),
        )
        .select_related("service_user")
        .order_by("-sent_at", "-pk")[:limit]
    )


def list_failed_messages(team: Team) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(
        service_user__team=team, status=MessageStatus.FAILED
    ).select_related("service_user")
