"""The questionnaires after a contact, word for word: pure data, no database.

The service user's and the carer's start with the NHS Friends and Family Test: the question
every NHS service asks, its six answers and its free text, in NHS England's words (FFT guidance,
2020). Then questions about the mode of this contact. Staff answer a one-minute version after
remote contacts. Which answers are free text decides what becomes an excerpt to code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from caremode.core import codes

FFT_QUESTION: Final = "Overall, how was your experience of our service?"
FFT_QUESTION_CARER: Final = "Overall, how was your experience of our service as a carer?"
FFT_FREE_TEXT: Final = "Please can you tell us why you gave your answer?"
# NHS England's response codes, in the order it publishes them.
FFT_ANSWERS: Final[dict[str, str]] = {
    "1": "Very good",
    "2": "Good",
    "3": "Neither good nor poor",
    "4": "Poor",
    "5": "Very poor",
    "6": "Don't know",
}
FFT_POSITIVE: Final = frozenset({"1", "2"})
FFT_NEGATIVE: Final = frozenset({"4", "5"})

YES_PARTLY_NO: Final[dict[str, str]] = {"yes": "Yes", "partly": "Partly", "no": "No"}
YES_NO_NOT_SURE: Final[dict[str, str]] = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}
YES_NO: Final[dict[str, str]] = {"yes": "Yes", "no": "No"}

# What got in the way: the access-needs vocabulary (core.codes), so feedback and the person's
# access-needs profile speak the same words.
BARRIERS: Final[dict[str, str]] = dict(codes.ACCESS_NEEDS)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answers: dict[str, str] | None = None  # None: free text
    many: bool = False  # several answers may be chosen
    required: bool = False
    hint: str = ""

    @property
    def free_text(self) -> bool:
        return self.answers is None


def _mode_words(mode: str) -> str:
    return "in person" if mode == "face_to_face" else f"by {codes.MODES[mode][1].lower()}"


def person_questions(*, mode: str, carer: bool = False) -> tuple[Question, ...]:
    """The service user's (or, with `carer`, the carer's) questions about a contact in `mode`."""
    how = _mode_words(mode)
    return (
        Question("fft", FFT_QUESTION_CARER if carer else FFT_QUESTION, FFT_ANSWERS, required=True),
        Question("fft_why", FFT_FREE_TEXT),
        Question(
            "mode_suited", f"Did having this appointment {how} suit you this time?", YES_PARTLY_NO
        ),
        Question(
            "choose_again", f"Would you choose to have an appointment {how} again?", YES_NO_NOT_SURE
        ),
        Question(
            "barriers",
            "Did anything get in the way?",
            BARRIERS,
            many=True,
            hint="Select all that apply. Leave them all empty if nothing did.",
        ),
        Question("anything_else", "Is there anything else you would like to tell us?"),
    )


STAFF_QUESTIONS: Final = (
    Question("could_assess", "Could you assess what you needed to?", YES_PARTLY_NO, required=True),
    Question("connection_good_enough", "Was the connection good enough?", YES_NO, required=True),
    Question("tell_the_team", "Anything to tell the team?"),
)


def questions_for(respondent: str, *, mode: str) -> tuple[Question, ...]:
    """The questions one respondent ("service_user", "carer" or "staff") is asked."""
    if respondent == "staff":
        return STAFF_QUESTIONS
    return person_questions(mode=mode, carer=respondent == "carer")


def free_text_keys(respondent: str) -> tuple[str, ...]:
    """The answers in the person's own words, each of which becomes an excerpt to code."""
    return tuple(q.key for q in questions_for(respondent, mode="video") if q.free_text)
