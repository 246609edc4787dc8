import pytest

from caremode.core.evidence import FINDINGS
from caremode.feedback.codebook import (
    CodebookError,
    CodeDraft,
    add_code,
    codes_in_use,
    current,
    edit_code,
    history,
    merge_codes,
    retire_code,
    split_code,
)
from caremode.feedback.models import Code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def draft(key: str, *evidence: str) -> CodeDraft:
    return CodeDraft(
        key=key,
        label=f"Label {key}",
        definition=f"Definition of {key}.",
        example=f"An example for {key}.",
        evidence=list(evidence) or ["E16"],
    )


def test_the_migrated_codebook_is_seeded_from_the_findings_with_each_codes_history() -> None:
    seeded = list(codes_in_use())
    assert 15 <= len(seeded) <= 20
    ids = {f.id for f in FINDINGS}
    for code in seeded:
        assert code.label and code.definition and code.example
        assert code.evidence and set(code.evidence) <= ids
        assert [e.change for e in history(code)] == ["added"]
    assert ids == {e for code in seeded for e in code.evidence}, "every finding has a code"


def test_adding_a_code_checks_its_fields_and_evidence_and_keeps_who_added_it() -> None:
    coder = UserFactory()
    code = add_code(draft("X1", "E16", "E14"), by=coder)
    assert code.evidence == ["E14", "E16"]
    [event] = history(code)
    assert (event.change, event.by) == ("added", coder)
    with pytest.raises(CodebookError) as bad:
        add_code(draft("X2", "F3"), by=coder)
    assert bad.value.field == "evidence"
    with pytest.raises(CodebookError) as duplicate:
        add_code(draft("X1"), by=coder)
    assert duplicate.value.field == "key"
    with pytest.raises(CodebookError) as empty:
        add_code(CodeDraft("X3", " ", "d", "e", ["E1"]), by=coder)
    assert empty.value.field == "label"
    assert not Code.objects.filter(key__in=["X2", "X3"]).exists()


def test_an_edit_keeps_before_and_after_of_each_changed_field() -> None:
    coder = UserFactory()
    code = add_code(draft("X1"), by=coder)
    edit_code(code, by=coder, label="Calls dropped", evidence=["E16", "E11"])
    event = list(history(code))[-1]
    assert event.change == "edited"
    assert event.detail == {
        "label": {"before": "Label X1", "after": "Calls dropped"},
        "evidence": {"before": ["E16"], "after": ["E11", "E16"]},
    }
    edit_code(code, by=coder, label="Calls dropped")  # nothing changed: no event
    assert len(history(code)) == 2


def test_merging_retires_the_sources_points_them_at_the_target_and_pools_the_evidence() -> None:
    coder = UserFactory()
    a, b, into = (
        add_code(draft(k, e), by=coder) for k, e in [("A", "E14"), ("B", "E18"), ("C", "E16")]
    )
    merge_codes([a, b], into=into, by=coder)
    a.refresh_from_db()
    into.refresh_from_db()
    assert a.retired_at is not None and a.merged_into == into
    assert into.evidence == ["E14", "E16", "E18"]
    assert current(a) == into
    assert [e.change for e in history(a)] == ["added", "merged"]
    assert list(history(into))[-1].detail == {"merged_from": ["A", "B"]}
    assert not codes_in_use().filter(pk__in=[a.pk, b.pk]).exists()
    with pytest.raises(CodebookError):
        merge_codes([into], into=into, by=coder)
    with pytest.raises(CodebookError):
        merge_codes([a], into=into, by=coder)  # already retired


def test_splitting_makes_new_codes_that_remember_the_old_one_which_is_retired() -> None:
    coder = UserFactory()
    old = add_code(draft("OLD", "E14"), by=coder)
    parts = split_code(old, [draft("P1", "E14"), draft("P2", "E18")], by=coder)
    old.refresh_from_db()
    assert old.retired_at is not None
    assert {p.split_from for p in parts} == {old}
    assert list(history(old))[-1].detail == {"into": ["P1", "P2"]}
    with pytest.raises(CodebookError):
        split_code(parts[0], [draft("P3")], by=coder)
    # a part that fails leaves nothing half-written
    with pytest.raises(CodebookError):
        split_code(parts[0], [draft("P4"), draft("P1")], by=coder)
    assert not Code.objects.filter(key="P4").exists()
    assert Code.objects.get(key="P1").retired_at is None


def test_retiring_needs_a_reason_and_keeps_it() -> None:
    coder = UserFactory()
    code = add_code(draft("X1"), by=coder)
    with pytest.raises(CodebookError):
        retire_code(code, by=coder, reason=" ")
    retire_code(code, by=coder, reason="Never used")
    assert list(history(code))[-1].detail == {"reason": "Never used"}
    assert current(code) == code
