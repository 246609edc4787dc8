"""The MHSDS v6 tables, row by row: pure functions from CareMode's records to MHSDS rows.

Nothing here reads the database or the clock: `mhsds_export` gathers the month's contacts and
assessments through the owning apps' selectors and hands them here. Each row is a dict keyed by
the table's columns (`core.mhsds.columns`); a key outside them is an error when written.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from caremode.core import codes, mhsds
from caremode.core.errors import DomainError
from caremode.core.pseudonyms import pseudonym
from caremode.scheduling.selectors import cons_mechanism, cons_type

UK = zoneinfo.ZoneInfo("Europe/London")
PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


class MhsdsPeriodError(DomainError):
    """The reporting period is not a month written YYYY-MM."""


@dataclass(frozen=True)
class Period:
    """A reporting period: one calendar month, bounded by UK midnights (in UTC, `end` excluded)."""

    label: str
    first_day: dt.date
    last_day: dt.date
    start: dt.datetime
    end: dt.datetime


def parse_period(text: str) -> Period:
    """The month `YYYY-MM` as a `Period`. The bounds are midnight UK time at the start of the
    month and of the next: 00:00 BST is 23:00 UTC the evening before. Raises MhsdsPeriodError
    naming `--period`."""
    match = PERIOD.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise MhsdsPeriodError(
            f"--period must be a month written YYYY-MM, for example 2026-11: {text!r}",
            field="--period",
        )
    first = dt.date(int(match[1]), int(match[2]), 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(
        label=first.strftime("%Y-%m"),
        first_day=first,
        last_day=following - dt.timedelta(days=1),
        start=dt.datetime.combine(first, dt.time(), tzinfo=UK).astimezone(dt.UTC),
        end=dt.datetime.combine(following, dt.time(), tzinfo=UK).astimezone(dt.UTC),
    )


def mhsds_date(day: dt.date) -> str:
    return day.isoformat()


def mhsds_time(moment: dt.datetime) -> str:
    """`hh:mm:ss` in UK local time."""
    return moment.astimezone(UK).strftime("%H:%M:%S")


def mhsds_timestamp(moment: dt.datetime) -> str:
    """`CCYY-MM-DDThh:mm:ss` in UK local time."""
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Identifiers:
    """How people are named in the tables. Pseudonymised (the default): `LocalPatientID` is the
    person's pseudonym, and no NHS number, date of birth or postcode is written. Identifiable:
    CareMode's own record number and the NHS number and date of birth. `Person_ID` is the
    pseudonym either way, so the tables join the same way and match `caremode extract`."""

    identifiable: bool
    provider: str = ""
    key: str = ""

    def person_id(self, person: Any) -> str:
        return pseudonym(person.nhs_number, self.key or settings.EXTRACT_PSEUDONYM_KEY)

    def local_patient_id(self, person: Any) -> str:
        return f"CM{person.pk}" if self.identifiable else self.person_id(person)

    def service_request_id(self, person: Any, team_id: int) -> str:
        # CareMode holds no referrals: a person's time with one team stands for their request.
        return f"{self.local_patient_id(person)}-T{team_id}"

    def unique(self, local_id: str) -> str:
        """NHS England's unique identifiers are the provider's code and the local identifier."""
        return f"{self.provider}{local_id}"


def care_activity_id(contact_id: int) -> str:
    """The one care activity CareMode records in a contact: scoring its questionnaires."""
    return f"CA{contact_id}"


def mpi_row(person: Any, ids: Identifiers) -> dict[str, str]:
    """MHS001MPI: one row per person with a contact or assessment in the period."""
    row = {
        "LocalPatientID": ids.local_patient_id(person),
        "OrgIDLocalPatientID": ids.provider,
        "Gender": person.gender,
        "GenderIDCode": person.gender_identity,
        "LanguageCodePreferred": person.main_language,
        "EthnicCategory": person.ethnic_category,
        "Person_ID": ids.person_id(person),
        "IMD_Decile": "" if person.imd_decile is None else str(person.imd_decile),
    }
    if ids.identifiable:
        row |= {
            "NHSNumber": person.nhs_number,
            "NHSNumberStatus": mhsds.NHS_NUMBER_PRESENT_NOT_TRACED,
            "PersonBirthDate": mhsds_date(person.date_of_birth),
        }
    return row


def interpreter_code(contact: Any) -> str:
    """InterpreterPresentInd (v6 code list) from what was recorded with the outcome: present →
    1 (CareMode books professional interpreters); absent → 5 when one was needed, else 4;
    nothing recorded (the contact did not take place) → empty."""
    if contact.interpreter_present is None:
        return ""
    if contact.interpreter_present:
        return mhsds.INTERPRETER_PROFESSIONAL
    if contact.interpreter_needed:
        return mhsds.INTERPRETER_REQUIRED_NOT_ATTENDED
    return mhsds.INTERPRETER_NOT_REQUIRED


def care_contact_row(contact: Any, ids: Identifiers) -> dict[str, str]:
    """MHS201CareContact: one row per contact with its outcome recorded. The duration is the
    contact's length when it took place, empty otherwise (no clinical time was spent)."""
    person = contact.service_user
    local = contact.start.astimezone(UK)
    attended = contact.attend_status in codes.ATTENDED
    return {
        "CareContactID": str(contact.pk),
        "ServiceRequestID": ids.service_request_id(person, contact.team_id),
        "CareContDate": mhsds_date(local.date()),
        "CareContTime": mhsds_time(contact.start),
        "ClinContDurOfCareCont": str(contact.duration_minutes) if attended else "",
        "ConsType": cons_type(contact.consultation_type),
        "ConsMechanismMH": cons_mechanism(contact),
        "PlannedCareContIndicator": "Y",
        "AttendStatus": contact.attend_status,
        "InterpreterPresentInd": interpreter_code(contact),
        "Person_ID": ids.person_id(person),
        "UniqCareContID": ids.unique(str(contact.pk)),
        "AgeCareContDate": str(person.age_on(local.date())),
    }


def care_activity_row(contact: Any, person: Any, ids: Identifiers) -> dict[str, str]:
    """MHS202CareActivity: the activity a contact's scored questionnaires belong to."""
    activity = care_activity_id(contact.pk)
    return {
        "CareActID": activity,
        "CareContactID": str(contact.pk),
        "Person_ID": ids.person_id(person),
        "UniqCareContID": ids.unique(str(contact.pk)),
        "UniqCareActID": ids.unique(activity),
    }


def scored_items(assessment: Any) -> list[tuple[str, str]]:
    """(CodedAssToolType, PersScore) pairs for one complete assessment: the PHQ-9 or GAD-7
    total, a whole number; DIALOG's eleven item answers, 1 to 7 (no total concept exists)."""
    if assessment.measure in mhsds.TOTALS:
        score: Decimal = assessment.score
        return [(mhsds.TOTALS[assessment.measure], str(int(score)))]
    return [
        (code, str(int(assessment.answers[key])))
        for key, code in mhsds.DIALOG_ITEMS.items()
        if assessment.answers.get(key) is not None
    ]


def contact_assessment_rows(assessment: Any, ids: Identifiers) -> list[dict[str, str]]:
    """MHS607: a questionnaire scored in a contact, one row per coded score."""
    contact = assessment.contact
    person = assessment.service_user
    day = contact.start.astimezone(UK).date()
    activity = care_activity_id(contact.pk)
    return [
        {
            "CareActID": activity,
            "CodedAssToolType": tool,
            "PersScore": score,
            "Person_ID": ids.person_id(person),
            "UniqCareContID": ids.unique(str(contact.pk)),
            "UniqCareActID": ids.unique(activity),
            "AgeAssessToolCont": str(person.age_on(day)),
        }
        for tool, score in scored_items(assessment)
    ]


def referral_assessment_rows(assessment: Any, ids: Identifiers) -> list[dict[str, str]]:
    """MHS606: a questionnaire answered outside a contact (a check-in), one row per coded
    score, stamped with when it was answered; no care professional completed it."""
    person = assessment.service_user
    return [
        {
            "ServiceRequestID": ids.service_request_id(person, person.team_id),
            "CodedAssToolType": tool,
            "PersScore": score,
            "AssToolCompTimestamp": mhsds_timestamp(assessment.taken_at),
            "Person_ID": ids.person_id(person),
            "AgeAssessToolReferCompDate": str(
                person.age_on(assessment.taken_at.astimezone(UK).date())
            ),
        }
        for tool, score in scored_items(assessment)
    ]
