"""Consent predicates: the one home for "may this carer …?" (E10).

Every place that decides who is told or let in — booking, reminders, rooms, decisions, the portal,
the worker at send time — asks here, never the `CarerConsent` fields directly. Consent is always
given by one service user for one carer: a consent given by another person never counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from caremode.accounts.models import User
from caremode.people.models import Carer, CarerConsent, ServiceUser

CURRENT = Q(revoked_at__isnull=True)
JOIN_CONTACTS = Q(scope_join_contacts=True)
APPOINTMENT_DETAILS = Q(scope_appointment_details=True)
ASSESSMENT_INPUT = Q(scope_assessment_input=True)
# Taking part in a shared decision: as someone who joins contacts or gives input to assessments.
TAKE_PART_IN_DECISIONS = JOIN_CONTACTS | ASSESSMENT_INPUT


def _consents(service_user: ServiceUser | int, scope: Q) -> QuerySet[CarerConsent]:
    su_id = service_user if isinstance(service_user, int) else service_user.pk
    return CarerConsent.objects.filter(CURRENT & scope, service_user_id=su_id)


def _has(carer: Carer | int | None, service_user: ServiceUser | int, scope: Q) -> bool:
    if carer is None:
        return False
    carer_id = carer if isinstance(carer, int) else carer.pk
    return _consents(service_user, scope).filter(carer_id=carer_id).exists()


def may_join_contacts(carer: Carer | int | None, service_user: ServiceUser | int) -> bool:
    """Whether `service_user`'s current consent lets `carer` join their contacts."""
    return _has(carer, service_user, JOIN_CONTACTS)


def may_receive_appointment_details(
    carer: Carer | int | None, service_user: ServiceUser | int
) -> bool:
    """Whether `service_user`'s current consent lets `carer` be told about appointments."""
    return _has(carer, service_user, APPOINTMENT_DETAILS)


def may_take_part_in_decisions(carer: Carer | int | None, service_user: ServiceUser | int) -> bool:
    """Whether `carer` may take part in `service_user`'s shared decisions about mode."""
    return _has(carer, service_user, TAKE_PART_IN_DECISIONS)


def may_give_assessment_input(carer: Carer | int | None, service_user: ServiceUser | int) -> bool:
    """Whether `service_user`'s current consent lets `carer` tell the team what they have noticed
    before assessments, reviews and risk contacts, and raise concerns (E10)."""
    return _has(carer, service_user, ASSESSMENT_INPUT)


def may_give_feedback(carer: Carer | int | None, service_user: ServiceUser | int) -> bool:
    """Whether `carer` may be asked for feedback on `service_user`'s contacts: only a carer whose
    consent lets them take part (join contacts), since only they were there."""
    return _has(carer, service_user, JOIN_CONTACTS)


def consents_to_join(service_user: ServiceUser | int) -> QuerySet[CarerConsent]:
    """Current consents of `service_user` that let a carer join contacts, with the carer."""
    return _consents(service_user, JOIN_CONTACTS).select_related("carer")


def consents_to_appointment_details(service_user: ServiceUser | int) -> QuerySet[CarerConsent]:
    """Current consents of `service_user` that let a carer be told about appointments."""
    return _consents(service_user, APPOINTMENT_DETAILS).select_related("carer")


def consents_to_take_part_in_decisions(service_user: ServiceUser | int) -> QuerySet[CarerConsent]:
    """Current consents of `service_user` that let a carer take part in shared decisions."""
    return _consents(service_user, TAKE_PART_IN_DECISIONS).select_related("carer")


def consents_to_assessment_input(service_user: ServiceUser | int) -> QuerySet[CarerConsent]:
    """Current consents of `service_user` that let a carer give input to assessments."""
    return _consents(service_user, ASSESSMENT_INPUT).select_related("carer")


def assessment_input_consents_of(account: User) -> QuerySet[CarerConsent]:
    """Current consents that let the carer signed in as `account` give input to assessments,
    with the service user (the carer page's "tell the team" and "raise a concern")."""
    return CarerConsent.objects.filter(
        CURRENT & ASSESSMENT_INPUT, carer__account=account, service_user__status="active"
    ).select_related("service_user", "carer")


def service_users_sharing_appointments_with(account: User) -> QuerySet[CarerConsent, int]:
    """Ids of the service users whose current consent lets the carer signed in as `account` be
    told about appointments (what a carer may see: `ServiceUser.objects.visible_to`)."""
    told = CarerConsent.objects.filter(CURRENT & APPOINTMENT_DETAILS, carer__account=account)
    return told.values_list("service_user_id", flat=True)


def consents_naming_carers_to_systems(
    people: QuerySet[ServiceUser], *, carer_pk: int | None = None
) -> QuerySet[CarerConsent]:
    """Current consents of `people` (already chosen through the selector for systems,
    caremode.interop), with the carer: a trust's record system is told who a person's carer is
    (FHIR RelatedPerson) only while the person's consent to that carer stands, whatever its
    scope; revoking it ends the sharing at once (E10, hazard H-F05)."""
    consents = CarerConsent.objects.filter(CURRENT, service_user__in=people)
    if carer_pk is not None:
        consents = consents.filter(carer_id=carer_pk)
    return consents.select_related("carer").order_by("carer_id", "service_user_id")


def carers_joining_to_systems(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (carer id, service user id) pairs among `pairs` whose person's current consent lets
    the carer join their contacts (`may_join_contacts`, for many contacts in one query): a
    record system's Appointment names the carer invited to a contact only while this stands,
    and the moment it is withdrawn the carer leaves the Appointment (E10, hazard H-F05)."""
    wanted = set(pairs)
    if not wanted:
        return set()
    consents = CarerConsent.objects.filter(
        CURRENT & JOIN_CONTACTS,
        carer_id__in={carer for carer, _ in wanted},
        service_user_id__in={person for _, person in wanted},
    ).values_list("carer_id", "service_user_id")
    return {pair for pair in consents if pair in wanted}


def scope_codes(consent: CarerConsent) -> list[tuple[str, str]]:
    """(code, label) of each thing `consent` lets the carer do, in the order the pages list
    them, by a code systems can read (the FHIR Consent's actions); the same whether or not it
    has been revoked."""
    held = (
        ("join-contacts", consent.scope_join_contacts),
        ("appointment-details", consent.scope_appointment_details),
        ("assessment-input", consent.scope_assessment_input),
    )
    return list(zip((code for code, on in held if on), consent.scopes(), strict=True))
