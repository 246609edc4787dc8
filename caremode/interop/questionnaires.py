"""PHQ-9 and GAD-7 QuestionnaireResponses in and out, by LOINC codes (pure mappings).

CareMode scores from the item answers only: a supplied total, `itemWeight` or ordinal value is
never read, since HL7's own PHQ-9 example states a total its answers do not give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOINC = "http://loinc.org"
# LOINC item codes, in CareMode's item order (`monitoring.instruments`).
ITEMS: dict[str, tuple[str, ...]] = {
    "PHQ9": (
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ),
    "GAD7": ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
}
KEY_PREFIX = {"PHQ9": "phq9_", "GAD7": "gad7_"}
TOTAL = {"PHQ9": ("44261-6", "PHQ-9 total score"), "GAD7": ("70274-6", "GAD-7 total score")}
PHQ9_ITEM_9 = "44260-8"
# LOINC answers of the frequency scale: not at all, several days, more than half, nearly every day.
FREQUENCY_ANSWERS = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}
NAMES = {"PHQ9": "PHQ-9", "GAD7": "GAD-7"}


class QuestionnaireInputError(ValueError):
    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.expression = expression


@dataclass(frozen=True)
class Answers:
    measure: str
    answers: dict[str, int | None]
    missing_codes: tuple[str, ...]


def _code(link_id: str) -> str:
    return link_id.rstrip("/").rsplit("/", 1)[-1]


def _flatten(items: list[dict[str, Any]], path: str) -> list[tuple[dict[str, Any], str]]:
    found = []
    for n, item in enumerate(items):
        here = f"{path}.item[{n}]"
        found.append((item, here))
        found.extend(_flatten(item.get("item") or [], here))
    return found


def _answer_value(answer: dict[str, Any], expression: str) -> int:
    if "valueInteger" in answer:
        value = answer["valueInteger"]
    elif "valueCoding" in answer:
        code = answer["valueCoding"].get("code")
        if code not in FREQUENCY_ANSWERS:
            raise QuestionnaireInputError(
                f"Answer code {code!r} is not one of the LOINC frequency answers "
                f"({', '.join(FREQUENCY_ANSWERS)}).",
                f"{expression}.valueCoding.code",
            )
        value = FREQUENCY_ANSWERS[code]
    else:
        raise QuestionnaireInputError(
            "Answer with valueCoding (LOINC LA codes) or valueInteger 0 to 3.", expression
        )
    if not isinstance(value, int) or not 0 <= value <= 3:
        raise QuestionnaireInputError("An answer is 0 to 3.", f"{expression}.valueInteger")
    return value


def read_answers(resource: dict[str, Any]) -> Answers:
    """The measure and CareMode item answers of a QuestionnaireResponse, by LOINC linkIds."""
    items = _flatten(resource.get("item") or [], "QuestionnaireResponse")
    codes = {_code(item.get("linkId", "")) for item, _ in items}
    measure = next((m for m, loinc in ITEMS.items() if codes & set(loinc)), None)
    if measure is None:
        raise QuestionnaireInputError(
            "CareMode takes PHQ-9 and GAD-7 responses whose items' linkIds are their LOINC codes.",
            "QuestionnaireResponse.item",
        )
    position = {code: n for n, code in enumerate(ITEMS[measure], start=1)}
    answers: dict[str, int | None] = {
        f"{KEY_PREFIX[measure]}{n}": None for n in range(1, len(ITEMS[measure]) + 1)
    }
    for item, expression in items:
        code = _code(item.get("linkId", ""))
        if code not in position or not item.get("answer"):
            continue
        answers[f"{KEY_PREFIX[measure]}{position[code]}"] = _answer_value(
            item["answer"][0], f"{expression}.answer[0]"
        )
    missing = tuple(
        code for code in ITEMS[measure] if answers[f"{KEY_PREFIX[measure]}{position[code]}"] is None
    )
    return Answers(measure=measure, answers=answers, missing_codes=missing)


def subject_id(resource: dict[str, Any]) -> int:
    reference = (resource.get("subject") or {}).get("reference", "")
    kind, _, ident = reference.partition("/")
    if kind != "Patient" or not ident.isdigit():
        raise QuestionnaireInputError(
            "The subject is a Patient of CareMode: Patient/<id>.", "QuestionnaireResponse.subject"
        )
    return int(ident)


def response_items(measure: str, answers: dict[str, int]) -> list[dict[str, Any]]:
    """The stored answers as QuestionnaireResponse items, linkId the LOINC code."""
    items = []
    for n, code in enumerate(ITEMS[measure], start=1):
        value = answers.get(f"{KEY_PREFIX[measure]}{n}")
        if value is not None:
            items.append({"linkId": code, "answer": [{"valueInteger": value}]})
    return items
