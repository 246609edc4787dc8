"""Themes by mode and group: which codes count as an excerpt's themes, the counts suppressed and
the excerpts behind them shown only behind counts of 5 or more, anonymised (TH6, TH7); the themes
page, its CSV and `caremode themes_export`."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow.parquet as pq
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.core import codes
from caremode.feedback.anonymise import anonymise
from caremode.feedback.codebook import merge_codes
from caremode.feedback.models import Code, Coding, Excerpt, Reconciliation
from caremode.feedback.tests.support import WEDNESDAY
from caremode.feedback.themes import (
    Filters,
    agreed_themes,
    count_themes,
    first_month,
    load_codebook,
    published,
    themed_excerpts,
)
from tests.factories import ServiceUserFactory, UserFactory, clinician_in, signed_in

pytestmark = pytest.mark.django_db
MONTH = WEDNESDAY.date().replace(day=1)


@pytest.fixture(autouse=True)
def _wednesday():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


@pytest.fixture
def coders():
    return UserFactory(), UserFactory(), UserFactory()


def said(text, *, mode="telephone", month=MONTH, source="service_user", **groups):
    return Excerpt.objects.create(text=text, source=source, mode=mode, month=month, **groups)


def coded(excerpt, by, *keys):
    for key in keys:
        Coding.objects.create(excerpt=excerpt, coder=by, code=Code.objects.get(key=key))


def agreed(text, key, coders, **fields):
    """An excerpt that two coders both coded `key`."""
    excerpt = said(text, **fields)
    coded(excerpt, coders[0], key)
    coded(excerpt, coders[1], key)
    return excerpt


def test_reconciled_codes_else_the_codes_every_coder_gave_else_nothing(coders) -> None:
    one, two, three = coders
    reconciled = said("It kept cutting out, and nobody asked my mum.")
    coded(reconciled, one, "C14")
    coded(reconciled, two, "C08")
    agreement = Reconciliation.objects.create(excerpt=reconciled, at=WEDNESDAY)
    agreement.codes.set([Code.objects.get(key="C08"), Code.objects.get(key="C14")])
    unanimous = said("The signal dropped.")
    for coder in coders:
        coded(unanimous, coder, "C14")
    coded(unanimous, one, "C02")  # only one of three gave it: not agreed
    differ = said("Nobody rang back.")
    coded(differ, one, "C09")
    coded(differ, two, "C14")
    alone = said("I would rather sit in a room.")
    coded(alone, three, "C01")
    found = agreed_themes(
        [reconciled.pk, unanimous.pk, differ.pk, alone.pk], codebook=Code.objects.all()
    )
    assert found == {reconciled.pk: {"C08", "C14"}, unanimous.pk: {"C14"}}
    themed, waiting = themed_excerpts(since=None)
    assert [t.pk for t in themed] == [unanimous.pk, reconciled.pk]
    assert waiting == 2  # the excerpts coded but not agreed


def test_a_merged_code_is_counted_as_the_code_it_became(coders) -> None:
    excerpt = agreed("The video froze.", "C14", coders)
    target = Code.objects.get(key="C13")
    merge_codes([Code.objects.get(key="C14")], into=target, by=coders[0])
    assert agreed_themes([excerpt.pk], codebook=Code.objects.all()) == {excerpt.pk: {"C13"}}
    assert "C14" not in load_codebook()


def _published(filters: Filters | None = None, names=()):
    filters = filters or Filters(period="all")
    themed, _waiting = themed_excerpts(since=None)
    return published(count_themes(themed, filters), filters, codebook=load_codebook(), names=names)


def test_counts_under_5_are_suppressed_and_their_excerpts_not_shown(coders) -> None:
    for i in range(4):
        agreed(f"The line dropped, call {i}.", "C14", coders, mode="telephone")
    for i in range(7):
        agreed(f"The picture froze, time {i}.", "C14", coders, mode="video")
    shown = _published()
    assert shown["modes"] == [("video", "Video"), ("telephone", "Telephone")]
    (row,) = shown["by_mode"]
    assert row["theme"].key == "C14"
    assert row["cells"] == ["5", "*"]  # 7 rounded to 5; 4 suppressed
    assert row["total"] == "10"  # 11 rounded
    by_mode = {m["mode"]: m["themes"] for m in shown["said"]}
    assert by_mode["telephone"] == []  # four people's words are not shown
    (video,) = by_mode["video"]
    assert video["count"] == "5" and len(video["texts"]) == 3
    assert all("froze" in text for text in video["texts"])


def test_a_small_group_is_suppressed_within_a_dimension_and_shows_no_excerpts(coders) -> None:
    for i in range(6):
        agreed(f"Long wait {i}.", "C09", coders, ethnic_category="A", age_band="25-34")
    for i in range(2):
        agreed(f"Long wait again {i}.", "C09", coders, ethnic_category="M", age_band="25-34")
    shown = _published(Filters(dimension="ethnicity", period="all"))
    (table,) = shown["by_group"]
    assert {r["group"]: r["cells"] for r in table["rows"]} == {
        "White": ["5"],
        "Black or Black British": ["*"],
    }
    black = _published(Filters(dimension="ethnicity", group="Black or Black British", period="all"))
    assert black["by_mode"][0]["cells"] == ["*"]
    assert black["said"][0]["themes"] == []
    white = _published(Filters(dimension="ethnicity", group="White", period="all"))
    assert len(white["said"][0]["themes"][0]["texts"]) == 3


def test_by_month_counts_within_the_chosen_mode(coders) -> None:
    january = dt.date(2027, 1, 1)
    for i in range(5):
        agreed(f"Saved the bus fare {i}.", "C02", coders, mode="video", month=january)
    for i in range(5):
        agreed(f"No travelling {i}.", "C02", coders, mode="telephone", month=MONTH)
    shown = _published(Filters(mode="video", period="all"))
    assert shown["months"] == [january]
    assert shown["by_month"][0]["cells"] == ["5"]
    assert [m["mode"] for m in shown["said"]] == ["video"]


def test_the_period_counts_this_month_as_one() -> None:
    today = dt.date(2027, 2, 10)
    assert first_month("3", today=today) == dt.date(2026, 12, 1)
    assert first_month("12", today=today) == dt.date(2026, 3, 1)
    assert first_month("all", today=today) is None


def test_unknown_filters_fall_back_to_the_defaults() -> None:
    filters = Filters.from_query(
        {"mode": "pigeon", "dimension": "shoe_size", "group": "x", "period": "7", "theme": "Z9"},
        theme_keys=["C01"],
    )
    assert filters == Filters()


def test_anonymise_takes_out_identifiers_and_the_names_given() -> None:
    text = (
        "Dr Okafor rang 07700 900123 about my NHS number 943 476 5919; "
        "write to jo.smith@example.org or SW1A 1AA, see www.example.org/x. "
        "Priya's nurse was kind and Mr. Ahmed Khan came, case 12345678."
    )
    result = anonymise(text, names=["Priya", "Ahmed"])
    for gone in (
        "Okafor",
        "07700",
        "943 476",
        "jo.smith",
        "SW1A",
        "example.org",
        "Priya",
        "Ahmed",
        "Khan",
        "12345678",
    ):
        assert gone not in result, gone
    assert "Dr [name] rang [phone]" in result
    assert "the nurse was kind" in anonymise("the nurse was kind")  # no name after a title
    assert anonymise("I will call James.", names=["James"]) == "I will call [name]."


def test_excerpts_on_the_page_lose_the_names_caremode_holds(coders, team) -> None:
    ServiceUserFactory(given_name="Tamsin", family_name="Okonjo", team=team)
    for i in range(5):
        agreed(f"Tamsin Okonjo found the call hard, {i}.", "C12", coders)
    analyst = UserFactory(role=Role.ANALYST)
    page = signed_in(Client(), analyst).get(reverse("feedback:themes"), {"period": "all"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "What people said about telephone contacts" in body
    assert "[name] [name] found the call hard" in body
    assert "Tamsin" not in body and "Okonjo" not in body


def test_the_page_and_csv_are_audited_and_for_managers_and_analysts(coders, team, clinician):
    for i in range(5):
        agreed(f"Could not hear well {i}.", "C12", coders, mode="video")
    assert signed_in(Client(), clinician).get(reverse("feedback:themes")).status_code == 404
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    client = signed_in(Client(), manager)
    page = client.get(reverse("feedback:themes"), {"mode": "video", "dimension": "source"})
    assert page.status_code == 200
    read = AuditEvent.objects.filter(object_type="feedback.themes", action="read").get()
    assert read.actor == manager and read.detail["mode"] == "video"
    assert read.detail["excerpts_shown"] == 3
    response = client.get(reverse("feedback:themes_csv"), {"mode": "video"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Table", "Theme", "Label", "Mode", "Dimension", "Group", "Month", "Excerpts"]
    assert ["by mode", "C12", Code.objects.get(key="C12").label, "Video", "", "", "", "5"] in rows
    assert [
        "by month",
        "C12",
        Code.objects.get(key="C12").label,
        "Video",
        "",
        "",
        "2027-02",
        "5",
    ] in rows
    assert "Could not hear" not in response.content.decode()
    assert AuditEvent.objects.filter(object_type="feedback.themes", action="export").count() == 1


def test_themes_export_writes_the_contract_with_small_cells_text_left_out(coders, tmp_path):
    for i in range(5):
        agreed(f"Mr Rahman said the video froze, {i}.", "C14", coders, mode="video")
    agreed("Only once on the phone.", "C14", coders, mode="telephone", source="carer")
    out = tmp_path / "themes.csv"
    call_command("themes_export", "--out", str(out), stdout=io.StringIO())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == list(codes.THEME_COLUMNS)
    assert len(rows) == 6 and len({r["ExcerptRef"] for r in rows}) == 6
    video = [r for r in rows if r["Mode"] == "video"]
    assert {r["Theme"] for r in rows} == {"C14"} and {r["Month"] for r in rows} == {"2027-02"}
    assert all(r["Text"].startswith("Mr [name] said the video froze") for r in video)
    (phone,) = [r for r in rows if r["Mode"] == "telephone"]
    assert phone["Text"] == "" and phone["Source"] == "carer"
    assert phone["Evidence"] == ";".join(Code.objects.get(key="C14").evidence)
    assert AuditEvent.objects.filter(object_type="feedback.themes export").count() == 1
    parquet = tmp_path / "themes.parquet"
    call_command("themes_export", "--out", str(parquet), stdout=io.StringIO())
    assert pq.read_table(parquet).num_rows == 6
    with pytest.raises(Exception, match="already exists"):
        call_command("themes_export", "--out", str(out), stdout=io.StringIO())
