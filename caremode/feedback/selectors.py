"""Reads of feedback requests and carers' input (the guarded fetches are in `access.py`; the
counts for teams and services in `results.py`)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.feedback.models import CarerInput, CarerInvitation, FeedbackRequest, Respondent
from caremode.people.models import Carer, ServiceUser


def own_requests(user: User) -> QuerySet[FeedbackRequest]:
    """The questionnaires that are `user`'s to answer: as the service user, the carer or the
    clinician they are addressed to (nobody else's, whatever their role)."""
    if not user.is_authenticated:
        return FeedbackRequest.objects.none()
    if user.role == Role.SERVICE_USER:
        mine = Q(respondent=Respondent.SERVICE_USER, service_user__account=user)
    elif user.role == Role.CARER:
        mine = Q(respondent=Respondent.CARER, carer__account=user)
    elif user.is_care_team:
        mine = Q(respondent=Respondent.STAFF, staff=user)
    else:
        return FeedbackRequest.objects.none()
    return FeedbackRequest.objects.filter(mine).select_related(
        "contact__team", "contact__service_user", "service_user"
    )


def list_open_requests(user: User) -> list[FeedbackRequest]:
    """`user`'s questionnaires still open, soonest to close first."""
    return list(
        own_requests(user)
        .filter(answered_on__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("expires_at", "pk")
    )


def own_invitations(account: User) -> QuerySet[CarerInvitation]:
    """Invitations addressed to the carer signed in as `account`."""
    if not account.is_authenticated or account.role != Role.CARER:
        return CarerInvitation.objects.none()
    return CarerInvitation.objects.filter(carer__account=account).select_related(
        "contact__team", "service_user", "carer"
    )


def list_open_invitations(account: User) -> list[CarerInvitation]:
    """The carer's invitations still open (not answered, revoked or past the contact's start);
    consent is asked again when one is opened."""
    return list(
        own_invitations(account)
        .filter(answered_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("expires_at", "pk")
    )


def list_carer_views(service_user: ServiceUser) -> list[CarerInput]:
    """What carers have told the team about `service_user`, newest first (for the care team,
    after `access_service_user`)."""
    return list(
        CarerInput.objects.filter(service_user=service_user).select_related("carer", "contact")
    )


def carer_views_by_contact(views: list[CarerInput]) -> dict[int, list[CarerInput]]:
    """The views given before each contact, by contact id."""
    by_contact: dict[int, list[CarerInput]] = defaultdict(list)
    for view in views:
        if view.contact_id is not None:
            by_contact[view.contact_id].append(view)
    return dict(by_contact)


def known_names() -> set[str]:
    """Every given and family name of the staff, service users and carers CareMode holds, to be
    taken out of excerpts before they are shown (`anonymise`); never shown themselves."""
    names: set[str] = set()
    for model, fields in (
        (User, ("first_name", "last_name", "display_name")),
        (ServiceUser, ("given_name", "family_name")),
        (Carer, ("given_name", "family_name")),
    ):
        for row in model._default_manager.values_list(*fields):
            names.update(part for value in row for part in value.split() if part)
    return names
