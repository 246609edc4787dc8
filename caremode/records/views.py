from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from caremode.accounts.models import Role
from caremode.audit.selectors import list_audit_events_for_subject
from caremode.audit.services import record_list_read
from caremode.core.access import (
    AuthenticatedRequest,
    care_team_required,
    recent_authentication_required,
    roles_required,
    service_user_required,
)
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, posted, submitted
from caremode.core.presenters import mode_label, nhs_datetime
from caremode.decisions.selectors import (
    get_current_preferences,
    get_first_remote_contact,
    list_current_decisions,
)
from caremode.evaluation.own_data import evaluate_rows
from caremode.messaging.selectors import (
    list_messages_for,
    list_messages_sent_to_carer,
    list_messages_sent_to_service_user,
)
from caremode.people.access import access_consent, access_own_record, access_service_user
from caremode.people.consent import consents_to_join
from caremode.people.forms import CaseloadSearchForm, RevokeConsentForm
from caremode.people.selectors import (
    list_access_need_history,
    list_consents,
    list_current_access_needs,
    list_people_cared_for,
    list_teams_for,
)
from caremode.records.selectors import (
    EXTRACT_COLUMNS,
    PREFERENCE_COLUMNS,
    iter_pseudonymised_contacts,
    iter_pseudonymised_preferences,
)
from caremode.records.services import (
    ConsentWithdrawal,
    export_subject_access,
    withdraw_carer_consent,
)
from caremode.scheduling import services as scheduling_services
from caremode.scheduling.forms import BookContactForm
from caremode.scheduling.guidance import first_remote_contact_guidance
from caremode.scheduling.selectors import (
    list_caseload_for,
    list_changes_for,
    list_commitments_for,
    list_contacts_awaiting_outcome,
    list_follow_ups_for,
    list_handovers_for,
    list_past_contacts,
    list_upcoming_contacts,
)
from caremode.workforce.selectors import training_advice

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
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": query,
        "page_title": "My caseload",
    }
    partial = bool(request.headers.get("HX-Request"))
    if not partial:
        context["awaiting_outcome"] = list_contacts_awaiting_outcome(request.user)
        context["team"] = list_teams_for(request.user).first()
    record_list_read(
        actor=request.user,
        purpose="caseload search" if query else "caseload list",
        subject_ids=[p.pk for p in page]
        + [c.service_user_id for c in context.get("awaiting_outcome", [])],
        detail={"query": query, "page": page.number},
    )
    return render(
        request, "records/_caseload_results.html" if partial else "records/caseload.html", context
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def book_contact(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Book a contact, showing the shared decisions and warning when the mode differs (E19)."""
    service_user = access_service_user(request.user, pk, purpose="book contact")
    consents = list(consents_to_join(service_user))
    decisions = list_current_decisions(service_user)
    form = BookContactForm(
        request.POST if request.method == "POST" else None,
        modes_offered=service_user.team.service.modes_offered,
        carers=consents,
    )
    differs = None
    # Advice only (E21): the clinician's first contact of a remote mode without its training.
    advice = training_advice(
        request.user, service_user.team.service.modes_offered, today=timezone.localdate()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = next(
            (d for d in decisions if d.consultation_type == data["consultation_type"]), None
        )
        if decision and decision.agreed_mode != data["mode"]:
            differs = decision
        if differs and not data["confirm_different_mode"]:
            form.add_error(
                "mode",
                f"This differs from the agreed mode for this kind of contact "
                f"({mode_label(differs.agreed_mode).lower()}). Confirm below to book it anyway.",
            )
        else:
            carer = next((c.carer for c in consents if c.carer_id == data.get("carer")), None)
            try:
                contact = scheduling_services.book_contact(
                    actor=request.user,
                    service_user=service_user,
                    consultation_type=data["consultation_type"],
                    mode=data["mode"],
                    start=form.start(),
                    duration_minutes=data["duration_minutes"],
                    carer=carer,
                    notes=data["notes"],
                )
            except DomainError as error:
                if error.field == "start":
                    error.field = "date"
                add_domain_error(form, error)
            else:
                messages.success(request, f"Contact booked for {nhs_datetime(contact.start)}.")
                if contact.planned_mode in advice:
                    messages.info(
                        request,
                        f"This is your first {mode_label(contact.planned_mode).lower()} contact "
                        "and you have not recorded current training for it: see Your training.",
                    )
                return redirect("records:record", pk=service_user.pk)
    return render(
        request,
        "records/book_contact.html",
        {
            "form": form,
            "service_user": service_user,
            "decisions": decisions,
            "differs": differs,
            "training_advice": advice,
            "page_title": "Book a contact",
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
    )


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
            "decisions": list_current_decisions(service_user),
            "changes": list_changes_for(service_user),
            "commitments": list_commitments_for(service_user),
            "follow_ups": list_follow_ups_for(service_user),
            "handovers": list_handovers_for(service_user),
            "messages_sent": list_messages_for(service_user, limit=10),
            "page_title": service_user.full_name,
            "back_href": reverse("records:caseload"),
            "back_text": "Back to my caseload",
        },
    )


@service_user_required
@require_GET
def portal(request: AuthenticatedRequest) -> HttpResponse:
    service_user = access_own_record(request.user)
    first_remote = get_first_remote_contact(service_user)
    return render(
        request,
        "records/portal.html",
        {
            "service_user": service_user,
            "access_needs": list_current_access_needs(service_user),
            "consents": [c for c in list_consents(service_user) if c.is_current],
            "upcoming": list_upcoming_contacts(service_user),
            "past": list_past_contacts(service_user, limit=20),
            "decisions": list_current_decisions(service_user),
            "preferences": get_current_preferences(service_user),
            "first_remote": first_remote,
            "changes": list_changes_for(service_user, limit=10),
            "messages_sent": list_messages_sent_to_service_user(service_user, limit=10),
            "guidance": first_remote_contact_guidance(first_remote.planned_mode)
            if first_remote
            else (),
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
    record_list_read(
        actor=request.user, purpose="carer page", subject_ids=[person.pk for person, _ in people]
    )
    return render(
        request,
        "records/carer_home.html",
        {
            "people": people,
            "messages_sent": list_messages_sent_to_carer(request.user),
            "page_title": "People you care for",
        },
    )


@care_team_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def withdraw_consent(request: AuthenticatedRequest, pk: int, consent_pk: int) -> HttpResponse:
    """Withdraw a carer's consent; it reaches their queued messages too (E10)."""
    consent = access_consent(request.user, pk, consent_pk)
    form = RevokeConsentForm(posted(request))
    done: list[ConsentWithdrawal] = []
    if submitted(
        request,
        form,
        lambda data: done.append(
            withdraw_carer_consent(actor=request.user, consent=consent, reason=data["reason"])
        ),
    ):
        withdrawn, passes = done[0].messages_withdrawn, done[0].room_passes_revoked
        messages.success(
            request,
            f"Consent for {consent.carer} has been withdrawn."
            + (
                f" {withdrawn} message{'s' if withdrawn != 1 else ''} waiting to be sent to "
                "them will not be sent."
                if withdrawn
                else ""
            )
            + (" Their video room link no longer works." if passes else ""),
        )
        return redirect("records:record", pk=pk)
    return render(
        request,
        "people/revoke_consent.html",
        {
            "form": form,
            "consent": consent,
            "page_title": "Withdraw carer consent",
            "back_href": reverse("records:record", args=[pk]),
        },
    )


@care_team_required
@recent_authentication_required
@require_GET
def subject_access_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Download everything held about a person (subject access request). Audited as an export."""
    service_user = access_service_user(request.user, pk, purpose="subject access export")
    export = export_subject_access(actor=request.user, service_user=service_user)
    response = HttpResponse(
        json.dumps(export, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{service_user.nhs_number}.json"'
    )
    return response


@service_user_required
@require_GET
def who_viewed(request: AuthenticatedRequest) -> HttpResponse:
    """Who has looked at or changed the person's record, as NHS patients increasingly expect."""
    service_user = access_own_record(request.user)
    events = [
        e
        for e in list_audit_events_for_subject(service_user.pk, limit=200)
        if e.actor_id != request.user.pk
    ]
    return render(
        request,
        "records/who_viewed.html",
        {
            "events": events,
            "page_title": "Who has looked at your record",
            "back_href": reverse("records:portal"),
        },
    )


@roles_required(Role.ANALYST, Role.TEAM_MANAGER)
@require_GET
def evaluation_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Equity findings over CareMode's own offered contacts: pseudonymised, suppressed, no names.
    Recomputed at most every ten minutes."""
    result = cache.get(DASHBOARD_CACHE_KEY)
    if result is None:
        key = settings.EXTRACT_PSEUDONYM_KEY
        result = evaluate_rows(
            EXTRACT_COLUMNS,
            iter_pseudonymised_contacts(key=key),
            PREFERENCE_COLUMNS,
            iter_pseudonymised_preferences(key=key),
        )
        cache.set(DASHBOARD_CACHE_KEY, result, 600)
    return render(
        request,
        "records/evaluation_dashboard.html",
        {"result": result, "page_title": "Who remote care helps and who it leaves behind"},
    )


DASHBOARD_CACHE_KEY = "caremode:evaluation-dashboard"
