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


def test_a_manager_reads_outcomes_modes_and_a_service_change_on_a_phone(page):
    """Given a seeded trust with scores and a recorded service change, when a team manager opens
    the dashboard at 390 px and chooses a measure, then the modes table, outcomes, DIALOG and
    the service change's chart with its tables and regression are shown, the page fits, and
    every state passes axe-core."""
    import datetime as dt

    import time_machine
    from django.core.management import call_command

    with time_machine.travel(dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        call_command(
            "seed",
            "--service-users",
            "300",
            "--months",
            "6",
            "--seed",
            "6",
            "--as-of",
            "2026-06-30",
            "--plant-service-change",
            "0.08",
        )
    cache.delete(DASHBOARD_CACHE_KEY)
    UserFactory(role=Role.TEAM_MANAGER, username="manny")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "manny")
    page.goto("/evaluation/")
    page.get_by_role("heading", name="Does each mode work as well as face to face?").wait_for()
    assert page.get_by_role("heading", name="Outcomes by mode").is_visible()
    assert page.get_by_role("table", name="Measures by mode, against face to face").is_visible()
    assert page.get_by_role("img", name="Did not attend, week by week: Telephone first").count()
    assert page.get_by_role(
        "table", name="Segmented regression, every contact of the service"
    ).is_visible()
    page.get_by_text("Did not attend week by week (table)").click()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("Measure", exact=True).select_option("attendance_rate")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Attendance, by ethnic group").wait_for()
    assert page.get_by_role("img", name="Attendance, week by week: Telephone first").count()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the regressions (CSV)").click()
    assert download.value.suggested_filename == "service-change-models.csv"
    cache.delete(DASHBOARD_CACHE_KEY)
