"""PHQ-9 and GAD-7 QuestionnaireResponses in and out, by LOINC codes (pure mappings).

CareMode scores from the item answers only: a supplied total, `itemWeight` or ordinal value is
never read, since HL7's own PHQ-9 example states a total its answers do not give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from caremode.monitoring.instruments import (
    DIALOG_MORE_HELP_QUESTION,
    DIALOG_MORE_HELP_SUFFIX,
    get_instrument,
)

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
NAMES = {"PHQ9": "PHQ-9", "GAD7": "GAD-7", "DIALOG": "DIALOG"}
# DIALOG items by CareMode's item keys (it has no LOINC codes), rated 1 to 7.
DIALOG_KEYS = tuple(item.key for item in get_instrument("DIALOG").items)
DIALOG_RATINGS = range(1, 8)


class QuestionnaireInputError(ValueError):
    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.expression = expression


@dataclass(frozen=True)
class Answers:
    measure: str
    answers: dict[str, int | None]
    missing_codes: tuple[str, ...]
    # DIALOG: the "more help?" questions answered yes, by their linkIds (`<item>_more_help`).
    more_help: tuple[str, ...] = ()


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
    if measure is None and codes & set(DIALOG_KEYS):
        return _dialog_answers(items)
    if measure is None:
        raise QuestionnaireInputError(
            "CareMode takes PHQ-9 and GAD-7 responses whose items' linkIds are their LOINC codes, "
            "and DIALOG responses whose linkIds are those of its Questionnaire "
            "(GET /fhir/Questionnaire/DIALOG).",
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


def _dialog_answers(items: list[tuple[dict[str, Any], str]]) -> Answers:
    """DIALOG's ratings (valueInteger 1 to 7) and its "more help?" answers (valueBoolean)."""
    answers: dict[str, int | None] = dict.fromkeys(DIALOG_KEYS)
    more_help = []
    for item, expression in items:
        code = _code(item.get("linkId", ""))
        if not item.get("answer"):
            continue
        answer = item["answer"][0]
        where = f"{expression}.answer[0]"
        if code in answers:
            value = answer.get("valueInteger")
            if isinstance(value, bool) or not isinstance(value, int) or value not in DIALOG_RATINGS:
                raise QuestionnaireInputError(
                    "A DIALOG rating is valueInteger 1 (totally dissatisfied) to 7 (totally "
                    "satisfied).",
                    f"{where}.valueInteger",
                )
            answers[code] = value
        elif code.removesuffix(DIALOG_MORE_HELP_SUFFIX) in answers:
            wants = answer.get("valueBoolean")
            if not isinstance(wants, bool):
                raise QuestionnaireInputError(
                    f"{DIALOG_MORE_HELP_QUESTION} is answered with valueBoolean.",
                    f"{where}.valueBoolean",
                )
            if wants:
                more_help.append(code)
    missing = tuple(key for key in DIALOG_KEYS if answers[key] is None)
    return Answers(
        measure="DIALOG", answers=answers, missing_codes=missing, more_help=tuple(more_help)
    )


def subject_id(resource: dict[str, Any]) -> int:
    reference = (resource.get("subject") or {}).get("reference", "")
    kind, _, ident = reference.partition("/")
    if kind != "Patient" or not (ident.isascii() and ident.isdigit() and len(ident) < 19):
        raise QuestionnaireInputError(
            "The subject is a Patient of CareMode: Patient/<id>.", "QuestionnaireResponse.subject"
        )
    return int(ident)


def response_items(
    measure: str, answers: dict[str, int], more_help: list[str] | None = None
) -> list[dict[str, Any]]:
    """The stored answers as QuestionnaireResponse items, linkId the LOINC code (DIALOG: the
    item key, each rating followed by its "more help?" answer)."""
    if measure == "DIALOG":
        wanted = set(more_help or [])
        dialog: list[dict[str, Any]] = []
        for key in DIALOG_KEYS:
            if answers.get(key) is None:
                continue
            dialog.append({"linkId": key, "answer": [{"valueInteger": answers[key]}]})
            dialog.append(
                {
                    "linkId": f"{key}{DIALOG_MORE_HELP_SUFFIX}",
                    "answer": [{"valueBoolean": key in wanted}],
                }
            )
        return dialog
    items = []
    for n, code in enumerate(ITEMS[measure], start=1):
        value = answers.get(f"{KEY_PREFIX[measure]}{n}")
        if value is not None:
            items.append({"linkId": code, "answer": [{"valueInteger": value}]})
    return items


# The LOINC panels of the two LOINC-coded questionnaires; DIALOG has no LOINC code.
PANEL = {
    "PHQ9": ("44249-1", "PHQ-9 quick depression assessment panel"),
    "GAD7": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
}
QUESTIONNAIRE_IDS = ("PHQ9", "GAD7", "DIALOG")
LA_CODE_OF = {value: code for code, value in FREQUENCY_ANSWERS.items()}


def questionnaire(measure: str) -> dict[str, Any]:
    """The definition CareMode asks, word for word (`monitoring.instruments`): PHQ-9 and GAD-7
    items by LOINC code with the LOINC frequency answers (the codes a QuestionnaireResponse to
    CareMode answers with); DIALOG's eleven satisfaction ratings (1 to 7), each followed by its
    "more help?" question. PHQ-9's functional question is not scored, and not sent."""
    instrument = get_instrument(measure)
    items: list[dict[str, Any]] = [{"linkId": "stem", "type": "display", "text": instrument.stem}]
    if measure in ITEMS:
        for code, item in zip(ITEMS[measure], instrument.items, strict=True):
            items.append(
                {
                    "linkId": code,
                    "code": [{"system": LOINC, "code": code}],
                    "text": item.text,
                    "type": "choice",
                    "required": True,
                    "answerOption": [
                        {
                            "valueCoding": {
                                "system": LOINC,
                                "code": LA_CODE_OF[option.value],
                                "display": option.label,
                            }
                        }
                        for option in item.options
                    ],
                }
            )
    else:
        for item in instrument.items:
            items.append(
                {
                    "linkId": item.key,
                    "text": item.text,
                    "type": "integer",
                    "required": True,
                    "answerOption": [{"valueInteger": option.value} for option in item.options],
                }
            )
            if item.asks_for_more_help:
                items.append(
                    {
                        "linkId": f"{item.key}{DIALOG_MORE_HELP_SUFFIX}",
                        "text": DIALOG_MORE_HELP_QUESTION,
                        "type": "boolean",
                    }
                )
    body: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": measure,
        "name": instrument.name.replace("-", ""),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.source,
        "item": items,
    }
    if measure in PANEL:
        code, display = PANEL[measure]
        body["code"] = [{"system": LOINC, "code": code, "display": display}]
    return body
