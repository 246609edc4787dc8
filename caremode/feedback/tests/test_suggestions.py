import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from caremode.feedback.coding import code_excerpt
from caremode.feedback.excerpts import add_excerpt
from caremode.feedback.models import Code
from caremode.feedback.suggestions import CodeInfo, Suggester, word_only_vectoriser
from caremode.feedback.tests.test_coding import coder

CODES = {
    "NET": CodeInfo("Poor connection", ("E16",)),
    "CARER": CodeInfo("Carer left out", ("E10",)),
    "F2F": CodeInfo("Prefers face to face", ("E2",)),
}
TEXTS = [
    "the wifi signal dropped and the video froze",
    "my mother was not asked what she had noticed",
    "I would rather see someone face to face",
    "the call dropped twice, then the video froze; my husband was not asked either",
]
LABELS = [["NET"], ["CARER"], ["F2F"], ["NET", "CARER"]]


def test_suggestions_rank_the_codes_of_the_most_similar_coded_texts() -> None:
    [found] = Suggester(TEXTS, LABELS, CODES).suggest(["the video froze and the wifi dropped"])
    assert [s.code for s in found][:2] == ["NET", "CARER"]
    assert found[0].evidence == ("E16",)
    assert 0 < found[1].score < found[0].score <= 1


def test_character_grams_find_a_misspelt_word_that_word_grams_miss() -> None:
    query = ["wiifi frozee"]
    [both] = Suggester(TEXTS, LABELS, CODES).suggest(query)
    [words] = Suggester(TEXTS, LABELS, CODES, vectoriser=word_only_vectoriser()).suggest(query)
    assert both and both[0].code == "NET"
    assert words == []


def test_at_most_five_and_none_for_unrelated_text() -> None:
    many = {f"K{n}": CodeInfo(f"L{n}", ("E1",)) for n in range(8)}
    texts = [f"telephone call number {n}" for n in range(8)]
    [found] = Suggester(texts, [[k] for k in many], many).suggest(["a telephone call"])
    assert len(found) == 5
    assert Suggester(TEXTS, LABELS, CODES).suggest(["zzzz qqqq"]) == [[]]


@pytest.mark.django_db
def test_the_command_works_on_a_freshly_migrated_database(monkeypatch) -> None:
    monkeypatch.setattr(
        "sys.stdin",
        io.StringIO(
            '{"text": "The signal kept dropping"}\n\n{"text": "Nobody asked me, his carer"}\n'
        ),
    )
    out = io.StringIO()
    call_command("suggest_codes", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]["suggestions"]
    assert first[0] == {
        "code": "C14",
        "label": "Poor connection",
        "evidence": ["E16"],
        "score": first[0]["score"],
    }
    assert 0 < first[0]["score"] <= 1
    assert set(first[0]) == {"code", "label", "evidence", "score"}
    assert 1 <= len(first) <= 5
    assert [s["score"] for s in first] == sorted((s["score"] for s in first), reverse=True)
    assert lines[1]["suggestions"][0]["code"] == "C08"


@pytest.mark.django_db
def test_coded_excerpts_join_the_comparison(tmp_path) -> None:
    one = coder()
    item = add_excerpt(
        text="The interpreter could not join the call", source="staff", given_on=dt.date(2025, 1, 1)
    )
    code_excerpt(item, [Code.objects.get(key="C12")], coder=one)
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "the interpreter could not join"}\n')
    out = io.StringIO()
    call_command("suggest_codes", str(path), stdout=out)
    assert json.loads(out.getvalue())["suggestions"][0]["code"] == "C12"


@pytest.mark.django_db
def test_a_line_that_is_not_json_is_named_and_nothing_is_printed(tmp_path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "fine"}\n{"text": oops}\n')
    out = io.StringIO()
    with pytest.raises(CommandError, match="line 2: not valid JSON"):
        call_command("suggest_codes", str(path), stdout=out)
    assert out.getvalue() == ""
    path.write_text('["not an object"]\n')
    with pytest.raises(CommandError, match="line 1: expected"):
        call_command("suggest_codes", str(path), stdout=out)
