"""The accessibility statement: the sections NHS services publish, and true about video."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_statement_has_the_published_sections_and_is_open_to_everyone(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "How accessible this service is",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert f">{heading}</h" in html, heading
    assert "partially compliant" in html
    # It does not claim every page works without JavaScript: video cannot.
    assert "Every page works without JavaScript" not in html
    assert "cannot work without JavaScript" in html
    assert "Equality Advisory and Support" in html
