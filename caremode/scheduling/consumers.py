"""WebSocket: a care team's pages hear when one of the team's contacts is booked or updated."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from caremode.accounts.models import CARE_TEAM_ROLES
from caremode.accounts.sessions import is_verified_session
from caremode.people.selectors import list_teams_for
from caremode.scheduling.events import team_group
from caremode.signin.sockets import SessionBoundConsumer


class TeamContactsConsumer(SessionBoundConsumer):
    """Joins the team's group if the signed-in person is a care-team member of it; else closes."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        team_id = int(self.scope["url_route"]["kwargs"]["team_id"])
        if not await self._may_listen(user, team_id):
            await self.close(code=4403)
            return
        self.group = team_group(team_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _may_listen(self, user: Any, team_id: int) -> bool:
        if user is None or not user.is_authenticated or user.role not in CARE_TEAM_ROLES:
            return False
        if not is_verified_session(user, self.scope.get("session")):
            return False
        return list_teams_for(user).filter(pk=team_id).exists()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not await self.session_allows_action(record_activity=False):
            return
        await self.send_json({"error": "This channel only sends; messages are ignored."})

    async def contact_changed(self, event: dict[str, Any]) -> None:
        if not await self.session_allows_action(record_activity=False):
            return
        await self.send_json({"contact": event["contact"], "change": event["change"]})
