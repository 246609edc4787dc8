"""One link answered from several phones at once: exactly one set of answers lands, the others
are told the check-in has been answered, and nobody sees a database error (H-M12).

Needs PostgreSQL for concurrent writers (locally set DATABASE_URL; CI runs it)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from caremode.monitoring.checkin_answers import answer_checkin, open_checkin_by_link
from caremode.monitoring.errors import CheckInLinkError
from caremode.monitoring.models import Assessment, CheckIn, CheckInSchedule
from caremode.monitoring.tests.checkin_support import CALM_PHQ9

AT_ONCE = 6

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs concurrent writers: run with DATABASE_URL pointing at PostgreSQL.",
    ),
]


def test_a_link_answered_from_several_phones_at_once_lands_once(clinician, service_user):
    from caremode.core.links import hash_token

    now = timezone.now()
    schedule = CheckInSchedule.objects.create(
        service_user=service_user,
        measures=["PHQ9"],
        rhythm="weekly",
        channel="sms",
        starts_on=timezone.localdate(now),
        agreed_by=clinician,
        agreed_at=now,
    )
    CheckIn.objects.create(
        schedule=schedule,
        service_user=service_user,
        measures=["PHQ9"],
        due_at=now,
        expires_at=now + dt.timedelta(days=3),
        token_hash=hash_token("the-one-link"),
    )
    barrier = threading.Barrier(AT_ONCE)
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            checkin = open_checkin_by_link(token="the-one-link")
            answer_checkin(actor=None, checkin=checkin, answers={"PHQ9": CALM_PHQ9})
            result = "answered"
        except CheckInLinkError:
            result = "refused"
        except Exception as error:  # what the test is looking for
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=answer) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["answered"] + ["refused"] * (AT_ONCE - 1), outcomes
    assert Assessment.objects.count() == 1
    assert CheckIn.objects.get().status == CheckIn.Status.COMPLETED
