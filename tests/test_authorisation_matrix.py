"""Every URL and every role, generated from the URL configuration: a new page cannot be forgotten.

A role is "allowed" when the page answers (200, or a redirect that is not to sign-in or to the
second factor); "denied" when it answers 404/403/405/429 or sends the person to sign in. The
table below is the policy; the test fails on any difference, and on any URL not in the table.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.accounts.models import User as UserModel
from caremode.feedback.coding import code_excerpt
from caremode.feedback.excerpts import add_excerpt
from caremode.feedback.models import CarerInvitation, Code, FeedbackRequest
from caremode.interop.models import FhirClient
from caremode.interop.services import register_client
from caremode.monitoring.checkins import agree_checkin_schedule
from caremode.monitoring.models import CheckIn
from caremode.monitoring.services import agree_warning_sign
from caremode.rooms.services import open_room
from caremode.scheduling.models import FollowUpTask, Handover, TeamAlert
from caremode.scheduling.services import agree_commitment, ask_about_contact
from caremode.workforce.models import DigitalSupport, TrainingCompletion, TrainingCourse
from tests.factories import (
    CarerConsentFactory,
    ContactFactory,
    ServiceUserFactory,
    TeamFactory,
    UserFactory,
    clinician_in,
    signed_in,
)

ROLES = (
    "anonymous",
    "service_user",
    "carer",
    "revoked_carer",
    "clinician",
    "other_team_clinician",
    "team_manager",
    "analyst",
    "admin",
    # An analyst who also holds the coder permission (feedback.code_excerpts).
    "coder",
)
SIGNED_IN = set(ROLES) - {"anonymous"}
CARE_TEAM = {"clinician", "team_manager"}
ANY_CARE_STAFF = {"clinician", "team_manager", "other_team_clinician"}
STAFF = ANY_CARE_STAFF | {"analyst", "admin"}

# URL name → (method, roles allowed)
POLICY: dict[str, tuple[str, set[str]]] = {
    "core:home": ("GET", SIGNED_IN),
    "core:accessibility": ("GET", set(ROLES)),
    "signin:sign_in": ("GET", set(ROLES)),
    # Signing out always lands on the sign-in page, so it reads as "denied" for everyone; it
    # reveals nothing.
    "signin:sign_out": ("POST", set()),
    "signin:two_step": ("GET", SIGNED_IN),
    "signin:confirm_password": ("GET", SIGNED_IN),
    "signin:change_password": ("GET", SIGNED_IN),
    # A new member of staff's link, before they can sign in: it answers everyone, and a link
    # that is not recognised only says it has expired or been used.
    "signin:set_password": ("GET", set(ROLES)),
    # A forgotten password: anyone may ask (the answer never says whether the account exists),
    # and a reset link that is not recognised only says it has expired or been used.
    "signin:forgotten_password": ("GET", set(ROLES)),
    "signin:reset_password": ("GET", set(ROLES)),
    # The FHIR API answers systems with bearer tokens only: a signed-in person is refused (401).
    "interop:token": ("POST", set()),
    # POST /fhir/ (a transaction Bundle: the import from a record system), systems only too.
    "interop:system": ("POST", set()),
    "interop:metadata": ("GET", set()),
    "interop:type": ("GET", set()),
    "interop:instance": ("GET", set()),
    "interop_pages:clients": ("GET", {"admin"}),
    "interop_pages:revoke": ("POST", {"admin"}),
    "records:caseload": ("GET", ANY_CARE_STAFF),
    "records:record": ("GET", CARE_TEAM),
    "records:book": ("GET", CARE_TEAM),
    "records:export": ("GET", CARE_TEAM),
    "records:export_readable": ("GET", CARE_TEAM),
    "records:export_pdf": ("GET", CARE_TEAM),
    "records:portal": ("GET", {"service_user"}),
    "records:who_viewed": ("GET", {"service_user"}),
    "records:carer_home": ("GET", {"carer", "revoked_carer"}),
    "records:evaluation": ("GET", {"analyst", "team_manager"}),
    "records:evaluation_csv": ("GET", {"analyst", "team_manager"}),
    "records:evaluation_changes_csv": ("GET", {"analyst", "team_manager"}),
    "records:withdraw_consent": ("GET", CARE_TEAM),
    "people:register": ("GET", ANY_CARE_STAFF),
    "people:add_access_need": ("GET", CARE_TEAM),
    "people:end_access_need": ("POST", CARE_TEAM),
    "people:add_carer": ("GET", CARE_TEAM),
    "people:edit_contact_details": ("GET", CARE_TEAM),
    "people:edit_area": ("GET", CARE_TEAM),
    "people:services": ("GET", {"admin"}),
    "people:cover": ("GET", {"team_manager"}),
    "people:staff_accounts": ("GET", {"admin"}),
    "people:staff_account": ("GET", {"admin"}),
    "people:memberships": ("GET", {"team_manager"}),
    "people:restriction": ("GET", CARE_TEAM),
    "people:erase": ("GET", CARE_TEAM),
    "scheduling:record_outcome": ("GET", CARE_TEAM),
    "scheduling:correct_outcome": ("GET", CARE_TEAM),
    "scheduling:reschedule": ("GET", CARE_TEAM),
    "scheduling:cancel": ("GET", CARE_TEAM),
    "scheduling:summary": ("GET", {"analyst", "team_manager"}),
    "scheduling:team": ("GET", ANY_CARE_STAFF),
    "scheduling:complete_follow_up": ("GET", CARE_TEAM),
    "scheduling:resolve_alert": ("POST", CARE_TEAM),
    "scheduling:request_handover": ("GET", CARE_TEAM),
    "scheduling:respond_to_handover": ("GET", ANY_CARE_STAFF),  # sending and receiving teams
    "scheduling:agree_commitment": ("GET", CARE_TEAM),
    "scheduling:end_commitment": ("GET", CARE_TEAM),
    "scheduling:my_diary": ("GET", ANY_CARE_STAFF),
    "scheduling:team_diary": ("GET", {"team_manager"}),
    # The person asks about their own appointment; their team reads and closes the request.
    "scheduling:ask_about_contact": ("GET", {"service_user"}),
    "scheduling:appointment_request": ("GET", CARE_TEAM),
    "scheduling:working_hours": ("GET", ANY_CARE_STAFF),
    "decisions:decisions": ("GET", CARE_TEAM),
    "decisions:agree": ("GET", CARE_TEAM),
    "decisions:preferences": ("GET", CARE_TEAM),
    "decisions:my_preferences": ("GET", {"service_user"}),
    "decisions:review": ("GET", ANY_CARE_STAFF),
    # Each team sees its own waiting list (people paused or waiting for face to face).
    "decisions:waiting_list": ("GET", ANY_CARE_STAFF),
    "decisions:recommendation_api": ("GET", CARE_TEAM),
    "decisions:openapi": ("GET", ANY_CARE_STAFF),
    # The evidence pages hold no one's data: anyone signed in may read them.
    "decisions:evidence": ("GET", SIGNED_IN),
    "decisions:finding": ("GET", SIGNED_IN),
    "rooms:open": ("GET", CARE_TEAM),
    "rooms:host": ("GET", CARE_TEAM),
    "rooms:new_link": ("POST", CARE_TEAM),
    "rooms:fall_back": ("POST", CARE_TEAM),
    "rooms:end": ("POST", CARE_TEAM),
    # After End, the clinician confirms the outcome the room proposes.
    "rooms:review_outcome": ("GET", CARE_TEAM),
    # The service user (signed in to the portal) waits here; the care team is sent to its room.
    "rooms:wait": ("GET", CARE_TEAM | {"service_user"}),
    # A link that is not recognised is refused for everyone, signed in or not.
    "rooms:join": ("GET", set()),
    # Re-opening a link on another device answers only a browser that opened a used link.
    "rooms:reopen": ("GET", set()),
    # A signed-in carer joins from their page only a room they are invited to with consent to
    # join: no one is invited to the room here.
    "rooms:join_as_carer": ("POST", set()),
    "rooms:test": ("GET", set(ROLES)),
    # Check-ins (monitoring, mci): the care team agrees and stops the schedule; the person alone
    # sees, changes, stops and answers their own; carers nothing; a link not recognised is
    # refused for everyone.
    "monitoring:agree_schedule": ("GET", CARE_TEAM),
    "monitoring:stop_schedule": ("POST", CARE_TEAM),
    "monitoring:my_checkins": ("GET", {"service_user"}),
    "monitoring:stop_my_checkins": ("POST", {"service_user"}),
    "monitoring:my_checkin": ("GET", {"service_user"}),
    "monitoring:link_checkin": ("GET", set()),
    # Monitoring, the clinician's and team's side (issue 12): the person's care team only; the
    # person, carers and analysts never (analysts get pseudonymised scores from the extract).
    "records:add_warning_sign": ("GET", CARE_TEAM),
    "records:retire_warning_sign": ("GET", CARE_TEAM),
    "records:score_measure": ("GET", CARE_TEAM),
    "scheduling:acknowledge_alert": ("POST", CARE_TEAM),
    "workforce:my_training": ("GET", ANY_CARE_STAFF),
    "workforce:catalogue": ("GET", {"team_manager"}),
    "workforce:coverage": ("GET", {"team_manager"}),
    # Only a manager of the person's team may confirm their training.
    "workforce:confirm": ("POST", {"team_manager"}),
    "workforce:digital_support": ("GET", CARE_TEAM),
    "workforce:support_outcome": ("POST", CARE_TEAM),
    "workforce:pulse": ("GET", STAFF),
    "workforce:profile": ("GET", STAFF),
    # Results by group only; no page shows anyone else's answers (workforce/tests/test_pages).
    "workforce:results": ("GET", {"team_manager", "analyst"}),
    # Voices (issue 15): each questionnaire only to the person it is addressed to; the results
    # (counts only, suppressed) to team managers and analysts; a carer's invitation and concern
    # only within consent to give input to assessments; what carers said to the care team.
    "feedback:my_feedback": ("GET", ANY_CARE_STAFF | {"service_user", "carer", "revoked_carer"}),
    "feedback:answer": ("GET", {"service_user"}),
    "feedback:results": ("GET", {"team_manager", "analyst"}),
    "feedback:fft_csv": ("GET", {"team_manager", "analyst"}),
    "feedback:themes": ("GET", {"team_manager", "analyst"}),
    "feedback:themes_csv": ("GET", {"team_manager", "analyst"}),
    "feedback:link_feedback": ("GET", set()),
    "feedback:link_carer_input": ("GET", set()),
    "feedback:my_invitation": ("GET", {"carer"}),
    "feedback:raise_concern": ("GET", {"carer"}),
    "feedback:contact_carer_views": ("GET", CARE_TEAM),
    # The codebook, coding, agreement and reconciliation: coders only, never clinicians as such
    # (the permission decides, not the role). Reconciliation only for a coder who coded it.
    "feedback:codebook": ("GET", {"coder"}),
    "feedback:add_code": ("GET", {"coder"}),
    "feedback:code": ("GET", {"coder"}),
    "feedback:edit_code": ("GET", {"coder"}),
    "feedback:merge_code": ("GET", {"coder"}),
    "feedback:split_code": ("GET", {"coder"}),
    "feedback:retire_code": ("GET", {"coder"}),
    "feedback:coding_queue": ("GET", {"coder"}),
    "feedback:code_excerpt": ("GET", {"coder"}),
    "feedback:reconcile_excerpt": ("GET", {"coder"}),
    "feedback:coding_agreement": ("GET", {"coder"}),
}
# The coder is an analyst too: wherever analysts may go, so may they.
POLICY = {
    name: (method, roles | {"coder"} if "analyst" in roles else roles)
    for name, (method, roles) in POLICY.items()
}


def _url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


@pytest.fixture
def world(db, team, clinician, service_user):
    """One person on team A, with everything a page could be about, and someone of every role."""
    people = {"clinician": clinician}
    people["team_manager"] = clinician_in(team, role=Role.TEAM_MANAGER)
    other_team = TeamFactory(name="Other team")
    people["other_team_clinician"] = clinician_in(other_team)
    people["analyst"] = UserFactory(role=Role.ANALYST)
    people["admin"] = UserFactory(role=Role.ADMIN)
    people["coder"] = UserFactory(role=Role.ANALYST)
    people["coder"].user_permissions.add(Permission.objects.get(codename="code_excerpts"))
    second_coder = UserFactory(role=Role.ANALYST)
    second_coder.user_permissions.add(Permission.objects.get(codename="code_excerpts"))
    people["service_user"] = UserFactory(role=Role.SERVICE_USER)
    service_user.account = people["service_user"]
    service_user.save()
    consent = CarerConsentFactory(service_user=service_user, scope_assessment_input=True)
    people["carer"] = UserFactory(role=Role.CARER)
    consent.carer.account = people["carer"]
    consent.carer.save()
    revoked = CarerConsentFactory(service_user=service_user, revoked_at=timezone.now())
    people["revoked_carer"] = UserFactory(role=Role.CARER)
    revoked.carer.account = people["revoked_carer"]
    revoked.carer.save()
    ServiceUserFactory(team=other_team)  # someone the other team does see

    past = ContactFactory(
        service_user=service_user, clinician=clinician, start=timezone.now() - dt.timedelta(days=3)
    )
    future = ContactFactory(service_user=service_user, clinician=clinician)
    need = service_user.access_needs.create(need="poor_connectivity", recorded_at=timezone.now())
    follow_up = FollowUpTask.objects.create(
        contact=past,
        service_user=service_user,
        team=team,
        due_on=timezone.localdate(),
        reason="Did not attend",
        created_at=timezone.now(),
    )
    alert = TeamAlert.objects.create(
        team=team,
        service_user=service_user,
        kind="contact_gap",
        key="gap:test",
        message="No contact",
        raised_at=timezone.now(),
    )
    handover = Handover.objects.create(
        service_user=service_user,
        kind="transfer",
        from_team=team,
        to_team=other_team,
        summary="Stable",
        requested_by=clinician,
        requested_at=timezone.now(),
    )
    commitment = agree_commitment(
        actor=clinician,
        service_user=service_user,
        consultation_type="wellbeing_check_in",
        mode="telephone",
        weekday=1,
        time=dt.time(15),
    )
    room, _links = open_room(actor=clinician, contact=future)
    schedule = agree_checkin_schedule(
        actor=clinician,
        service_user=service_user,
        measures=["PHQ9"],
        rhythm="weekly",
        channel="portal",
    )
    checkin = CheckIn.objects.create(
        schedule=schedule,
        service_user=service_user,
        measures=["PHQ9"],
        due_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    warning_sign = agree_warning_sign(
        actor=clinician,
        service_user=service_user,
        sign="Sleeping under four hours",
        person_action="Ring my sister",
        team_action="Call within a day",
        contact_whom="Duty worker",
    )
    past.attend_status = "5"
    past.mode_used = past.planned_mode
    past.save()
    course = TrainingCourse.objects.create(
        title="Video",
        topic="video_room",
        mode="video",
        refresher_months=12,
        roles=["clinician"],
        created_at=timezone.now(),
    )
    completion = TrainingCompletion.objects.create(
        user=clinician, course=course, completed_on=timezone.localdate(), recorded_at=timezone.now()
    )
    support = DigitalSupport.objects.create(
        service_user=service_user,
        kind="video_guide",
        offered_by=clinician,
        offered_at=timezone.now(),
    )
    feedback_request = FeedbackRequest.objects.create(
        key="matrix",
        contact=past,
        respondent="service_user",
        service_user=service_user,
        asked_by="portal",
        created_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    invitation = CarerInvitation.objects.create(
        contact=future,
        service_user=service_user,
        carer=consent.carer,
        asked_by="portal",
        created_at=timezone.now(),
        expires_at=future.start,
    )
    appointment_request = ask_about_contact(
        actor=people["service_user"], contact=future, kind="rebook"
    )
    excerpt = add_excerpt(
        text="The line kept dropping.", source="staff", given_on=dt.date(2027, 1, 4), mode="video"
    )
    code_excerpt(
        excerpt, [Code.objects.get(key="C14")], coder=UserModel.objects.get(pk=people["coder"].pk)
    )
    code_excerpt(
        excerpt, [Code.objects.get(key="C09")], coder=UserModel.objects.get(pk=second_coder.pk)
    )
    register_client(name="matrix", scope_text="system/Patient.rs")
    fhir_client = FhirClient.objects.get(name="matrix")
    su = service_user.pk
    kwargs = {
        "scheduling:ask_about_contact": {"pk": future.pk},
        "scheduling:appointment_request": {"pk": appointment_request.pk},
        "feedback:answer": {"pk": feedback_request.pk},
        "feedback:link_feedback": {"token": "not-a-real-link"},
        "feedback:link_carer_input": {"token": "not-a-real-link"},
        "feedback:my_invitation": {"pk": invitation.pk},
        "feedback:raise_concern": {"pk": su},
        "feedback:contact_carer_views": {"pk": future.pk},
        "feedback:code": {"key": "C14"},
        "feedback:edit_code": {"key": "C14"},
        "feedback:merge_code": {"key": "C14"},
        "feedback:split_code": {"key": "C14"},
        "feedback:retire_code": {"key": "C14"},
        "feedback:code_excerpt": {"pk": excerpt.pk},
        "feedback:reconcile_excerpt": {"pk": excerpt.pk},
        "records:add_warning_sign": {"pk": su},
        "records:retire_warning_sign": {"pk": su, "sign_pk": warning_sign.pk},
        "records:score_measure": {"pk": past.pk, "measure": "PHQ9"},
        "scheduling:acknowledge_alert": {"pk": alert.pk},
        "rooms:open": {"contact_id": future.pk},
        "rooms:host": {"room_id": room.pk},
        "rooms:new_link": {"room_id": room.pk},
        "rooms:fall_back": {"room_id": room.pk},
        "rooms:end": {"room_id": room.pk},
        "rooms:review_outcome": {"room_id": room.pk},
        "rooms:wait": {"room_id": room.pk},
        "rooms:join_as_carer": {"room_id": room.pk},
        "rooms:join": {"token": "not-a-real-link"},
        "records:record": {"pk": su},
        "records:book": {"pk": su},
        "records:export": {"pk": su},
        "records:export_readable": {"pk": su},
        "records:export_pdf": {"pk": su},
        "people:add_access_need": {"pk": su},
        "people:end_access_need": {"pk": su, "need_pk": need.pk},
        "people:add_carer": {"pk": su},
        "people:edit_contact_details": {"pk": su},
        "people:edit_area": {"pk": su},
        "people:restriction": {"pk": su},
        "people:staff_account": {"pk": people["analyst"].pk},
        "signin:set_password": {"uidb64": "MQ", "token": "not-a-real-token"},
        "signin:reset_password": {"uidb64": "MQ", "token": "not-a-real-token"},
        "people:erase": {"pk": su},
        "records:withdraw_consent": {"pk": su, "consent_pk": consent.pk},
        "scheduling:record_outcome": {"pk": past.pk},
        "scheduling:correct_outcome": {"pk": past.pk},
        "scheduling:reschedule": {"pk": future.pk},
        "scheduling:cancel": {"pk": future.pk},
        "scheduling:complete_follow_up": {"pk": follow_up.pk},
        "scheduling:resolve_alert": {"pk": alert.pk},
        "scheduling:request_handover": {"pk": su},
        "scheduling:respond_to_handover": {"pk": handover.pk},
        "scheduling:agree_commitment": {"pk": su},
        "scheduling:end_commitment": {"pk": commitment.pk},
        "workforce:confirm": {"pk": completion.pk},
        "workforce:digital_support": {"pk": su},
        "workforce:support_outcome": {"pk": su, "support_pk": support.pk},
        "decisions:decisions": {"pk": su},
        "decisions:agree": {"pk": su},
        "decisions:preferences": {"pk": su},
        "decisions:recommendation_api": {"pk": su},
        "decisions:finding": {"code": "E4"},
        "monitoring:agree_schedule": {"pk": su},
        "monitoring:stop_schedule": {"pk": su},
        "monitoring:my_checkin": {"pk": checkin.pk},
        "monitoring:link_checkin": {"token": "not-a-real-link"},
        "interop:type": {"resource": "Patient"},
        "interop_pages:revoke": {"pk": fhir_client.pk},
        "interop:instance": {"resource": "Patient", "resource_id": str(su)},
    }
    return people, kwargs


def _allowed(response) -> bool:
    if response.status_code == 200:
        return True
    if response.status_code in (301, 302):
        return not response["Location"].startswith(("/account/sign-in/", "/account/two-step/"))
    return False


def test_every_url_and_role_against_the_policy(world):
    from django.urls import reverse

    people, kwargs = world
    names = dict(_url_names())
    missing = sorted(set(names) - set(POLICY))
    assert not missing, f"URLs with no access policy: {missing}"
    differences = []
    for name, (method, allowed_roles) in sorted(POLICY.items()):
        url = reverse(name, kwargs=kwargs.get(name))
        if name == "decisions:recommendation_api":
            url += "?consultation_type=psychotherapy"
        for role in ROLES:
            client = Client()
            if role != "anonymous":
                signed_in(client, people[role])
            with transaction.atomic():
                response = client.get(url) if method == "GET" else client.post(url)
                transaction.set_rollback(True)
            allowed = _allowed(response)
            if allowed != (role in allowed_roles):
                differences.append(
                    f"{'ALLOWED' if allowed else 'denied'}: {role} {method} {url} "
                    f"-> {response.status_code} {response.get('Location', '')}"
                )
    unexpected_allows = [d for d in differences if d.startswith("ALLOWED")]
    assert not unexpected_allows, "\n".join(unexpected_allows)
    assert not differences, "\n".join(differences)


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_client_secrets")
def test_every_fhir_resource_and_interaction_against_the_scopes():
    """The FHIR API's matrix, from the CapabilityStatement's own table: each interaction of each
    resource is open to a token whose scope names it, and 403 to one with every other scope (the
    other resources' and this resource's other letters). Two clients an interaction, each through
    the token endpoint; their secrets are hashed fast (`fast_client_secrets`), since argon2's
    hash and check were nearly all of this test's time."""
    from caremode.interop.fhir_resources import CAPABILITIES
    from caremode.interop.scopes import INTERACTION_LETTER, LETTERS

    request_of = {
        "read": ("GET", "/fhir/{resource}/1"),
        "search-type": ("GET", "/fhir/{resource}"),
        "create": ("POST", "/fhir/{resource}"),
    }
    letter_of = {
        "read": INTERACTION_LETTER["read"],
        "search-type": INTERACTION_LETTER["search"],
        "create": INTERACTION_LETTER["create"],
    }

    def client_for(scope_text: str, name: str) -> Client:
        credentials = register_client(name=name, scope_text=scope_text)
        token = (
            Client()
            .post(
                "/fhir/auth/token",
                {
                    "grant_type": "client_credentials",
                    "client_id": credentials.client_id,
                    "client_secret": credentials.client_secret,
                },
            )
            .json()["access_token"]
        )
        return Client(headers={"Authorization": f"Bearer {token}"})

    differences = []
    for resource, spec in sorted(CAPABILITIES.items()):
        for interaction in spec["interactions"]:
            method, pattern = request_of[interaction]
            url = pattern.format(resource=resource)
            letter = letter_of[interaction]
            others = [f"system/{r}.cruds" for r in CAPABILITIES if r != resource]
            rest = "".join(x for x in LETTERS if x != letter)
            scoped = client_for(f"system/{resource}.{letter}", f"{resource}-{letter}")
            unscoped = client_for(
                " ".join([*others, f"system/{resource}.{rest}"]), f"{resource}-not-{letter}"
            )
            for client, should_allow in ((scoped, True), (unscoped, False)):
                response = client.generic(method, url, data=b"", content_type="application/json")
                allowed = response.status_code not in (401, 403)
                if allowed != should_allow:
                    differences.append(f"{method} {url} -> {response.status_code}")
    assert not differences, "\n".join(differences)


@pytest.mark.django_db
def test_a_transaction_needs_the_scope_of_every_entry_it_writes():
    """POST /fhir/: the scopes are asked per entry. A Bundle adding a Patient and booking an
    Appointment goes through only with Patient.c and Appointment.c (403 without either, naming
    the entry), and never without a token (401)."""
    from caremode.interop import fhir_resources
    from tests.factories import TeamFactory, clinician_in, next_working_day_at

    team = TeamFactory(name="Matrix team")
    clinician_in(team, username="matrixdoc")
    system = fhir_resources.staff_username_system()
    entries = [
        {
            "fullUrl": "urn:uuid:p",
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": fhir_resources.NHS_NUMBER_SYSTEM, "value": "9434765919"}],
                "name": [{"family": "Matrix", "given": ["Pat"]}],
                "birthDate": "1990-01-01",
            },
            "request": {"method": "POST", "url": "Patient"},
        },
        {
            "fullUrl": "urn:uuid:a",
            "resource": {
                "resourceType": "Appointment",
                "status": "booked",
                "extension": [{"url": fhir_resources.DELIVERY_CHANNEL_URL, "valueCode": "Video"}],
                "serviceType": [
                    {
                        "coding": [
                            {
                                "system": fhir_resources.consultation_type_system(),
                                "code": "medication_review",
                            }
                        ]
                    }
                ],
                "start": next_working_day_at(10).isoformat(),
                "minutesDuration": 30,
                "participant": [
                    {"actor": {"reference": "urn:uuid:p"}, "status": "accepted"},
                    {
                        "actor": {"reference": f"Practitioner?identifier={system}|matrixdoc"},
                        "status": "accepted",
                    },
                ],
            },
            "request": {"method": "POST", "url": "Appointment"},
        },
    ]
    body = json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    full = ("system/Patient.c", "system/Appointment.c")

    def post(scopes: tuple[str, ...], name: str):
        credentials = register_client(name=name, scope_text=" ".join(scopes), team=team)
        token = (
            Client()
            .post("/fhir/auth/token", {"grant_type": "client_credentials", **vars(credentials)})
            .json()["access_token"]
        )
        api = Client(headers={"Authorization": f"Bearer {token}"})
        return api.post("/fhir/", data=body, content_type="application/fhir+json")

    for n, left_out in enumerate(full):
        scopes = tuple(s for s in full if s != left_out)
        response = post(scopes, f"without-{n}")
        assert response.status_code == 403, (left_out, response.content)
        expression = response.json()["issue"][0]["expression"][0]
        assert expression.startswith(f"Bundle.entry[{n}]")
    assert (
        Client().post("/fhir/", data=body, content_type="application/fhir+json").status_code == 401
    )
    response = post(full, "all")
    assert response.status_code == 200, response.content
