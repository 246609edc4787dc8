"""Themes by mode in a browser.

Given telephone excerpts that two coders agreed are about a poor connection (one naming a
clinician) and two video excerpts about travel, when an analyst opens the themes page on a
390 px phone, chooses telephone contacts by who said it, and downloads the tables, then the
page fits the screen, passes axe-core, quotes what people said about telephone contacts with
the name taken out, suppresses the video theme and shows none of its words.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.feedback.models import Code, Coding, Excerpt
from tests.factories import UserFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _agreed(text: str, mode: str, key: str, coders) -> None:
    excerpt = Excerpt.objects.create(
        text=text, source="service_user", mode=mode, month=timezone.localdate().replace(day=1)
    )
    for coder in coders:
        Coding.objects.create(excerpt=excerpt, coder=coder, code=Code.objects.get(key=key))


def test_an_analyst_reads_what_people_said_about_telephone_contacts_on_a_phone(page):
    coders = (UserFactory(), UserFactory())
    UserFactory(role=Role.ANALYST, username="ana", first_name="Ana", last_name="Lyst")
    UserFactory(first_name="Morwenna", last_name="Trelawney")
    for i in range(5):
        _agreed(f"The line kept dropping, week {i + 1}.", "telephone", "C14", coders)
    # the newest, so among the three quoted
    _agreed("Morwenna Trelawney rang but the line kept dropping.", "telephone", "C14", coders)
    for i in range(2):
        _agreed(f"No bus to catch, day {i + 1}.", "video", "C02", coders)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "ana")
    page.goto("/feedback/themes/")
    page.get_by_role("heading", name="Themes in what people said").wait_for()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "No bus to catch" not in page.content()  # two people: suppressed with its words

    page.get_by_label("Mode", exact=True).select_option("telephone")
    page.get_by_label("Group by", exact=True).select_option("source")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="What people said about telephone contacts").wait_for()
    body = page.content()
    assert "[name] [name] rang but the line kept dropping" in body
    assert "Morwenna" not in body and "Trelawney" not in body
    assert page.get_by_role("table", name="Excerpts carrying each theme, by the mode").is_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these tables (CSV, without the excerpts)").click()
    assert download.value.suggested_filename == "themes.csv"
