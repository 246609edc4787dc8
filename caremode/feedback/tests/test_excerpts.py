import datetime as dt

import pytest

from caremode.core.errors import DomainError
from caremode.feedback.excerpts import add_excerpt
from caremode.feedback.models import Excerpt
from tests.factories import ServiceUserFactory

pytestmark = pytest.mark.django_db


def test_a_service_users_words_keep_their_groups_on_the_day_and_not_their_identity() -> None:
    person = ServiceUserFactory(
        date_of_birth=dt.date(2000, 6, 15), ethnic_category="A", imd_decile=2, main_language="pl"
    )
    excerpt = add_excerpt(
        text="  The phone call felt rushed.  ",
        source="service_user",
        given_on=dt.date(2025, 6, 14),
        mode="telephone",
        service_user=person,
    )
    assert excerpt.text == "The phone call felt rushed."
    assert excerpt.month == dt.date(2025, 6, 1)
    assert (excerpt.ethnic_category, excerpt.age_band, excerpt.imd_decile) == ("A", "18-24", 2)
    assert excerpt.main_language == "pl"
    assert excerpt.team == person.team
    field_names = {f.name for f in Excerpt._meta.get_fields()}
    assert not field_names & {"service_user", "person", "contact", "author"}


def test_a_carers_words_carry_no_groups_of_the_person_they_care_for() -> None:
    person = ServiceUserFactory(ethnic_category="A")
    excerpt = add_excerpt(
        text="I could not hear the call.",
        source="carer",
        given_on=dt.date(2025, 1, 3),
        mode="video",
        service_user=person,
    )
    assert (excerpt.ethnic_category, excerpt.age_band) == ("", "")


def test_blank_text_is_refused_and_nothing_is_stored() -> None:
    with pytest.raises(DomainError) as refused:
        add_excerpt(text="   ", source="staff", given_on=dt.date(2025, 1, 3))
    assert refused.value.field == "text"
    assert not Excerpt.objects.exists()
