"""Property tests of the import: whatever Bundle, Patient or NDJSON a record system sends, the
reader raises only its own named error, and the API answers with FHIR JSON, never a server
error, and writes nothing when it refuses."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caremode.interop import fhir_resources
from caremode.interop.imports import ImportInputError, read_source
from caremode.interop.services import register_client
from caremode.people.models import ServiceUser
from tests.factories import TeamFactory

from .test_fhir_fuzz import json_value

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]

text = st.text(max_size=12)
patient = st.fixed_dictionaries(
    {"resourceType": st.just("Patient")},
    optional={
        "identifier": st.lists(
            st.fixed_dictionaries(
                {
                    "system": st.sampled_from([fhir_resources.NHS_NUMBER_SYSTEM, "urn:oid:1.2"]),
                    "value": st.sampled_from(["9434765919", "9434765911", "943 476 5919", ""]),
                }
            ),
            max_size=2,
        ),
        "name": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "use": st.sampled_from(["official", "usual", "maiden"]),
                    "family": text,
                    "given": st.lists(text, max_size=2),
                },
            ),
            max_size=2,
        ),
        "birthDate": st.sampled_from(["1990-04-02", "1990", "2999-01-01", "1990-13-01"]),
        "gender": st.sampled_from(["male", "female", "other", "unknown", "x"]),
        "active": st.booleans(),
        "deceasedBoolean": st.booleans(),
        "communication": st.lists(
            st.fixed_dictionaries(
                {
                    "language": st.fixed_dictionaries(
                        {
                            "coding": st.lists(
                                st.fixed_dictionaries(
                                    {
                                        "system": st.just(fhir_resources.LANGUAGE_SYSTEM),
                                        "code": st.sampled_from(["en", "pl-PL", "nl", "sgn-GB"]),
                                    }
                                ),
                                max_size=2,
                            )
                        }
                    )
                },
                optional={"preferred": st.booleans()},
            ),
            max_size=2,
        ),
        "address": st.lists(
            st.fixed_dictionaries(
                {"postalCode": st.sampled_from(["LS6 2AB", "SW1A", "3999", " ", "ls62ab"])},
                optional={"use": st.sampled_from(["home", "old", "work"])},
            ),
            max_size=2,
        ),
        "telecom": st.lists(
            st.fixed_dictionaries(
                {
                    "system": st.sampled_from(["phone", "email"]),
                    "value": st.sampled_from(["07700 900123", "(03) 5555 6473", "a@b.uk", "x"]),
                }
            ),
            max_size=2,
        ),
        "extension": st.lists(
            st.fixed_dictionaries(
                {
                    "url": st.sampled_from(
                        [
                            fhir_resources.ETHNIC_CATEGORY_URL,
                            fhir_resources.INTERPRETER_REQUIRED_URL,
                            "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
                            "https://example.org/x",
                        ]
                    )
                },
                optional={
                    "valueBoolean": st.booleans(),
                    "valueCodeableConcept": json_value,
                    "valueString": text,
                },
            ),
            max_size=2,
        ),
        "modifierExtension": st.just([{"url": "https://example.org/m", "valueBoolean": True}]),
    },
)
resource = st.one_of(patient, json_value, st.just({"resourceType": "Encounter"}))
entry = st.fixed_dictionaries(
    {},
    optional={
        "fullUrl": st.sampled_from(["urn:uuid:a", "urn:uuid:b", "Patient/1"]),
        "resource": resource,
        "request": st.fixed_dictionaries(
            {"method": st.sampled_from(["POST", "PUT", "DELETE", "GET"])},
            optional={"url": st.sampled_from(["Patient", "Patient/1", "Patient?identifier=x"])},
        ),
    },
)
bundle = st.fixed_dictionaries(
    {
        "resourceType": st.just("Bundle"),
        "type": st.sampled_from(["transaction", "collection", "batch"]),
    },
    optional={"entry": st.one_of(st.lists(entry, max_size=3), json_value)},
)


@given(content=st.one_of(bundle.map(json.dumps), st.text(max_size=80), patient.map(json.dumps)))
@settings(max_examples=150, deadline=None)
def test_reading_any_input_raises_only_the_named_error(content):
    try:
        read_source(content)
    except ImportInputError as error:
        assert error.message


@pytest.fixture
def api():
    team = TeamFactory()
    credentials = register_client(name="fuzz-import", scope_text="system/*.cruds", team=team)
    token = (
        Client()
        .post("/fhir/auth/token", {"grant_type": "client_credentials", **vars(credentials)})
        .json()["access_token"]
    )
    return Client(headers={"Authorization": f"Bearer {token}"})


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(bundle, patient), where=st.sampled_from(["/fhir/", "/fhir/Patient"]))
def test_no_import_request_gives_a_server_error(api, body, where):
    before = ServiceUser.objects.count()
    response = api.post(where, data=json.dumps(body), content_type="application/fhir+json")
    assert response.status_code < 500, response.content
    answer = response.json()
    assert answer["resourceType"] in ("OperationOutcome", "Bundle", "Patient")
    if response.status_code >= 400:
        assert ServiceUser.objects.count() == before
