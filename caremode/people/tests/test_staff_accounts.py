from caremode.accounts.models import Role, User
from caremode.audit.models import AuditEvent
from tests.factories import UserFactory, signed_in


def test_an_administrator_opens_closes_and_resets_accounts(client, team):
    admin = UserFactory(role=Role.ADMIN)
    signed_in(client, admin)
    response = client.post(
        "/service-users/staff/",
        {"username": "j.okafor", "display_name": "Jo Okafor", "role": "clinician", "team": team.pk},
    )
    body = response.content.decode()
    assert "Account opened for j.okafor" in body and "one-time password" in body
    password = body.split("<strong>")[1].split("</strong>")[0]
    new = User.objects.get(username="j.okafor")
    assert new.check_password(password) and list(new.teams.all()) == [team]

    missing_team = client.post(
        "/service-users/staff/", {"username": "x", "display_name": "X", "role": "clinician"}
    )
    assert "Choose the team they work in" in missing_team.content.decode()

    client.post(f"/service-users/staff/{new.pk}/", {"action": "close", "reason": "Left"})
    new.refresh_from_db()
    assert not new.is_active
    client.post(
        f"/service-users/staff/{new.pk}/", {"action": "reset_second_factor", "reason": "Lost phone"}
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
