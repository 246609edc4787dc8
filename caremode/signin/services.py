from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.errors import DomainError


class SecondFactorThrottledError(DomainError):
    """Too many wrong codes in a row: django-otp's back-off refuses every code for a while."""


def _wait_in_words(seconds: float) -> str:
    if seconds <= 60:
        whole = max(1, math.ceil(seconds))
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def get_or_start_totp_device(user: User) -> TOTPDevice:
    """The person's authenticator device: the confirmed one, or a new unconfirmed one to set up."""
    confirmed = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if confirmed is not None:
        return confirmed
    pending = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return pending or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )


@transaction.atomic
def confirm_totp_device(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Check a code from the app; on the first good code the device is confirmed. Audited.

    Returns False for a wrong code. Raises SecondFactorThrottledError (field `code`), saying how
    long to wait, while django-otp's throttling refuses codes after repeated wrong ones (the
    delay doubles with each: 1, 2, 4… seconds), so the right code is never called wrong.
    """
    allowed, throttled = device.verify_is_allowed()
    if not allowed:
        locked_until = (throttled or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        raise SecondFactorThrottledError(
            f"Too many attempts: wait {_wait_in_words(wait)} before you try again.", field="code"
        )
    if not device.verify_token(code):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_event(
            actor=user,
            action=AuditAction.CREATE,
            obj=device,
            object_type="second factor",
            detail={"confirmed": True},
        )
    return True


def set_password_url(user: User) -> str:
    """The person's link to set their own password: single-use (the token is bound to the
    password it replaces, so it stops working once used) and expiring (PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "signin:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.CAREMODE_BASE_URL.rstrip("/") + path


@transaction.atomic
def send_set_password_link(*, actor: User, user: User) -> None:
    """Email `user` (and only them) the link to set their own password, once the account is
    committed. Nobody else sees it: not the administrator who opened the account, not the page.
    Audited (that a link was sent, never the link)."""
    url = set_password_url(user)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = (
        f"Hello {user},\n\nA CareMode account has been opened for you (username {user.username})."
        f"\n\nSet your password here within {hours} hours; the link works once:\n{url}\n\n"
        "Then sign in and set up an authenticator app on your phone. If you did not expect "
        "this, tell your IT service desk."
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        object_type="set-password link",
        detail={"sent_to": user.email, "expires_in_hours": hours},
    )
    transaction.on_commit(
        lambda: send_mail(
            "Set your CareMode password", body, None, [user.email], fail_silently=False
        )
    )


def record_password_set(*, user: User) -> None:
    """The person set their own password through their link. Audited."""
    record_event(
        actor=user,
        action=AuditAction.UPDATE,
        obj=user,
        object_type="password",
        detail={"set_by": "the person, through their link"},
    )


class ResetTokenGenerator(PasswordResetTokenGenerator):
    """Django's token, bound to the password it replaces and the last sign-in (so it works
    once), with its own, shorter life: PASSWORD_RESET_LINK_MINUTES, not the 72 hours a new
    member of staff has to set their first password."""

    key_salt = "caremode.signin.forgotten-password"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not super().check_token(user, token):
            return False
        issued = base36_to_int(str(token).split("-")[0])
        return self._num_seconds(self._now()) - issued <= settings.PASSWORD_RESET_LINK_MINUTES * 60


reset_tokens = ResetTokenGenerator()

# Asking for a link is limited like signing in: by username and by address, each a few times
# an hour. Past the limit the page says the same as ever and nothing is sent.
RESET_REQUESTS_PER_HOUR = 3


def _allowed_again(key: str) -> bool:
    cache.add(key, 0, 3600)
    return cache.incr(key) <= RESET_REQUESTS_PER_HOUR


@transaction.atomic
def send_password_reset_link(*, username: str, ip_address: str) -> bool:
    """Email the account named `username` a link to choose a new password: single-use,
    expiring after PASSWORD_RESET_LINK_MINUTES, sent after commit to the address the account
    holds and to no one else. Returns whether a link was sent, which the page never says (no
    account enumeration: unknown, closed, address-less and throttled accounts look the same).
    Audited when a link is sent; a request over the limit is not acted on.

    The link does not sign anyone in: the person signs in with the new password, and staff
    still pass the second factor."""
    by_name = _allowed_again(f"caremode:reset:user:{username.lower()[:150]}")
    by_address = _allowed_again(f"caremode:reset:ip:{ip_address}")
    user = User.objects.filter(username=username, is_active=True).first()
    if not (by_name and by_address) or user is None or not user.email:
        return False
    if not user.has_usable_password():
        return False  # a new account sets its first password from its own link
    path = reverse(
        "signin:reset_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": reset_tokens.make_token(user),
        },
    )
    url = settings.CAREMODE_BASE_URL.rstrip("/") + path
    minutes = settings.PASSWORD_RESET_LINK_MINUTES
    body = (
        f"Hello {user},\n\nSomeone asked to reset the password of your CareMode account "
        f"(username {user.username}).\n\nChoose a new password here within {minutes} minutes; "
        f"the link works once:\n{url}\n\nIf it was not you, ignore this message: your password "
        "has not changed. Tell your care team or IT service desk if it keeps happening."
    )
    record_event(
        actor=None,
        action=AuditAction.CREATE,
        obj=user,
        object_type="password reset link",
        detail={"user": user.pk, "expires_in_minutes": minutes},
    )
    address = user.email
    transaction.on_commit(
        lambda: send_mail(
            "Reset your CareMode password", body, None, [address], fail_silently=False
        )
    )
    return True


def record_password_reset(*, user: User) -> None:
    """The person chose a new password through a reset link. Audited."""
    record_event(
        actor=user,
        action=AuditAction.UPDATE,
        obj=user,
        object_type="password",
        detail={"set_by": "the person, through a reset link"},
    )
