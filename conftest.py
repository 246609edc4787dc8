"""Fixtures shared by every test: a team with a clinician and a service user on its caseload."""

from __future__ import annotations

import pytest

from tests.factories import ServiceUserFactory, TeamFactory, clinician_in


@pytest.fixture
def team(db):
    return TeamFactory(name="North community mental health team")


@pytest.fixture
def clinician(team):
    return clinician_in(team, username="asha", display_name="Dr Asha Rahman")


@pytest.fixture
def service_user(team):
    return ServiceUserFactory(team=team, given_name="Megan", family_name="Taylor")


@pytest.fixture
def other_team_clinician(db):
    return clinician_in(TeamFactory(name="South community mental health team"), username="sam")


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_the_tests_own_directory(settings, tmp_path):
    """The worker writes audit checkpoints (ADR 0008): in tests, never into the checkout's var/."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
