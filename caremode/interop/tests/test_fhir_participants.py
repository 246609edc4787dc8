"""Who else takes part in a contact, over FHIR (issue 14): the carer invited (a RelatedPerson,
only while the person's consent lets that carer join contacts, and only to a client that may
read carers) and the interpreter (a participant typed INTRP with the language and how), in the
Appointment both ways, and in the Encounter where CareMode records that they took part."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources import construct_fhir_element

from caremode.interop import fhir_resources
from caremode.interop.tests.test_fhir_care import appointment_body, bearer, entries, post
from caremode.messaging.models import OutboundMessage
from caremode.people.services import record_access_need, revoke_consent
from caremode.rooms.models import Participant, Role, Room
from caremode.scheduling.models import Contact
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    UserFactory,
    next_working_day_at,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]
INTRP = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
            "code": "INTRP",
            "display": "interpreter",
        }
    ]
}


def carers_of(resource: dict) -> list[dict]:
    key = "actor" if resource["resourceType"] == "Appointment" else "individual"
    return [
        p
        for p in resource["participant"]
        if p.get(key, {}).get("reference", "").startswith("RelatedPerson/")
    ]


def interpreters_of(resource: dict) -> list[dict]:
    return [p for p in resource["participant"] if p.get("type") == [INTRP]]


def valid(resource: dict) -> dict:
    construct_fhir_element(resource["resourceType"], resource)
    return resource


def interpreter_participant(language: str = "pl", interpreting: str = "video") -> dict:
    extension = [
        {
            "url": fhir_resources.interpreter_language_url(),
            "valueCodeableConcept": {
                "coding": [{"system": "urn:ietf:bcp:47", "code": language, "display": "Polish"}]
            },
        }
    ]
    if interpreting:
        extension.append(
            {
                "url": fhir_resources.interpreting_url(),
                "valueCoding": {
                    "system": fhir_resources.interpreting_system(),
                    "code": interpreting,
                    "display": "By video",
                },
            }
        )
    return {
        "type": [INTRP],
        "actor": {"display": "Interpreter: Polish, by video"},
        "required": "required",
        "status": "accepted",
        "extension": extension,
    }


# Out: the Appointment and the Encounter


def test_an_appointment_names_the_invited_carer_only_while_consent_to_join_stands():
    consent = CarerConsentFactory(carer__given_name="Ola", carer__family_name="Nowak")
    contact = ContactFactory(service_user=consent.service_user, carer_invited=consent.carer)
    api = bearer("system/*.rs")
    read = valid(api.get(f"/fhir/Appointment/{contact.pk}").json())
    reference = f"RelatedPerson/{fhir_resources.related_person_id(consent)}"
    assert carers_of(read) == [
        {
            "actor": {"reference": reference, "display": "Ola Nowak"},
            "required": "optional",
            "status": "needs-action",
        }
    ]
    # The reference resolves: the same carer is a RelatedPerson to this client.
    assert api.get(f"/fhir/{reference}").status_code == 200
    revoke_consent(actor=UserFactory(), consent=consent)
    assert carers_of(api.get(f"/fhir/Appointment/{contact.pk}").json()) == []
    [searched] = entries(
        api.get("/fhir/Appointment", {"patient": f"Patient/{contact.service_user_id}"})
    )
    assert carers_of(searched) == []
    assert "Nowak" not in json.dumps(searched)


def test_a_consent_only_to_be_told_of_appointments_does_not_make_the_carer_a_participant():
    consent = CarerConsentFactory(scope_join_contacts=False, scope_appointment_details=True)
    contact = ContactFactory(service_user=consent.service_user, carer_invited=consent.carer)
    read = bearer("system/*.rs").get(f"/fhir/Appointment/{contact.pk}").json()
    assert carers_of(read) == []


def test_a_client_that_may_not_read_carers_learns_nothing_of_the_carer_through_appointments():
    consent = CarerConsentFactory(carer__given_name="Ola", carer__family_name="Nowak")
    contact = ContactFactory(service_user=consent.service_user, carer_invited=consent.carer)
    api = bearer("system/Appointment.rs system/Encounter.rs", name="booking-only")
    for body in (
        api.get(f"/fhir/Appointment/{contact.pk}").json(),
        api.get("/fhir/Appointment", {"patient": f"Patient/{contact.service_user_id}"}).json(),
    ):
        assert "RelatedPerson" not in json.dumps(body)
        assert "Nowak" not in json.dumps(body)
    # The same Appointment to a client that may read carers names them.
    assert carers_of(bearer("system/*.rs").get(f"/fhir/Appointment/{contact.pk}").json())


def test_the_interpreter_is_a_participant_typed_intrp_with_the_language_and_how(care_team):
    clinician, person = care_team
    arranged = ContactFactory(
        service_user=person,
        clinician=clinician,
        interpreter_needed=True,
        interpreter_language="pl",
        interpreting="video",
        interpreter_arranged_at=timezone.now(),
    )
    requested = ContactFactory(service_user=person, clinician=clinician, interpreter_needed=True)
    nobody = ContactFactory(service_user=person, clinician=clinician)
    api = bearer("system/Appointment.rs")
    [interpreter] = interpreters_of(valid(api.get(f"/fhir/Appointment/{arranged.pk}").json()))
    assert interpreter == {
        "type": [INTRP],
        "actor": {"display": "Interpreter: Polish, by video"},
        "required": "required",
        "status": "accepted",
        "extension": [
            {
                "url": fhir_resources.interpreter_language_url(),
                "valueCodeableConcept": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": "pl", "display": "Polish"}]
                },
            },
            {
                "url": fhir_resources.interpreting_url(),
                "valueCoding": {
                    "system": fhir_resources.interpreting_system(),
                    "code": "video",
                    "display": "By video",
                },
            },
        ],
    }
    [pending] = interpreters_of(valid(api.get(f"/fhir/Appointment/{requested.pk}").json()))
    assert pending["status"] == "needs-action"
    assert pending["actor"] == {"display": "Interpreter: language not recorded"}
    assert "extension" not in pending
    assert interpreters_of(api.get(f"/fhir/Appointment/{nobody.pk}").json()) == []


def attended(person, clinician, days_ago: int, **fields) -> Contact:
    start = timezone.now() - dt.timedelta(days=days_ago)
    return ContactFactory(
        service_user=person,
        clinician=clinician,
        start=start,
        end_at=start + dt.timedelta(minutes=50),
        blocked_until=start + dt.timedelta(minutes=60),
        attend_status="5",
        mode_used="video",
        **fields,
    )


def test_an_encounter_lists_the_interpreter_present_and_the_carer_let_into_the_call(care_team):
    clinician, person = care_team
    consent = CarerConsentFactory(service_user=person)
    interpreted = dict(interpreter_needed=True, interpreter_language="pl", interpreting="video")
    joined = attended(
        person, clinician, 2, carer_invited=consent.carer, interpreter_present=True, **interpreted
    )
    waited = attended(
        person, clinician, 3, carer_invited=consent.carer, interpreter_present=False, **interpreted
    )
    for contact, admitted in ((joined, timezone.now()), (waited, None)):
        room = Room.objects.create(contact=contact, opened_by=clinician, opened_at=contact.start)
        Participant.objects.create(
            room=room,
            identity="pass:1",
            role=Role.CARER,
            label="carer",
            arrived_at=contact.start,
            admitted_at=admitted,
            status="admitted" if admitted else "left",
        )
    api = bearer("system/*.rs")
    took_part = valid(api.get(f"/fhir/Encounter/{joined.pk}").json())
    reference = f"RelatedPerson/{fhir_resources.related_person_id(consent)}"
    assert [p["individual"]["reference"] for p in carers_of(took_part)] == [reference]
    [interpreter] = interpreters_of(took_part)
    assert interpreter["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "pl"
    # Invited, arranged, but neither let in nor recorded present: not a participant.
    not_there = valid(api.get(f"/fhir/Encounter/{waited.pk}").json())
    assert carers_of(not_there) == [] and interpreters_of(not_there) == []
    revoke_consent(actor=UserFactory(), consent=consent)
    assert carers_of(api.get(f"/fhir/Encounter/{joined.pk}").json()) == []


# In: POST /fhir/Appointment


def test_an_appointment_with_a_carer_and_an_interpreter_books_both_and_reads_back_equal(
    care_team,
):
    clinician, person = care_team
    consent = CarerConsentFactory(
        service_user=person, carer__given_name="Ola", carer__family_name="Nowak"
    )
    body = appointment_body(person, clinician, next_working_day_at(10), {"valueCode": "Video"})
    carer = {
        "actor": {
            "reference": f"RelatedPerson/{fhir_resources.related_person_id(consent)}",
            "display": "Ola Nowak",
        },
        "required": "optional",
        "status": "needs-action",
    }
    body["participant"] += [carer, interpreter_participant()]
    api = bearer()
    response = post(api, body)
    assert response.status_code == 201, response.content
    stored = valid(response.json())
    contact = Contact.objects.get(pk=stored["id"])
    assert contact.carer_invited == consent.carer
    assert (contact.interpreter_language, contact.interpreting) == ("pl", "video")
    assert contact.interpreter_arranged_at is not None
    assert OutboundMessage.objects.filter(
        reference=f"contact:{contact.pk}", purpose="interpreter_booking"
    ).exists()
    assert stored["participant"] == body["participant"]
    assert api.get(f"/fhir/Appointment/{contact.pk}").json() == stored


def test_the_interpreter_is_arranged_as_the_persons_need_says_when_how_is_not_given(care_team):
    clinician, person = care_team
    record_access_need(
        actor=clinician,
        service_user=person,
        need="needs_interpreter",
        language="pl",
        interpreting="telephone",
    )
    body = appointment_body(person, clinician, next_working_day_at(10), {"valueCode": "Video"})
    body["participant"].append(interpreter_participant(interpreting=""))
    response = post(bearer(), body)
    assert response.status_code == 201, response.content
    contact = Contact.objects.get(pk=response.json()["id"])
    assert (contact.interpreter_language, contact.interpreting) == ("pl", "telephone")


def refused(api, body, expression: str, status: int = 422) -> str:
    response = post(api, body)
    assert response.status_code == status, response.content
    issue = response.json()["issue"][0]
    assert issue["expression"] == [expression]
    return issue["diagnostics"]


def test_a_carer_is_invited_only_if_the_consent_allows_else_422_naming_the_participant(
    care_team,
):
    clinician, person = care_team
    api = bearer()
    start = next_working_day_at(10)

    def with_carer(reference: str) -> dict:
        body = appointment_body(person, clinician, start, {"valueCode": "Video"})
        body["participant"].append({"actor": {"reference": reference}, "status": "needs-action"})
        return body

    told_only = CarerConsentFactory(
        service_user=person, scope_join_contacts=False, scope_appointment_details=True
    )
    reason = refused(
        api,
        with_carer(f"RelatedPerson/{fhir_resources.related_person_id(told_only)}"),
        "Appointment.participant[2]",
    )
    assert "may join contacts" in reason
    withdrawn = CarerConsentFactory(service_user=person)
    revoke_consent(actor=UserFactory(), consent=withdrawn)
    reason = refused(
        api,
        with_carer(f"RelatedPerson/{fhir_resources.related_person_id(withdrawn)}"),
        "Appointment.participant[2]",
    )
    assert "current consent" in reason
    elsewhere = CarerConsentFactory()  # another person's carer
    refused(
        api,
        with_carer(f"RelatedPerson/{fhir_resources.related_person_id(elsewhere)}"),
        "Appointment.participant[2].actor.reference",
    )
    refused(api, with_carer("RelatedPerson/peter"), "Appointment.participant[2].actor.reference")
    allowed = CarerConsentFactory(service_user=person)
    reference = f"RelatedPerson/{fhir_resources.related_person_id(allowed)}"
    body = with_carer(reference)
    body["participant"].append({"actor": {"reference": reference}, "status": "needs-action"})
    refused(api, body, "Appointment.participant[3]")
    # A client that may not read carers may not invite one (nor learn whether consent allows).
    no_carers = bearer("system/Appointment.crs", name="booking-only")
    refused(no_carers, with_carer(reference), "Appointment.participant[2]", status=403)
    assert not Contact.objects.exists()


def test_an_interpreter_asked_for_is_checked_and_refused_naming_the_participant(care_team):
    clinician, person = care_team
    api = bearer()
    start = next_working_day_at(10)

    def with_interpreter(participant: dict) -> dict:
        body = appointment_body(person, clinician, start, {"valueCode": "Video"})
        body["participant"].append(participant)
        return body

    no_language = interpreter_participant()
    no_language["extension"] = no_language["extension"][1:]
    refused(api, with_interpreter(no_language), "Appointment.participant[2].extension")
    unknown = interpreter_participant(language="tlh")
    assert "not 'tlh'" in refused(api, with_interpreter(unknown), "Appointment.participant[2]")
    refused(
        api, with_interpreter(interpreter_participant(language="en")), "Appointment.participant[2]"
    )
    bad_how = interpreter_participant(interpreting="carrier-pigeon")
    refused(api, with_interpreter(bad_how), "Appointment.participant[2]")
    record_access_need(
        actor=clinician,
        service_user=person,
        need="needs_interpreter",
        language="ro",
        interpreting="video",
    )
    reason = refused(api, with_interpreter(interpreter_participant()), "Appointment.participant[2]")
    assert "Romanian" in reason
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "participant",
    [
        {"actor": {"reference": "Location/1", "display": "South Wing"}, "status": "accepted"},
        {"actor": {"reference": "Device/7"}, "status": "accepted"},
        {
            "type": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "ATND",
                        }
                    ]
                }
            ],
            "status": "accepted",
        },
        {"actor": {"display": "Someone"}, "status": "accepted"},
    ],
)
def test_a_participant_caremode_does_not_keep_is_refused_naming_it_never_dropped(
    care_team, participant
):
    clinician, person = care_team
    body = appointment_body(person, clinician, next_working_day_at(10), {"valueCode": "Video"})
    body["participant"].insert(1, participant)
    refused(bearer(), body, "Appointment.participant[1]")
    assert not Contact.objects.exists()
