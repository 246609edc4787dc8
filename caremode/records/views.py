from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from caremode.core.access import (
    AuthenticatedRequest,
    care_team_required,
    roles_required,
    service_user_required,
)
from caremode.people.access import access_own_record, access_service_user
from caremode.people.forms import CaseloadSearchForm
from caremode.people.selectors import (
    list_access_need_history,
    list_consents,
    list_current_access_needs,
    list_people_cared_for,
    list_teams_for,
)
from caremode.scheduling.selectors import (
    list_caseload_for,
    list_contacts_awaiting_outcome,
    list_past_contacts,
    list_upcoming_contacts,
)

PAGE_SIZE = 25


@care_team_required
@require_GET
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    """My caseload, searchable; htmx requests get only the results table."""
    form = CaseloadSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(list_caseload_for(request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "query": query, "page_title": "My caseload"}
    if request.headers.get("HX-Request"):
        return render(request, "records/_caseload_results.html", context)
    context["awaiting_outcome"] = list_contacts_awaiting_outcome(request.user)
    context["team"] = list_teams_for(request.user).first()
    return render(request, "records/caseload.html", context)


@care_team_required
@require_GET
def record(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk)
    return render(
        request,
        "records/record.html",
        {
            "service_user": service_user,
            "access_needs": list_current_access_needs(service_user),
            "access_need_history": list_access_need_history(service_user),
            "consents": list_consents(service_user),
            "upcoming": list_upcoming_contacts(service_user),
            "past": list_past_contacts(service_user),
            "page_title": service_user.full_name,
            "back_href": reverse("records:caseload"),
            "back_text": "Back to my caseload",
        },
    )


@service_user_required
@require_GET
def portal(request: AuthenticatedRequest) -> HttpResponse:
    service_user = access_own_record(request.user)
    return render(
        request,
        "records/portal.html",
        {
            "service_user": service_user,
            "access_needs": list_current_access_needs(service_user),
            "consents": [c for c in list_consents(service_user) if c.is_current],
            "upcoming": list_upcoming_contacts(service_user),
            "past": list_past_contacts(service_user, limit=20),
            "page_title": "Your care",
        },
    )


@roles_required("carer")
@require_GET
def carer_home(request: AuthenticatedRequest) -> HttpResponse:
    """The people this carer supports, with appointments only where consent allows."""
    people = [
        (person, list_upcoming_contacts(person)) for person in list_people_cared_for(request.user)
    ]
    return render(
        request, "records/carer_home.html", {"people": people, "page_title": "People you care for"}
    )
