"""Concurrent waiting-room WebSocket connections one Daphne process holds, with latency.

Starts a fresh database (PostgreSQL when DATABASE_URL points at one, else SQLite), seeds a small
trust, opens the video room of one video contact and issues --connections links, each redeemed
by its own browser session. Then connects them all to one Daphne process, as people arriving
in a waiting room, and times: each arrival (connect until the server says "waiting"), and
message round trips (ping → pong) with everyone connected: 50 of them talking while the rest
wait, then all of them at the same moment. The baseline is the same round trip
with only --baseline connections open, measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/room_connections.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from _servers import BIN, ROOT, fresh_database, wait_for


def _prepare(connections: int) -> tuple[int, list[str]]:
    """(room id, session keys): one redeemed pass per connection, in the benchmark database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore

    from caremode.rooms import services
    from caremode.rooms.access import PASSES_KEY
    from caremode.rooms.models import Role
    from caremode.scheduling.models import Contact

    contact = Contact.objects.filter(planned_mode="video", attend_status__isnull=True).first()
    if contact is None:
        raise SystemExit("The seeded trust has no video contact still to come.")
    room, _links = services.open_room(actor=contact.clinician, contact=contact)
    keys = []
    for i in range(connections):
        link = services.issue_pass(
            actor=contact.clinician, room=room, role=Role.INTERPRETER, label=f"Guest {i}"
        )
        session = SessionStore()
        session.create()
        held = services.redeem_pass(
            token=link.url.rstrip("/").rsplit("/", 1)[-1], session_key=session.session_key or ""
        )
        session[PASSES_KEY] = {str(room.pk): held.pk}
        session.save()
        keys.append(session.session_key or "")
    return room.pk, keys


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": cut[49], "p95": cut[94], "p99": cut[98], "max": ordered[-1]}


async def _session(url: str, origin: str, key: str, arrived: list[float]) -> Any:
    import websockets

    began = time.perf_counter()
    socket = await websockets.connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={key}"},
        open_timeout=60,
        max_size=2**20,
    )
    while json.loads(await socket.recv())["type"] != "waiting":
        pass
    arrived.append((time.perf_counter() - began) * 1000)
    return socket


async def _round_trips(sockets: list[Any], rounds: int) -> list[float]:
    async def one(socket: Any) -> list[float]:
        times = []
        for _ in range(rounds):
            sent = time.perf_counter()
            await socket.send(json.dumps({"type": "ping", "sent": sent}))
            while json.loads(await socket.recv())["type"] != "pong":
                pass
            times.append((time.perf_counter() - sent) * 1000)
        return times

    found = await asyncio.gather(*(one(s) for s in sockets))
    return [t for times in found for t in times]


async def _measure(port: int, room_id: int, keys: list[str], baseline: int) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}/ws/rooms/{room_id}/"
    origin = f"http://127.0.0.1:{port}"
    arrived: list[float] = []
    few = [await _session(url, origin, key, arrived) for key in keys[:baseline]]
    quiet = await _round_trips(few, 20)
    began = time.perf_counter()
    rest = []
    for start in range(baseline, len(keys), 100):  # arrivals in waves of 100 at once
        rest += await asyncio.gather(
            *(_session(url, origin, key, arrived) for key in keys[start : start + 100])
        )
    connect_all = time.perf_counter() - began
    everyone = few + rest
    held = await _round_trips(everyone[:: max(1, len(everyone) // 50)], 20)  # 50 talk, all held
    burst = await _round_trips(everyone, 1)  # everyone at the same moment
    for socket in everyone:
        await socket.close()
    return {
        "arrived": arrived,
        "quiet": quiet,
        "held": held,
        "burst": burst,
        "connect_all": connect_all,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=10)
    parser.add_argument("--port", type=int, default=8124)
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    with tempfile.TemporaryDirectory() as workdir:
        os.environ["DATABASE_URL"] = fresh_database(workdir, "bench_rooms")
        os.environ["CAREMODE_VAR_DIR"] = workdir
        os.environ["REDIS_URL"] = ""  # one process: the in-memory channel layer
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "seed", "--service-users", "200", "--months", "2", "--demo-accounts"],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        room_id, keys = _prepare(options.connections)
        server = subprocess.Popen(
            [
                str(BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(options.port),
                "config.asgi:application",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(options.port)
            result = asyncio.run(_measure(options.port, room_id, keys, options.baseline))
        finally:
            server.terminate()
            server.wait(timeout=10)
    engine = "PostgreSQL" if os.environ["DATABASE_URL"].startswith("postgres") else "SQLite"
    arrived, quiet, held, burst = (
        _percentiles(result[k]) for k in ("arrived", "quiet", "held", "burst")
    )
    print(
        f"{len(keys):,} waiting-room connections held by one Daphne process ({engine}); "
        f"all connected in {result['connect_all']:.1f}s (arrivals in waves of 100)"
    )
    print(f"{'':44} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, row in [
        ("arrival (connect until told to wait)", arrived),
        (f"ping round trip, {options.baseline} connected (baseline)", quiet),
        (f"ping round trip, 50 of {len(keys):,} connected", held),
        (f"ping round trip, all {len(keys):,} at once", burst),
    ]:
        print(
            f"{name:44} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['p99']:>7.1f} {row['max']:>7.0f}"
        )
    print(
        f"round trip p50 with {len(keys):,} connected: {held['p50'] / quiet['p50']:.1f}x the "
        f"baseline; everyone at once: {burst['p50'] / quiet['p50']:.1f}x"
    )


if __name__ == "__main__":
    main()
