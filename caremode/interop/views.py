"""The FHIR API's endpoints: bearer token, scope, audit, then the mapping; OperationOutcome on
every refusal. Not a page: no session, no CSRF (tokens are not cookies)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from oauth2_provider.views import TokenView

from caremode.interop import fhir_resources
from caremode.interop.services import Caller, audit_request, authenticate
from caremode.people.selectors import list_service_users_for_systems

FHIR_JSON = "application/fhir+json"


def fhir_response(body: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name] = value
    return response


def outcome(status: int, code: str, diagnostics: str, expression: str = "") -> HttpResponse:
    extra = {"WWW-Authenticate": 'Bearer realm="fhir"'} if status == 401 else {}
    return fhir_response(
        fhir_resources.operation_outcome(code, diagnostics, expression), status, **extra
    )


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/")


def fhir_endpoint(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Open to systems only: no session sign-in; a valid bearer token or 401."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = authenticate(request)
        if caller is None:
            return outcome(401, "login", "A valid bearer token is needed (POST /fhir/auth/token).")
        return view(request, caller, *args, **kwargs)

    return login_not_required(csrf_exempt(wrapped))


token = login_not_required(TokenView.as_view())


@require_GET
@fhir_endpoint
def metadata(request: HttpRequest, caller: Caller) -> HttpResponse:
    statement = fhir_resources.capability_statement(
        base_url(request), timezone.now().isoformat(timespec="seconds")
    )
    audit_request(caller, interaction="capabilities", resource="CapabilityStatement")
    return fhir_response(statement)


def _refuse_scope(caller: Caller, resource: str, interaction: str) -> HttpResponse | None:
    if resource not in fhir_resources.CAPABILITIES:
        return outcome(404, "not-supported", f"CareMode does not serve {resource} resources.")
    if not caller.allows(resource, interaction):
        audit_request(caller, interaction=interaction, resource=resource, outcome=403)
        return outcome(
            403, "forbidden", f"The token's scopes do not allow {interaction} of {resource}."
        )
    return None


@fhir_endpoint
def type_level(request: HttpRequest, caller: Caller, resource: str) -> HttpResponse:
    if request.method != "GET":
        return outcome(405, "not-supported", f"{request.method} is not supported here.")
    refusal = _refuse_scope(caller, resource, "search")
    if refusal:
        return refusal
    identifier = request.GET.get("identifier")
    unknown = sorted(set(request.GET) - {"identifier"})
    if unknown:
        return outcome(400, "invalid", f"Unknown search parameter {unknown[0]!r}.", unknown[0])
    nhs_number = None
    if identifier is not None:
        system, bar, value = identifier.rpartition("|")
        if bar and system != fhir_resources.NHS_NUMBER_SYSTEM:
            return outcome(
                400,
                "invalid",
                f"Patients are found by {fhir_resources.NHS_NUMBER_SYSTEM}|NNNNNNNNNN.",
                "identifier",
            )
        nhs_number = value
    people = list(
        list_service_users_for_systems(
            nhs_number=nhs_number, include_restricted=not caller.client.analytics
        )
    )
    audit_request(
        caller, interaction="search", resource=resource, subject_ids=[p.pk for p in people]
    )
    return fhir_response(
        fhir_resources.searchset(base_url(request), [fhir_resources.patient(p) for p in people])
    )


@require_GET
@fhir_endpoint
def instance(request: HttpRequest, caller: Caller, resource: str, resource_id: str) -> HttpResponse:
    refusal = _refuse_scope(caller, resource, "read")
    if refusal:
        return refusal
    person = (
        list_service_users_for_systems(
            pk=int(resource_id), include_restricted=not caller.client.analytics
        ).first()
        if resource_id.isdigit()
        else None
    )
    if person is None:
        audit_request(
            caller, interaction="read", resource=resource, resource_id=resource_id, outcome=404
        )
        return outcome(404, "not-found", f"{resource}/{resource_id} is not known.")
    audit_request(
        caller,
        interaction="read",
        resource=resource,
        resource_id=resource_id,
        subject_ids=[person.pk],
    )
    return fhir_response(fhir_resources.patient(person))
