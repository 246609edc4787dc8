"""Browser journeys: Debian's chromium driven by Playwright, with axe-core on every page.

Skipped, with a message saying how to enable them, when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright for the whole run: its sync API owns the thread's event loop."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Browser journeys need Debian's chromium: run `make browser-deps` as root "
            "(apt-get install -y chromium), then `make test`."
        )
    if not AXE.exists():
        pytest.skip("axe-core is missing: run `npm ci` (or `make assets`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[object]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def media_browser(playwright) -> Iterator[object]:
    """Chromium with a fake camera and microphone that need no permission prompt."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_FLAGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def seeded_codebook(request) -> None:
    """The codebook the migrations seed (feedback 0004), there in every journey. A browser
    test's database is emptied after each test (a transactional test), which takes rows written
    by migrations with it; the ordinary tests roll back and keep them."""
    if "live_server" not in request.fixturenames and "asgi_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from caremode.feedback.models import Code

    if not Code.objects.exists():
        importlib.import_module("caremode.feedback.migrations.0004_seed_codebook").seed(apps, None)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violations on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    assert violations == [], f"{page.url}: {json.dumps(violations, indent=2)}"
