"""Evaluation dashboard in a browser.

Given settled contacts in two ethnic groups, when an analyst opens the equity dashboard on a
390 px phone, filters it and downloads the table, then the page fits the screen, the chart has
an accessible name, the filters work without JavaScript, and every page passes axe-core.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from caremode.accounts.models import Role
from caremode.records.views import DASHBOARD_CACHE_KEY
from tests.factories import UserFactory, settled_contacts_in_two_ethnic_groups
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_filters_the_equity_dashboard_on_a_phone(page, clinician, team):
    cache.delete(DASHBOARD_CACHE_KEY)  # another test's figures, kept for ten minutes
    settled_contacts_in_two_ethnic_groups(team, clinician)
    UserFactory(role=Role.ANALYST, username="ana")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "ana")
    page.goto("/evaluation/")
    page.get_by_role("heading", name="Who remote care helps and who it leaves behind").wait_for()
    assert page.get_by_role("img", name="Did not attend, by ethnic group").is_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Measure", exact=True).select_option("attendance_rate")
    page.get_by_label("Mode", exact=True).select_option("video")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Attendance, by ethnic group, video contacts").wait_for()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table (CSV)").click()
    assert download.value.suggested_filename == "attendance_rate-ethnicity-video.csv"
