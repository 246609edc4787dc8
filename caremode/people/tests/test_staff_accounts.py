import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from caremode.accounts.models import Role, User
from caremode.audit.models import AuditEvent
from caremode.core.errors import DomainError
from caremode.people import services
from caremode.people.models import ServiceUser, TeamMembership
from tests.factories import TeamFactory, UserFactory, clinician_in, signed_in


def current_code_of(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _open_account(client, team, **extra):
    admin = UserFactory(role=Role.ADMIN, username="chris")
    signed_in(client, admin)
    response = client.post(
        "/service-users/staff/",
        {
            "username": "j.okafor",
            "display_name": "Jo Okafor",
            "email": "jo.okafor@nhs.net",
            "role": "clinician",
            "team": team.pk,
            **extra,
        },
    )
    return admin, response


def _link(mailoutbox) -> str:
    (mail,) = mailoutbox
    return next(w for w in mail.body.split() if "/account/set-password/" in w)


def test_the_administrator_never_sees_or_sets_the_new_account_password(
    client, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin, response = _open_account(client, team)
    body = response.content.decode()
    assert "Account opened for j.okafor" in body and "emailed" in body
    assert "one-time password" not in body
    new = User.objects.get(username="j.okafor")
    assert not new.has_usable_password()  # nobody knows a password for it, the admin included
    (mail,) = mailoutbox
    assert mail.to == ["jo.okafor@nhs.net"]
    link = _link(mailoutbox)
    assert link.split("/account/")[1] not in body  # the link is only in the person's email
    assert AuditEvent.objects.filter(object_type="set-password link", actor=admin).exists()
    # The administrator cannot sign in as the new account.
    client.post("/account/sign-out/")
    for guess in ("", "correct-horse-battery", "j.okafor"):
        attempt = client.post("/account/sign-in/", {"username": "j.okafor", "password": guess})
        assert attempt.status_code == 200 and "_auth_user_id" not in client.session

    missing = client.post(
        "/account/sign-in/", {"username": "chris", "password": "correct-horse-battery"}
    )
    assert missing.status_code == 302
    signed_in(client, admin)
    no_team = client.post(
        "/service-users/staff/",
        {"username": "x", "display_name": "X", "email": "x@nhs.net", "role": "clinician"},
    )
    assert "Choose the team they work in" in no_team.content.decode()
    no_email = client.post(
        "/service-users/staff/",
        {"username": "y", "display_name": "Y", "role": "analyst"},
    )
    assert "Enter their work email address" in no_email.content.decode()


def test_the_person_sets_their_own_password_once_then_enrols_their_own_second_factor(
    client, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _open_account(client, team)
    client.post("/account/sign-out/")
    link = _link(mailoutbox)
    path = "/" + link.split("/", 3)[3]
    form_page = client.get(path, follow=True)
    assert "Set your password" in form_page.content.decode()
    form_path = form_page.redirect_chain[-1][0]
    weak = client.post(
        form_path, {"new_password1": "okafor123456", "new_password2": "okafor123456"}
    )
    assert "too easy to guess" in weak.content.decode()
    done = client.post(
        form_path,
        {
            "new_password1": "violet ferry umbrella tandem",
            "new_password2": "violet ferry umbrella tandem",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/account/sign-in/"
    new = User.objects.get(username="j.okafor")
    assert new.check_password("violet ferry umbrella tandem")
    assert AuditEvent.objects.filter(object_type="password", actor=new).exists()
    # The link works once.
    again = client.get(path, follow=True)
    assert "expired or has been used" in again.content.decode()
    # First sign-in: the person sets up their own authenticator before anything else.
    signed = client.post(
        "/account/sign-in/",
        {"username": "j.okafor", "password": "violet ferry umbrella tandem"},
        follow=True,
    )
    assert "Set up two-step verification" in signed.content.decode()
    device = TOTPDevice.objects.get(user=new)
    assert not device.confirmed
    client.post("/account/two-step/", {"code": current_code_of(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/service-users/").status_code == 200  # past the second factor


def test_a_set_password_link_expires(client, team, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _open_account(client, team)
    client.post("/account/sign-out/")
    path = "/" + _link(mailoutbox).split("/", 3)[3]
    # Three hours past the 72: Django's token clock is naive local time, which can sit an hour
    # away from UTC inside a nested time travel (British Summer Time).
    with time_machine.travel(timezone.now() + dt.timedelta(hours=75), tick=False):
        late = client.get(path, follow=True)
    assert "expired or has been used" in late.content.decode()


def test_a_new_member_sees_the_caseload_only_once_the_team_manager_accepts(
    client, team, service_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin, _response = _open_account(client, team)
    new = User.objects.get(username="j.okafor")
    membership = TeamMembership.objects.get(user=new)
    assert membership.accepted_at is None and membership.requested_by == admin
    assert not ServiceUser.objects.visible_to(new).exists()
    newcomer = signed_in(Client(), new)
    assert newcomer.get(f"/service-users/{service_user.pk}/").status_code == 404
    # The administrator who asked cannot accept it, nor can another team's manager.
    assert client.get("/service-users/team/members/").status_code in (403, 404)
    with pytest.raises(DomainError, match="manager of this team"):
        services.accept_membership(actor=admin, membership=membership)
    elsewhere = clinician_in(TeamFactory(), role=Role.TEAM_MANAGER)
    with pytest.raises(DomainError, match="manager of this team"):
        services.accept_membership(actor=elsewhere, membership=membership)

    manager = clinician_in(team, role=Role.TEAM_MANAGER, username="jo.manager")
    page = signed_in(Client(), manager)
    listing = page.get("/service-users/team/members/").content.decode()
    assert "Jo Okafor" in listing and str(admin) in listing
    accepted = page.post("/service-users/team/members/", {"membership": membership.pk})
    assert accepted.status_code == 302
    membership.refresh_from_db()
    assert membership.accepted_by == manager and membership.accepted_at is not None
    assert AuditEvent.objects.filter(object_type="team membership", actor=manager).exists()
    assert AuditEvent.objects.filter(object_type="staff account", actor=admin).exists()
    assert newcomer.get(f"/service-users/{service_user.pk}/").status_code == 200
    again = page.post("/service-users/team/members/", {"membership": membership.pk})
    assert "no longer waiting" in again.content.decode()


def test_nobody_accepts_a_membership_they_asked_for_or_their_own(team):
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    joining = UserFactory()
    asked_by_manager = TeamMembership.objects.create(team=team, user=joining, requested_by=manager)
    with pytest.raises(DomainError, match="Someone else must accept"):
        services.accept_membership(actor=manager, membership=asked_by_manager)
    own = TeamMembership.objects.create(team=TeamFactory(), user=manager)
    with pytest.raises(DomainError):
        services.accept_membership(actor=manager, membership=own)
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMembership.objects.filter(pk=asked_by_manager.pk).update(
            accepted_by=manager, accepted_at=timezone.now()
        )


def test_an_administrator_closes_and_resets_accounts(client, clinician):
    admin = UserFactory(role=Role.ADMIN)
    signed_in(client, admin)
    client.post(f"/service-users/staff/{clinician.pk}/", {"action": "close", "reason": "Left"})
    clinician.refresh_from_db()
    assert not clinician.is_active
    client.post(
        f"/service-users/staff/{clinician.pk}/",
        {"action": "reset_second_factor", "reason": "Lost phone"},
    )
    assert AuditEvent.objects.filter(object_type="second factor", reason="Lost phone").exists()


def test_a_closed_account_cannot_sign_in(client, clinician):
    clinician.is_active = False
    clinician.save()
    response = client.post(
        "/account/sign-in/", {"username": "asha", "password": "correct-horse-battery"}
    )
    assert "Enter a correct username and password" in response.content.decode()


def test_people_change_their_own_password(client, clinician):
    signed_in(client, clinician)
    short = client.post(
        "/account/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "short",
            "new_password2": "short",
        },
    )
    assert "at least 12 characters" in short.content.decode()
    client.post(
        "/account/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "lantern-orchard-pebble",
            "new_password2": "lantern-orchard-pebble",
        },
    )
    clinician.refresh_from_db()
    assert clinician.check_password("lantern-orchard-pebble")


def test_an_administrator_lets_a_clinician_code_feedback_and_takes_it_away(client, clinician):
    admin = UserFactory(role=Role.ADMIN)
    signed_in(client, admin)
    page = f"/service-users/staff/{clinician.pk}/"
    assert "Does not code feedback into themes" in client.get(page).content.decode()
    coder_client = signed_in(Client(), clinician)
    assert coder_client.get("/coding/excerpts/").status_code == 404  # not a coder yet

    allowed = client.post(page, {"action": "allow_coding", "reason": "Joins the coding group"})
    assert allowed.status_code == 302
    assert User.objects.get(pk=clinician.pk).has_perm("feedback.code_excerpts")
    assert "Codes feedback into themes" in client.get(page).content.decode()
    assert coder_client.get("/coding/excerpts/").status_code == 200

    client.post(page, {"action": "stop_coding", "reason": "Left the coding group"})
    assert not User.objects.get(pk=clinician.pk).has_perm("feedback.code_excerpts")
    assert coder_client.get("/coding/excerpts/").status_code == 404
    changes = AuditEvent.objects.filter(actor=admin, object_type="staff account").order_by("pk")
    assert [(e.detail, e.reason) for e in changes] == [
        ({"may_code_feedback": True}, "Joins the coding group"),
        ({"may_code_feedback": False}, "Left the coding group"),
    ]


def test_only_an_administrator_changes_who_codes_feedback_and_says_why(clinician):
    with pytest.raises(DomainError):
        services.set_may_code_feedback(actor=clinician, user=clinician, allowed=True, reason="x")
    admin = UserFactory(role=Role.ADMIN)
    with pytest.raises(DomainError) as refused:
        services.set_may_code_feedback(actor=admin, user=clinician, allowed=True, reason=" ")
    assert refused.value.field == "reason"
    assert not User.objects.get(pk=clinician.pk).has_perm("feedback.code_excerpts")
