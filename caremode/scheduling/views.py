from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caremode.accounts.models import Role
from caremode.audit.services import record_list_read
from caremode.core.access import AuthenticatedRequest, care_team_required, roles_required
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, posted, submitted
from caremode.core.presenters import nhs_datetime
from caremode.messaging.selectors import list_failed_messages
from caremode.people.access import access_service_user
from caremode.people.selectors import get_team, list_other_teams, list_teams_for
from caremode.scheduling import services
from caremode.scheduling.access import (
    access_alert,
    access_commitment,
    access_contact,
    access_follow_up,
    access_handover,
)
from caremode.scheduling.diary import bank_holiday
from caremode.scheduling.forms import (
    CancelForm,
    CommitmentForm,
    CorrectOutcomeForm,
    DiaryDayForm,
    EndCommitmentForm,
    FollowUpForm,
    HandoverRequestForm,
    HandoverResponseForm,
    RecordOutcomeForm,
    RescheduleForm,
    WorkingHoursForm,
)
from caremode.scheduling.selectors import (
    count_contacts_by_mode_and_outcome,
    get_working_hours,
    list_clinician_contacts_between,
    list_free_slots,
    list_open_alerts,
    list_open_follow_ups,
    list_outcome_corrections,
    list_pending_handovers,
    list_people_to_watch,
    list_team_contacts_on,
)


@care_team_required
@require_http_methods(["GET", "POST"])
def record_outcome(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk, purpose="record outcome")
    form = RecordOutcomeForm(
        posted(request),
        initial={"mode_used": contact.planned_mode},
    )
    if submitted(
        request,
        form,
        lambda data: services.record_outcome(actor=request.user, contact=contact, **data),
    ):
        messages.success(request, "Outcome recorded.")
        return redirect("records:record", pk=contact.service_user_id)
    return render(
        request,
        "scheduling/record_outcome.html",
        {
            "form": form,
            "contact": contact,
            "page_title": "Record the outcome of a contact",
            "back_href": reverse("records:record", args=[contact.service_user_id]),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def correct_outcome(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk, purpose="correct outcome")
    problem = services.why_not_correct(request.user, contact)
    form = CorrectOutcomeForm(
        None if problem else posted(request),
        initial={
            "attend_status": contact.attend_status,
            "mode_used": contact.mode_used,
            "technical_failure": contact.technical_failure,
            "ended_early": contact.ended_early,
            "interpreter_present": bool(contact.interpreter_present),
        },
    )
    if not problem and submitted(
        request,
        form,
        lambda data: services.correct_outcome(actor=request.user, contact=contact, **data),
    ):
        messages.success(request, "Outcome corrected. The earlier outcome is kept with the reason.")
        return redirect("records:record", pk=contact.service_user_id)
    return render(
        request,
        "scheduling/correct_outcome.html",
        {
            "form": form,
            "contact": contact,
            "problem": problem,
            "corrections": list_outcome_corrections(contact),
            "page_title": "Correct the outcome of a contact",
            "back_href": reverse("records:record", args=[contact.service_user_id]),
        },
    )


@roles_required(Role.ANALYST, Role.TEAM_MANAGER)
@require_http_methods(["GET"])
def contact_summary(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "scheduling/contact_summary.html",
        {"summary": count_contacts_by_mode_and_outcome(), "page_title": "Contacts by mode"},
    )


def _back_to_record(pk: int) -> str:
    return reverse("records:record", args=[pk])


@care_team_required
@require_http_methods(["GET", "POST"])
def reschedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk, purpose="reschedule")
    form = RescheduleForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reschedule_contact(
                actor=request.user,
                contact=contact,
                new_start=form.start(),
                initiated_by=form.cleaned_data["initiated_by"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            if error.field == "start":
                error.field = "date"
            add_domain_error(form, error)
        else:
            messages.success(request, f"Contact moved to {nhs_datetime(contact.start)}.")
            return redirect("records:record", pk=contact.service_user_id)
    day = form.cleaned_data.get("date") if form.is_bound and form.is_valid() else None
    day = day or timezone.localdate(contact.start)
    slots = list_free_slots(
        contact.clinician,
        day,
        duration_minutes=contact.duration_minutes,
        mode=contact.planned_mode,
        buffer_minutes=contact.team.remote_buffer_minutes,
    )
    return render(
        request,
        "scheduling/reschedule.html",
        {
            "form": form,
            "contact": contact,
            "slots": slots,
            "slots_day": day,
            "page_title": "Reschedule a contact",
            "back_href": _back_to_record(contact.service_user_id),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk, purpose="cancel")
    form = CancelForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: services.cancel_contact(actor=request.user, contact=contact, **data),
    ):
        messages.success(request, "Contact cancelled. The person has been told.")
        return redirect("records:record", pk=contact.service_user_id)
    return render(
        request,
        "scheduling/cancel.html",
        {
            "form": form,
            "contact": contact,
            "page_title": "Cancel a contact",
            "back_href": _back_to_record(contact.service_user_id),
        },
    )


@care_team_required
@require_GET
def team(request: AuthenticatedRequest) -> HttpResponse:
    """The team's day: diary, follow-ups due, alerts, handovers, reminders that failed."""
    teams = list_teams_for(request.user)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "today": today,
        "diary": list_team_contacts_on(teams, today),
        "follow_ups": list_open_follow_ups(teams),
        "alerts": list_open_alerts(teams),
        "to_watch": list_people_to_watch(teams),
        "escalation_minutes": settings.ALERT_ESCALATION_MINUTES,
        "handovers": list_pending_handovers(teams),
        "failed_messages": [m for t in teams for m in list_failed_messages(t)[:50]],
        "page_title": "Team",
    }
    record_list_read(
        actor=request.user,
        purpose="team page",
        subject_ids=[
            item.service_user_id
            for key in ("diary", "follow_ups", "alerts", "to_watch", "failed_messages")
            for item in context[key]
        ]
        + [
            h.service_user_id
            for key in ("incoming", "outgoing", "declined")
            for h in context["handovers"][key]
        ],
    )
    return render(request, "scheduling/team.html", context)


@care_team_required
@require_http_methods(["GET", "POST"])
def complete_follow_up(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = access_follow_up(request.user, pk)
    form = FollowUpForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: services.complete_follow_up(actor=request.user, task=task, note=data["note"]),
    ):
        messages.success(request, "Follow-up completed.")
        return redirect("scheduling:team")
    return render(
        request,
        "scheduling/complete_follow_up.html",
        {
            "form": form,
            "task": task,
            "page_title": "Complete a follow-up",
            "back_href": reverse("scheduling:team"),
        },
    )


def _act_on_alert(
    request: AuthenticatedRequest, pk: int, act: Callable[..., object], done: str
) -> HttpResponse:
    alert = access_alert(request.user, pk)
    try:
        act(actor=request.user, alert=alert)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(name=alert.service_user.full_name))
    return redirect("scheduling:team")


@care_team_required
@require_POST
def resolve_alert(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act_on_alert(request, pk, services.resolve_alert, "Alert marked as dealt with.")


@care_team_required
@require_POST
def acknowledge_alert(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Someone in the team has seen the alert and is acting on it (stops its escalation)."""
    return _act_on_alert(request, pk, services.acknowledge_alert, "Alert acknowledged: {name}.")


@care_team_required
@require_http_methods(["GET", "POST"])
def request_handover(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="handover")
    teams = [(t.pk, t.name) for t in list_other_teams(service_user.team)]
    form = HandoverRequestForm(posted(request), teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_handover(
                actor=request.user,
                service_user=service_user,
                kind=data["kind"],
                summary=data["summary"],
                to_team=get_team(data["to_team"]),
                receiver_name=data["receiver_name"],
                receiver_phone=data["receiver_phone"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            until = "confirmed by the team manager" if data["kind"] == "discharge" else "accepted"
            messages.success(
                request,
                f"Handover sent. {service_user.given_name} stays on your caseload until it is "
                f"{until}.",
            )
            return redirect("records:record", pk=service_user.pk)
    return render(
        request,
        "scheduling/request_handover.html",
        {
            "form": form,
            "service_user": service_user,
            "page_title": "Hand over care",
            "back_href": _back_to_record(service_user.pk),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def respond_to_handover(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    handover = access_handover(request.user, pk)
    not_yours = services.why_not_respond(request.user, handover)
    answerable = handover.status == handover.Status.PENDING and not not_yours
    form = HandoverResponseForm(posted(request), kind=handover.kind)
    if request.method == "POST" and form.is_valid():
        respond = (
            services.accept_handover
            if form.cleaned_data["decision"] == "accept"
            else services.decline_handover
        )
        try:
            respond(actor=request.user, handover=handover, note=form.cleaned_data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Handover {handover.get_status_display().lower()}.")
            return redirect("scheduling:team")
    return render(
        request,
        "scheduling/respond_to_handover.html",
        {
            "form": form if answerable or form.errors else None,
            "not_yours": not_yours if handover.status == handover.Status.PENDING else None,
            "handover": handover,
            "page_title": "Handover",
            "back_href": reverse("scheduling:team"),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def agree_commitment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="commitment")
    form = CommitmentForm(
        posted(request),
        modes_offered=service_user.team.service.modes_offered,
        initial={"every_weeks": "1"},
    )
    if submitted(
        request,
        form,
        lambda data: services.agree_commitment(
            actor=request.user, service_user=service_user, **data
        ),
    ):
        messages.success(request, "Commitment recorded. CareMode will check it is kept.")
        return redirect("records:record", pk=service_user.pk)
    return render(
        request,
        "scheduling/agree_commitment.html",
        {
            "form": form,
            "service_user": service_user,
            "page_title": "Agree a regular contact",
            "back_href": _back_to_record(service_user.pk),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def end_commitment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    commitment = access_commitment(request.user, pk)
    form = EndCommitmentForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: services.end_commitment(
            actor=request.user, commitment=commitment, reason=data["reason"]
        ),
    ):
        messages.success(request, "Commitment ended.")
        return redirect("records:record", pk=commitment.service_user_id)
    return render(
        request,
        "scheduling/end_commitment.html",
        {
            "form": form,
            "commitment": commitment,
            "page_title": "End a regular contact",
            "back_href": _back_to_record(commitment.service_user_id),
        },
    )


@care_team_required
@require_GET
def my_diary(request: AuthenticatedRequest) -> HttpResponse:
    """The clinician's next seven days, and free times on the day chosen (`?day=`, within the
    diary's bounds; anything else is a 400 naming the field, with today's free times)."""
    today = timezone.localdate()
    chosen = DiaryDayForm(request.GET)
    valid = chosen.is_valid()
    day = (chosen.cleaned_data["day"] if valid else None) or today
    contacts = list_clinician_contacts_between(request.user, today, today + dt.timedelta(days=6))
    days = [
        (
            today + dt.timedelta(days=n),
            [c for c in contacts if timezone.localdate(c.start) == today + dt.timedelta(days=n)],
            bank_holiday(today + dt.timedelta(days=n)),
        )
        for n in range(7)
    ]
    team = list_teams_for(request.user).first()
    slots = list_free_slots(
        request.user,
        day,
        duration_minutes=50,
        mode="video",
        buffer_minutes=team.remote_buffer_minutes if team else 10,
    )
    record_list_read(
        actor=request.user, purpose="diary", subject_ids=[c.service_user_id for c in contacts]
    )
    return render(
        request,
        "scheduling/my_diary.html",
        {
            "days": days,
            "slots": slots,
            "slots_day": day,
            "day_errors": [{"text": f"Day: {e}"} for e in chosen.errors.get("day", [])],
            "page_title": "My diary",
        },
        status=200 if valid else 400,
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def working_hours(request: AuthenticatedRequest) -> HttpResponse:
    form = WorkingHoursForm(
        posted(request),
        current=get_working_hours(request.user),
    )
    if submitted(
        request,
        form,
        lambda data: services.set_working_hours(
            actor=request.user, clinician=request.user, hours=form.hours()
        ),
    ):
        messages.success(request, "Working hours saved.")
        return redirect("scheduling:my_diary")
    return render(
        request,
        "scheduling/working_hours.html",
        {
            "form": form,
            "page_title": "My working hours",
            "back_href": reverse("scheduling:my_diary"),
        },
    )
