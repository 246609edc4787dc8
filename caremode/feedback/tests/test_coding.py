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
