from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event


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
    """Check a code from the app; on the first good code the device is confirmed. Audited."""
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
