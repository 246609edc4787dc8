"""QuestionnaireResponses in: PHQ-9 and GAD-7 scored by CareMode from the item answers (never a
supplied total or itemWeight), an Observation derived from each, PHQ-9 item 9 above 0 raising the
urgent alert, a PHQ-9 without item 9 stored incomplete with the reason, 400 and 422 paths."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from caremode.audit.models import AuditEvent
from caremode.interop import fhir_resources
from caremode.interop.questionnaires import FREQUENCY_ANSWERS, ITEMS
from caremode.monitoring.models import Assessment
from caremode.scheduling.models import TeamAlert
from tests.factories import ServiceUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]
CODE_OF = {value: code for code, value in FREQUENCY_ANSWERS.items()}


@pytest.fixture
def api():
    out = io.StringIO()
    call_command("fhir_client", "rio", "--scope", "system/*.cruds", stdout=out)
    credentials = json.loads(out.getvalue())
    token = (
        Client()
        .post("/fhir/auth/token", {"grant_type": "client_credentials", **credentials})
        .json()["access_token"]
    )
    return Client(headers={"Authorization": f"Bearer {token}"})


def response_for(person, measure: str, answers: list[int | None], **extra) -> dict:
    items = []
    for code, value in zip(ITEMS[measure], answers, strict=False):
        if value is None:
            continue
        items.append(
            {
                "linkId": f"/{code}",
                "answer": [
                    {
                        "valueCoding": {"system": "http://loinc.org", "code": CODE_OF[value]},
                        # A supplied weight that disagrees with the answer: never read.
                        "extension": [
                            {
                                "url": "http://hl7.org/fhir/StructureDefinition/itemWeight",
                                "valueDecimal": 3,
                            }
                        ],
                    }
                ],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": f"Patient/{person.pk}"},
        "item": items,
        **extra,
    }


def post(api, body) -> object:
    return api.post(
        "/fhir/QuestionnaireResponse",
        data=json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/fhir+json",
    )


def test_a_phq9_is_scored_from_its_answers_and_an_observation_derived_from_it(api):
    person = ServiceUserFactory()
    supplied_total = {"linkId": "/44261-6", "answer": [{"valueInteger": 27}]}
    body = response_for(person, "PHQ9", [1, 2, 0, 1, 3, 0, 1, 2, 0])
    body["item"].append(supplied_total)
    response = post(api, body)
    assert response.status_code == 201, response.content
    stored = response.json()
    assert response["Location"].endswith(f"/fhir/QuestionnaireResponse/{stored['id']}")
    assessment = Assessment.objects.get(pk=stored["id"])
    assert assessment.complete and assessment.score == 10
    read = api.get(f"/fhir/QuestionnaireResponse/{stored['id']}").json()
    assert read["status"] == "completed"
    assert [i["answer"][0]["valueInteger"] for i in read["item"]] == [1, 2, 0, 1, 3, 0, 1, 2, 0]
    found = api.get(
        "/fhir/Observation", {"derived-from": f"QuestionnaireResponse/{stored['id']}"}
    ).json()
    [observation] = [e["resource"] for e in found["entry"]]
    assert observation["code"]["coding"][0]["code"] == "44261-6"
    assert observation["valueInteger"] == 10
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{stored['id']}"}]
    by_patient = api.get("/fhir/Observation", {"patient": f"Patient/{person.pk}"}).json()
    assert by_patient["total"] == 1
    assert api.get(f"/fhir/Observation/{observation['id']}").json() == observation
    assert not TeamAlert.objects.filter(service_user=person, urgent=True).exists()
    assert AuditEvent.objects.filter(
        object_type="fhir.QuestionnaireResponse", detail__interaction="create"
    ).exists()


def test_a_gad7_total_is_loinc_70274_6(api):
    person = ServiceUserFactory()
    response = post(api, response_for(person, "GAD7", [3, 3, 3, 3, 3, 3, 3]))
    assert response.status_code == 201
    observations = api.get("/fhir/Observation", {"patient": f"Patient/{person.pk}"}).json()
    observation = observations["entry"][0]["resource"]
    assert observation["code"]["coding"][0]["code"] == "70274-6"
    assert observation["valueInteger"] == 21


def test_phq9_item_9_above_0_raises_the_urgent_alert(api):
    person = ServiceUserFactory()
    response = post(api, response_for(person, "PHQ9", [0, 0, 0, 0, 0, 0, 0, 0, 1]))
    assert response.status_code == 201
    assert TeamAlert.objects.filter(service_user=person, urgent=True).count() == 1
    flags = api.get("/fhir/Flag", {"patient": f"Patient/{person.pk}"}).json()
    [flag] = [e["resource"] for e in flags["entry"]]
    assert flag["status"] == "active"
    assert flag["code"]["text"].startswith("Urgent: ")
    assert api.get(f"/fhir/Flag/{flag['id']}").json() == flag
    assert api.get("/fhir/Flag", {"patient": "Patient/x"}).status_code == 400


def test_a_phq9_without_item_9_is_not_complete_and_the_response_says_why(api):
    person = ServiceUserFactory()
    response = post(api, response_for(person, "PHQ9", [1, 1, 1, 1, 1, 1, 1, 1]))
    assert response.status_code == 201
    issue = response.json()["issue"][0]
    assert issue["severity"] == "warning"
    assert "44260-8" in issue["diagnostics"]
    assessment = Assessment.objects.get(service_user=person)
    assert not assessment.complete and assessment.score is None
    assert api.get("/fhir/Observation", {"patient": f"Patient/{person.pk}"}).json()["total"] == 0


def test_malformed_json_is_400_and_invalid_resources_are_422_naming_the_element(api):
    person = ServiceUserFactory()
    assert post(api, "{not json").status_code == 400
    bad_date = post(api, response_for(person, "PHQ9", [0] * 9, authored="yesterday"))
    assert bad_date.status_code == 422
    assert bad_date.json()["issue"][0]["expression"] == ["QuestionnaireResponse.authored"]
    no_subject = response_for(person, "PHQ9", [0] * 9)
    no_subject["subject"] = {"reference": "Group/1"}
    assert post(api, no_subject).json()["issue"][0]["expression"] == [
        "QuestionnaireResponse.subject"
    ]
    wrong_answer = response_for(person, "PHQ9", [0] * 9)
    wrong_answer["item"][0]["answer"][0]["valueCoding"]["code"] = "LA0000-0"
    refused = post(api, wrong_answer)
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == [
        "QuestionnaireResponse.item[0].answer[0].valueCoding.code"
    ]
    not_phq = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": f"Patient/{person.pk}"},
        "item": [{"linkId": "q1", "answer": [{"valueInteger": 1}]}],
    }
    assert post(api, not_phq).status_code == 422
    assert not Assessment.objects.exists()


def dialog_response(person, ratings: dict[str, int], more_help: set[str] = frozenset()) -> dict:
    items = []
    for key, value in ratings.items():
        items.append({"linkId": key, "answer": [{"valueInteger": value}]})
        items.append({"linkId": f"{key}_more_help", "answer": [{"valueBoolean": key in more_help}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": f"Patient/{person.pk}"},
        "item": items,
    }


def test_a_dialog_response_is_stored_with_its_means_and_more_help(api):
    from caremode.interop.questionnaires import DIALOG_KEYS

    person = ServiceUserFactory()
    # Life domains 4 (mean 4.00), treatment aspects 6 (mean 6.00).
    ratings = {key: (4 if n < 8 else 6) for n, key in enumerate(DIALOG_KEYS)}
    response = post(api, dialog_response(person, ratings, {"dialog_job", "dialog_medication"}))
    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get(service_user=person)
    assert assessment.measure == "DIALOG" and assessment.complete
    assert assessment.score == 4 and assessment.treatment_mean == 6
    assert sorted(assessment.more_help) == ["dialog_job", "dialog_medication"]
    read = api.get(f"/fhir/QuestionnaireResponse/{assessment.pk}").json()
    assert read["questionnaire"].endswith("/fhir/Questionnaire/DIALOG")
    answered = {i["linkId"]: i["answer"][0] for i in read["item"]}
    assert answered["dialog_safety"] == {"valueInteger": 4}
    assert answered["dialog_job_more_help"] == {"valueBoolean": True}
    assert answered["dialog_safety_more_help"] == {"valueBoolean": False}
    # DIALOG has no LOINC total: no Observation.
    assert api.get("/fhir/Observation", {"patient": f"Patient/{person.pk}"}).json()["total"] == 0


def test_a_dialog_rating_outside_1_to_7_is_refused_and_a_missing_one_leaves_it_incomplete(api):
    from caremode.interop.questionnaires import DIALOG_KEYS

    person = ServiceUserFactory()
    ratings = dict.fromkeys(DIALOG_KEYS, 5)
    ratings["dialog_friendships"] = 0
    refused = post(api, dialog_response(person, ratings))
    assert refused.status_code == 422
    [expression] = refused.json()["issue"][0]["expression"]
    assert expression.endswith(".answer[0].valueInteger")
    assert not Assessment.objects.exists()
    del ratings["dialog_friendships"]
    partial = post(api, dialog_response(person, ratings))
    assert partial.status_code == 201
    assert "dialog_friendships" in partial.json()["issue"][0]["diagnostics"]
    assert not Assessment.objects.get(service_user=person).complete


def test_every_emitted_resource_validates_with_fhir_resources_r4(api):
    """One pass over every kind of resource the API emits: each body parsed by its R4 model."""
    import datetime as dt

    from django.utils import timezone
    from fhir.resources import construct_fhir_element

    from caremode.people.services import revoke_consent
    from tests.factories import CarerConsentFactory, ContactFactory, UserFactory

    person = ServiceUserFactory(interpreter_needed=True)
    # Item 9 above 0: an urgent alert, so a Flag to read as well.
    created = post(api, response_for(person, "PHQ9", [1] * 9)).json()
    from caremode.interop.questionnaires import DIALOG_KEYS

    dialog = post(api, dialog_response(person, dict.fromkeys(DIALOG_KEYS, 3))).json()
    clinician = UserFactory(first_name="Ann", last_name="Smith", professional_group="Nurse")
    consent = CarerConsentFactory(service_user=person)
    revoked = CarerConsentFactory(service_user=person, scope_assessment_input=True)
    revoke_consent(actor=clinician, consent=revoked)
    held = ContactFactory(
        service_user=person,
        clinician=clinician,
        start=timezone.now() - dt.timedelta(days=3),
        attend_status="5",
        mode_used="face_to_face",
    )
    ContactFactory(
        service_user=person, start=timezone.now() - dt.timedelta(days=2), attend_status="2"
    )
    ContactFactory(service_user=person, planned_mode="email")
    patient = {"patient": f"Patient/{person.pk}"}
    bodies = [
        api.get("/fhir/metadata").json(),
        api.get(f"/fhir/Patient/{person.pk}").json(),
        api.get("/fhir/Patient").json(),
        api.get(f"/fhir/QuestionnaireResponse/{created['id']}").json(),
        api.get(f"/fhir/QuestionnaireResponse/{dialog['id']}").json(),
        api.get(f"/fhir/Observation/{created['id']}").json(),
        api.get("/fhir/Observation").json(),
        api.get("/fhir/Flag").json(),
        api.get(f"/fhir/Flag/{TeamAlert.objects.filter(service_user=person).first().pk}").json(),
        api.get(f"/fhir/Practitioner/{clinician.pk}").json(),
        api.get("/fhir/Practitioner").json(),
        api.get(f"/fhir/RelatedPerson/{consent.carer_id}-{person.pk}").json(),
        api.get("/fhir/RelatedPerson", patient).json(),
        api.get(f"/fhir/Consent/{consent.pk}").json(),
        api.get("/fhir/Consent", patient).json(),
        api.get(f"/fhir/Appointment/{held.pk}").json(),
        api.get("/fhir/Appointment", patient).json(),
        api.get(f"/fhir/Encounter/{held.pk}").json(),
        api.get("/fhir/Encounter", patient).json(),
        api.get("/fhir/Questionnaire").json(),
        *(api.get(f"/fhir/Questionnaire/{q}").json() for q in ("PHQ9", "GAD7", "DIALOG")),
        post(api, "{").json(),
    ]
    kinds = {b["resourceType"] for b in bodies}
    assert (
        set(fhir_resources.CAPABILITIES) | {"CapabilityStatement", "Bundle", "OperationOutcome"}
        == kinds
    )
    for body in bodies:
        construct_fhir_element(body["resourceType"], body)
        for entry in body.get("entry", []) if body["resourceType"] == "Bundle" else []:
            construct_fhir_element(entry["resource"]["resourceType"], entry["resource"])
    searched = {
        e["resource"]["resourceType"]
        for b in bodies
        if b["resourceType"] == "Bundle"
        for e in b["entry"]
    }
    # Every searchable resource came back inside a searchset as well as on its own.
    assert searched == set(fhir_resources.CAPABILITIES) - {"QuestionnaireResponse"}
