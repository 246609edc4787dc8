"""An Appointment to book, read from FHIR (pure): who, when, how long, what kind, and the mode
from the UK Core DeliveryChannel in either shape NHS APIs send it: `valueCode` ("Video") or
`valueCodeableConcept` (a coding whose code is "Video")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from caremode.core import codes
from caremode.interop.fhir_resources import DELIVERY_CHANNEL_URL, MODE_OF_CHANNEL


class AppointmentInputError(ValueError):
    def __init__(self, message: str, expression: str) -> None:
        super().__init__(message)
        self.expression = expression


@dataclass(frozen=True)
class Booking:
    patient_id: int
    practitioner_id: int
    mode: str
    start: dt.datetime
    duration_minutes: int
    consultation_type: str


def _participant(resource: dict[str, Any], kind: str) -> int:
    found = []
    for participant in resource.get("participant") or []:
        reference = (participant.get("actor") or {}).get("reference", "")
        prefix, _, ident = reference.rpartition("/")
        if prefix.rsplit("/", 1)[-1] == kind:
            if not (ident.isascii() and ident.isdigit() and len(ident) < 19):
                raise AppointmentInputError(
                    f"Write the {kind} as {kind}/<id>.", "Appointment.participant"
                )
            found.append(int(ident))
    if len(found) != 1:
        raise AppointmentInputError(
            f"An Appointment to book names one {kind} participant ({kind}/<id>).",
            "Appointment.participant",
        )
    return found[0]


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
    """The booking an Appointment asks for (status booked), each element checked in turn."""
    if resource.get("status") != "booked":
        raise AppointmentInputError(
            "CareMode creates booked Appointments: status is booked.", "Appointment.status"
        )
    start = _start(resource)
    return Booking(
        patient_id=_participant(resource, "Patient"),
        practitioner_id=_participant(resource, "Practitioner"),
        mode=delivery_mode(resource),
        start=start,
        duration_minutes=_duration(resource, start),
        consultation_type=_consultation_type(resource, consultation_type_system),
    )
