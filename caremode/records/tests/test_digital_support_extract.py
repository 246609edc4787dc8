"""Digital support offered, booked and recorded like a contact, and its two columns in the
pseudonymised extract (docs/data-standards.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from caremode.audit.models import AuditEvent
from caremode.records.selectors import EXTRACT_COLUMNS, iter_pseudonymised_contacts
from caremode.workforce import services
from caremode.workforce.errors import WorkforceError
from tests.factories import CarerConsentFactory, ContactFactory

NOW = dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC)  # a Wednesday


@time_machine.travel(NOW, tick=False)
def test_digital_support_is_booked_recorded_and_in_the_extract(clinician, service_user, settings):
    consent = CarerConsentFactory(service_user=service_user)
    past = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=NOW - dt.timedelta(days=10),
        attend_status="5",
        mode_used="video",
    )
    with pytest.raises(WorkforceError) as error:
        services.offer_digital_support(
            actor=clinician, service_user=service_user, kind="practice_call"
        )
    assert error.value.field == "start"
    call = services.offer_digital_support(
        actor=clinician,
        service_user=service_user,
        kind="practice_call",
        carer=consent.carer,
        start=NOW + dt.timedelta(days=1),
        given_by="A volunteer",
    )
    with pytest.raises(WorkforceError) as error:
        services.record_support_outcome(actor=clinician, support=call, outcome="taken_up")
    assert error.value.field == "outcome"  # still to come
    assert (
        AuditEvent.objects.filter(subject_id=service_user.pk, object_type="digitalsupport").exists()
        or AuditEvent.objects.filter(subject_id=service_user.pk).exists()
    )
    later = ContactFactory(
        service_user=service_user,
        clinician=clinician,
        start=NOW + dt.timedelta(days=3),
        attend_status=None,
    )
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        services.record_support_outcome(actor=clinician, support=call, outcome="taken_up")
        with pytest.raises(WorkforceError):
            services.record_support_outcome(actor=clinician, support=call, outcome="declined")
    with time_machine.travel(NOW + dt.timedelta(days=4), tick=False):
        later.attend_status, later.mode_used = "5", "video"
        later.save()
        rows = {
            row[1]: dict(zip(EXTRACT_COLUMNS, row, strict=True))
            for row in iter_pseudonymised_contacts(key="k")
        }
    assert {"DigitalSupportOffered", "DigitalSupportTakenUp"} <= set(EXTRACT_COLUMNS)
    before, after = rows[str(past.pk)], rows[str(later.pk)]
    assert (before["DigitalSupportOffered"], before["DigitalSupportTakenUp"]) == ("N", "N")
    assert (after["DigitalSupportOffered"], after["DigitalSupportTakenUp"]) == ("Y", "Y")
