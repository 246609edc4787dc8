"""The error pages: NHS layout, plain words, a way back; the 500 page without the database."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, RequestFactory

from caremode.accounts.models import Role
from caremode.core import error_pages
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db

ERROR_URLS = "caremode.core.tests.error_urls"


def assert_nhs_error_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert "nhsuk-header" in html and "nhsuk-footer" in html
    assert f"<title>{heading} – CareMode</title>" in html
    assert 'href="/">Go to the start page</a>' in html
    return html


def test_an_unknown_address_shows_page_not_found_with_what_to_check(client):
    html = assert_nhs_error_page(client.get("/no-such-page/"), 404, "Page not found")
    assert "check you copied the entire address" in html
    assert "call 999" in html


def test_a_page_another_role_cannot_open_is_the_same_page_not_found(client):
    signed_in(client, UserFactory(role=Role.ANALYST))
    html = assert_nhs_error_page(client.get("/my-care/"), 404, "Page not found")
    # The header still knows who is signed in, so they can sign out or find their way.
    assert "Sign out" in html


@pytest.mark.urls(ERROR_URLS)
def test_a_refused_page_says_the_account_cannot_open_it(client):
    html = assert_nhs_error_page(
        client.get("/test-errors/forbidden/"), 403, "You cannot see this page"
    )
    assert "ask your team manager" in html


@pytest.mark.urls(ERROR_URLS)
def test_a_tampered_request_is_a_bad_request_page(client):
    html = assert_nhs_error_page(
        client.get("/test-errors/bad-request/"),
        400,
        "Sorry, we could not understand that request",
    )
    assert "Go back and try again" in html


@pytest.mark.urls(ERROR_URLS)
def test_a_failure_shows_the_service_problem_page():
    client = Client(raise_request_exception=False)
    html = assert_nhs_error_page(
        client.get("/test-errors/server-error/"), 500, "Sorry, there is a problem with the service"
    )
    assert "may not have been saved" in html
    assert "Sign out" not in html  # drawn without the request


def test_the_service_problem_page_renders_when_the_database_is_down():
    """A signed-in person's session cannot be read: the page is still the NHS one."""
    client = Client(raise_request_exception=False)
    signed_in(client, UserFactory(role=Role.CLINICIAN))
    down = OperationalError("could not connect to server")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down):
        response = client.get("/service-users/")
    assert_nhs_error_page(response, 500, "Sorry, there is a problem with the service")


def test_the_service_problem_page_reads_no_session_user_or_database(django_assert_num_queries):
    request = RequestFactory().get("/")  # no session, no user: reading them would raise
    with django_assert_num_queries(0):
        response = error_pages.server_error(request)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_the_service_problem_page_falls_back_to_plain_html_if_the_template_fails():
    with mock.patch.object(error_pages.loader, "get_template", side_effect=RuntimeError):
        response = error_pages.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "<h1>Sorry, there is a problem with the service</h1>" in response.content.decode()


def test_a_form_sent_without_its_security_token_says_nothing_was_saved():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/sign-in/", {"username": "someone", "password": "not-checked"})
    html = assert_nhs_error_page(response, 403, "Your form could not be sent")
    assert "Nothing you entered on that form was saved" in html
    assert "Go back, reload the page and try again" in html
