"""The session policy for WebSockets: the same rules as every page (accounts.sessions).

- `SessionPolicySocketMiddleware` (in config.asgi, inside Channels' auth stack) refuses to open a
  socket on an ended session or on a staff session that has passed only the password.
- `SessionBoundConsumer` is the base of every consumer: each socket joins a group for its
  session, so that signing out (or the session ending) closes it, and `session_allows_action()`
  rechecks the session, fresh from the database, before a message acts; acting counts as
  activity, so a call in progress keeps its session alive.
Anonymous connections (room pass holders) are not refused here: their pass binds them
(rooms.access), and their sessions have no sign-in clocks.
"""

from __future__ import annotations

import hashlib
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db import transaction
from django.utils.crypto import constant_time_compare

from caremode.accounts import sessions
from caremode.accounts.models import User

# Close codes the browser sees: 4401 "sign in again" (4403 stays "not allowed here").
SESSION_ENDED = 4401
# A socket that acts records activity at most once a minute (each save writes the session).
ACTIVITY_EVERY_SECONDS = 60


def session_group(session_key: str) -> str:
    """The channel-layer group of one browser session's sockets (the key itself never travels)."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def _session_key(scope: dict[str, Any]) -> str | None:
    return getattr(scope.get("session"), "session_key", None)


def close_session_sockets(session_key: str | None) -> None:
    """Close every socket opened on this session, once the current transaction commits."""
    layer = get_channel_layer()
    if not session_key or layer is None:
        return
    group = session_group(session_key)
    transaction.on_commit(lambda: async_to_sync(layer.group_send)(group, {"type": "session.ended"}))


def _refusal_at_connect(scope: dict[str, Any]) -> str | None:
    return sessions.refusal_reason(scope.get("user"), scope.get("session"))


def _refusal_now(scope: dict[str, Any], *, record_activity: bool) -> str | None:
    """The policy against the session as it is in the database now, not as it was at connect:
    signed out elsewhere, password changed, account closed, expired or unverified."""
    user = scope.get("user")
    if not getattr(user, "is_authenticated", False):
        return None
    key = _session_key(scope)
    store = import_module(settings.SESSION_ENGINE).SessionStore(key) if key else None
    current = User.objects.filter(pk=user.pk, is_active=True).first()  # type: ignore[union-attr]
    if (
        store is None
        or current is None
        or store.get(SESSION_KEY) != str(current.pk)
        or not constant_time_compare(
            store.get(HASH_SESSION_KEY) or "", current.get_session_auth_hash()
        )
    ):
        return "You have signed out. Sign in again."
    reason = sessions.refusal_reason(current, store)
    if (
        reason is None
        and record_activity
        and sessions.record_activity(store, every=ACTIVITY_EVERY_SECONDS)
    ):
        store.save()
    return reason


class _Refused(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.close(code=SESSION_ENDED)


class SessionPolicySocketMiddleware(BaseMiddleware):
    """Refuses a WebSocket whose session HTTP would refuse. Goes inside AuthMiddlewareStack."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and await database_sync_to_async(_refusal_at_connect)(
            scope
        ):
            return await _Refused()(scope, receive, send)
        return await super().__call__(scope, receive, send)


class SessionBoundConsumer(AsyncJsonWebsocketConsumer):
    """Base of CareMode's consumers: the socket lives only as long as its session."""

    groups: list[str] | None = None

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        key = _session_key(self.scope)
        if key:
            self.groups = [*(self.groups or []), session_group(key)]
        await super().websocket_connect(message)

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.close(code=SESSION_ENDED)

    async def session_allows_action(self, *, record_activity: bool = True) -> bool:
        """Recheck the session before acting on a message; if it may not act, say why and
        close the socket (the caller stops)."""
        reason = await database_sync_to_async(_refusal_now)(
            self.scope, record_activity=record_activity
        )
        if reason is None:
            return True
        await self.send_json({"type": "session_ended", "error": reason})
        await self.close(code=SESSION_ENDED)
        return False
