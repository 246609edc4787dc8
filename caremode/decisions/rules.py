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

RULES_VERSION: Final = "2026.12.3"
MODES: Final = tuple(codes.MODES)  # face_to_face, video, telephone, text, email
ASSESSMENT_TYPES: Final = frozenset({"initial_assessment", "risk_assessment", "crisis_review"})
ROUTINE_TYPES: Final = frozenset({"medication_review", "care_coordination", "wellbeing_check_in"})
THERAPY_TYPES: Final = frozenset({"psychotherapy", "trauma_focused_therapy", "group_therapy"})
# Contacts at which a carer's view matters most (E10): assessments, reviews and risk.
CARER_VIEW_TYPES: Final = ASSESSMENT_TYPES | codes.REVIEW_CONSULTATION_TYPES
# Rapport already built (E4): at least this many attended contacts with the clinician, at least
# one of them face to face, the last within this many days (hazard H-D01).
ESTABLISHED_MIN_CONTACTS: Final = 2
ESTABLISHED_WITHIN_DAYS: Final = 365
# For a high-risk or crisis contact a stated preference for a remote mode counts for this share of
# its usual weight: safety weighs more, and the reasons say so (hazard H-D02).
SAFETY_FIRST_PREFERENCE_SHARE: Final = 0.5
RISK_LEVELS: Final = ("low", "moderate", "high")
PREFERENCES: Final = ("prefers", "accepts", "declines")
PREFERENCE_WEIGHT: Final = {"prefers": 6.0, "accepts": 1.0, "declines": -10.0}
# A decision may agree a mode, or to pause and keep in touch, or to wait for face to face (E3,
# E6), each of those two with a keep-in-touch rhythm and a date to offer again (hazard D16).
PAUSE: Final = "pause"
WAIT_FOR_FACE_TO_FACE: Final = "wait_face_to_face"
WAITING_OUTCOMES: Final[dict[str, str]] = {
    PAUSE: "Pause and keep in touch",
    WAIT_FOR_FACE_TO_FACE: "Wait for face to face",
}
# How often to keep in touch while waiting, in weeks, as the person would say it.
KEEP_IN_TOUCH_RHYTHMS: Final[dict[int, str]] = {1: "Weekly", 2: "Fortnightly", 4: "Every 4 weeks"}
# A pause or a wait is offered again within this many days: never an open-ended break (E11).
MAX_REOFFER_DAYS: Final = 183
# Days past a keep-in-touch contact's due date before the team is alerted (hazard D17).
KEEP_IN_TOUCH_GRACE_DAYS: Final = 2


class Effect(StrEnum):
    FAVOUR = "favour"
    CAUTION = "caution"
    AVOID = "avoid"


class UnknownCodeError(ValueError):
    """A context holds a code outside CareMode's vocabularies; the message names it."""


@dataclass(frozen=True)
class Relationship:
    """The person's history with this clinician: attended contacts, how many of them face to
    face, and how many days since the last one (None when there has been none)."""

    attended: int
    face_to_face: int
    days_since_last: int | None

    def __post_init__(self) -> None:
        if self.attended < 0 or not 0 <= self.face_to_face <= self.attended:
            raise UnknownCodeError("relationship: face_to_face must be between 0 and attended")
        if self.days_since_last is not None and self.days_since_last < 0:
            raise UnknownCodeError("relationship: days_since_last cannot be negative")

    @property
    def established(self) -> bool:
        """Rapport already built, mostly face to face (E4): one telephone triage is not it."""
        return (
            self.attended >= ESTABLISHED_MIN_CONTACTS
            and self.face_to_face >= 1
            and self.days_since_last is not None
            and self.days_since_last <= ESTABLISHED_WITHIN_DAYS
        )

    def describe(self) -> str:
        if not self.attended:
            return "This clinician has not seen the person before."
        times = "once" if self.attended == 1 else f"{self.attended} times"
        when = self.days_since_last or 0
        ago = (
            "today"
            if when == 0
            else "yesterday"
            if when == 1
            else f"{when} days ago"
            if when < 14
            else f"{when // 7} weeks ago"
            if when < 61
            else f"{when // 30} months ago"
        )
        return (
            f"This clinician has seen the person {times} ({self.face_to_face} face to face), "
            f"last {ago}."
        )


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
    # The real history with this clinician; when given, it decides whether rapport is built.
    relationship: Relationship | None = None
    # Whether the person has ever attended therapy face to face, with anyone (E5).
    had_face_to_face_therapy: bool | None = None
    rurality: str | None = None
    # Whether a carer's current consent lets them join the person's contacts (E10).
    carer_may_join: bool | None = None

    def __post_init__(self) -> None:
        if self.consultation_type not in codes.CONSULTATION_TYPES:
            raise UnknownCodeError(f"unknown consultation_type {self.consultation_type!r}")
        for need in sorted(self.access_needs or ()):
            if need not in codes.ACCESS_NEEDS:
                raise UnknownCodeError(f"unknown access need {need!r}")
        if self.risk_level is not None and self.risk_level not in RISK_LEVELS:
            raise UnknownCodeError(f"unknown risk_level {self.risk_level!r}")
        if self.rurality is not None and self.rurality not in codes.RURALITY:
            raise UnknownCodeError(f"unknown rurality {self.rurality!r}")
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

    @property
    def knows_clinician(self) -> bool | None:
        """Whether rapport with this clinician is already built (E4): from the real history when
        it is known, otherwise as the clinician said."""
        if self.relationship is not None:
            return self.relationship.established
        return self.existing_relationship

    @property
    def safety_first(self) -> bool:
        """A contact where seeing the person weighs more than a stated preference (E7)."""
        return self.consultation_type in ("risk_assessment", "crisis_review") or (
            self.risk_level == "high"
        )


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
        lambda c: c.consultation_type == "psychotherapy" and c.had_face_to_face_therapy is False,
        {"video": (F, 1.0)},
        "Some psychologists found remote therapy better accepted by people who had never had "
        "face-to-face therapy, with no 'shock' of a change of mode.",
        ("E5",),
    ),
    Rule(
        "R08",
        "No established relationship with the clinician (never met, or not yet in person)",
        lambda c: c.knows_clinician is False,
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
        "A routine contact within an established relationship",
        lambda c: c.knows_clinician is True and c.consultation_type in ROUTINE_TYPES,
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
        {"video": (C, 3.0), "email": (C, 2.0), "telephone": (F, 1.0)},
        "People who cannot afford a device or data are disadvantaged by remote care: video and "
        "email use data, while a call from the service costs the person nothing.",
        ("E14",),
        {
            "telephone": "The service calls the person, so the call costs them nothing.",
            "video": "Check the person has Wi-Fi or enough data; offer a telephone call instead.",
            "email": "Check the person can read email without paying for data.",
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
        "The studies did not look at cognitive impairment itself; they found people without a "
        "supporter present disadvantaged by remote contact. Remote and written contact can be "
        "hard to follow, so involve a supporter if the person wishes.",
        ("E10",),
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
        "R27",
        "A psychiatric review with a clinician the person already knows",
        lambda c: c.consultation_type == "psychiatric_review" and c.knows_clinician is True,
        {"video": (F, 2.0), "telephone": (F, 2.0)},
        "Within an established relationship a psychiatric review can go well remotely: the "
        "clearest good remote experiences were reviews with a psychiatrist already known.",
        ("E4", "E19"),
    ),
    Rule(
        "R28",
        "A meeting with the person's carer",
        _types("carer_meeting"),
        {"face_to_face": (F, 2.0), "video": (F, 1.0), "text": (A, 6.0), "email": (A, 6.0)},
        "Carers felt shut out of remote meetings; a carer meeting needs the carer able to take a "
        "full part, in person or with their own link to the video room.",
        ("E10",),
        {
            "face_to_face": "Offer a time and place the carer can make.",
            "video": "Send the carer their own link to the video room (within the consent "
            "recorded).",
            "telephone": "Set up a three-way call so the carer can join (within consent).",
        },
    ),
    Rule(
        "R29",
        "Lives in a rural area",
        lambda c: c.rurality == "rural",
        {"video": (C, 1.0)},
        "Connectivity broke calls more often in rural areas.",
        ("E16",),
        {"video": "Agree a telephone fallback on the number on record before the call starts."},
    ),
    Rule(
        "R30",
        "Visual impairment",
        _needs("visual_impairment"),
        {"text": (C, 2.0), "email": (C, 2.0), "video": (C, 1.0)},
        "The studies did not report on visual impairment; they ask that decisions differ by the "
        "remote option. Written messages and video rely on sight: ask how the person reads "
        "(screen reader, large print) before choosing them.",
        ("E19",),
        {
            "text": "Send messages the way the person reads them (screen reader or large print).",
            "email": "Send messages the way the person reads them (screen reader or large print).",
            "video": "Describe anything you show on screen; do not rely on the person seeing it.",
        },
    ),
)
# Rules withdrawn, with why; their ids are never used again.
RETIRED_RULES: Final[dict[str, str]] = {
    "R26": "Aged 75 or over: an age stereotype. The evidence names unfamiliarity with technology "
    "(E14), which is an access need (R14) asked of everyone, whatever their age.",
}
RULES_BY_ID: Final = {rule.id: rule for rule in RULES}
assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"
assert not set(RULES_BY_ID) & set(RETIRED_RULES), "a retired rule's id is never used again"


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    evidence: tuple[str, ...]
    effect: str
    # A few words for the one-line summary (the rule's condition); the text says the rest.
    headline: str = ""
    weight: float = field(default=0.0, compare=False)

    @property
    def short(self) -> str:
        return self.headline or self.text

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
    "Not for assessment, risk or crisis contacts",
    90.0,
)
DECLINED = Reason(
    "P02",
    "Declining a mode is a choice to record, not a disappearance: agree another mode rather than "
    "offering this one again.",
    ("E3",),
    "avoid",
    "The person declines this mode",
    50.0,
)
ALL_DECLINED = Reason(
    "P03",
    "Every suitable mode the service offers has been declined: talk this through with the "
    "person before booking.",
    ("E3", "E19"),
    "caution",
    "Every suitable mode has been declined",
    40.0,
)
NOT_OFFERED = Reason(
    "S01", "The service does not offer this mode.", ("E19",), "avoid", "Not offered", 100.0
)
INVITE_CARER = Reason(
    "C01",
    "A carer's consent lets them join: invite them, if the person agrees, and ask for their view "
    "of how the person has been before the contact. Things a carer would have raised went "
    "unrecorded when carers were left out.",
    ("E10",),
    "prompt",
    "Invite the carer and ask for their view",
)

PAUSE_OR_WAIT = Reason(
    "W01",
    "Face to face is not available for this trauma-focused therapy. Services paused "
    "trauma-processing work rather than move it online, and some people chose to wait to be "
    "seen in person: offer to pause and keep in touch, or to wait for face to face, as well as "
    "video. Agree how often you will keep in touch and when you will offer it again, since "
    "breaks with no word left people not knowing what would happen.",
    ("E3", "E6", "E11"),
    "prompt",
    "Offer to pause and keep in touch, or to wait for face to face",
)
WAIT_AFTER_DECLINING = Reason(
    "W02",
    "The person declines every remote mode the service offers for this therapy, and face to face "
    "is not offered. Some people declined remote therapy and waited to be seen in person: that is "
    "a choice to record, not a disappearance. Offer to wait for face to face, agree how often "
    "you will keep in touch while they wait and when you will offer it again, since breaks in "
    "therapy with no word harmed people.",
    ("E3", "E11"),
    "prompt",
    "Offer to wait for face to face, keeping in touch",
)


def waiting_outcomes(context: Context) -> tuple[str, ...]:
    """The outcomes besides a mode that the evidence supports offering for this contact: pause
    or wait when trauma-focused therapy cannot be face to face (W01: E3, E6); wait when the
    person declines every remote mode offered for therapy (W02: E3). Never when face to face is
    offered, since then it can simply be agreed."""
    if "face_to_face" in context.modes_offered:
        return ()
    if context.consultation_type == "trauma_focused_therapy":
        return (PAUSE, WAIT_FOR_FACE_TO_FACE)
    if _declines_all_remote_therapy(context):
        return (WAIT_FOR_FACE_TO_FACE,)
    return ()


def _declines_all_remote_therapy(context: Context) -> bool:
    return (
        context.consultation_type in THERAPY_TYPES
        and bool(context.modes_offered)
        and all(context.preferences.get(m) == "declines" for m in context.modes_offered)
    )


def _prompts(context: Context) -> tuple[Reason, ...]:
    """What to raise with the person beside the ranking: inviting a carer (E10); pausing or
    waiting when trauma-focused therapy cannot be face to face (E3, E6, E11; hazard D15);
    waiting when the person declines every remote mode offered for therapy (E3, E11; D16)."""
    prompts = []
    if context.carer_may_join and context.consultation_type in CARER_VIEW_TYPES:
        prompts.append(INVITE_CARER)
    if (
        context.consultation_type == "trauma_focused_therapy"
        and "face_to_face" not in context.modes_offered
    ):
        prompts.append(PAUSE_OR_WAIT)
    elif "face_to_face" not in context.modes_offered and _declines_all_remote_therapy(context):
        prompts.append(WAIT_AFTER_DECLINING)
    return tuple(prompts)


def _safety_first_reason(mode: str) -> Reason:
    return Reason(
        "P04",
        f"Safety first: for a high-risk or crisis contact, seeing how the person is weighs more "
        f"than their preference for {codes.MODES[mode][1].lower()} contact, so the preference "
        "counts for half. If you agree this mode, record why.",
        ("E7", "E19"),
        "caution",
        "Safety first: the preference counts for half",
        20.0,
    )


SAFETY_OVER_PREFERENCE = Reason(
    "P05",
    "Safety first: the person prefers another mode, but for a high-risk or crisis contact seeing "
    "how they are comes first. Talk it through with them.",
    ("E7", "E19"),
    "safety",
    "Safety first: seeing the person comes before a preference",
    1.0,
)


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
    prompts: tuple[Reason, ...] = ()
    relationship: str | None = None
    # Pause / wait for face to face, where the evidence supports offering them (hazard D16).
    waiting_outcomes: tuple[str, ...] = ()

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
            "prompts": [p.as_json() for p in self.prompts],
            "relationship": self.relationship,
            "waiting_outcomes": list(self.waiting_outcomes),
        }


def _missing_information(c: Context) -> list[str]:
    missing = []
    if c.access_needs is None:
        missing.append(
            "Access needs have never been recorded: ask about hearing, communication, devices, "
            "data costs, connectivity, privacy at home and travel."
        )
    if c.knows_clinician is None:
        missing.append("Whether the person already knows the clinician.")
    if c.consultation_type == "psychotherapy" and c.had_face_to_face_therapy is None:
        missing.append("Whether the person has had face-to-face therapy before.")
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
            Reason(rule.id, rule.explanation, rule.evidence, effect.value, rule.condition, weight),
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
        weight = PREFERENCE_WEIGHT[preference]
        safety_first = context.safety_first and preference == "prefers" and mode != "face_to_face"
        if safety_first:
            weight *= SAFETY_FIRST_PREFERENCE_SHARE
        score += weight
        said = Reason(
            "P01",
            f"The person {preference} {codes.MODES[mode][1].lower()} contact.",
            ("E19", "E20"),
            "preference",
            weight=abs(weight),
        )
        (cautions if preference == "declines" else reasons).append(said)
        if safety_first:
            cautions.append(_safety_first_reason(mode))
    elif (
        mode == "face_to_face"
        and context.safety_first
        and any(p == "prefers" for m, p in context.preferences.items() if m != mode)
    ):
        reasons.append(SAFETY_OVER_PREFERENCE)
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

    def strongest_first(found: list[Reason]) -> tuple[Reason, ...]:
        # Strongest first; on a tie, a reason about this person before "any contact" (R01).
        return tuple(sorted(found, key=lambda r: (-r.weight, r.rule == "R01")))

    return (
        tier,
        round(score, 2),
        {
            "mode": mode,
            "score": round(score, 2),
            "offered": offered,
            "preference": preference,
            "reasons": strongest_first(reasons),
            "cautions": strongest_first(cautions),
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
        prompts=_prompts(context),
        relationship=context.relationship.describe() if context.relationship else None,
        waiting_outcomes=waiting_outcomes(context),
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
        "relationship",
        "had_face_to_face_therapy",
        "rurality",
        "carer_may_join",
    }
    extra = sorted(set(person) - known)
    if extra:
        raise UnknownCodeError(f"unknown field service_user.{extra[0]}")
    modes_offered = person.get("modes_offered", data.get("modes_offered", MODES))
    needs = person.get("access_needs")
    relationship = person.get("relationship")
    if relationship is not None:
        if not isinstance(relationship, Mapping) or set(relationship) - {
            "attended",
            "face_to_face",
            "days_since_last",
        }:
            raise UnknownCodeError(
                "service_user.relationship must be an object of attended, face_to_face and "
                "days_since_last"
            )
        try:
            relationship = Relationship(
                attended=int(relationship.get("attended", 0)),
                face_to_face=int(relationship.get("face_to_face", 0)),
                days_since_last=None
                if relationship.get("days_since_last") is None
                else int(relationship["days_since_last"]),
            )
        except (TypeError, ValueError) as error:
            raise UnknownCodeError(f"service_user.relationship: {error}") from error
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
        relationship=relationship,
        had_face_to_face_therapy=person.get("had_face_to_face_therapy"),
        rurality=person.get("rurality"),
        carer_may_join=person.get("carer_may_join"),
    )
