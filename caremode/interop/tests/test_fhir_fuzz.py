"""Property test over the FHIR endpoints: whatever path, query, method or token a caller sends,
the API answers with FHIR JSON and never a server error."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caremode.interop.scopes import RESOURCE_TYPES
from caremode.interop.services import register_client
from tests.factories import ServiceUserFactory

pytestmark = pytest.mark.django_db

segment = st.one_of(
    st.sampled_from([*RESOURCE_TYPES, "metadata", "Medication", "_history", "1", "%00"]),
    st.text(alphabet=st.characters(codec="ascii", exclude_characters="/?#"), max_size=12),
)
query = st.dictionaries(
    st.sampled_from(["identifier", "patient", "date", "name", "_count", ""]),
    st.text(max_size=40),
    max_size=3,
)


@pytest.fixture
def bearer():
    ServiceUserFactory()
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
)
def test_no_request_gives_a_server_error(bearer, path, params, method, authorised):
    headers = {"Authorization": f"Bearer {bearer}"} if authorised else {}
    client = Client(headers=headers)
    url = "/fhir/" + "/".join(path)
    # A query string arrives percent-encoded, as any HTTP client sends it.
    response = client.generic(method, url, QUERY_STRING=urlencode(params))
    assert response.status_code < 500, (method, url, params, response.content[:300])
    if response.get("Content-Type", "").startswith("application/fhir+json"):
        assert "resourceType" in json.loads(response.content)
