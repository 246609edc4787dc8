"""Issue 15's journey on from feedback: a service user gives feedback on a phone (390 px, no
JavaScript) after a telephone contact; two coders, blind to each other, code its excerpt,
accepting or rejecting each suggested code; the agreement and the acceptance rate show, and
the coders reconcile where they differed. axe-core on every page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from caremode.accounts.models import Role
from caremode.feedback.codebook import codes_in_use
from caremode.feedback.coding import suggestions_for
from caremode.feedback.models import Excerpt, Reconciliation, SuggestionDecision
from tests.factories import UserFactory
from tests.system.conftest import assert_accessible
from tests.system.test_clinician_journey import sign_in
from tests.system.test_voices_journey import (
    WORDS,
    feedback_link_after_a_telephone_contact,
    give_feedback_on_a_phone,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_coder(username: str, name: str):
    user = UserFactory(username=username, display_name=name, role=Role.ANALYST)
    user.user_permissions.add(Permission.objects.get(codename="code_excerpts"))
    return user


def code_it(page, username: str, excerpt: Excerpt, *, accept: str | None, other: str = ""):
    """Sign in as the coder, open the excerpt from the queue, answer every suggestion
    (accepting only `accept`), choose `other` too, and save."""
    sign_in(page, username)
    page.goto("/coding/excerpts/")
    page.get_by_role("heading", name="Excerpts to code").wait_for()
    assert page.get_by_text(WORDS[:40]).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("link", name=f"Code excerpt {excerpt.pk}").click()
    page.get_by_role("heading", name="Code an excerpt").wait_for()
    assert page.get_by_role("heading", name="Suggested codes").is_visible()
    assert "You coded it before" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("button", name="Save my codes").click()  # each suggestion needs an answer
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert_accessible(page)
    for suggestion in suggestions_for(excerpt):
        answer = "accept" if suggestion.code == accept else "reject"
        page.locator(f"input[name=suggestion_{suggestion.code}][value={answer}]").check()
    if other:
        page.locator(f"input[name=other_codes][value={other}]").check()
    page.get_by_role("button", name="Save my codes").click()
    page.get_by_text("Your codes are saved.").wait_for()
    assert_accessible(page)


def test_feedback_on_a_phone_is_coded_by_two_coders_and_the_agreement_shows(
    browser, live_server, page, clinician, service_user
):
    token = feedback_link_after_a_telephone_contact(service_user, clinician)
    give_feedback_on_a_phone(browser, live_server, token)
    excerpt = Excerpt.objects.get(source="service_user")
    a_coder("ana", "Ana Coder")
    a_coder("ben", "Ben Coder")
    suggested = suggestions_for(excerpt)
    best = suggested[0]
    other = next(c.key for c in codes_in_use() if c.key not in {s.code for s in suggested})

    page.set_viewport_size({"width": 390, "height": 844})
    code_it(page, "ana", excerpt, accept=best.code)
    code_it(page, "ben", excerpt, accept=None, other=other)
    assert SuggestionDecision.objects.filter(accepted=True).count() == 1

    page.goto("/coding/agreement/")  # Ben, still signed in
    page.get_by_role("heading", name="Agreement between coders").wait_for()
    assert page.get_by_text("Cohen's kappa").first.is_visible()
    assert page.get_by_text("1 coded by two or more coders").is_visible()
    assert page.get_by_text("Ana Coder", exact=True).is_visible()  # the acceptance rate
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("link", name=f"Reconcile excerpt {excerpt.pk}").click()
    page.get_by_role("heading", name="Reconcile an excerpt").wait_for()
    assert page.get_by_text("Ana Coder").first.is_visible()  # each coder's codes, only now
    assert_accessible(page)
    page.locator(f"input[name=codes][value={best.code}]").check()
    page.get_by_label("Ana Coder").check()
    page.get_by_role("button", name="Keep the agreed code").click()
    page.get_by_text("The agreed code is kept, with who agreed it.").wait_for()
    assert_accessible(page)
    made = Reconciliation.objects.get(excerpt=excerpt)
    assert {u.username for u in made.agreed_by.all()} == {"ana", "ben"}

    page.goto("/coding/codebook/")
    page.get_by_role("heading", name="Codebook").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=f"{best.code} {best.label}").click()
    page.get_by_role("heading", name="History").wait_for()
    assert_accessible(page)
