"""The MHSDS v6 tables CareMode writes and reads: their names, columns and the codes it uses.

One home for the column lists, shared by `caremode mhsds_export` (interop writes them) and
`caremode evaluate --mhs201 --mhs001` (evaluation reads them). The submitted columns are those of
the MHSDS v6.0 Technical Output Specification, as NHS England's own v6 data model names them
(docs/data-standards.md says which source and which columns CareMode fills). After them come the
derived columns NHS England adds when it processes a submission (`Person_ID`,
`UniqCareContID`, the ages at the event), which is how analysts receive MHSDS tables; CareMode
writes them so that the tables join and can be evaluated without the referral tables.

Formats (TOS): dates `CCYY-MM-DD`, times `hh:mm:ss`, timestamps `CCYY-MM-DDThh:mm:ss`, all in UK
local time; durations whole minutes; indicators `Y`/`N`.
"""

from __future__ import annotations

from typing import Final

VERSION: Final = "6.0"

MHS001: Final = "MHS001MPI"
MHS201: Final = "MHS201CareContact"
MHS202: Final = "MHS202CareActivity"
MHS606: Final = "MHS606CodedScoreAssessmentRefer"
MHS607: Final = "MHS607CodedScoreAssessmentAct"

# Submitted columns, per table, in the order CareMode writes them.
SUBMITTED: Final[dict[str, tuple[str, ...]]] = {
    MHS001: (
        "LocalPatientID",
        "OrgIDLocalPatientID",
        "OrgIDEduEstab",
        "NHSNumber",
        "NHSNumberStatus",
        "PersonBirthDate",
        "Postcode",
        "Gender",
        "GenderIDCode",
        "GenderSameAtBirth",
        "MaritalStatus",
        "PersDeathDate",
        "LanguageCodePreferred",
        "EthnicCategory",
        "EthnicCategory2021",
    ),
    MHS201: (
        "CareContactID",
        "ServiceRequestID",
        "OtherCareProfTeamLocalID",
        "CareContDate",
        "CareContTime",
        "OrgIDComm",
        "AdminCatCode",
        "SpecialisedMHServiceCode",
        "ClinContDurOfCareCont",
        "ConsType",
        "CareContSubj",
        "ConsMechanismMH",
        "ActLocTypeCode",
        "SiteIDOfTreat",
        "PlaceOfSafetyInd",
        "ComPeriMHPartAssessOfferInd",
        "PlannedCareContIndicator",
        "CareContPatientTherMode",
        "AttendStatus",
        "EarliestReasonOfferDate",
        "EarliestClinAppDate",
        "CareContCancelDate",
        "CareContCancelReas",
        "ReasonableAdjustmentMade",
        "LanguageCodeTreat",
        "InterpreterPresentInd",
        "ReasonPatientNoIMCA",
        "ReasonPatientNoIMHA",
    ),
    MHS202: (
        "CareActID",
        "CareContactID",
        "ClinContactDurOfCareAct",
        "FindSchemeInUse",
        "Finding",
        "Procedure",
        "Observation",
        "ObsValue",
        "UnitofMeasurement_UCUM",
    ),
    MHS606: (
        "ServiceRequestID",
        "CareProfLocalID",
        "CodedAssToolType",
        "PersScore",
        "AssToolCompTimestamp",
    ),
    MHS607: (
        "CareActID",
        "CodedAssToolType",
        "PersScore",
    ),
}

# Derived columns, as NHS England's processed tables name them. `IMD_Decile` is NHS England's
# derivation from the postcode's LSOA; CareMode holds the decile itself (it keeps only the
# postcode district), so writes it here and leaves `Postcode` empty.
DERIVED: Final[dict[str, tuple[str, ...]]] = {
    MHS001: ("Person_ID", "IMD_Decile"),
    MHS201: ("Person_ID", "UniqCareContID", "AgeCareContDate"),
    MHS202: ("Person_ID", "UniqCareContID", "UniqCareActID"),
    MHS606: ("Person_ID", "AgeAssessToolReferCompDate"),
    MHS607: ("Person_ID", "UniqCareContID", "UniqCareActID", "AgeAssessToolCont"),
}

TABLES: Final = (MHS001, MHS201, MHS202, MHS606, MHS607)


def columns(table: str) -> tuple[str, ...]:
    """Every column of `table` as written: the submitted ones, then the derived ones."""
    return SUBMITTED[table] + DERIVED[table]


def file_name(table: str) -> str:
    """The CSV file a table is written to: `MHS201CareContact.csv`."""
    return f"{table}.csv"


# NHS NUMBER STATUS INDICATOR CODE 02: number present but not traced (CareMode checks the
# modulus 11 check digit; it does not trace numbers against the Personal Demographics Service).
NHS_NUMBER_PRESENT_NOT_TRACED: Final = "02"

# INTERPRETER PRESENT INDICATOR (MHS201, new in v6; the code list Talking Therapies uses too).
INTERPRETER_PROFESSIONAL: Final = "1"
INTERPRETER_FAMILY_OR_FRIEND: Final = "2"
INTERPRETER_ANOTHER_PERSON: Final = "3"
INTERPRETER_NOT_REQUIRED: Final = "4"
INTERPRETER_REQUIRED_NOT_ATTENDED: Final = "5"
INTERPRETER_PRESENT_CODES: Final = frozenset(
    {INTERPRETER_PROFESSIONAL, INTERPRETER_FAMILY_OR_FRIEND, INTERPRETER_ANOTHER_PERSON}
)
INTERPRETER_ABSENT_CODES: Final = frozenset(
    {INTERPRETER_NOT_REQUIRED, INTERPRETER_REQUIRED_NOT_ATTENDED}
)

# CODED ASSESSMENT TOOL TYPE (SNOMED CT), from NHS England's MHSDS assessment-tool reference
# table: PHQ-9 and GAD-7 as their totals; DIALOG as its eleven item scores (the reference table
# has no concept for a DIALOG total or mean), keyed by CareMode's item keys
# (`monitoring.instruments`). Note items 6 and 7: friendships, then partner/family.
PHQ9_TOTAL: Final = "720433000"
GAD7_TOTAL: Final = "445455005"
DIALOG_ITEMS: Final[dict[str, str]] = {
    "dialog_mental_health": "1037651000000100",
    "dialog_physical_health": "1037661000000102",
    "dialog_job": "1037671000000109",
    "dialog_accommodation": "1037681000000106",
    "dialog_leisure": "1037691000000108",
    "dialog_friendships": "1037701000000108",
    "dialog_partner_family": "1037711000000105",
    "dialog_safety": "1037721000000104",
    "dialog_medication": "1037731000000102",
    "dialog_practical_help": "1037741000000106",
    "dialog_meetings": "1037751000000109",
}
TOTALS: Final[dict[str, str]] = {"PHQ9": PHQ9_TOTAL, "GAD7": GAD7_TOTAL}
ASSESSMENT_TOOL_CODES: Final = frozenset({*TOTALS.values(), *DIALOG_ITEMS.values()})
