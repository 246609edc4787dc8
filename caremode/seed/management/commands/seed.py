from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from caremode.core.errors import DomainError
from caremode.people.models import ServiceUser
from caremode.seed.monitoring import OutcomeDifference
from caremode.seed.population import Disparity
from caremode.seed.services import DEMO_PASSWORD, seed_trust


class Command(BaseCommand):
    help = (
        "Create a synthetic, deterministic trust (synthetic data only). Example: "
        "caremode seed --service-users 10000 --months 6 --seed 1 "
        "--plant-disparity 'dna:video:ethnicity=Black or Black British:2'"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--service-users", type=int, default=500)
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help="Reference date (YYYY-MM-DD); contacts run up to it and two weeks beyond. "
            "Default: today. The same seed and date give the same trust.",
        )
        parser.add_argument(
            "--plant-disparity",
            action="append",
            default=[],
            metavar="MEASURE:MODE:DIMENSION=GROUP:RATIO",
            help="Make one group's did-not-attend rate for one mode RATIO times the rest's, "
            "e.g. 'dna:video:ethnicity=Black or Black British:2'. May be repeated.",
        )
        parser.add_argument(
            "--plant-outcome-difference",
            metavar="MODE:FACTOR",
            help="Make courses delivered mostly by MODE improve FACTOR times as much on PHQ-9, "
            "GAD-7 and DIALOG as they otherwise would, e.g. 'telephone:0.5'.",
        )
        parser.add_argument(
            "--plant-service-change",
            type=float,
            default=0.0,
            metavar="DNA_RISE",
            help="Every seeded trust records one service change (the community mental health "
            "service going telephone first, midway through the contacts); this makes its "
            "contacts DNA_RISE (0 to 0.5, e.g. 0.05 for 5 points) more likely to be missed "
            "from then on, so the before-and-after evaluation can be checked. Default 0.",
        )
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="Also create one sign-in per role for the demo.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) if service users already exist.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and ServiceUser.objects.exists():
            self.stdout.write("The database already has service users; seeding skipped.")
            return
        try:
            disparities = [Disparity.parse(text) for text in options["plant_disparity"]]
        except ValueError as error:
            raise CommandError(f"--plant-disparity: {error}") from error
        outcome_difference = None
        if options["plant_outcome_difference"]:
            try:
                outcome_difference = OutcomeDifference.parse(options["plant_outcome_difference"])
            except ValueError as error:
                raise CommandError(f"--plant-outcome-difference: {error}") from error
        as_of = None
        if options["as_of"]:
            as_of = dt.datetime.combine(options["as_of"], dt.time(12), tzinfo=dt.UTC)

        console = Console(stderr=True)
        tasks: dict[str, TaskID] = {}
        began = time.perf_counter()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:

            def on_progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = progress.add_task(step, total=total)
                progress.update(tasks[step], completed=done, total=total)

            try:
                summary = seed_trust(
                    service_users=options["service_users"],
                    months=options["months"],
                    seed=options["seed"],
                    as_of=as_of,
                    disparities=disparities,
                    outcome_difference=outcome_difference,
                    service_change_dna=options["plant_service_change"],
                    demo_accounts=options["demo_accounts"],
                    on_progress=on_progress,
                )
            except DomainError as error:
                raise CommandError(error.message) from error
        seconds = time.perf_counter() - began
        self.stdout.write(
            f"Seeded {summary.service_users:,} service users, {summary.contacts:,} contacts, "
            f"{summary.carers:,} carers, {summary.access_needs:,} access needs, "
            f"{summary.clinicians:,} clinicians, {summary.checkins:,} check-ins and "
            f"{summary.assessments:,} scored questionnaires in {seconds:.1f}s."
        )
        if summary.demo_accounts:
            self.stdout.write(
                f"\nDemo sign-ins (password for each: {DEMO_PASSWORD}). Staff also need a "
                "security code: run `.venv/bin/caremode demo_code USERNAME` for the current one."
            )
            for username, who in summary.demo_accounts.items():
                self.stdout.write(f"  {username:<16} {who}")
