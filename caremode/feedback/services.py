"""Feedback after contacts: who is asked, by which way, and the answers (questionnaires.py).

Rules and defaults, each in the hazard log (docs/clinical-safety.md, H-F01 to H-F05):
- the worker asks after each attended contact whose outcome was recorded in the last
  `ASK_WITHIN` (an attended contact never asked is not asked weeks later);
- the service user is asked at most once in `PERSON_AT_MOST_EVERY` (a weekly contact is not a
  weekly survey), never when discharged or when processing is restricted (feedback is not
  essential); by text if they agree to texts, else email, else in the portal;
- a carer is asked only if invited to the contact and their consent lets them take part
  (`people.consent.may_give_feedback`; `Purpose.FEEDBACK` is checked again at send time);
- the clinician is asked after each attended remote contact, in CareMode only;
- a link is a `core.links` token, hash only, answered once, for `OPEN_FOR`;
- an anonymous response keeps no link to its request, and only the month; every answer in words
  becomes an excerpt (`excerpts.add_excerpt`), which never names the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.links import hash_token, new_link
from caremode.core.presenters import nhs_date
from caremode.feedback import questionnaires
from caremode.feedback.errors import FeedbackAnswerError, FeedbackLinkError
from caremode.feedback.excerpts import add_excerpt
from caremode.feedback.models import (
    AskedBy,
    ExcerptSource,
    FeedbackRequest,
    FeedbackResponse,
    Respondent,
)
from caremode.messaging.models import Channel as MessageChannel
from caremode.messaging.purposes import Purpose
from caremode.messaging.services import cancel_queued_messages, queue_message
from caremode.people.consent import may_give_feedback
from caremode.people.models import Carer, ServiceUser
from caremode.scheduling.models import Contact

# Attended contacts whose outcome was recorded this recently are asked about (H-F01).
ASK_WITHIN = dt.timedelta(days=2)
# A service user or a carer is asked at most once in this long (H-F01).
PERSON_AT_MOST_EVERY = dt.timedelta(days=14)
# How long a questionnaire can be answered (H-F02).
OPEN_FOR = dt.timedelta(days=7)
STAFF_OPEN_FOR = dt.timedelta(days=3)
FEEDBACK_PATH = "/feedback/{token}/"


def _audit(actor: User | None, action: str, request: FeedbackRequest, **detail: object) -> None:
    record_event(
        actor=actor, action=action, obj=request, subject_id=request.service_user_id, detail=detail
    )


def _asked_recently(*, service_user: ServiceUser, carer: Carer | None, now: dt.datetime) -> bool:
    return FeedbackRequest.objects.filter(
        service_user=service_user,
        respondent=Respondent.CARER if carer else Respondent.SERVICE_USER,
        carer=carer,
        created_at__gt=now - PERSON_AT_MOST_EVERY,
    ).exists()


def _way_to_ask_person(person: ServiceUser) -> tuple[str, str]:
    """(asked_by, address) for a service user: text, email or the portal; ("", "") for none."""
    if person.phone and person.accepts_sms:
        return AskedBy.SMS, person.phone
    if person.email and person.accepts_email:
        return AskedBy.EMAIL, person.email
    if person.account_id is not None:
        return AskedBy.PORTAL, ""
    return "", ""


def _way_to_ask_carer(carer: Carer) -> tuple[str, str]:
    if carer.phone:
        return AskedBy.SMS, carer.phone
    if carer.email:
        return AskedBy.EMAIL, carer.email
    if carer.account_id is not None:
        return AskedBy.PORTAL, ""
    return "", ""


def feedback_message(
    *, given_name: str, contact: Contact, link: str, expires_at: dt.datetime
) -> str:
    """The text of a feedback link: plain English, no clinical detail."""
    return (
        f"Hello {given_name}, how was the appointment on {nhs_date(contact.start)} with "
        f"{contact.team.name}? Tell us in 2 minutes: {link} You can stay anonymous, and what "
        f"you say is never shown as yours. The link works once, until {nhs_date(expires_at)}."
    )


def _create(
    *,
    contact: Contact,
    respondent: str,
    asked_by: str,
    now: dt.datetime,
    carer: Carer | None = None,
    staff: User | None = None,
) -> tuple[FeedbackRequest, str] | None:
    """The request (once per contact and person; None if it exists) and its link or ""."""
    who = carer.pk if carer else staff.pk if staff else contact.service_user_id
    link = new_link() if asked_by in (AskedBy.SMS, AskedBy.EMAIL) else None
    try:
        with transaction.atomic():
            request = FeedbackRequest.objects.create(
                key=f"contact:{contact.pk}:{respondent}:{who}",
                contact=contact,
                respondent=respondent,
                service_user_id=contact.service_user_id,
                carer=carer,
                staff=staff,
                asked_by=asked_by,
                token_hash=link.token_hash if link else None,
                created_at=now,
                expires_at=now + (STAFF_OPEN_FOR if staff else OPEN_FOR),
            )
    except IntegrityError:
        return None
    _audit(None, AuditAction.CREATE, request, respondent=respondent, asked_by=asked_by)
    return request, link.url(FEEDBACK_PATH) if link else ""


def _send(
    request: FeedbackRequest, *, link: str, address: str, name: str, carer: Carer | None
) -> None:
    if request.asked_by == AskedBy.PORTAL:
        return
    queue_message(
        service_user=request.service_user,
        carer=carer,
        channel=MessageChannel.SMS if request.asked_by == AskedBy.SMS else MessageChannel.EMAIL,
        recipient=address,
        recipient_label=f"{name} ({'carer' if carer else 'service user'})",
        subject="How was your appointment?",
        body=feedback_message(
            given_name=name, contact=request.contact, link=link, expires_at=request.expires_at
        ),
        purpose=Purpose.FEEDBACK,
        reference=f"feedback:{request.pk}",
    )


def ask_for_feedback_after_contacts(*, now: dt.datetime | None = None) -> int:
    """Ask for feedback on each contact attended and recorded in the last `ASK_WITHIN`: the
    service user, a carer who took part with consent, and the clinician after a remote contact.

    Each contact in its own transaction, each request once (a unique key), so two workers never
    ask twice. Returns how many requests were made."""
    now = now or timezone.now()
    made = 0
    contacts = (
        Contact.objects.filter(
            attend_status__in=codes.ATTENDED,
            outcome_recorded_at__gt=now - ASK_WITHIN,
            outcome_recorded_at__lte=now,
        )
        .exclude(mode_used="")
        .select_related("service_user", "team", "carer_invited", "clinician")
        .order_by("pk")
    )
    for contact in contacts:
        with transaction.atomic():
            made += _ask_about(contact, now=now)
    return made


def _ask_about(contact: Contact, *, now: dt.datetime) -> int:
    made = 0
    person = contact.service_user
    if (
        person.status == ServiceUser.Status.ACTIVE
        and not person.processing_restricted
        and not _asked_recently(service_user=person, carer=None, now=now)
    ):
        asked_by, address = _way_to_ask_person(person)
        created = (
            _create(contact=contact, respondent=Respondent.SERVICE_USER, asked_by=asked_by, now=now)
            if asked_by
            else None
        )
        if created:
            _send(created[0], link=created[1], address=address, name=person.given_name, carer=None)
            made += 1
    carer = contact.carer_invited
    if (
        carer is not None
        and person.status == ServiceUser.Status.ACTIVE
        and may_give_feedback(carer, person)
        and not _asked_recently(service_user=person, carer=carer, now=now)
    ):
        asked_by, address = _way_to_ask_carer(carer)
        created = (
            _create(
                contact=contact,
                respondent=Respondent.CARER,
                asked_by=asked_by,
                now=now,
                carer=carer,
            )
            if asked_by
            else None
        )
        if created:
            _send(created[0], link=created[1], address=address, name=carer.given_name, carer=carer)
            made += 1
    if (
        contact.mode_used in codes.REMOTE_MODES
        and contact.clinician.is_active
        and _create(
            contact=contact,
            respondent=Respondent.STAFF,
            asked_by=AskedBy.PORTAL,
            now=now,
            staff=contact.clinician,
        )
    ):
        made += 1
    return made


# Answering.


def _check_open(request: FeedbackRequest, *, now: dt.datetime) -> None:
    if request.answered_on is not None:
        raise FeedbackLinkError(
            "This questionnaire has already been answered. Thank you.", field="token"
        )
    if request.withdrawn_at is not None:
        raise FeedbackLinkError("This questionnaire is no longer open.", field="token")
    if request.expires_at <= now:
        raise FeedbackLinkError("This questionnaire has closed.", field="token")


def open_feedback_by_link(*, token: str) -> FeedbackRequest:
    """The questionnaire a link opens, still open; audited as a read.

    Only the token's hash is compared. Raises FeedbackLinkError (field `token`) for a link that
    is unknown, already answered, expired or withdrawn; the message never says whose it was."""
    found = (
        FeedbackRequest.objects.select_related("contact__team", "service_user", "carer")
        .filter(token_hash=hash_token(token))
        .first()
        if token
        else None
    )
    if found is None:
        raise FeedbackLinkError(
            "This link is not recognised. Check it is the whole link from your message.",
            field="token",
        )
    _check_open(found, now=timezone.now())
    _audit(None, AuditAction.READ, found, purpose="feedback by link")
    return found


def check_feedback_open(request: FeedbackRequest) -> None:
    """Raise FeedbackLinkError unless `request` can be answered now (for the signed-in pages)."""
    _check_open(request, now=timezone.now())


def _clean(request: FeedbackRequest, answers: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for question in questionnaires.questions_for(request.respondent, mode=_mode_of(request)):
        value = answers.get(question.key)
        if question.free_text:
            cleaned[question.key] = str(value or "").strip()[:2000]
            continue
        assert question.answers is not None
        if question.many:
            chosen = list(value or [])
            if any(v not in question.answers for v in chosen):
                raise FeedbackAnswerError("Select only the answers shown.", field=question.key)
            cleaned[question.key] = sorted(set(chosen))
            continue
        value = str(value or "")
        if value and value not in question.answers:
            raise FeedbackAnswerError("Select one of the answers shown.", field=question.key)
        if question.required and not value:
            raise FeedbackAnswerError(f"Select an answer to “{question.text}”", field=question.key)
        cleaned[question.key] = value
    return cleaned


def _names_around(request: FeedbackRequest) -> list[str]:
    """The names the words of a response may hold: the person's, their carers', the
    clinician's (taken out of the excerpt before it is stored)."""
    person = request.service_user
    names = [person.given_name, person.family_name]
    names += [
        n
        for carer in Carer.objects.filter(consents__service_user=person)
        for n in (carer.given_name, carer.family_name)
    ]
    clinician = request.contact.clinician
    if clinician is not None:
        names += [clinician.first_name, clinician.last_name, clinician.display_name]
    if request.staff is not None:
        names += [request.staff.first_name, request.staff.last_name, request.staff.display_name]
    return [n for n in names if n]


def _mode_of(request: FeedbackRequest) -> str:
    return request.contact.mode_used or request.contact.planned_mode


@transaction.atomic
def answer_feedback(
    *,
    actor: User | None,
    request: FeedbackRequest,
    answers: Mapping[str, Any],
    anonymous: bool,
) -> FeedbackResponse:
    """Record the answers to one questionnaire, once.

    `actor` is the person signed in, or None by link. The request is marked answered (the day
    only) by a conditional update, so a second answer, even at the same moment, fails with
    FeedbackLinkError. The response keeps the team, service, mode and month; it keeps its request
    only when not `anonymous`. Every answer in words becomes an excerpt to code. Audited (the
    request answered; an anonymous response is not named). Raises FeedbackAnswerError naming the
    question; nothing is saved then."""
    now = timezone.now()
    _check_open(request, now=now)
    cleaned = _clean(request, answers)
    today = timezone.localdate(now)
    if not FeedbackRequest.objects.filter(
        pk=request.pk, answered_on__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now
    ).update(answered_on=today):
        raise FeedbackLinkError("This questionnaire has just been answered.", field="token")
    request.answered_on = today
    contact = request.contact
    mode = _mode_of(request)
    response = FeedbackResponse.objects.create(
        respondent=request.respondent,
        request=None if anonymous else request,
        team=contact.team,
        service_id=contact.team.service_id,
        mode=mode,
        month=today.replace(day=1),
        fft=cleaned.get("fft", ""),
        mode_suited=cleaned.get("mode_suited", ""),
        choose_again=cleaned.get("choose_again", ""),
        barriers=cleaned.get("barriers", []),
        could_assess=cleaned.get("could_assess", ""),
        connection_good_enough=cleaned.get("connection_good_enough", ""),
    )
    for key in questionnaires.free_text_keys(request.respondent):
        if cleaned[key]:
            add_excerpt(
                text=cleaned[key],
                source=ExcerptSource(request.respondent),
                given_on=today,
                mode=mode,
                team=contact.team,
                service_user=request.service_user
                if request.respondent == Respondent.SERVICE_USER
                else None,
                origin=f"feedback:{key}",
                names=_names_around(request),
            )
    detail: dict[str, object] = {"answered": True, "anonymous": anonymous}
    if not anonymous:
        detail["response"] = response.pk
    _audit(actor, AuditAction.UPDATE, request, **detail)
    return response


@transaction.atomic
def withdraw_feedback_requests_to_carer(*, carer: Carer, service_user: ServiceUser) -> int:
    """Close the carer's open questionnaires about `service_user` and their queued links (on
    withdrawal of consent); return how many. Audited."""
    now = timezone.now()
    open_requests = list(
        FeedbackRequest.objects.select_for_update().filter(
            carer=carer,
            service_user=service_user,
            answered_on__isnull=True,
            withdrawn_at__isnull=True,
        )
    )
    for request in open_requests:
        request.withdrawn_at = now
        request.save(update_fields=["withdrawn_at"])
        cancel_queued_messages(
            reference=f"feedback:{request.pk}", purpose=Purpose.FEEDBACK, why="Consent withdrawn"
        )
        _audit(None, AuditAction.REVOKE, request, reason="Consent withdrawn")
    return len(open_requests)
