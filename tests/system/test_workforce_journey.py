"""A manager sets up a training; a clinician records it and the notice before a first remote
contact goes; staff answer the pulse; the manager sees results by group only where the group is
large enough. axe-core on every page."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.workforce import pulse, services
from tests.factories import clinician_in
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTICE = "Training before your first remote contact"


def _colleagues(team, ethnic: str, count: int, rng: random.Random) -> None:
    for _ in range(count):
        user = clinician_in(team)
        services.save_staff_profile(
            actor=user,
            ethnic_category=ethnic,
            profession="Mental health nurse",
            band="6",
            mostly_remote=False,
        )
        _answered_last_month(user, rng)


def _answered_last_month(user, rng: random.Random) -> None:
    """Results are published for months that have ended: the colleagues answered last month."""
    services.submit_pulse(
        actor=user,
        answers={k: rng.randint(0, 10) for k in pulse.ONS4}
        | {k: rng.randint(1, 5) for k in pulse.REMOTE_WORKING},
        today=timezone.localdate().replace(day=1) - dt.timedelta(days=1),
    )


def test_training_notice_pulse_and_results_by_group(page, team, clinician, service_user):
    clinician_in(team, role=Role.TEAM_MANAGER, username="jo", display_name="Jo Whitfield")
    # A second manager reads the results: signing Jo in twice within one 30-second step would
    # reuse a security code, which the second factor rightly refuses.
    clinician_in(team, role=Role.TEAM_MANAGER, username="kim", display_name="Kim Osei")
    rng = random.Random(4)
    _colleagues(team, "A", 14, rng)
    _colleagues(team, "H", 11, rng)

    sign_in(page, "jo")
    # The header puts links that do not fit under "More"; go straight to the page.
    page.goto("/training/catalogue/")
    page.get_by_role("heading", name="Training catalogue").wait_for()
    assert_accessible(page)
    page.get_by_label("Name of the training").fill("Telephone consultations")
    page.get_by_label("Telephone consultations").check()
    page.get_by_label("Telephone", exact=True).check()
    page.get_by_label("Months before a refresher is due").fill("12")
    page.get_by_label("Clinician", exact=True).check()
    page.get_by_role("button", name="Add training").click()
    page.get_by_text("Training added to the catalogue.").wait_for()
    assert_accessible(page)

    sign_in(page, "asha")
    page.get_by_role("link", name="Taylor, Megan").click()
    page.get_by_role("button", name="Book a contact").click()
    page.get_by_text(NOTICE).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Record your training").click()
    page.get_by_role("heading", name="Your training").wait_for()
    assert_accessible(page)
    # Every course the role needs (the migrated video course too, when the database has it).
    courses = page.locator('input[name="course"]').count()
    assert courses >= 1
    for index in range(courses):
        page.locator('input[name="course"]').nth(index).check()
        page.get_by_label("Day").fill("3")
        page.get_by_label("Month").fill("2")
        page.get_by_label("Year").fill("2026")
        page.get_by_role("button", name="Record training").click()
        page.get_by_text("Training recorded.").wait_for()
    page.goto(f"/service-users/{service_user.pk}/book/")
    page.get_by_role("heading", name="Book a contact").wait_for()
    assert page.get_by_text(NOTICE).count() == 0

    page.goto("/wellbeing/")
    page.get_by_role("link", name="Tell us about your role first").click()
    assert_accessible(page)
    page.get_by_label("Your ethnic group").select_option("N")
    page.get_by_label("Your profession").fill("Psychiatrist")
    page.get_by_label("Band 6").check()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Wellbeing pulse").wait_for()
    assert_accessible(page)
    for key in pulse.ONS4:
        page.locator(f'input[name="{key}"][value="7"]').check()
    for key in pulse.REMOTE_WORKING:
        page.locator(f'input[name="{key}"][value="4"]').check()
    page.get_by_role("button", name="Send answers").click()
    page.get_by_text("Thank you. Your answers are only ever counted in groups").wait_for()
    assert page.get_by_role("heading", name="Your answers over time").is_visible()
    assert_accessible(page)

    # She answered last month too; last month's results are the ones published.
    _answered_last_month(clinician, rng)

    sign_in(page, "kim")
    page.goto("/wellbeing/results/")
    page.get_by_role("heading", name="Staff wellbeing by group").wait_for()
    assert_accessible(page)
    assert page.get_by_text("White (14)").first.is_visible()
    body = page.content()
    # Asha is the only Black member of staff: hidden, with Asian staff (11) as its complement.
    assert "Black or Black British" not in body and "Asian or Asian British" not in body
    assert "2 groups with 12 people between them are not shown" in body
    assert "Your answers over time" not in body
