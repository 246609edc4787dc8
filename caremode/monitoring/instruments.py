"""The questionnaires CareMode offers, word for word, with their answer scales and bands.

Pure data: no database. PHQ-9 and GAD-7 (Spitzer, Kroenke, Williams and colleagues, with an
educational grant from Pfizer) are free to reproduce, translate, display or distribute; DIALOG
(Priebe and colleagues, Queen Mary University of London) is free to use and recommended by NHS
England as a patient-reported outcome measure for community mental health services. The wording
below must not be edited: scores are only comparable when the questions are the published ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Measure(StrEnum):
    """The measures, by the codes the outcomes extract writes (`Measure` column)."""

    PHQ9 = "PHQ9"
    GAD7 = "GAD7"
    DIALOG = "DIALOG"


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    key: str  # stable: stored in the answers and in FHIR linkId
    text: str
    options: tuple[Option, ...]
    scored: bool = True
    # DIALOG: the "would you like more help?" question asked after each item.
    asks_for_more_help: bool = False


@dataclass(frozen=True)
class Band:
    """A severity band, `low` to `high` inclusive, on the total score."""

    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    measure: Measure
    name: str
    stem: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...] = ()
    # A further question that is asked but not added to the score (PHQ-9's functional question).
    supplementary: tuple[Item, ...] = ()
    source: str = ""

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def item(self, key: str) -> Item:
        for item in self.items + self.supplementary:
            if item.key == key:
                return item
        raise KeyError(key)


FREQUENCY = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)

DIFFICULTY = (
    Option(0, "Not difficult at all"),
    Option(1, "Somewhat difficult"),
    Option(2, "Very difficult"),
    Option(3, "Extremely difficult"),
)

SATISFACTION = (
    Option(1, "Totally dissatisfied"),
    Option(2, "Very dissatisfied"),
    Option(3, "Fairly dissatisfied"),
    Option(4, "In the middle"),
    Option(5, "Fairly satisfied"),
    Option(6, "Very satisfied"),
    Option(7, "Totally satisfied"),
)

PHQ9 = Instrument(
    measure=Measure.PHQ9,
    name="PHQ-9",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following "
    "problems?",
    items=tuple(
        Item(f"phq9_{n}", text, FREQUENCY)
        for n, text in enumerate(
            (
                "Little interest or pleasure in doing things",
                "Feeling down, depressed, or hopeless",
                "Trouble falling or staying asleep, or sleeping too much",
                "Feeling tired or having little energy",
                "Poor appetite or overeating",
                "Feeling bad about yourself — or that you are a failure or have let yourself or "
                "your family down",
                "Trouble concentrating on things, such as reading the newspaper or watching "
                "television",
                "Moving or speaking so slowly that other people could have noticed? Or the "
                "opposite — being so fidgety or restless that you have been moving around a lot "
                "more than usual",
                "Thoughts that you would be better off dead or of hurting yourself in some way",
            ),
            start=1,
        )
    ),
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
    supplementary=(
        Item(
            "phq9_difficulty",
            "If you checked off any problems, how difficult have these problems made it for you "
            "to do your work, take care of things at home, or get along with other people?",
            DIFFICULTY,
            scored=False,
        ),
    ),
    source="Kroenke K, Spitzer RL, Williams JB. The PHQ-9. J Gen Intern Med 2001;16:606-13.",
)

# The item whose answer above 0 means the person has had thoughts of being better off dead or of
# hurting themselves: an urgent alert and what to do now, whatever the total (hazard H-M01).
PHQ9_RISK_ITEM = "phq9_9"

GAD7 = Instrument(
    measure=Measure.GAD7,
    name="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=tuple(
        Item(f"gad7_{n}", text, FREQUENCY)
        for n, text in enumerate(
            (
                "Feeling nervous, anxious or on edge",
                "Not being able to stop or control worrying",
                "Worrying too much about different things",
                "Trouble relaxing",
                "Being so restless that it is hard to sit still",
                "Becoming easily annoyed or irritable",
                "Feeling afraid as if something awful might happen",
            ),
            start=1,
        )
    ),
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 21, "Severe"),
    ),
    source="Spitzer RL, Kroenke K, Williams JB, Löwe B. A brief measure for assessing generalized "
    "anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-7.",
)

DIALOG_LIFE_DOMAINS = (
    ("dialog_mental_health", "your mental health"),
    ("dialog_physical_health", "your physical health"),
    ("dialog_job", "your job situation"),
    ("dialog_accommodation", "your accommodation"),
    ("dialog_leisure", "your leisure activities"),
    ("dialog_partner_family", "your relationship with your partner/family"),
    ("dialog_friendships", "your friendships"),
    ("dialog_safety", "your personal safety"),
)
DIALOG_TREATMENT_ASPECTS = (
    ("dialog_medication", "your medication"),
    ("dialog_practical_help", "the practical help you receive"),
    ("dialog_meetings", "your meetings with mental health professionals"),
)
DIALOG_LIFE_KEYS = tuple(key for key, _ in DIALOG_LIFE_DOMAINS)
DIALOG_TREATMENT_KEYS = tuple(key for key, _ in DIALOG_TREATMENT_ASPECTS)
DIALOG_MORE_HELP_SUFFIX = "_more_help"
DIALOG_MORE_HELP_QUESTION = "Would you like more help in this area?"

DIALOG = Instrument(
    measure=Measure.DIALOG,
    name="DIALOG",
    stem="Rate how satisfied you are, from 1 (totally dissatisfied) to 7 (totally satisfied).",
    items=tuple(
        Item(key, f"How satisfied are you with {what}?", SATISFACTION, asks_for_more_help=True)
        for key, what in DIALOG_LIFE_DOMAINS + DIALOG_TREATMENT_ASPECTS
    ),
    source="Priebe S, Golden E, McCabe R, Reininghaus U. Patient-reported outcome data generated "
    "in a clinical intervention in community mental health care — psychometric properties. "
    "BMC Psychiatry 2012;12:113.",
)

INSTRUMENTS: dict[Measure, Instrument] = {i.measure: i for i in (PHQ9, GAD7, DIALOG)}


def get_instrument(measure: str) -> Instrument:
    """The instrument for a measure code; `KeyError` naming the code if unknown."""
    return INSTRUMENTS[Measure(measure)]
