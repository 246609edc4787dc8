"""Decision support for the mode of a contact: declarative rules and a pure ranking.

No database. Each rule is data: an id, a plain-English condition, its effect on each mode
(favour, caution or avoid, with a weight), the explanation people read, and the evidence it rests
on (EVIDENCE.md). `recommend` ranks the five modes and explains itself; it is advisory, never a
verdict, and the same context always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Final

from caremode.core import codes

RULES_VERSION: Final = "2026.11.2"
MODES: Final = tuple(codes.MODES)  # face_to_face, video, telephone, text, email
ASSESSMENT_TYPES: Final = frozenset({"initial_assessment", "risk_assessment", "crisis_review"})
ROUTINE_TYPES: Final = frozenset({"medication_review", "care_coordination", "wellbeing_check_in"})
RISK_LEVELS: Final = ("low", "moderate", "high")
PREFERENCES: Final = ("prefers", "accepts", "declines")
PREFERENCE_WEIGHT: Final = {"prefers": 6.0, "accepts": 1.0, "declines": -10.0}


class Effect(StrEnum):
    FAVOUR = "favour"
    CAUTION = "caution"
    AVOID = "avoid"


class UnknownCodeError(ValueError):
    """A context holds a code outside CareMode's vocabularies; the message names it."""


@dataclass(frozen=True)
class Context:
    """What is known about the person and the contact. None means "not known / not asked"."""

    consultation_type: str
    access_needs: frozenset[str] | None = None
    age: int | None = None
    main_language: str | None = None
    interpreter_needed: bool | None = None
    existing_relationship: bool | None = None
    risk_level: str | None = None
    recent_deterioration: bool | None = None
    carer_involvement_wanted: bool | None = None
    modes_offered: tuple[str, ...] = MODES
    preferences: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.consultation_type not in codes.CONSULTATION_TYPES:
            raise UnknownCodeError(f"unknown consultation_type {self.consultation_type!r}")
        for need in sorted(self.access_needs or ()):
            if need not in codes.ACCESS_NEEDS:
                raise UnknownCodeError(f"unknown access need {need!r}")
        if self.risk_level is not None and self.risk_level not in RISK_LEVELS:
            raise UnknownCodeError(f"unknown risk_level {self.risk_level!r}")
        if self.main_language is not None and self.main_language not in codes.LANGUAGES:
            raise UnknownCodeError(f"unknown main_language {self.main_language!r}")
        if not self.modes_offered:
            raise UnknownCodeError("modes_offered is empty: a service offers at least one mode")
        for mode in self.modes_offered:
            if mode not in codes.MODES:
                raise UnknownCodeError(f"unknown mode {mode!r} in modes_offered")
        for mode, preference in sorted(self.preferences.items()):
            if mode not in codes.MODES:
                raise UnknownCodeError(f"unknown mode {mode!r} in preferences")
            if preference not in PREFERENCES:
                raise UnknownCodeError(f"unknown preference {preference!r} for {mode}")

    @cached_property
    def needs(self) -> frozenset[str]:
        needs = set(self.access_needs or ())
        if self.interpreter_needed:
            needs.add("needs_interpreter")
        return frozenset(needs)

    @property
    def is_assessment(self) -> bool:
        return self.consultation_type in ASSESSMENT_TYPES


@dataclass(frozen=True)
class Rule:
    id: str
    condition: str
    applies: Callable[[Context], bool]
    effects: Mapping[str, tuple[Effect, float]]
    explanation: str
    evidence: tuple[str, ...]
    put_in_place: Mapping[str, str] = field(default_factory=dict)


def _needs(*needs: str) -> Callable[[Context], bool]:
    return lambda c: bool(c.needs & set(needs))


def _types(*types: str) -> Callable[[Context], bool]:
    return lambda c: c.consultation_type in types


F, C, A = Effect.FAVOUR, Effect.CAUTION, Effect.AVOID
SAFE_WORD = "Check privately that the person can talk; agree a safe word and what it means."
REMOTE_CAUTION = {"video": (C, 2.0), "telephone": (C, 2.0), "text": (C, 2.0), "email": (C, 2.0)}

RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "R01",
        "Any contact",
        lambda c: True,
        {"face_to_face": (F, 2.0), "video": (F, 1.0), "telephone": (F, 1.0)},
        "Most people find face-to-face care clearly better, though many find remote care "
        "tolerable; remote care is an option, not a default.",
        ("E2",),
    ),
    Rule(
        "R02",
        "An initial assessment",
        _types("initial_assessment"),
        {
            "face_to_face": (F, 4.0),
            "video": (C, 1.0),
            "telephone": (C, 3.0),
            "text": (A, 8.0),
            "email": (A, 8.0),
        },
        "A first assessment relies on non-verbal cues and on building a relationship, which are "
        "hard to get remotely; telephone triage has delayed fuller assessment.",
        ("E4", "E7", "E8"),
    ),
    Rule(
        "R03",
        "A risk assessment or crisis review",
        _types("risk_assessment", "crisis_review"),
        {
            "face_to_face": (F, 5.0),
            "video": (C, 2.0),
            "telephone": (C, 4.0),
            "text": (A, 10.0),
            "email": (A, 10.0),
        },
        "Assessing risk and spotting deterioration are harder remotely; telephone shows no body "
        "language at all, and staff cannot see home circumstances.",
        ("E7", "E9"),
    ),
    Rule(
        "R04",
        "Risk is high or the person has recently deteriorated",
        lambda c: c.risk_level == "high" or bool(c.recent_deterioration),
        {
            "face_to_face": (F, 4.0),
            "video": (C, 2.0),
            "telephone": (C, 3.0),
            "text": (A, 6.0),
            "email": (A, 6.0),
        },
        "Acutely unwell people were harder to assess remotely, and changes in mental state (for "
        "example towards mania) are easy to miss by telephone.",
        ("E7", "E20"),
    ),
    Rule(
        "R05",
        "Trauma-focused therapy",
        _types("trauma_focused_therapy"),
        {
            "face_to_face": (F, 5.0),
            "video": (A, 5.0),
            "telephone": (A, 8.0),
            "text": (A, 10.0),
            "email": (A, 10.0),
        },
        "Trauma-processing work was judged so ill-suited to remote delivery that services paused "
        "it: it needs the bounded, safe space of the consulting room.",
        ("E6",),
    ),
    Rule(
        "R06",
        "Psychotherapy or group therapy",
        _types("psychotherapy", "group_therapy"),
        {"face_to_face": (F, 2.0), "telephone": (C, 2.0), "text": (A, 8.0), "email": (A, 8.0)},
        "Therapy loses eye contact and the boundaries of the therapy room when delivered "
        "remotely; some people chose to wait for face-to-face therapy.",
        ("E3", "E6"),
    ),
    Rule(
        "R07",
        "Therapy with someone who has never had face-to-face therapy",
        lambda c: c.consultation_type == "psychotherapy" and c.existing_relationship is False,
        {"video": (F, 1.0)},
        "Some psychologists found remote therapy better accepted by people who had never had "
        "face-to-face therapy, with no 'shock' of a change of mode.",
        ("E5",),
    ),
    Rule(
        "R08",
        "No existing relationship with the clinician",
        lambda c: c.existing_relationship is False,
        {
            "face_to_face": (F, 2.0),
            "video": (C, 1.0),
            "telephone": (C, 2.0),
            "text": (C, 2.0),
            "email": (C, 2.0),
        },
        "Building a therapeutic relationship remotely with someone never met is hard; good "
        "remote experiences mostly came from existing relationships.",
        ("E4",),
    ),
    Rule(
        "R09",
        "A routine contact within an existing relationship",
        lambda c: c.existing_relationship is True and c.consultation_type in ROUTINE_TYPES,
        {"video": (F, 2.0), "telephone": (F, 2.0), "text": (F, 1.0)},
        "Within an established relationship, remote care saves travel (an hour is an hour, not "
        "half a day) and allows shorter, more frequent contact.",
        ("E2", "E4", "E13"),
    ),
    Rule(
        "R10",
        "A wellbeing check-in",
        _types("wellbeing_check_in"),
        {"telephone": (F, 1.0), "text": (F, 2.0)},
        "Short, frequent contact and easy follow-up are what remote care does well.",
        ("E13",),
    ),
    Rule(
        "R11",
        "Hearing impairment",
        _needs("hearing_impairment"),
        {
            "telephone": (A, 6.0),
            "video": (C, 1.0),
            "face_to_face": (F, 2.0),
            "text": (F, 1.0),
            "email": (F, 1.0),
        },
        "People with hearing difficulties are disadvantaged by telephone, and by video without "
        "captions or clear sight of the speaker's face.",
        ("E14",),
        {
            "video": "Turn on captions and check the person can see your face clearly.",
            "face_to_face": "Book a quiet room; offer a hearing loop or a BSL interpreter if used.",
        },
    ),
    Rule(
        "R12",
        "Communication impairment",
        _needs("communication_impairment"),
        {"telephone": (A, 5.0), "face_to_face": (F, 2.0), "video": (C, 1.0)},
        "People with communication impairments are disadvantaged by remote care, telephone most.",
        ("E14",),
        {"video": "Enable the in-call text chat so the person can type as well as speak."},
    ),
    Rule(
        "R13",
        "Finds screens or phones distressing",
        _needs("screen_or_phone_distress"),
        {"video": (A, 5.0), "telephone": (C, 3.0), "face_to_face": (F, 2.0)},
        "For some people (for example with anxiety or autism) a screen or a phone call is itself "
        "distressing.",
        ("E14",),
    ),
    Rule(
        "R14",
        "Unfamiliar with technology",
        _needs("technology_unfamiliar"),
        {"video": (C, 3.0), "email": (C, 2.0)},
        "People unfamiliar with technology, including some older people, were disadvantaged by "
        "video and online contact.",
        ("E14",),
        {"video": "Offer a test call before the day and send simple joining instructions."},
    ),
    Rule(
        "R15",
        "Distress or paranoia about technology",
        _needs("technology_paranoia"),
        {
            "video": (A, 5.0),
            "telephone": (C, 2.0),
            "text": (C, 2.0),
            "email": (C, 2.0),
            "face_to_face": (F, 2.0),
        },
        "People with paranoia or delusions about technology may find remote contact frightening.",
        ("E14",),
    ),
    Rule(
        "R16",
        "No suitable device",
        _needs("no_suitable_device"),
        {"video": (A, 8.0), "email": (C, 3.0)},
        "Without a suitable device, video and online contact are not possible.",
        ("E14",),
    ),
    Rule(
        "R17",
        "Cannot afford data or calls",
        _needs("cannot_afford_data"),
        {"video": (C, 3.0), "telephone": (C, 1.0)},
        "People who cannot afford data or calls are disadvantaged by remote care.",
        ("E14",),
        {
            "telephone": "The service calls the person, so the call costs them nothing.",
            "video": "Check the person has Wi-Fi or enough data; offer a telephone call instead.",
        },
    ),
    Rule(
        "R18",
        "Poor connectivity",
        _needs("poor_connectivity"),
        {"video": (C, 4.0), "telephone": (C, 1.0)},
        "Poor Wi-Fi and mobile signal broke calls, with one-way audio and failed video, more so "
        "in rural areas.",
        ("E16",),
        {
            "video": "Agree a telephone fallback on the number on record before the call starts.",
            "telephone": "Agree a landline number if mobile signal is poor.",
        },
    ),
    Rule(
        "R19",
        "No private space at home",
        _needs("no_private_space"),
        {**REMOTE_CAUTION, "face_to_face": (F, 2.0)},
        "Staff cannot see home circumstances and rely on self-report; without a private space "
        "the person may not be able to speak freely.",
        ("E9",),
        {
            "video": "Start with a 'can you talk privately?' check and agree a safe word.",
            "telephone": "Start with a 'can you talk privately?' check and agree a safe word.",
        },
    ),
    Rule(
        "R20",
        "Risk of domestic abuse",
        _needs("domestic_abuse_risk"),
        {
            "video": (C, 4.0),
            "telephone": (C, 4.0),
            "text": (A, 5.0),
            "email": (A, 5.0),
            "face_to_face": (F, 3.0),
        },
        "People in unsafe homes may not be able to speak freely on a remote call, and messages "
        "may be read by someone else.",
        ("E9",),
        {
            "video": SAFE_WORD,
            "telephone": SAFE_WORD,
            "face_to_face": "Make sure the person can be seen alone for part of the contact.",
        },
    ),
    Rule(
        "R21",
        "Mobility difficulty, shielding, or a long or costly journey",
        _needs("mobility_difficulty", "shielding", "long_or_costly_journey"),
        {"video": (F, 3.0), "telephone": (F, 2.0), "face_to_face": (C, 1.0)},
        "Remote care helps people who are shielding, have mobility problems, or face long, "
        "costly journeys (no parking, first-floor rooms).",
        ("E15",),
        {"face_to_face": "Offer a home visit or an accessible, nearby room, and travel costs."},
    ),
    Rule(
        "R22",
        "Cognitive impairment",
        _needs("cognitive_impairment"),
        {"text": (A, 4.0), "email": (A, 4.0), "video": (C, 2.0), "face_to_face": (F, 2.0)},
        "Remote and written contact can be hard to follow with cognitive impairment.",
        ("E14",),
        {"face_to_face": "Invite a carer, if the person agrees, to help remember what was said."},
    ),
    Rule(
        "R23",
        "Needs an interpreter",
        _needs("needs_interpreter"),
        {
            "face_to_face": (F, 2.0),
            "video": (F, 1.0),
            "telephone": (C, 2.0),
            "text": (C, 4.0),
            "email": (C, 4.0),
        },
        "People who need support with English were disadvantaged by remote care; three-way "
        "telephone calls with an interpreter are hard, written messages harder.",
        ("E14",),
        {
            "face_to_face": "Book an interpreter for the person's language.",
            "video": "Invite an interpreter to the video room.",
            "telephone": "Book a three-way telephone interpreter.",
        },
    ),
    Rule(
        "R24",
        "The person wants a carer involved",
        lambda c: bool(c.carer_involvement_wanted),
        {"face_to_face": (F, 1.0), "video": (F, 1.0), "text": (C, 2.0), "email": (C, 2.0)},
        "Carers felt shut out of remote meetings; things a carer would have raised went "
        "unrecorded. Carer involvement must be possible in every mode, with consent.",
        ("E10",),
        {
            "face_to_face": "Invite the carer (within the consent recorded).",
            "video": "Send the carer a link to join the video room (within the consent recorded).",
            "telephone": "Set up a three-way call so the carer can join (within consent).",
        },
    ),
    Rule(
        "R25",
        "Discharge planning",
        _types("discharge_planning"),
        {"face_to_face": (F, 2.0), "text": (A, 6.0), "email": (A, 6.0)},
        "People were discharged by letter or left without a handover; discharge needs a "
        "conversation, not a message.",
        ("E11",),
    ),
    Rule(
        "R26",
        "Aged 75 or over",
        lambda c: c.age is not None and c.age >= 75,
        {"video": (C, 1.0)},
        "Some older people are unfamiliar with, or reluctant to use, video; ask rather than "
        "assume, and offer help to try it.",
        ("E14",),
        {"video": "Offer a test call, with a family member or carer helping if the person wishes."},
    ),
)
RULES_BY_ID: Final = {rule.id: rule for rule in RULES}
assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    evidence: tuple[str, ...]
    effect: str

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "evidence": list(self.evidence),
            "effect": self.effect,
        }


ASYNC_FOR_ASSESSMENT = Reason(
    "R00",
    "Text and email are not used for assessment, risk or crisis contacts: they cannot show how "
    "the person is, and replies may not come in time.",
    ("E7", "E8"),
    "avoid",
)
DECLINED = Reason(
    "P02",
    "Declining a mode is a choice to record, not a disappearance: agree another mode rather than "
    "offering this one again.",
    ("E3",),
    "avoid",
)
ALL_DECLINED = Reason(
    "P03",
    "Every suitable mode the service offers has been declined: talk this through with the "
    "person before booking.",
    ("E3", "E19"),
    "caution",
)
NOT_OFFERED = Reason("S01", "The service does not offer this mode.", ("E19",), "avoid")


@dataclass(frozen=True)
class RankedMode:
    mode: str
    rank: int
    score: float
    offered: bool
    preference: str | None
    reasons: tuple[Reason, ...]
    cautions: tuple[Reason, ...]
    put_in_place: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "rank": self.rank,
            "score": self.score,
            "offered": self.offered,
            "preference": self.preference,
            "reasons": [r.as_json() for r in self.reasons],
            "cautions": [c.as_json() for c in self.cautions],
            "put_in_place": list(self.put_in_place),
        }


@dataclass(frozen=True)
class Recommendation:
    rules_version: str
    consultation_type: str
    ranked: tuple[RankedMode, ...]
    missing_information: tuple[str, ...]
    rules_applied: tuple[str, ...]

    @property
    def top(self) -> RankedMode:
        return self.ranked[0]

    def for_mode(self, mode: str) -> RankedMode:
        return next(r for r in self.ranked if r.mode == mode)

    def as_json(self) -> dict[str, Any]:
        return {
            "rules_version": self.rules_version,
            "consultation_type": self.consultation_type,
            "ranked": [r.as_json() for r in self.ranked],
            "missing_information": list(self.missing_information),
            "put_in_place": list(self.top.put_in_place),
            "rules_applied": list(self.rules_applied),
        }


def _missing_information(c: Context) -> list[str]:
    missing = []
    if c.access_needs is None:
        missing.append(
            "Access needs have never been recorded: ask about hearing, communication, devices, "
            "data costs, connectivity, privacy at home and travel."
        )
    if c.existing_relationship is None:
        missing.append("Whether the person already knows the clinician.")
    if c.risk_level is None:
        missing.append("The current level of risk.")
    if c.recent_deterioration is None:
        missing.append("Whether the person's mental health has recently got worse.")
    if c.carer_involvement_wanted is None:
        missing.append("Whether the person wants a carer involved.")
    if c.interpreter_needed is None and c.main_language not in (None, "en"):
        missing.append("Whether an interpreter is needed.")
    unknown = [m for m in c.modes_offered if m not in c.preferences]
    if unknown:
        labels = ", ".join(codes.MODES[m][1].lower() for m in unknown)
        missing.append(f"The person's own preference for: {labels}.")
    return missing


# Each rule's signed weight and explanation per mode, built once: recommend() runs per person
# and consultation type across whole caseloads.
_SCORED: Final = {
    rule.id: {
        mode: (
            weight if effect is Effect.FAVOUR else -weight,
            Reason(rule.id, rule.explanation, rule.evidence, effect.value),
        )
        for mode, (effect, weight) in rule.effects.items()
    }
    for rule in RULES
}


def _assess_mode(
    context: Context, mode: str, applied: list[Rule], every_offered_declined: bool
) -> tuple[int, float, dict[str, Any]]:
    """Score one mode, with its reasons and cautions, and the tier that bounds its rank."""
    score = 0.0
    reasons: list[Reason] = []
    cautions: list[Reason] = []
    steps: list[str] = []
    for rule in applied:
        if mode in rule.effects:
            delta, reason = _SCORED[rule.id][mode]
            score += delta
            (reasons if delta > 0 else cautions).append(reason)
        if mode in rule.put_in_place:
            steps.append(rule.put_in_place[mode])
    preference = context.preferences.get(mode)
    offered = mode in context.modes_offered
    tier = 0
    if preference is not None:
        score += PREFERENCE_WEIGHT[preference]
        said = Reason(
            "P01",
            f"The person {preference} {codes.MODES[mode][1].lower()} contact.",
            ("E19", "E20"),
            "preference",
        )
        (cautions if preference == "declines" else reasons).append(said)
    if preference == "declines":
        tier = 1
        cautions.append(DECLINED)
        if every_offered_declined and offered:
            cautions.append(ALL_DECLINED)
    if context.is_assessment and mode in codes.ASYNCHRONOUS_MODES:
        tier = 2
        cautions.append(ASYNC_FOR_ASSESSMENT)
    if not offered:
        tier = 3
        cautions.append(NOT_OFFERED)
    elif mode in codes.REMOTE_MODES:
        steps.append("Before a first remote contact, send guidance on what to expect.")
    return (
        tier,
        round(score, 2),
        {
            "mode": mode,
            "score": round(score, 2),
            "offered": offered,
            "preference": preference,
            "reasons": tuple(reasons),
            "cautions": tuple(cautions),
            "put_in_place": tuple(dict.fromkeys(steps)),
        },
    )


def recommend(context: Context) -> Recommendation:
    """Rank the five modes for this contact, with reasons, cautions and what to put in place.

    Modes sort by tier, then score, then the fixed order of MODES (so ties are deterministic).
    Tiers keep these invariants, tested as properties: a mode the service does not offer is never
    first; text and email are never first for assessment, risk or crisis contacts while the service
    offers another mode; a mode the person declines is never first unless every other suitable
    offered mode is declined too, and then it carries a caution; every reason cites evidence.
    """
    applied = [rule for rule in RULES if rule.applies(context)]
    suitable = [
        m
        for m in context.modes_offered
        if not (context.is_assessment and m in codes.ASYNCHRONOUS_MODES)
    ]
    every_offered_declined = all(context.preferences.get(m) == "declines" for m in suitable)
    assessed = sorted(
        (tier, -score, order, fields)
        for order, mode in enumerate(MODES)
        for tier, score, fields in [_assess_mode(context, mode, applied, every_offered_declined)]
    )
    return Recommendation(
        rules_version=RULES_VERSION,
        consultation_type=context.consultation_type,
        ranked=tuple(
            RankedMode(rank=rank, **fields) for rank, (*_key, fields) in enumerate(assessed, 1)
        ),
        missing_information=tuple(_missing_information(context)),
        rules_applied=tuple(rule.id for rule in applied),
    )


def context_from_json(data: Mapping[str, Any]) -> Context:
    """Build a Context from the JSON the API and `caremode recommend` accept.

    Raises UnknownCodeError naming the field for unknown keys or codes.
    """
    if not isinstance(data, Mapping) or "consultation_type" not in data:
        raise UnknownCodeError("consultation_type is required")
    person = data.get("service_user", {})
    if not isinstance(person, Mapping):
        raise UnknownCodeError("service_user must be an object")
    known = {
        "age",
        "access_needs",
        "main_language",
        "interpreter_needed",
        "existing_relationship",
        "risk_level",
        "recent_deterioration",
        "carer_involvement_wanted",
        "preferences",
        "modes_offered",
    }
    extra = sorted(set(person) - known)
    if extra:
        raise UnknownCodeError(f"unknown field service_user.{extra[0]}")
    modes_offered = person.get("modes_offered", data.get("modes_offered", MODES))
    needs = person.get("access_needs")
    return Context(
        consultation_type=str(data["consultation_type"]),
        access_needs=frozenset(needs) if needs is not None else None,
        age=person.get("age"),
        main_language=person.get("main_language"),
        interpreter_needed=person.get("interpreter_needed"),
        existing_relationship=person.get("existing_relationship"),
        risk_level=person.get("risk_level"),
        recent_deterioration=person.get("recent_deterioration"),
        carer_involvement_wanted=person.get("carer_involvement_wanted"),
        modes_offered=tuple(modes_offered),
        preferences=dict(person.get("preferences", {})),
    )
