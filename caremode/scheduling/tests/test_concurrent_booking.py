"""Many people booking at once: exactly one booking lands, and nobody sees a database error.

Concurrency needs PostgreSQL (CI runs it; locally set DATABASE_URL). Each attempt runs in its own
thread with its own connection, from the pool (DB_POOL_MAX).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.people.models import ServiceUser
from caremode.scheduling import services
from caremode.scheduling.diary import add_working_days
from caremode.scheduling.errors import SlotAlreadyBookedError
from caremode.scheduling.models import Contact
from tests.factories import ServiceUserFactory

MANY = 200

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs concurrent writers: run with DATABASE_URL pointing at PostgreSQL (CI does). "
    "On SQLite the overlap trigger is tested in test_scheduling_services.",
)


def _run_at_once(attempts: list[Callable[[], object]]) -> list[str]:
    """Run every attempt in its own thread, each with its connection open before all are
    released together (so that they reach PostgreSQL at the same moment); their results in
    words: "booked", "refused" (the domain error) or the error anyone else would have seen."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            attempt()
            result = "booked"
        except SlotAlreadyBookedError:
            result = "refused"
        except Exception as error:  # anything else is what the test is looking for
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _in_rounds(attempt: Callable[[int, dt.datetime], Callable[[], object]]) -> list[list[str]]:
    """MANY attempts, in rounds as wide as the connection pool allows (DB_POOL_MAX, less the
    test's own connection), every attempt in a round holding a connection at once and aiming
    at that round's start time. `attempt(n, start)` makes the n-th attempt."""
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool", {})
    width = max(2, int(pool.get("max_size", 10)) - 1) if pool else 10
    return [
        _run_at_once([attempt(n, _slot(r)) for n in range(first, min(first + width, MANY))])
        for r, first in enumerate(range(0, MANY, width))
    ]


def _slot(n: int) -> dt.datetime:
    """A start for each round, two hours apart (so that rounds never overlap), four a day."""
    day = add_working_days(timezone.localdate(), 1 + n // 4)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9 + 2 * (n % 4))))


def _clinicians(count: int) -> list[User]:
    # bulk_create: hashing 200 passwords would take longer than the test itself.
    return User.objects.bulk_create(
        User(username=f"concurrent{n}", role=Role.CLINICIAN, password="!") for n in range(count)
    )


def _booking(clinician: User, person: ServiceUser, start: dt.datetime) -> Callable[[], object]:
    return lambda: services.book_contact(
        actor=clinician,
        service_user=person,
        consultation_type="care_coordination",
        mode="video",
        start=start,
        duration_minutes=50,
    )


def _assert_one_booking_a_round(rounds: list[list[str]]) -> None:
    errors = [o for outcomes in rounds for o in outcomes if o.startswith("error")]
    assert not errors, f"{len(errors)} of {MANY} attempts failed with: {errors[:3]}"
    for outcomes in rounds:
        assert sorted(outcomes) == ["booked"] + ["refused"] * (len(outcomes) - 1)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_one_person_booked_by_many_clinicians_at_once_never_deadlocks(team, service_user):
    """Two exclusion constraints (per clinician, per person) used to wait on each other."""
    clinicians = _clinicians(MANY)
    rounds = _in_rounds(lambda n, start: _booking(clinicians[n], service_user, start))
    _assert_one_booking_a_round(rounds)
    assert Contact.objects.filter(service_user=service_user).count() == len(rounds)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_one_clinician_booking_many_people_at_once_never_deadlocks(clinician, team):
    """The mirror case: one clinician, many people, in start times that overlap."""
    people = ServiceUserFactory.create_batch(MANY, team=team)
    # 5 minutes apart within the hour: each 50-minute video contact and its pause overlaps all.
    rounds = _in_rounds(
        lambda n, start: _booking(clinician, people[n], start + dt.timedelta(minutes=5 * (n % 6)))
    )
    _assert_one_booking_a_round(rounds)
    assert Contact.objects.filter(clinician=clinician).count() == len(rounds)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _wait_until_blocked(pid: int) -> None:
    """Until the PostgreSQL backend `pid` is waiting for a lock (at most ten seconds)."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return
        threading.Event().wait(0.05)
    raise AssertionError("the second booking never waited for the first")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_bookings_composed_in_one_transaction_cannot_deadlock_with_another(team):
    """Deterministic: A books Megan with clinician 1 and, in the same transaction, Sam with
    clinician 2; meanwhile B books Megan with clinician 2. Without one lock order B's insert
    waits on A's row for Megan and A's second insert waits on B's row for clinician 2:
    `deadlock detected`. With it, B queues on Megan's row before writing anything, A finishes,
    and B is refused with the domain error."""
    megan, sam = ServiceUserFactory.create_batch(2, team=team)
    first, second = _clinicians(2)
    start = _slot(0)
    a_booked_megan = threading.Event()
    b_pid: list[int] = []
    outcomes: dict[str, str] = {}

    def a() -> None:
        try:
            with transaction.atomic():
                _booking(first, megan, start)()
                a_booked_megan.set()
                while not b_pid:
                    threading.Event().wait(0.01)
                _wait_until_blocked(b_pid[0])
                _booking(second, sam, start)()
            outcomes["a"] = "booked"
        except Exception as error:
            outcomes["a"] = f"error: {type(error).__name__}: {error}"
            a_booked_megan.set()
        finally:
            connections.close_all()

    def b() -> None:
        try:
            b_pid.append(_backend_pid())
            a_booked_megan.wait(timeout=30)
            _booking(second, megan, start)()
            outcomes["b"] = "booked"
        except SlotAlreadyBookedError:
            outcomes["b"] = "refused"
        except Exception as error:
            outcomes["b"] = f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == {"a": "booked", "b": "refused"}
    assert Contact.objects.filter(start=start).count() == 2
