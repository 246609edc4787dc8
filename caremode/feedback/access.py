"""Guarded fetches of feedback and carers' input: not allowed and not found are the same 404,
and every fetch is audited."""

from __future__ import annotations

from django.http import Http404

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.feedback.models import CarerInput, CarerInvitation, FeedbackRequest
from caremode.feedback.selectors import own_invitations, own_requests
from caremode.people.consent import assessment_input_consents_of
from caremode.people.models import CarerConsent
from caremode.scheduling.access import access_contact
from caremode.scheduling.models import Contact


def access_own_feedback_request(user: User, pk: int) -> FeedbackRequest:
    """A questionnaire addressed to `user` (service user, carer or clinician), else Http404."""
    found = own_requests(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    record_event(
        actor=user,
        action=AuditAction.READ,
        obj=found,
        subject_id=found.service_user_id,
        detail={"purpose": "feedback"},
    )
    return found


def access_own_invitation(user: User, pk: int) -> CarerInvitation:
    """An invitation addressed to the carer signed in as `user`, else Http404; audited."""
    found = own_invitations(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    record_event(
        actor=user,
        action=AuditAction.READ,
        obj=found,
        subject_id=found.service_user_id,
        detail={"purpose": "carer input"},
    )
    return found


def access_consent_to_give_input(user: User, service_user_pk: int) -> CarerConsent:
    """The current consent that lets the carer signed in as `user` give input about (and raise
    concerns about) service user `service_user_pk`, else Http404; audited."""
    consent = assessment_input_consents_of(user).filter(service_user_id=service_user_pk).first()
    if consent is None:
        raise Http404
    record_event(
        actor=user,
        action=AuditAction.READ,
        obj=consent.service_user,
        subject_id=service_user_pk,
        detail={"purpose": "raise a concern"},
    )
    return consent


def access_carer_views_of_contact(user: User, pk: int) -> tuple[Contact, list[CarerInput]]:
    """A contact the care-team member may see (audited by `access_contact`) and what carers
    told the team before it."""
    contact = access_contact(user, pk)
    return contact, list(
        CarerInput.objects.filter(contact=contact).select_related("carer").order_by("given_at")
    )
