"""Lockout, session expiry, re-authentication and security headers."""

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.factories import CarerConsentFactory, signed_in

GOOD = {"username": "asha", "password": "correct-horse-battery"}


def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password(client, clinician):
    for _ in range(5):
        client.post("/account/sign-in/", {**GOOD, "password": "wrong"})
    response = client.post("/account/sign-in/", GOOD)
    assert response.status_code == 429
    assert "locked for 30 minutes" in response.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = client.post("/account/sign-in/", GOOD)
        assert response.status_code == 302


def test_an_idle_session_ends_after_30_minutes(client, clinician):
    signed_in(client, clinician)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert client.get("/service-users/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=51)):
        response = client.get("/service-users/", follow=True)
    assert response.redirect_chain[0][0].startswith("/account/sign-in/")
    assert "30 minutes without activity" in response.content.decode()


def test_a_session_ends_after_12_hours_however_active(client, clinician):
    signed_in(client, clinician)
    start = timezone.now()
    for minutes in range(25, 12 * 60, 25):
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            assert client.get("/service-users/").status_code == 200, minutes
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=10)):
        response = client.get("/service-users/", follow=True)
    assert "signed in for 12 hours" in response.content.decode()


def test_changing_consent_asks_for_the_password_again(client, clinician, service_user):
    consent = CarerConsentFactory(service_user=service_user)
    url = f"/service-users/{service_user.pk}/consents/{consent.pk}/withdraw/"
    signed_in(client, clinician)
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        response = client.get(url)
        assert response["Location"] == f"/account/confirm/?next={url}"
        wrong = client.post(f"/account/confirm/?next={url}", {"password": "nope"})
        assert "The password is not right" in wrong.content.decode()
        client.post(f"/account/confirm/?next={url}", {"password": "correct-horse-battery"})
        assert client.get(url).status_code == 200


def test_pages_carry_security_headers_and_a_nonce(client, clinician):
    signed_in(client, clinician)
    response = client.get("/service-users/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def _production_check(tmp_path, *args: str, without: str = "") -> subprocess.CompletedProcess:
    """`manage.py check` as a deployment would run it: production settings with every key and
    the mail relay (less `without`), and without the test-only switch the browser journeys set."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "CAREMODE_ENV": "production",
        "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key-for-the-check",
        "ALLOWED_HOSTS": "caremode.example.nhs.uk",
        "EXTRACT_PSEUDONYM_KEY": "another-long-random-key-held-by-the-trust",
        "AUDIT_CHECKPOINT_KEY": "a-third-key-held-only-by-the-worker",
        "EMAIL_HOST": "smtp.example.nhs.uk",
        "CAREMODE_VAR_DIR": str(tmp_path),
    }
    env.pop(without, None)
    return subprocess.run(  # noqa: S603 - the arguments are this module's own literals
        [sys.executable, "manage.py", "check", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _production_check(tmp_path, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["AUDIT_CHECKPOINT_KEY", "EMAIL_HOST"])
def test_production_refuses_to_start_without_its_own_keys_and_mail_relay(tmp_path, missing):
    """No checkpoint key derived from SECRET_KEY, no set-password links written to files."""
    result = _production_check(tmp_path, without=missing)
    assert result.returncode != 0
    assert f"{missing} must be set when CAREMODE_ENV=production" in result.stderr
