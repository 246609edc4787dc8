"""A forgotten password: a single-use, expiring link by email, limited like signing in, saying
nothing about which accounts exist, and never skipping the second factor (issue 18)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from caremode.audit.models import AuditEvent
from tests.factories import PASSWORD

NEW = "plum-lantern-orbit-meadow"


@pytest.fixture
def clinician(clinician):
    clinician.email = "asha.rahman@nhs.net"
    clinician.save()
    return clinician


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _ask(client, username, callbacks):
    with callbacks(execute=True):
        return client.post("/account/forgotten-password/", {"username": username})


def _path(mailoutbox) -> str:
    (mail,) = mailoutbox
    link = next(w for w in mail.body.split() if "/account/reset-password/" in w)
    return "/" + link.split("/", 3)[3]


def test_a_link_resets_once_and_staff_still_need_the_second_factor(
    client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    assert "/account/forgotten-password/" in client.get("/account/sign-in/").content.decode()
    response = _ask(client, "asha", django_capture_on_commit_callbacks)
    assert "Check your email" in response.content.decode()
    assert mailoutbox[0].to == [clinician.email]
    assert AuditEvent.objects.filter(object_type="password reset link").count() == 1
    path = _path(mailoutbox)
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "Your password has been changed" in done.content.decode()
    assert "_auth_user_id" not in client.session  # the link does not sign anyone in
    assert AuditEvent.objects.filter(
        object_type="password", detail__set_by="the person, through a reset link"
    ).exists()
    again = client.get(path, follow=True)
    assert "expired or has been used" in again.content.decode()
    old = client.post("/account/sign-in/", {"username": "asha", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and old.status_code == 200
    signed = client.post("/account/sign-in/", {"username": "asha", "password": NEW}, follow=True)
    assert signed.redirect_chain[-1][0].startswith("/account/two-step/")
    assert client.get("/service-users/").status_code == 302  # not past the second factor


def test_the_answer_is_the_same_whether_or_not_the_account_exists(
    client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    def page(username: str) -> str:
        body = _ask(client, username, django_capture_on_commit_callbacks).content.decode()
        return re.sub(r'nonce="[^"]*"', "", body).replace(username, "")

    assert page("asha") == page("nobody-here")
    assert len(mailoutbox) == 1


def test_asking_is_limited_per_username_and_the_page_does_not_say_so(
    client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    answers = {
        _ask(client, "asha", django_capture_on_commit_callbacks).status_code for _ in range(5)
    }
    assert answers == {200}
    assert len(mailoutbox) == 3  # RESET_REQUESTS_PER_HOUR


def test_a_reset_link_expires_after_an_hour(
    client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    _ask(client, "asha", django_capture_on_commit_callbacks)
    path = _path(mailoutbox)
    # Two hours past the one: Django's token clock is naive local time (see the set-password
    # link's test).
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3), tick=False):
        late = client.get(path, follow=True)
    assert "expired or has been used" in late.content.decode()
    assert "Ask for a new link" in late.content.decode()


def test_resetting_ends_the_accounts_other_sessions(
    client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    from tests.factories import signed_in

    elsewhere = signed_in(Client(), clinician)
    assert elsewhere.get("/service-users/").status_code == 200
    _ask(client, "asha", django_capture_on_commit_callbacks)
    form = client.get(_path(mailoutbox), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert elsewhere.get("/service-users/").status_code == 302
