"""CareMode's records as FHIR R4 / UK Core resources (hand-written mappings only), and the
CapabilityStatement of what the API serves. Every resource made here is validated by
`fhir.resources` (R4 4.0.1) before it leaves."""

from __future__ import annotations

from typing import Any

from fhir.resources import construct_fhir_element

from caremode.interop import questionnaires
from caremode.monitoring.models import Assessment
from caremode.people.models import ServiceUser
from caremode.scheduling.models import TeamAlert

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ETHNIC_CATEGORY_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
INTERPRETER_REQUIRED_URL = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
# NHS Data Dictionary person stated gender codes → FHIR administrative gender.
GENDER = {"1": "male", "2": "female", "9": "other", "X": "unknown"}

# The resources the API serves: interactions and search parameters (name, type).
CAPABILITIES: dict[str, dict[str, Any]] = {
    "Patient": {
        "interactions": ("read", "search-type"),
        "search": (("identifier", "token"),),
    },
    "QuestionnaireResponse": {"interactions": ("read", "create"), "search": ()},
    "Flag": {"interactions": ("read", "search-type"), "search": (("patient", "reference"),)},
    "Observation": {
        "interactions": ("read", "search-type"),
        "search": (("patient", "reference"), ("derived-from", "reference")),
    },
}


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, checked against its FHIR R4 model (raises pydantic's ValidationError)."""
    construct_fhir_element(resource["resourceType"], resource)
    return resource


def patient(person: ServiceUser) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "Patient",
            "id": str(person.pk),
            "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number}],
            "name": [
                {"use": "official", "family": person.family_name, "given": [person.given_name]}
            ],
            "gender": GENDER.get(person.gender, "unknown"),
            "birthDate": person.date_of_birth.isoformat(),
            "extension": [
                {
                    "url": ETHNIC_CATEGORY_URL,
                    "valueCodeableConcept": {
                        "coding": [
                            {
                                "system": ETHNIC_CATEGORY_SYSTEM,
                                "code": person.ethnic_category,
                                "display": person.get_ethnic_category_display(),
                            }
                        ]
                    },
                },
                {"url": INTERPRETER_REQUIRED_URL, "valueBoolean": person.interpreter_needed},
            ],
            "communication": [
                {
                    "language": {
                        "coding": [
                            {
                                "system": LANGUAGE_SYSTEM,
                                "code": person.main_language,
                                "display": person.get_main_language_display(),
                            }
                        ]
                    },
                    "preferred": True,
                }
            ],
        }
    )


def capability_statement(base_url: str, date: str) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date,
            "kind": "instance",
            "software": {"name": "CareMode"},
            "implementation": {"description": "CareMode FHIR API", "url": base_url},
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "service": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/"
                                        "restful-security-service",
                                        "code": "SMART-on-FHIR",
                                    }
                                ]
                            }
                        ],
                        "description": "OAuth 2.0 client credentials at auth/token; SMART v2 "
                        "system scopes.",
                    },
                    "resource": [
                        {
                            "type": name,
                            "interaction": [{"code": code} for code in spec["interactions"]],
                            "searchParam": [
                                {"name": param, "type": kind} for param, kind in spec["search"]
                            ],
                        }
                        for name, spec in CAPABILITIES.items()
                    ],
                }
            ],
        }
    )


def searchset(base_url: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "entry": [
                {
                    "fullUrl": f"{base_url}{r['resourceType']}/{r['id']}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in resources
            ],
        }
    )


def operation_outcome(
    code: str, diagnostics: str, expression: str = "", severity: str = "error"
) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return validated({"resourceType": "OperationOutcome", "issue": [issue]})


def questionnaire_response(assessment: Assessment) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(assessment.pk),
            "status": "completed" if assessment.complete else "in-progress",
            "subject": {"reference": f"Patient/{assessment.service_user_id}"},
            "authored": assessment.taken_at.isoformat(),
            "item": questionnaires.response_items(assessment.measure, assessment.answers),
        }
    )


def observation(assessment: Assessment) -> dict[str, Any]:
    """The total CareMode computed, derived from its QuestionnaireResponse (complete ones only)."""
    code, display = questionnaires.TOTAL[assessment.measure]
    return validated(
        {
            "resourceType": "Observation",
            "id": str(assessment.pk),
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "survey",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [{"system": questionnaires.LOINC, "code": code, "display": display}]
            },
            "subject": {"reference": f"Patient/{assessment.service_user_id}"},
            "effectiveDateTime": assessment.taken_at.isoformat(),
            "valueInteger": int(assessment.score or 0),
            "derivedFrom": [{"reference": f"QuestionnaireResponse/{assessment.pk}"}],
        }
    )


def flag(alert: TeamAlert) -> dict[str, Any]:
    """A team alert about the person: active until the team resolves it."""
    period = {"start": alert.raised_at.isoformat()}
    if alert.resolved_at is not None:
        period["end"] = alert.resolved_at.isoformat()
    return validated(
        {
            "resourceType": "Flag",
            "id": str(alert.pk),
            "status": "active" if alert.resolved_at is None else "inactive",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                            "code": "clinical",
                        }
                    ]
                }
            ],
            "code": {"text": ("Urgent: " if alert.urgent else "") + alert.message},
            "subject": {"reference": f"Patient/{alert.service_user_id}"},
            "period": period,
        }
    )
