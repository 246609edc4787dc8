"""Issue 11, section 3, over HTTP: nothing but the code page before the second factor; lockout
by username and address together; throttling that says so; password strength."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from caremode.accounts.models import Role
from tests.factories import PASSWORD, UserFactory, current_code, signed_in

GOOD = {"username": "asha", "password": PASSWORD}


def _password_only(client: Client, user) -> Client:
    """A browser that has passed the password and not yet the second factor."""
    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_before_the_second_factor_the_password_cannot_be_changed(client, clinician):
    TOTPDevice.objects.create(user=clinician, name="Phone", confirmed=True)
    _password_only(client, clinician)
    for path in ("/account/password/", "/account/confirm/", "/service-users/", "/diary/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/two-step/"), path
    change = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "violet ferry umbrella tandem",
            "new_password2": "violet ferry umbrella tandem",
        },
    )
    assert change["Location"].startswith("/account/two-step/")
    clinician.refresh_from_db()
    assert clinician.check_password(PASSWORD)
    # The code page and signing out stay open.
    assert client.get("/account/two-step/").status_code == 200
    assert client.post("/account/sign-out/").status_code == 302


def test_lockout_is_by_username_and_address_together(client, clinician):
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(5):
        client.post("/account/sign-in/", {**GOOD, "password": "wrong"}, **attacker)
    locked = client.post("/account/sign-in/", GOOD, **attacker)
    assert locked.status_code == 429
    # From the person's own desk the account still signs in.
    at_work = Client().post("/account/sign-in/", GOOD, REMOTE_ADDR="10.20.30.40")
    assert at_work.status_code == 302


def test_second_factor_throttling_says_how_long_to_wait_not_that_the_code_is_wrong(
    client, clinician
):
    device = TOTPDevice.objects.create(user=clinician, name="Phone", confirmed=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _password_only(client, clinician)
        # Twelve wrong codes, each after the back-off django-otp asked for (1, 2, 4… seconds).
        for attempt in range(12):
            clock.shift(dt.timedelta(seconds=2 ** max(attempt - 1, 0) + 1))
            wrong = client.post("/account/two-step/", {"code": "000000"})
            assert "The security code is not right" in wrong.content.decode(), attempt
        device.refresh_from_db()
        assert device.throttling_failure_count == 12
        # The right code now: throttled, and it says so (2048 seconds after the twelfth).
        right = client.post("/account/two-step/", {"code": current_code(clinician)})
        body = right.content.decode()
        assert "Too many attempts: wait 35 minutes" in body
        assert "The security code is not right" not in body
        clock.shift(dt.timedelta(minutes=25))
        assert client.get("/account/two-step/").status_code == 200  # still signed in
        clock.shift(dt.timedelta(minutes=10))
        after_the_wait = client.post("/account/two-step/", {"code": current_code(clinician)})
        assert after_the_wait.status_code == 302
        assert client.get("/service-users/").status_code == 200


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "qwertyuiopas", "asha12345678", "asha-rahman-2026"],
    ids=["repeated", "keyboard", "username and digits", "names and year"],
)
def test_guessable_passwords_are_refused_with_a_clear_message(client, clinician, password):
    signed_in(client, clinician)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert "This password is too easy to guess" in response.content.decode()
    clinician.refresh_from_db()
    assert clinician.check_password(PASSWORD)


def test_a_strong_passphrase_is_accepted(client, clinician):
    signed_in(client, clinician)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "violet ferry umbrella tandem",
            "new_password2": "violet ferry umbrella tandem",
        },
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.check_password("violet ferry umbrella tandem")


def test_demo_and_test_passwords_are_set_directly_not_validated(db):
    """The seed's `caremode-demo` and the factories' password are given, not chosen: they sign
    in although the validators would not let a person choose them."""
    demo = UserFactory(username="clinician", role=Role.CLINICIAN)
    demo.set_password("caremode-demo")
    demo.save()
    response = Client().post(
        "/account/sign-in/", {"username": "clinician", "password": "caremode-demo"}
    )
    assert response.status_code == 302
