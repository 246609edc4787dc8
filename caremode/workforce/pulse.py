"""The staff wellbeing pulse: the instrument, the remote-working questions and their scoring. Pure.

The instrument is the ONS personal well-being questions (ONS4), Crown copyright, reusable under
the Open Government Licence (ADR 0010): four questions answered 0 (not at all) to 10
(completely). ONS reports the share with *low* life satisfaction, worthwhile and happiness
(0–4) and *high* anxiety (6–10); the pulse reports the same shares, so its figures read like
the national ones. The remote-working questions are CareMode's own (E12, E21): 1 (strongly
disagree) to 5 (strongly agree), reported as the share who do not agree (1–3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

ONS4: Final[dict[str, str]] = {
    "life_satisfaction": "Overall, how satisfied are you with your life nowadays?",
    "worthwhile": "Overall, to what extent do you feel that the things you do in your life are "
    "worthwhile?",
    "happiness": "Overall, how happy did you feel yesterday?",
    "anxiety": "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', "
    "overall, how anxious did you feel yesterday?",
}
REMOTE_WORKING: Final[dict[str, str]] = {
    "home_working_works": "Working from home works well for me.",
    "boundaries_kept": "I can keep a boundary between my home life and my clinical work.",
    "pauses_between_sessions": "I get enough of a pause between remote sessions.",
    "feel_supported": "I feel supported by my team when working remotely.",
    "supervision_access": "I can get supervision when I need it, wherever I am working.",
}
AGREEMENT: Final = [
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    # True when the answer counts towards the reported share ("low happiness", "not supported").
    counts: str  # "low" (0–4), "high" (6–10) or "not_agree" (1–3)


MEASURES: Final[tuple[Measure, ...]] = (
    Measure("life_satisfaction", "Low life satisfaction (0 to 4)", "low"),
    Measure("worthwhile", "Low feeling that things are worthwhile (0 to 4)", "low"),
    Measure("happiness", "Low happiness yesterday (0 to 4)", "low"),
    Measure("anxiety", "High anxiety yesterday (6 to 10)", "high"),
    Measure("home_working_works", "Working from home does not work well", "not_agree"),
    Measure("boundaries_kept", "Cannot keep a boundary between home and work", "not_agree"),
    Measure("pauses_between_sessions", "Not enough pause between remote sessions", "not_agree"),
    Measure("feel_supported", "Does not feel supported when remote", "not_agree"),
    Measure("supervision_access", "Cannot get supervision when needed", "not_agree"),
)
MEASURE_KEYS: Final = tuple(m.key for m in MEASURES)


def counts_towards(measure: Measure, answer: int) -> bool:
    """Whether one answer counts in the measure's reported share (ONS thresholds for ONS4)."""
    if measure.counts == "low":
        return answer <= 4
    if measure.counts == "high":
        return answer >= 6
    return answer <= 3


def check_answers(answers: Mapping[str, int]) -> dict[str, str]:
    """Problems with one set of answers, by question key (empty when every answer is in range)."""
    problems: dict[str, str] = {}
    for key in ONS4:
        value = answers.get(key)
        if value is None or not 0 <= value <= 10:
            problems[key] = "Choose a number from 0 to 10."
    for key in REMOTE_WORKING:
        value = answers.get(key)
        if value is None or not 1 <= value <= 5:
            problems[key] = "Choose how much you agree."
    return problems
