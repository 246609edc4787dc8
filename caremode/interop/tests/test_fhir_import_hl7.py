"""HL7's own R4 examples (hl7_examples/, CC0): each imports or is refused with a named reason,
and the ones CareMode takes in round-trip: imported, read back through the API, equal in the
elements CareMode keeps. Encounter, Consent and Flag are CareMode's outputs, not its inputs."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.interop import fhir_resources
from caremode.interop.importer import import_source
from caremode.interop.imports import NOT_IMPORTED, Entry, Source, read_source
from caremode.people.models import ServiceUser
from caremode.scheduling.services.checks import raise_team_alert
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    TeamFactory,
    UserFactory,
    clinician_in,
    next_working_day_at,
)

from .test_fhir_care import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]
EXAMPLES = Path(__file__).parent / "hl7_examples"
NUMBER = "9434765919"
SECOND_NUMBER = "9434765870"
OUTPUT = "publishes them"
CONSENT = "a Consent is taken in only beside the RelatedPerson it names"
QUESTIONNAIRE_RESPONSE = NOT_IMPORTED["QuestionnaireResponse"].rstrip(".")
# What `caremode fhir_import` does with each file as HL7 publishes it: ("skipped", reason) for
# a file it reads and does not take, ("refused", reason) for one it cannot read at all.
EXPECTED = {
    "Appointment-2docs.json": ("skipped", "Patient/example is neither in this input nor"),
    "Appointment-example.json": ("skipped", "Patient/example is neither in this input nor"),
    "Appointment-examplereq.json": ("skipped", "its status is 'proposed'"),
    "Bundle-bundle-transaction.json": ("refused", "entry[5], Bundle.entry[5].resource"),
    "Consent-consent-example-Out.json": ("skipped", CONSENT),
    "Consent-consent-example-basic.json": ("skipped", CONSENT),
    "Consent-consent-example-grantor.json": ("skipped", CONSENT),
    "Encounter-example.json": ("skipped", OUTPUT),
    "Encounter-f001.json": ("skipped", OUTPUT),
    "Encounter-home.json": ("skipped", OUTPUT),
    "Flag-example-encounter.json": ("skipped", OUTPUT),
    "Flag-example.json": ("skipped", OUTPUT),
    "Patient-example.json": ("skipped", "no NHS number"),
    "Patient-f001.json": ("skipped", "no NHS number"),
    "Patient-pat1.json": ("skipped", "no NHS number"),
    "Patient-xcda.json": ("skipped", "no NHS number"),
    "Questionnaire-phq-9-questionnaire.json": ("skipped", "CareMode asks its own questionnaires"),
    "QuestionnaireResponse-3141.json": ("skipped", QUESTIONNAIRE_RESPONSE),
    "QuestionnaireResponse-f201.json": ("skipped", QUESTIONNAIRE_RESPONSE),
    "QuestionnaireResponse-gcs.json": ("skipped", QUESTIONNAIRE_RESPONSE),
    # fhir.resources refuses the relative `Binary/…` URL of the photo as having no scheme.
    "RelatedPerson-benedicte.json": ("refused", "RelatedPerson.photo[0].url"),
    "RelatedPerson-f001.json": ("skipped", "Patient/f001 is neither in this input nor"),
    "RelatedPerson-peter.json": ("refused", "RelatedPerson.photo[0].url"),
}


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def test_every_committed_example_has_its_outcome_stated():
    files = {p.name for p in EXAMPLES.glob("*.json") if p.name != "package.json"}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hl7_example_imports_or_is_refused_with_a_named_reason(name, tmp_path):
    TeamFactory(name="North CMHT")
    UserFactory(role="admin", username="ops")
    outcome, reason = EXPECTED[name]
    command = ["fhir_import", str(EXAMPLES / name), "--user", "ops", "--team", "North CMHT"]
    if outcome == "refused":
        with pytest.raises(CommandError) as refused:
            call_command(*command, "--json", stdout=io.StringIO())
        assert reason in str(refused.value)
        assert ServiceUser.objects.count() == 0
        return
    out = io.StringIO()
    call_command(*command, "--json", stdout=out)
    [entry] = json.loads(out.getvalue())["entries"]
    assert entry["action"] == outcome
    assert reason in entry["reason"]


def _with_nhs_number(resource: dict, number: str) -> dict:
    changed = copy.deepcopy(resource)
    changed["identifier"] = [
        *changed.get("identifier", []),
        {"system": fhir_resources.NHS_NUMBER_SYSTEM, "value": number},
    ]
    return changed


@pytest.fixture
def care_team():
    team = TeamFactory(name="North CMHT")
    clinician = clinician_in(team, username="asmith")
    return team, clinician


def _import(resources: list[dict], team) -> dict[str, str]:
    """Import `resources` as a collection Bundle; each entry's CareMode record by position."""
    entries = [Entry(n, f"entry[{n}]", fhir_resources.parsed(r)) for n, r in enumerate(resources)]
    report = import_source(
        source=Source(kind="collection", entries=entries), team=team, actor=None, system="test"
    )
    assert [o.action for o in report.outcomes if o.action == "skipped"] == [], report.outcomes
    return {o.where: o.location for o in report.outcomes}


def test_the_hl7_patient_with_an_nhs_number_round_trips(care_team):
    team, _ = care_team
    sent = _with_nhs_number(example("Patient-example.json"), NUMBER)
    located = _import([sent], team)
    read = bearer("system/Patient.r").get(f"/fhir/{located['entry[0]']}").json()
    official = next(n for n in sent["name"] if n.get("use") == "official")
    assert read["name"][0]["family"] == official["family"]
    assert " ".join(read["name"][0]["given"]) == " ".join(official["given"])
    assert read["birthDate"] == sent["birthDate"]
    assert read["gender"] == sent["gender"]
    assert {"system": fhir_resources.NHS_NUMBER_SYSTEM, "value": NUMBER} in read["identifier"]


def test_a_patient_whose_language_caremode_does_not_record_is_not_given_another(care_team):
    team, _ = care_team
    sent = _with_nhs_number(example("Patient-f001.json"), SECOND_NUMBER)  # speaks Dutch (nl)
    entries = [Entry(0, "entry[0]", fhir_resources.parsed(sent))]
    report = import_source(
        source=Source(kind="collection", entries=entries), team=team, actor=None, system="test"
    )
    [outcome] = report.outcomes
    assert outcome.action == "skipped"
    assert "language (nl) is not one CareMode records" in outcome.reason
    assert ("Patient.communication[0].language", "nl") in [
        (u.expression, u.value) for u in report.unmapped
    ]
    assert ServiceUser.objects.count() == 0


def test_the_hl7_related_person_round_trips_beside_the_persons_consent(care_team):
    team, _ = care_team
    person = _with_nhs_number(example("Patient-example.json"), SECOND_NUMBER)
    person["id"] = "f001"  # the person HL7's RelatedPerson-f001 cares for
    carer = example("RelatedPerson-f001.json")
    consent = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"coding": [{"code": "59284-0"}]}],
        "patient": {"reference": "Patient/f001"},
        "provision": {
            "type": "permit",
            "actor": [
                {
                    "role": {"coding": [{"code": "CAREGIVER"}]},
                    "reference": {"reference": "RelatedPerson/f001"},
                }
            ],
            "action": [
                {
                    "coding": [
                        {
                            "system": fhir_resources.local_system("CodeSystem/carer-consent-scope"),
                            "code": "join-contacts",
                        }
                    ]
                }
            ],
        },
    }
    located = _import([person, carer, consent], team)
    api = bearer("system/RelatedPerson.r system/Consent.r")
    read = api.get(f"/fhir/{located['entry[1]']}").json()
    assert read["name"][0]["family"] == carer["name"][0]["family"]
    assert read["name"][0]["given"] == carer["name"][0]["given"]
    assert read["relationship"][0]["text"] == carer["relationship"][0]["coding"][0]["code"]
    agreed = api.get(f"/fhir/{located['entry[2]']}").json()
    assert [a["coding"][0]["code"] for a in agreed["provision"]["action"]] == ["join-contacts"]


def test_the_hl7_appointment_round_trips_once_it_is_bookable(care_team):
    team, clinician = care_team
    person = _with_nhs_number(example("Patient-example.json"), NUMBER)
    staff = {
        "resourceType": "Practitioner",
        "id": "example",
        "identifier": [{"system": fhir_resources.staff_username_system(), "value": "asmith"}],
    }
    sent = example("Appointment-example.json")
    start = next_working_day_at(14)
    # What CareMode needs to book that HL7's example does not say: a time to come, how the
    # contact happens, and which of CareMode's kinds of contact it is; and without its Location
    # participant, which CareMode keeps no record of and refuses rather than drops.
    sent["participant"] = [
        p for p in sent["participant"] if "Location/" not in p["actor"]["reference"]
    ]
    sent["start"] = start.isoformat()
    sent["end"] = (start + dt.timedelta(minutes=60)).isoformat()
    sent["extension"] = [{"url": fhir_resources.DELIVERY_CHANNEL_URL, "valueCode": "Telephone"}]
    sent["serviceType"].append(
        {
            "coding": [
                {"system": fhir_resources.consultation_type_system(), "code": "medication_review"}
            ]
        }
    )
    located = _import([person, staff, sent], team)
    read = bearer("system/Appointment.r").get(f"/fhir/{located['entry[2]']}").json()
    assert dt.datetime.fromisoformat(read["start"]) == start
    assert dt.datetime.fromisoformat(read["end"]) == dt.datetime.fromisoformat(sent["end"])
    assert read["extension"] == sent["extension"]
    assert read["status"] == "booked"
    patient_id = located["entry[0]"]
    assert {p["actor"]["reference"] for p in read["participant"]} == {
        patient_id,
        f"Practitioner/{clinician.pk}",
    }


@pytest.mark.parametrize("resource", ["Encounter", "Consent", "Flag"])
def test_caremodes_own_encounters_consents_and_flags_read_back_valid_and_are_not_imported(
    resource,
):
    if resource == "Encounter":
        record = ContactFactory(attend_status="5", mode_used="video")
        path = f"Encounter/{record.pk}"
    elif resource == "Consent":
        record = CarerConsentFactory()
        path = f"Consent/{record.pk}"
    else:
        person = ContactFactory().service_user
        alert = raise_team_alert(
            service_user=person, kind="no_contact", key="test", message="No contact booked"
        )
        assert alert is not None
        path = f"Flag/{alert.pk}"
    read = bearer("system/*.rs").get(f"/fhir/{path}")
    assert read.status_code == 200, read.content
    body = read.json()
    assert fhir_resources.validated(body) == body
    body.pop("id")
    [entry] = read_source(json.dumps(body)).entries
    report = import_source(
        source=Source(kind="ndjson", entries=[entry]), team=None, actor=None, system="test"
    )
    [outcome] = report.outcomes
    assert outcome.action == "skipped"
    assert "CareMode" in outcome.reason


@pytest.mark.parametrize(
    "name",
    [
        "QuestionnaireResponse-3141.json",
        "QuestionnaireResponse-f201.json",
        "QuestionnaireResponse-gcs.json",
    ],
)
def test_hl7_questionnaire_responses_are_refused_by_the_api_with_the_element(name):
    response = bearer("system/QuestionnaireResponse.c").post(
        "/fhir/QuestionnaireResponse",
        data=(EXAMPLES / name).read_text(),
        content_type="application/fhir+json",
    )
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["diagnostics"]
    assert issue["expression"][0].startswith("QuestionnaireResponse")
