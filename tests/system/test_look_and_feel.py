"""Looking like an NHS service: the NHS font stack, error pages, and every page on a phone.

Given the stylesheet built by `make assets`, when pages are opened in Chromium, then body text and
headings use the NHS.UK frontend's font stack (Frutiger where licensed, Arial otherwise) and are
never drawn in a serif face; the error pages (404, 403, 400, 500, a refused form) are NHS pages
with a way back, and pass axe-core.
"""

from __future__ import annotations

import pytest

from tests.system.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NHS_FONT_STACK = '"Frutiger W01", arial, sans-serif'
SERIF_FACES = ("Times", "Times New Roman", "DejaVu Serif", "Liberation Serif", "Tinos")


def computed_font(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).fontFamily")


def rendered_fonts(page, selector: str) -> list[str]:
    """The faces Chromium actually drew the element's text with (DevTools' "Rendered fonts")."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [font["familyName"] for font in fonts]


def test_body_text_and_headings_use_the_nhs_font_stack(page):
    page.goto("/accessibility/")
    page.get_by_role("heading", level=1).wait_for()
    for selector in ("body", "main h1", "main h2", "main p"):
        assert computed_font(page, selector) == NHS_FONT_STACK, selector
        drawn = rendered_fonts(page, selector)
        assert drawn and not any(face in SERIF_FACES for face in drawn), (selector, drawn)
    assert_accessible(page)  # the accessibility statement itself
    # Form controls inherit it too (the frontend sets `font-family: inherit` on them).
    page.goto("/account/sign-in/")
    assert computed_font(page, "input[name=username]") == NHS_FONT_STACK
    assert computed_font(page, "button[type=submit], .nhsuk-button") == NHS_FONT_STACK
    assert_accessible(page)


@pytest.mark.urls("caremode.core.tests.error_urls")
def test_error_pages_are_nhs_pages_with_a_way_back(page):
    for address, heading in [
        ("/no-such-page/", "Page not found"),
        ("/test-errors/forbidden/", "You cannot see this page"),
        ("/test-errors/bad-request/", "Sorry, we could not understand that request"),
        ("/test-errors/server-error/", "Sorry, there is a problem with the service"),
    ]:
        page.goto(address)
        page.get_by_role("heading", level=1, name=heading).wait_for()
        assert computed_font(page, "main h1") == NHS_FONT_STACK
        assert_accessible(page)
        page.get_by_role("link", name="Go to the start page").click()
        page.get_by_role("heading", name="Sign in").wait_for()


def test_a_form_refused_for_its_security_token_is_an_nhs_page(page):
    page.goto("/account/sign-in/")
    page.context.clear_cookies()  # the form's security cookie is gone, as after a long wait
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("not-checked")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", level=1, name="Your form could not be sent").wait_for()
    assert_accessible(page)
