"""Read the MHSDS v6 pair MHS201CareContact + MHS001MPI as the contacts extract.

`caremode evaluate --mhs201 MHS201CareContact.csv --mhs001 MHS001MPI.csv` evaluates the tables a
trust submits (or `caremode mhsds_export` writes) instead of the flat extract. Each file is
checked on its own by `check_table` against its `TableSpec` (problems named by the file's row and
column); every MHS201 row's `Person_ID` must be in MHS001. The two are joined on the pseudonymised
`Person_ID` and the flat extract's columns derived, then checked once more as the extract is
(`inputs.CONTACTS`), so that the measures read exactly what they read from a flat extract.

Columns MHSDS does not carry (`Rurality`, `AccessNeeds`, `TechFailure`, `Service`) are empty:
those groups are Unknown and the technical failure rate is not computed.
"""

from __future__ import annotations

from pathlib import Path

import ibis
from ibis.expr.types import Table

from caremode.core import codes, mhsds
from caremode.evaluation.inputs import (
    CONTACTS,
    MAX_AGE,
    MAX_DURATION_MINUTES,
    OPTIONAL,
    REQUIRED,
    ROW,
    CheckedInput,
    Condition,
    TableSpec,
    blank_person,
    check_table,
    malformed_date,
    number_between,
    open_table,
)

INTERPRETER_CODES = sorted(mhsds.INTERPRETER_PRESENT_CODES | mhsds.INTERPRETER_ABSENT_CODES)


def _mpi_checks(t: Table) -> list[Condition]:
    ethnic = sorted(codes.ETHNIC_CATEGORIES)
    return [
        blank_person(t),
        (
            "unknown code",
            "EthnicCategory",
            t.EthnicCategory.notnull()
            & ~t.EthnicCategory.isin(ethnic)
            & ~t.EthnicCategory.substr(0, 1).isin(ethnic),
        ),
        ("unknown code", "Gender", t.Gender.notnull() & ~t.Gender.isin(list(codes.GENDER))),
        (
            "unknown code",
            "GenderIDCode",
            t.GenderIDCode.notnull() & ~t.GenderIDCode.isin(list(codes.GENDER_IDENTITY)),
        ),
        (
            "not a decile from 1 to 10",
            "IMD_Decile",
            t.IMD_Decile.notnull() & ~t.IMD_Decile.isin([str(n) for n in range(1, 11)]),
        ),
    ]


MHS001_SPEC = TableSpec(
    name=f"{mhsds.MHS001} file",
    required=("Person_ID",),
    optional=("EthnicCategory", "Gender", "GenderIDCode", "IMD_Decile", "LanguageCodePreferred"),
    checks=_mpi_checks,
    unique="Person_ID",
)


def _care_contact_checks(people: Table) -> TableSpec:
    """MHS201's spec, with the rule that its people are in `people` (MHS001)."""

    def checks(t: Table) -> list[Condition]:
        modes = sorted({*codes.CONS_MECHANISM_TO_MODE, *codes.LEGACY_CONS_MECHANISM})
        return [
            blank_person(t),
            ("not in the MHS001MPI file", "Person_ID", ~t.Person_ID.isin(people.Person_ID)),
            ("missing value", "UniqCareContID", t.UniqCareContID.isnull()),
            malformed_date(t, "CareContDate"),
            (
                "malformed time (expected hh:mm:ss)",
                "CareContTime",
                t.CareContTime.notnull() & ~t.CareContTime.re_search(r"^\d{2}:\d{2}:\d{2}$"),
            ),
            (
                "unknown code",
                "ConsMechanismMH",
                ~t.ConsMechanismMH.isin(modes) | t.ConsMechanismMH.isnull(),
            ),
            (
                "unknown code",
                "AttendStatus",
                ~t.AttendStatus.isin(["2", "3", "4", "5", "6", "7"]) | t.AttendStatus.isnull(),
            ),
            (
                "unknown code",
                "InterpreterPresentInd",
                t.InterpreterPresentInd.notnull()
                & ~t.InterpreterPresentInd.isin(INTERPRETER_CODES),
            ),
            (
                f"not a whole number of years from 0 to {MAX_AGE}",
                "AgeCareContDate",
                ~number_between(t.AgeCareContDate, 0, MAX_AGE),
            ),
            (
                f"not a whole number of minutes from 0 to {MAX_DURATION_MINUTES}",
                "ClinContDurOfCareCont",
                ~number_between(t.ClinContDurOfCareCont, 0, MAX_DURATION_MINUTES),
            ),
        ]

    return TableSpec(
        name=f"{mhsds.MHS201} file",
        required=("Person_ID", "UniqCareContID", "CareContDate", "ConsMechanismMH", "AttendStatus"),
        optional=(
            "CareContTime",
            "ConsType",
            "ClinContDurOfCareCont",
            "AgeCareContDate",
            "InterpreterPresentInd",
        ),
        checks=checks,
        unique="UniqCareContID",
        renames={"AttendOrDNACode": "AttendStatus"},
    )


def _flat(contacts: Table, people: Table) -> Table:
    """The flat extract's columns from the joined pair (rows keep MHS201's row number)."""
    person = people.select(
        Person_ID=people.Person_ID,
        EthnicCategory=people.EthnicCategory,
        Gender=people.Gender,
        GenderIDCode=people.GenderIDCode,
        IMD_Decile=people.IMD_Decile,
        LanguageCodePreferred=people.LanguageCodePreferred,
    ).rename(_person="Person_ID")
    joined = contacts.inner_join(person, contacts.Person_ID == person._person)
    code = joined.InterpreterPresentInd
    derived = {
        "CareContTime": joined.CareContTime.substr(0, 5),
        "InterpreterPresentInd": ibis.cases(
            (code.isin(sorted(mhsds.INTERPRETER_PRESENT_CODES)), "Y"),
            (code.isin(sorted(mhsds.INTERPRETER_ABSENT_CODES)), "N"),
            else_=ibis.null("string"),
        ),
        "ReasonableAdjustmentMade": ibis.null("string"),
        "Rurality": ibis.null("string"),
        "AccessNeeds": ibis.null("string"),
        "TechFailure": ibis.null("string"),
        "Service": ibis.null("string"),
    }
    kept = {name: joined[name] for name in (ROW, *REQUIRED, *OPTIONAL) if name not in derived}
    return joined.select(**kept, **derived)


def read_mhsds_pair(
    mhs201: Path | str,
    mhs001: Path | str,
    *,
    con: ibis.BaseBackend | None = None,
    skip_invalid: bool = False,
) -> CheckedInput:
    """Check MHS001 then MHS201 (each by its own spec, naming its own rows), join them on
    `Person_ID` and return the contacts as `read_extract` does. Raises InputError naming the
    file, row and column of every problem (unless `skip_invalid`, which leaves those rows out
    and reports them)."""
    con = con or ibis.duckdb.connect()
    people = check_table(
        con,
        open_table(con, mhs001, MHS001_SPEC),
        MHS001_SPEC,
        source=mhs001,
        skip_invalid=skip_invalid,
    )
    spec = _care_contact_checks(people.table)
    contacts = check_table(
        con, open_table(con, mhs201, spec), spec, source=mhs201, skip_invalid=skip_invalid
    )
    flat = check_table(
        con,
        _flat(contacts.table, people.table),
        CONTACTS,
        source=f"{mhs201} joined with {mhs001}",
        skip_invalid=skip_invalid,
    )
    return CheckedInput(
        table=flat.table,
        rows=flat.rows,
        warnings=people.warnings + contacts.warnings + flat.warnings,
        skipped=[f"{mhsds.MHS001}: {s}" for s in people.skipped]
        + [f"{mhsds.MHS201}: {s}" for s in contacts.skipped]
        + flat.skipped,
    )
