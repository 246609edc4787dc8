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
from caremode.core.access import (
    AuthenticatedRequest,
    care_team_required,
    roles_required,
    service_user_required,
)
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, form_page, posted, submitted
from caremode.core.presenters import nhs_datetime
from caremode.messaging.selectors import list_failed_messages
from caremode.people.access import access_service_user
from caremode.people.selectors import (
    get_team,
    list_other_teams,
    list_team_clinicians,
    list_teams_for,
)
from caremode.scheduling import services
from caremode.scheduling.access import (
    access_alert,
    access_appointment_request,
    access_commitment,
    access_contact,
    access_follow_up,
    access_handover,
    access_own_contact,
)
from caremode.scheduling.diary import week_starting
from caremode.scheduling.forms import (
    AskAboutContactForm,
    CancelForm,
    CloseRequestForm,
    CommitmentForm,
    CorrectOutcomeForm,
    DiaryDayForm,
    EndCommitmentForm,
    FollowUpForm,
    HandoverRequestForm,
    HandoverResponseForm,
    RecordOutcomeForm,
    RescheduleForm,
    TeamFilterForm,
    WorkingHoursForm,
    chosen_slot,
)
from caremode.scheduling.presenters import diary_entries, diary_week, group_alerts, slot_choices
from caremode.scheduling.selectors import (
    FREE_SLOT_WEEKS,
    count_contacts_by_mode_and_outcome,
    get_commitments_kept,
    get_working_hours,
    list_clinician_contacts_between,
    list_free_slots,
    list_free_slots_ahead,
    list_my_people_ids,
    list_open_alerts,
    list_open_appointment_requests,
    list_open_follow_ups,
    list_outcome_corrections,
    list_pending_handovers,
    list_people_to_watch,
    list_team_contacts_between,
    list_team_contacts_on,
    list_triage_waits,
    summarise_triage_waits,
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
    form = RescheduleForm(posted(request), initial=chosen_slot(request.GET))
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
    slots = list_free_slots_ahead(
        contact.clinician,
        contact.service_user,
        duration_minutes=contact.duration_minutes,
        mode=contact.planned_mode,
        buffer_minutes=contact.team.remote_buffer_minutes,
        ignoring=contact,
    )
    return render(
        request,
        "scheduling/reschedule.html",
        {
            "form": form,
            "contact": contact,
            "slots": slot_choices(slots),
            "slot_query": "",
            "clinician": contact.clinician,
            "person": contact.service_user,
            "weeks": FREE_SLOT_WEEKS,
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
    """The team's day: diary, follow-ups due, alerts grouped by kind, handovers, reminders that
    failed. `?who=mine` keeps the alerts and follow-ups about the user's own people, `?kind=`
    one kind of alert (a GET form, no JavaScript needed; a bad value is a 400 naming the
    field). A team manager also sees commitments kept, by month, per team and clinician."""
    teams = list_teams_for(request.user)
    today = timezone.localdate()
    filters = TeamFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    alerts = list_open_alerts(teams)
    follow_ups = list_open_follow_ups(teams)
    if chosen.get("who") == "mine":
        mine = list_my_people_ids(request.user, teams)
        alerts = [a for a in alerts if a.service_user_id in mine]
        follow_ups = [f for f in follow_ups if f.service_user_id in mine]
    if chosen.get("kind"):
        alerts = [a for a in alerts if a.kind == chosen["kind"]]
    alert_groups = group_alerts(alerts)
    context: dict[str, Any] = {
        "today": today,
        "filters": filters,
        "chosen": chosen,
        "diary": diary_entries(list_team_contacts_on(teams, today)),
        "follow_ups": follow_ups,
        "alert_groups": alert_groups,
        "alerts": [alert for group in alert_groups for alert in group.alerts],
        "to_watch": list_people_to_watch(teams),
        "escalation_minutes": settings.ALERT_ESCALATION_MINUTES,
        "handovers": list_pending_handovers(teams),
        "triage_waits": (triage_waits := list_triage_waits(teams)),
        "triage_summary": summarise_triage_waits(triage_waits),
        "triage_limit": settings.TRIAGE_TO_ASSESSMENT_DAYS,
        "appointment_requests": list_open_appointment_requests(teams),
        "failed_messages": [m for t in teams for m in list_failed_messages(t)[:50]],
        "kept": (
            get_commitments_kept(teams, today=today)
            if request.user.role == Role.TEAM_MANAGER
            else None
        ),
        "page_title": "Team",
    }
    record_list_read(
        actor=request.user,
        purpose="team page",
        subject_ids=[
            item.service_user_id
            for key in (
                "follow_ups",
                "alerts",
                "to_watch",
                "failed_messages",
                "triage_waits",
                "appointment_requests",
            )
            for item in context[key]
        ]
        + [entry.contact.service_user_id for entry in context["diary"]]
        + [
            h.service_user_id
            for key in ("incoming", "outgoing", "declined")
            for h in context["handovers"][key]
        ],
    )
    return render(request, "scheduling/team.html", context, status=400 if filters.errors else 200)


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


def _chosen_days(request: AuthenticatedRequest) -> tuple[dt.date, dt.date, list[dict[str, str]]]:
    """The day (`?day=`) and the week's Monday (`?week=`) a diary shows; today's where absent or
    wrong, with the errors naming the field."""
    today = timezone.localdate()
    chosen = DiaryDayForm(request.GET)
    data = chosen.cleaned_data if chosen.is_valid() else {}
    errors = [
        {"text": f"{field.capitalize()}: {e}"}
        for field in ("day", "week")
        for e in chosen.errors.get(field, [])
    ]
    return data.get("day") or today, week_starting(data.get("week") or today), errors


@care_team_required
@require_GET
def my_diary(request: AuthenticatedRequest) -> HttpResponse:
    """The clinician's week (`?week=`, Monday to Sunday, with the weeks before and after), and
    free times on the day chosen (`?day=`); a day or week outside the diary's bounds is a 400
    naming the field, with this week and today's free times."""
    day, monday, errors = _chosen_days(request)
    contacts = list_clinician_contacts_between(request.user, monday, monday + dt.timedelta(days=6))
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
            "week": diary_week(monday, contacts),
            "slots": slots,
            "slots_day": day,
            "day_errors": errors,
            "page_title": "My diary",
        },
        status=400 if errors else 200,
    )


@roles_required(Role.TEAM_MANAGER)
@require_GET
def team_diary(request: AuthenticatedRequest) -> HttpResponse:
    """Every clinician's week in the manager's teams (`?week=`), the team's contacts only;
    audited as one read naming the people shown."""
    _day, monday, errors = _chosen_days(request)
    teams = list_teams_for(request.user)
    clinicians = list_team_clinicians(teams)
    contacts = list_team_contacts_between(teams, clinicians, monday, monday + dt.timedelta(days=6))
    record_list_read(
        actor=request.user,
        purpose="team diary",
        subject_ids=[c.service_user_id for c in contacts],
    )
    return render(
        request,
        "scheduling/team_diary.html",
        {
            "weeks": [
                (clinician, diary_week(monday, [c for c in contacts if c.clinician == clinician]))
                for clinician in clinicians
            ],
            "week": diary_week(monday, []),
            "day_errors": errors,
            "page_title": "Team diary",
        },
        status=400 if errors else 200,
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


@service_user_required
@require_http_methods(["GET", "POST"])
def ask_about_contact(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The person asks their team to cancel, rebook or change the mode of an appointment; the
    request reaches the team page and the diary is unchanged until the team acts."""
    contact = access_own_contact(request.user, pk)
    form = AskAboutContactForm(
        posted(request),
        modes=contact.team.service.modes_offered,
        current=contact.planned_mode,
    )
    return form_page(
        request,
        form,
        lambda data: services.ask_about_contact(actor=request.user, contact=contact, **data),
        template="scheduling/ask_about_contact.html",
        context={
            "contact": contact,
            "page_title": "Ask to change an appointment",
            "back_href": reverse("records:portal"),
        },
        done=f"Your request has been sent to {contact.team.name}. They will contact you"
        + (f", or call them on {contact.team.phone}." if contact.team.phone else "."),
        then=reverse("records:portal"),
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def appointment_request(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One person's request about an appointment: what they asked, links to act on it in the
    diary, and closing it with what was done."""
    asked = access_appointment_request(request.user, pk)
    context = {
        "asked": asked,
        "page_title": "A request about an appointment",
        "back_href": reverse("scheduling:team"),
    }
    if asked.closed_at is not None:
        return render(request, "scheduling/appointment_request.html", {"form": None, **context})
    return form_page(
        request,
        CloseRequestForm(posted(request)),
        lambda data: services.close_appointment_request(
            actor=request.user, appointment_request=asked, note=data["note"]
        ),
        template="scheduling/appointment_request.html",
        context=context,
        done=f"Request from {asked.service_user.full_name} closed.",
        then=reverse("scheduling:team"),
    )
