import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from caremode.feedback.codebook import CodeDraft, add_code, merge_codes
from caremode.feedback.coding import (
    CodingError,
    agreement_for,
    code_excerpt,
    own_codes,
    reconcile,
    to_reconcile,
)
from caremode.feedback.excerpts import add_excerpt
from caremode.feedback.models import Code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def coder():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="code_excerpts"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached


def excerpt(text: str = "The line kept dropping."):
    return add_excerpt(text=text, source="staff", given_on=dt.date(2025, 3, 4), mode="telephone")


def test_only_coders_code_and_each_sees_only_their_own_codes() -> None:
    one, two = coder(), coder()
    item = excerpt()
    c14, c09 = Code.objects.get(key="C14"), Code.objects.get(key="C09")
    with pytest.raises(PermissionError):
        code_excerpt(item, [c14], coder=UserFactory())
    code_excerpt(item, [c14], coder=one)
    code_excerpt(item, [c09], coder=two)
    assert own_codes(item, one) == [c14]
    assert own_codes(item, two) == [c09]
    code_excerpt(item, [c14, c09], coder=one)  # recoding replaces
    assert set(own_codes(item, one)) == {c14, c09}
    with pytest.raises(CodingError):
        code_excerpt(item, [], coder=one)


def test_agreement_and_disagreements_then_reconciliation_keeps_who_agreed() -> None:
    one, two = coder(), coder()
    items = [excerpt(f"Excerpt {n}") for n in range(4)]
    c14, c09 = Code.objects.get(key="C14"), Code.objects.get(key="C09")
    # one: C14 C14 C09 C09; two: C14 C09 C09 C09
    for item, mine, theirs in zip(items, [c14, c14, c09, c09], [c14, c09, c09, c09], strict=True):
        code_excerpt(item, [mine], coder=one)
        code_excerpt(item, [theirs], coder=two)
    overall, per_code = agreement_for(items, reader=one)
    # C14 yes/no: one 1100, two 1000: observed 3/4, chance .5*.25+.5*.75 = .5 -> kappa .5
    assert per_code["C14"].value == pytest.approx(0.5)
    assert overall is not None and overall.statistic == "Cohen's kappa"
    listed = to_reconcile(items, reader=one)
    assert listed == {items[1].pk: {one.pk: frozenset({"C14"}), two.pk: frozenset({"C09"})}}
    with pytest.raises(CodingError):
        reconcile(items[1], [c09], agreed_by=[], by=one)
    made = reconcile(items[1], [c09], agreed_by=[two], by=one)
    assert set(made.agreed_by.all()) == {one, two}
    assert list(made.codes.all()) == [c09]
    assert to_reconcile(items, reader=one) == {}


def test_a_merged_code_counts_as_the_code_it_became() -> None:
    one, two = coder(), coder()
    item = excerpt()
    extra = add_code(CodeDraft("C99", "Calls drop", "d", "e", ["E16"]), by=one)
    code_excerpt(item, [extra], coder=one)
    code_excerpt(item, [Code.objects.get(key="C14")], coder=two)
    assert to_reconcile([item], reader=one)
    merge_codes([extra], into=Code.objects.get(key="C14"), by=one)
    assert to_reconcile([item], reader=one) == {}


# The coding pages' services: suggestions kept blind, each answered, the acceptance rate.


def test_suggestions_for_an_excerpt_never_come_from_its_own_codings() -> None:
    from caremode.feedback.coding import suggestions_for

    one = coder()
    text = "Zebra crossing quartz xylophone."  # like no codebook example
    item = excerpt(text)
    code_excerpt(item, [Code.objects.get(key="C14")], coder=one)
    # Its own coding (the same words, similarity 1) would come first: it is left out.
    assert all(s.score < 0.9 for s in suggestions_for(item))
    twin = excerpt(text)  # the same words in another excerpt do learn from the first
    best = suggestions_for(twin)[0]
    assert (best.code, best.score > 0.9) == ("C14", True)


def test_each_suggestion_is_recorded_accepted_or_rejected_and_the_rate_is_shown() -> None:
    from caremode.feedback.coding import acceptance_rates, code_with_suggestions
    from caremode.feedback.models import SuggestionDecision
    from caremode.feedback.suggestions import Suggestion

    one, two = coder(), coder()
    item = excerpt()
    c14, c01 = Code.objects.get(key="C14"), Code.objects.get(key="C01")
    offered = [Suggestion("C14", c14.label, ("E16",), 0.8), Suggestion("C09", "x", (), 0.4)]
    coded = code_with_suggestions(
        actor=one,
        excerpt=item,
        answers=[(offered[0], True), (offered[1], False)],
        other_codes=[c01],
    )
    assert {c.key for c in coded} == {"C14", "C01"}
    assert set(own_codes(item, one)) == {c14, c01}
    rows = SuggestionDecision.objects.filter(coder=one).order_by("rank")
    assert [(r.code.key, r.rank, r.accepted, r.score) for r in rows] == [
        ("C14", 1, True, 0.8),
        ("C09", 2, False, 0.4),
    ]
    code_with_suggestions(
        actor=two,
        excerpt=item,
        answers=[(offered[0], False), (offered[1], False)],
        other_codes=[c01],
    )
    overall, per_coder = acceptance_rates(reader=one)
    assert (overall.accepted, overall.decided, overall.percent) == (1, 4, 25)
    assert {(r.coder, r.accepted, r.decided) for r in per_coder} == {(one, 1, 2), (two, 0, 2)}
    # Answering again replaces the coder's earlier answers.
    code_with_suggestions(actor=one, excerpt=item, answers=[(offered[0], True)], other_codes=[])
    overall, _ = acceptance_rates(reader=one)
    assert (overall.accepted, overall.decided) == (1, 3)
    with pytest.raises(PermissionError):
        acceptance_rates(reader=UserFactory())


def test_a_code_rejected_as_a_suggestion_cannot_also_be_chosen() -> None:
    from caremode.feedback.coding import code_with_suggestions
    from caremode.feedback.models import SuggestionDecision
    from caremode.feedback.suggestions import Suggestion

    one = coder()
    item = excerpt()
    c14 = Code.objects.get(key="C14")
    offered = Suggestion("C14", c14.label, (), 0.5)
    with pytest.raises(CodingError) as error:
        code_with_suggestions(
            actor=one, excerpt=item, answers=[(offered, False)], other_codes=[c14]
        )
    assert error.value.field == "codes"
    with pytest.raises(CodingError):  # nothing accepted, nothing chosen
        code_with_suggestions(actor=one, excerpt=item, answers=[(offered, False)], other_codes=[])
    assert not SuggestionDecision.objects.exists() and own_codes(item, one) == []
