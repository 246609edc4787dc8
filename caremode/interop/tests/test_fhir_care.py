"""The FHIR API's care resources: Practitioner, RelatedPerson (only while the person's consent
to the carer stands), Consent, Appointment (search by patient and date; create with the UK Core
DeliveryChannel in both shapes, through the booking rules), Encounter and Questionnaire."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.interop import fhir_resources, search_dates
from caremode.people.services import revoke_consent
from caremode.scheduling.models import Contact
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    ServiceUserFactory,
    UserFactory,
    next_working_day_at,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]
CHANNEL = fhir_resources.DELIVERY_CHANNEL_URL


def bearer(scope: str = "system/*.cruds", *extra: str, name: str = "rio") -> Client:
    out = io.StringIO()
    call_command("fhir_client", name, "--scope", scope, *extra, stdout=out)
    credentials = json.loads(out.getvalue())
    token = (
        Client()
        .post("/fhir/auth/token", {"grant_type": "client_credentials", **credentials})
        .json()["access_token"]
    )
    return Client(headers={"Authorization": f"Bearer {token}"})


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle["type"] == "searchset"
    return [e["resource"] for e in bundle["entry"]]


# Practitioner


def test_practitioner_read_and_search_by_username_and_only_care_staff():
    clinician = UserFactory(
        username="asmith", first_name="Ann", last_name="Smith", professional_group="Psychologist"
    )
    analyst = UserFactory(role="analyst")
    api = bearer("system/Practitioner.rs")
    read = api.get(f"/fhir/Practitioner/{clinician.pk}").json()
    assert read["identifier"] == [
        {"system": fhir_resources.staff_username_system(), "value": "asmith"}
    ]
    assert read["name"][0]["family"] == "Smith"
    assert read["qualification"][0]["code"]["text"] == "Psychologist"
    assert api.get(f"/fhir/Practitioner/{analyst.pk}").status_code == 404
    found = entries(
        api.get(
            "/fhir/Practitioner",
            {"identifier": f"{fhir_resources.staff_username_system()}|asmith"},
        )
    )
    assert [p["id"] for p in found] == [str(clinician.pk)]
    assert api.get("/fhir/Practitioner", {"identifier": "https://example.org|x"}).status_code == 400
    assert AuditEvent.objects.filter(
        object_type="fhir.Practitioner", object_id=str(clinician.pk), detail__interaction="read"
    ).exists()


# RelatedPerson and Consent


def test_related_persons_are_the_carers_with_a_current_consent_and_end_with_it():
    consent = CarerConsentFactory(carer__relationship="Partner")
    person = consent.service_user
    other = CarerConsentFactory()  # another person's carer: never in this person's search
    api = bearer("system/RelatedPerson.rs")
    [carer] = entries(api.get("/fhir/RelatedPerson", {"patient": f"Patient/{person.pk}"}))
    assert carer["patient"] == {"reference": f"Patient/{person.pk}"}
    assert carer["relationship"][0]["text"] == "Partner"
    assert carer["relationship"][0]["coding"][0]["code"] == "CAREGIVER"
    assert "telecom" not in carer
    assert api.get(f"/fhir/RelatedPerson/{carer['id']}").json() == carer
    assert AuditEvent.objects.filter(
        object_type="fhir.RelatedPerson", subject_id=person.pk, detail__interaction="read"
    ).exists()
    revoke_consent(actor=UserFactory(), consent=consent)
    assert entries(api.get("/fhir/RelatedPerson", {"patient": f"Patient/{person.pk}"})) == []
    assert api.get(f"/fhir/RelatedPerson/{carer['id']}").status_code == 404
    # The other person's carer, read under this person's id, is not known either.
    assert api.get(f"/fhir/RelatedPerson/{other.carer_id}-{person.pk}").status_code == 404
    assert api.get("/fhir/RelatedPerson/x-1").status_code == 404


def test_a_restricted_persons_carers_and_consents_are_not_given_to_analytics_clients():
    consent = CarerConsentFactory(service_user__processing_restricted=True)
    analytics = bearer("system/*.rs", "--analytics", name="warehouse")
    carer_id = fhir_resources.related_person_id(consent)
    assert analytics.get(f"/fhir/RelatedPerson/{carer_id}").status_code == 404
    assert analytics.get(f"/fhir/Consent/{consent.pk}").status_code == 404
    assert analytics.get("/fhir/Consent").json()["total"] == 0
    assert bearer(name="rio").get(f"/fhir/Consent/{consent.pk}").status_code == 200


def test_consent_carries_each_scope_and_a_revoked_one_is_inactive_naming_no_carer():
    consent = CarerConsentFactory(scope_join_contacts=False, scope_assessment_input=True)
    api = bearer("system/Consent.rs")
    current = api.get(f"/fhir/Consent/{consent.pk}").json()
    assert current["status"] == "active"
    assert current["patient"] == {"reference": f"Patient/{consent.service_user_id}"}
    actions = [a["coding"][0]["code"] for a in current["provision"]["action"]]
    assert actions == ["appointment-details", "assessment-input"]
    assert current["provision"]["actor"][0]["reference"] == {
        "reference": f"RelatedPerson/{fhir_resources.related_person_id(consent)}"
    }
    revoke_consent(actor=UserFactory(), consent=consent)
    [revoked] = entries(api.get("/fhir/Consent", {"patient": f"Patient/{consent.service_user_id}"}))
    assert revoked["status"] == "inactive"
    assert "end" in revoked["provision"]["period"]
    assert "actor" not in revoked["provision"]


# Appointment


def appointment_body(person, clinician, start: dt.datetime, channel: dict, **extra) -> dict:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "extension": [{"url": CHANNEL, **channel}],
        "serviceType": [
            {
                "coding": [
                    {
                        "system": fhir_resources.consultation_type_system(),
                        "code": "medication_review",
                    }
                ]
            }
        ],
        "start": start.isoformat(),
        "minutesDuration": 30,
        "participant": [
            {"actor": {"reference": f"Patient/{person.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{clinician.pk}"}, "status": "accepted"},
        ],
        **extra,
    }


def post(api, body) -> object:
    return api.post(
        "/fhir/Appointment",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/fhir+json",
    )


@pytest.mark.parametrize(
    ("channel", "mode"),
    [
        ({"valueCode": "In-person"}, "face_to_face"),
        ({"valueCode": "Telephone"}, "telephone"),
        ({"valueCode": "Video"}, "video"),
        (
            {
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-DeliveryChannel",
                            "code": "Telephone",
                        }
                    ]
                }
            },
            "telephone",
        ),
        ({"valueCodeableConcept": {"coding": [{"code": "Video"}]}}, "video"),
        (
            {
                "valueCodeableConcept": {
                    "coding": [
                        {"system": "http://snomed.info/sct", "code": "185317003"},
                        {"code": "Telephone"},
                    ]
                }
            },
            "telephone",
        ),
    ],
)
def test_an_appointment_is_booked_with_the_delivery_channel_in_either_shape(
    care_team, channel, mode
):
    clinician, person = care_team
    api = bearer("system/Appointment.crs")
    start = next_working_day_at(10)
    response = post(api, appointment_body(person, clinician, start, channel))
    assert response.status_code == 201, response.content
    stored = response.json()
    assert response["Location"].endswith(f"/fhir/Appointment/{stored['id']}")
    contact = Contact.objects.get(pk=stored["id"])
    assert (contact.planned_mode, contact.clinician, contact.start) == (mode, clinician, start)
    assert contact.duration_minutes == 30
    assert stored["extension"] == [
        {"url": CHANNEL, "valueCode": fhir_resources.DELIVERY_CHANNEL[mode]}
    ]
    assert stored["status"] == "booked"
    assert api.get(f"/fhir/Appointment/{stored['id']}").json() == stored
    assert AuditEvent.objects.filter(
        object_type="fhir.Appointment", detail__interaction="create", subject_id=person.pk
    ).exists()


def test_a_double_booking_is_refused_with_an_operation_outcome_and_nothing_stored(care_team):
    clinician, person = care_team
    api = bearer()
    start = next_working_day_at(10)
    first = post(api, appointment_body(person, clinician, start, {"valueCode": "Video"}))
    assert first.status_code == 201
    someone_else = ServiceUserFactory(team=person.team)
    clash = post(
        api,
        appointment_body(
            someone_else, clinician, start + dt.timedelta(minutes=15), {"valueCode": "Telephone"}
        ),
    )
    assert clash.status_code == 409
    issue = clash.json()["issue"][0]
    assert clash.json()["resourceType"] == "OperationOutcome"
    assert issue["code"] == "conflict"
    assert issue["expression"] == ["Appointment.start"]
    assert Contact.objects.count() == 1


def test_a_bad_appointment_is_refused_naming_the_element(care_team):
    clinician, person = care_team
    api = bearer()
    start = next_working_day_at(10)

    def refused(body, expression, status=422):
        response = post(api, body)
        assert response.status_code == status, response.content
        assert response.json()["issue"][0]["expression"] == [expression]

    refused(
        appointment_body(person, clinician, start, {"valueCode": "Carrier-pigeon"}),
        "Appointment.extension[0].valueCode",
    )
    no_channel = appointment_body(person, clinician, start, {"valueCode": "Video"})
    no_channel["extension"] = []
    refused(no_channel, "Appointment.extension")
    refused(
        appointment_body(person, clinician, start, {"valueCode": "Video"}, status="proposed"),
        "Appointment.status",
    )
    no_kind = appointment_body(person, clinician, start, {"valueCode": "Video"})
    no_kind["serviceType"][0]["coding"][0]["code"] = "surgery"
    refused(no_kind, "Appointment.serviceType")
    past = timezone.now() - dt.timedelta(days=1)
    refused(appointment_body(person, clinician, past, {"valueCode": "Video"}), "Appointment.start")
    outsider = UserFactory()  # a clinician not in the person's team
    refused(
        appointment_body(person, outsider, start, {"valueCode": "Video"}),
        "Appointment.participant",
    )
    not_a_date = appointment_body(person, clinician, start, {"valueCode": "Video"})
    not_a_date["start"] = "tomorrow"
    refused(not_a_date, "Appointment.start")
    assert post(api, "{").status_code == 400
    assert not Contact.objects.exists()


def test_appointments_are_searched_by_patient_and_date_with_prefixes():
    person = ServiceUserFactory()
    monday = next_working_day_at(9)
    early = ContactFactory(service_user=person, start=monday, planned_mode="face_to_face")
    later = ContactFactory(
        service_user=person, start=monday + dt.timedelta(days=7), planned_mode="text"
    )
    ContactFactory()  # someone else's
    api = bearer("system/Appointment.rs")
    patient = f"Patient/{person.pk}"

    def ids(*dates):
        response = api.get("/fhir/Appointment", {"patient": patient, "date": list(dates)})
        return [a["id"] for a in entries(response)]

    day = monday.date().isoformat()
    assert ids() == [str(early.pk), str(later.pk)]
    assert ids(day) == [str(early.pk)]
    assert ids(f"eq{day}") == [str(early.pk)]
    assert ids(f"gt{day}") == [str(later.pk)]
    assert ids(f"ge{day}") == [str(early.pk), str(later.pk)]
    assert ids(f"lt{day}") == []
    assert ids(f"le{day}") == [str(early.pk)]
    assert ids(f"ge{day}", f"lt{later.start.date().isoformat()}") == [str(early.pk)]
    exact = early.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"eq{exact}") == [str(early.pk)]
    [first, second] = entries(api.get("/fhir/Appointment", {"patient": patient}))
    assert first["extension"] == [{"url": CHANNEL, "valueCode": "In-person"}]
    assert "extension" not in second  # text message has no DeliveryChannel
    for bad in ("sa2027-01-01", "ge2027-13-01", "yesterday"):
        response = api.get("/fhir/Appointment", {"date": bad})
        assert response.status_code == 400, bad
        assert response.json()["issue"][0]["expression"] == ["date"]


def test_date_bounds_follow_the_precision_of_the_value():
    bounds = search_dates.bounds(["ge2027-03", "lt2027-03-28T01:30:00Z"])
    assert bounds.starts_from == dt.datetime(2027, 3, 1, tzinfo=search_dates.LONDON)
    assert bounds.starts_before == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    year = search_dates.bounds(["2026"])
    assert year.starts_before == dt.datetime(2027, 1, 1, tzinfo=search_dates.LONDON)
    assert search_dates.bounds(["gt2026-12-25T11:00+00:00"]).starts_from == dt.datetime(
        2026, 12, 25, 11, 1, tzinfo=dt.UTC
    )
    assert search_dates.bounds([]) == search_dates.Bounds()


def test_appointment_status_follows_the_outcome():
    cancelled = ContactFactory(
        start=timezone.now() - dt.timedelta(days=2), attend_status="4", planned_mode="telephone"
    )
    missed = ContactFactory(start=timezone.now() - dt.timedelta(days=3), attend_status="3")
    api = bearer("system/Appointment.r")
    read = api.get(f"/fhir/Appointment/{cancelled.pk}").json()
    assert read["status"] == "cancelled"
    assert read["cancelationReason"]["text"] == "Cancelled by the service"
    assert api.get(f"/fhir/Appointment/{missed.pk}").json()["status"] == "noshow"


# Encounter


@pytest.mark.parametrize(
    ("mode", "klass"), [("face_to_face", "AMB"), ("video", "VR"), ("telephone", "VR")]
)
def test_an_encounter_is_a_contact_that_took_place_with_its_class_and_outcome(mode, klass):
    held = ContactFactory(
        start=timezone.now() - dt.timedelta(days=2),
        planned_mode="video",
        attend_status="6",
        mode_used=mode,
    )
    not_held = ContactFactory(start=timezone.now() - dt.timedelta(days=1), attend_status="3")
    upcoming = ContactFactory(service_user=held.service_user)
    api = bearer("system/Encounter.rs")
    encounter = api.get(f"/fhir/Encounter/{held.pk}").json()
    assert encounter["status"] == "finished"
    assert encounter["class"]["code"] == klass
    if mode == "video":
        assert encounter["type"][0]["coding"][0]["code"] == "307321000000107"
    assert encounter["appointment"] == [{"reference": f"Appointment/{held.pk}"}]
    outcome = encounter["extension"][0]["valueCodeableConcept"]
    assert outcome["coding"][0]["code"] == "6"
    assert outcome["text"] == "Attended, arrived late"
    assert api.get(f"/fhir/Encounter/{not_held.pk}").status_code == 404
    assert api.get(f"/fhir/Encounter/{upcoming.pk}").status_code == 404
    found = entries(api.get("/fhir/Encounter", {"patient": f"Patient/{held.service_user_id}"}))
    assert [e["id"] for e in found] == [str(held.pk)]


# Questionnaire


def test_the_questionnaires_are_the_ones_caremode_asks():
    api = bearer("system/Questionnaire.rs")
    phq9 = api.get("/fhir/Questionnaire/PHQ9").json()
    assert phq9["code"][0]["code"] == "44249-1"
    asked = [i for i in phq9["item"] if i["type"] == "choice"]
    assert [i["linkId"] for i in asked][-1] == "44260-8"
    assert len(asked) == 9
    assert [o["valueCoding"]["code"] for o in asked[0]["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    gad7 = api.get("/fhir/Questionnaire/GAD7").json()
    assert len([i for i in gad7["item"] if i["type"] == "choice"]) == 7
    dialog = api.get("/fhir/Questionnaire/DIALOG").json()
    ratings = [i for i in dialog["item"] if i["type"] == "integer"]
    assert len(ratings) == 11
    assert [o["valueInteger"] for o in ratings[0]["answerOption"]] == list(range(1, 8))
    assert len([i for i in dialog["item"] if i["type"] == "boolean"]) == 11
    assert api.get("/fhir/Questionnaire/PHQ2").status_code == 404
    assert entries(api.get("/fhir/Questionnaire"))[2]["id"] == "DIALOG"


# Scopes


@pytest.mark.parametrize(
    "resource",
    ["Practitioner", "RelatedPerson", "Consent", "Appointment", "Encounter", "Questionnaire"],
)
def test_each_care_resource_needs_its_scope(resource):
    api = bearer("system/Patient.rs")
    assert api.get(f"/fhir/{resource}").status_code == 403
    assert api.get(f"/fhir/{resource}/1").status_code == 403
    read_only = bearer(f"system/{resource}.r", name="reader")
    assert read_only.get(f"/fhir/{resource}").status_code == 403
    assert (
        read_only.post("/fhir/Appointment", "{}", content_type="application/json").status_code
        == 403
    )


def test_the_capability_statement_lists_the_care_resources_and_their_search_parameters():
    statement = bearer("system/Patient.r").get("/fhir/metadata").json()
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    served = {
        name: (
            {i["code"] for i in resources[name]["interaction"]},
            {p["name"] for p in resources[name]["searchParam"]},
        )
        for name in (
            "Practitioner",
            "RelatedPerson",
            "Consent",
            "Appointment",
            "Encounter",
            "Questionnaire",
        )
    }
    assert served == {
        "Practitioner": ({"read", "search-type"}, {"identifier"}),
        "RelatedPerson": ({"read", "search-type"}, {"patient"}),
        "Consent": ({"read", "search-type"}, {"patient"}),
        "Appointment": ({"read", "search-type", "create"}, {"patient", "date"}),
        "Encounter": ({"read", "search-type"}, {"patient", "date"}),
        "Questionnaire": ({"read", "search-type"}, set()),
    }
