from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from caremode.accounts.models import Role
from caremode.core.access import (
    CODE_EXCERPTS_PERMISSION,
    AuthenticatedRequest,
    care_team_required,
    recent_authentication_required,
    roles_required,
)
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, form_page, posted, submitted
from caremode.people import services
from caremode.people.access import access_service_user
from caremode.people.forms import (
    AcceptMembershipForm,
    AccessNeedForm,
    AccountActionForm,
    AreaForm,
    CarerConsentForm,
    ContactDetailsForm,
    CoverForm,
    EraseForm,
    RestrictionForm,
    ServiceUserForm,
    StaffAccountForm,
)
from caremode.people.selectors import (
    get_pending_membership,
    get_staff_account,
    get_team,
    list_clinicians_outside,
    list_covers_for_teams,
    list_pending_memberships,
    list_services_overview,
    list_staff_accounts,
    list_teams_for,
)


@care_team_required
@require_http_methods(["GET", "POST"])
def register_service_user(request: AuthenticatedRequest) -> HttpResponse:
    teams = list(list_teams_for(request.user))
    if not teams:
        raise Http404
    form = ServiceUserForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service_user = services.register_service_user(
                actor=request.user, team=teams[0], fields=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{service_user.full_name} has been added to the caseload.")
            return redirect("records:record", pk=service_user.pk)
    return render(
        request,
        "people/register_service_user.html",
        {
            "form": form,
            "team": teams[0],
            "page_title": "Add a service user",
            "back_href": reverse("records:caseload"),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def add_access_need(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="record access need")
    form = AccessNeedForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: services.record_access_need(
            actor=request.user,
            service_user=service_user,
            need=data["need"],
            notes=data["notes"],
            language=data["language"],
            interpreting=data["interpreting"],
        ),
    ):
        messages.success(request, "Access need recorded.")
        return redirect("records:record", pk=service_user.pk)
    return _person_form_page(
        request, "people/add_access_need.html", form, service_user, "Record an access need"
    )


@care_team_required
@require_http_methods(["POST"])
def end_access_need(request: AuthenticatedRequest, pk: int, need_pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="end access need")
    access_need = get_object_or_404(service_user.access_needs, pk=need_pk)
    try:
        services.end_access_need(actor=request.user, access_need=access_need)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Access need marked as no longer applying.")
    return redirect("records:record", pk=service_user.pk)


@care_team_required
@require_http_methods(["GET", "POST"])
def edit_contact_details(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Correct how to contact the person; each change audited with the old and new values."""
    service_user = access_service_user(request.user, pk, purpose="edit contact details")
    form = ContactDetailsForm(
        posted(request),
        initial={name: getattr(service_user, name) for name in services.CONTACT_DETAIL_FIELDS},
    )
    back = reverse("records:record", args=[service_user.pk])
    return form_page(
        request,
        form,
        lambda data: services.update_contact_details(
            actor=request.user, service_user=service_user, changes=data
        ),
        template="people/edit_contact_details.html",
        context={
            "service_user": service_user,
            "page_title": "How to contact " + service_user.given_name,
            "back_href": back,
        },
        done="Contact details saved.",
        then=back,
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def edit_area(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record or correct where the person lives (postcode district, urban or rural, deprivation
    decile); each change audited with the old and new values."""
    service_user = access_service_user(request.user, pk, purpose="record where they live")
    form = AreaForm(
        posted(request),
        initial={name: getattr(service_user, name) for name in services.AREA_FIELDS},
    )
    back = reverse("records:record", args=[service_user.pk])
    return form_page(
        request,
        form,
        lambda data: services.record_area(
            actor=request.user, service_user=service_user, changes=data
        ),
        template="people/edit_area.html",
        context={
            "service_user": service_user,
            "page_title": "Where " + service_user.given_name + " lives",
            "back_href": back,
        },
        done="Where they live saved.",
        then=back,
    )


@care_team_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def add_carer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="add carer")
    form = CarerConsentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        scopes = set(form.cleaned_data["scopes"])
        try:
            services.add_carer_with_consent(
                actor=request.user,
                service_user=service_user,
                carer_fields=form.carer_fields(),
                join_contacts="join_contacts" in scopes,
                appointment_details="appointment_details" in scopes,
                assessment_input="assessment_input" in scopes,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Carer and consent recorded.")
            return redirect("records:record", pk=service_user.pk)
    return _person_form_page(request, "people/add_carer.html", form, service_user, "Add a carer")


@roles_required(Role.ADMIN)
@require_http_methods(["GET"])
def services_overview(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "people/services_overview.html",
        {"services": list_services_overview(), "page_title": "Services and teams"},
    )


@roles_required(Role.TEAM_MANAGER)
@require_http_methods(["GET", "POST"])
def cover(request: AuthenticatedRequest) -> HttpResponse:
    """Give a clinician of another team time-limited access to this team's caseload."""
    team = list_teams_for(request.user).first()
    if team is None:
        raise Http404
    clinicians = [(u.pk, f"{u} ({u.username})") for u in list_clinicians_outside(team)]
    form = CoverForm(posted(request), clinicians=clinicians)
    if request.method == "POST" and form.is_valid():
        chosen = next(
            (u for u in list_clinicians_outside(team) if u.pk == form.cleaned_data["user"]), None
        )
        ends_at = timezone.make_aware(
            dt.datetime.combine(form.cleaned_data["ends_on"], dt.time(23, 59))
        )
        try:
            if chosen is None:
                raise DomainError("Select a clinician.", field="user")
            services.grant_cover(
                actor=request.user,
                user=chosen,
                team=team,
                reason=form.cleaned_data["reason"],
                ends_at=ends_at,
            )
        except DomainError as error:
            if error.field == "ends_on":
                form.add_error("ends_on", error.message)
            else:
                add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"{chosen} can see {team.name}'s caseload until "
                f"{form.cleaned_data['ends_on']:%-d %B}.",
            )
            return redirect("people:cover")
    return render(
        request,
        "people/cover.html",
        {
            "form": form,
            "team": team,
            "covers": list_covers_for_teams(list_teams_for(request.user)),
            "page_title": "Cover from other teams",
        },
    )


@care_team_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def restriction(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="restriction of processing")
    form = RestrictionForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: services.set_processing_restriction(
            actor=request.user,
            service_user=service_user,
            restricted=data["restricted"],
            reason=data["reason"],
        ),
    ):
        messages.success(request, "Restriction of processing updated.")
        return redirect("records:record", pk=service_user.pk)
    return _person_form_page(
        request, "people/restriction.html", form, service_user, "Restrict processing"
    )


@care_team_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def erase(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="erasure")
    form = EraseForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: services.erase_registered_in_error(
            actor=request.user, service_user=service_user, reason=data["reason"]
        ),
    ):
        messages.success(request, "The record created in error has been erased.")
        return redirect("records:caseload")
    return _person_form_page(
        request, "people/erase.html", form, service_user, "Erase a record made in error"
    )


@roles_required(Role.ADMIN)
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def staff_accounts(request: AuthenticatedRequest) -> HttpResponse:
    """Administrators open staff accounts; they see accounts and teams, never records."""
    teams = list(list_services_overview())
    team_choices = [(t.pk, t.name) for s in teams for t in s.teams.all()]
    form = StaffAccountForm(posted(request), teams=team_choices)
    created: list[Any] = []

    def act(data: dict[str, Any]) -> None:
        created.append(
            services.create_staff_account(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                email=data["email"],
                role=data["role"],
                team=get_team(data["team"]),
            )
        )

    if submitted(request, form, act):
        form = StaffAccountForm(teams=team_choices)
    return render(
        request,
        "people/staff_accounts.html",
        {
            "form": form,
            "accounts": list_staff_accounts(),
            "created": created[0] if created else None,
            "page_title": "Staff accounts",
        },
    )


@roles_required(Role.ADMIN)
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def staff_account(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = get_staff_account(pk)
    if account is None:
        raise Http404
    form = AccountActionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "reset_second_factor":
                services.reset_second_factor(actor=request.user, user=account, reason=reason)
            elif action in ("allow_coding", "stop_coding"):
                services.set_may_code_feedback(
                    actor=request.user,
                    user=account,
                    allowed=action == "allow_coding",
                    reason=reason,
                )
            else:
                services.set_account_active(
                    actor=request.user, user=account, active=action == "reopen", reason=reason
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Done: {dict(form.fields['action'].choices)[action]}.")  # type: ignore[attr-defined]
            return redirect("people:staff_accounts")
    return render(
        request,
        "people/staff_account.html",
        {
            "form": form,
            "account": account,
            "codes_feedback": account.has_perm(CODE_EXCERPTS_PERMISSION),
            "page_title": str(account),
            "back_href": reverse("people:staff_accounts"),
        },
    )


def _person_form_page(
    request: AuthenticatedRequest, template: str, form: Any, service_user: Any, title: str
) -> HttpResponse:
    """A form about one person, with a back link to their record."""
    return render(
        request,
        template,
        {
            "form": form,
            "service_user": service_user,
            "page_title": title,
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
    )


@roles_required(Role.TEAM_MANAGER)
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def memberships(request: AuthenticatedRequest) -> HttpResponse:
    """A team manager accepts people into the team; only then do they see its caseload."""
    form = AcceptMembershipForm(posted(request))

    def act(data: dict[str, Any]) -> None:
        membership = get_pending_membership(request.user, data["membership"])
        if membership is None:
            raise DomainError("That request is no longer waiting.", field="membership")
        accepted = services.accept_membership(actor=request.user, membership=membership)
        messages.success(request, f"{accepted.user} can now see {accepted.team.name}'s caseload.")

    if submitted(request, form, act):
        return redirect("people:memberships")
    return render(
        request,
        "people/memberships.html",
        {
            "form": form,
            "pending": list_pending_memberships(request.user),
            "page_title": "People waiting to join your team",
        },
    )
