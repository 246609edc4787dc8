"""Pages of check-ins: the clinician agreeing a schedule, the person changing or stopping it in
the portal, and the check-in itself (by link with no sign-in, or in the portal)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from caremode.core.access import AuthenticatedRequest, care_team_required, service_user_required
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, posted, submitted
from caremode.monitoring import checkin_answers, checkins, selectors
from caremode.monitoring.access import access_own_checkin
from caremode.monitoring.forms import AgreeScheduleForm, CheckInForm, MyScheduleForm
from caremode.monitoring.instruments import PHQ9, PHQ9_RISK_ITEM
from caremode.monitoring.models import CheckIn
from caremode.people.access import access_own_record, access_service_user


@care_team_required
@require_http_methods(["GET", "POST"])
def agree_schedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Agree (or change) a check-in schedule with the person."""
    service_user = access_service_user(request.user, pk, purpose="check-in schedule")
    current = selectors.get_current_schedule(service_user)
    initial: dict[str, Any] = {"ask_warning_signs": True}
    if current is not None:
        initial |= {
            "measures": current.measures,
            "rhythm": current.rhythm,
            "channel": current.channel,
            "ask_warning_signs": current.ask_warning_signs,
        }
    form = AgreeScheduleForm(posted(request), initial=initial)

    def act(data: dict[str, Any]) -> None:
        checkins.agree_checkin_schedule(actor=request.user, service_user=service_user, **data)

    if submitted(request, form, act):
        messages.success(request, "Check-in schedule agreed.")
        return redirect("records:record", pk=service_user.pk)
    return render(
        request,
        "monitoring/agree_schedule.html",
        {
            "form": form,
            "service_user": service_user,
            "current": current,
            "recent": selectors.list_checkins(service_user, limit=6),
            "page_title": f"Check-ins for {service_user.full_name}",
            "back_href": reverse("records:record", args=[service_user.pk]),
            "back_text": "Back to the record",
        },
    )


@care_team_required
@require_POST
def stop_schedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="stop check-ins")
    if checkins.stop_checkin_schedule(
        actor=request.user, service_user=service_user, reason="Stopped by the care team"
    ):
        messages.success(request, "Check-ins stopped.")
    return redirect("records:record", pk=service_user.pk)


@service_user_required
@require_http_methods(["GET", "POST"])
def my_checkins(request: AuthenticatedRequest) -> HttpResponse:
    """The person's own check-ins: what is due, and changing how often and how they come."""
    service_user = access_own_record(request.user)
    current = selectors.get_current_schedule(service_user)
    form = None
    if current is not None:
        form = MyScheduleForm(
            posted(request), initial={"rhythm": current.rhythm, "channel": current.channel}
        )

        def act(data: dict[str, Any]) -> None:
            checkins.agree_checkin_schedule(
                actor=request.user,
                service_user=service_user,
                measures=current.measures,
                ask_warning_signs=current.ask_warning_signs,
                **data,
            )

        if submitted(request, form, act):
            messages.success(request, "Your check-ins have been changed.")
            return redirect("monitoring:my_checkins")
    return render(
        request,
        "monitoring/my_checkins.html",
        {
            "form": form,
            "current": current,
            "open_checkins": selectors.list_open_checkins(service_user),
            "page_title": "Your check-ins",
            "back_href": reverse("records:portal"),
            "back_text": "Back to your care",
        },
    )


@service_user_required
@require_POST
def stop_my_checkins(request: AuthenticatedRequest) -> HttpResponse:
    service_user = access_own_record(request.user)
    if checkins.stop_checkin_schedule(
        actor=request.user, service_user=service_user, reason="Stopped by the person"
    ):
        messages.success(
            request, "Your check-ins have stopped. Your care team can start them again with you."
        )
    return redirect("monitoring:my_checkins")


@service_user_required
@require_http_methods(["GET", "POST"])
def my_checkin(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A check-in answered in the portal."""
    checkin = access_own_checkin(request.user, pk)
    try:
        checkin_answers.check_checkin_open(checkin)
    except DomainError as error:
        return _closed(request, str(error))
    return _answer(request, checkin, actor=request.user, action=request.path)


@login_not_required
@require_http_methods(["GET", "POST"])
def link_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """A check-in by the link in a text message or email: no sign-in; the link is the key,
    single use and expiring, and only its hash is stored."""
    try:
        checkin = checkin_answers.open_checkin_by_link(token=token)
    except DomainError as error:
        return _closed(request, str(error))
    # The site's Referrer-Policy (same-origin) keeps the token from other sites; "no-referrer"
    # would make browsers send `Origin: null` with the form, which CSRF protection refuses.
    return _answer(request, checkin, actor=None, action=request.path)


def _closed(request: HttpRequest, problem: str) -> HttpResponse:
    return render(
        request,
        "monitoring/checkin_closed.html",
        {"problem": problem, "page_title": "This check-in cannot be answered"},
        status=410,
    )


def _answer(request: HttpRequest, checkin: CheckIn, *, actor: Any, action: str) -> HttpResponse:
    signs = (
        selectors.list_current_warning_signs(service_user=checkin.service_user)
        if checkin.schedule.ask_warning_signs
        else []
    )
    form = CheckInForm(posted(request), measures=checkin.measures, signs=signs)
    risk_reported = False
    if request.method == "POST" and not form.is_valid():
        risk = _posted_risk_answers(request, checkin)
        if risk:
            # Question 9 above 0 with other questions left blank: the team is told now and the
            # person sees what to do now above the form (H-M01).
            checkin_answers.report_risk_answer_before_completion(
                actor=actor, checkin=checkin, phq9_answers=risk
            )
            risk_reported = True
    if request.method == "POST" and form.is_valid():
        try:
            answered = checkin_answers.answer_checkin(
                actor=actor,
                checkin=checkin,
                answers=form.answers(),
                more_help=form.more_help(),
                reported_signs=form.reported_signs(),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            # What to do now is the very next thing the person sees (H-M01), not a link to it.
            template = "monitoring/help_now.html" if answered.help_now else "monitoring/done.html"
            return render(
                request,
                template,
                {
                    "answered": answered,
                    "signed_in": actor is not None,
                    "page_title": "What to do now" if answered.help_now else "Thank you",
                },
            )
    return render(
        request,
        "monitoring/checkin.html",
        {
            "form": form,
            "checkin": checkin,
            "action": action,
            "given_name": checkin.service_user.given_name,
            "risk_reported": risk_reported,
            "page_title": "Your check-in",
        },
    )


def _posted_risk_answers(request: HttpRequest, checkin: CheckIn) -> dict[str, int]:
    """The PHQ-9 answers posted, when question 9 is among them above 0; otherwise empty. Only
    answers that are one of their item's options are kept."""
    if "PHQ9" not in checkin.measures:
        return {}
    allowed = {str(option.value): option.value for option in PHQ9.items[0].options}
    answers = {
        item.key: allowed[request.POST[item.key]]
        for item in PHQ9.items
        if request.POST.get(item.key) in allowed
    }
    return answers if answers.get(PHQ9_RISK_ITEM, 0) > 0 else {}
