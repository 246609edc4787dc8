from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from caremode.accounts.models import Role
from caremode.audit.models import AuditAction
from caremode.audit.selectors import list_record_activity
from caremode.audit.services import record_event, record_list_read
from caremode.core import codes
from caremode.core.access import (
    AuthenticatedRequest,
    care_team_required,
    recent_authentication_required,
    roles_required,
    service_user_required,
)
from caremode.core.errors import DomainError
from caremode.core.forms import add_domain_error, posted, submitted
from caremode.core.presenters import mode_label, nhs_datetime
from caremode.decisions.selectors import (
    get_current_preferences,
    get_first_remote_contact,
    list_current_decisions,
)
from caremode.evaluation.own_data import (
    Selection,
    dashboard,
    evaluate_rows,
    measures_csv,
    models_csv,
    series_csv,
)
from caremode.evaluation.report import dimension_rows as dashboard_rows
from caremode.feedback import selectors as feedback_selectors
from caremode.messaging.selectors import (
    list_messages_for,
    list_messages_sent_to_carer,
    list_messages_sent_to_service_user,
)
from caremode.monitoring import selectors as monitoring_selectors
from caremode.monitoring.instruments import INSTRUMENTS, Measure, get_instrument
from caremode.monitoring.models import Assessment
from caremode.monitoring.presenters import OUT_OF_HOURS_NOTICE, trend_context
from caremode.monitoring.selectors import (
    get_current_warning_sign,
    list_assessments,
    list_current_warning_signs,
    list_retired_warning_signs,
    list_warning_sign_reports,
)
from caremode.monitoring.services import agree_warning_sign, record_assessment
from caremode.monitoring.services import retire_warning_sign as retire_warning_sign_service
from caremode.people.access import access_consent, access_own_record, access_service_user
from caremode.people.consent import assessment_input_consents_of, consents_to_join
from caremode.people.forms import CaseloadSearchForm, RevokeConsentForm
from caremode.people.models import ServiceUser
from caremode.people.selectors import (
    get_interpreter_need,
    list_access_need_history,
    list_consents,
    list_current_access_needs,
    list_people_cared_for,
    list_teams_for,
)
from caremode.records.forms import ScoreMeasureForm, WarningSignForm
from caremode.records.presenters import (
    as_pdf,
    how_to_contact,
    readable_sections,
    where_they_live,
)
from caremode.records.selectors import (
    EXTRACT_COLUMNS,
    OUTCOME_COLUMNS,
    PREFERENCE_COLUMNS,
    iter_pseudonymised_contacts,
    iter_pseudonymised_preferences,
    iter_pseudonymised_scores,
    iter_service_changes,
)
from caremode.records.services import (
    ConsentWithdrawal,
    export_subject_access,
    withdraw_carer_consent,
)
from caremode.rooms.access import list_carer_joins
from caremode.scheduling import services as scheduling_services
from caremode.scheduling.access import access_contact
from caremode.scheduling.forms import BookContactForm, chosen_slot
from caremode.scheduling.guidance import first_remote_contact_guidance
from caremode.scheduling.models import Contact
from caremode.scheduling.presenters import slot_choices
from caremode.scheduling.selectors import (
    FREE_SLOT_WEEKS,
    list_appointment_requests_for,
    list_caseload_for,
    list_changes_for,
    list_commitments_for,
    list_contacts_awaiting_outcome,
    list_follow_ups_for,
    list_free_slots_ahead,
    list_handovers_for,
    list_open_alerts_for,
    list_past_contacts,
    list_upcoming_contacts,
)
from caremode.workforce.selectors import training_advice

PAGE_SIZE = 25


@care_team_required
@require_GET
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    """My caseload, searchable; htmx requests get only the results table."""
    form = CaseloadSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(list_caseload_for(request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": query,
        "page_title": "My caseload",
    }
    partial = bool(request.headers.get("HX-Request"))
    if not partial:
        context["awaiting_outcome"] = list_contacts_awaiting_outcome(request.user)
        context["team"] = list_teams_for(request.user).first()
    record_list_read(
        actor=request.user,
        purpose="caseload search" if query else "caseload list",
        subject_ids=[p.pk for p in page]
        + [c.service_user_id for c in context.get("awaiting_outcome", [])],
        detail={"query": query, "page": page.number},
    )
    return render(
        request, "records/_caseload_results.html" if partial else "records/caseload.html", context
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def book_contact(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Book a contact, showing the shared decisions and warning when the mode differs (E19)."""
    service_user = access_service_user(request.user, pk, purpose="book contact")
    consents = list(consents_to_join(service_user))
    decisions = list_current_decisions(service_user)
    offered = service_user.team.service.modes_offered
    form = BookContactForm(
        request.POST if request.method == "POST" else None,
        modes_offered=offered,
        carers=consents,
        initial=chosen_slot(request.GET, modes_offered=offered),
    )
    differs = None
    # Advice only (E21): the clinician's first contact of a remote mode without its training.
    advice = training_advice(
        request.user, service_user.team.service.modes_offered, today=timezone.localdate()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = next(
            (d for d in decisions if d.consultation_type == data["consultation_type"]), None
        )
        if decision and decision.agreed_mode != data["mode"]:
            differs = decision
        if differs and not data["confirm_different_mode"]:
            form.add_error(
                "mode",
                f"This differs from the agreed mode for this kind of contact "
                f"({differs.agreed_label.lower()}). Confirm below to book it anyway.",
            )
        else:
            carer = next((c.carer for c in consents if c.carer_id == data.get("carer")), None)
            try:
                contact = scheduling_services.book_contact(
                    actor=request.user,
                    service_user=service_user,
                    consultation_type=data["consultation_type"],
                    mode=data["mode"],
                    start=form.start(),
                    duration_minutes=data["duration_minutes"],
                    carer=carer,
                    notes=data["notes"],
                )
            except DomainError as error:
                if error.field == "start":
                    error.field = "date"
                add_domain_error(form, error)
            else:
                messages.success(request, f"Contact booked for {nhs_datetime(contact.start)}.")
                if contact.planned_mode in advice:
                    messages.info(
                        request,
                        f"This is your first {mode_label(contact.planned_mode).lower()} contact "
                        "and you have not recorded current training for it: see Your training.",
                    )
                return redirect("records:record", pk=service_user.pk)
    # The free times shown are for the mode and length chosen (posted, or carried by the link),
    # so that a refused time is followed by times that fit.
    chosen = chosen_slot(request.POST or request.GET, modes_offered=offered)
    slot_mode = chosen.get("mode") or (offered[0] if offered else "face_to_face")
    slot_length = int(chosen.get("duration_minutes") or form.fields["duration_minutes"].initial)
    slots = list_free_slots_ahead(
        request.user,
        service_user,
        duration_minutes=slot_length,
        mode=slot_mode,
        buffer_minutes=service_user.team.remote_buffer_minutes,
    )
    return render(
        request,
        "records/book_contact.html",
        {
            "slots": slot_choices(slots),
            "slot_query": f"&mode={slot_mode}&length={slot_length}",
            "slot_mode": slot_mode,
            "slot_length": slot_length,
            "slot_modes": offered,
            "clinician": request.user,
            "person": service_user,
            "weeks": FREE_SLOT_WEEKS,
            "form": form,
            "service_user": service_user,
            "decisions": decisions,
            "interpreter_need": get_interpreter_need(service_user),
            "differs": differs,
            "training_advice": advice,
            "page_title": "Book a contact",
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
    )


@care_team_required
@require_GET
def record(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    service_user = access_service_user(request.user, pk)
    past = list_past_contacts(service_user)
    carer_views = feedback_selectors.list_carer_views(service_user)
    return render(
        request,
        "records/record.html",
        {
            **_monitoring_context(service_user, past),
            "service_user": service_user,
            # What a clinician must know before choosing a mode comes first on the page.
            "access_needs": list_current_access_needs(service_user),
            "interpreter_need": get_interpreter_need(service_user),
            "access_need_history": list_access_need_history(service_user),
            "consents": list_consents(service_user),
            "how_to_contact": how_to_contact,
            "where_they_live": where_they_live,
            "open_alerts": list_open_alerts_for(service_user),
            "upcoming": list_upcoming_contacts(service_user),
            "past": past,
            "decisions": list_current_decisions(service_user),
            "changes": list_changes_for(service_user),
            "commitments": list_commitments_for(service_user),
            "follow_ups": list_follow_ups_for(service_user),
            "handovers": list_handovers_for(service_user),
            "messages_sent": list_messages_for(service_user, limit=10),
            # Check-ins (monitoring, mci)
            "checkin_schedule": monitoring_selectors.get_current_schedule(service_user),
            "checkins": monitoring_selectors.list_checkins(service_user, limit=5),
            # Carers' input (feedback, E10)
            "carer_views": carer_views,
            "carer_views_by_contact": feedback_selectors.carer_views_by_contact(carer_views),
            "page_title": service_user.full_name,
            "back_href": reverse("records:caseload"),
            "back_text": "Back to my caseload",
        },
    )


@service_user_required
@require_GET
def portal(request: AuthenticatedRequest) -> HttpResponse:
    service_user = access_own_record(request.user)
    first_remote = get_first_remote_contact(service_user)
    past = list_past_contacts(service_user, limit=20)
    assessments = monitoring_selectors.list_assessments(service_user=service_user)
    return render(
        request,
        "records/portal.html",
        {
            "service_user": service_user,
            "access_needs": list_current_access_needs(service_user),
            "consents": [c for c in list_consents(service_user) if c.is_current],
            "upcoming": list_upcoming_contacts(service_user),
            "past": past,
            "decisions": list_current_decisions(service_user),
            "preferences": get_current_preferences(service_user),
            "first_remote": first_remote,
            "changes": list_changes_for(service_user, limit=10),
            "open_requests": {
                r.contact_id: r
                for r in list_appointment_requests_for(service_user)
                if r.closed_at is None
            },
            "messages_sent": list_messages_sent_to_service_user(service_user, limit=10),
            # Check-ins, and the person's own scores over time with their contacts marked.
            "checkin_schedule": monitoring_selectors.get_current_schedule(service_user),
            "open_checkins": monitoring_selectors.list_open_checkins(service_user),
            "open_feedback": feedback_selectors.list_open_requests(request.user),
            **trend_context(assessments, past),
            "guidance": first_remote_contact_guidance(first_remote.planned_mode)
            if first_remote
            else (),
            "page_title": "Your care",
        },
    )


@roles_required("carer")
@require_GET
def carer_home(request: AuthenticatedRequest) -> HttpResponse:
    """The people this carer supports, with appointments only where consent allows."""
    people = [
        (person, list_upcoming_contacts(person)) for person in list_people_cared_for(request.user)
    ]
    # Video appointments this carer is invited to join, with consent: their room when open.
    joins = list_carer_joins(request.user, [c for _, upcoming in people for c in upcoming])
    invitations = feedback_selectors.list_open_invitations(request.user)
    input_consents = list(assessment_input_consents_of(request.user))
    open_feedback = feedback_selectors.list_open_requests(request.user)
    record_list_read(
        actor=request.user,
        purpose="carer page",
        subject_ids=sorted(
            {person.pk for person, _ in people}
            | {i.service_user_id for i in invitations}
            | {c.service_user_id for c in input_consents}
            | {r.service_user_id for r in open_feedback}
        ),
    )
    return render(
        request,
        "records/carer_home.html",
        {
            "people": people,
            "joins": joins,
            "messages_sent": list_messages_sent_to_carer(request.user),
            "invitations": invitations,
            "input_consents": input_consents,
            "open_feedback": open_feedback,
            "page_title": "People you care for",
        },
    )


@care_team_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def withdraw_consent(request: AuthenticatedRequest, pk: int, consent_pk: int) -> HttpResponse:
    """Withdraw a carer's consent; it reaches their queued messages too (E10)."""
    consent = access_consent(request.user, pk, consent_pk)
    form = RevokeConsentForm(posted(request))
    done: list[ConsentWithdrawal] = []
    if submitted(
        request,
        form,
        lambda data: done.append(
            withdraw_carer_consent(actor=request.user, consent=consent, reason=data["reason"])
        ),
    ):
        withdrawn, passes = done[0].messages_withdrawn, done[0].room_passes_revoked
        messages.success(
            request,
            f"Consent for {consent.carer} has been withdrawn."
            + (
                f" {withdrawn} message{'s' if withdrawn != 1 else ''} waiting to be sent to "
                "them will not be sent."
                if withdrawn
                else ""
            )
            + (" Their video room link no longer works." if passes else ""),
        )
        return redirect("records:record", pk=pk)
    return render(
        request,
        "people/revoke_consent.html",
        {
            "form": form,
            "consent": consent,
            "page_title": "Withdraw carer consent",
            "back_href": reverse("records:record", args=[pk]),
        },
    )


@care_team_required
@recent_authentication_required
@require_GET
def subject_access_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Download everything held about a person (subject access request). Audited as an export."""
    service_user = access_service_user(request.user, pk, purpose="subject access export")
    export = export_subject_access(actor=request.user, service_user=service_user)
    response = HttpResponse(
        json.dumps(export, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{service_user.nhs_number}.json"'
    )
    return response


@care_team_required
@recent_authentication_required
@require_GET
def subject_access_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The subject access export to read: the same content as the JSON, laid out in words."""
    return _readable_export(request, pk, form="html")


@care_team_required
@recent_authentication_required
@require_GET
def subject_access_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The readable subject access export as a PDF (WeasyPrint)."""
    return _readable_export(request, pk, form="pdf")


def _readable_export(request: AuthenticatedRequest, pk: int, *, form: str) -> HttpResponse:
    service_user = access_service_user(request.user, pk, purpose="subject access export")
    export = export_subject_access(actor=request.user, service_user=service_user, form=form)
    context = {
        "service_user": service_user,
        "sections": readable_sections(export),
        "made_at": timezone.now(),
        "page_title": f"Everything held about {service_user.full_name}",
        "back_href": reverse("records:record", args=[service_user.pk]),
    }
    if form == "html":
        return render(request, "records/subject_access.html", context)
    html = render_to_string("records/subject_access_print.html", context, request=request)
    response = HttpResponse(as_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{service_user.nhs_number}.pdf"'
    )
    return response


@service_user_required
@require_GET
def who_viewed(request: AuthenticatedRequest) -> HttpResponse:
    """Who has looked at or changed the person's record, as NHS patients increasingly expect."""
    service_user = access_own_record(request.user)
    return render(
        request,
        "records/who_viewed.html",
        {
            "activity": list_record_activity(service_user.pk, excluding_actor_id=request.user.pk),
            "page_title": "Who has looked at your record",
            "back_href": reverse("records:portal"),
        },
    )


def _evaluation() -> dict[str, Any]:
    """The evaluation of CareMode's own contacts, pseudonymised and suppressed; recomputed at
    most every ten minutes."""
    result = cache.get(DASHBOARD_CACHE_KEY)
    if result is None:
        key = settings.EXTRACT_PSEUDONYM_KEY
        result = evaluate_rows(
            EXTRACT_COLUMNS,
            iter_pseudonymised_contacts(key=key),
            PREFERENCE_COLUMNS,
            iter_pseudonymised_preferences(key=key),
            score_columns=OUTCOME_COLUMNS,
            scores=iter_pseudonymised_scores(key=key),
            changes=iter_service_changes(),
        )
        cache.set(DASHBOARD_CACHE_KEY, result, 600)
    return result


@roles_required(Role.ANALYST, Role.TEAM_MANAGER)
@require_GET
def evaluation_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Equity findings over CareMode's own offered contacts and scores: pseudonymised,
    suppressed, no names; what `caremode evaluate` reports. The summary first, then one measure
    by one dimension and mode (filters in the query string, working without JavaScript) with
    its chart, its table and a CSV download; modes against face to face; outcomes by mode,
    DIALOG and the adjusted comparisons; each recorded service change week by week with its
    segmented regression."""
    result = _evaluation()
    selection = Selection.from_query(request.GET.dict(), result.get("measures", []))
    query = urlencode(
        {"measure": selection.measure, "mode": selection.mode, "dimension": selection.dimension}
    )
    return render(
        request,
        "records/evaluation_dashboard.html",
        {
            "result": result,
            "selection": selection,
            "view": dashboard(result, selection),
            "csv_href": f"{reverse('records:evaluation_csv')}?{query}",
            "csv_all_href": f"{reverse('records:evaluation_csv')}?everything=1",
            "series_href": reverse("records:evaluation_changes_csv"),
            "models_href": f"{reverse('records:evaluation_changes_csv')}?table=models",
            "page_title": "Who remote care helps and who it leaves behind",
        },
    )


@roles_required(Role.ANALYST, Role.TEAM_MANAGER)
@require_GET
def evaluation_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard's selection (or, with everything=1, every measure) as CSV, in the columns
    of `caremode evaluate`'s measures.csv; suppressed as the page is. Audited as an export."""
    result = _evaluation()
    measures = result.get("measures", [])
    everything = request.GET.get("everything") == "1"
    selection = Selection.from_query(request.GET.dict(), measures)
    rows = (
        measures
        if everything
        else dashboard_rows(measures, selection.dimension, selection.measure, selection.mode)
    )
    with transaction.atomic():
        record_event(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="evaluation measures",
            object_id="everything" if everything else selection.measure,
            detail={"rows": len(rows), "everything": everything, **asdict(selection)},
        )
    response = HttpResponse(measures_csv(rows), content_type="text/csv; charset=utf-8")
    name = (
        "measures" if everything else f"{selection.measure}-{selection.dimension}-{selection.mode}"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@roles_required(Role.ANALYST, Role.TEAM_MANAGER)
@require_GET
def evaluation_changes_csv(request: AuthenticatedRequest) -> HttpResponse:
    """Every recorded service change's weekly figures (or, with table=models, its segmented
    regressions) as CSV, suppressed as the page is. Audited as an export."""
    changes = _evaluation().get("service_changes", [])
    models = request.GET.get("table") == "models"
    with transaction.atomic():
        record_event(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="evaluation service changes",
            object_id="models" if models else "series",
            detail={"changes": len(changes)},
        )
    response = HttpResponse(
        models_csv(changes) if models else series_csv(changes),
        content_type="text/csv; charset=utf-8",
    )
    name = "service-change-models" if models else "service-change-weeks"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


DASHBOARD_CACHE_KEY = "caremode:evaluation-dashboard"


# --- Monitoring on the record (issue 12): early-warning signs, a measure scored in a contact,
# --- the trend of the measures with the contacts marked ----------------------------------------


def _monitoring_context(service_user: ServiceUser, past: list[Contact]) -> dict[str, Any]:
    """What the record shows of monitoring: the warning-sign plan, the trend, where to score."""
    return {
        "warning_signs": list_current_warning_signs(service_user=service_user),
        "retired_signs": list_retired_warning_signs(service_user=service_user),
        "sign_reports": list_warning_sign_reports(service_user=service_user, limit=10),
        "scorable_contacts": [c for c in past if c.attend_status in codes.ATTENDED][:5],
        "measures": [(m.value, INSTRUMENTS[m].name) for m in Measure],
        "out_of_hours": OUT_OF_HOURS_NOTICE,
        **trend_context(list_assessments(service_user=service_user), past),
    }


@care_team_required
@require_http_methods(["GET", "POST"])
def add_warning_sign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Agree one early-warning sign with the person, in their own words, with its plan."""
    service_user = access_service_user(request.user, pk, purpose="warning signs")
    form = WarningSignForm(posted(request))
    if submitted(
        request,
        form,
        lambda data: agree_warning_sign(actor=request.user, service_user=service_user, **data),
    ):
        messages.success(request, "Early-warning sign added to the plan.")
        return redirect(reverse("records:record", args=[service_user.pk]) + "#warning-signs")
    return render(
        request,
        "records/add_warning_sign.html",
        {
            "form": form,
            "service_user": service_user,
            "page_title": "Add an early-warning sign",
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def retire_warning_sign(request: AuthenticatedRequest, pk: int, sign_pk: int) -> HttpResponse:
    """Take a warning sign out of the person's plan (kept in the history), after confirming."""
    service_user = access_service_user(request.user, pk, purpose="warning signs")
    warning_sign = get_current_warning_sign(service_user=service_user, pk=sign_pk)
    if warning_sign is None:
        raise Http404
    if request.method == "POST":
        try:
            retire_warning_sign_service(actor=request.user, warning_sign=warning_sign)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{warning_sign.sign}” taken out of the plan.")
        return redirect(reverse("records:record", args=[service_user.pk]) + "#warning-signs")
    return render(
        request,
        "records/retire_warning_sign.html",
        {
            "form": None,
            "service_user": service_user,
            "warning_sign": warning_sign,
            "page_title": "Take a warning sign out of the plan",
            "back_href": reverse("records:record", args=[service_user.pk]),
        },
    )


@care_team_required
@require_http_methods(["GET", "POST"])
def score_measure(request: AuthenticatedRequest, pk: int, measure: str) -> HttpResponse:
    """Score PHQ-9, GAD-7 or DIALOG with the person during a contact that took place, in any
    mode; the score records the contact and its mode."""
    if measure not in {m.value for m in Measure}:
        raise Http404
    contact = access_contact(request.user, pk, purpose="score a measure")
    instrument = get_instrument(measure)
    form = ScoreMeasureForm(posted(request), instrument=instrument)
    saved: list[Assessment] = []
    if submitted(
        request,
        form,
        lambda data: saved.append(
            record_assessment(
                actor=request.user,
                service_user=contact.service_user,
                measure=measure,
                answers=form.answers(),
                more_help=data.get("more_help", []),
                contact=contact,
                taken_at=contact.start,
            )
        ),
    ):
        assessment = saved[0]
        if assessment.complete:
            result = f"{instrument.name} recorded: {assessment.score.normalize():f}"  # type: ignore[union-attr]
            result += f" ({assessment.band.lower()})." if assessment.band else "."
        else:
            result = f"{instrument.name} recorded as incomplete: not every question was answered."
        if assessment.risk_answer:
            result += " Question 9 was answered above 0: an urgent alert is on the team page."
        messages.success(request, result)
        return redirect(reverse("records:record", args=[contact.service_user_id]) + "#measures")
    return render(
        request,
        "records/score_measure.html",
        {
            "form": form,
            "contact": contact,
            "instrument": instrument,
            "service_user": contact.service_user,
            "page_title": f"Score the {instrument.name}",
            "back_href": reverse("records:record", args=[contact.service_user_id]),
        },
    )
