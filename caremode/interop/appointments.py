"""An Appointment to book, read from FHIR (pure): who, when, how long, what kind, the mode
from the UK Core DeliveryChannel in either shape NHS APIs send it: `valueCode` ("Video") or
`valueCodeableConcept` (a coding whose code is "Video"), and who else is asked to take part: a
carer (a RelatedPerson of the patient) and an interpreter (a participant typed INTRP with its
language, in the shape `fhir_resources.appointment_participants` writes). Any other participant
is refused, naming it: nothing a sender asked for is dropped unseen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from caremode.core import codes
from caremode.interop import fhir_resources
from caremode.interop.fhir_resources import DELIVERY_CHANNEL_URL, MODE_OF_CHANNEL


class AppointmentInputError(ValueError):
    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.expression = expression


@dataclass(frozen=True)
class CarerAsked:
    """The carer a sender invites: the Carer id of `RelatedPerson/<carer>-<patient>`."""

    carer_id: int
    expression: str


@dataclass(frozen=True)
class InterpreterAsked:
    language: str
    interpreting: str
    expression: str


@dataclass(frozen=True)
class Booking:
    patient_id: int
    practitioner_id: int
    mode: str
    start: dt.datetime
    duration_minutes: int
    consultation_type: str
    carer: CarerAsked | None = None
    interpreter: InterpreterAsked | None = None

    @property
    def elements(self) -> dict[str, str]:
        """Where a booking service's refusal of the carer or interpreter points."""
        found = {}
        if self.carer is not None:
            found["carer"] = self.carer.expression
        if self.interpreter is not None:
            found["interpreter"] = self.interpreter.expression
        return found


KEPT = "a Patient, a Practitioner, a RelatedPerson (a carer) or an interpreter (type INTRP)"


def _digits(ident: str) -> bool:
    return ident.isascii() and ident.isdigit() and len(ident) < 19


def _is_interpreter(participant: dict[str, Any]) -> bool:
    return any(
        coding.get("system") == fhir_resources.PARTICIPATION_TYPE_SYSTEM
        and coding.get("code") == fhir_resources.INTERPRETER_TYPE
        for concept in participant.get("type") or []
        for coding in concept.get("coding") or []
    )


def _interpreter(participant: dict[str, Any], where: str) -> InterpreterAsked:
    """The language (a urn:ietf:bcp:47 coding) and how (optional) from the participant's
    extensions; the codes themselves are checked by the booking service."""
    language = interpreting = ""
    for n, extension in enumerate(participant.get("extension") or []):
        if extension.get("url") == fhir_resources.interpreter_language_url():
            codings = (extension.get("valueCodeableConcept") or {}).get("coding") or []
            found = [
                c.get("code") for c in codings if c.get("system") == fhir_resources.LANGUAGE_SYSTEM
            ]
            if not found or not found[0]:
                raise AppointmentInputError(
                    f"The interpreter's language is a {fhir_resources.LANGUAGE_SYSTEM} coding.",
                    f"{where}.extension[{n}]",
                )
            language = str(found[0])
        elif extension.get("url") == fhir_resources.interpreting_url():
            interpreting = str((extension.get("valueCoding") or {}).get("code") or "")
    if not language:
        raise AppointmentInputError(
            "Say the interpreter's language with the extension "
            f"{fhir_resources.interpreter_language_url()} ({fhir_resources.LANGUAGE_SYSTEM}).",
            f"{where}.extension",
        )
    return InterpreterAsked(language, interpreting, where)


@dataclass
class _Participants:
    patients: list[int]
    practitioners: list[int]
    carer: CarerAsked | None = None
    carer_patient: int | None = None
    interpreter: InterpreterAsked | None = None


def _participants(resource: dict[str, Any]) -> _Participants:
    """Each participant in turn: a kind CareMode keeps, or refused naming it."""
    found = _Participants([], [])
    for i, participant in enumerate(resource.get("participant") or []):
        where = f"Appointment.participant[{i}]"
        reference = str((participant.get("actor") or {}).get("reference") or "")
        if _is_interpreter(participant) and not reference:
            if found.interpreter is not None:
                raise AppointmentInputError("CareMode arranges one interpreter a contact.", where)
            found.interpreter = _interpreter(participant, where)
            continue
        prefix, _, ident = reference.rpartition("/")
        kind = prefix.rsplit("/", 1)[-1]
        if kind not in ("Patient", "Practitioner", "RelatedPerson"):
            what = f"a {kind}" if kind else "a participant without an actor reference"
            raise AppointmentInputError(
                f"CareMode keeps participants that are {KEPT}, not {what}.", where
            )
        if kind == "RelatedPerson":
            carer, dash, patient = ident.partition("-")
            if not (dash and _digits(carer) and _digits(patient)):
                raise AppointmentInputError(
                    "Write the carer as RelatedPerson/<id>, the id CareMode gives it.",
                    f"{where}.actor.reference",
                )
            if found.carer is not None:
                raise AppointmentInputError("CareMode invites one carer to a contact.", where)
            found.carer = CarerAsked(int(carer), where)
            found.carer_patient = int(patient)
            continue
        if not _digits(ident):
            raise AppointmentInputError(
                f"Write the {kind} as {kind}/<id>.", "Appointment.participant"
            )
        (found.patients if kind == "Patient" else found.practitioners).append(int(ident))
    for kind, ids in (("Patient", found.patients), ("Practitioner", found.practitioners)):
        if len(ids) != 1:
            raise AppointmentInputError(
                f"An Appointment to book names one {kind} participant ({kind}/<id>).",
                "Appointment.participant",
            )
    if found.carer is not None and found.carer_patient != found.patients[0]:
        raise AppointmentInputError(
            f"The RelatedPerson is a carer of another patient than Patient/{found.patients[0]}.",
            f"{found.carer.expression}.actor.reference",
        )
    return found


def delivery_mode(resource: dict[str, Any]) -> str:
    """CareMode's mode from the DeliveryChannel extension, in either shape."""
    for n, extension in enumerate(resource.get("extension") or []):
        if extension.get("url") != DELIVERY_CHANNEL_URL:
            continue
        where = f"Appointment.extension[{n}]"
        if "valueCode" in extension:
            channels = [(extension["valueCode"], f"{where}.valueCode")]
        elif "valueCodeableConcept" in extension:
            codings = extension["valueCodeableConcept"].get("coding") or []
            channels = [
                (coding.get("code"), f"{where}.valueCodeableConcept.coding[{i}].code")
                for i, coding in enumerate(codings)
            ]
        else:
            channels = []
        # A concept may carry other codings beside the UK Core one: the first known code counts.
        known = [channel for channel, _ in channels if channel in MODE_OF_CHANNEL]
        if known:
            return MODE_OF_CHANNEL[known[0]]
        if channels:
            channel, expression = channels[0]
            raise AppointmentInputError(
                f"Delivery channel {channel!r} is not one CareMode books: "
                f"{', '.join(MODE_OF_CHANNEL)}.",
                expression,
            )
        raise AppointmentInputError(
            "The DeliveryChannel extension has a valueCode or a valueCodeableConcept.", where
        )
    raise AppointmentInputError(
        f"Say how the contact happens with the extension {DELIVERY_CHANNEL_URL} "
        f"({', '.join(MODE_OF_CHANNEL)}).",
        "Appointment.extension",
    )


def _start(resource: dict[str, Any]) -> dt.datetime:
    text = resource.get("start")
    if not isinstance(text, str):
        raise AppointmentInputError("An Appointment to book has a start.", "Appointment.start")
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError:
        raise AppointmentInputError("The start is a FHIR instant.", "Appointment.start") from None
    if start.tzinfo is None:
        raise AppointmentInputError(
            "The start has a time zone offset (Z or +hh:mm).", "Appointment.start"
        )
    return start


def _duration(resource: dict[str, Any], start: dt.datetime) -> int:
    if "minutesDuration" in resource:
        return int(resource["minutesDuration"])
    if isinstance(resource.get("end"), str):
        try:
            end = dt.datetime.fromisoformat(resource["end"])
        except ValueError:
            raise AppointmentInputError("The end is a FHIR instant.", "Appointment.end") from None
        if end.tzinfo is None:
            raise AppointmentInputError("The end has a time zone offset.", "Appointment.end")
        minutes, rest = divmod((end - start).total_seconds(), 60)
        if rest:
            raise AppointmentInputError(
                "The end is a whole number of minutes after the start.", "Appointment.end"
            )
        return int(minutes)
    raise AppointmentInputError(
        "Say how long the contact is: minutesDuration or end.", "Appointment.minutesDuration"
    )


def _consultation_type(resource: dict[str, Any], system: str) -> str:
    for concept in resource.get("serviceType") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") == system and coding.get("code") in codes.CONTACT_TYPES:
                return str(coding["code"])
    raise AppointmentInputError(
        f"Say what kind of contact it is: a serviceType coding of {system} "
        f"({', '.join(codes.CONTACT_TYPES)}).",
        "Appointment.serviceType",
    )


def read_booking(resource: dict[str, Any], *, consultation_type_system: str) -> Booking:
    """The booking an Appointment asks for (status booked), each element checked in turn; the
    carer and interpreter asked for, if any (whether the consent allows the carer, and the
    interpreter's codes, are the booking's to decide)."""
    if resource.get("status") != "booked":
        raise AppointmentInputError(
            "CareMode creates booked Appointments: status is booked.", "Appointment.status"
        )
    start = _start(resource)
    participants = _participants(resource)
    return Booking(
        patient_id=participants.patients[0],
        practitioner_id=participants.practitioners[0],
        mode=delivery_mode(resource),
        start=start,
        duration_minutes=_duration(resource, start),
        consultation_type=_consultation_type(resource, consultation_type_system),
        carer=participants.carer,
        interpreter=participants.interpreter,
    )
