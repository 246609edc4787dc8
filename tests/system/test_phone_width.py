"""Every page fits a phone.

Given a small synthetic trust (the demo's own seed, with one sign-in per role), when each role
opens its main pages in a 390 px wide browser, then no page scrolls sideways (the document is no
wider than the screen), tables keep their headings (the NHS responsive table), long links wrap,
and every page passes axe-core.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from caremode.accounts.models import User
from caremode.accounts.sessions import needs_second_factor
from caremode.people.models import ServiceUser
from caremode.seed.services import DEMO_PASSWORD, seed_trust
from tests.factories import current_code
from tests.system.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

WIDEST = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} ` +
              `(${Math.round(e.getBoundingClientRect().right)}px)`)"""


def sign_in_demo(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    user = User.objects.get(username=username)
    if needs_second_factor(user):
        page.get_by_label("Security code").fill(current_code(user))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def overflow(page) -> tuple[int, int]:
    return page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )


def check_pages(page, addresses: list[str], problems: list[str]) -> None:
    for address in addresses:
        response = page.goto(address)
        assert response is not None and response.ok, f"{address}: {response and response.status}"
        scroll_width, client_width = overflow(page)
        if scroll_width > client_width:
            widest = page.evaluate(WIDEST)
            problems.append(f"{address}: {scroll_width}px > {client_width}px, {widest}")
        assert_accessible(page)


@pytest.fixture
def demo_trust(db):
    seed_trust(
        service_users=40,
        months=2,
        seed=18,
        as_of=timezone.now() - dt.timedelta(days=1),
        demo_accounts=True,
    )


def test_every_roles_main_pages_fit_a_390_px_phone(page, demo_trust):
    page.set_viewport_size(PHONE)
    person = ServiceUser.objects.get(account__username="service.user")
    problems: list[str] = []

    sign_in_demo(page, "clinician")
    check_pages(
        page,
        [
            "/service-users/",
            f"/service-users/{person.pk}/",
            f"/service-users/{person.pk}/book/",
            f"/service-users/{person.pk}/area/",
            f"/service-users/{person.pk}/decisions/",
            "/diary/",
            "/team/",
            "/decisions/review/",
            "/training/",
        ],
        problems,
    )
    sign_in_demo(page, "manager")
    check_pages(
        page,
        [
            "/team/",
            "/team/waiting/",
            "/contacts/summary/",
            "/service-users/cover/",
            "/training/teams/",
        ],
        problems,
    )
    sign_in_demo(page, "admin")
    check_pages(page, ["/service-users/services/", "/service-users/staff/"], problems)
    sign_in_demo(page, "analyst")
    check_pages(page, ["/contacts/summary/", "/evaluation/"], problems)
    # The demo analyst also codes feedback: the coders' pages.
    check_pages(
        page,
        ["/coding/codebook/", "/coding/codebook/C14/", "/coding/excerpts/", "/coding/agreement/"],
        problems,
    )
    sign_in_demo(page, "service.user")
    check_pages(
        page,
        ["/my-care/", "/my-care/who-viewed/", "/my-care/preferences/", "/my-care/check-ins/"],
        problems,
    )
    if User.objects.filter(username="carer").exists():
        sign_in_demo(page, "carer")
        check_pages(page, ["/people-i-care-for/"], problems)
    page.goto("/accessibility/")
    assert overflow(page)[0] <= overflow(page)[1]

    assert problems == [], "\n".join(problems)
