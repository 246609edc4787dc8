"""Property test over the FHIR endpoints: whatever path, query, method or token a caller sends,
the API answers with FHIR JSON and never a server error."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caremode.interop.fhir_resources import DELIVERY_CHANNEL_URL
from caremode.interop.scopes import RESOURCE_TYPES
from caremode.interop.services import register_client
from tests.factories import CarerConsentFactory, ContactFactory, ServiceUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]

segment = st.one_of(
    st.sampled_from(
        [*RESOURCE_TYPES, "metadata", "Medication", "_history", "1", "%00", "PHQ9", "1-1", "1-x"]
    ),
    st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#"), max_size=12),
)
query = st.dictionaries(
    st.sampled_from(["identifier", "patient", "date", "name", "_count", "derived-from", ""]),
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["Patient/1", "ge2027-01-01", "lt2027-01-01T10:00:00Z", "eq2027-02-30"]),
    ),
    max_size=3,
)
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# Bodies: nothing, bytes, and Appointments whose elements are sometimes right, sometimes not.
appointment = st.fixed_dictionaries(
    {"resourceType": st.just("Appointment")},
    optional={
        "status": st.sampled_from(["booked", "proposed", 3]),
        "start": st.one_of(st.sampled_from(["2027-01-04T10:00:00Z", "2027-01-04"]), json_value),
        "minutesDuration": st.one_of(st.integers(-5, 600), json_value),
        "end": json_value,
        "serviceType": json_value,
        "participant": st.one_of(
            st.just(
                [
                    {"actor": {"reference": "Patient/1"}, "status": "accepted"},
                    {"actor": {"reference": "Practitioner/1"}, "status": "accepted"},
                ]
            ),
            json_value,
        ),
        "extension": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"url": st.just(DELIVERY_CHANNEL_URL)},
                    optional={
                        "valueCode": json_value,
                        "valueCodeableConcept": json_value,
                    },
                ),
                max_size=2,
            ),
            json_value,
        ),
    },
)
body = st.one_of(
    st.just(b""),
    st.binary(max_size=40),
    appointment.map(lambda a: json.dumps(a).encode()),
    json_value.map(lambda v: json.dumps(v).encode()),
)


@pytest.fixture
def bearer():
    person = ServiceUserFactory()
    CarerConsentFactory(service_user=person)
    ContactFactory(service_user=person)
    credentials = register_client(name="fuzz", scope_text="system/*.cruds")
    response = Client().post(
        "/fhir/auth/token",
        {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        },
    )
    return response.json()["access_token"]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.lists(segment, min_size=1, max_size=2),
    params=query,
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    authorised=st.booleans(),
    content=body,
)
def test_no_request_gives_a_server_error(bearer, path, params, method, authorised, content):
    headers = {"Authorization": f"Bearer {bearer}"} if authorised else {}
    client = Client(headers=headers)
    url = "/fhir/" + "/".join(path)
    # A query string arrives percent-encoded, as any HTTP client sends it.
    response = client.generic(
        method,
        url,
        data=content,
        content_type="application/fhir+json",
        QUERY_STRING=urlencode(params),
    )
    assert response.status_code < 500, (method, url, params, response.content[:300])
    if response.get("Content-Type", "").startswith("application/fhir+json"):
        assert "resourceType" in json.loads(response.content)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=body, query=query)
def test_no_appointment_to_create_nor_search_gives_a_server_error(bearer, content, query):
    client = Client(headers={"Authorization": f"Bearer {bearer}"})
    created = client.generic(
        "POST", "/fhir/Appointment", data=content, content_type="application/fhir+json"
    )
    assert created.status_code < 500, (content, created.content[:300])
    assert "resourceType" in json.loads(created.content)
    for resource in ("Appointment", "Encounter", "RelatedPerson", "Consent", "Practitioner"):
        found = client.generic("GET", f"/fhir/{resource}", QUERY_STRING=urlencode(query))
        assert found.status_code < 500, (resource, query, found.content[:300])
