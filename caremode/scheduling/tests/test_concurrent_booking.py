"""Many people booking the same slot at once: exactly one booking lands (PostgreSQL in CI)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from caremode.scheduling import services
from caremode.scheduling.errors import ClinicianUnavailableError
from caremode.scheduling.models import Contact
from tests.factories import ServiceUserFactory, next_working_day_at

ATTEMPTS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_slot_make_exactly_one_contact(clinician, team):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs concurrent writers: run with DATABASE_URL pointing at PostgreSQL (CI does). "
            "On SQLite the overlap trigger is tested in test_scheduling_services."
        )
    people = [ServiceUserFactory(team=team) for _ in range(ATTEMPTS)]
    start = next_working_day_at(11)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(person):
        try:
            barrier.wait()
            services.book_contact(
                actor=clinician,
                service_user=person,
                consultation_type="care_coordination",
                mode="video",
                start=start,
                duration_minutes=50,
            )
            result = "booked"
        except ClinicianUnavailableError:
            result = "refused"
        except Exception as error:
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] + ["refused"] * (ATTEMPTS - 1), outcomes
    assert Contact.objects.filter(start=start).count() == 1
