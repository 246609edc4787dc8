"""The vocabularies CareMode speaks, with their NHS Data Dictionary / MHSDS codes.

Pure data: decision support, scheduling, evaluation and interop all read these, so a code is
defined once here (see docs/data-standards.md).
"""

from __future__ import annotations

from typing import Final

# Modes of contact and their MHSDS ConsMechanismMH (v5+) code. Text is stored as 09 (asynchronous
# text message); the other text-like codes map to `text` on import.
MODES: Final[dict[str, tuple[str, str]]] = {
    "face_to_face": ("01", "Face to face"),
    "video": ("11", "Video"),
    "telephone": ("02", "Telephone"),
    "text": ("09", "Text message"),
    "email": ("05", "Email"),
}
MODE_CHOICES: Final = [(key, label) for key, (_code, label) in MODES.items()]
REMOTE_MODES: Final = frozenset({"video", "telephone", "text", "email"})
ASYNCHRONOUS_MODES: Final = frozenset({"text", "email"})

# Every ConsMechanismMH code we accept, to CareMode mode; legacy (pre-v5) codes flagged.
CONS_MECHANISM_TO_MODE: Final[dict[str, str]] = {
    "01": "face_to_face",
    "02": "telephone",
    "04": "talk_type",
    "05": "email",
    "09": "text",
    "10": "text",
    "11": "video",
    "12": "text",
    "13": "text",
    "98": "other",
}
LEGACY_CONS_MECHANISM: Final[dict[str, str]] = {"03": "video", "06": "text"}


def cons_mechanism_for(mode: str) -> str:
    """The MHSDS ConsMechanismMH code CareMode records for one of its modes."""
    try:
        return MODES[mode][0]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}") from None


# MHSDS AttendStatus (AttendOrDNACode before v6).
ATTEND_STATUS: Final[dict[str, str]] = {
    "5": "Attended on time, or late but before the clinician was ready",
    "6": "Arrived late but was seen",
    "7": "Arrived late and could not be seen",
    "2": "Cancelled by, or on behalf of, the service user",
    "3": "Did not attend, no advance warning",
    "4": "Cancelled or postponed by the service",
}
ATTEND_STATUS_CHOICES: Final = list(ATTEND_STATUS.items())
# The same outcomes in the words a clinician uses (pages show these; extracts keep the codes).
OUTCOME_PLAIN: Final[dict[str, str]] = {
    "5": "Attended",
    "6": "Attended, arrived late",
    "7": "Arrived too late to be seen",
    "2": "Cancelled by the person",
    "3": "Did not attend",
    "4": "Cancelled by the service",
}
ATTENDED: Final = frozenset({"5", "6"})
MISSED: Final = frozenset({"2", "3", "4", "7"})
# Missed by the person themselves (did not attend; arrived too late to be seen), and cancelled
# by the service: a review prompt counts the first, never the second.
MISSED_BY_PERSON: Final = frozenset({"3", "7"})
CANCELLED_BY_SERVICE: Final = frozenset({"4"})
# Cancelled (by the person or by the service): the contact did not take place and frees its time.
CANCELLED: Final = frozenset({"2", "4"})

CONSULTATION_TYPES: Final[dict[str, str]] = {
    "initial_assessment": "Initial assessment",
    "risk_assessment": "Risk assessment",
    "crisis_review": "Crisis review",
    "psychiatric_review": "Psychiatric review",
    "medication_review": "Medication review",
    "care_coordination": "Care coordination",
    "psychotherapy": "Psychotherapy",
    "trauma_focused_therapy": "Trauma-focused therapy",
    "group_therapy": "Group therapy",
    "wellbeing_check_in": "Wellbeing check-in",
    "carer_meeting": "Carer meeting",
    "discharge_planning": "Discharge planning",
}
CONSULTATION_TYPE_CHOICES: Final = list(CONSULTATION_TYPES.items())
# Contacts that occupy a diary like care but are not clinical care (MHSDS counts care contacts):
# a digital support session (a practice call, help with a device; workforce.DigitalSupport). They
# are booked, reminded and protected from double booking as a contact is, and left out of
# everything that counts care: the extract, contact gaps, commitments kept, missed-contact
# review prompts and the summary of contacts by mode (ARCHITECTURE.md, hazard W3).
DIGITAL_SUPPORT: Final = "digital_support"
NON_CLINICAL_CONTACT_TYPES: Final[dict[str, str]] = {DIGITAL_SUPPORT: "Digital support"}
# Every kind of contact a diary can hold: the consultation types and the non-clinical ones.
CONTACT_TYPES: Final[dict[str, str]] = {**CONSULTATION_TYPES, **NON_CLINICAL_CONTACT_TYPES}
CONTACT_TYPE_CHOICES: Final = list(CONTACT_TYPES.items())
# The consultation types that review a person's care: a check-in schedule "before each review"
# asks for a check-in ahead of each of these (monitoring).
REVIEW_CONSULTATION_TYPES: Final = frozenset(
    {"crisis_review", "psychiatric_review", "medication_review", "care_coordination"}
)
# Assessments, reviews and risk contacts: before each, a carer whose consent includes giving
# input to assessments is invited to tell the team what they have noticed (feedback, E10).
CARER_INPUT_CONSULTATION_TYPES: Final = frozenset(
    {"initial_assessment", "risk_assessment"} | REVIEW_CONSULTATION_TYPES
)

ACCESS_NEEDS: Final[dict[str, str]] = {
    "hearing_impairment": "Hearing impairment",
    "visual_impairment": "Visual impairment",
    "communication_impairment": "Communication impairment",
    "screen_or_phone_distress": "Finds screens or phones distressing",
    "technology_unfamiliar": "Unfamiliar with technology",
    "technology_paranoia": "Distress or paranoia about technology",
    "no_suitable_device": "No suitable device",
    "cannot_afford_data": "Cannot afford data or calls",
    "poor_connectivity": "Poor connectivity",
    "no_private_space": "No private space at home",
    "domestic_abuse_risk": "Risk of domestic abuse",
    "mobility_difficulty": "Mobility difficulty",
    "shielding": "Shielding or clinically vulnerable",
    "long_or_costly_journey": "Long or costly journey",
    "cognitive_impairment": "Cognitive impairment",
    "needs_interpreter": "Needs an interpreter",
}
ACCESS_NEED_CHOICES: Final = list(ACCESS_NEEDS.items())
# The access need that asks for a language and how the interpreter works (E14).
INTERPRETER_NEED: Final = "needs_interpreter"
# How an interpreter takes part in a contact: beside the person, on a three-way telephone call,
# or in the video room.
INTERPRETING: Final[dict[str, str]] = {
    "in_person": "In person",
    "telephone": "By telephone",
    "video": "By video",
}
INTERPRETING_CHOICES: Final = list(INTERPRETING.items())

# NHS Data Dictionary ethnic category (first character) and its upper group.
ETHNIC_CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "A": ("White - British", "White"),
    "B": ("White - Irish", "White"),
    "C": ("White - Any other White background", "White"),
    "D": ("Mixed - White and Black Caribbean", "Mixed"),
    "E": ("Mixed - White and Black African", "Mixed"),
    "F": ("Mixed - White and Asian", "Mixed"),
    "G": ("Mixed - Any other mixed background", "Mixed"),
    "H": ("Asian or Asian British - Indian", "Asian or Asian British"),
    "J": ("Asian or Asian British - Pakistani", "Asian or Asian British"),
    "K": ("Asian or Asian British - Bangladeshi", "Asian or Asian British"),
    "L": ("Asian or Asian British - Any other Asian background", "Asian or Asian British"),
    "M": ("Black or Black British - Caribbean", "Black or Black British"),
    "N": ("Black or Black British - African", "Black or Black British"),
    "P": ("Black or Black British - Any other Black background", "Black or Black British"),
    "R": ("Other Ethnic Groups - Chinese", "Other Ethnic Groups"),
    "S": ("Other Ethnic Groups - Any other ethnic group", "Other Ethnic Groups"),
    "Z": ("Not stated", "Not Stated"),
    "99": ("Not known", "Unknown"),
}
ETHNIC_CATEGORY_CHOICES: Final = [(code, label) for code, (label, _g) in ETHNIC_CATEGORIES.items()]

GENDER: Final[dict[str, str]] = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"}
GENDER_CHOICES: Final = list(GENDER.items())
GENDER_IDENTITY: Final[dict[str, str]] = {
    "1": "Male",
    "2": "Female",
    "3": "Non-binary",
    "4": "Other",
    "Z": "Not stated",
    "X": "Not known",
}
GENDER_IDENTITY_CHOICES: Final = list(GENDER_IDENTITY.items())

RURALITY: Final[dict[str, str]] = {"urban": "Urban", "rural": "Rural"}
RURALITY_CHOICES: Final = list(RURALITY.items())

# Preferred language, ISO 639-1 as MHSDS LanguageCodePreferred; the languages most often needed in
# English mental-health services, plus British Sign Language (ISO 639-3 `bfi`).
LANGUAGES: Final[dict[str, str]] = {
    "en": "English",
    "pl": "Polish",
    "ro": "Romanian",
    "pa": "Panjabi",
    "ur": "Urdu",
    "bn": "Bengali",
    "gu": "Gujarati",
    "ar": "Arabic",
    "pt": "Portuguese",
    "es": "Spanish",
    "so": "Somali",
    "lt": "Lithuanian",
    "ta": "Tamil",
    "tr": "Turkish",
    "zh": "Chinese",
    "fa": "Persian",
    "ku": "Kurdish",
    "ti": "Tigrinya",
    "bfi": "British Sign Language",
}
LANGUAGE_CHOICES: Final = list(LANGUAGES.items())


# Age bands used wherever people are counted by age (the evaluation, themes by group): the bands
# public-health profiles use, lowest and highest age in years inclusive.
AGE_BANDS: Final[tuple[tuple[int, int, str], ...]] = (
    (0, 17, "Under 18"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 200, "65 or over"),
)


def age_band_for(age: int) -> str:
    """The age band of an age in whole years ("Unknown" outside the bands)."""
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "Unknown"


# The columns of service_changes.csv: what `caremode extract --changes` writes and
# `caremode evaluate --changes` reads (modes as `;`-separated keys of MODES).
SERVICE_CHANGE_COLUMNS: Final = (
    "ServiceChangeID",
    "Service",
    "ChangeDate",
    "Summary",
    "ModesBefore",
    "ModesAfter",
)

# The columns of the themes file: what `caremode themes_export` writes and `caremode evaluate
# --themes` reads, one row per excerpt and agreed theme (docs/themes.md). `ExcerptRef` is a
# pseudonym of the excerpt (the same for each of its themes), `Month` YYYY-MM, `Mode` a key of
# MODES or empty, `Source` who said it (service_user, carer, staff, imported), `Theme` the code's
# key, `Evidence` `;`-separated E-numbers, `Text` the excerpt anonymised, empty when fewer than
# 5 excerpts of its mode carry the theme.
THEME_COLUMNS: Final = (
    "ExcerptRef",
    "Month",
    "Mode",
    "Source",
    "Theme",
    "ThemeLabel",
    "Evidence",
    "Text",
)
THEME_SOURCES: Final = frozenset({"service_user", "carer", "staff", "imported"})
