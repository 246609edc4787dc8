import pytest

from tests.factories import ServiceUserFactory, TeamFactory, clinician_in


@pytest.fixture
def care_team():
    """A clinician in a team and a person in its care: (clinician, person)."""
    team = TeamFactory()
    clinician = clinician_in(team)
    person = ServiceUserFactory(team=team)
    return clinician, person
