"""`caremode extract --outcomes`: one row per scored assessment, pseudonymised like the contacts,
restricted records left out, incomplete questionnaires never written, both files or neither."""

import csv
import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.audit.models import AuditEvent
from caremode.monitoring.services import record_assessment
from caremode.records.selectors import OUTCOME_COLUMNS, pseudonym
from tests.factories import ContactFactory, ServiceUserFactory

pytestmark = pytest.mark.django_db

# 23:30 UTC on 30 June is 00:30 on 1 July in the UK: the date written is the UK one.
MOMENT = dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC)


def phq9(*values: int | None) -> dict[str, int | None]:
    return {f"phq9_{n}": v for n, v in enumerate(values, start=1)}


def dialog(life: int, treatment: int) -> dict[str, int | None]:
    keys_life = [
        "dialog_mental_health",
        "dialog_physical_health",
        "dialog_job",
        "dialog_accommodation",
        "dialog_leisure",
        "dialog_partner_family",
        "dialog_friendships",
    ]
    answers: dict[str, int | None] = dict.fromkeys(keys_life, life)
    answers["dialog_safety"] = life + 1  # mean of the 8: life + 1/8
    answers |= dict.fromkeys(["dialog_medication", "dialog_practical_help"], treatment)
    answers["dialog_meetings"] = treatment
    return answers


def _rows(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_scores_are_written_with_the_contacts_pseudonyms(tmp_path, clinician, team, settings):
    person = ServiceUserFactory(team=team)
    hidden = ServiceUserFactory(team=team, processing_restricted=True)
    with time_machine.travel(MOMENT - dt.timedelta(days=20), tick=False):
        contact = ContactFactory(
            service_user=person,
            clinician=clinician,
            start=MOMENT - dt.timedelta(days=21),
            attend_status="5",
            planned_mode="video",
            mode_used="telephone",
        )
        record_assessment(
            actor=clinician,
            service_user=person,
            measure="GAD7",
            answers={f"gad7_{n}": 2 for n in range(1, 8)},
            contact=contact,
        )
        record_assessment(
            actor=clinician,
            service_user=person,
            measure="DIALOG",
            answers=dialog(4, 5),
            contact=contact,
        )
    with time_machine.travel(MOMENT, tick=False):
        record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(2, 2, 2, 2, 1, 1, 1, 1, 0)
        )
        # Incomplete: item 9 unanswered. Stored, never written as a score.
        record_assessment(
            actor=None, service_user=person, measure="PHQ9", answers=phq9(*[1] * 8, None)
        )
        record_assessment(
            actor=None, service_user=hidden, measure="PHQ9", answers=phq9(*[3] * 8, 0)
        )
    contacts, scores = tmp_path / "contacts.csv", tmp_path / "scores.csv"
    call_command("extract", "--out", str(contacts), "--outcomes", str(scores))

    rows = _rows(scores)
    assert (
        list(rows[0])
        == OUTCOME_COLUMNS
        == [
            "Person_ID",
            "AssessmentDate",
            "Measure",
            "Score",
            "UniqCareContID",
            "Source",
        ]
    )
    expected_id = pseudonym(person.nhs_number, settings.EXTRACT_PSEUDONYM_KEY)
    assert [(r["Measure"], r["Score"], r["UniqCareContID"], r["Source"]) for r in rows] == [
        ("GAD7", "14", str(contact.pk), "contact"),
        ("DIALOG", "4.13", str(contact.pk), "contact"),  # 33/8 = 4.125, to two decimals
        ("PHQ9", "12", "", "checkin"),
    ]
    assert {r["Person_ID"] for r in rows} == {expected_id}
    assert {r["Person_ID"] for r in _rows(contacts)} == {expected_id}  # the same pseudonym
    assert rows[2]["AssessmentDate"] == "2027-07-01"
    text = scores.read_text()
    for secret in (person.nhs_number, person.family_name, hidden.nhs_number):
        assert secret not in text
    event = AuditEvent.objects.get(action="export", object_type="pseudonymised extract")
    assert event.detail["outcome_rows"] == 3 and event.detail["outcomes"] == "scores.csv"
    assert not list(tmp_path.glob("*.partial"))


def test_since_leaves_out_earlier_scores(tmp_path, team):
    person = ServiceUserFactory(team=team)
    for days in (30, 2):
        with time_machine.travel(MOMENT - dt.timedelta(days=days), tick=False):
            record_assessment(
                actor=None, service_user=person, measure="PHQ9", answers=phq9(*[1] * 9)
            )
    scores = tmp_path / "scores.csv"
    since = (MOMENT - dt.timedelta(days=10)).date().isoformat()
    call_command(
        "extract", "--out", str(tmp_path / "c.csv"), "--outcomes", str(scores), "--since", since
    )
    # 28 June at 23:30 UTC is 29 June in the UK.
    assert [r["AssessmentDate"] for r in _rows(scores)] == ["2027-06-29"]


def test_an_existing_outcomes_file_is_refused_before_anything_is_written(tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("extract", "--out", str(tmp_path / "c.csv"), "--outcomes", str(scores))
    assert scores.read_text() == "keep me"
    assert not (tmp_path / "c.csv").exists()
    with pytest.raises(CommandError, match="different file"):
        call_command(
            "extract", "--out", str(tmp_path / "c.csv"), "--outcomes", str(tmp_path / "c.csv")
        )


def test_a_failure_writing_the_scores_leaves_neither_file(tmp_path, team):
    person = ServiceUserFactory(team=team)
    record_assessment(actor=None, service_user=person, measure="PHQ9", answers=phq9(*[1] * 9))
    contacts, scores = tmp_path / "contacts.csv", tmp_path / "scores.csv"

    def broken(**_kwargs):
        yield ["x"] * 6
        raise OSError("disk full")

    with (
        mock.patch(
            "caremode.records.management.commands.extract.iter_pseudonymised_scores", broken
        ),
        pytest.raises(OSError, match="disk full"),
    ):
        call_command("extract", "--out", str(contacts), "--outcomes", str(scores))
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action="export").exists()
