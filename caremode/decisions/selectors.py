from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from caremode.accounts.models import User
from caremode.core import codes
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.decisions.rules import THERAPY_TYPES, Context, Relationship
from caremode.decisions.waiting import keep_in_touch_due, keep_in_touch_overdue, rhythm_label
from caremode.people import consent
from caremode.people.models import AccessNeed, ServiceUser, Team
from caremode.scheduling.models import Contact, TeamAlert

REVIEW_SOON_DAYS = 14

# What monitoring noticed between contacts that prompts a review of the mode (E7, E20): the
# alert kinds, with the words the review list shows (hazard H-M07).
MONITORING_REVIEW_PROMPTS = {
    TeamAlert.Kind.RISK_ANSWER: "Thoughts of self-harm reported since the decision",
    TeamAlert.Kind.DETERIORATION: "A reliable deterioration in a measure since the decision",
    TeamAlert.Kind.SEVERE_SCORE: "A score in the severe band since the decision",
    TeamAlert.Kind.WARNING_SIGN: "An early-warning sign reported since the decision",
}


def get_current_preferences(service_user: ServiceUser) -> dict[str, str]:
    """mode → prefers/accepts/declines, as the person last said."""
    current = ModePreference.objects.filter(service_user=service_user, superseded_at__isnull=True)
    return dict(current.values_list("mode", "preference"))


def list_preference_history(service_user: ServiceUser) -> list[ModePreference]:
    """Every preference stated, newest first, including those later changed (E20)."""
    return list(
        ModePreference.objects.filter(service_user=service_user).select_related("recorded_by")
    )


def list_current_decisions(service_user: ServiceUser) -> list[DecisionRecord]:
    """The decisions in force, one per consultation type at most."""
    return list(
        DecisionRecord.objects.filter(service_user=service_user, superseded_at__isnull=True)
        .select_related("clinician", "carer", "keep_in_touch")
        .order_by("consultation_type")
    )


def get_current_decision(
    service_user: ServiceUser, consultation_type: str
) -> DecisionRecord | None:
    return (
        DecisionRecord.objects.filter(
            service_user=service_user,
            consultation_type=consultation_type,
            superseded_at__isnull=True,
        )
        .select_related("clinician", "carer", "keep_in_touch")
        .first()
    )


def list_decision_history(service_user: ServiceUser) -> list[DecisionRecord]:
    """Superseded decisions, newest first, so earlier agreements stay readable."""
    return list(
        DecisionRecord.objects.filter(
            service_user=service_user, superseded_at__isnull=False
        ).select_related("clinician", "carer", "keep_in_touch")
    )


def get_relationship(service_user: ServiceUser, clinician: User, *, today: dt.date) -> Relationship:
    """The person's real history with this clinician (E4): attended contacts, how many face to
    face (the mode used), and days since the last. One query."""
    history = (
        Contact.objects.care()
        .filter(
            service_user=service_user, clinician=clinician, attend_status__in=sorted(codes.ATTENDED)
        )
        .aggregate(
            attended=Count("pk"),
            face_to_face=Count("pk", filter=Q(mode_used="face_to_face")),
            last=Max("start"),
        )
    )
    last = history["last"]
    return Relationship(
        attended=history["attended"],
        face_to_face=history["face_to_face"],
        days_since_last=None if last is None else (today - timezone.localdate(last)).days,
    )


def had_face_to_face_therapy(service_user: ServiceUser) -> bool:
    """Whether the person has ever attended therapy face to face, with anyone (E5)."""
    return (
        Contact.objects.care()
        .filter(
            service_user=service_user,
            consultation_type__in=sorted(THERAPY_TYPES),
            attend_status__in=sorted(codes.ATTENDED),
            mode_used="face_to_face",
        )
        .exists()
    )


def build_context(
    service_user: ServiceUser,
    *,
    consultation_type: str,
    clinician: User,
    risk_level: str | None = None,
    recent_deterioration: bool | None = None,
    carer_involvement_wanted: bool | None = None,
) -> Context:
    """The decision-support context from the record, plus the clinician's answers for the
    things only a conversation can tell (risk, deterioration, whether a carer should join)."""
    recorded = list(
        AccessNeed.objects.filter(service_user=service_user).values_list("need", "ended_at")
    )
    current = frozenset(need for need, ended in recorded if ended is None)
    today = timezone.localdate()
    return Context(
        consultation_type=consultation_type,
        access_needs=current if recorded else None,
        age=service_user.age_on(today),
        main_language=service_user.main_language,
        interpreter_needed=service_user.interpreter_needed,
        relationship=get_relationship(service_user, clinician, today=today),
        had_face_to_face_therapy=had_face_to_face_therapy(service_user),
        rurality=service_user.rurality or None,
        carer_may_join=consent.consents_to_join(service_user).exists(),
        risk_level=risk_level,
        recent_deterioration=recent_deterioration,
        carer_involvement_wanted=carer_involvement_wanted,
        modes_offered=tuple(service_user.team.service.modes_offered),
        preferences=get_current_preferences(service_user),
    )


@dataclass(frozen=True)
class DecisionForReview:
    decision: DecisionRecord
    reasons: tuple[str, ...]

    @property
    def overdue(self) -> bool:
        return self.decision.review_on < timezone.localdate()


@dataclass(frozen=True)
class ContactOutcome:
    consultation_type: str
    start: dt.datetime
    planned_mode: str
    attend_status: str
    technical_failure: bool


def review_reasons(
    decision: DecisionRecord,
    *,
    access_needs: list[tuple[str, dt.datetime]],
    outcomes: list[ContactOutcome],
    today: dt.date,
    monitoring: Sequence[tuple[str, dt.datetime]] = (),
    preferences: Sequence[tuple[str, str, dt.datetime]] = (),
) -> list[str]:
    """Why a current decision needs review now: its date, or something that changed since (E20).

    Pure: `access_needs` are (need, recorded_at), `outcomes` the person's contacts with an
    outcome, newest first, and `monitoring` the (alert kind, raised_at) of monitoring's alerts
    (a deterioration, a severe score, a warning sign, thoughts of self-harm: E7), each kind
    prompting once however often it was raised since the decision, and `preferences` the
    (mode, preference, recorded_at) the person stated (a changed preference prompts: E20).
    """
    reasons = []
    if decision.review_on < today:
        reasons.append(f"Review was due on {decision.review_on.day} {decision.review_on:%B %Y}")
    elif decision.review_on <= today + dt.timedelta(days=REVIEW_SOON_DAYS):
        reasons.append(f"Review is due on {decision.review_on.day} {decision.review_on:%B %Y}")
    for need, recorded_at in access_needs:
        if recorded_at > decision.decided_at:
            reasons.append(f"New access need: {codes.ACCESS_NEEDS[need].lower()}")
    # Missed contacts and failures say something about the person, whatever the kind of contact.
    since = [o for o in outcomes if o.start > decision.decided_at]
    if any(o.technical_failure for o in since):
        reasons.append("A technical failure since the decision")
    # The person's own misses only: a contact the service cancelled says nothing about them.
    remote = [
        o
        for o in since
        if o.planned_mode in codes.REMOTE_MODES
        and o.attend_status not in codes.CANCELLED_BY_SERVICE
    ]
    if len(remote) >= 2 and all(o.attend_status in codes.MISSED_BY_PERSON for o in remote[:2]):
        reasons.append("The person missed their last two remote contacts")
    changed = {
        (mode, preference) for mode, preference, at in preferences if at > decision.decided_at
    }
    for mode, preference in sorted(changed):
        reasons.append(
            f"The person's preference changed: now {preference} {codes.MODES[mode][1].lower()}"
        )
    noticed = {kind for kind, raised_at in monitoring if raised_at > decision.decided_at}
    reasons.extend(words for kind, words in MONITORING_REVIEW_PROMPTS.items() if kind in noticed)
    return reasons


def list_decisions_for_review(
    user: User, *, today: dt.date | None = None
) -> list[DecisionForReview]:
    """Current decisions on the user's caseload that are due, overdue, or flagged by a change.

    Five queries whatever the caseload size: decisions, access needs, outcomes, preferences
    stated and monitoring's alerts since the earliest decision.
    """
    today = today or timezone.localdate()
    decisions = list(
        DecisionRecord.objects.filter(
            superseded_at__isnull=True,
            service_user__in=ServiceUser.objects.visible_to(user).values("pk"),
        ).select_related("service_user", "clinician")
    )
    if not decisions:
        return []
    people = {d.service_user_id for d in decisions}
    earliest = min(d.decided_at for d in decisions)
    needs: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for person, need, recorded_at in AccessNeed.objects.filter(
        service_user_id__in=people, recorded_at__gt=earliest
    ).values_list("service_user_id", "need", "recorded_at"):
        needs[person].append((need, recorded_at))
    outcomes: dict[int, list[ContactOutcome]] = defaultdict(list)
    for person, consultation_type, start, mode, status, failure in (
        Contact.objects.care()
        .filter(service_user_id__in=people, start__gt=earliest, attend_status__isnull=False)
        .order_by("-start")
        .values_list(
            "service_user_id",
            "consultation_type",
            "start",
            "planned_mode",
            "attend_status",
            "technical_failure",
        )
    ):
        outcomes[person].append(
            ContactOutcome(consultation_type, start, mode, status or "", failure)
        )
    stated: dict[int, list[tuple[str, str, dt.datetime]]] = defaultdict(list)
    for person, mode, preference, recorded_at in ModePreference.objects.filter(
        service_user_id__in=people, recorded_at__gt=earliest
    ).values_list("service_user_id", "mode", "preference", "recorded_at"):
        stated[person].append((mode, preference, recorded_at))
    noticed: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for person, kind, raised_at in TeamAlert.objects.filter(
        service_user_id__in=people,
        raised_at__gt=earliest,
        kind__in=list(MONITORING_REVIEW_PROMPTS),
    ).values_list("service_user_id", "kind", "raised_at"):
        noticed[person].append((kind, raised_at))
    flagged = []
    for decision in decisions:
        reasons = review_reasons(
            decision,
            access_needs=needs[decision.service_user_id],
            outcomes=outcomes[decision.service_user_id],
            today=today,
            monitoring=noticed[decision.service_user_id],
            preferences=stated[decision.service_user_id],
        )
        if reasons:
            flagged.append(DecisionForReview(decision, tuple(reasons)))
    return sorted(flagged, key=lambda f: (f.decision.review_on, f.decision.pk))


def get_first_remote_contact(service_user: ServiceUser) -> Contact | None:
    """The next remote contact, if the person has never attended one: they get guidance (E20)."""
    remote = sorted(codes.REMOTE_MODES)
    if Contact.objects.filter(
        service_user=service_user, planned_mode__in=remote, attend_status__in=sorted(codes.ATTENDED)
    ).exists():
        return None
    return (
        Contact.objects.filter(
            service_user=service_user,
            planned_mode__in=remote,
            start__gte=timezone.now(),
            attend_status__isnull=True,
        )
        .order_by("start")
        .first()
    )


@dataclass(frozen=True)
class WaitingEntry:
    """A person paused or waiting for face to face: the decision, the rhythm of keeping in
    touch, the last attended care contact since, when the next is due, and what is late."""

    decision: DecisionRecord
    last_contact: dt.datetime | None
    due_on: dt.date
    overdue: bool
    reoffer_due: bool

    @property
    def service_user(self) -> ServiceUser:
        return self.decision.service_user

    @property
    def service_user_id(self) -> int:
        return self.decision.service_user_id

    @property
    def rhythm(self) -> str:
        commitment = self.decision.keep_in_touch
        return rhythm_label(commitment.every_weeks) if commitment else ""


def list_waiting(teams: QuerySet[Team] | None, *, today: dt.date) -> list[WaitingEntry]:
    """The teams' waiting list (every team's when `teams` is None): current decisions to pause
    and keep in touch or to wait for face to face, of people not discharged, the date to offer
    again first. One query, whatever the length of the list (hazard D17)."""
    # Care contacts only (a digital support session does not keep in touch), as positive
    # lookups: a negated one over the contacts would become a subquery about any contact.
    attended_since = Q(
        service_user__contacts__attend_status__in=sorted(codes.ATTENDED),
        service_user__contacts__start__gte=F("decided_at"),
        service_user__contacts__consultation_type__in=sorted(codes.CONSULTATION_TYPES),
    )
    decisions = (
        DecisionRecord.objects.filter(
            superseded_at__isnull=True,
            service_user__status=ServiceUser.Status.ACTIVE,
        )
        .exclude(outcome=DecisionRecord.Outcome.MODE)
        .select_related("service_user", "service_user__team", "keep_in_touch", "clinician")
        .annotate(last_contact=Max("service_user__contacts__start", filter=attended_since))
        .order_by("reoffer_on", "decided_at", "pk")
    )
    if teams is not None:
        decisions = decisions.filter(service_user__team__in=teams)
    entries = []
    for decision in decisions:
        last = decision.last_contact  # type: ignore[attr-defined]
        every_weeks = decision.keep_in_touch.every_weeks if decision.keep_in_touch else 1
        due_on = keep_in_touch_due(
            decided_on=timezone.localtime(decision.decided_at).date(),
            last_contact_on=timezone.localtime(last).date() if last else None,
            every_weeks=every_weeks,
        )
        entries.append(
            WaitingEntry(
                decision=decision,
                last_contact=last,
                due_on=due_on,
                overdue=keep_in_touch_overdue(due_on=due_on, today=today),
                reoffer_due=decision.reoffer_on is not None and decision.reoffer_on <= today,
            )
        )
    return entries
