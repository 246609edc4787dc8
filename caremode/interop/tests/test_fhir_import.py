"""The import from a record system: `caremode fhir_import FILE` (collection and transaction
Bundles, NDJSON) and `POST /fhir/` with a transaction Bundle, `POST /fhir/Patient`. People
matched by NHS number (updated, never duplicated), references by urn:uuid and by condition,
unknown extensions counted, codes not mapped reported, all or nothing, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from caremode.audit.models import AuditEvent
from caremode.decisions.selectors import build_context
from caremode.interop import fhir_resources
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling.models import Contact
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    ServiceUserFactory,
    TeamFactory,
    UserFactory,
    clinician_in,
    next_working_day_at,
)

from .test_fhir_care import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_client_secrets")]
NHS = fhir_resources.NHS_NUMBER_SYSTEM
NUMBER = "9434765919"
OTHER_NUMBER = "9434765870"
US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"


def patient(number: str = NUMBER, **extra) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": number}],
        "name": [{"use": "official", "family": "Okafor", "given": ["Ada"]}],
        "gender": "female",
        "birthDate": "1990-04-02",
        "address": [{"use": "home", "postalCode": "LS6 2AB"}],
        "extension": [
            {
                "url": fhir_resources.ETHNIC_CATEGORY_URL,
                "valueCodeableConcept": {
                    "coding": [{"system": fhir_resources.ETHNIC_CATEGORY_SYSTEM, "code": "N"}]
                },
            }
        ],
        **extra,
    }


def practitioner(username: str) -> dict:
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": fhir_resources.staff_username_system(), "value": username}],
    }


def appointment(patient_ref: str, practitioner_ref: str, start) -> dict:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "extension": [{"url": fhir_resources.DELIVERY_CHANNEL_URL, "valueCode": "Video"}],
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
        "minutesDuration": 60,
        "participant": [
            {"actor": {"reference": patient_ref}, "status": "accepted"},
            {"actor": {"reference": practitioner_ref}, "status": "accepted"},
        ],
    }


def carer_and_consent(patient_ref: str, carer_url: str) -> list[dict]:
    carer = {
        "resourceType": "RelatedPerson",
        "patient": {"reference": patient_ref},
        "name": [{"family": "Okafor", "given": ["Chidi"]}],
        "relationship": [{"text": "Brother"}],
    }
    consent = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"coding": [{"code": "59284-0"}]}],
        "patient": {"reference": patient_ref},
        "provision": {
            "type": "permit",
            "actor": [
                {
                    "role": {"coding": [{"code": "CAREGIVER"}]},
                    "reference": {"reference": carer_url},
                }
            ],
            "action": [
                {
                    "coding": [
                        {
                            "system": fhir_resources.local_system("CodeSystem/carer-consent-scope"),
                            "code": "appointment-details",
                        }
                    ]
                }
            ],
        },
    }
    return [carer, consent]


def bundle(kind: str, resources: list[dict], urls: list[str] | None = None) -> dict:
    urls = urls or [f"urn:uuid:00000000-0000-4000-8000-{n:012d}" for n in range(len(resources))]
    entries = []
    for url, resource in zip(urls, resources, strict=True):
        entry = {"fullUrl": url, "resource": resource}
        if kind == "transaction":
            entry["request"] = {"method": "POST", "url": resource["resourceType"]}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


@pytest.fixture
def world():
    team = TeamFactory(name="North CMHT")
    clinician = clinician_in(team, username="asmith")
    admin = UserFactory(role="admin", username="ops")
    return team, clinician, admin


def run(tmp_path: Path, content, *extra: str, user: str = "ops", team: str | None = "North CMHT"):
    path = tmp_path / "import.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    out = io.StringIO()
    args = [str(path), "--user", user, "--json", *extra]
    if team:
        args += ["--team", team]
    call_command("fhir_import", *args, stdout=out)
    return json.loads(out.getvalue())


def actions(report) -> list[tuple[str, str, str]]:
    return [(e["where"], e["resource"].split("/")[0], e["action"]) for e in report["entries"]]


def full_bundle(kind: str = "collection") -> dict:
    start = next_working_day_at(10)
    urls = [f"urn:uuid:00000000-0000-4000-8000-{n:012d}" for n in range(5)]
    resources = [
        patient(),
        practitioner("asmith"),
        *carer_and_consent(urls[0], urls[2]),
        appointment(urls[0], urls[1], start),
    ]
    return bundle(kind, resources, urls)


def test_a_collection_bundle_imports_people_carers_and_appointments_and_again_changes_nothing(
    world, tmp_path
):
    team, clinician, _ = world
    first = run(tmp_path, full_bundle())
    assert first["counts"] == {"created": 4, "updated": 0, "unchanged": 1, "skipped": 0}
    assert actions(first) == [
        ("entry[0]", "Patient", "created"),
        ("entry[1]", "Practitioner", "unchanged"),
        ("entry[2]", "RelatedPerson", "created"),
        ("entry[3]", "Consent", "created"),
        ("entry[4]", "Appointment", "created"),
    ]
    person = ServiceUser.objects.get(nhs_number=NUMBER)
    assert (person.given_name, person.family_name, person.team) == ("Ada", "Okafor", team)
    assert (person.ethnic_category, person.postcode_district, person.rurality) == ("N", "LS6", "")
    contact = Contact.objects.get(service_user=person)
    assert (contact.clinician, contact.planned_mode) == (clinician, "video")
    assert person.consents.get().carer.relationship == "Brother"
    assert [t["what"] for t in first["to_complete"]] == [
        "area (urban or rural): not carried by FHIR, not known until recorded on the record's "
        '"Where they live" page'
    ]

    again = run(tmp_path, full_bundle())
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 0}
    assert ServiceUser.objects.count() == 1
    assert Contact.objects.count() == 1
    assert Carer.objects.count() == 1
    summary = AuditEvent.objects.filter(object_type="fhir.import").order_by("pk")
    assert [e.detail["counts"]["created"] for e in summary] == [4, 0]
    assert summary[0].actor.username == "ops"
    assert AuditEvent.objects.filter(
        object_type="people.ServiceUser", subject_id=person.pk, action="create"
    ).exists()


def test_ndjson_imports_with_conditional_references_and_a_rerun_is_unchanged(world, tmp_path):
    start = next_working_day_at(11)
    lines = [
        patient(),
        appointment(
            f"Patient?identifier={NHS}|{NUMBER}",
            f"Practitioner?identifier={fhir_resources.staff_username_system()}|asmith",
            start,
        ),
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    first = run(tmp_path, text)
    assert actions(first) == [
        ("line 1", "Patient", "created"),
        ("line 2", "Appointment", "created"),
    ]
    assert run(tmp_path, text)["counts"]["unchanged"] == 2
    assert Contact.objects.get().start == start


def test_an_existing_person_is_updated_by_nhs_number_and_never_duplicated(world, tmp_path):
    team, _, _ = world
    held = ServiceUserFactory(
        nhs_number=NUMBER, given_name="Ada", family_name="Okafor", team=team, ethnic_category="A"
    )
    report = run(tmp_path, bundle("collection", [patient(birthDate="1990-04-02")]), team=None)
    assert actions(report) == [("entry[0]", "Patient", "updated")]
    held.refresh_from_db()
    assert (held.ethnic_category, held.date_of_birth.isoformat()) == ("N", "1990-04-02")
    assert held.rurality == "urban"  # what the team recorded is kept
    assert ServiceUser.objects.count() == 1
    change = AuditEvent.objects.get(subject_id=held.pk, action="update")
    assert change.detail["registered_details"]["ethnic_category"] == {"old": "A", "new": "N"}


def test_the_same_nhs_number_with_another_name_and_birth_date_is_never_merged(world, tmp_path):
    ServiceUserFactory(nhs_number=NUMBER, family_name="Jones", date_of_birth="1950-01-01")
    report = run(tmp_path, bundle("collection", [patient()]))
    [entry] = report["entries"]
    assert entry["action"] == "skipped"
    assert "check the NHS number" in entry["reason"]
    assert ServiceUser.objects.get().family_name == "Jones"


def test_unknown_extensions_are_counted_and_us_core_race_is_reported_not_guessed(world, tmp_path):
    race = {
        "url": US_CORE_RACE,
        "extension": [{"url": "ombCategory", "valueCoding": {"code": "2106-3"}}],
    }
    odd = {"url": "https://example.org/fhir/favourite-colour", "valueString": "green"}
    resource = patient(extension=[race, odd, odd])
    resource["name"][0]["extension"] = [odd]
    report = run(tmp_path, bundle("collection", [resource]))
    assert report["unknown_extensions"] == {odd["url"]: 3}
    [unmapped] = report["unmapped"]
    assert (unmapped["where"], unmapped["expression"]) == ("entry[0]", "Patient.extension[0]")
    assert "not an NHS ethnic category" in unmapped["note"]
    assert ServiceUser.objects.get().ethnic_category == "99"  # not known, never guessed


def test_one_bad_entry_in_a_bundle_writes_nothing_and_the_error_names_entry_and_element(
    world, tmp_path
):
    for kind in ("transaction", "collection"):
        content = bundle(kind, [patient(), patient(OTHER_NUMBER[:-1] + "1")])
        with pytest.raises(CommandError) as refused:
            run(tmp_path, content)
        assert "Nothing was imported" in str(refused.value)
        assert "entry[1]" in str(refused.value)
        assert "identifier[0].value" in str(refused.value)
    with pytest.raises(CommandError, match=r"entry\[0\], Patient.birthDate"):
        run(tmp_path, bundle("collection", [patient(birthDate="the second of April")]))
    with pytest.raises(CommandError, match=r"line 2"):
        run(tmp_path, json.dumps(patient()) + "\n{not json\n")
    assert ServiceUser.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="fhir.import").exists()


def test_a_transaction_refuses_an_entry_a_collection_would_skip(world, tmp_path):
    nameless = patient()
    del nameless["identifier"]
    report = run(tmp_path, bundle("collection", [patient(), nameless]))
    assert actions(report)[1] == ("entry[1]", "Patient", "skipped")
    assert report["entries"][1]["reason"] == "no NHS number"
    ServiceUser.objects.all().delete()
    with pytest.raises(CommandError, match=r"entry\[1\].*no NHS number"):
        run(tmp_path, bundle("transaction", [patient(), nameless]))
    assert ServiceUser.objects.count() == 0


def test_an_unknown_practitioner_skips_the_appointment_with_the_reason(world, tmp_path):
    urls = ["urn:uuid:a", "urn:uuid:b", "urn:uuid:c"]
    content = bundle(
        "collection",
        [patient(), practitioner("nobody"), appointment(urls[0], urls[1], next_working_day_at(9))],
        urls,
    )
    report = run(tmp_path, content)
    assert [e["action"] for e in report["entries"]] == ["created", "skipped", "skipped"]
    assert (
        "no member of CareMode's staff has the username 'nobody'" in report["entries"][1]["reason"]
    )
    assert "its Practitioner (entry[1]) was skipped" in report["entries"][2]["reason"]
    assert Contact.objects.count() == 0


def test_new_people_need_a_team_and_only_an_administrator_imports(world, tmp_path):
    with pytest.raises(CommandError, match="no team was named"):
        run(tmp_path, bundle("collection", [patient()]), team=None)
    with pytest.raises(CommandError, match="only an administrator"):
        run(tmp_path, bundle("collection", [patient()]), user="asmith")
    assert ServiceUser.objects.count() == 0


def test_the_printed_summary_names_each_outcome(world, tmp_path):
    path = tmp_path / "import.json"
    path.write_text(json.dumps(bundle("collection", [patient(extension=[{"url": US_CORE_RACE}])])))
    out = io.StringIO()
    call_command("fhir_import", str(path), "--user", "ops", "--team", "North CMHT", stdout=out)
    text = out.getvalue()
    assert "1 created, 0 updated, 0 unchanged, 0 skipped" in text
    assert "Patient.extension[0]" in text
    assert "area (urban or rural)" in text


# The FHIR API: POST /fhir/ (transaction) and POST /fhir/Patient


def post(api, body, url="/fhir/", **headers):
    return api.post(url, data=json.dumps(body), content_type="application/fhir+json", **headers)


def test_a_transaction_bundle_is_imported_and_answered_with_a_transaction_response(world):
    team, _, _ = world
    api = bearer("system/*.cruds", "--team", "North CMHT")
    response = post(api, full_bundle("transaction"))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["201 Created", "200 OK", "201 Created", "201 Created", "201 Created"]
    person = ServiceUser.objects.get(nhs_number=NUMBER)
    assert answer["entry"][0]["response"]["location"].endswith(f"/fhir/Patient/{person.pk}")
    assert person.team == team
    again = post(api, full_bundle("transaction")).json()
    assert {e["response"]["status"] for e in again["entry"]} == {"200 OK"}
    audit = AuditEvent.objects.filter(object_type="fhir.Bundle", detail__interaction="transaction")
    assert audit.count() == 2
    assert audit.first().detail["subjects"] == [person.pk]


def test_a_transaction_needs_the_scope_of_each_write(world):
    api = bearer("system/Patient.rs system/Appointment.crs", "--team", "North CMHT")
    response = post(api, bundle("transaction", [patient()]))
    assert response.status_code == 403
    assert response.json()["issue"][0]["expression"] == ["Bundle.entry[0].resource"]
    assert ServiceUser.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="fhir.Bundle", detail__status=403).exists()


def test_a_bad_transaction_is_422_naming_the_entrys_element_and_writes_nothing(world):
    api = bearer("system/*.cruds", "--team", "North CMHT")
    bad = post(api, bundle("transaction", [patient(), patient(birthDate="soon")]))
    assert bad.status_code == 422
    assert bad.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.birthDate"]
    nameless = patient()
    del nameless["identifier"]
    refused = post(api, bundle("transaction", [patient(), nameless]))
    assert refused.status_code == 422
    assert "no NHS number" in refused.json()["issue"][0]["diagnostics"]
    assert post(api, bundle("collection", [patient()])).status_code == 422
    assert api.post("/fhir/", data="{", content_type="application/fhir+json").status_code == 400
    assert ServiceUser.objects.count() == 0


def test_a_patient_is_created_then_updated_by_nhs_number_and_if_none_exist_changes_nothing(world):
    team, _, _ = world
    assert ServiceUser.objects.filter(team=team).count() == 0
    api = bearer("system/Patient.cru", "--team", "North CMHT")
    created = post(api, patient(), "/fhir/Patient")
    assert created.status_code == 201, created.content
    person = ServiceUser.objects.get()
    assert created["Location"].endswith(f"/fhir/Patient/{person.pk}")
    assert created.json()["identifier"][0]["value"] == NUMBER
    renamed = patient()
    renamed["name"][0]["family"] = "Okafor-Reid"
    updated = post(api, renamed, "/fhir/Patient")
    assert updated.status_code == 200
    assert updated.json()["name"][0]["family"] == "Okafor-Reid"
    kept = post(api, patient(), "/fhir/Patient", HTTP_IF_NONE_EXIST=f"identifier={NHS}|{NUMBER}")
    assert kept.status_code == 200
    assert kept.json()["name"][0]["family"] == "Okafor-Reid"
    assert ServiceUser.objects.get().team == team
    creates = AuditEvent.objects.filter(object_type="fhir.Patient", detail__interaction="create")
    assert creates.count() == 3


def test_a_client_without_a_team_cannot_add_people(world):
    response = post(bearer("system/Patient.cru"), patient(), "/fhir/Patient")
    assert response.status_code == 422
    assert "no team" in response.json()["issue"][0]["diagnostics"]
    assert ServiceUser.objects.count() == 0


def test_an_imported_persons_unknown_area_is_counted_as_unknown(world, tmp_path):
    team, clinician, _ = world
    run(tmp_path, bundle("collection", [patient()]))
    imported = ServiceUser.objects.get(nhs_number=NUMBER)
    assert imported.rurality == ""
    context = build_context(imported, clinician=clinician, consultation_type="care_coordination")
    assert context.rurality is None
    recorded = ServiceUserFactory(team=team, rurality="urban")
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        for person in (imported, recorded):
            ContactFactory(
                service_user=person, clinician=clinician, attend_status="5", mode_used="video"
            )
    extract = tmp_path / "contacts.csv"
    call_command("extract", "--out", str(extract))
    rows = list(csv.DictReader(extract.open()))
    assert sorted(r["Rurality"] for r in rows) == ["", "urban"]
    out = tmp_path / "results"
    call_command("evaluate", str(extract), "--out", str(out), "--only", "results")
    measures = json.loads((out / "results.json").read_text())["measures"]
    groups = {m["group"] for m in measures if m["dimension"] == "rurality"}
    assert groups == {"Unknown", "urban"}


def test_a_person_the_record_system_says_has_died_is_not_imported_and_the_team_is_told(
    world, tmp_path
):
    team, _, _ = world
    held = ServiceUserFactory(nhs_number=NUMBER, family_name="Okafor", team=team)
    report = run(
        tmp_path,
        bundle("collection", [patient(deceasedBoolean=True), patient(OTHER_NUMBER, active=False)]),
    )
    assert [e["reason"] for e in report["entries"]] == [
        "the record system records that this person has died",
        "the record is inactive or replaced by another (a merged record)",
    ]
    assert report["to_complete"] == [
        {
            "where": "entry[0]",
            "record": f"Patient/{held.pk}",
            "what": "not updated: the record system records that this person has died",
        }
    ]
    assert ServiceUser.objects.count() == 1


def test_a_telephone_number_or_email_caremode_cannot_use_is_left_out_and_listed(world, tmp_path):
    telecom = [
        {"system": "phone", "value": "(03) 5555 6473", "use": "mobile"},
        {"system": "email", "value": "not an address", "use": "home"},
    ]
    report = run(tmp_path, bundle("collection", [patient(telecom=telecom)]))
    person = ServiceUser.objects.get()
    assert (person.phone, person.email) == ("", "")
    assert [u["value"] for u in report["unmapped"]] == ["(03) 5555 6473", "not an address"]
    usable = [{"system": "phone", "value": "07700 900123", "use": "mobile"}]
    again = run(tmp_path, bundle("collection", [patient(telecom=usable)]))
    assert actions(again) == [("entry[0]", "Patient", "updated")]
    person.refresh_from_db()
    assert person.phone == "07700 900123"


def test_the_administrators_page_says_which_team_a_client_adds_people_to(world):
    from django.test import Client

    from tests.factories import signed_in

    _, _, admin = world
    scope = ("--scope", "system/Patient.c")
    call_command("fhir_client", "rio", *scope, "--team", "North CMHT", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no team is called or numbered 'Nowhere'"):
        call_command("fhir_client", "epr", *scope, "--team", "Nowhere")
    page = Client()
    signed_in(page, admin)
    assert "Adds new people to North CMHT" in page.get("/system-clients/").content.decode()


def test_an_imported_appointment_invites_a_carer_only_while_consent_to_join_stands(world, tmp_path):
    team, clinician, _admin = world
    person = ServiceUserFactory(team=team, nhs_number=NUMBER)
    joins = CarerConsentFactory(service_user=person)
    told_only = CarerConsentFactory(
        service_user=person, scope_join_contacts=False, scope_appointment_details=True
    )

    def with_carer(consent, hour):
        booked = appointment(f"Patient/{person.pk}", f"Practitioner/{clinician.pk}", hour)
        carer = fhir_resources.related_person_id(consent)
        booked["participant"].append(
            {"actor": {"reference": f"RelatedPerson/{carer}"}, "status": "needs-action"}
        )
        return booked

    content = bundle(
        "collection",
        [
            with_carer(joins, next_working_day_at(9)),
            with_carer(told_only, next_working_day_at(11)),
        ],
    )
    report = run(tmp_path, content)
    assert [e["action"] for e in report["entries"]] == ["created", "skipped"]
    assert "has not agreed that" in report["entries"][1]["reason"]
    (contact,) = Contact.objects.all()
    assert contact.carer_invited == joins.carer


def test_a_twin_under_a_mistyped_nhs_number_is_never_overwritten(world, tmp_path):
    team, _, _ = world
    twin = ServiceUserFactory(
        nhs_number=NUMBER,
        given_name="Ngozi",
        family_name="Okafor",
        date_of_birth=dt.date(1990, 4, 2),
        phone="07700900111",
        team=team,
    )
    report = run(
        tmp_path,
        bundle("collection", [patient(telecom=[{"system": "phone", "value": "07700 900222"}])]),
    )
    [entry] = report["entries"]
    assert entry["action"] == "skipped" and "another given name" in entry["reason"]
    twin.refresh_from_db()
    assert (twin.given_name, twin.phone) == ("Ngozi", "07700900111")


def test_an_analytics_client_writes_no_one_and_a_write_only_client_reads_nothing_back(world):
    team, _, _ = world
    held = ServiceUserFactory(nhs_number=NUMBER, given_name="Ada", family_name="Okafor", team=team)
    ServiceUser.objects.filter(pk=held.pk).update(processing_restricted=True)
    analytics = bearer("system/Patient.cru", "--analytics", name="stats")
    refused = post(analytics, patient(), url="/fhir/Patient")
    assert refused.status_code == 403
    assert post(analytics, bundle("transaction", [patient()])).status_code == 403
    assert ServiceUser.objects.get(pk=held.pk).family_name == "Okafor"
    ServiceUser.objects.filter(pk=held.pk).update(processing_restricted=False)
    writer = bearer("system/Patient.cu", name="writer")
    done = post(writer, patient(birthDate="1990-04-03"), url="/fhir/Patient")
    assert done.status_code == 200 and done["Location"].endswith(f"Patient/{held.pk}")
    assert done.json() == {}


def test_odd_bundles_are_refused_naming_the_element_never_a_server_error(world):
    api = bearer("system/*.cruds")
    bad_request = bundle("transaction", [patient()])
    bad_request["entry"][0]["request"] = "POST Patient"
    answer = post(api, bad_request)
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["Bundle.entry[0].request"]
    twice = bundle("transaction", [patient(), patient(OTHER_NUMBER)], ["urn:uuid:a", "urn:uuid:a"])
    answer = post(api, twice)
    assert answer.status_code == 422 and "fullUrl" in answer.json()["issue"][0]["diagnostics"]
    deep = (
        '{"resourceType": "Bundle", "type": "transaction", "entry": '
        + "[" * 50_000
        + "]" * 50_000
        + "}"
    )
    answer = api.post("/fhir/", deep, content_type="application/fhir+json")
    assert answer.status_code == 400
    assert ServiceUser.objects.count() == 0


def test_a_conditional_put_must_name_the_patients_own_nhs_number(world):
    api = bearer("system/*.cruds", "--team", "North CMHT")
    sent = bundle("transaction", [patient()])
    sent["entry"][0]["request"] = {
        "method": "PUT",
        "url": f"Patient?identifier={NHS}|{OTHER_NUMBER}",
    }
    answer = post(api, sent)
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["Bundle.entry[0].request.url"]
    sent["entry"][0]["request"]["url"] = f"Patient?identifier={NHS}|{NUMBER}"
    done = post(api, sent)
    assert done.status_code == 200, done.json()
    assert ServiceUser.objects.get().nhs_number == NUMBER


def test_a_client_that_may_not_read_learns_nothing_from_refusals(world):
    """Refusals are decided before CareMode looks at what it holds, so the answer is the same
    whether or not the person, the carer or the appointment exists."""
    team, clinician, _ = world
    held = ServiceUserFactory(nhs_number=NUMBER, team=team)
    carer_only = bearer("system/RelatedPerson.c system/Consent.c", name="carers")
    answers = []
    for number in (NUMBER, OTHER_NUMBER):
        reference = f"Patient?identifier={NHS}|{number}"
        answer = post(
            carer_only,
            bundle(
                "transaction",
                carer_and_consent(reference, "urn:uuid:1"),
                ["urn:uuid:0", "urn:uuid:1"][::-1],
            ),
        )
        answers.append((answer.status_code, answer.json()["issue"][0]["diagnostics"]))
    assert answers[0][0] == answers[1][0] == 403
    assert answers[0][1].replace(NUMBER, "N") == answers[1][1].replace(OTHER_NUMBER, "N")
    assert not Carer.objects.exists()
    booked = ContactFactory(service_user=held, clinician=clinician, start=next_working_day_at(10))
    booker = bearer("system/Appointment.c system/Patient.r system/Practitioner.r", name="booker")
    clash = appointment(f"Patient/{held.pk}", f"Practitioner/{clinician.pk}", booked.start)
    clash["minutesDuration"] = 30
    answer = post(booker, bundle("transaction", [clash]))
    assert answer.status_code == 409
    assert f"Appointment/{booked.pk}" not in answer.json()["issue"][0]["diagnostics"]
