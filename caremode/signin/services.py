from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
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
