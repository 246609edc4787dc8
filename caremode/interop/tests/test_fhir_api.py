"""The FHIR API: system clients and their tokens, scopes, 401/403/404/400, the
CapabilityStatement, Patient read and search in UK Core, restricted processing for analytics
clients, the audit of every request."""

from __future__ import annotations

import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.interop import fhir_resources
from caremode.interop.models import FhirClient
from caremode.interop.scopes import ScopeError, allows, parse
from caremode.interop.services import revoke_client
from tests.factories import ServiceUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def new_client(name: str, scope: str, *extra: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("fhir_client", name, "--scope", scope, *extra, stdout=out)
    return json.loads(out.getvalue())


def token_for(credentials: dict[str, str], **fields: str) -> dict:
    response = Client().post(
        "/fhir/auth/token",
        {"grant_type": "client_credentials", **credentials, **fields},
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(scope: str, *extra: str, name: str = "rio") -> Client:
    access = token_for(new_client(name, scope, *extra))["access_token"]
    return Client(headers={"Authorization": f"Bearer {access}"})


def test_scopes_are_parsed_and_cover_interactions():
    assert parse("system/Patient.rs system/*.c") == ["system/Patient.rs", "system/*.c"]
    with pytest.raises(ScopeError, match=r"system/Patient\.sr"):
        parse("system/Patient.sr")
    with pytest.raises(ScopeError):
        parse("patient/Patient.rs")
    assert allows("system/Patient.rs", "Patient", "search")
    assert not allows("system/Patient.rs", "Patient", "create")
    assert allows("system/*.cruds", "Appointment", "create")
    assert not allows("system/Appointment.crs", "Patient", "read")


def test_the_command_prints_credentials_and_the_token_flow_gives_a_bearer_token():
    credentials = new_client("rio", "system/Patient.rs system/Appointment.crs")
    assert set(credentials) == {"client_id", "client_secret"}
    body = token_for(credentials)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"system/Patient.rs", "system/Appointment.crs"}
    narrowed = token_for(credentials, scope="system/Patient.rs")
    assert narrowed["scope"] == "system/Patient.rs"


def test_a_client_cannot_ask_for_scopes_it_was_not_given_nor_use_a_wrong_secret():
    credentials = new_client("rio", "system/Patient.rs")
    wider = Client().post(
        "/fhir/auth/token",
        {"grant_type": "client_credentials", **credentials, "scope": "system/*.cruds"},
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"
    wrong = Client().post(
        "/fhir/auth/token",
        {
            "grant_type": "client_credentials",
            "client_id": credentials["client_id"],
            "client_secret": "not-it",
        },
    )
    assert wrong.status_code == 401


def test_the_command_refuses_an_unknown_scope_and_a_taken_name():
    with pytest.raises(CommandError, match="Unknown scope"):
        new_client("rio", "system/Pateint.rs")
    new_client("rio", "system/Patient.rs")
    with pytest.raises(CommandError, match="exists already"):
        new_client("rio", "system/Patient.rs")


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_no_or_a_wrong_token_is_401_with_an_operation_outcome(header):
    client = Client(headers={"Authorization": header}) if header else Client()
    response = client.get("/fhir/metadata")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["code"] == "login"


def test_an_expired_token_is_401():
    client = bearer("system/Patient.rs")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=3601)):
        assert client.get("/fhir/Patient").status_code == 401


def test_a_revoked_client_loses_its_tokens_and_gets_no_new_one():
    credentials = new_client("rio", "system/Patient.rs")
    access = token_for(credentials)["access_token"]
    client = Client(headers={"Authorization": f"Bearer {access}"})
    assert client.get("/fhir/Patient").status_code == 200
    admin = UserFactory(role="admin")
    revoke_client(client=FhirClient.objects.get(name="rio"), actor=admin)
    assert client.get("/fhir/Patient").status_code == 401
    again = Client().post("/fhir/auth/token", {"grant_type": "client_credentials", **credentials})
    assert again.status_code == 401
    assert AuditEvent.objects.filter(action="revoke", actor=admin).exists()


def test_a_scope_that_does_not_cover_the_interaction_is_403():
    client = bearer("system/Appointment.crs")
    response = client.get("/fhir/Patient")
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert client.get("/fhir/Patient/1").status_code == 403


def test_unknown_type_and_unknown_instance_are_404_with_an_operation_outcome():
    client = bearer("system/*.cruds")
    for url in (
        "/fhir/Medication",
        "/fhir/Medication/1",
        "/fhir/Patient/999999",
        "/fhir/Patient/x",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["resourceType"] == "OperationOutcome"


def test_the_capability_statement_lists_what_is_served():
    response = bearer("system/Patient.rs").get("/fhir/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert statement["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == set(fhir_resources.CAPABILITIES)
    assert {i["code"] for i in resources["Patient"]["interaction"]} == {
        "read",
        "search-type",
        "create",
    }
    assert {p["name"] for p in resources["Patient"]["searchParam"]} == {"identifier"}
    assert statement["rest"][0]["interaction"] == [{"code": "transaction"}]


def test_patient_read_is_uk_core_and_audited():
    person = ServiceUserFactory(ethnic_category="H", main_language="pa", interpreter_needed=True)
    response = bearer("system/Patient.rs").get(f"/fhir/Patient/{person.pk}")
    assert response.status_code == 200
    patient = response.json()
    assert patient["identifier"] == [
        {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": person.nhs_number}
    ]
    extensions = {e["url"]: e for e in patient["extension"]}
    ethnic = extensions[fhir_resources.ETHNIC_CATEGORY_URL]["valueCodeableConcept"]["coding"][0]
    assert ethnic["code"] == "H"
    assert extensions[fhir_resources.INTERPRETER_REQUIRED_URL]["valueBoolean"] is True
    assert patient["communication"][0]["language"]["coding"][0]["code"] == "pa"
    event = AuditEvent.objects.get(object_type="fhir.Patient", object_id=str(person.pk))
    assert event.subject_id == person.pk
    assert event.detail["fhir_client"] == "rio"
    assert event.detail["interaction"] == "read"


def test_patient_search_by_nhs_number_gives_a_searchset_and_audits_who_it_names():
    person, other = ServiceUserFactory(), ServiceUserFactory()
    client = bearer("system/Patient.rs")
    response = client.get(
        "/fhir/Patient", {"identifier": f"https://fhir.nhs.uk/Id/nhs-number|{person.nhs_number}"}
    )
    bundle = response.json()
    assert bundle["type"] == "searchset"
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(person.pk)]
    event = AuditEvent.objects.filter(object_type="fhir.Patient").latest("sequence")
    assert event.detail["subjects"] == [person.pk]
    everyone = client.get("/fhir/Patient").json()
    assert {e["resource"]["id"] for e in everyone["entry"]} == {str(person.pk), str(other.pk)}


def test_search_refuses_another_identifier_system_and_unknown_parameters():
    client = bearer("system/Patient.rs")
    wrong = client.get("/fhir/Patient", {"identifier": "http://example.org/mrn|123"})
    assert wrong.status_code == 400
    assert wrong.json()["issue"][0]["expression"] == ["identifier"]
    assert client.get("/fhir/Patient", {"name": "x"}).status_code == 400


def test_a_restricted_person_is_not_returned_to_an_analytics_client():
    restricted = ServiceUserFactory(processing_restricted=True)
    analytics = bearer("system/Patient.rs", "--analytics", name="warehouse")
    assert analytics.get(f"/fhir/Patient/{restricted.pk}").status_code == 404
    assert analytics.get("/fhir/Patient").json()["total"] == 0
    record_system = bearer("system/Patient.rs", name="rio")
    assert record_system.get(f"/fhir/Patient/{restricted.pk}").status_code == 200


def test_an_administrator_lists_and_revokes_clients_and_both_are_audited():
    from tests.factories import signed_in

    credentials = new_client("rio", "system/Patient.rs")
    access = token_for(credentials)["access_token"]
    admin = UserFactory(role="admin")
    page = Client()
    signed_in(page, admin)
    listing = page.get("/system-clients/")
    assert listing.status_code == 200
    assert "rio" in listing.content.decode()
    assert "system/Patient.rs" in listing.content.decode()
    assert AuditEvent.objects.filter(object_type="interop.FhirClient", actor=admin).exists()
    rio = FhirClient.objects.get(name="rio")
    response = page.post(f"/system-clients/{rio.pk}/revoke/")
    assert response.status_code == 302
    rio.refresh_from_db()
    assert rio.revoked_at is not None
    api = Client(headers={"Authorization": f"Bearer {access}"})
    assert api.get("/fhir/Patient").status_code == 401
    assert "Revoked" in page.get("/system-clients/").content.decode()
