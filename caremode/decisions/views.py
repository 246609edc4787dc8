from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from caremode.audit.services import record_list_read
from caremode.core.access import (
    AuthenticatedRequest,
    care_team_required,
    service_user_required,
)
from caremode.core.errors import DomainError
from caremode.core.evidence import FINDINGS, FINDINGS_BY_ID, SOURCES
from caremode.core.forms import add_domain_error, posted
from caremode.decisions import selectors, services
from caremode.decisions.forms import AgreeDecisionForm, DecisionContextForm, PreferencesForm
from caremode.decisions.models import ModePreference
from caremode.decisions.openapi import build_schema
from caremode.decisions.presenters import summarise
from caremode.decisions.rules import (
    KEEP_IN_TOUCH_GRACE_DAYS,
    RETIRED_RULES,
    RULES,
    WAITING_OUTCOMES,
    recommend,
)
from caremode.people.access import access_own_record, access_service_user
from caremode.people.consent import consents_to_take_part_in_decisions
from caremode.people.models import ServiceUser
from caremode.people.selectors import list_teams_for


@care_team_required
@require_GET
def decisions(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Current shared decisions, their history, and the person's stated preferences."""
    service_user = access_service_user(request.user, pk, purpose="view decisions")
    current = selectors.list_current_decisions(service_user)
    return render(
        request,
        "decisions/decisions.html",
        {
            "service_user": service_user,
            "current": current,
            "history": selectors.list_decision_history(service_user),
            "preferences": selectors.get_current_preferences(service_user),
            "preference_history": selectors.list_preference_history(service_user),
            "page_title": f"Decisions about mode – {service_user.full_name}",
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def agree_decision(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Show the recommendation for the context given, and record what was agreed."""
    service_user = access_service_user(request.user, pk, purpose="shared decision")
    data = request.POST if request.method == "POST" else request.GET
    context_form = DecisionContextForm(data if "consultation_type" in data else None)
    consents = list(consents_to_take_part_in_decisions(service_user))
    recommendation = current = None
    if context_form.is_valid():
        consultation_type = context_form.cleaned_data["consultation_type"]
        recommendation = recommend(
            selectors.build_context(
                service_user,
                consultation_type=consultation_type,
                clinician=request.user,
                **context_form.answers(),
            )
        )
        current = selectors.get_current_decision(service_user, consultation_type)
    decision_form = AgreeDecisionForm(
        posted(request),
        modes_offered=service_user.team.service.modes_offered,
        consents=consents,
        waiting_outcomes=recommendation.waiting_outcomes if recommendation else (),
    )
    if recommendation is not None and request.method == "POST" and decision_form.is_valid():
        agreed = decision_form.cleaned_data
        carer_id = agreed.get("carer")
        try:
            services.agree_decision(
                actor=request.user,
                service_user=service_user,
                consultation_type=recommendation.consultation_type,
                agreed_mode=agreed["agreed_mode"],
                fallback_mode=agreed["fallback_mode"],
                recommendation=recommendation,
                review_on=agreed["review_on"],
                persons_own_words=agreed["persons_own_words"],
                service_user_took_part=agreed["service_user_took_part"],
                carer=next((c.carer for c in consents if c.carer_id == carer_id), None),
                outcome=agreed["outcome"],
                keep_in_touch=decision_form.keep_in_touch(),
                reoffer_on=agreed.get("reoffer_on"),
                waiting_reason=agreed.get("waiting_reason", ""),
            )
        except DomainError as error:
            add_domain_error(decision_form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("decisions:decisions", pk=service_user.pk)
    partial = bool(request.headers.get("HX-Request")) and request.method == "GET"
    template = "decisions/_recommendation.html" if partial else "decisions/agree_decision.html"
    return render(
        request,
        template,
        {
            "service_user": service_user,
            "context_form": context_form,
            "form": decision_form,
            "recommendation": recommendation,
            "view": summarise(recommendation) if recommendation else None,
            "findings": FINDINGS_BY_ID,
            "waiting_labels": WAITING_OUTCOMES,
            # With htmx, the form to record the decision is replaced along with the
            # recommendation, so that its hidden answers are those shown.
            "oob": partial,
            "current": current,
            "page_title": "Agree a mode of contact",
            "back_href": reverse("decisions:decisions", args=[service_user.pk]),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def record_preferences(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="record preferences")
    return _preferences_page(
        request,
        service_user,
        source=ModePreference.Source.CLINICIAN,
        done=reverse("decisions:decisions", args=[service_user.pk]),
    )


@service_user_required
@require_http_methods(["GET", "POST"])
def my_preferences(request: AuthenticatedRequest) -> HttpResponse:
    service_user = access_own_record(request.user)
    return _preferences_page(
        request,
        service_user,
        source=ModePreference.Source.SERVICE_USER,
        done=reverse("records:portal"),
    )


def _preferences_page(
    request: AuthenticatedRequest, service_user: ServiceUser, *, source: str, done: str
) -> HttpResponse:
    current = selectors.get_current_preferences(service_user)
    form = PreferencesForm(posted(request), current=current)
    if request.method == "POST" and form.is_valid():
        for mode, preference in form.changed_preferences(current).items():
            services.record_preference(
                actor=request.user,
                service_user=service_user,
                mode=mode,
                preference=preference,
                source=source,
            )
        messages.success(request, "Preferences saved.")
        return redirect(done)
    return render(
        request,
        "decisions/preferences.html",
        {
            "service_user": service_user,
            "form": form,
            "own": source == ModePreference.Source.SERVICE_USER,
            "page_title": "How you would like to be contacted",
            "back_href": done,
        },
    )


@care_team_required
@require_GET
def review_list(request: AuthenticatedRequest) -> HttpResponse:
    flagged = selectors.list_decisions_for_review(request.user)
    record_list_read(
        actor=request.user,
        purpose="decisions to review",
        subject_ids=[item.decision.service_user_id for item in flagged],
    )
    return render(
        request,
        "decisions/review_list.html",
        {"flagged": flagged, "page_title": "Decisions to review"},
    )


@care_team_required
@require_GET
def waiting_list(request: AuthenticatedRequest) -> HttpResponse:
    """The team's waiting list: people paused or waiting for face to face, with the date to
    offer again, the keep-in-touch rhythm, the last contact and what is overdue (hazard D17).
    For the user's teams only; one audited read naming the people shown."""
    today = timezone.localdate()
    entries = selectors.list_waiting(list_teams_for(request.user), today=today)
    record_list_read(
        actor=request.user,
        purpose="waiting list",
        subject_ids=[entry.service_user_id for entry in entries],
    )
    return render(
        request,
        "decisions/waiting_list.html",
        {
            "entries": entries,
            "today": today,
            "grace_days": KEEP_IN_TOUCH_GRACE_DAYS,
            "page_title": "Waiting list",
            "back_href": reverse("scheduling:team"),
        },
    )


@care_team_required
@require_GET
def recommendation_api(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """GET JSON: the recommendation for one service user and consultation type.

    Query: consultation_type (required), risk_level, recent_deterioration, carer_involvement_wanted
    (yes/no). 400 with the field named for a bad value; 404 when the person is not visible.
    """
    service_user = access_service_user(request.user, pk, purpose="recommendation API")
    form = DecisionContextForm(request.GET)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return JsonResponse({"error": errors[0], "field": field}, status=400)
    context = selectors.build_context(
        service_user,
        consultation_type=form.cleaned_data["consultation_type"],
        clinician=request.user,
        **form.answers(),
    )
    return JsonResponse(recommend(context).as_json())


@care_team_required
@require_GET
def openapi_schema(request: AuthenticatedRequest) -> JsonResponse:
    """The OpenAPI description of the JSON API."""
    return JsonResponse(build_schema())


@require_GET
def evidence(request: AuthenticatedRequest) -> HttpResponse:
    """The findings the rules cite, E1–E23, with their sources: for anyone signed in."""
    themes: dict[str, list] = {}
    for finding in FINDINGS:
        themes.setdefault(finding.theme, []).append(finding)
    return render(
        request,
        "decisions/evidence.html",
        {"themes": themes, "sources": SOURCES, "page_title": "The evidence behind CareMode"},
    )


@require_GET
def finding(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """One finding, its source, and the decision rules that cite it."""
    found = FINDINGS_BY_ID.get(code)
    if found is None:
        raise Http404("No such finding")
    return render(
        request,
        "decisions/finding.html",
        {
            "finding": found,
            "sources": {key: SOURCES[key] for key in found.sources},
            "rules": [rule for rule in RULES if code in rule.evidence],
            "retired": RETIRED_RULES,
            "page_title": f"{found.id}: {found.theme}",
            "back_href": reverse("decisions:evidence"),
        },
    )
