"""The pages work under the Content Security Policy, with no violations: NHS.UK frontend and htmx
run from our own origin, and the one inline script carries the request's nonce."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, ServiceUserFactory, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strict_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)  # CSP enforced, not bypassed
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_caseload_search_works_under_the_policy(strict_page, clinician, service_user, team):
    ServiceUserFactory(team=team, given_name="Zed", family_name="Other")
    violations: list[str] = []
    strict_page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    # Signed in by hand: the accessibility checks inject a script, which this policy forbids.
    strict_page.goto("/")
    strict_page.get_by_label("Username").fill("asha")
    strict_page.get_by_label("Password").fill(PASSWORD)
    strict_page.get_by_role("button", name="Sign in").click()
    strict_page.get_by_label("Security code").fill(current_code(clinician))
    strict_page.get_by_role("button", name="Continue").click()
    strict_page.wait_for_url("**/service-users/")
    assert strict_page.evaluate("document.body.classList.contains('js-enabled')")
    assert strict_page.evaluate("typeof window.htmx") == "object"
    strict_page.get_by_label("Search by name or NHS number").fill("Tay")
    strict_page.get_by_role("link", name="Other, Zed").wait_for(state="detached")
    assert strict_page.get_by_role("link", name="Taylor, Megan").is_visible()
    assert violations == []
