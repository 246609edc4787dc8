"""Where the call itself happens. The built-in provider is CareMode's own peer-to-peer room; a
trust can point rooms at an external video service instead. Either way CareMode keeps the
waiting room's record, the outcome and the fallback to telephone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class VideoProvider(Protocol):
    @property
    def name(self) -> str: ...

    def call_url(self, room_id: int) -> str | None:
        """Where participants hold the call once admitted; None: in CareMode's own page."""


@dataclass(frozen=True)
class BuiltIn:
    name: str = "builtin"

    def call_url(self, room_id: int) -> str | None:
        return None


@dataclass(frozen=True)
class ExternalService:
    template: str
    name: str = "external"

    def call_url(self, room_id: int) -> str | None:
        return self.template.format(room=f"caremode-{room_id}")


def current_provider() -> VideoProvider:
    chosen = settings.CAREMODE_VIDEO_PROVIDER
    if chosen == "builtin":
        return BuiltIn()
    if chosen == "external":
        template = settings.CAREMODE_VIDEO_URL_TEMPLATE
        if not template.startswith("https://") or "{room}" not in template:
            raise ImproperlyConfigured(
                "CAREMODE_VIDEO_URL_TEMPLATE must be an https:// address containing {room}."
            )
        return ExternalService(template)
    raise ImproperlyConfigured(f"Unknown CAREMODE_VIDEO_PROVIDER {chosen!r}: builtin or external.")
