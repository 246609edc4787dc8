from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from caremode.accounts.models import Role
from caremode.core.access import AuthenticatedRequest, care_team_required, roles_required
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error
from caremode.scheduling import services
from caremode.scheduling.access import access_contact
from caremode.scheduling.forms import RecordOutcomeForm
from caremode.scheduling.selectors import count_contacts_by_mode_and_outcome


@care_team_required
@require_http_methods(["GET", "POST"])
def record_outcome(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = access_contact(request.user, pk, purpose="record outcome")
    form = RecordOutcomeForm(
        request.POST if request.method == "POST" else None,
        initial={"mode_used": contact.planned_mode},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_outcome(actor=request.user, contact=contact, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
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


@roles_required(Role.ANALYST, Role.TEAM_MANAGER)
@require_http_methods(["GET"])
def contact_summary(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "scheduling/contact_summary.html",
        {"summary": count_contacts_by_mode_and_outcome(), "page_title": "Contacts by mode"},
    )
