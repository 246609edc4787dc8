"""The workforce pages over HTTP: the notice goes once training is recorded; the pulse; results
by group only where large enough; no page or API gives a manager anyone's answers."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.workforce import pulse, services
from caremode.workforce.models import StaffProfile
from tests.factories import UserFactory, clinician_in, signed_in

MARKER = 3


@pytest.fixture(autouse=True)
def _no_cached_pages_left_behind():
    """Visiting every page fills the equity dashboard's cache; leave none for other tests."""
    yield
    cache.clear()  # every staff answer to "anxiety" except the victim's, whose answer is unique


@pytest.fixture
def manager(team):
    return clinician_in(team, role=Role.TEAM_MANAGER)


LAST_MONTH = timezone.localdate().replace(day=1) - dt.timedelta(days=1)


def _answer(user, rng, *, today=LAST_MONTH, **changes):
    services.save_staff_profile(
        actor=user,
        ethnic_category=changes.pop("ethnic", "A"),
        profession="Mental health nurse",
        band="6",
        mostly_remote=True,
    )
    answers = {
        **{k: rng.randint(5, 9) for k in pulse.ONS4},
        **{k: rng.randint(1, 5) for k in pulse.REMOTE_WORKING},
        **changes,
    }
    # Last month: a month's results are published only once it has ended.
    services.submit_pulse(actor=user, answers=answers, today=today)


def test_booking_shows_the_training_advice_until_training_is_recorded(
    client, clinician, service_user
):
    signed_in(client, clinician)
    page = client.get(f"/service-users/{service_user.pk}/book/").content.decode()
    assert "Training before your first remote contact" in page
    mine = client.get("/training/").content.decode()
    course = re.search(r'name="course" type="radio" value="(\d+)"', mine) or re.search(
        r'value="(\d+)"[^>]*name="course"', mine
    )
    assert course, mine
    response = client.post(
        "/training/",
        {
            "course": course.group(1),
            "completed_on_0": "3",
            "completed_on_1": "2",
            "completed_on_2": "2026",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/service-users/{service_user.pk}/book/").content.decode()
    assert "Training before your first remote contact" not in page


def test_a_manager_sees_groups_of_ten_or_more_and_never_anyone_s_answers(client, team, manager):
    rng = random.Random(5)
    victim = clinician_in(team)
    _answer(victim, rng, ethnic="N", anxiety=10, life_satisfaction=0)
    for _ in range(20):
        _answer(clinician_in(team), rng, ethnic="A", anxiety=MARKER)
    for _ in range(12):
        _answer(clinician_in(team), rng, ethnic="H", anxiety=MARKER)
    signed_in(client, manager)
    page = client.get("/wellbeing/results/").content.decode()
    assert "White (20)" in page
    # The one Black member of staff is hidden, and Asian staff (12) with them, so that total
    # minus White gives only the two groups together (13 people).
    assert "Black or Black British" not in page and "Asian or Asian British" not in page
    assert "2 groups with 13 people between them are not shown" in page
    # Nowhere a manager can go shows the victim's answers or their own-trend table.
    for path in _every_get_path(manager):
        body = client.get(path).content.decode()
        assert "Your answers over time" not in body or path == "/wellbeing/"
    assert "Your answers over time" not in client.get("/wellbeing/").content.decode()


def _every_get_path(user):
    paths = []
    for entry in get_resolver().url_patterns:
        stack = [("", entry)]
        while stack:
            prefix, item = stack.pop()
            if isinstance(item, URLResolver):
                stack.extend((prefix + str(item.pattern), p) for p in item.url_patterns)
            elif isinstance(item, URLPattern) and "<" not in str(item.pattern):
                path = "/" + prefix + str(item.pattern)
                if "(" not in path and "^" not in path:
                    paths.append(path)
    return sorted(set(paths) - {"/account/sign-out/"})


def test_a_person_sees_their_own_trend_only(client, team):
    rng = random.Random(2)
    me, someone = clinician_in(team), clinician_in(team)
    _answer(me, rng, happiness=1, today=None)
    _answer(someone, rng, happiness=9, today=None)
    signed_in(client, me)
    page = client.get("/wellbeing/").content.decode()
    assert "Your answers over time" in page
    assert "You have answered for" in page


def test_an_analyst_sees_results_but_a_clinician_does_not(client, clinician):
    analyst = UserFactory(role=Role.ANALYST)
    assert signed_in(client, clinician).get("/wellbeing/results/").status_code == 404
    assert signed_in(client, analyst).get("/wellbeing/results/").status_code == 200


def test_staff_answer_the_pulse_through_the_page(client, clinician):
    signed_in(client, clinician)
    client.post(
        "/wellbeing/about-you/",
        {"ethnic_category": "A", "profession": "Nurse", "band": "5", "mostly_remote": "no"},
    )
    assert StaffProfile.objects.filter(user=clinician).exists()
    data = {k: "6" for k in pulse.ONS4} | {k: "4" for k in pulse.REMOTE_WORKING}
    assert client.post("/wellbeing/", data).status_code == 302
    assert "You have answered for" in client.get("/wellbeing/").content.decode()


def test_this_months_figures_are_not_published_until_the_month_ends(client, team, manager):
    # Watching a month's figures change as each person answers would give away their answers.
    rng = random.Random(9)
    for _ in range(12):
        _answer(clinician_in(team), rng, ethnic="A", today=None)
    signed_in(client, manager)
    page = client.get("/wellbeing/results/").content.decode()
    assert "White (12)" not in page and "published once the month has ended" in page
    this_month = timezone.localdate().replace(day=1).isoformat()
    forced = client.get("/wellbeing/results/", {"period": this_month}).content.decode()
    assert "White (12)" not in forced
