"""Training (a person's own record; the catalogue and team coverage for managers), digital support
on a person's record, and the wellbeing pulse: answering, one's own trend, and results by group
only where a group is large enough. No view here can show one person's answers to another."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from caremode.accounts.models import STAFF_ROLES, Role
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.access import AuthenticatedRequest, care_team_required, roles_required
from caremode.core.errors import DomainError
from caremode.core.forms import form_page, posted
from caremode.people.access import access_service_user
from caremode.people.consent import consents_to_join
from caremode.workforce import pulse, selectors, services
from caremode.workforce.forms import (
    CompletionForm,
    CourseForm,
    DigitalSupportForm,
    ProfileForm,
    PulseForm,
    SupportOutcomeForm,
)

manager_required = roles_required(Role.TEAM_MANAGER)
staff_required = roles_required(*STAFF_ROLES)
results_required = roles_required(Role.TEAM_MANAGER, Role.ANALYST)


@care_team_required
@require_http_methods(["GET", "POST"])
def my_training(request: AuthenticatedRequest) -> HttpResponse:
    """The person's own training: what their role needs, when refreshers are due; record one."""
    today = timezone.localdate()
    statuses = selectors.training_status(request.user, today=today)
    form = CompletionForm(
        posted(request), courses=[(s.course.pk, s.course.title) for s in statuses]
    )

    def record(data: dict) -> None:
        course = selectors.get_course(data["course"])
        if course is None:
            raise services.WorkforceError("Select the training you completed", field="course")
        services.record_completion(
            actor=request.user, course=course, completed_on=data["completed_on"], note=data["note"]
        )

    return form_page(
        request,
        form,
        record,
        template="workforce/my_training.html",
        context=lambda: {
            "statuses": statuses,
            "completions": selectors.list_completions(request.user),
            "page_title": "Your training",
        },
        done="Training recorded.",
        then="workforce:my_training",
    )


@manager_required
@require_http_methods(["GET", "POST"])
def catalogue(request: AuthenticatedRequest) -> HttpResponse:
    """The catalogue of training; a team manager adds a course."""
    return form_page(
        request,
        CourseForm(posted(request)),
        lambda data: services.create_course(actor=request.user, **data),
        template="workforce/catalogue.html",
        context=lambda: {"courses": selectors.list_courses(), "page_title": "Training catalogue"},
        done="Training added to the catalogue.",
        then="workforce:catalogue",
    )


@manager_required
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    """Coverage per team and mode, who is due, and completions to confirm, for the teams this
    person manages. Names staff, not service users: audited as one read."""
    today = timezone.localdate()
    teams = [
        (
            team,
            selectors.team_coverage(team, today=today),
            selectors.list_unconfirmed_completions(team),
        )
        for team in selectors.managed_teams(request.user)
    ]
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        object_type="training coverage",
        object_id=",".join(str(t.pk) for t, _c, _u in teams)[:40],
    )
    return render(
        request, "workforce/coverage.html", {"teams": teams, "page_title": "Training coverage"}
    )


@manager_required
@require_POST
def confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    completion = selectors.get_completion_for_manager(request.user, pk)
    if completion is None:
        raise Http404
    try:
        services.confirm_completion(actor=request.user, completion=completion)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Confirmed {completion.user}'s {completion.course}.")
    return redirect("workforce:coverage")


@care_team_required
@require_http_methods(["GET", "POST"])
def digital_support(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Digital support for this person and their carers: what was offered and taken up; offer
    more (E15, E16). A practice call or help with a device is booked into the diaries as a
    contact (`services.offer_digital_support`)."""
    service_user = access_service_user(request.user, pk, purpose="digital support")
    consents = list(consents_to_join(service_user))
    form = DigitalSupportForm(posted(request), carers=consents)

    def offer(data: dict) -> None:
        carer = next((c.carer for c in consents if c.carer_id == data.get("carer")), None)
        services.offer_digital_support(
            actor=request.user,
            service_user=service_user,
            kind=data["kind"],
            carer=carer,
            start=data["start"],
            mode=data.get("mode") or "",
            given_by=data["given_by"],
        )

    return form_page(
        request,
        form,
        offer,
        template="workforce/digital_support.html",
        context=lambda: {
            "service_user": service_user,
            "offers": selectors.list_digital_support(service_user),
            "outcome_form": SupportOutcomeForm(),
            "page_title": "Digital support",
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
        done="Digital support offered.",
        then=reverse("workforce:digital_support", args=[service_user.pk]),
        fields={"start": "date"},
    )


@care_team_required
@require_POST
def support_outcome(request: AuthenticatedRequest, pk: int, support_pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="record digital support")
    support = selectors.get_digital_support(service_user, support_pk)
    if support is None:
        raise Http404
    form = SupportOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.record_support_outcome(
                actor=request.user, support=support, outcome=form.cleaned_data["outcome"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Recorded.")
    else:
        messages.error(request, "Select what happened.")
    return redirect("workforce:digital_support", pk=service_user.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest) -> HttpResponse:
    """The person's own groups, used only to group the pulse's answers."""
    current = selectors.get_staff_profile(request.user)
    initial = (
        {
            "ethnic_category": current.ethnic_category,
            "profession": current.profession,
            "band": current.band,
            "mostly_remote": "yes" if current.mostly_remote else "no",
        }
        if current
        else {"profession": request.user.professional_group}
    )
    return form_page(
        request,
        ProfileForm(posted(request), initial=initial),
        lambda data: services.save_staff_profile(actor=request.user, **data),
        template="workforce/profile.html",
        context={"page_title": "About you"},
        done="Saved.",
        then="workforce:pulse",
    )


@staff_required
@require_http_methods(["GET", "POST"])
def pulse_page(request: AuthenticatedRequest) -> HttpResponse:
    """This month's pulse, and the person's own answers over time (theirs alone)."""
    today = timezone.localdate()
    period = services.current_period(today)
    answered = selectors.get_own_response(request.user, period)
    has_profile = selectors.get_staff_profile(request.user) is not None
    return form_page(
        request,
        PulseForm(posted(request)),
        lambda data: services.submit_pulse(actor=request.user, answers=data, today=today),
        template="workforce/pulse.html",
        context=lambda: {
            "answered": answered,
            "has_profile": has_profile,
            "period": period,
            "trend": selectors.list_own_trend(request.user),
            "questions": {**pulse.ONS4, **pulse.REMOTE_WORKING},
            "page_title": "Wellbeing pulse",
        },
        done="Thank you. Your answers are only ever counted in groups.",
        then="workforce:pulse",
    )


@results_required
def results(request: AuthenticatedRequest) -> HttpResponse:
    """A month's results by staff group, with small groups hidden, and each team's workload from
    the diaries beside them (E12)."""
    periods = selectors.list_periods()
    chosen = request.GET.get("period", "")
    try:
        period = dt.date.fromisoformat(chosen) if chosen else (periods[0] if periods else None)
    except ValueError:
        period = None
    if period is not None and period not in periods:
        period = None
    found = selectors.wellbeing_results(period) if period else None
    until = timezone.now()
    since = until - dt.timedelta(days=28)
    workloads = [
        (team, selectors.team_workload(team, since=since, until=until))
        for team in selectors.list_teams()
    ]
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        object_type="wellbeing results",
        object_id=period.isoformat() if period else "",
    )
    return render(
        request,
        "workforce/results.html",
        {
            "periods": periods,
            "period": period,
            "results": found,
            "workloads": workloads,
            "page_title": "Staff wellbeing by group",
        },
    )
