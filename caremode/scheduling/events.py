"""Broadcasts about contacts, sent after the transaction that made the change commits."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from caremode.scheduling.models import Contact


def team_group(team_id: int) -> str:
    return f"team-contacts-{team_id}"


def notify_contact_changed(contact: Contact, *, change: str) -> None:
    """Tell the team's open pages that one of its contacts changed (no personal data is sent)."""
    message = {"type": "contact.changed", "contact": contact.pk, "change": change}
    team_id = contact.team_id

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(team_group(team_id), message)

    transaction.on_commit(send)
