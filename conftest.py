"""Fixtures shared by every test: a team with a clinician and a service user on its caseload.

Also the session clock: `--clock=2026-12-25T11:00Z` (or CAREMODE_TEST_CLOCK) starts the whole run
at that moment, ticking, to prove the suite passes whatever the date (`make test-clocks`).
A time without an offset is UK local time. Tests that travel themselves still do: time_machine
nests, and their clock returns to the session's when they finish.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import ContactFactory, ServiceUserFactory, TeamFactory, clinician_in

_CLOCK_KEY = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=os.environ.get("CAREMODE_TEST_CLOCK") or None,
        help="Start the whole session's clock at this ISO 8601 moment (ticking; no offset "
        "means UK local time). Default: $CAREMODE_TEST_CLOCK, else the real time.",
    )


def session_clock(value: str) -> dt.datetime:
    """The aware moment `--clock` names; a clear error for anything that is not ISO 8601."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(
            f"--clock / CAREMODE_TEST_CLOCK must be an ISO 8601 date and time, "
            f"such as 2026-12-25T11:00Z; got {value!r}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/London"))
    return moment


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--clock")
    if value:
        traveller = time_machine.travel(session_clock(value), tick=True)
        traveller.start()
        config.stash[_CLOCK_KEY] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_CLOCK_KEY, None)
    if traveller is not None:
        traveller.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser journeys run last: their one Playwright (sync API) keeps an event loop on the main
    thread for the rest of the run, where `async_to_sync` in a WebSocket test would refuse."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption("--clock")
    return f"session clock: {session_clock(value).isoformat()} (ticking)" if value else None


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


@pytest.fixture(autouse=True)
def _factory_contacts_start_afresh_in_each_test():
    """Factory contacts fall one an hour from the next working day. Each test's database is
    rolled back, so the hours count from zero in each test: otherwise a test's contacts would
    drift weeks ahead by the order the session happened to run it in."""
    ContactFactory.reset_sequence()


@pytest.fixture
def fast_client_secrets(settings):
    """FHIR clients' secrets hashed with a fast hasher (MD5), for tests that register many
    clients to prove something else, such as the scope matrix: argon2, the production hasher,
    takes most of a second to hash a secret and as long again to check it at the token endpoint.
    People's passwords keep the production hashers, and the token-flow tests
    (caremode/interop/tests/test_fhir_api.py) do not use this, so they check argon2 secrets."""
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "CLIENT_SECRET_HASHER": "md5"}
