"""What a record system's FHIR file or transaction asks CareMode to hold (pure: no database).

`read_source` reads a transaction or collection Bundle, or NDJSON (one resource a line, as FHIR
bulk data exports are), and validates every resource with `fhir.resources` (R4). The `read_…`
functions map one resource to CareMode's terms: a Patient's details in NHS Data Dictionary
codes, a Practitioner's CareMode username, a RelatedPerson's carer details, the scopes of a
Consent that names a carer; `reference` says what a reference points at. Nothing is guessed: a
code with no CareMode equivalent is an `Unmapped` note naming the element, an extension CareMode
does not know is counted by URL and kept out, a modifier extension refuses the resource.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import nhs_number
import pydantic

from caremode.core import codes
from caremode.interop import fhir_resources

BUNDLE_TYPES = ("transaction", "collection")
# Resource types the import reads; every other one is refused with the reason in NOT_IMPORTED.
IMPORTED = ("Patient", "Practitioner", "RelatedPerson", "Consent", "Appointment")
NOT_IMPORTED = {
    "Encounter": "Encounters are recorded in CareMode when a contact's outcome is recorded; "
    "CareMode publishes them (GET /fhir/Encounter), it does not take them in.",
    "Flag": "Flags are CareMode's own team alerts, raised by its rules; CareMode publishes them "
    "(GET /fhir/Flag), it does not take them in.",
    "Observation": "Observations are the totals CareMode computes from questionnaire answers; "
    "it does not take them in.",
    "QuestionnaireResponse": "Questionnaire responses are received one at a time at "
    "POST /fhir/QuestionnaireResponse, where CareMode scores them and raises its alerts.",
    "Questionnaire": "CareMode asks its own questionnaires (GET /fhir/Questionnaire); it does not "
    "take definitions in.",
}
CONSENT_NOT_IMPORTED = (
    "A carer's consent is recorded in CareMode by the team with the person (E10); a Consent is "
    "taken in only beside the RelatedPerson it names, with the actions of CareMode's "
    "carer-consent-scope code system."
)
# Extensions that carry a person's ethnicity in another country's categories: never an NHS
# ethnic category, so reported as codes that cannot be mapped rather than counted as unknown.
FOREIGN_ETHNICITY = {
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race": "US Core race",
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity": "US Core ethnicity",
}
KNOWN_EXTENSIONS = {
    "Patient": {fhir_resources.ETHNIC_CATEGORY_URL, fhir_resources.INTERPRETER_REQUIRED_URL},
    "Appointment": {fhir_resources.DELIVERY_CHANNEL_URL},
}
GENDER_CODE = {"male": "1", "female": "2", "other": "9", "unknown": "X"}
NOT_KNOWN_ETHNICITY = "99"
CONSENT_SCOPES = {
    "join-contacts": "join_contacts",
    "appointment-details": "appointment_details",
    "assessment-input": "assessment_input",
}
OUTWARD_CODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?[0-9][A-Z]{2}$")


class ImportInputError(ValueError):
    """Input no import can take: not FHIR, not valid, or unsafe to read. Names where (the
    Bundle entry or NDJSON line) and the element (FHIRPath-like)."""

    def __init__(self, message: str, *, where: str, expression: str) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.expression = expression

    def __str__(self) -> str:
        return f"{self.where}, {self.expression}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """One resource of the input: where it is, its fullUrl, its request (transactions)."""

    index: int
    where: str
    resource: dict[str, Any]
    full_url: str = ""
    method: str = ""
    url: str = ""
    if_none_exist: str = ""

    @property
    def type(self) -> str:
        return str(self.resource["resourceType"])

    @property
    def label(self) -> str:
        ident = self.resource.get("id")
        return f"{self.type}/{ident}" if ident else self.type


@dataclass(frozen=True)
class Source:
    kind: str  # "transaction", "collection" or "ndjson"
    entries: list[Entry]

    @property
    def is_transaction(self) -> bool:
        return self.kind == "transaction"

    @cached_property
    def by_full_url(self) -> dict[str, Entry]:
        return {e.full_url: e for e in self.entries if e.full_url}

    @cached_property
    def by_type_and_id(self) -> dict[tuple[str, str], Entry]:
        return {(e.type, str(e.resource["id"])): e for e in self.entries if e.resource.get("id")}


@dataclass(frozen=True)
class Unmapped:
    """A code CareMode cannot map, and what it did instead."""

    where: str
    resource: str
    expression: str
    value: str
    note: str


@dataclass
class Reading:
    """What reading one resource noticed besides its content."""

    unknown_extensions: list[tuple[str, str]] = field(default_factory=list)  # (expression, url)
    unmapped: list[Unmapped] = field(default_factory=list)
    to_complete: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PatientDetails:
    """A Patient in CareMode's terms. `fields` are ServiceUser fields the import may write;
    a field absent here is left as it is on an existing person."""

    nhs_number: str
    fields: dict[str, Any]
    phone: str
    email: str
    refusal: str = ""  # why the import does not take this person, when it does not


@dataclass(frozen=True)
class CarerDetails:
    patient: str  # the reference to the person cared for
    fields: dict[str, Any]


@dataclass(frozen=True)
class ConsentScopes:
    patient: str  # the reference to the person who consents
    actors: list[str]  # references to the RelatedPersons it names
    codes: frozenset[str]  # CareMode's carer-consent-scope codes, keys of CONSENT_SCOPES


@dataclass(frozen=True)
class Reference:
    """What a reference points at: an `entry` of the input (by fullUrl or Type/id), a
    `conditional` search (`Patient?identifier=system|value`), or a CareMode `record` id."""

    kind: str
    type: str
    entry: int | None = None
    system: str = ""
    value: str = ""
    record_id: int | None = None


def in_bundle(where: str, expression: str) -> str:
    """An element of a Bundle entry's resource as the Bundle names it: `Patient.birthDate` of
    entry[2] is `Bundle.entry[2].resource.birthDate`; other places are left as they are."""
    if not where.startswith("entry[") or not expression or expression.startswith("Bundle"):
        return expression
    head, dot, rest = expression.partition(".")
    bracket = head.find("[")
    tail = head[bracket:] if bracket >= 0 else ""
    return f"Bundle.{where}.resource{tail}{dot}{rest}"


def element(error: pydantic.ValidationError, resource_type: str) -> tuple[str, str]:
    """(message, FHIRPath-like expression) of the first problem fhir.resources found."""
    first = error.errors()[0]
    parts = [str(part) for part in first["loc"] if part != "__root__"]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    where = path.lstrip(".")
    return f"{where or resource_type}: {first['msg']}", f"{resource_type}{path}"


def _validated(resource: Any, where: str) -> dict[str, Any]:
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise ImportInputError(
            "Each entry holds a FHIR resource with its resourceType.",
            where=where,
            expression="resourceType",
        )
    kind = resource["resourceType"]
    try:
        return fhir_resources.parsed(resource)
    except (
        pydantic.ValidationError,
        KeyError,
        LookupError,
        ValueError,
        TypeError,
        RecursionError,
    ) as error:
        if isinstance(error, pydantic.ValidationError):
            message, expression = element(error, kind)
        elif isinstance(error, RecursionError):
            message, expression = f"The {kind} is nested too deeply to be FHIR.", kind
        else:
            message, expression = f"{kind} is not a FHIR R4 resource type.", "resourceType"
        raise ImportInputError(message, where=where, expression=expression) from None


def _bundle(bundle: dict[str, Any]) -> Source:
    kind = bundle.get("type")
    if kind not in BUNDLE_TYPES:
        raise ImportInputError(
            f"CareMode imports a transaction or collection Bundle, not {kind!r}.",
            where="Bundle",
            expression="Bundle.type",
        )
    entries = []
    full_urls: set[str] = set()
    raw = bundle.get("entry") or []
    if not isinstance(raw, list):
        raise ImportInputError("Bundle.entry is a list.", where="Bundle", expression="Bundle.entry")
    for n, item in enumerate(raw):
        where = f"entry[{n}]"
        if not isinstance(item, dict) or "resource" not in item:
            raise ImportInputError(
                "Each entry holds a resource (CareMode imports; it does not delete or search).",
                where=where,
                expression=f"Bundle.entry[{n}].resource",
            )
        request = item.get("request") or {}
        if not isinstance(request, dict):
            raise ImportInputError(
                "An entry's request is an object (method and url).",
                where=where,
                expression=f"Bundle.entry[{n}].request",
            )
        full_url = str(item.get("fullUrl") or "")
        if full_url and full_url in full_urls:
            # A reference to a repeated fullUrl could land on either entry: a carer, say, on
            # the wrong person.
            raise ImportInputError(
                f"The fullUrl {full_url} is given to two entries; each entry has its own.",
                where=where,
                expression=f"Bundle.entry[{n}].fullUrl",
            )
        full_urls.add(full_url)
        method = str(request.get("method") or "")
        if kind == "transaction" and method not in ("POST", "PUT"):
            raise ImportInputError(
                f"A transaction imported into CareMode creates or updates (POST or PUT), "
                f"not {method or 'nothing'}.",
                where=where,
                expression=f"Bundle.entry[{n}].request.method",
            )
        entries.append(
            Entry(
                index=n,
                where=where,
                resource=_validated(item["resource"], where),
                full_url=full_url,
                method=method,
                url=str(request.get("url") or ""),
                if_none_exist=str(request.get("ifNoneExist") or ""),
            )
        )
    return Source(kind=str(kind), entries=entries)


def read_source(text: str) -> Source:
    """The entries of a Bundle (JSON) or of NDJSON, each resource validated. Raises
    ImportInputError naming the entry or line and the element."""
    stripped = text.strip()
    if not stripped:
        raise ImportInputError("The file is empty.", where="file", expression="")
    try:
        whole = json.loads(stripped)
    except ValueError:
        whole = None
    except RecursionError:
        raise ImportInputError(
            "The JSON is nested too deeply to be FHIR.", where="file", expression=""
        ) from None
    if isinstance(whole, dict):
        if whole.get("resourceType") != "Bundle":
            # One resource alone: read as NDJSON of one line.
            return Source(kind="ndjson", entries=[Entry(0, "line 1", _validated(whole, "line 1"))])
        return _bundle(whole)
    entries: list[Entry] = []
    for n, line in enumerate(text.splitlines()):
        where = f"line {n + 1}"
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except RecursionError:
            raise ImportInputError(
                "The JSON is nested too deeply to be FHIR.", where=where, expression=""
            ) from None
        except json.JSONDecodeError as error:
            raise ImportInputError(
                f"Not JSON ({error.msg}): NDJSON holds one resource a line.",
                where=where,
                expression="",
            ) from None
        if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
            raise ImportInputError(
                "A line of NDJSON is one resource, not a Bundle.",
                where=where,
                expression="Bundle",
            )
        entries.append(Entry(index=len(entries), where=where, resource=_validated(resource, where)))
    return Source(kind="ndjson", entries=entries)


def single(resource: Any, *, if_none_exist: str = "") -> Source:
    """One resource POSTed to its type (`POST /fhir/Patient`) as a transaction of one entry;
    `if_none_exist` is the FHIR conditional create's header, which CareMode reads by NHS number
    only (`identifier=https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN`). Raises ImportInputError."""
    validated = _validated(resource, "Patient")
    if if_none_exist:
        system, bar, value = if_none_exist.removeprefix("identifier=").rpartition("|")
        wanted = _identifier(validated, fhir_resources.NHS_NUMBER_SYSTEM)
        if not (
            if_none_exist.startswith("identifier=")
            and bar
            and system == fhir_resources.NHS_NUMBER_SYSTEM
            and value == wanted
        ):
            raise ImportInputError(
                "If-None-Exist names the Patient's own NHS number: "
                f"identifier={fhir_resources.NHS_NUMBER_SYSTEM}|NNNNNNNNNN.",
                where="If-None-Exist",
                expression="Patient.identifier",
            )
    entry = Entry(0, "Patient", validated, method="POST", if_none_exist=if_none_exist)
    return Source(kind="transaction", entries=[entry])


def _walk_extensions(node: Any, path: str) -> Iterator[tuple[str, str, str]]:
    """(key, expression, url) of every extension and modifier extension below `node`."""
    if isinstance(node, list):
        for n, item in enumerate(node):
            yield from _walk_extensions(item, f"{path}[{n}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            name = key.removeprefix("_")
            if key in ("extension", "modifierExtension") and isinstance(value, list):
                for n, ext in enumerate(value):
                    url = str(ext.get("url", "")) if isinstance(ext, dict) else ""
                    yield key, f"{path}.{key}[{n}]", url
            elif key != "contained":
                yield from _walk_extensions(value, f"{path}.{name}")


def check_extensions(entry: Entry, reading: Reading) -> None:
    """Note the extensions CareMode does not read (counted, kept out) and the foreign ethnicity
    ones (unmapped); refuse a modifier extension, which changes what the resource means."""
    known = KNOWN_EXTENSIONS.get(entry.type, set())
    top = f"{entry.type}.extension["
    for key, expression, url in _walk_extensions(entry.resource, entry.type):
        if key == "modifierExtension":
            raise ImportInputError(
                f"A modifier extension ({url}) changes what the {entry.type} means; CareMode "
                "does not know it, so it cannot safely read the resource.",
                where=entry.where,
                expression=expression,
            )
        if expression.startswith(top) and expression.count(".") == 1:
            if url in known:
                continue
            if url in FOREIGN_ETHNICITY:
                reading.unmapped.append(
                    Unmapped(
                        entry.where,
                        entry.label,
                        expression,
                        url,
                        f"{FOREIGN_ETHNICITY[url]} is not an NHS ethnic category; not guessed.",
                    )
                )
                continue
        reading.unknown_extensions.append((expression, url))


def _identifier(resource: dict[str, Any], system: str) -> str:
    for ident in resource.get("identifier") or []:
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"]).replace(" ", "")
    return ""


def check_nhs_number(value: str, *, where: str, expression: str) -> str:
    """The NHS number if it is ten digits with the right modulus-11 check digit; else raises."""
    if not (len(value) == 10 and value.isdigit() and nhs_number.is_valid(value)):
        raise ImportInputError(
            f"{value!r} is not a valid NHS number (10 digits, modulus-11 check digit).",
            where=where,
            expression=expression,
        )
    return value


def _chosen_name(resource: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    names = [n for n in resource.get("name") or [] if n.get("family") or n.get("given")]
    if not names:
        return None
    for use in ("official", "usual", None):
        for n, name in enumerate(resource.get("name") or []):
            if (use is None or name.get("use") == use) and name in names:
                return n, name
    return None


def _ethnic_category(entry: Entry, reading: Reading) -> str | None:
    for n, ext in enumerate(entry.resource.get("extension") or []):
        if ext.get("url") != fhir_resources.ETHNIC_CATEGORY_URL:
            continue
        codings = (ext.get("valueCodeableConcept") or {}).get("coding") or []
        for coding in codings:
            if (
                coding.get("system") == fhir_resources.ETHNIC_CATEGORY_SYSTEM
                and coding.get("code") in codes.ETHNIC_CATEGORIES
            ):
                return str(coding["code"])
        shown = ", ".join(f"{c.get('system')}|{c.get('code')}" for c in codings) or "no coding"
        reading.unmapped.append(
            Unmapped(
                entry.where,
                entry.label,
                f"Patient.extension[{n}].valueCodeableConcept",
                shown,
                "Not an NHS ethnic category code; recorded as not known (99) for a new person, "
                "left as it is for an existing one.",
            )
        )
        return None
    return None


def _language(entry: Entry, reading: Reading) -> tuple[str | None, str]:
    """(main language code or None, a refusal) from Patient.communication: the preferred one,
    else the first. FHIR says a Patient without communication speaks the local language."""
    communications = entry.resource.get("communication") or []
    if not communications:
        return "en", ""
    chosen = next(
        (n for n, c in enumerate(communications) if c.get("preferred")),
        0,
    )
    concept = communications[chosen].get("language") or {}
    tags = [
        str(c.get("code", ""))
        for c in concept.get("coding") or []
        if c.get("system") in (fhir_resources.LANGUAGE_SYSTEM, None)
    ]
    for tag in tags:
        primary = tag.split("-")[0].lower()
        if primary in codes.LANGUAGES:
            return primary, ""
        if tag.lower() == "sgn-gb":
            return "bfi", ""
    shown = ", ".join(tags) or concept.get("text") or "no coding"
    reading.unmapped.append(
        Unmapped(
            entry.where,
            entry.label,
            f"Patient.communication[{chosen}].language",
            str(shown),
            "Not one of the languages CareMode records; not guessed.",
        )
    )
    return None, (
        f"the person's language ({shown}) is not one CareMode records, and recording another "
        "would hide the need for an interpreter: register them in CareMode"
    )


def _postcode_district(entry: Entry, reading: Reading) -> str | None:
    addresses = [
        (n, a)
        for n, a in enumerate(entry.resource.get("address") or [])
        if a.get("postalCode") and a.get("use") not in ("old", "billing")
    ]
    addresses.sort(key=lambda pair: pair[1].get("use") != "home")
    for n, address in addresses:
        postcode = str(address["postalCode"]).strip().upper()
        found = OUTWARD_CODE.match(postcode) or re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", postcode)
        if found:
            return found.group(1) if found.groups() else postcode
        reading.unmapped.append(
            Unmapped(
                entry.where,
                entry.label,
                f"Patient.address[{n}].postalCode",
                postcode,
                "Not a UK postcode; the postcode district is left to record in CareMode.",
            )
        )
        return None
    return None


def _telecom(resource: dict[str, Any], system: str) -> str:
    usable = [
        t
        for t in resource.get("telecom") or []
        if t.get("system") == system
        and t.get("value")
        and t.get("use") not in ("old", "work")
        and not (t.get("period") or {}).get("end")
    ]
    usable.sort(key=lambda t: (t.get("use") != "mobile", t.get("rank") or 99))
    return str(usable[0]["value"]).strip() if usable else ""


def read_patient(entry: Entry, reading: Reading) -> PatientDetails:
    """A Patient in CareMode's terms. Raises ImportInputError for an NHS number that fails its
    check; a Patient CareMode does not take (no NHS number, no name or full date of birth,
    died, inactive or replaced) comes back with its `refusal`."""
    resource = entry.resource
    number = _identifier(resource, fhir_resources.NHS_NUMBER_SYSTEM)
    if not number:
        return PatientDetails("", {}, "", "", refusal="no NHS number")
    ident = next(
        n
        for n, i in enumerate(resource.get("identifier") or [])
        if i.get("system") == fhir_resources.NHS_NUMBER_SYSTEM
    )
    check_nhs_number(number, where=entry.where, expression=f"Patient.identifier[{ident}].value")
    refusal = ""
    if resource.get("deceasedBoolean") or resource.get("deceasedDateTime"):
        refusal = "the record system records that this person has died"
    elif resource.get("active") is False or any(
        link.get("type") == "replaced-by" for link in resource.get("link") or []
    ):
        refusal = "the record is inactive or replaced by another (a merged record)"
    chosen = _chosen_name(resource)
    born = resource.get("birthDate")
    if not refusal and chosen is None:
        refusal = "no name"
    if not refusal and not (isinstance(born, str) and len(born) == 10):
        refusal = "no full date of birth"
    if refusal:
        return PatientDetails(number, {}, "", "", refusal=refusal)
    assert chosen is not None and isinstance(born, str)
    _, name = chosen
    fields: dict[str, Any] = {
        "given_name": " ".join(name.get("given") or []).strip(),
        "family_name": str(name.get("family") or "").strip(),
        "date_of_birth": dt.date.fromisoformat(born),
        "gender": GENDER_CODE.get(str(resource.get("gender") or ""), "X"),
    }
    ethnic = _ethnic_category(entry, reading)
    if ethnic is not None:
        fields["ethnic_category"] = ethnic
    language, refusal = _language(entry, reading)
    if language is not None:
        fields["main_language"] = language
    district = _postcode_district(entry, reading)
    if district is not None:
        fields["postcode_district"] = district
    for n, ext in enumerate(resource.get("extension") or []):
        if ext.get("url") == fhir_resources.INTERPRETER_REQUIRED_URL and ext.get("valueBoolean"):
            reading.to_complete.append(
                f"Patient.extension[{n}]: needs an interpreter; record the need with its "
                "language and how on the person's page (CareMode arranges one from that)"
            )
    return PatientDetails(
        number,
        fields,
        phone=_telecom(resource, "phone"),
        email=_telecom(resource, "email"),
        refusal=refusal,
    )


def read_practitioner(entry: Entry) -> str:
    """The CareMode staff username a Practitioner carries, or "" when it carries none."""
    return _identifier(entry.resource, fhir_resources.staff_username_system())


def read_carer(entry: Entry) -> CarerDetails:
    """A RelatedPerson as CareMode's carer: names, relationship (its text, else the first
    coding's display or code), telephone and email."""
    resource = entry.resource
    chosen = _chosen_name(resource)
    name = chosen[1] if chosen else {}
    relationship = ""
    for concept in resource.get("relationship") or []:
        codings = concept.get("coding") or [{}]
        relationship = str(
            concept.get("text") or codings[0].get("display") or codings[0].get("code") or ""
        )
        if relationship:
            break
    return CarerDetails(
        patient=str((resource.get("patient") or {}).get("reference") or ""),
        fields={
            "given_name": " ".join(name.get("given") or []).strip(),
            "family_name": str(name.get("family") or "").strip(),
            "relationship": relationship[:60] or "Not stated",
            "phone": _telecom(resource, "phone"),
            "email": _telecom(resource, "email"),
        },
    )


def read_consent_scopes(entry: Entry) -> ConsentScopes | None:
    """What an active Consent lets the RelatedPersons it names do, in CareMode's scope codes;
    None when it is not such a consent (then it is not imported)."""
    resource = entry.resource
    provision = resource.get("provision") or {}
    if resource.get("status") != "active" or provision.get("type") != "permit":
        return None
    system = fhir_resources.local_system("CodeSystem/carer-consent-scope")
    held = frozenset(
        str(coding["code"])
        for action in provision.get("action") or []
        for coding in action.get("coding") or []
        if coding.get("system") == system and coding.get("code") in CONSENT_SCOPES
    )
    actors = [
        str((actor.get("reference") or {}).get("reference") or "")
        for actor in provision.get("actor") or []
    ]
    actors = [a for a in actors if "RelatedPerson" in a or a.startswith("urn:")]
    if not actors or not held:
        return None
    return ConsentScopes(
        patient=str((resource.get("patient") or {}).get("reference") or ""),
        actors=actors,
        codes=held,
    )


def reference(value: str, kind: str, source: Source) -> Reference | None:
    """What `value` (a reference to a `kind`) points at, or None when it cannot point at
    anything CareMode could know (another type, a malformed value)."""
    found = source.by_full_url.get(value)
    if found is not None:
        return Reference("entry", found.type, entry=found.index) if found.type == kind else None
    if value.startswith("urn:"):
        return None
    base, question, query = value.partition("?")
    if question:
        if base.rsplit("/", 1)[-1] != kind or not query.startswith("identifier="):
            return None
        system, bar, ident = query.removeprefix("identifier=").rpartition("|")
        return Reference("conditional", kind, system=system, value=ident) if bar else None
    prefix, _, ident = value.rpartition("/")
    if prefix.rsplit("/", 1)[-1] != kind or not ident:
        return None
    named = source.by_type_and_id.get((kind, ident))
    if named is not None:
        return Reference("entry", kind, entry=named.index)
    if ident.isascii() and ident.isdigit() and len(ident) < 19:
        return Reference("record", kind, record_id=int(ident))
    return Reference("unknown", kind, value=ident)
