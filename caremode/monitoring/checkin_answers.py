"""Answering a check-in, by link (no sign-in) or in the portal: the link checked by its hash,
single use and expiring; every measure scored; the person's warning signs reported; all or
nothing. The services of check-ins, with `checkins.py` (hazard log H-M10, H-M12 to H-M14)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.errors import DomainError
from caremode.core.links import hash_token
from caremode.monitoring import alerts
from caremode.monitoring.errors import CheckInAnswerError, CheckInLinkError
from caremode.monitoring.instruments import Measure
from caremode.monitoring.models import Assessment, CheckIn, WarningSign, WarningSignReport
from caremode.monitoring.services import record_assessment
from caremode.people.models import ServiceUser
from caremode.scheduling.services import raise_team_alert


def _check_open(checkin: CheckIn, *, now: dt.datetime) -> None:
    if checkin.service_user.status != ServiceUser.Status.ACTIVE:
        raise CheckInLinkError(
            "You are no longer under the care of this team, so this check-in is closed.",
            field="token",
        )
    if checkin.status == CheckIn.Status.COMPLETED:
        raise CheckInLinkError(
            "This check-in has already been answered. Thank you. Each link works once.",
            field="token",
        )
    if checkin.status == CheckIn.Status.WITHDRAWN:
        raise CheckInLinkError(
            "This check-in is no longer needed: your check-ins were changed or stopped.",
            field="token",
        )
    if checkin.status == CheckIn.Status.MISSED or checkin.expires_at <= now:
        raise CheckInLinkError(
            "This check-in has closed. Your next one will come as agreed, or you can talk to "
            "your care team.",
            field="token",
        )


def open_checkin_by_link(*, token: str) -> CheckIn:
    """The check-in a link's token opens, still open to answer; audited as a read.

    Only the token's hash is compared. Raises CheckInLinkError (field `token`) for a link that
    is unknown, already used, expired or missed, withdrawn, or of someone discharged; the
    messages never say whose link it was."""
    found = (
        CheckIn.objects.select_related("service_user__team", "schedule")
        .filter(token_hash=hash_token(token))
        .first()
        if token
        else None
    )
    if found is None:
        raise CheckInLinkError(
            "This link is not recognised. Check it is the whole link from your message.",
            field="token",
        )
    _check_open(found, now=timezone.now())
    record_event(
        actor=None,
        action=AuditAction.READ,
        obj=found,
        subject_id=found.service_user_id,
        detail={"purpose": "check-in by link"},
    )
    return found


def check_checkin_open(checkin: CheckIn) -> None:
    """Raise CheckInLinkError unless `checkin` can be answered now (for the portal's page)."""
    _check_open(checkin, now=timezone.now())


@dataclass(frozen=True)
class CheckInAnswered:
    assessments: list[Assessment]
    reports: list[WarningSignReport]

    @property
    def help_now(self) -> bool:
        """PHQ-9 question 9 answered above 0: show what to do now, at once (H-M01)."""
        return any(a.risk_answer for a in self.assessments)


@transaction.atomic
def answer_checkin(
    *,
    actor: User | None,
    checkin: CheckIn,
    answers: Mapping[str, Mapping[str, int | None]],
    more_help: Sequence[str] = (),
    reported_signs: Sequence[int] = (),
) -> CheckInAnswered:
    """Store the person's answers to a check-in: one assessment per measure, each scored by
    CareMode and raising its alerts, a report and an alert for each early-warning sign ticked.

    `actor` is the person's portal account, or None by link. `answers` maps each measure of the
    check-in to its item answers. Single use: the check-in is locked and must still be due and
    unexpired. Raises CheckInLinkError (closed), AssessmentAnswerError (an answer out of range),
    CheckInAnswerError (a sign that is not one of the person's current ones, or a measure this
    check-in did not ask), PersonDischargedError; nothing is saved when one is raised."""
    now = timezone.now()
    locked = (
        CheckIn.objects.select_for_update()
        .select_related("service_user__team", "schedule")
        .get(pk=checkin.pk)
    )
    _check_open(locked, now=now)
    extra = set(answers) - set(locked.measures)
    if extra:
        raise CheckInAnswerError(
            f"This check-in does not ask {', '.join(sorted(extra))}.", field="measures"
        )
    person = locked.service_user
    signs = (
        {s.pk: s for s in WarningSign.objects.filter(service_user=person, retired_at__isnull=True)}
        if locked.schedule.ask_warning_signs
        else {}
    )
    unknown = [pk for pk in reported_signs if pk not in signs]
    if unknown:
        raise CheckInAnswerError(
            "That is not one of your early-warning signs. Choose from the list.",
            field="warning_signs",
        )
    assessments = [
        record_assessment(
            actor=actor,
            service_user=person,
            measure=measure,
            answers=answers.get(measure, {}),
            more_help=more_help if measure == Measure.DIALOG else (),
            checkin=locked,
            taken_at=now,
        )
        for measure in locked.measures
    ]
    chosen = [signs[pk] for pk in dict.fromkeys(reported_signs)]
    reports = []
    for sign in chosen:
        report = WarningSignReport.objects.create(
            sign=sign, service_user=person, checkin=locked, reported_at=now, recorded_by=actor
        )
        record_event(
            actor=actor,
            action=AuditAction.CREATE,
            obj=report,
            subject_id=person.pk,
            detail={"sign": sign.pk},
        )
        reports.append(report)
    for sign, reason in zip(
        chosen, alerts.warning_sign_alerts([s.sign for s in chosen]), strict=True
    ):
        raise_team_alert(
            kind=reason.kind,
            key=f"checkin:{locked.pk}:sign:{sign.pk}",
            service_user=person,
            message=reason.message,
            urgent=reason.urgent,
        )
    claimed = CheckIn.objects.filter(pk=locked.pk, status=CheckIn.Status.DUE).update(
        status=CheckIn.Status.COMPLETED, completed_at=now
    )
    if not claimed:  # cannot happen under the lock; refuse rather than half-save
        raise CheckInLinkError("This check-in has just been answered elsewhere.", field="token")
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        subject_id=person.pk,
        detail={"status": "completed"},
    )
    return CheckInAnswered(assessments, reports)


@transaction.atomic
def report_risk_answer_before_completion(
    *, actor: User | None, checkin: CheckIn, phq9_answers: Mapping[str, int | None]
) -> bool:
    """PHQ-9 question 9 was answered above 0 on a check-in sent back with other questions
    unanswered: store what was answered of the PHQ-9 as an incomplete questionnaire, which raises
    the urgent alert (H-M01) now, not only if the person comes back to finish. The check-in stays
    open for the rest. True if stored; False (nothing saved) when the check-in is closed or an
    answer is out of range — the page still shows what to do now."""
    locked = CheckIn.objects.select_for_update().select_related("service_user").get(pk=checkin.pk)
    try:
        _check_open(locked, now=timezone.now())
        record_assessment(
            actor=actor,
            service_user=locked.service_user,
            measure="PHQ9",
            answers=phq9_answers,
            checkin=locked,
        )
    except DomainError:
        return False
    return True
