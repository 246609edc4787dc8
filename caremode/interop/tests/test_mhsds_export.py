"""`caremode mhsds_export`: the MHSDS v6 tables, their columns, codes and formats, the month's
bounds in UK time, pseudonyms, who may take identifiable tables, the audit, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.core import mhsds
from caremode.core.pseudonyms import pseudonym
from caremode.interop import mhsds_export
from caremode.interop.mhsds import MhsdsPeriodError, parse_period
from caremode.monitoring.services import record_assessment
from tests.factories import ContactFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC

# The MHSDS v6 submitted data items of each table, as NHS England's v6 data model lists them
# (docs/data-standards.md names the source). Transcribed here apart from `core.mhsds`, so that a
# column renamed, dropped or invented there fails this test.
SPECIFICATION = {
    "MHS001MPI": {
        "LocalPatientID", "OrgIDLocalPatientID", "OrgIDEduEstab", "NHSNumber", "NHSNumberStatus",
        "PersonBirthDate", "Postcode", "Gender", "GenderIDCode", "GenderSameAtBirth",
        "MaritalStatus", "PersDeathDate", "LanguageCodePreferred", "EthnicCategory",
        "EthnicCategory2021",
    },
    "MHS201CareContact": {
        "ActLocTypeCode", "AdminCatCode", "CareContCancelDate", "CareContCancelReas",
        "CareContDate", "CareContPatientTherMode", "CareContSubj", "CareContTime",
        "CareContactID", "ClinContDurOfCareCont", "ComPeriMHPartAssessOfferInd",
        "ConsMechanismMH", "ConsType", "EarliestClinAppDate", "EarliestReasonOfferDate",
        "OrgIDComm", "PlaceOfSafetyInd", "PlannedCareContIndicator", "ReasonableAdjustmentMade",
        "ServiceRequestID", "SiteIDOfTreat", "SpecialisedMHServiceCode", "LanguageCodeTreat",
        "ReasonPatientNoIMCA", "InterpreterPresentInd", "OtherCareProfTeamLocalID",
        "AttendStatus", "ReasonPatientNoIMHA",
    },
    "MHS202CareActivity": {
        "CareActID", "CareContactID", "ClinContactDurOfCareAct", "FindSchemeInUse", "ObsValue",
        "Procedure", "Finding", "UnitofMeasurement_UCUM", "Observation",
    },
    "MHS606CodedScoreAssessmentRefer": {
        "AssToolCompTimestamp", "CareProfLocalID", "CodedAssToolType", "PersScore",
        "ServiceRequestID",
    },
    "MHS607CodedScoreAssessmentAct": {"CareActID", "CodedAssToolType", "PersScore"},
}  # fmt: skip
# Names of MHSDS v5 and before that v6 replaced: never written.
RETIRED = {"AttendOrDNACode", "ConsMediumUsed", "CareContactId", "ServiceRequestId"}

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{2}:\d{2}:\d{2}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / mhsds.file_name(table)).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def header(folder: Path, table: str) -> list[str]:
    with (folder / mhsds.file_name(table)).open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def export(out: Path, *args: str) -> None:
    call_command("mhsds_export", "--period", "2026-11", "--out", str(out), *args)


def phq9(value: int) -> dict[str, int]:
    return {f"phq9_{n}": value for n in range(1, 10)}


@pytest.fixture
def month(clinician, team):
    """A November 2026 with a video contact that became a telephone call (attended, an
    interpreter present, PHQ-9 and DIALOG scored in it), a missed face-to-face contact, a
    check-in GAD-7, and a restricted person's contact."""
    person = ServiceUserFactory(team=team, interpreter_needed=True, main_language="pl")
    attended = ContactFactory(
        service_user=person,
        clinician=clinician,
        start=dt.datetime(2026, 11, 10, 14, 30, tzinfo=UTC),
        duration_minutes=45,
        planned_mode="video",
        planned_cons_mechanism="11",
        mode_used="telephone",
        cons_mechanism_used="02",
        attend_status="5",
        interpreter_needed=True,
        interpreter_present=True,
        consultation_type="initial_assessment",
    )
    missed = ContactFactory(
        service_user=person,
        clinician=clinician,
        start=dt.datetime(2026, 11, 17, 10, 0, tzinfo=UTC),
        planned_mode="face_to_face",
        planned_cons_mechanism="01",
        attend_status="3",
    )
    record_assessment(
        actor=clinician,
        service_user=person,
        measure="PHQ9",
        answers=phq9(2),
        contact=attended,
        taken_at=attended.start + dt.timedelta(minutes=20),
    )
    dialog = {key: 4 for key in mhsds.DIALOG_ITEMS} | {"dialog_friendships": 6}
    record_assessment(
        actor=clinician,
        service_user=person,
        measure="DIALOG",
        answers=dialog,
        contact=attended,
        taken_at=attended.start + dt.timedelta(minutes=30),
    )
    record_assessment(
        actor=None,
        service_user=person,
        measure="GAD7",
        answers={f"gad7_{n}": 1 for n in range(1, 8)},
        taken_at=dt.datetime(2026, 11, 20, 19, 5, 30, tzinfo=UTC),
    )
    hidden = ServiceUserFactory(team=team, processing_restricted=True)
    ContactFactory(
        service_user=hidden,
        clinician=clinician,
        start=dt.datetime(2026, 11, 11, 9, 0, tzinfo=UTC),
        attend_status="2",
    )
    return {"person": person, "attended": attended, "missed": missed, "hidden": hidden}


def test_every_table_has_the_specifications_columns_then_the_derived_ones(month, tmp_path):
    export(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        mhsds.file_name(t) for t in mhsds.TABLES
    )
    for table, submitted in SPECIFICATION.items():
        assert set(mhsds.SUBMITTED[table]) == submitted, table
        written = header(tmp_path / "out", table)
        assert written == [*mhsds.SUBMITTED[table], *mhsds.DERIVED[table]]
        assert not RETIRED & set(written)
        assert len(written) == len(set(written))


def test_care_contact_codes_and_formats(month, tmp_path):
    export(tmp_path / "out")
    rows = {r["CareContactID"]: r for r in read(tmp_path / "out", "MHS201CareContact")}
    attended = rows[str(month["attended"].pk)]
    missed = rows[str(month["missed"].pk)]
    # 14:30 UTC on 10 November is 14:30 GMT.
    assert (attended["CareContDate"], attended["CareContTime"]) == ("2026-11-10", "14:30:00")
    assert attended["ConsMechanismMH"] == "02"  # the mode used, not the video planned
    assert attended["AttendStatus"] == "5"
    assert attended["ConsType"] == "01"
    assert attended["ClinContDurOfCareCont"] == "45"
    assert attended["InterpreterPresentInd"] == mhsds.INTERPRETER_PROFESSIONAL
    assert attended["PlannedCareContIndicator"] == "Y"
    assert missed["ConsMechanismMH"] == "01"  # did not take place: the planned mode
    assert missed["AttendStatus"] == "3"
    assert missed["ClinContDurOfCareCont"] == ""  # no clinical time was spent
    assert missed["InterpreterPresentInd"] == ""
    assert missed["ConsType"] == "02"
    for row in rows.values():
        assert DATE.match(row["CareContDate"]) and TIME.match(row["CareContTime"])
        assert row["AgeCareContDate"].isdigit()
        assert row["UniqCareContID"] == row["CareContactID"]


def test_interpreter_codes_tell_not_required_from_did_not_attend(clinician, team, tmp_path):
    needed = ServiceUserFactory(team=team, interpreter_needed=True)
    not_needed = ServiceUserFactory(team=team)
    for person, needs, start in (
        (needed, True, dt.datetime(2026, 11, 3, 10, tzinfo=UTC)),
        (not_needed, False, dt.datetime(2026, 11, 3, 12, tzinfo=UTC)),
    ):
        ContactFactory(
            service_user=person,
            clinician=clinician,
            start=start,
            attend_status="6",
            mode_used="video",
            cons_mechanism_used="11",
            interpreter_needed=needs,
            interpreter_present=False,
        )
    export(tmp_path / "out")
    by_person = {r["Person_ID"]: r for r in read(tmp_path / "out", "MHS201CareContact")}
    key = pseudonym(needed.nhs_number, _key())
    assert by_person[key]["InterpreterPresentInd"] == mhsds.INTERPRETER_REQUIRED_NOT_ATTENDED
    key = pseudonym(not_needed.nhs_number, _key())
    assert by_person[key]["InterpreterPresentInd"] == mhsds.INTERPRETER_NOT_REQUIRED


def _key() -> str:
    from django.conf import settings

    return settings.EXTRACT_PSEUDONYM_KEY


def test_scored_assessments_carry_their_snomed_codes(month, tmp_path):
    export(tmp_path / "out")
    activity = f"CA{month['attended'].pk}"
    in_contact = read(tmp_path / "out", "MHS607CodedScoreAssessmentAct")
    assert {r["CareActID"] for r in in_contact} == {activity}
    scores = {r["CodedAssToolType"]: r["PersScore"] for r in in_contact}
    assert scores.pop(mhsds.PHQ9_TOTAL) == "18"
    # DIALOG: its eleven items, each under its own concept (friendships is item 6).
    assert scores == {code: "4" for code in mhsds.DIALOG_ITEMS.values()} | {"1037701000000108": "6"}
    assert all(r["AgeAssessToolCont"].isdigit() for r in in_contact)
    activities = read(tmp_path / "out", "MHS202CareActivity")
    assert [(a["CareActID"], a["CareContactID"]) for a in activities] == [
        (activity, str(month["attended"].pk))
    ]
    # The check-in, outside any contact: MHS606, stamped in UK time.
    check_in = read(tmp_path / "out", "MHS606CodedScoreAssessmentRefer")
    assert [(r["CodedAssToolType"], r["PersScore"]) for r in check_in] == [(mhsds.GAD7_TOTAL, "7")]
    assert check_in[0]["AssToolCompTimestamp"] == "2026-11-20T19:05:30"
    assert TIMESTAMP.match(check_in[0]["AssToolCompTimestamp"])
    assert {r["CodedAssToolType"] for r in in_contact + check_in} <= mhsds.ASSESSMENT_TOOL_CODES


def test_pseudonymised_tables_hold_no_identity_and_match_the_extract(month, tmp_path, settings):
    export(tmp_path / "out")
    person = month["person"]
    expected = pseudonym(person.nhs_number, settings.EXTRACT_PSEUDONYM_KEY)
    (mpi,) = read(tmp_path / "out", "MHS001MPI")  # the restricted person is left out
    assert mpi["Person_ID"] == mpi["LocalPatientID"] == expected
    assert (mpi["NHSNumber"], mpi["PersonBirthDate"], mpi["Postcode"]) == ("", "", "")
    assert (mpi["EthnicCategory"], mpi["Gender"], mpi["LanguageCodePreferred"]) == ("A", "2", "pl")
    assert mpi["IMD_Decile"] == "3"
    text = "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    for secret in (person.nhs_number, person.family_name, person.date_of_birth.isoformat()):
        assert secret not in text
    assert month["hidden"].nhs_number not in text
    assert {r["Person_ID"] for r in read(tmp_path / "out", "MHS201CareContact")} == {expected}
    # The same pseudonym as `caremode extract` writes for the same person.
    call_command("extract", "--out", str(tmp_path / "extract.csv"))
    with (tmp_path / "extract.csv").open(newline="") as handle:
        assert {r["Person_ID"] for r in csv.DictReader(handle)} == {expected}
    event = AuditEvent.objects.filter(object_type="MHSDS v6 tables").get()
    assert event.actor is None and event.action == "export"
    assert event.detail["identifiable"] is False
    assert event.detail["rows"]["MHS201CareContact"] == 2


def test_identifiable_tables_only_for_a_named_administrator(month, tmp_path):
    clinician = UserFactory(role=Role.CLINICIAN)
    analyst = UserFactory(role=Role.ANALYST)
    gone = UserFactory(role=Role.ADMIN, is_active=False)
    for args, says in (
        (("--identifiable",), "needs --user"),
        (("--identifiable", "--user", "nobody"), "no active account"),
        (("--identifiable", "--user", gone.username), "no active account"),
        (("--identifiable", "--user", clinician.username), "only an administrator"),
        (("--identifiable", "--user", analyst.username), "only an administrator"),
    ):
        with pytest.raises(CommandError, match=says):
            export(tmp_path / "refused", *args)
        assert not (tmp_path / "refused").exists()
    assert not AuditEvent.objects.filter(action="export").exists()
    admin = UserFactory(role=Role.ADMIN)
    export(tmp_path / "out", "--identifiable", "--user", admin.username, "--provider", "rx4")
    person = month["person"]
    (mpi,) = read(tmp_path / "out", "MHS001MPI")
    assert mpi["NHSNumber"] == person.nhs_number
    assert mpi["NHSNumberStatus"] == "02"
    assert mpi["PersonBirthDate"] == person.date_of_birth.isoformat()
    assert mpi["LocalPatientID"] == f"CM{person.pk}"
    assert mpi["OrgIDLocalPatientID"] == "RX4"
    contact = read(tmp_path / "out", "MHS201CareContact")[0]
    assert contact["UniqCareContID"] == "RX4" + contact["CareContactID"]
    export_event = AuditEvent.objects.get(object_type="MHSDS v6 tables")
    assert export_event.actor == admin and export_event.detail["identifiable"] is True
    shown = AuditEvent.objects.get(object_type="people shown", actor=admin)
    assert shown.detail["subject_ids"] == [person.pk]


def test_a_pseudonymised_export_names_who_ran_it(month, tmp_path):
    analyst = UserFactory(role=Role.ANALYST)
    export(tmp_path / "out", "--user", analyst.username)
    assert AuditEvent.objects.get(object_type="MHSDS v6 tables").actor == analyst
    assert not AuditEvent.objects.filter(object_type="people shown").exists()


@pytest.mark.parametrize(
    ("moment", "period"),
    [
        # 23:30 UTC on 30 September is 00:30 BST on 1 October: October's.
        (dt.datetime(2026, 9, 30, 23, 30, tzinfo=UTC), "2026-10"),
        (dt.datetime(2026, 9, 30, 22, 59, tzinfo=UTC), "2026-09"),
        # After the clocks go back (25 October 2026), 23:30 UTC on 31 October is 23:30 GMT.
        (dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "2026-10"),
        (dt.datetime(2026, 11, 1, 0, 0, tzinfo=UTC), "2026-11"),
        # After the clocks go forward (28 March 2027), 23:00 UTC on 31 March is midnight BST.
        (dt.datetime(2027, 3, 31, 22, 59, tzinfo=UTC), "2027-03"),
        (dt.datetime(2027, 3, 31, 23, 0, tzinfo=UTC), "2027-04"),
        # New Year in GMT.
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026-12"),
        (dt.datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "2027-01"),
    ],
)
def test_a_contact_belongs_to_the_month_of_its_uk_date(moment, period, clinician, team, tmp_path):
    person = ServiceUserFactory(team=team)
    contact = ContactFactory(
        service_user=person, clinician=clinician, start=moment, attend_status="3"
    )
    before, after = _neighbours(period)
    for month_label, expected in ((period, [str(contact.pk)]), (before, []), (after, [])):
        out = tmp_path / month_label
        call_command("mhsds_export", "--period", month_label, "--out", str(out))
        rows = read(out, "MHS201CareContact")
        assert [r["CareContactID"] for r in rows] == expected, month_label
        if expected:
            assert rows[0]["CareContDate"][:7] == period


def _neighbours(period: str) -> tuple[str, str]:
    first = parse_period(period).first_day
    before = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    after = (parse_period(period).last_day + dt.timedelta(days=1)).strftime("%Y-%m")
    return before, after


def test_period_bounds_are_uk_midnights():
    summer = parse_period("2027-04")
    assert summer.start == dt.datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
    assert summer.end == dt.datetime(2027, 4, 30, 23, 0, tzinfo=UTC)
    winter = parse_period("2026-12")
    assert winter.start == dt.datetime(2026, 12, 1, tzinfo=UTC)
    assert winter.end == dt.datetime(2027, 1, 1, tzinfo=UTC)
    assert (winter.first_day, winter.last_day) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    october = parse_period("2026-10")  # starts in BST, ends in GMT
    assert october.start == dt.datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    assert october.end == dt.datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "2026/11", "26-11", "November", "", "2026-1"]
)
def test_a_bad_period_is_refused_by_name(bad, tmp_path):
    with pytest.raises(MhsdsPeriodError) as error:
        parse_period(bad)
    assert error.value.field == "--period"
    with pytest.raises(CommandError, match="--period must be a month written YYYY-MM"):
        call_command("mhsds_export", "--period", bad, "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_folder_holding_files_is_refused_unless_forced(month, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.csv").write_text("x")
    with pytest.raises(CommandError, match="already holds files"):
        export(out)
    assert sorted(p.name for p in out.iterdir()) == ["old.csv"]
    export(out, "--force")
    assert "old.csv" not in {p.name for p in out.iterdir()}
    with pytest.raises(CommandError, match="is a file"):
        export(out / mhsds.file_name(mhsds.MHS001))


def test_nothing_is_written_or_audited_when_a_table_fails(month, tmp_path):
    real = mhsds_export._write
    calls = []

    def failing(path, table, rows):
        calls.append(table)
        if table == mhsds.MHS606:
            raise OSError("disk full")
        real(path, table, rows)

    with mock.patch.object(mhsds_export, "_write", failing), pytest.raises(OSError):
        export(tmp_path / "out")
    assert mhsds.MHS201 in calls
    assert list(tmp_path.iterdir()) == []  # no folder, no staging left behind
    assert not AuditEvent.objects.filter(object_type="MHSDS v6 tables").exists()
