"""A synthetic population shaped like an English mental-health trust's caseload.

Pure and deterministic: the same seed and reference date give the same people and contacts.
Rates are plausible rather than exact; they come from the broad shape of the 2021 Census for
England and of MHSDS publications, and the evidence in EVIDENCE.md (E14-E16) for who finds which
mode harder. Planted disparities let the evaluation be checked against a known truth.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nhs_number

from caremode.core import codes
from caremode.scheduling.diary import bank_holiday

ETHNIC_WEIGHTS = {
    "A": 73.5,
    "B": 0.9,
    "C": 6.4,
    "D": 0.9,
    "E": 0.5,
    "F": 0.8,
    "G": 0.8,
    "H": 3.3,
    "J": 2.8,
    "K": 1.1,
    "L": 1.7,
    "M": 1.1,
    "N": 2.5,
    "P": 0.5,
    "R": 0.8,
    "S": 1.6,
    "Z": 1.0,
    "99": 0.3,
}
AGE_BANDS = [  # (band, lowest age, highest age, weight)
    ("Under 18", 14, 17, 6),
    ("18-24", 18, 24, 14),
    ("25-34", 25, 34, 20),
    ("35-44", 35, 44, 18),
    ("45-54", 45, 54, 16),
    ("55-64", 55, 64, 13),
    ("65 or over", 65, 92, 13),
]
IMD_WEIGHTS = [14, 13, 12, 11, 10, 9, 9, 8, 7, 7]  # deciles 1..10: caseloads skew deprived
URBAN_DISTRICTS = [
    "LS1",
    "LS4",
    "LS6",
    "LS7",
    "LS8",
    "LS9",
    "LS11",
    "LS12",
    "LS14",
    "LS15",
    "LS28",
    "BD1",
    "BD3",
    "BD5",
    "BD7",
    "BD8",
    "BD9",
    "WF1",
    "WF2",
    "WF10",
    "WF13",
    "WF17",
    "HD1",
    "HD2",
]
RURAL_DISTRICTS = ["YO7", "YO17", "YO62", "HG3", "HG4", "DL8", "DL11", "BD23", "BD24", "LA2"]
LANGUAGE_BY_GROUP = {  # main languages other than English, by ethnic category
    "C": ["pl", "ro", "lt", "pt", "es"],
    "H": ["gu", "pa", "ta"],
    "J": ["ur", "pa"],
    "K": ["bn"],
    "L": ["ta", "fa"],
    "N": ["so", "ti", "ar"],
    "R": ["zh"],
    "S": ["ar", "ku", "tr", "fa"],
}
GIVEN_NAMES = {
    "1": [
        "Oliver",
        "Jack",
        "Harry",
        "George",
        "Mohammed",
        "Daniel",
        "James",
        "Adam",
        "Ryan",
        "Tomasz",
        "David",
        "Michael",
        "Ali",
        "Kwame",
        "Liam",
        "Connor",
        "Samuel",
        "Imran",
        "Paul",
        "Andrew",
    ],
    "2": [
        "Olivia",
        "Amelia",
        "Isla",
        "Sophie",
        "Aisha",
        "Grace",
        "Emily",
        "Fatima",
        "Chloe",
        "Zainab",
        "Sarah",
        "Rachel",
        "Agnieszka",
        "Amara",
        "Jessica",
        "Hannah",
        "Priya",
        "Laura",
        "Megan",
        "Joy",
    ],
}
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Ahmed",
    "Hussain",
    "Begum",
    "Kowalski",
    "Okafor",
    "Mensah",
    "Clarke",
    "Lewis",
    "Hughes",
    "Ali",
    "Shah",
    "Campbell",
    "Murphy",
    "Nowak",
    "Mohamed",
    "Singh",
    "Chen",
    "Wood",
    "Harris",
    "Martin",
    "Jackson",
]
RELATIONSHIPS = [
    "Mother",
    "Father",
    "Partner",
    "Wife",
    "Husband",
    "Daughter",
    "Son",
    "Sister",
    "Brother",
    "Friend",
]

# Teams and the services they belong to, with the modes each service offers (E19).
SERVICES = {
    "Community mental health service": ["face_to_face", "video", "telephone", "text", "email"],
    "Early intervention in psychosis": ["face_to_face", "video", "telephone", "text"],
    "Psychological therapies": ["face_to_face", "video", "telephone"],
    "Older adults' mental health": ["face_to_face", "telephone", "video"],
}
COMMUNITY_TEAM_CONTACTS = {
    "care_coordination": 30,
    "psychiatric_review": 10,
    "medication_review": 15,
    "wellbeing_check_in": 25,
    "risk_assessment": 5,
    "initial_assessment": 4,
    "carer_meeting": 4,
    "crisis_review": 3,
    "discharge_planning": 4,
}
TEAMS = [  # (team, service, share of the caseload, consultation types and weights)
    (
        "North community mental health team",
        "Community mental health service",
        0.24,
        COMMUNITY_TEAM_CONTACTS,
    ),
    (
        "South community mental health team",
        "Community mental health service",
        0.24,
        COMMUNITY_TEAM_CONTACTS,
    ),
    (
        "Early intervention team",
        "Early intervention in psychosis",
        0.14,
        {
            "care_coordination": 35,
            "psychiatric_review": 15,
            "medication_review": 15,
            "wellbeing_check_in": 20,
            "risk_assessment": 5,
            "carer_meeting": 6,
            "initial_assessment": 4,
        },
    ),
    (
        "Psychological therapies team",
        "Psychological therapies",
        0.2,
        {
            "psychotherapy": 60,
            "trauma_focused_therapy": 15,
            "group_therapy": 15,
            "initial_assessment": 6,
            "discharge_planning": 4,
        },
    ),
    (
        "Older adults' community team",
        "Older adults' mental health",
        0.18,
        {
            "care_coordination": 30,
            "psychiatric_review": 15,
            "medication_review": 20,
            "wellbeing_check_in": 20,
            "carer_meeting": 10,
            "initial_assessment": 5,
        },
    ),
]
# Minutes; the rest are a 50-minute hour, leaving the 10-minute pause after remote contacts (E12).
DURATION = {"wellbeing_check_in": 30, "medication_review": 30}
DEFAULT_DURATION = 50
BASE_MODE_WEIGHTS = {"face_to_face": 50, "telephone": 28, "video": 15, "text": 5, "email": 2}
ASSESSMENT_TYPES = frozenset({"initial_assessment", "risk_assessment", "crisis_review"})
BASE_OUTCOMES = {"5": 0.78, "6": 0.03, "7": 0.01, "2": 0.07, "3": 0.08, "4": 0.03}
WORKING_HOURS = range(9, 17)  # slots start on the hour, 9am to 4pm
PEOPLE_PER_CLINICIAN = 30


OWN_WORDS = [
    "",
    "Phone is fine for the routine stuff.",
    "I'd rather see someone when things are bad.",
    "Video is hard on my phone, the signal drops.",
    "I can't get there easily, so calls help.",
    "I want my mum to be able to join.",
    "I find calls stressful; I prefer to come in.",
    "Texts are easiest while I'm at work.",
]


def stated_preferences(
    rng: random.Random, person: Person, offered: Sequence[str]
) -> dict[str, str]:
    """What a person might say about some of the modes, shaped by their access needs."""
    needs = set(person.access_needs)
    stated = {}
    for mode in offered:
        if rng.random() < 0.5:
            continue
        weights = {"prefers": 2.0, "accepts": 5.0, "declines": 1.0}
        if mode == "video" and needs & {
            "technology_unfamiliar",
            "technology_paranoia",
            "no_suitable_device",
            "poor_connectivity",
        }:
            weights["declines"] = 6.0
        if mode == "telephone" and "hearing_impairment" in needs:
            weights["declines"] = 8.0
        if mode in ("video", "telephone") and needs & {
            "mobility_difficulty",
            "long_or_costly_journey",
        }:
            weights["prefers"] = 6.0
        stated[mode] = _weighted(rng, weights)
    return stated


@dataclass(frozen=True)
class Disparity:
    """A planted truth: `measure` for `mode` is `ratio` times as likely in one group.

    measure: `dna` (did not attend); dimension: ethnicity, age_band, imd_quintile, rurality,
    gender, access_need; group: the group's label as the evaluation names it.
    """

    measure: str
    mode: str
    dimension: str
    group: str
    ratio: float

    @classmethod
    def parse(cls, text: str) -> Disparity:
        """From `dna:video:ethnicity=Black or Black British:2`."""
        try:
            measure, mode, selector, ratio = text.split(":")
            dimension, group = selector.split("=", 1)
            parsed = cls(measure, mode, dimension, group, float(ratio))
        except ValueError:
            raise ValueError(
                f"cannot read disparity {text!r}; expected MEASURE:MODE:DIMENSION=GROUP:RATIO, "
                "for example dna:video:ethnicity=Black or Black British:2"
            ) from None
        if parsed.measure != "dna":
            raise ValueError(f"unknown disparity measure {parsed.measure!r}; expected dna")
        if parsed.mode not in codes.MODES:
            raise ValueError(f"unknown mode {parsed.mode!r} in disparity")
        if parsed.dimension not in DIMENSIONS:
            raise ValueError(
                f"unknown dimension {parsed.dimension!r}; expected one of {', '.join(DIMENSIONS)}"
            )
        if not 0 < parsed.ratio <= 5:
            raise ValueError("disparity ratio must be above 0 and at most 5")
        return parsed


@dataclass(frozen=True)
class PlantedChange:
    """A planted truth for the before-and-after evaluation (E23): from `day`, every contact of
    `service` is `dna_increase` more likely (in absolute terms) not to be attended."""

    service: str
    day: dt.date
    dna_increase: float = 0.0


@dataclass(frozen=True)
class SeededChange:
    service: str
    summary: str
    modes_before: tuple[str, ...]
    modes_after: tuple[str, ...]


# The service change every seeded trust records, midway through its contacts.
SERVICE_CHANGE = SeededChange(
    service="Community mental health service",
    summary="Telephone first for follow-up contacts",
    modes_before=("face_to_face", "video", "telephone", "text", "email"),
    modes_after=("telephone", "face_to_face", "video", "text", "email"),
)


def service_change_day(as_of: dt.date, months: int) -> dt.date:
    """The day of the seeded service change: halfway from the first seeded day to `as_of`."""
    first_day = as_of - dt.timedelta(days=round(months * 30.44))
    return first_day + (as_of - first_day) / 2


@dataclass
class Person:
    index: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    gender: str
    gender_identity: str
    ethnic_category: str
    postcode_district: str
    imd_decile: int
    rurality: str
    main_language: str
    interpreter_needed: bool
    phone: str
    email: str
    team: int
    clinician: int
    registered_on: dt.date
    access_needs: list[str] = field(default_factory=list)
    carer: dict[str, Any] | None = None

    def groups(self, on: dt.date) -> dict[str, set[str]]:
        """The person's group in each evaluation dimension (access_need may hold several)."""
        age = (
            on.year
            - self.date_of_birth.year
            - ((on.month, on.day) < (self.date_of_birth.month, self.date_of_birth.day))
        )
        return {
            "ethnicity": {codes.ETHNIC_CATEGORIES[self.ethnic_category][1]},
            "age_band": {age_band(age)},
            "imd_quintile": {str((self.imd_decile + 1) // 2)},
            "rurality": {self.rurality},
            "gender": {codes.GENDER.get(self.gender, "Unknown")},
            "access_need": set(self.access_needs) or {"none_recorded"},
        }


DIMENSIONS = ("ethnicity", "age_band", "imd_quintile", "rurality", "gender", "access_need")


def age_band(age: int) -> str:
    for band, low, high, _w in AGE_BANDS:
        if low <= age <= high:
            return band
    return "65 or over" if age > 64 else "Under 18"


@dataclass
class ContactRow:
    person: int
    clinician: int
    team: int
    consultation_type: str
    planned_mode: str
    start: dt.datetime
    duration_minutes: int
    carer_invited: bool
    booked_days_before: int
    attend_status: str | None
    mode_used: str
    technical_failure: bool
    ended_early: bool


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def synthetic_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Distinct valid NHS numbers from the range reserved for test data (999 …)."""
    seen: set[str] = set()
    numbers: list[str] = []
    while len(numbers) < count:
        stem = f"999{rng.randrange(0, 1_000_000):06d}"
        check = nhs_number.calculate_checksum(stem)
        if check is None or check == 10 or stem in seen:
            continue
        seen.add(stem)
        numbers.append(f"{stem}{check}")
    return numbers


def _access_needs(rng: random.Random, p: Person, age: int) -> list[str]:
    older, deprived, rural = age >= 65, p.imd_decile <= 3, p.rurality == "rural"
    chance = {
        "hearing_impairment": 0.12 if older else 0.03,
        "visual_impairment": 0.05 if older else 0.015,
        "communication_impairment": 0.03,
        "screen_or_phone_distress": 0.06,
        "technology_unfamiliar": 0.35 if older else 0.07,
        "technology_paranoia": 0.03,
        "no_suitable_device": 0.09 if deprived else 0.03,
        "cannot_afford_data": 0.12 if deprived else 0.03,
        "poor_connectivity": 0.22 if rural else 0.04,
        "no_private_space": 0.10 if deprived else 0.05,
        "domestic_abuse_risk": 0.04 if p.gender == "2" else 0.01,
        "mobility_difficulty": 0.15 if older else 0.04,
        "shielding": 0.08 if older else 0.02,
        "long_or_costly_journey": 0.30 if rural else 0.04,
        "cognitive_impairment": 0.12 if older else 0.01,
    }
    needs = [need for need, c in chance.items() if rng.random() < c]
    if p.interpreter_needed:
        needs.append("needs_interpreter")
    return needs


def generate_people(
    rng: random.Random, count: int, as_of: dt.date, clinicians_per_team: list[int]
) -> list[Person]:
    numbers = synthetic_nhs_numbers(rng, count)
    shares = [share for _n, _s, share, _t in TEAMS]
    people = []
    for i in range(count):
        band = rng.choices(AGE_BANDS, weights=[w for *_x, w in AGE_BANDS])[0]
        age = rng.randint(band[1], band[2])
        team = (
            4
            if age >= 65 and rng.random() < 0.7
            else rng.choices(range(len(TEAMS) - 1), weights=shares[:-1])[0]
        )
        born = as_of - dt.timedelta(days=age * 365 + rng.randrange(365))
        gender = rng.choices(["1", "2", "9", "X"], weights=[48, 51, 0.5, 0.5])[0]
        identity_roll = rng.random()
        gender_identity = (
            "3"
            if identity_roll < 0.01
            else "4"
            if identity_roll < 0.013
            else "Z"
            if identity_roll < 0.06
            else (gender if gender in "12" else "X")
        )
        ethnic = _weighted(rng, ETHNIC_WEIGHTS)
        rural = rng.random() < 0.17
        decile_weights = IMD_WEIGHTS[::-1] if rural else IMD_WEIGHTS
        decile = rng.choices(range(1, 11), weights=decile_weights)[0]
        language = "en"
        if ethnic in LANGUAGE_BY_GROUP and rng.random() < 0.22:
            language = rng.choice(LANGUAGE_BY_GROUP[ethnic])
        elif rng.random() < 0.002:
            language = "bfi"
        interpreter = language != "en" and rng.random() < 0.6
        sex_for_name = gender if gender in "12" else rng.choice("12")
        given = rng.choice(GIVEN_NAMES[sex_for_name])
        family = rng.choice(FAMILY_NAMES)
        person = Person(
            index=i,
            nhs_number=numbers[i],
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            gender_identity=gender_identity,
            ethnic_category=ethnic,
            postcode_district=rng.choice(RURAL_DISTRICTS if rural else URBAN_DISTRICTS),
            imd_decile=decile,
            rurality="rural" if rural else "urban",
            main_language=language,
            interpreter_needed=interpreter,
            phone=f"07700{rng.randrange(900000, 901000):06d}"[:11],
            email=f"{given}.{family}.{i}@example.nhs.test".lower() if rng.random() < 0.7 else "",
            team=team,
            clinician=rng.randrange(clinicians_per_team[team]),
            registered_on=as_of - dt.timedelta(days=rng.randrange(30, 900)),
        )
        person.access_needs = _access_needs(rng, person, age)
        if rng.random() < (0.5 if age >= 65 else 0.3):
            revoked = rng.random() < 0.08
            person.carer = {
                "given_name": rng.choice(GIVEN_NAMES[rng.choice("12")]),
                "family_name": family if rng.random() < 0.7 else rng.choice(FAMILY_NAMES),
                "relationship": rng.choice(RELATIONSHIPS),
                "join": rng.random() < 0.7,
                "details": rng.random() < 0.8,
                "input": rng.random() < 0.6,
                "revoked": revoked,
            }
            if not (person.carer["join"] or person.carer["details"] or person.carer["input"]):
                person.carer["details"] = True
        people.append(person)
    return people


def _mode_weights(
    person: Person, consultation_type: str, offered: Sequence[str]
) -> dict[str, float]:
    weights: dict[str, float] = {m: w for m, w in BASE_MODE_WEIGHTS.items() if m in offered}
    needs = set(person.access_needs)
    if needs & {"hearing_impairment", "communication_impairment"}:
        weights["telephone"] = weights.get("telephone", 0) * 0.3
    if needs & {"technology_unfamiliar", "technology_paranoia", "no_suitable_device"}:
        weights["video"] = weights.get("video", 0) * 0.2
    if needs & {"mobility_difficulty", "shielding", "long_or_costly_journey"}:
        for m in ("video", "telephone"):
            if m in weights:
                weights[m] *= 1.8
    if consultation_type in ASSESSMENT_TYPES or consultation_type == "trauma_focused_therapy":
        weights = {m: w * (3 if m == "face_to_face" else 1) for m, w in weights.items()}
        for m in codes.ASYNCHRONOUS_MODES:
            weights.pop(m, None)
    if consultation_type == "group_therapy":
        weights = {m: w for m, w in weights.items() if m in ("face_to_face", "video")}
    return weights


def _outcome(
    rng: random.Random,
    person: Person,
    mode: str,
    groups: dict[str, set[str]],
    disparities: Sequence[Disparity],
    dna_increase: float = 0.0,
) -> tuple[str, str, bool, bool]:
    """(attend_status, mode_used, technical_failure, ended_early) for a contact that was due.
    `dna_increase` adds that much to the chance of a DNA, the other outcomes scaled down."""
    probabilities = dict(BASE_OUTCOMES)
    dna = probabilities["3"] * (1.3 if person.imd_decile <= 2 else 1.0)
    if mode in codes.REMOTE_MODES and set(person.access_needs) & {
        "technology_unfamiliar",
        "cannot_afford_data",
        "no_suitable_device",
    }:
        dna *= 1.4
    for d in disparities:
        if d.mode == mode and d.group in groups.get(d.dimension, set()):
            dna *= d.ratio
    probabilities["3"] = dna
    if dna_increase:
        total = sum(probabilities.values())
        before = dna / total
        after = min(0.95, before + dna_increase)
        probabilities = {
            k: after if k == "3" else v / total * (1 - after) / (1 - before)
            for k, v in probabilities.items()
        }
    status = _weighted(rng, probabilities)
    if status not in codes.ATTENDED:
        return status, "", False, False
    failure_chance = {"video": 0.07, "telephone": 0.02}.get(mode, 0.0)
    if "poor_connectivity" in person.access_needs or person.rurality == "rural":
        failure_chance *= 2.5
    failure = rng.random() < failure_chance
    mode_used = "telephone" if failure and mode == "video" and rng.random() < 0.6 else mode
    ended_early = rng.random() < (0.15 if failure else 0.05 if mode in codes.REMOTE_MODES else 0.02)
    return status, mode_used, failure, ended_early


def generate_contacts(
    rng: random.Random,
    people: Sequence[Person],
    *,
    as_of: dt.datetime,
    months: int,
    disparities: Sequence[Disparity] = (),
    planted_change: PlantedChange | None = None,
) -> Iterator[ContactRow]:
    """Contacts over `months` months before `as_of` and two weeks after it (future ones booked).

    No clinician has two contacts in one hourly slot and no person has two on one day.
    """
    first_day = (as_of - dt.timedelta(days=round(months * 30.44))).date()
    last_day = (as_of + dt.timedelta(days=14)).date()
    weekdays = [
        day
        for n in range((last_day - first_day).days + 1)
        for day in [first_day + dt.timedelta(days=n)]
        if day.weekday() < 5 and not bank_holiday(day)
    ]
    taken: set[tuple[int, int, dt.date, int]] = set()
    tz = as_of.tzinfo
    for person in people:
        _name, service, _share, type_weights = TEAMS[person.team]
        offered = SERVICES[service]
        per_month = rng.choice([1, 2, 2, 3, 4])
        count = max(1, round(per_month * (len(weekdays) / 21.7)))
        days = sorted(rng.sample(weekdays, min(count, len(weekdays))))
        groups = person.groups(as_of.date())
        for day in days:
            hour = None
            for candidate in rng.sample(WORKING_HOURS, len(WORKING_HOURS)):
                if (person.team, person.clinician, day, candidate) not in taken:
                    hour = candidate
                    break
            if hour is None:
                continue
            taken.add((person.team, person.clinician, day, hour))
            consultation_type = _weighted(rng, type_weights)
            mode = _weighted(rng, _mode_weights(person, consultation_type, offered))
            start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
            due = start < as_of
            outcome: tuple[str | None, str, bool, bool] = (None, "", False, False)
            if due and not (start > as_of - dt.timedelta(days=3) and rng.random() < 0.3):
                increase = (
                    planted_change.dna_increase
                    if planted_change
                    and service == planted_change.service
                    and day >= planted_change.day
                    else 0.0
                )
                outcome = _outcome(rng, person, mode, groups, disparities, increase)
            carer = person.carer
            yield ContactRow(
                person=person.index,
                clinician=person.clinician,
                team=person.team,
                consultation_type=consultation_type,
                planned_mode=mode,
                start=start,
                duration_minutes=DURATION.get(consultation_type, DEFAULT_DURATION),
                carer_invited=bool(
                    carer and carer["join"] and not carer["revoked"] and rng.random() < 0.3
                ),
                booked_days_before=rng.randint(2, 28),
                attend_status=outcome[0],
                mode_used=outcome[1],
                technical_failure=outcome[2],
                ended_early=outcome[3],
            )
