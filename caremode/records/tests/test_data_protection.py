import datetime as dt
import json

import time_machine
from django.utils import timezone

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from tests.factories import CarerConsentFactory, ContactFactory, UserFactory, signed_in


def test_a_subject_access_export_holds_everything_and_is_audited(client, clinician, service_user):
    CarerConsentFactory(service_user=service_user)
    ContactFactory(service_user=service_user, clinician=clinician)
    signed_in(client, clinician)
    client.get(f"/service-users/{service_user.pk}/")  # a read that the export will list
    response = client.get(f"/service-users/{service_user.pk}/export/")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["nhs_number"] == service_user.nhs_number
    assert data["carers"][0]["relationship"] == "Mother"
    assert len(data["contacts"]) == 1
    assert any(e["who"].startswith("Dr Asha Rahman") for e in data["who_has_looked_at_the_record"])
    assert (
        AuditEvent.objects.filter(
            action="export", subject_id=service_user.pk, reason="Subject access request"
        ).count()
        == 1
    )


def test_an_export_asks_for_the_password_again_after_a_while(client, clinician, service_user):
    signed_in(client, clinician)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        response = client.get(f"/service-users/{service_user.pk}/export/")
    assert response["Location"].startswith("/account/confirm/")
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_service_user_sees_who_looked_at_their_record(client, clinician, service_user):
    signed_in(client, clinician)
    client.get(f"/service-users/{service_user.pk}/")
    account = UserFactory(role=Role.SERVICE_USER)
    service_user.account = account
    service_user.save()
    signed_in(client, account)
    body = client.get("/my-care/who-viewed/").content.decode()
    assert "Dr Asha Rahman (clinician)" in body and "Looked at" in body
    assert "view record" in body
