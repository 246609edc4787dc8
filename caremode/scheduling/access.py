"""Guarded fetch of a contact: the only way an interface reaches one."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404

from caremode.accounts.models import User
from caremode.audit.services import record_read
from caremode.people.access import access_own_record, access_service_user
from caremode.people.models import ServiceUser
from caremode.people.selectors import list_teams_for
from caremode.scheduling.models import (
    AppointmentRequest,
    Commitment,
    Contact,
    FollowUpTask,
    Handover,
    TeamAlert,
)


def access_contact(user: User, pk: int, *, purpose: str = "view contact") -> Contact:
    """The contact `pk` if `user` may see its service user, else Http404; audited as a read."""
    contact = get_object_or_404(
        Contact.objects.visible_to(user).select_related("carer_invited", "clinician"), pk=pk
    )
    contact.service_user = access_service_user(user, contact.service_user_id, purpose=purpose)
    return contact


def access_follow_up(user: User, pk: int) -> FollowUpTask:
    """A follow-up task of one of the user's teams, else Http404; audited as a read of the
    person it is about (the page shows their name and the missed contact)."""
    task = get_object_or_404(
        FollowUpTask.objects.filter(team__in=list_teams_for(user)).select_related(
            "service_user", "contact"
        ),
        pk=pk,
    )
    record_read(actor=user, obj=task, subject_id=task.service_user_id, purpose="follow-up")
    return task


def access_alert(user: User, pk: int) -> TeamAlert:
    """An alert raised for one of the user's teams, else Http404."""
    return get_object_or_404(
        TeamAlert.objects.filter(team__in=list_teams_for(user)).select_related("service_user"),
        pk=pk,
    )


# What a receiving team may still open: one waiting for its answer, or one it accepted (the
# person is then on its caseload). Declined or withdrawn, it is as if it never reached them.
RECEIVER_SEES = [Handover.Status.PENDING, Handover.Status.ACCEPTED]


def access_handover(user: User, pk: int) -> Handover:
    """A handover the user's team sends (whatever became of it, with the reason given), or
    receives while it is pending or once accepted; else Http404, the same as not found. The
    receiving team sees the person's name and the summary so that it can decide; the read is
    audited."""
    teams = list_teams_for(user)
    handover = get_object_or_404(
        Handover.objects.filter(
            Q(from_team__in=teams) | Q(to_team__in=teams, status__in=RECEIVER_SEES)
        ).select_related("service_user", "from_team", "to_team", "requested_by", "responded_by"),
        pk=pk,
    )
    record_read(actor=user, obj=handover, subject_id=handover.service_user_id, purpose="handover")
    return handover


def access_commitment(user: User, pk: int) -> Commitment:
    """A commitment about a service user `user` may see, else Http404; records the read (the
    page names the person)."""
    commitment = get_object_or_404(
        Commitment.objects.filter(service_user__in=ServiceUser.objects.visible_to(user)), pk=pk
    )
    record_read(
        actor=user, obj=commitment, subject_id=commitment.service_user_id, purpose="commitment"
    )
    return commitment


def access_own_contact(user: User, pk: int) -> Contact:
    """One of the signed-in service user's own contacts, else Http404; audited as a read of
    their own record."""
    own = access_own_record(user)
    contact = get_object_or_404(
        own.contacts.select_related("clinician", "team__service", "carer_invited"), pk=pk
    )
    contact.service_user = own
    return contact


def access_appointment_request(user: User, pk: int) -> AppointmentRequest:
    """A person's request about an appointment with one of the user's teams, else Http404;
    audited as a read of the person (the page names them and the appointment)."""
    request = get_object_or_404(
        AppointmentRequest.objects.filter(team__in=list_teams_for(user)).select_related(
            "service_user", "contact__clinician", "closed_by"
        ),
        pk=pk,
    )
    record_read(
        actor=user, obj=request, subject_id=request.service_user_id, purpose="appointment request"
    )
    return request
