"""CareMode's records as FHIR R4 / UK Core resources (hand-written mappings only), and the
CapabilityStatement of what the API serves. Every resource made here is validated by
`fhir.resources` (R4 4.0.1) before it leaves."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from fhir.resources import construct_fhir_element

from caremode.accounts.models import User
from caremode.core import codes
from caremode.core.presenters import interpreter_words
from caremode.interop import questionnaires
from caremode.monitoring.models import Assessment
from caremode.people.consent import carers_joining_to_systems, scope_codes
from caremode.people.models import CarerConsent, ServiceUser
from caremode.rooms.selectors import contacts_a_carer_joined
from caremode.scheduling.models import Contact, TeamAlert

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ETHNIC_CATEGORY_URL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
INTERPRETER_REQUIRED_URL = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
DELIVERY_CHANNEL_URL = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeliveryChannel"
)
# UK Core DeliveryChannel codes ↔ CareMode's modes. Text message and email have no channel: an
# Appointment in those modes carries no DeliveryChannel rather than a wrong one.
DELIVERY_CHANNEL = {"face_to_face": "In-person", "telephone": "Telephone", "video": "Video"}
MODE_OF_CHANNEL = {channel: mode for mode, channel in DELIVERY_CHANNEL.items()}
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# Encounter class from the mode used: ambulatory (face to face) or virtual (every remote mode).
# HH (home health) is not emitted: CareMode does not record where a face-to-face contact was.
ENCOUNTER_CLASS = {
    "face_to_face": ("AMB", "ambulatory"),
    "video": ("VR", "virtual"),
    "telephone": ("VR", "virtual"),
    "text": ("VR", "virtual"),
    "email": ("VR", "virtual"),
}
# Encounter type from a remote mode used (SNOMED CT, docs/data-standards.md); face to face and
# email have no such code here and carry none.
SNOMED = "http://snomed.info/sct"
ENCOUNTER_TYPE = {
    "telephone": ("185317003", "Telephone encounter"),
    "video": ("307321000000107", "Video-link encounter"),
    "text": ("445450000", "SMS encounter"),
}
# MHSDS AttendStatus → Appointment.status.
APPOINTMENT_STATUS = {
    "5": "fulfilled",
    "6": "fulfilled",
    "7": "noshow",
    "3": "noshow",
    "2": "cancelled",
    "4": "cancelled",
}
# Who else takes part in a contact (issue 14): an interpreter is a participant typed INTRP, with
# the language (BCP 47, the code system of Patient.communication) and how they take part as
# CareMode extensions on the participant, and the same in words in actor.display.
PARTICIPATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
INTERPRETER_TYPE = "INTRP"

# NHS Data Dictionary person stated gender codes → FHIR administrative gender.
GENDER = {"1": "male", "2": "female", "9": "other", "X": "unknown"}

# The resources the API serves: interactions and search parameters (name, type).
CAPABILITIES: dict[str, dict[str, Any]] = {
    "Patient": {
        "interactions": ("read", "search-type", "create"),
        "search": (("identifier", "token"),),
    },
    "QuestionnaireResponse": {"interactions": ("read", "create"), "search": ()},
    "Flag": {"interactions": ("read", "search-type"), "search": (("patient", "reference"),)},
    "Observation": {
        "interactions": ("read", "search-type"),
        "search": (("patient", "reference"), ("derived-from", "reference")),
    },
    "Practitioner": {"interactions": ("read", "search-type"), "search": (("identifier", "token"),)},
    "RelatedPerson": {
        "interactions": ("read", "search-type"),
        "search": (("patient", "reference"),),
    },
    "Consent": {"interactions": ("read", "search-type"), "search": (("patient", "reference"),)},
    "Appointment": {
        "interactions": ("read", "search-type", "create"),
        "search": (("patient", "reference"), ("date", "date")),
    },
    "Encounter": {
        "interactions": ("read", "search-type"),
        "search": (("patient", "reference"), ("date", "date")),
    },
    "Questionnaire": {"interactions": ("read", "search-type"), "search": ()},
}


def instant(value: dt.datetime) -> str:
    """A stored time in UTC, however it was given (the same whether just booked or read back)."""
    return value.astimezone(dt.UTC).isoformat()


def local_system(path: str) -> str:
    """A CareMode identifier or code system, under the deployment's own address."""
    return f"{settings.CAREMODE_BASE_URL.rstrip('/')}/fhir/{path}"


def staff_username_system() -> str:
    return local_system("Id/staff-username")


def consultation_type_system() -> str:
    return local_system("CodeSystem/consultation-type")


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, checked against its FHIR R4 model (raises pydantic's ValidationError)."""
    construct_fhir_element(resource["resourceType"], resource)
    return resource


def parsed(resource: dict[str, Any]) -> dict[str, Any]:
    """A received resource as its FHIR R4 model reads it (raises pydantic's ValidationError):
    each element of its FHIR type, whatever JSON type it was sent as, so a mapping that reads
    it never meets a number where FHIR has a string."""
    element = construct_fhir_element(resource["resourceType"], resource)
    normal: dict[str, Any] = json.loads(element.json())
    return normal


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
                    # POST /fhir/ with a transaction Bundle: the import (interop.importer).
                    "interaction": [{"code": "transaction"}],
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


def questionnaire_url(measure: str) -> str:
    return local_system(f"Questionnaire/{measure}")


def questionnaire(measure: str) -> dict[str, Any]:
    """The PHQ-9, GAD-7 or DIALOG definition CareMode asks, under its canonical URL."""
    return validated({**questionnaires.questionnaire(measure), "url": questionnaire_url(measure)})


def questionnaire_response(assessment: Assessment) -> dict[str, Any]:
    return validated(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(assessment.pk),
            "status": "completed" if assessment.complete else "in-progress",
            "subject": {"reference": f"Patient/{assessment.service_user_id}"},
            "authored": assessment.taken_at.isoformat(),
            "questionnaire": questionnaire_url(assessment.measure),
            "item": questionnaires.response_items(
                assessment.measure, assessment.answers, assessment.more_help
            ),
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


def practitioner(user: User) -> dict[str, Any]:
    """A member of staff who delivers contacts, identified by their CareMode username (the only
    identifier CareMode holds for staff: no GMC or NMC number is invented)."""
    name: dict[str, Any] = {"text": str(user)}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    body: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "active": user.is_active,
        "identifier": [{"system": staff_username_system(), "value": user.username}],
        "name": [name],
    }
    if user.professional_group:
        body["qualification"] = [{"code": {"text": user.professional_group}}]
    return validated(body)


def related_person_id(consent: CarerConsent) -> str:
    """A carer as the carer of one person: the same carer of two people is two RelatedPersons."""
    return related_person_ref(consent.carer_id, consent.service_user_id)


def related_person_ref(carer_id: int, service_user_id: int) -> str:
    return f"{carer_id}-{service_user_id}"


def interpreter_language_url() -> str:
    return local_system("StructureDefinition/interpreter-language")


def interpreting_url() -> str:
    return local_system("StructureDefinition/interpreting")


def interpreting_system() -> str:
    return local_system("CodeSystem/interpreting")


def interpreter_type() -> list[dict[str, Any]]:
    return [
        {
            "coding": [
                {
                    "system": PARTICIPATION_TYPE_SYSTEM,
                    "code": INTERPRETER_TYPE,
                    "display": "interpreter",
                }
            ]
        }
    ]


def _interpreter_extensions(contact: Contact) -> list[dict[str, Any]]:
    """The language (and how) of the interpreter with a contact, as far as CareMode knows it."""
    extensions: list[dict[str, Any]] = []
    if contact.interpreter_language:
        extensions.append(
            {
                "url": interpreter_language_url(),
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": LANGUAGE_SYSTEM,
                            "code": contact.interpreter_language,
                            "display": contact.get_interpreter_language_display(),
                        }
                    ]
                },
            }
        )
    if contact.interpreting:
        extensions.append(
            {
                "url": interpreting_url(),
                "valueCoding": {
                    "system": interpreting_system(),
                    "code": contact.interpreting,
                    "display": contact.get_interpreting_display(),
                },
            }
        )
    return extensions


def _interpreter_display(contact: Contact) -> str:
    return f"Interpreter: {interpreter_words(contact.interpreter_language, contact.interpreting)}"


def _carer_reference(contact: Contact) -> dict[str, Any]:
    return {
        "reference": "RelatedPerson/"
        + related_person_ref(contact.carer_invited_id or 0, contact.service_user_id),
        "display": str(contact.carer_invited),
    }


def appointment_participants(contact: Contact, *, carer: bool) -> list[dict[str, Any]]:
    """The person and the clinician (accepted); the carer invited, when `carer` (the caller has
    checked the consent and the client's scope), as needs-action: CareMode invites a carer and
    keeps no reply; the interpreter the person needs, accepted once arranged (the interpreting
    service booked, with the language and how), needs-action while only requested."""
    participants: list[dict[str, Any]] = [
        {"actor": {"reference": f"Patient/{contact.service_user_id}"}, "status": "accepted"},
        {"actor": {"reference": f"Practitioner/{contact.clinician_id}"}, "status": "accepted"},
    ]
    if carer and contact.carer_invited_id is not None:
        participants.append(
            {"actor": _carer_reference(contact), "required": "optional", "status": "needs-action"}
        )
    if contact.interpreter_needed:
        interpreter: dict[str, Any] = {
            "type": interpreter_type(),
            "actor": {"display": _interpreter_display(contact)},
            "required": "required",
            "status": "accepted" if contact.interpreter_arranged_at else "needs-action",
        }
        extensions = _interpreter_extensions(contact)
        if extensions:
            interpreter["extension"] = extensions
        participants.append(interpreter)
    return participants


def encounter_participants(contact: Contact, *, carer: bool) -> list[dict[str, Any]]:
    """Who took part, as far as CareMode records it: the clinician; the carer, when `carer` (the
    caller found them let into the video call, with consent and scope); the interpreter when
    the outcome records one present (MHSDS InterpreterPresentInd), never from the booking."""
    participants: list[dict[str, Any]] = [
        {"individual": {"reference": f"Practitioner/{contact.clinician_id}"}}
    ]
    if carer and contact.carer_invited_id is not None:
        participants.append({"individual": _carer_reference(contact)})
    if contact.interpreter_present:
        interpreter: dict[str, Any] = {"type": interpreter_type()}
        extensions = _interpreter_extensions(contact)
        if extensions:
            interpreter["extension"] = extensions
        participants.append(interpreter)
    return participants


def contact_resources(
    resource: str, contacts: list[Contact], *, related_persons: bool
) -> list[dict[str, Any]]:
    """Appointments, or Encounters, of `contacts` (already chosen for the client). The carer
    invited is named (RelatedPerson) only to a client that may read RelatedPersons
    (`related_persons`), only while the person's current consent lets that carer join their
    contacts (`people.consent.carers_joining_to_systems`, one query), and in an Encounter only
    when the carer was let into the video call (`rooms`), since that is all CareMode records of a
    carer taking part (hazard H-F05)."""
    shown: set[int] = set()
    if related_persons:
        joining = carers_joining_to_systems(
            (c.carer_invited_id, c.service_user_id)
            for c in contacts
            if c.carer_invited_id is not None
        )
        shown = {c.pk for c in contacts if (c.carer_invited_id, c.service_user_id) in joining}
    if resource == "Encounter":
        joined = contacts_a_carer_joined(sorted(shown)) if shown else set()
        return [encounter(c, carer=c.pk in joined) for c in contacts]
    return [appointment(c, carer=c.pk in shown) for c in contacts]


def related_person(consent: CarerConsent) -> dict[str, Any]:
    """A carer named by a current consent; name and relationship only (no telephone or email:
    the consent lets the team, not other systems, reach the carer)."""
    carer = consent.carer
    return validated(
        {
            "resourceType": "RelatedPerson",
            "id": related_person_id(consent),
            "active": True,
            "patient": {"reference": f"Patient/{consent.service_user_id}"},
            "relationship": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass",
                            "code": "CAREGIVER",
                            "display": "caregiver",
                        }
                    ],
                    "text": carer.relationship,
                }
            ],
            "name": [{"family": carer.family_name, "given": [carer.given_name]}],
        }
    )


def consent(record: CarerConsent) -> dict[str, Any]:
    """What the person agreed a carer may do (each scope an action), from grant to revocation.
    A revoked consent names no carer: its RelatedPerson is no longer shared."""
    period = {"start": instant(record.granted_at)}
    provision: dict[str, Any] = {
        "type": "permit",
        "period": period,
        "action": [
            {
                "coding": [
                    {"system": local_system("CodeSystem/carer-consent-scope"), "code": code}
                ],
                "text": label,
            }
            for code, label in scope_codes(record)
        ],
    }
    if record.revoked_at is not None:
        period["end"] = instant(record.revoked_at)
    else:
        provision["actor"] = [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass",
                            "code": "CAREGIVER",
                        }
                    ]
                },
                "reference": {"reference": f"RelatedPerson/{related_person_id(record)}"},
            }
        ]
    return validated(
        {
            "resourceType": "Consent",
            "id": str(record.pk),
            "status": "active" if record.revoked_at is None else "inactive",
            "scope": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                        "code": "patient-privacy",
                    }
                ]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": questionnaires.LOINC,
                            "code": "59284-0",
                            "display": "Patient Consent",
                        }
                    ]
                }
            ],
            "patient": {"reference": f"Patient/{record.service_user_id}"},
            "dateTime": instant(record.granted_at),
            "performer": [{"reference": f"Patient/{record.service_user_id}"}],
            "policyRule": {"text": "The person's consent to share with a named carer (E10)."},
            "provision": provision,
        }
    )


def _service_type(contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "coding": [
                {
                    "system": consultation_type_system(),
                    "code": contact.consultation_type,
                    "display": contact.get_consultation_type_display(),
                }
            ]
        }
    ]


def appointment(contact: Contact, *, carer: bool = False) -> dict[str, Any]:
    """A booked contact and what became of it, with its UK Core DeliveryChannel (valueCode) and
    its participants (`appointment_participants`; the carer only when `carer`)."""
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(contact.pk),
        "status": APPOINTMENT_STATUS.get(contact.attend_status or "", "booked"),
        "serviceType": _service_type(contact),
        "start": instant(contact.start),
        "end": instant(contact.end_at),
        "minutesDuration": contact.duration_minutes,
        "created": instant(contact.booked_at),
        "participant": appointment_participants(contact, carer=carer),
    }
    if contact.planned_mode in DELIVERY_CHANNEL:
        body["extension"] = [
            {"url": DELIVERY_CHANNEL_URL, "valueCode": DELIVERY_CHANNEL[contact.planned_mode]}
        ]
    if contact.attend_status in codes.CANCELLED:
        body["cancelationReason"] = {"text": codes.OUTCOME_PLAIN[contact.attend_status or ""]}
    return validated(body)


def encounter(contact: Contact, *, carer: bool = False) -> dict[str, Any]:
    """A contact that took place: class from the mode used, the recorded outcome (MHSDS
    AttendStatus) with it, and who took part (`encounter_participants`)."""
    mode = contact.mode_used or contact.planned_mode
    class_code, class_display = ENCOUNTER_CLASS[mode]
    status = contact.attend_status or ""
    body: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(contact.pk),
        "status": "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": class_code, "display": class_display},
        "serviceType": _service_type(contact)[0],
        "subject": {"reference": f"Patient/{contact.service_user_id}"},
        "participant": encounter_participants(contact, carer=carer),
        "appointment": [{"reference": f"Appointment/{contact.pk}"}],
        "period": {"start": instant(contact.start), "end": instant(contact.end_at)},
        "extension": [
            {
                "url": local_system("StructureDefinition/attend-status"),
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": local_system("CodeSystem/mhsds-attend-status"),
                            "code": status,
                            "display": codes.ATTEND_STATUS[status],
                        }
                    ],
                    "text": codes.OUTCOME_PLAIN[status],
                },
            }
        ],
    }
    if mode in ENCOUNTER_TYPE:
        code, display = ENCOUNTER_TYPE[mode]
        body["type"] = [{"coding": [{"system": SNOMED, "code": code, "display": display}]}]
    return validated(body)
