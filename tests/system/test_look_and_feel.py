"""Looking like an NHS service: the NHS font stack, error pages, and every page on a phone.

Given the stylesheet built by `make assets`, when pages are opened in Chromium, then body text and
headings use the NHS.UK frontend's font stack (Frutiger where licensed, Arial otherwise) and are
never drawn in a serif face.
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
    # Form controls inherit it too (the frontend sets `font-family: inherit` on them).
    page.goto("/account/sign-in/")
    assert computed_font(page, "input[name=username]") == NHS_FONT_STACK
    assert computed_font(page, "button[type=submit], .nhsuk-button") == NHS_FONT_STACK
    assert_accessible(page)
