from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from caremode.accounts import sessions
from caremode.signin.sockets import close_session_sockets

# All a session that has passed only the password may reach before the second factor: the
# code page, signing out, and static files. Not the password change or anything else.
OPEN_PATHS = ("/account/two-step/", "/account/sign-out/", "/static/", "/accessibility/")


class SessionPolicyMiddleware:
    """Ends idle and over-long sessions, and keeps staff out until they pass the second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            reason = sessions.expiry_reason(request.session)
            if reason:
                session_key = request.session.session_key
                logout(request)
                close_session_sockets(session_key)
                messages.info(request, reason)
                return redirect(f"{reverse('signin:sign_in')}?next={request.path}")
            sessions.record_activity(request.session)
            if (
                sessions.needs_second_factor(user)  # type: ignore[arg-type]
                and not user.is_verified()  # type: ignore[union-attr,attr-defined]
                and not request.path.startswith(OPEN_PATHS)
            ):
                return redirect(f"{reverse('signin:two_step')}?next={request.path}")
        return self.get_response(request)


# The pages that use the camera and microphone: the clinician's room, the waiting room and call,
# and the test call. Everywhere else the browser refuses them, whatever a script asks.
MEDIA_VIEWS = frozenset({"rooms:host", "rooms:wait", "rooms:test"})
MEDIA_ALLOWED = "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=()"
# Sharing a screen is the clinician's alone (hazard V8a): only their room page may ask for it.
SCREEN_SHARE_VIEWS = frozenset({"rooms:host"})
SCREEN_SHARE_ALLOWED = MEDIA_ALLOWED.replace("display-capture=()", "display-capture=(self)")
MEDIA_DENIED = "camera=(), microphone=(), display-capture=(), geolocation=(), payment=()"


class PrivacyHeadersMiddleware:
    """`Cache-Control: no-store` on every page and API response (static files are served before
    this, by WhiteNoise): they carry personal data for anyone signed in or holding a room pass,
    and no browser or proxy may keep them. Permissions-Policy allows the camera and microphone
    only on the room pages, and sharing a screen only on the clinician's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        match = getattr(request, "resolver_match", None)
        media = match is not None and match.view_name in MEDIA_VIEWS
        if match is not None and match.view_name in SCREEN_SHARE_VIEWS:
            response["Permissions-Policy"] = SCREEN_SHARE_ALLOWED
        else:
            response["Permissions-Policy"] = MEDIA_ALLOWED if media else MEDIA_DENIED
        return response
