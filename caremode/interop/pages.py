"""The administrator's page of FHIR system clients: who may call the API, with which scopes, and
revoking one. Pages for people (session, second factor, recent password), not the API."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from caremode.accounts.models import Role
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.access import (
    AuthenticatedRequest,
    recent_authentication_required,
    roles_required,
)
from caremode.interop.services import get_client, list_clients, revoke_client


@roles_required(Role.ADMIN)
@require_GET
def clients(request: AuthenticatedRequest) -> HttpResponse:
    listed = list_clients()
    record_event(
        actor=request.user,
        action=AuditAction.READ,
        object_type="interop.FhirClient",
        detail={"fhir_clients": [c.name for c in listed]},
    )
    return render(
        request,
        "interop/clients.html",
        {"clients": listed, "page_title": "FHIR system clients"},
    )


@roles_required(Role.ADMIN)
@recent_authentication_required
@require_POST
def revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = get_client(pk)
    if client is None:
        raise Http404
    if client.revoked_at is None:
        revoke_client(client=client, actor=request.user)
        messages.success(request, f"{client.name} can no longer call the FHIR API.")
    return redirect("interop_pages:clients")
