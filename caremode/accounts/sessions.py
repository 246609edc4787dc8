"""Session policy as plain functions: timestamps kept in the session, and who counts as verified."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from caremode.accounts.models import STAFF_ROLES, User

STARTED = "caremode_started_at"
LAST_SEEN = "caremode_last_seen_at"
AUTHENTICATED = "caremode_authenticated_at"


def mark_password_confirmed(session: Any) -> None:
    """Called when the person has just typed their password (sign-in or re-authentication)."""
    now = time.time()
    session.setdefault(STARTED, now)
    session[LAST_SEEN] = now
    session[AUTHENTICATED] = now


def record_activity(session: Any, *, now: float | None = None, every: float = 0) -> bool:
    """The person did something: the idle clock restarts. With `every`, only if the last
    recorded activity is older than that many seconds (sockets act many times a minute).
    Returns whether the session changed."""
    now = now or time.time()
    if every and now - (session.get(LAST_SEEN) or 0) < every:
        return False
    session[LAST_SEEN] = now
    return True


def expiry_reason(session: Any, *, now: float | None = None) -> str | None:
    """Why this session must end now, or None."""
    now = now or time.time()
    started, last_seen = session.get(STARTED), session.get(LAST_SEEN)
    if started is None or last_seen is None:
        return "Your session was not recognised. Sign in again."
    if now - started > settings.SESSION_ABSOLUTE_SECONDS:
        return "You have been signed out because you were signed in for 12 hours."
    if now - last_seen > settings.SESSION_IDLE_SECONDS:
        return "You have been signed out after 30 minutes without activity."
    return None


def recently_authenticated(session: Any, *, now: float | None = None) -> bool:
    authenticated = session.get(AUTHENTICATED)
    return authenticated is not None and (now or time.time()) - authenticated <= (
        settings.REAUTHENTICATE_AFTER_SECONDS
    )


def needs_second_factor(user: User) -> bool:
    return settings.CAREMODE_REQUIRE_STAFF_OTP and user.role in STAFF_ROLES


def is_verified_session(user: Any, session: Any) -> bool:
    """For places OTPMiddleware does not reach (WebSockets): the session's verified device."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not needs_second_factor(user):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk


def refusal_reason(user: Any, session: Any, *, now: float | None = None) -> str | None:
    """Why this signed-in person's session may not act now, or None.

    The same policy as every page (SessionPolicyMiddleware), for places the HTTP middleware does
    not reach (WebSockets): the session has ended (idle or over-long), or a member of staff has
    passed the password but not the second factor. A connection with nobody signed in is not
    refused here: room pass holders are anonymous and bound by their pass (rooms.access).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if session is None:
        return "Your session was not recognised. Sign in again."
    reason = expiry_reason(session, now=now)
    if reason:
        return reason
    if not is_verified_session(user, session):
        return "Enter your security code first."
    return None
