"""The one way free text becomes an excerpt to code: feedback, carers' input and imports call
`add_excerpt`, which keeps the groups and drops the identity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.feedback.anonymise import anonymise
from caremode.feedback.models import Excerpt, ExcerptSource
from caremode.people.models import ServiceUser, Team


def _age_on(date_of_birth: dt.date, day: dt.date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


@transaction.atomic
def add_excerpt(
    *,
    text: str,
    source: str,
    given_on: dt.date,
    mode: str = "",
    team: Team | None = None,
    service_user: ServiceUser | None = None,
    origin: str = "feedback",
    names: Iterable[str] = (),
) -> Excerpt:
    """Store `text` for coding. When it is a service user's own words, their groups on `given_on`
    are copied (ethnic category, age band, deprivation decile, main language); the person is not.
    The text is stored anonymised (`anonymise.anonymise`): `names` (the people the words may
    name: the person, their carers, the clinician), titled names, contact details and NHS
    numbers are replaced before anyone can read it (hazard TH4)."""
    text = anonymise(text.strip(), names=names)
    if not text:
        raise DomainError("There is no text to code.", field="text")
    ExcerptSource(source)  # an unknown source is a programming error
    if mode and mode not in codes.MODES:
        raise ValueError(f"unknown mode {mode!r}")
    groups: dict[str, object] = {}
    if service_user is not None and source == ExcerptSource.SERVICE_USER:
        groups = {
            "ethnic_category": service_user.ethnic_category,
            "age_band": codes.age_band_for(_age_on(service_user.date_of_birth, given_on)),
            "imd_decile": service_user.imd_decile,
            "main_language": service_user.main_language,
        }
    return Excerpt.objects.create(
        text=text,
        source=source,
        mode=mode,
        team=team if team is not None else (service_user.team if service_user else None),
        month=given_on.replace(day=1),
        origin=origin,
        **groups,
    )
