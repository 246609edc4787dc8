"""Pages of feedback after contacts and of carers' input.

The questionnaire by link (no sign-in; the link is the key) or signed in (service users, carers,
clinicians); the results for team managers and analysts (counts only, suppressed, never a
response); the carer's invitation and concern; the care team's view of what carers said before
a contact."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from caremode.accounts.models import CARE_TEAM_ROLES, Role
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event, record_list_read
from caremode.core import codes
from caremode.core.access import AuthenticatedRequest, care_team_required, roles_required
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, posted, submitted
from caremode.feedback import carer_input, results, selectors, services, themes
from caremode.feedback.access import (
    access_carer_views_of_contact,
    access_consent_to_give_input,
    access_own_feedback_request,
    access_own_invitation,
)
from caremode.feedback.forms import CarerConcernForm, CarerInputForm, FeedbackForm
from caremode.feedback.models import CarerInvitation, FeedbackRequest, Respondent

ANSWERING_ROLES = (Role.SERVICE_USER, Role.CARER, *CARE_TEAM_ROLES)
RESULTS_ROLES = (Role.TEAM_MANAGER, Role.ANALYST)


@login_not_required
@require_http_methods(["GET", "POST"])
def link_feedback(request: HttpRequest, token: str) -> HttpResponse:
    """A questionnaire by the link in a text message or email: no sign-in, single use,
    expiring, only its hash stored."""
    try:
        feedback_request = services.open_feedback_by_link(token=token)
    except DomainError as error:
        return _closed(request, str(error))
    return _questionnaire(request, feedback_request, actor=None)


@roles_required(*ANSWERING_ROLES)
@require_GET
def my_feedback(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in person's questionnaires still open."""
    open_requests = selectors.list_open_requests(request.user)
    if request.user.is_care_team:
        record_list_read(
            actor=request.user,
            purpose="feedback to give",
            subject_ids=[r.service_user_id for r in open_requests],
        )
    return render(
        request,
        "feedback/my_feedback.html",
        {"open_requests": open_requests, "page_title": "Feedback you can give"},
    )


@roles_required(*ANSWERING_ROLES)
@require_http_methods(["GET", "POST"])
def answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A questionnaire answered signed in (the portal, the carer page, the staff list)."""
    feedback_request = access_own_feedback_request(request.user, pk)
    try:
        services.check_feedback_open(feedback_request)
    except DomainError as error:
        return _closed(request, str(error))
    return _questionnaire(request, feedback_request, actor=request.user)


def _closed(request: HttpRequest, problem: str) -> HttpResponse:
    return render(
        request,
        "feedback/closed.html",
        {"problem": problem, "page_title": "This cannot be answered"},
        status=410,
    )


def _questionnaire(
    request: HttpRequest, feedback_request: FeedbackRequest, *, actor: Any
) -> HttpResponse:
    contact = feedback_request.contact
    mode = contact.mode_used or contact.planned_mode
    form = FeedbackForm(posted(request), respondent=feedback_request.respondent, mode=mode)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_feedback(
                actor=actor,
                request=feedback_request,
                answers=form.answers(),
                anonymous=form.cleaned_data["anonymous"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return render(
                request,
                "feedback/done.html",
                {"signed_in": actor is not None, "page_title": "Thank you"},
            )
    return render(
        request,
        "feedback/questionnaire.html",
        {
            "form": form,
            "feedback_request": feedback_request,
            "contact": contact,
            "mode": mode,
            "staff": feedback_request.respondent == Respondent.STAFF,
            "action": request.path,
            "page_title": "Your feedback"
            if actor is None or not actor.is_care_team
            else "After your remote contact",
        },
    )


@roles_required(*RESULTS_ROLES)
@require_GET
def results_page(request: AuthenticatedRequest) -> HttpResponse:
    """Feedback counted for services and teams, suppressed: the FFT by month and service, and
    what people said about each mode. No response, name or words of anyone's are shown."""
    return render(
        request,
        "feedback/results.html",
        {
            "fft_columns": results.FFT_COLUMNS,
            "fft": [row.published() for row in results.fft_rows()],
            "modes": [r.published() for r in results.mode_results()],
            "page_title": "Feedback after contacts",
        },
    )


@roles_required(*RESULTS_ROLES)
@require_GET
def fft_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The FFT counts in NHS England's columns, suppressed, for submission or analysis."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="friends-and-family-test.csv"'
    csv.writer(response).writerows(results.fft_csv_rows(results.fft_rows()))
    return response


def _themes(
    request: AuthenticatedRequest,
) -> tuple[themes.Filters, dict[str, Any], int, dict[str, themes.ThemeInfo]]:
    """The themes selection of the query string, counted and published (suppressed and
    anonymised), and how many coded excerpts of the period are waiting for agreement."""
    codebook = themes.load_codebook()
    filters = themes.Filters.from_query(request.GET.dict(), theme_keys=codebook)
    since = themes.first_month(filters.period, today=timezone.localdate())
    themed, waiting = themes.themed_excerpts(since=since)
    shown = themes.published(
        themes.count_themes(themed, filters),
        filters,
        codebook=codebook,
        names=selectors.known_names(),
    )
    return filters, shown, waiting, codebook


@roles_required(*RESULTS_ROLES)
@require_GET
def themes_page(request: AuthenticatedRequest) -> HttpResponse:
    """Themes by mode and group, over time, and the excerpts behind each: every count
    suppressed, excerpts only behind counts of 5 or more and anonymised (TH6, TH7). Filters
    in the query string (a GET form, no JavaScript needed). Audited as a read."""
    filters, shown, waiting, codebook = _themes(request)
    with transaction.atomic():
        record_event(
            actor=request.user,
            action=AuditAction.READ,
            object_type="feedback.themes",
            detail={
                **filters.as_query(),
                "excerpts_shown": sum(len(t["texts"]) for m in shown["said"] for t in m["themes"]),
            },
        )
    query = urlencode(filters.as_query())
    return render(
        request,
        "feedback/themes.html",
        {
            "filters": filters,
            "shown": shown,
            "waiting": waiting,
            "choices": {
                "mode": [("", themes.ALL_MODES), *[(k, v[1]) for k, v in codes.MODES.items()]],
                "dimension": [("", "No group"), *[(k, v[0]) for k, v in themes.DIMENSIONS.items()]],
                "period": [(k, v[0]) for k, v in themes.PERIODS.items()],
                "theme": [
                    ("", "All themes"),
                    *[(k, f"{k} {v.label}") for k, v in codebook.items()],
                ],
            },
            "dimension_label": themes.DIMENSIONS[filters.dimension][0] if filters.dimension else "",
            "csv_href": f"{reverse('feedback:themes_csv')}?{query}"
            if query
            else reverse("feedback:themes_csv"),
            "page_title": "Themes in what people said",
        },
    )


@roles_required(*RESULTS_ROLES)
@require_GET
def themes_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The themes page's tables as CSV, suppressed as on the page, without the excerpts' words.
    Audited as an export."""
    filters, shown, _waiting, _codebook = _themes(request)
    rows = themes.csv_rows(shown, filters)
    with transaction.atomic():
        record_event(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="feedback.themes",
            detail={**filters.as_query(), "rows": len(rows) - 1},
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="themes.csv"'
    csv.writer(response).writerows(rows)
    return response


# Carers' input (E10).


@login_not_required
@require_http_methods(["GET", "POST"])
def link_carer_input(request: HttpRequest, token: str) -> HttpResponse:
    """A carer's invitation by link: no sign-in; closed once consent is withdrawn."""
    try:
        invitation = carer_input.open_invitation_by_link(token=token)
    except DomainError as error:
        return _closed(request, str(error))
    return _carer_input(request, invitation, actor=None)


@roles_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def my_invitation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A carer's invitation answered on the carer page."""
    invitation = access_own_invitation(request.user, pk)
    try:
        carer_input.check_invitation_open(invitation)
    except DomainError as error:
        return _closed(request, str(error))
    return _carer_input(request, invitation, actor=request.user)


def _carer_input(request: HttpRequest, invitation: CarerInvitation, *, actor: Any) -> HttpResponse:
    form = CarerInputForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        carer_input.give_carer_input(actor=actor, invitation=invitation, text=data["text"])

    if submitted(request, form, act):
        return render(
            request,
            "feedback/carer_thanks.html",
            {"signed_in": actor is not None, "page_title": "Thank you"},
        )
    return render(
        request,
        "feedback/carer_input.html",
        {
            "form": form,
            "invitation": invitation,
            "page_title": "Tell the team what you have noticed",
        },
    )


@roles_required(Role.CARER)
@require_http_methods(["GET", "POST"])
def raise_concern(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A carer raises a concern about someone they care for, at any time, within consent."""
    consent = access_consent_to_give_input(request.user, pk)
    form = CarerConcernForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        carer_input.raise_carer_concern(
            actor=request.user,
            carer=consent.carer,
            service_user=consent.service_user,
            text=data["text"],
            urgent=data["urgent"],
        )

    if submitted(request, form, act):
        messages.success(
            request, f"Your concern has been sent to {consent.service_user.given_name}'s care team."
        )
        return redirect("records:carer_home")
    return render(
        request,
        "feedback/raise_concern.html",
        {
            "form": form,
            "person": consent.service_user,
            "page_title": "Raise a concern",
            "back_href": reverse("records:carer_home"),
            "back_text": "Back to people you care for",
        },
    )


@care_team_required
@require_GET
def contact_carer_views(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """What carers told the team before one contact, marked as the carer's view."""
    contact, views = access_carer_views_of_contact(request.user, pk)
    return render(
        request,
        "feedback/contact_carer_views.html",
        {
            "contact": contact,
            "views": views,
            "page_title": "What carers told the team",
            "back_href": reverse("records:record", args=[contact.service_user_id]),
            "back_text": "Back to the record",
        },
    )
