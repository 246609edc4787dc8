"""Which answers raise an alert for the care team, and how urgent it is (E7, E20).

Pure: no database. Alerts are advisory: they tell the team, and the person what to do now;
they never act on the person's care by themselves. Each rule is in the hazard log
(docs/clinical-safety.md, H-M01 to H-M05) with its test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from caremode.monitoring.instruments import PHQ9, Measure
from caremode.monitoring.scoring import Change, Score, band_for, reliable_change


@dataclass(frozen=True)
class AlertReason:
    kind: str  # a `scheduling.TeamAlert.Kind` value
    urgent: bool
    message: str
    suffix: str  # makes the alert's key unique for the assessment it comes from


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def alerts_for(
    score: Score, *, previous: Decimal | None, reported_signs: Sequence[str] = ()
) -> list[AlertReason]:
    """The alerts one assessment raises, most urgent first.

    - H-M01: PHQ-9 item 9 answered above 0, complete questionnaire or not: urgent.
    - H-M02: a reliable deterioration from the previous complete score of the same measure.
    - H-M03: a score crossing into the severe band (not one already there last time).
    - H-M04: each early-warning sign the person reported.
    """
    reasons: list[AlertReason] = []
    name = score.measure.value
    if score.risk_answer:
        answer = PHQ9.item("phq9_9").options[score.risk_answer].label
        reasons.append(
            AlertReason(
                kind="risk_answer",
                urgent=True,
                message="PHQ-9 question 9 (thoughts of being better off dead or of hurting "
                f"themselves): “{answer}”. Contact them today.",
                suffix="risk",
            )
        )
    if (
        score.total is not None
        and previous is not None
        and reliable_change(name, previous, score.total) is Change.DETERIORATED
    ):
        reasons.append(
            AlertReason(
                kind="deterioration",
                urgent=False,
                message=f"{_display(score.measure)} reliably worse: "
                f"{_number(previous)} → {_number(score.total)}. Review the plan and the "
                "mode of contact.",
                suffix="deterioration",
            )
        )
    if score.is_severe and (previous is None or band_for(name, previous) != score.band):
        reasons.append(
            AlertReason(
                kind="severe_score",
                urgent=False,
                message=f"{_display(score.measure)} {_number(score.total or Decimal(0))} is in "
                "the severe band. Review the plan and the mode of contact.",
                suffix="severe",
            )
        )
    reasons.extend(warning_sign_alerts(reported_signs))
    return reasons


def warning_sign_alerts(reported_signs: Sequence[str]) -> list[AlertReason]:
    """H-M04: one alert for each early-warning sign the person reported, in their own words."""
    return [
        AlertReason(
            kind="warning_sign",
            urgent=False,
            message=f"Early-warning sign reported: “{sign}”. Follow the agreed plan.",
            suffix=f"sign{n}",
        )
        for n, sign in enumerate(reported_signs, start=1)
    ]


def _display(measure: Measure) -> str:
    return {"PHQ9": "PHQ-9", "GAD7": "GAD-7", "DIALOG": "DIALOG (life)"}[measure.value]
