"""The equity dashboard over CareMode's own data shows what `caremode evaluate` reports: given a
seeded trust with a planted rise in missed contacts after its recorded service change and a
planted difference in outcome by mode, the dashboard's figures are those of the extract
evaluated by the command, and the page shows the modes against face to face, outcomes by mode,
DIALOG, the adjusted comparisons and the service change with its segmented regression."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.evaluation.own_data import evaluate_rows
from caremode.records.selectors import (
    EXTRACT_COLUMNS,
    OUTCOME_COLUMNS,
    iter_pseudonymised_contacts,
    iter_pseudonymised_scores,
    iter_service_changes,
)
from caremode.records.views import DASHBOARD_CACHE_KEY
from tests.factories import UserFactory, signed_in

AS_OF = "2026-06-30"
# After the seeded contacts (up to two weeks beyond AS_OF), whatever the session's clock.
AFTER = dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def seeded_trust(db):
    with time_machine.travel(AFTER, tick=False):
        call_command(
            "seed",
            "--service-users",
            "500",
            "--months",
            "6",
            "--seed",
            "6",
            "--as-of",
            AS_OF,
            "--plant-service-change",
            "0.08",
            "--plant-outcome-difference",
            "telephone:0.3",
        )
        cache.delete(DASHBOARD_CACHE_KEY)  # another test's figures, kept for ten minutes
        yield
        cache.delete(DASHBOARD_CACHE_KEY)


def test_the_dashboard_computes_what_caremode_evaluate_reports(tmp_path, seeded_trust):
    contacts, scores = tmp_path / "contacts.csv", tmp_path / "scores.csv"
    changes = tmp_path / "service_changes.csv"
    call_command(
        "extract", "--out", str(contacts), "--outcomes", str(scores), "--changes", str(changes)
    )
    out = tmp_path / "out"
    call_command(
        "evaluate",
        str(contacts),
        "--outcomes",
        str(scores),
        "--changes",
        str(changes),
        "--out",
        str(out),
        "--only",
        "results",
    )
    reported = json.loads((out / "results.json").read_text())
    key = settings.EXTRACT_PSEUDONYM_KEY
    shown = evaluate_rows(
        EXTRACT_COLUMNS,
        iter_pseudonymised_contacts(key=key),
        score_columns=OUTCOME_COLUMNS,
        scores=iter_pseudonymised_scores(key=key),
        changes=iter_service_changes(),
    )
    assert shown["contacts"] == reported["contacts"]
    assert shown["measures"] == reported["measures"]
    assert shown["dialog"] == reported["dialog"]
    assert shown["adjusted"] == reported["adjusted"]
    assert shown["service_changes"] == reported["service_changes"]
    assert {m["measure"] for m in shown["measures"] if m["dimension"] == "mode"} >= {
        "dna_rate",
        "recovery_rate",
        "reliable_improvement_rate",
        "reliable_deterioration_rate",
        "reliable_recovery_rate",
    }


def _dna_level(result: dict) -> dict:
    (change,) = result["service_changes"]
    (dna,) = [
        m for m in change["segmented"] if m["dimension"] == "overall" and m["measure"] == "dna_rate"
    ]
    return dna


def test_the_dashboard_shows_modes_outcomes_and_the_service_change(client, seeded_trust):
    from caremode.records.views import _evaluation

    analyst = UserFactory(role=Role.ANALYST)
    signed_in(client, analyst)
    body = client.get("/evaluation/").content.decode()
    assert "Does each mode work as well as face to face?" in body
    assert "Ratio to face to face (95% interval)" in body
    assert "Reliably improved" in body and "Recovered (of those at caseness" in body
    assert "associations, not effects" in body
    assert "Mean change in DIALOG life mean by mode" in body
    assert "Telephone first for follow-up contacts (Community mental health service" in body
    dna = _dna_level(_evaluation())
    low, high = dna["level_ci95"]
    assert 0 < low < 0.08 < high  # the planted rise, found and covered
    assert (
        "{:+.1f} points ({:+.1f} to {:+.1f})".format(
            100 * dna["level_change"], 100 * low, 100 * high
        )
        in body
    )
    assert 'aria-label="Did not attend, week by week: Telephone first' in body  # the chart
    assert "Did not attend, week by week: Telephone first for follow-up contacts</caption>" in body
    assert "reference mode" in body

    recovery = client.get(
        "/evaluation/", {"measure": "recovery_rate", "dimension": "mode", "mode": "all"}
    ).content.decode()
    assert "Recovery (of those at caseness at the start), by mode</h3>" in recovery
    assert "Reference group: face_to_face" in recovery

    by_group = client.get(
        "/evaluation/", {"measure": "attendance_rate", "dimension": "ethnicity"}
    ).content.decode()
    assert "Attendance, week by week: Telephone first" in by_group
    assert "Attendance by ethnic group: segmented regression</caption>" in by_group

    weeks = client.get("/evaluation/service-changes.csv")
    assert weeks["Content-Disposition"] == 'attachment; filename="service-change-weeks.csv"'
    rows = list(csv.DictReader(weeks.content.decode().splitlines()))
    assert {r["measure"] for r in rows} >= {"dna_rate", "attendance_rate"}
    assert {r["service_change"] for r in rows} == {
        str(_evaluation()["service_changes"][0]["change"]["id"])
    }
    models = client.get("/evaluation/service-changes.csv", {"table": "models"})
    (overall_dna,) = [
        r
        for r in csv.DictReader(models.content.decode().splitlines())
        if r["dimension"] == "overall" and r["measure"] == "dna_rate"
    ]
    assert json.loads(overall_dna["level_ci95"]) == [low, high]
    assert (
        AuditEvent.objects.filter(
            action="export", object_type="evaluation service changes", actor_id=analyst.pk
        ).count()
        == 2
    )


def test_the_dashboard_says_when_there_are_no_scores_or_changes(client, clinician, team):
    from tests.factories import settled_contacts_in_two_ethnic_groups

    cache.delete(DASHBOARD_CACHE_KEY)
    settled_contacts_in_two_ethnic_groups(team, clinician)
    signed_in(client, UserFactory(role=Role.TEAM_MANAGER))
    body = client.get("/evaluation/").content.decode()
    cache.delete(DASHBOARD_CACHE_KEY)
    assert "No PHQ-9, GAD-7 or DIALOG scores are recorded yet" in body
    assert "No service change is recorded" in body
    assert "Does each mode work as well as face to face?" in body
