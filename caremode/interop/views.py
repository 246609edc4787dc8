"""The FHIR API's endpoints: bearer token, scope, audit, then the mapping; OperationOutcome on
every refusal. Not a page: no session, no CSRF (tokens are not cookies)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pydantic
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from oauth2_provider.views import TokenView

from caremode.core.errors import DomainError
from caremode.interop import appointments, fhir_resources, imports, questionnaires, search_dates
from caremode.interop.importer import (
    APPOINTMENT_ELEMENT,
    ImportRefusedError,
    book,
    import_source,
    transaction_response,
)
from caremode.interop.services import Caller, audit_request, authenticate
from caremode.monitoring.selectors import list_assessments_for_systems
from caremode.monitoring.services import record_assessment
from caremode.people.consent import consents_naming_carers_to_systems
from caremode.people.models import ServiceUser
from caremode.people.selectors import (
    is_in_care_of,
    list_consents_for_systems,
    list_practitioners_for_systems,
    list_service_users_for_systems,
)
from caremode.scheduling.errors import ClinicianUnavailableError
from caremode.scheduling.selectors import list_alerts_for_systems, list_contacts_for_systems

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


def _people(caller: Caller, **filters: Any) -> QuerySet[ServiceUser]:
    return list_service_users_for_systems(include_restricted=not caller.client.analytics, **filters)


def _scores(caller: Caller, people: QuerySet[ServiceUser], pk: int | None = None) -> list[Any]:
    """Complete PHQ-9 and GAD-7 scores: the ones CareMode publishes as Observations."""
    return [
        a
        for a in list_assessments_for_systems(people=people, pk=pk)
        if a.complete and a.measure in questionnaires.TOTAL
    ]


def _reference_id(value: str, kind: str) -> int | None:
    prefix, _, ident = value.rpartition("/")
    if prefix not in ("", kind) or _pk(ident) is None:
        return None
    return int(ident)


def search_patients(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = request.GET
    unknown = sorted(set(params) - {"identifier"})
    if unknown:
        return outcome(400, "invalid", f"Unknown search parameter {unknown[0]!r}.", unknown[0])
    nhs_number = None
    if "identifier" in params:
        system, bar, value = params["identifier"].rpartition("|")
        if bar and system != fhir_resources.NHS_NUMBER_SYSTEM:
            return outcome(
                400,
                "invalid",
                f"Patients are found by {fhir_resources.NHS_NUMBER_SYSTEM}|NNNNNNNNNN.",
                "identifier",
            )
        nhs_number = value
    people = list(_people(caller, nhs_number=nhs_number))
    audit_request(
        caller, interaction="search", resource="Patient", subject_ids=[p.pk for p in people]
    )
    return fhir_response(
        fhir_resources.searchset(base_url(request), [fhir_resources.patient(p) for p in people])
    )


def _people_searched(
    request: HttpRequest, caller: Caller, allowed: set[str]
) -> QuerySet[ServiceUser] | HttpResponse:
    """The people a search by `patient=` covers, or the 400 of an unknown or bad parameter."""
    params = request.GET
    unknown = sorted(set(params) - allowed)
    if unknown:
        return outcome(400, "invalid", f"Unknown search parameter {unknown[0]!r}.", unknown[0])
    people = _people(caller)
    if "patient" in params:
        patient = _reference_id(params["patient"], "Patient")
        if patient is None:
            return outcome(400, "invalid", "Write patient=Patient/<id>.", "patient")
        people = people.filter(pk=patient)
    return people


def search_flags(request: HttpRequest, caller: Caller) -> HttpResponse:
    people = _people_searched(request, caller, {"patient"})
    if isinstance(people, HttpResponse):
        return people
    alerts = list_alerts_for_systems(people=people)
    audit_request(
        caller,
        interaction="search",
        resource="Flag",
        subject_ids=sorted({a.service_user_id for a in alerts}),
    )
    return fhir_response(
        fhir_resources.searchset(base_url(request), [fhir_resources.flag(a) for a in alerts])
    )


def search_observations(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = request.GET
    people = _people_searched(request, caller, {"patient", "derived-from"})
    if isinstance(people, HttpResponse):
        return people
    derived = None
    if "derived-from" in params:
        derived = _reference_id(params["derived-from"], "QuestionnaireResponse")
        if derived is None:
            return outcome(
                400, "invalid", "Write derived-from=QuestionnaireResponse/<id>.", "derived-from"
            )
    scores = _scores(caller, people, derived)
    audit_request(
        caller,
        interaction="search",
        resource="Observation",
        subject_ids=sorted({a.service_user_id for a in scores}),
    )
    return fhir_response(
        fhir_resources.searchset(base_url(request), [fhir_resources.observation(a) for a in scores])
    )


def _invalid(error: pydantic.ValidationError, resource: str) -> HttpResponse:
    message, expression = imports.element(error, resource)
    return outcome(422, "invalid", message, expression)


def create_questionnaire_response(request: HttpRequest, caller: Caller) -> HttpResponse:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return outcome(400, "structure", "The body is not JSON.")
    except RecursionError:
        return outcome(400, "structure", "The body's JSON is nested too deeply.")
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        return outcome(
            422, "invalid", "The body is a QuestionnaireResponse.", "QuestionnaireResponse"
        )
    try:
        fhir_resources.validated(body)
        answers = questionnaires.read_answers(body)
        person = _people(caller, pk=questionnaires.subject_id(body)).first()
    except pydantic.ValidationError as error:
        return _invalid(error, "QuestionnaireResponse")
    except questionnaires.QuestionnaireInputError as error:
        return outcome(422, "invalid", str(error), error.expression)
    if person is None:
        return outcome(
            422,
            "not-found",
            "The subject is not a patient known to CareMode.",
            "QuestionnaireResponse.subject",
        )
    try:
        with transaction.atomic():
            assessment = record_assessment(
                actor=None,
                service_user=person,
                measure=answers.measure,
                answers=answers.answers,
                more_help=answers.more_help,
            )
            audit_request(
                caller,
                interaction="create",
                resource="QuestionnaireResponse",
                resource_id=str(assessment.pk),
                subject_ids=[person.pk],
                outcome=201,
            )
    except DomainError as error:
        return outcome(422, "business-rule", str(error), "QuestionnaireResponse.item")
    location = f"{base_url(request)}QuestionnaireResponse/{assessment.pk}"
    if not assessment.complete:
        missing = ", ".join(answers.missing_codes)
        return fhir_response(
            fhir_resources.operation_outcome(
                "incomplete",
                f"Stored, not scored as complete: no answer to {missing}. "
                f"{questionnaires.NAMES[answers.measure]} is scored only when every item is "
                "answered.",
                "QuestionnaireResponse.item",
                severity="warning",
            ),
            201,
            Location=location,
        )
    return fhir_response(fhir_resources.questionnaire_response(assessment), 201, Location=location)


def search_practitioners(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = request.GET
    unknown = sorted(set(params) - {"identifier"})
    if unknown:
        return outcome(400, "invalid", f"Unknown search parameter {unknown[0]!r}.", unknown[0])
    staff = list_practitioners_for_systems()
    if "identifier" in params:
        system, bar, value = params["identifier"].rpartition("|")
        if bar and system != fhir_resources.staff_username_system():
            return outcome(
                400,
                "invalid",
                f"Practitioners are found by {fhir_resources.staff_username_system()}|username.",
                "identifier",
            )
        staff = [user for user in staff if user.username == value]
    audit_request(caller, interaction="search", resource="Practitioner")
    return fhir_response(
        fhir_resources.searchset(
            base_url(request), [fhir_resources.practitioner(user) for user in staff]
        )
    )


def search_related_persons(request: HttpRequest, caller: Caller) -> HttpResponse:
    people = _people_searched(request, caller, {"patient"})
    if isinstance(people, HttpResponse):
        return people
    consents = list(consents_naming_carers_to_systems(people))
    audit_request(
        caller,
        interaction="search",
        resource="RelatedPerson",
        subject_ids=sorted({c.service_user_id for c in consents}),
    )
    return fhir_response(
        fhir_resources.searchset(
            base_url(request), [fhir_resources.related_person(c) for c in consents]
        )
    )


def search_consents(request: HttpRequest, caller: Caller) -> HttpResponse:
    people = _people_searched(request, caller, {"patient"})
    if isinstance(people, HttpResponse):
        return people
    consents = list_consents_for_systems(people=people)
    audit_request(
        caller,
        interaction="search",
        resource="Consent",
        subject_ids=sorted({c.service_user_id for c in consents}),
    )
    return fhir_response(
        fhir_resources.searchset(base_url(request), [fhir_resources.consent(c) for c in consents])
    )


def _contacts_as(caller: Caller, resource: str, contacts: list[Any]) -> list[dict[str, Any]]:
    """Appointments or Encounters; the carer named only to a client that may read carers."""
    return fhir_resources.contact_resources(
        resource, contacts, related_persons=caller.allows("RelatedPerson", "read")
    )


def _search_contacts(request: HttpRequest, caller: Caller, resource: str) -> HttpResponse:
    """Appointments (every care contact) or Encounters (those that took place), by `patient`
    and `date` (the start, with the FHIR prefixes eq, ge, gt, le, lt)."""
    people = _people_searched(request, caller, {"patient", "date"})
    if isinstance(people, HttpResponse):
        return people
    try:
        bounds = search_dates.bounds(request.GET.getlist("date"))
    except search_dates.DateSearchError as error:
        return outcome(400, "invalid", str(error), "date")
    contacts = list_contacts_for_systems(
        people=people,
        starts_from=bounds.starts_from,
        starts_before=bounds.starts_before,
        attended_only=resource == "Encounter",
    )
    audit_request(
        caller,
        interaction="search",
        resource=resource,
        subject_ids=sorted({c.service_user_id for c in contacts}),
    )
    return fhir_response(
        fhir_resources.searchset(base_url(request), _contacts_as(caller, resource, contacts))
    )


def search_appointments(request: HttpRequest, caller: Caller) -> HttpResponse:
    return _search_contacts(request, caller, "Appointment")


def search_encounters(request: HttpRequest, caller: Caller) -> HttpResponse:
    return _search_contacts(request, caller, "Encounter")


def search_questionnaires(request: HttpRequest, caller: Caller) -> HttpResponse:
    if request.GET:
        unknown = sorted(request.GET)[0]
        return outcome(400, "invalid", f"Unknown search parameter {unknown!r}.", unknown)
    audit_request(caller, interaction="search", resource="Questionnaire")
    return fhir_response(
        fhir_resources.searchset(
            base_url(request),
            [fhir_resources.questionnaire(q) for q in questionnaires.QUESTIONNAIRE_IDS],
        )
    )


def _json_body(request: HttpRequest, resource: str) -> dict[str, Any] | HttpResponse:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return outcome(400, "structure", "The body is not JSON.")
    except RecursionError:
        return outcome(400, "structure", "The body's JSON is nested too deeply.")
    if not isinstance(body, dict) or body.get("resourceType") != resource:
        return outcome(422, "invalid", f"The body is a {resource}.", resource)
    return body


def create_appointment(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Book through the scheduling app's booking service, with the same rules as the pages: the
    practitioner books in their own diary for someone in their care, in a mode the service
    offers; a time that clashes is refused (409) and nothing is stored."""
    body = _json_body(request, "Appointment")
    if isinstance(body, HttpResponse):
        return body
    try:
        booking = appointments.read_booking(
            fhir_resources.parsed(body),
            consultation_type_system=fhir_resources.consultation_type_system(),
        )
    except pydantic.ValidationError as error:
        return _invalid(error, "Appointment")
    except appointments.AppointmentInputError as error:
        return outcome(422, "invalid", str(error), error.expression)
    person = _people(caller, pk=booking.patient_id).first()
    if person is None:
        return outcome(
            422, "not-found", "The patient is not known to CareMode.", "Appointment.participant"
        )
    staff = list_practitioners_for_systems(pk=booking.practitioner_id)
    clinician = staff[0] if staff and staff[0].is_active else None
    if clinician is None or not is_in_care_of(clinician, person.pk):
        return outcome(
            422,
            "business-rule",
            f"Practitioner/{booking.practitioner_id} is not a current member of the care team "
            f"of Patient/{person.pk}.",
            "Appointment.participant",
        )
    carer = None
    if booking.carer is not None:
        if not caller.allows("RelatedPerson", "read"):
            audit_request(caller, interaction="create", resource="Appointment", outcome=403)
            return outcome(
                403,
                "forbidden",
                "Inviting a carer needs a token that may read RelatedPerson.",
                booking.carer.expression,
            )
        shared = consents_naming_carers_to_systems(
            _people(caller, pk=person.pk), carer_pk=booking.carer.carer_id
        ).first()
        if shared is None:
            return outcome(
                422,
                "business-rule",
                f"The RelatedPerson is not a carer of Patient/{person.pk} with a current consent.",
                booking.carer.expression,
            )
        carer = shared.carer
    try:
        with transaction.atomic():
            contact = book(clinician=clinician, person=person, booking=booking, carer=carer)
            audit_request(
                caller,
                interaction="create",
                resource="Appointment",
                resource_id=str(contact.pk),
                subject_ids=[person.pk],
                outcome=201,
            )
    except ClinicianUnavailableError as error:
        return outcome(409, "conflict", str(error), "Appointment.start")
    except DomainError as error:
        return outcome(
            422,
            "business-rule",
            str(error),
            {**APPOINTMENT_ELEMENT, **booking.elements}.get(error.field or "", "Appointment"),
        )
    return fhir_response(
        _contacts_as(caller, "Appointment", [contact])[0],
        201,
        Location=f"{base_url(request)}Appointment/{contact.pk}",
    )


def _import(request: HttpRequest, caller: Caller, source: imports.Source, resource: str) -> Any:
    """The import of `source` for this client (its team for new people, its scopes asked per
    entry) with the request's audit entry, in one transaction; or the refusal's
    OperationOutcome, audited too. An analytics client reads and never writes a person's
    record: it could otherwise reach people whose processing is restricted (403)."""
    interaction = "transaction" if resource == "Bundle" else "create"
    if caller.client.analytics:
        audit_request(caller, interaction=interaction, resource=resource, outcome=403)
        return outcome(
            403, "forbidden", "An analytics client reads; it does not write people's records."
        )
    try:
        with transaction.atomic():
            report = import_source(
                source=source,
                team=caller.client.team,
                actor=None,
                system=f"FHIR client {caller.client.name}",
                may=caller.allows,
            )
            audit_request(
                caller,
                interaction=interaction,
                resource=resource,
                subject_ids=report.subject_ids(),
                outcome=201 if report.counts()["created"] else 200,
            )
    except ImportRefusedError as error:
        audit_request(caller, interaction=interaction, resource=resource, outcome=error.status)
        return outcome(error.status, error.code, str(error), error.expression)
    return report


def create_patient(request: HttpRequest, caller: Caller) -> HttpResponse:
    """A Patient from a record system, matched by NHS number like the import: a new person
    joins the client's team (201 and Location); a person CareMode holds already is updated
    (200 with the record). With `If-None-Exist` (FHIR conditional create) an existing person is
    returned unchanged."""
    body = _json_body(request, "Patient")
    if isinstance(body, HttpResponse):
        return body
    try:
        source = imports.single(body, if_none_exist=request.headers.get("If-None-Exist", ""))
    except imports.ImportInputError as error:
        return outcome(422, "invalid", error.message, error.expression)
    report = _import(request, caller, source, "Patient")
    if isinstance(report, HttpResponse):
        return report
    [done] = report.outcomes
    location = f"{base_url(request)}{done.location}"
    # The stored record goes back only to a client that may read it (the Location always).
    person = _people(caller, pk=done.subject_id).first()
    may_read = caller.allows("Patient", "read")
    body = fhir_resources.patient(person) if person and may_read else {}
    status = 201 if done.action == "created" else 200
    return fhir_response(body, status, Location=location)


@fhir_endpoint
def system(request: HttpRequest, caller: Caller) -> HttpResponse:
    """`POST /fhir/` with a transaction Bundle: the same import as `caremode fhir_import`, all
    or nothing, answered with a transaction-response Bundle; each entry's writes need the
    client's scopes (403 naming the entry otherwise)."""
    if request.method != "POST":
        return outcome(405, "not-supported", "POST a transaction Bundle to /fhir/.")
    body = _json_body(request, "Bundle")
    if isinstance(body, HttpResponse):
        return body
    if body.get("type") != "transaction":
        return outcome(
            422,
            "invalid",
            "POST /fhir/ takes a transaction Bundle (type transaction).",
            "Bundle.type",
        )
    try:
        source = imports.read_source(request.body.decode())
    except imports.ImportInputError as error:
        return outcome(422, "invalid", str(error), imports.in_bundle(error.where, error.expression))
    report = _import(request, caller, source, "Bundle")
    if isinstance(report, HttpResponse):
        return report
    return fhir_response(transaction_response(report, base_url(request)))


SEARCH = {
    "Patient": search_patients,
    "Observation": search_observations,
    "Flag": search_flags,
    "Practitioner": search_practitioners,
    "RelatedPerson": search_related_persons,
    "Consent": search_consents,
    "Appointment": search_appointments,
    "Encounter": search_encounters,
    "Questionnaire": search_questionnaires,
}
CREATE = {
    "Patient": create_patient,
    "QuestionnaireResponse": create_questionnaire_response,
    "Appointment": create_appointment,
}


@fhir_endpoint
def type_level(request: HttpRequest, caller: Caller, resource: str) -> HttpResponse:
    handlers, interaction = {"GET": (SEARCH, "search"), "POST": (CREATE, "create")}.get(
        request.method or "", ({}, "")
    )
    refusal = _refuse_scope(caller, resource, interaction or "read")
    if refusal:
        return refusal
    if resource not in handlers:
        return outcome(405, "not-supported", f"{request.method} {resource} is not supported.")
    return handlers[resource](request, caller)


def _pk(resource_id: str) -> int | None:
    """A record id: ASCII digits that fit the database's integers, else None (not known)."""
    digits = resource_id.isascii() and resource_id.isdigit() and len(resource_id) < 19
    return int(resource_id) if digits else None


def _read(
    caller: Caller, resource: str, resource_id: str
) -> tuple[dict[str, Any], int | None] | None:
    """The resource and the person it is about, or None when unknown or not visible alike."""
    if resource == "Questionnaire":
        if resource_id not in questionnaires.QUESTIONNAIRE_IDS:
            return None
        return fhir_resources.questionnaire(resource_id), None
    if resource == "RelatedPerson":
        carer_id, _, person_id = resource_id.partition("-")
        if _pk(carer_id) is None or _pk(person_id) is None:
            return None
        shared = consents_naming_carers_to_systems(
            _people(caller, pk=_pk(person_id)), carer_pk=_pk(carer_id)
        ).first()
        return (fhir_resources.related_person(shared), shared.service_user_id) if shared else None
    pk = _pk(resource_id)
    if pk is None:
        return None
    if resource == "Patient":
        person = _people(caller, pk=pk).first()
        return (fhir_resources.patient(person), person.pk) if person else None
    if resource == "Practitioner":
        staff = list_practitioners_for_systems(pk=pk)
        return (fhir_resources.practitioner(staff[0]), None) if staff else None
    if resource == "Consent":
        consents = list_consents_for_systems(people=_people(caller), pk=pk)
        return (
            (fhir_resources.consent(consents[0]), consents[0].service_user_id) if consents else None
        )
    if resource in ("Appointment", "Encounter"):
        contacts = list_contacts_for_systems(
            people=_people(caller), pk=pk, attended_only=resource == "Encounter"
        )
        if not contacts:
            return None
        return _contacts_as(caller, resource, contacts)[0], contacts[0].service_user_id
    if resource == "Flag":
        alerts = list_alerts_for_systems(people=_people(caller), pk=pk)
        return (fhir_resources.flag(alerts[0]), alerts[0].service_user_id) if alerts else None
    if resource == "Observation":
        scores = _scores(caller, _people(caller), pk)
        return (
            (fhir_resources.observation(scores[0]), scores[0].service_user_id) if scores else None
        )
    assessments = list_assessments_for_systems(people=_people(caller), pk=pk)
    if assessments and assessments[0].measure in questionnaires.NAMES:
        return fhir_resources.questionnaire_response(assessments[0]), assessments[0].service_user_id
    return None


@require_GET
@fhir_endpoint
def instance(request: HttpRequest, caller: Caller, resource: str, resource_id: str) -> HttpResponse:
    refusal = _refuse_scope(caller, resource, "read")
    if refusal:
        return refusal
    found = _read(caller, resource, resource_id)
    if found is None:
        audit_request(
            caller, interaction="read", resource=resource, resource_id=resource_id, outcome=404
        )
        return outcome(404, "not-found", f"{resource}/{resource_id} is not known.")
    body, subject = found
    audit_request(
        caller,
        interaction="read",
        resource=resource,
        resource_id=resource_id,
        subject_ids=[subject] if subject is not None else [],
    )
    return fhir_response(body)
