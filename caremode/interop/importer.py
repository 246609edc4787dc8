"""The import from a trust's record system: what `interop.imports` read, written through the
owning apps' services (people, carers with consent, bookings), in one database transaction.

`import_source` is the one service behind `caremode fhir_import FILE`, `POST /fhir/` (a
transaction Bundle) and `POST /fhir/Patient`. People are matched by NHS number: updated, never
duplicated, never merged; the same input imported twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.interop import appointments, fhir_resources
from caremode.interop.imports import (
    CONSENT_NOT_IMPORTED,
    CONSENT_SCOPES,
    IMPORTED,
    NOT_IMPORTED,
    NOT_KNOWN_ETHNICITY,
    ConsentScopes,
    Entry,
    ImportInputError,
    Reading,
    Reference,
    Source,
    Unmapped,
    check_extensions,
    check_nhs_number,
    in_bundle,
    read_carer,
    read_consent_scopes,
    read_patient,
    read_practitioner,
    reference,
)
from caremode.people.consent import consents_naming_carers_to_systems, scope_codes
from caremode.people.models import Carer, ServiceUser, Team
from caremode.people.selectors import (
    find_team,
    is_in_care_of,
    list_practitioners_for_systems,
    list_service_users_for_systems,
)
from caremode.people.services import (
    PHONE_NUMBER,
    add_carer_with_consent,
    register_service_user,
    update_contact_details,
    update_registered_details,
)
from caremode.scheduling.errors import ClinicianUnavailableError
from caremode.scheduling.models import Contact
from caremode.scheduling.selectors import list_contacts_for_systems
from caremode.scheduling.services.booking import book_contact

# Where a refusal of the booking service points in the Appointment (it names its form field).
APPOINTMENT_ELEMENT = {
    "start": "Appointment.start",
    "duration_minutes": "Appointment.minutesDuration",
    "mode": "Appointment.extension",
    "consultation_type": "Appointment.serviceType",
}
PATIENT_ELEMENT = {
    "given_name": "Patient.name",
    "family_name": "Patient.name",
    "date_of_birth": "Patient.birthDate",
    "gender": "Patient.gender",
    "ethnic_category": "Patient.extension",
    "postcode_district": "Patient.address",
    "main_language": "Patient.communication",
    "phone": "Patient.telecom",
    "email": "Patient.telecom",
}
CARER_ELEMENT = {
    "given_name": "RelatedPerson.name",
    "family_name": "RelatedPerson.name",
    "relationship": "RelatedPerson.relationship",
    "phone": "RelatedPerson.telecom",
    "email": "RelatedPerson.telecom",
}
# Processed in this order, whatever order the input has: people before what refers to them.
ORDER = ("Patient", "Practitioner", "Consent", "RelatedPerson", "Appointment")
NEW_PERSON_TO_COMPLETE = (
    "area (urban or rural): not carried by FHIR, not known until recorded on the record's "
    '"Where they live" page'
)


class ImportRefusedError(DomainError):
    """The import writes nothing: the input is invalid, a transaction holds an entry CareMode
    does not take, or the caller may not make one of its writes. `status` is the HTTP status
    the FHIR API answers with (400 not readable, 403 scope, 409 clash, 422 refused)."""

    def __init__(
        self, message: str, *, where: str, expression: str, status: int = 422, code: str = "invalid"
    ) -> None:
        super().__init__(message)
        self.where = where
        self.expression = expression
        self.status = status
        self.code = code

    def __str__(self) -> str:
        place = ", ".join(part for part in (self.where, self.expression) if part)
        return f"{place}: {self.message}" if place else self.message


@dataclass
class EntryOutcome:
    """What became of one entry: created, updated, unchanged or skipped (with the reason)."""

    where: str
    resource: str
    action: str
    location: str = ""  # CareMode's record, as Type/id
    reason: str = ""
    subject_id: int | None = None


@dataclass
class ImportReport:
    kind: str
    outcomes: list[EntryOutcome] = field(default_factory=list)
    unknown_extensions: Counter[str] = field(default_factory=Counter)
    unmapped: list[Unmapped] = field(default_factory=list)
    to_complete: list[tuple[str, str, str]] = field(default_factory=list)  # where, record, what

    def counts(self) -> dict[str, int]:
        counted = Counter(o.action for o in self.outcomes)
        return {a: counted[a] for a in ("created", "updated", "unchanged", "skipped")}

    def subject_ids(self) -> list[int]:
        return sorted({o.subject_id for o in self.outcomes if o.subject_id is not None})

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "counts": self.counts(),
            "entries": [vars(o) for o in self.outcomes],
            "unknown_extensions": dict(sorted(self.unknown_extensions.items())),
            "unmapped": [vars(u) for u in self.unmapped],
            "to_complete": [
                {"where": w, "record": r, "what": what} for w, r, what in self.to_complete
            ],
        }


class _Skip(Exception):
    def __init__(self, reason: str, expression: str = "", status: int = 422) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expression = expression
        self.status = status


@dataclass
class _Run:
    source: Source
    report: ImportReport
    team: Team | None
    actor: User | None
    may: Callable[[str, str], bool]
    people: dict[int, ServiceUser] = field(default_factory=dict)  # entry index → person
    by_nhs_number: dict[str, tuple[int, ServiceUser | None]] = field(default_factory=dict)
    staff: dict[int, User] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)  # entry index → why
    consents: dict[int, tuple[Entry, ConsentScopes]] = field(default_factory=dict)

    def check(self, entry: Entry, resource: str, interaction: str) -> None:
        if not self.may(resource, interaction):
            raise ImportRefusedError(
                f"The token's scopes do not allow {interaction} of {resource}.",
                where=entry.where,
                expression=entry.type,
                status=403,
                code="forbidden",
            )

    def done(self, entry: Entry, action: str, location: str, subject: int | None) -> None:
        self.report.outcomes.append(
            EntryOutcome(entry.where, entry.label, action, location, subject_id=subject)
        )

    def skip(self, entry: Entry, skip: _Skip) -> None:
        """A skipped entry; in a transaction every entry must succeed, so it refuses them all."""
        if self.source.is_transaction:
            raise ImportRefusedError(
                f"Not imported: {skip.reason}.",
                where=entry.where,
                expression=skip.expression or entry.type,
                status=skip.status,
                code={409: "conflict", 403: "forbidden"}.get(skip.status, "business-rule"),
            )
        self.skipped[entry.index] = skip.reason
        self.report.outcomes.append(
            EntryOutcome(entry.where, entry.label, "skipped", reason=skip.reason)
        )


_T = TypeVar("_T")


def _everyone() -> Any:
    # Matching by NHS number sees everyone, restricted or not: a person is never duplicated.
    return list_service_users_for_systems(include_restricted=True)


def _written(run: _Run, ref: Reference, written: Mapping[int, _T]) -> _T:
    """The record an entry of this input became, or _Skip saying why it became none."""
    assert ref.entry is not None
    if ref.entry in written:
        return written[ref.entry]
    why = run.skipped.get(ref.entry, "it was not imported")
    raise _Skip(f"its {ref.type} ({run.source.entries[ref.entry].where}) was skipped: {why}")


def _pointed_at(
    run: _Run, value: str, kind: str, expression: str, written: Mapping[int, _T]
) -> tuple[Reference, _T | None]:
    """What a reference to a `kind` is, with the record when it is an entry of this input."""
    ref = reference(value, kind, run.source)
    if ref is None:
        raise _Skip(f"{value!r} is not a reference to a {kind}", expression)
    return ref, (_written(run, ref, written) if ref.kind == "entry" else None)


def _person(run: _Run, value: str, expression: str) -> ServiceUser:
    """The person a Patient reference points at, or _Skip saying why there is none."""
    ref, person = _pointed_at(run, value, "Patient", expression, run.people)
    if person is not None:
        return person
    if ref.kind in ("conditional", "record") and not run.may("Patient", "read"):
        # Asked before looking: an answer that differed for a person CareMode holds would tell
        # a client without Patient read who is in CareMode.
        raise _Skip(
            "a reference to a Patient outside this input needs a token that may read Patient",
            expression,
            403,
        )
    if ref.kind == "conditional":
        if ref.system != fhir_resources.NHS_NUMBER_SYSTEM:
            raise _Skip(
                f"a Patient is found by {fhir_resources.NHS_NUMBER_SYSTEM}|NNNNNNNNNN", expression
            )
        number = check_nhs_number(ref.value, where="", expression=expression)
        seen = run.by_nhs_number.get(number)
        found = seen[1] if seen else _everyone().filter(nhs_number=number).first()
        if found is None:
            raise _Skip(f"no Patient with NHS number {number} in this input or CareMode")
        return found
    if ref.kind == "record":
        found = _everyone().filter(pk=ref.record_id).first()
        if found is not None:
            return found
    raise _Skip(f"{value} is neither in this input nor a CareMode record", expression)


def _practitioner(run: _Run, value: str, expression: str) -> User:
    ref, known = _pointed_at(run, value, "Practitioner", expression, run.staff)
    if known is not None:
        return known
    staff: list[User] = []
    if ref.kind == "conditional" and ref.system == fhir_resources.staff_username_system():
        staff = list_practitioners_for_systems(username=ref.value)
    elif ref.kind == "record":
        staff = list_practitioners_for_systems(pk=ref.record_id)
    if not staff:
        raise _Skip(
            f"the practitioner {value} is not a member of CareMode's staff (found by "
            f"{fhir_resources.staff_username_system()}|username); staff accounts are opened by "
            "an administrator",
            expression,
        )
    return staff[0]


def _patient(run: _Run, entry: Entry) -> None:
    reading = Reading()
    check_extensions(entry, reading)
    details = read_patient(entry, reading)
    _notes(run, entry, reading)
    if not details.nhs_number:
        raise _Skip(details.refusal, "Patient.identifier")
    if details.nhs_number:
        if details.nhs_number in run.by_nhs_number:
            first = run.source.entries[run.by_nhs_number[details.nhs_number][0]]
            raise ImportRefusedError(
                f"The NHS number {details.nhs_number} is also {first.where}'s: one person is "
                "one Patient, and CareMode never merges two.",
                where=entry.where,
                expression="Patient.identifier",
            )
        run.by_nhs_number[details.nhs_number] = (entry.index, None)
    existing = _everyone().filter(nhs_number=details.nhs_number).first()
    _check_target(entry, existing, details.nhs_number)
    if details.nhs_number:
        run.by_nhs_number[details.nhs_number] = (entry.index, existing)
    if existing is not None and entry.if_none_exist:
        # FHIR conditional create: the person exists, so nothing is written.
        run.check(entry, "Patient", "read")
        run.people[entry.index] = existing
        run.done(entry, "unchanged", f"Patient/{existing.pk}", existing.pk)
        return
    phone, email = _usable_contact(run, entry, details.phone, details.email)
    if details.refusal:
        if existing is not None:
            run.report.to_complete.append(
                (entry.where, f"Patient/{existing.pk}", f"not updated: {details.refusal}")
            )
        raise _Skip(details.refusal, "Patient")
    if existing is not None:
        _update_person(run, entry, existing, details.fields, phone, email)
        return
    if run.team is None:
        raise ImportRefusedError(
            "This import would add a person to CareMode, and no team was named for new people "
            "(caremode fhir_import --team, or the client's team: caremode fhir_client --team).",
            where=entry.where,
            expression="Patient",
        )
    run.check(entry, "Patient", "create")
    fields = {
        "ethnic_category": NOT_KNOWN_ETHNICITY,
        "postcode_district": "",
        "rurality": "",
        **details.fields,
        "nhs_number": details.nhs_number,
        "phone": phone,
        "email": email,
    }
    try:
        person = register_service_user(actor=run.actor, team=run.team, fields=fields)
    except DomainError as error:
        raise _refused(entry, error, PATIENT_ELEMENT) from error
    run.people[entry.index] = person
    run.by_nhs_number[person.nhs_number] = (entry.index, person)
    location = f"Patient/{person.pk}"
    run.report.to_complete.append((entry.where, location, NEW_PERSON_TO_COMPLETE))
    if not person.postcode_district:
        run.report.to_complete.append((entry.where, location, "postcode district: not known"))
    if person.ethnic_category == NOT_KNOWN_ETHNICITY:
        run.report.to_complete.append((entry.where, location, "ethnic category: not known"))
    run.done(entry, "created", location, person.pk)


def _refused(entry: Entry, error: DomainError, elements: dict[str, str]) -> ImportRefusedError:
    """A service's refusal of an entry's write, pointing at the element its field came from."""
    return ImportRefusedError(
        error.message, where=entry.where, expression=elements.get(error.field or "", entry.type)
    )


def _usable_contact(run: _Run, entry: Entry, phone: str, email: str) -> tuple[str, str]:
    """The telephone number and email address as CareMode can use them for reminders; one it
    cannot use is left out and listed, so that no message goes to a number nobody checked."""
    if phone and not PHONE_NUMBER.fullmatch(phone):
        run.report.unmapped.append(
            Unmapped(
                entry.where,
                entry.label,
                "Patient.telecom",
                phone,
                "Not a telephone number CareMode can use (digits, like 07700 900123); left out.",
            )
        )
        phone = ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            run.report.unmapped.append(
                Unmapped(
                    entry.where, entry.label, "Patient.telecom", email, "Not an email address."
                )
            )
            email = ""
    return phone, email


def _check_target(entry: Entry, existing: ServiceUser | None, nhs_number: str) -> None:
    """A PUT to Patient/<id>, or to Patient?identifier=<system>|<number>, is about the person
    with the body's NHS number, or it is refused."""
    if entry.method != "PUT":
        return
    if "?" in entry.url:
        _, _, query = entry.url.partition("?")
        system, bar, number = query.removeprefix("identifier=").rpartition("|")
        if not bar or system != fhir_resources.NHS_NUMBER_SYSTEM or number != nhs_number:
            raise ImportRefusedError(
                f"{entry.url} does not name the Patient's own NHS number "
                f"({fhir_resources.NHS_NUMBER_SYSTEM}|{nhs_number}).",
                where=entry.where,
                expression=f"Bundle.{entry.where}.request.url",
            )
        return
    _, _, ident = entry.url.rpartition("/")
    if existing is None or str(existing.pk) != ident:
        raise ImportRefusedError(
            f"{entry.url} is not CareMode's record of the person with this NHS number; CareMode "
            "finds people by NHS number (PUT Patient?identifier=…|NNNNNNNNNN).",
            where=entry.where,
            expression=f"Bundle.{entry.where}.request.url",
        )


def _update_person(
    run: _Run,
    entry: Entry,
    person: ServiceUser,
    fields: dict[str, Any],
    phone: str,
    email: str,
) -> None:
    # A twin or sibling under a mistyped NHS number shares the family name and may share the
    # birth date: another given name is never taken as the same person; a family name alone
    # (marriage) or a birth date alone (a correction) may change, not both at once.
    other_given = fields["given_name"].casefold() != person.given_name.casefold()
    other_family_and_birth = (
        fields.get("date_of_birth", person.date_of_birth) != person.date_of_birth
        and fields["family_name"].casefold() != person.family_name.casefold()
    )
    if other_given or other_family_and_birth:
        raise _Skip(
            f"the NHS number {person.nhs_number} is CareMode's record of a person with another "
            f"{'given name' if other_given else 'family name and date of birth'}: check the NHS "
            "number, and make a real change of name in CareMode (CareMode never merges two "
            "people)",
            "Patient.identifier",
        )
    changes = {k: v for k, v in fields.items() if getattr(person, k) != v}
    contact = {
        k: v for k, v in (("phone", phone), ("email", email)) if v and getattr(person, k) != v
    }
    run.people[entry.index] = person
    location = f"Patient/{person.pk}"
    if not (changes or contact):
        run.check(entry, "Patient", "read")
        run.done(entry, "unchanged", location, person.pk)
        return
    run.check(entry, "Patient", "update")
    try:
        if changes:
            update_registered_details(actor=run.actor, service_user=person, changes=changes)
        if contact:
            update_contact_details(actor=run.actor, service_user=person, changes=contact)
    except DomainError as error:
        raise _refused(entry, error, PATIENT_ELEMENT) from error
    run.done(entry, "updated", location, person.pk)


def _notes(run: _Run, entry: Entry, reading: Reading) -> None:
    run.report.unknown_extensions.update(url for _, url in reading.unknown_extensions)
    run.report.unmapped.extend(reading.unmapped)
    run.report.to_complete.extend((entry.where, entry.label, what) for what in reading.to_complete)


def _practitioner_entry(run: _Run, entry: Entry) -> None:
    reading = Reading()
    check_extensions(entry, reading)
    _notes(run, entry, reading)
    username = read_practitioner(entry)
    if not username:
        raise _Skip(
            "it carries no CareMode staff username (identifier system "
            f"{fhir_resources.staff_username_system()})",
            "Practitioner.identifier",
        )
    staff = list_practitioners_for_systems(username=username)
    if not staff:
        raise _Skip(
            f"no member of CareMode's staff has the username {username!r}; staff accounts are "
            "opened by an administrator",
            "Practitioner.identifier",
        )
    run.check(entry, "Practitioner", "read")
    run.staff[entry.index] = staff[0]
    run.done(entry, "unchanged", f"Practitioner/{staff[0].pk}", None)


def _consent_entry(run: _Run, entry: Entry) -> None:
    """A Consent is kept aside for the RelatedPerson it names; alone, it is not imported."""
    reading = Reading()
    check_extensions(entry, reading)
    _notes(run, entry, reading)
    scopes = read_consent_scopes(entry)
    named = [
        ref.entry
        for actor in (scopes.actors if scopes else [])
        if (ref := reference(actor, "RelatedPerson", run.source)) and ref.kind == "entry"
    ]
    if scopes is None or not named:
        raise _Skip(CONSENT_NOT_IMPORTED, "Consent.provision")
    for index in named:
        assert index is not None
        run.consents[index] = (entry, scopes)


def _carer_entry(run: _Run, entry: Entry) -> None:
    reading = Reading()
    check_extensions(entry, reading)
    _notes(run, entry, reading)
    carer = read_carer(entry)
    person = _person(run, carer.patient, "RelatedPerson.patient")
    if entry.index not in run.consents:
        raise _Skip(
            "no Consent in this input names this carer with what the person agreed they may do "
            "(E10); CareMode records a carer only with that consent: add the carer on the "
            "person's page",
            "RelatedPerson",
        )
    consent_entry, scopes = run.consents[entry.index]
    if _person(run, scopes.patient, "Consent.patient").pk != person.pk:
        raise _Skip(f"its Consent ({consent_entry.where}) is another person's", "Consent.patient")
    if not (carer.fields["given_name"] and carer.fields["family_name"]):
        raise _Skip("no name", "RelatedPerson.name")
    # Carers CareMode holds are looked at (to match, never duplicate) only for a client that
    # may read them, so a refusal cannot tell others that a carer or a consent exists.
    run.check(entry, "RelatedPerson", "read")
    held = [
        c
        for c in consents_naming_carers_to_systems(_everyone().filter(pk=person.pk))
        if (c.carer.given_name.casefold(), c.carer.family_name.casefold())
        == (carer.fields["given_name"].casefold(), carer.fields["family_name"].casefold())
    ]
    if held:
        current = held[0]
        if {code for code, _ in scope_codes(current)} != scopes.codes:
            raise _Skip(
                "this carer is recorded with another consent; a change of consent is made in "
                "CareMode with the person (a withdrawal and a new grant)",
                "Consent.provision.action",
            )
        run.check(entry, "RelatedPerson", "read")
        run.done(entry, "unchanged", f"RelatedPerson/{current.carer_id}-{person.pk}", person.pk)
        run.done(consent_entry, "unchanged", f"Consent/{current.pk}", person.pk)
        return
    run.check(entry, "RelatedPerson", "create")
    run.check(consent_entry, "Consent", "create")
    granted = {CONSENT_SCOPES[code]: code in scopes.codes for code in CONSENT_SCOPES}
    try:
        consent = add_carer_with_consent(
            actor=run.actor,
            service_user=person,
            carer_fields=carer.fields,
            join_contacts=granted["join_contacts"],
            appointment_details=granted["appointment_details"],
            assessment_input=granted["assessment_input"],
        )
    except DomainError as error:
        raise _refused(entry, error, CARER_ELEMENT) from error
    run.done(entry, "created", f"RelatedPerson/{consent.carer_id}-{person.pk}", person.pk)
    run.done(consent_entry, "created", f"Consent/{consent.pk}", person.pk)


def _participants(run: _Run, entry: Entry) -> dict[str, Any]:
    """The Appointment with its Patient and Practitioner resolved to CareMode's records."""
    resource = dict(entry.resource)
    participants = []
    for n, participant in enumerate(resource.get("participant") or []):
        value = str((participant.get("actor") or {}).get("reference") or "")
        where = f"Appointment.participant[{n}].actor"
        copy = dict(participant)
        if reference(value, "Patient", run.source) is not None:
            copy["actor"] = {"reference": f"Patient/{_person(run, value, where).pk}"}
        elif reference(value, "Practitioner", run.source) is not None:
            copy["actor"] = {"reference": f"Practitioner/{_practitioner(run, value, where).pk}"}
        participants.append(copy)
    resource["participant"] = participants
    return resource


def _appointment_entry(run: _Run, entry: Entry) -> None:
    reading = Reading()
    check_extensions(entry, reading)
    _notes(run, entry, reading)
    if entry.resource.get("status") != "booked":
        raise _Skip(
            f"its status is {entry.resource.get('status')!r}: CareMode imports booked "
            "appointments to come (past and cancelled ones stay in the record system)",
            "Appointment.status",
        )
    try:
        booking = appointments.read_booking(
            _participants(run, entry),
            consultation_type_system=fhir_resources.consultation_type_system(),
        )
    except appointments.AppointmentInputError as error:
        raise _Skip(str(error).rstrip("."), error.expression) from error
    person = _everyone().get(pk=booking.patient_id)
    clinician = list_practitioners_for_systems(pk=booking.practitioner_id)[0]
    if not clinician.is_active or not is_in_care_of(clinician, person.pk):
        raise _Skip(
            f"Practitioner/{clinician.pk} is not a current member of the care team of "
            f"Patient/{person.pk}",
            "Appointment.participant",
        )
    same_time = [
        c
        for c in list_contacts_for_systems(
            people=_everyone().filter(pk=person.pk),
            starts_from=booking.start,
            starts_before=booking.start + dt.timedelta(microseconds=1),
        )
        if c.clinician_id == clinician.pk and c.attend_status not in codes.CANCELLED
    ]
    if same_time and not run.may("Appointment", "read"):
        raise _Skip("the clinician is not free at this time", "Appointment.start", 409)
    if same_time:
        held = same_time[0]
        if (held.planned_mode, held.duration_minutes, held.consultation_type) != (
            booking.mode,
            booking.duration_minutes,
            booking.consultation_type,
        ):
            raise _Skip(
                f"Appointment/{held.pk} is booked at this time with other details; CareMode does "
                "not rebook from an import: change it in CareMode",
                "Appointment.start",
                409,
            )
        run.check(entry, "Appointment", "read")
        run.done(entry, "unchanged", f"Appointment/{held.pk}", person.pk)
        return
    carer = None
    if booking.carer is not None:
        run.check(entry, "RelatedPerson", "read")
        shared = consents_naming_carers_to_systems(
            _everyone().filter(pk=person.pk), carer_pk=booking.carer.carer_id
        ).first()
        if shared is None:
            raise _Skip(
                f"the RelatedPerson is not a carer of Patient/{person.pk} with a current consent",
                booking.carer.expression,
            )
        carer = shared.carer
    run.check(entry, "Appointment", "create")
    try:
        contact = book(clinician=clinician, person=person, booking=booking, carer=carer)
    except DomainError as error:
        status = 409 if isinstance(error, ClinicianUnavailableError) else 422
        raise _Skip(
            error.message.rstrip("."),
            APPOINTMENT_ELEMENT.get(error.field or "", "Appointment"),
            status,
        ) from error
    run.done(entry, "created", f"Appointment/{contact.pk}", person.pk)


def book(
    *,
    clinician: User,
    person: ServiceUser,
    booking: appointments.Booking,
    carer: Carer | None = None,
) -> Contact:
    """Book what an Appointment asks for in `clinician`'s diary, through the booking service
    and its rules (`book_contact`: same raises, same audit, same reminders), with the carer
    the caller checked the person's consent for and the interpreter the Appointment asks for."""
    asked = booking.interpreter
    return book_contact(
        actor=clinician,
        service_user=person,
        consultation_type=booking.consultation_type,
        mode=booking.mode,
        start=booking.start,
        duration_minutes=booking.duration_minutes,
        carer=carer,
        interpreter_language=asked.language if asked else "",
        interpreting=asked.interpreting if asked else "",
    )


HANDLERS: dict[str, Callable[[_Run, Entry], None]] = {
    "Patient": _patient,
    "Practitioner": _practitioner_entry,
    "Consent": _consent_entry,
    "RelatedPerson": _carer_entry,
    "Appointment": _appointment_entry,
}


@transaction.atomic
def import_source(
    *,
    source: Source,
    team: Team | None,
    actor: User | None,
    system: str,
    may: Callable[[str, str], bool] | None = None,
) -> ImportReport:
    """Write what a record system's input holds: Patients (matched by NHS number), the
    Practitioners it names (matched by CareMode username, never created), carers with the
    person's Consent, and booked Appointments (through the booking service's rules).

    Preconditions: `source` came from `imports.read_source`. `team` is where new people join
    (None: the import may update people but refuses to add one). `actor` is the member of staff
    running it, or None for a system client; `system` names the command or client in the
    summary audit entry. `may(resource, interaction)` is the caller's scope check (the FHIR
    API's), asked before each write and read-back.

    All or nothing, in one transaction: raises ImportRefusedError (naming the entry and the
    element, `status` for the API) for input no import takes (an invalid NHS number, a modifier
    extension, one NHS number on two Patients, a PUT to another person), for any entry of a
    transaction Bundle that cannot be imported as asked, and for a write `may` refuses; nothing
    is written then. In a collection Bundle or NDJSON an entry CareMode does not take is skipped
    with its reason and the rest imported. Each write is audited by the service that makes it,
    and the import as a whole by one entry naming `system` and the counts.
    """
    run = _Run(
        source=source,
        report=ImportReport(kind=source.kind),
        team=team,
        actor=actor,
        may=may or (lambda resource, interaction: True),
    )
    for kind in ORDER:
        for entry in source.entries:
            if entry.type != kind:
                continue
            try:
                try:
                    HANDLERS[kind](run, entry)
                except ImportInputError as error:
                    raise ImportRefusedError(
                        error.message,
                        where=entry.where,
                        expression=error.expression,
                        status=422,
                    ) from error
                except _Skip as skip:
                    run.skip(entry, skip)
            except ImportRefusedError as error:
                error.expression = in_bundle(entry.where, error.expression)
                raise
    answered = {o.where for o in run.report.outcomes}
    for consent_entry, _ in run.consents.values():
        if consent_entry.where not in answered:
            answered.add(consent_entry.where)
            run.skip(consent_entry, _Skip("the carer it names was skipped", "Consent.provision"))
    for entry in source.entries:
        if entry.type not in IMPORTED:
            reason = NOT_IMPORTED.get(entry.type, f"CareMode does not hold {entry.type} resources")
            try:
                run.skip(entry, _Skip(reason.rstrip("."), entry.type))
            except ImportRefusedError as error:
                error.expression = in_bundle(entry.where, error.expression)
                raise
    run.report.outcomes.sort(key=lambda o: _position(o.where))
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="fhir.import",
        detail={
            "system": system,
            "kind": source.kind,
            "counts": run.report.counts(),
            "subjects": run.report.subject_ids(),
            "unknown_extensions": sum(run.report.unknown_extensions.values()),
            "unmapped": len(run.report.unmapped),
        },
    )
    return run.report


# Who may run `caremode fhir_import`: it adds people to caseloads, as only an administrator's
# account administration does.
IMPORTER_ROLES = ("admin",)


def check_importer(username: str) -> User:
    """The member of staff running an import from the console: an active administrator.
    Raises DomainError naming `--user` otherwise (this is the operator's console, so an unknown
    name and a wrong role are told apart)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(f"--user: no active account is called {username!r}.", field="--user")
    if user.role not in IMPORTER_ROLES:
        raise DomainError(
            f"--user: {username!r} is a {user.get_role_display().lower()}; only an "
            "administrator may import from a record system.",
            field="--user",
        )
    return user


def check_team(name_or_pk: str) -> Team:
    """The team named for new people, or DomainError naming `--team`."""
    team = find_team(name_or_pk)
    if team is None:
        raise DomainError(f"--team: no team is called or numbered {name_or_pk!r}.", field="--team")
    return team


def _position(where: str) -> int:
    digits = "".join(ch for ch in where if ch.isdigit())
    return int(digits) if digits else -1


RESPONSE_STATUS = {"created": "201 Created", "updated": "200 OK", "unchanged": "200 OK"}


def transaction_response(report: ImportReport, base_url: str) -> dict[str, Any]:
    """The FHIR `transaction-response` Bundle of an imported transaction: one entry per entry
    asked, in order, with its status and the location of CareMode's record."""
    return fhir_resources.validated(
        {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                {
                    "response": {
                        "status": RESPONSE_STATUS[o.action],
                        **({"location": f"{base_url}{o.location}"} if o.location else {}),
                    }
                }
                for o in report.outcomes
            ],
        }
    )
