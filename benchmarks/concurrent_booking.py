"""Many clinicians booking one person into one slot at once, beside the same number of bookings
made one after another with nobody in the way.

The contended run releases the attempts together in rounds as wide as the connection pool
(DB_POOL_MAX, default 10): one books, the others queue on the person's row lock
(`scheduling.services.booking.lock_diaries`) and are refused. Printed: attempts per second for
each, the ratio (what waiting on the lock costs), and any attempt that failed with anything but
the domain error (there should be none: no deadlocks). Needs PostgreSQL; a fresh database is
created beside the one DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python \
        benchmarks/concurrent_booking.py [--attempts 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from _servers import ROOT, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=200)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: concurrency needs one.")
    with tempfile.TemporaryDirectory() as workdir:
        os.environ["DATABASE_URL"] = fresh_database(workdir, "bench_concurrent_booking")
        os.environ["CAREMODE_VAR_DIR"] = workdir
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, cwd=ROOT
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        run(options.attempts)


def run(attempts: int) -> None:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, connections
    from django.utils import timezone

    from caremode.accounts.models import Role, User
    from caremode.people.models import Service, ServiceUser, Team
    from caremode.scheduling import services
    from caremode.scheduling.diary import add_working_days
    from caremode.scheduling.errors import SlotAlreadyBookedError

    unusable = make_password(None)
    service = Service.objects.create(name="Bench service", modes_offered=["video"])
    team = Team.objects.create(name="Bench team", service=service)
    clinicians = User.objects.bulk_create(
        User(username=f"bench{n}", role=Role.CLINICIAN, password=unusable) for n in range(attempts)
    )
    people = ServiceUser.objects.bulk_create(
        ServiceUser(
            nhs_number=f"{9990000000 + n}",
            given_name="Bench",
            family_name=f"Person {n}",
            date_of_birth=dt.date(1980, 1, 1),
            gender="2",
            ethnic_category="A",
            postcode_district="LS6",
            rurality="urban",
            team=team,
            registered_at=timezone.now(),
        )
        for n in range(attempts + 1)
    )
    day = add_working_days(timezone.localdate(), 2)
    slot, later = (timezone.make_aware(dt.datetime.combine(day, dt.time(h))) for h in (11, 14))

    def book(clinician: User, person: ServiceUser, start: dt.datetime) -> Callable[[], object]:
        return lambda: services.book_contact(
            actor=clinician,
            service_user=person,
            consultation_type="care_coordination",
            mode="video",
            start=start,
            duration_minutes=50,
        )

    # Baseline: every clinician books a different person into the slot, one after another.
    began = time.perf_counter()
    for clinician, person in zip(clinicians, people[1:], strict=True):
        book(clinician, person, slot)()
    baseline = time.perf_counter() - began

    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool", {})
    width = max(2, int(pool.get("max_size", 10)) - 1) if pool else 10
    target = people[0]
    failures: list[str] = []
    booked = 0
    lock = threading.Lock()

    def attempt(action: Callable[[], object], barrier: threading.Barrier) -> None:
        nonlocal booked
        try:
            connection.ensure_connection()
            barrier.wait()
            action()
            with lock:
                booked += 1
        except SlotAlreadyBookedError:
            pass
        except Exception as error:
            with lock:
                failures.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    began = time.perf_counter()
    for first in range(0, attempts, width):
        batch = clinicians[first : first + width]
        barrier = threading.Barrier(len(batch))
        threads = [
            threading.Thread(target=attempt, args=(book(c, target, later), barrier)) for c in batch
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    contended = time.perf_counter() - began

    print(
        f"{attempts} bookings, one after another, nobody in the way: {attempts / baseline:7.1f}/s"
    )
    print(
        f"{attempts} attempts on one person at once ({width} at a time): "
        f"{attempts / contended:7.1f}/s, {booked} booked, {len(failures)} failed otherwise"
    )
    print(f"ratio (contended / baseline time per attempt): {contended / baseline:.2f}")
    for failure in failures[:5]:
        print("  failure:", failure.splitlines()[0])


if __name__ == "__main__":
    main()
