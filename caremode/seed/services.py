from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from caremode.accounts.models import Role, User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core import codes
from caremode.core.errors import DomainError
from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.decisions.rules import Context, recommend
from caremode.monitoring import alerts as monitoring_alerts
from caremode.monitoring import scoring
from caremode.monitoring.instruments import Measure
from caremode.monitoring.models import Assessment, CheckIn, CheckInSchedule
from caremode.people.models import (
    AccessNeed,
    Carer,
    CarerConsent,
    Service,
    ServiceChange,
    ServiceUser,
    Team,
    TeamMembership,
)
from caremode.scheduling import diary
from caremode.scheduling.models import Commitment, Contact, FollowUpTask, Handover, TeamAlert
from caremode.scheduling.services.outcomes import FOLLOW_UP_AFTER
from caremode.seed import monitoring, population
from caremode.seed.monitoring import OutcomeDifference
from caremode.seed.population import Disparity
from caremode.seed.workforce import seed_workforce

UK = ZoneInfo("Europe/London")
BATCH = 5000
DEMO_PASSWORD = "caremode-demo"  # noqa: S105 - synthetic demo accounts only, printed for people
Progress = Callable[[str, int, int], None]  # (step, done, total)


@dataclass(frozen=True)
class SeedSummary:
    service_users: int
    contacts: int
    carers: int
    access_needs: int
    clinicians: int
    demo_accounts: dict[str, str]
    checkins: int = 0
    assessments: int = 0


def _no_progress(step: str, done: int, total: int) -> None:
    return None


class SeedRefusedError(DomainError):
    pass


@transaction.atomic
def seed_trust(
    *,
    service_users: int,
    months: int,
    seed: int,
    as_of: dt.datetime | None = None,
    disparities: Sequence[Disparity] = (),
    outcome_difference: OutcomeDifference | None = None,
    service_change_dna: float = 0.0,
    demo_accounts: bool = False,
    on_progress: Progress = _no_progress,
) -> SeedSummary:
    """Create a synthetic trust: services, teams, clinicians, service users, carers, contacts.

    Also check-in schedules, check-ins and scored PHQ-9, GAD-7 and DIALOG (`_seed_monitoring`),
    with `outcome_difference` planted when given. One recorded service change (the community
    service going telephone first, midway), its contacts `service_change_dna` more likely to be
    missed from then on.
    Deterministic for the same (service_users, months, seed, as_of). Refuses (SeedRefusedError)
    if the database already holds service users, so real data is never mixed with synthetic.
    All or nothing: one transaction. Audited as one `seed` entry.
    """
    if service_users < 1 or months < 1:
        raise SeedRefusedError("Seed at least 1 service user over at least 1 month.")
    if not 0 <= service_change_dna <= 0.5:
        raise SeedRefusedError("The planted rise in DNA after the service change is 0 to 0.5.")
    if ServiceUser.objects.exists():
        raise SeedRefusedError(
            "The database already holds service users; seed only an empty database."
        )
    as_of = (as_of or timezone.now()).astimezone(UK)
    rng = random.Random(seed)
    now = timezone.now()

    services = {
        name: Service.objects.create(name=name, modes_offered=modes)
        for name, modes in population.SERVICES.items()
    }
    teams = [
        # Numbers from Ofcom's range for drama (0113 496 0000–0999): they ring no one.
        Team.objects.create(name=name, service=services[service], phone=f"0113 496 0{100 + t:03d}")
        for t, (name, service, _share, _types) in enumerate(population.TEAMS)
    ]
    per_team = [
        max(2, round(service_users * share / population.PEOPLE_PER_CLINICIAN))
        for _n, _s, share, _t in population.TEAMS
    ]
    clinicians: list[list[User]] = []
    unusable = make_password(None)
    for t, team in enumerate(teams):
        staff = User.objects.bulk_create(
            [
                User(
                    username=f"clinician.{t + 1}.{n + 1}",
                    display_name=f"{rng.choice(population.GIVEN_NAMES[rng.choice('12')])} "
                    f"{rng.choice(population.FAMILY_NAMES)}",
                    role=Role.CLINICIAN,
                    professional_group=rng.choice(
                        [
                            "Mental health nurse",
                            "Psychiatrist",
                            "Psychologist",
                            "Social worker",
                            "Occupational therapist",
                        ]
                    ),
                    password=unusable,
                )
                for n in range(per_team[t])
            ]
        )
        # The synthetic trust's staff are already accepted into their teams.
        TeamMembership.objects.bulk_create(
            [TeamMembership(team=team, user=u, accepted_at=timezone.now()) for u in staff]
        )
        clinicians.append(staff)
    on_progress("Staff and teams", 1, 1)

    people = population.generate_people(rng, service_users, as_of.date(), per_team)
    rows: list[ServiceUser] = []
    for p in people:
        rows.append(
            ServiceUser(
                nhs_number=p.nhs_number,
                given_name=p.given_name,
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                gender=p.gender,
                gender_identity=p.gender_identity,
                ethnic_category=p.ethnic_category,
                postcode_district=p.postcode_district,
                imd_decile=p.imd_decile,
                rurality=p.rurality,
                main_language=p.main_language,
                interpreter_needed=p.interpreter_needed,
                phone=p.phone,
                email=p.email,
                team=teams[p.team],
                registered_at=dt.datetime.combine(p.registered_on, dt.time(10), tzinfo=UK),
            )
        )
    saved: list[ServiceUser] = []
    for start in range(0, len(rows), BATCH):
        saved.extend(ServiceUser.objects.bulk_create(rows[start : start + BATCH]))
        on_progress("Service users", len(saved), len(rows))

    needs = [
        AccessNeed(
            service_user=saved[p.index],
            need=need,
            # The seeded interpreter needs are for the person's main language, in person.
            language=p.main_language if need == codes.INTERPRETER_NEED else "",
            interpreting="in_person" if need == codes.INTERPRETER_NEED else "",
            recorded_by=clinicians[p.team][p.clinician],
            recorded_at=saved[p.index].registered_at,
        )
        for p in people
        for need in p.access_needs
    ]
    AccessNeed.objects.bulk_create(needs, batch_size=BATCH)

    with_carers = [p for p in people if p.carer]
    carers = Carer.objects.bulk_create(
        [
            Carer(
                given_name=p.carer["given_name"],
                family_name=p.carer["family_name"],
                relationship=p.carer["relationship"],
                phone=f"07700{900000 + (p.index * 7) % 1000:06d}",
            )
            for p in with_carers
            if p.carer
        ],
        batch_size=BATCH,
    )
    carer_of = {p.index: carer for p, carer in zip(with_carers, carers, strict=True)}
    consents = []
    for p, carer in zip(with_carers, carers, strict=True):
        assert p.carer is not None
        granted = saved[p.index].registered_at
        consents.append(
            CarerConsent(
                service_user=saved[p.index],
                carer=carer,
                scope_join_contacts=p.carer["join"],
                scope_appointment_details=p.carer["details"],
                scope_assessment_input=p.carer["input"],
                granted_at=granted,
                recorded_by=clinicians[p.team][p.clinician],
                revoked_at=(granted + dt.timedelta(days=60)) if p.carer["revoked"] else None,
                revoked_by=clinicians[p.team][p.clinician] if p.carer["revoked"] else None,
            )
        )
    CarerConsent.objects.bulk_create(consents, batch_size=BATCH)
    on_progress("Access needs and carers", 1, 1)

    contact_count = 0
    batch: list[Contact] = []
    expected = sum(2.4 * months for _ in people)  # for the progress bar only
    planted = population.PlantedChange(
        service=population.SERVICE_CHANGE.service,
        day=population.service_change_day(as_of.date(), months),
        dna_increase=service_change_dna,
    )
    ServiceChange.objects.create(
        service=services[planted.service],
        changed_at=dt.datetime.combine(planted.day, dt.time(9), tzinfo=UK),
        summary=population.SERVICE_CHANGE.summary,
        modes_before=list(population.SERVICE_CHANGE.modes_before),
        modes_after=list(population.SERVICE_CHANGE.modes_after),
    )
    for row in population.generate_contacts(
        rng,
        people,
        as_of=as_of,
        months=months,
        disparities=disparities,
        planted_change=planted,
    ):
        clinician = clinicians[row.team][row.clinician]
        end_of_contact = row.start + dt.timedelta(minutes=row.duration_minutes)
        batch.append(
            Contact(
                service_user=saved[row.person],
                team=teams[row.team],
                clinician=clinician,
                consultation_type=row.consultation_type,
                planned_mode=row.planned_mode,
                planned_cons_mechanism=codes.cons_mechanism_for(row.planned_mode),
                start=row.start,
                duration_minutes=row.duration_minutes,
                end_at=end_of_contact,
                blocked_until=diary.blocked_until(
                    row.start,
                    row.duration_minutes,
                    row.planned_mode,
                    teams[row.team].remote_buffer_minutes,
                ),
                carer_invited=carer_of.get(row.person) if row.carer_invited else None,
                interpreter_needed=saved[row.person].interpreter_needed,
                booked_by=clinician,
                booked_at=row.start - dt.timedelta(days=row.booked_days_before),
                attend_status=row.attend_status,
                mode_used=row.mode_used,
                cons_mechanism_used=(
                    codes.cons_mechanism_for(row.mode_used) if row.mode_used else ""
                ),
                technical_failure=row.technical_failure,
                ended_early=row.ended_early,
                interpreter_present=(
                    saved[row.person].interpreter_needed
                    if row.attend_status in codes.ATTENDED
                    else None
                ),
                outcome_recorded_by=clinician if row.attend_status else None,
                outcome_recorded_at=end_of_contact if row.attend_status else None,
            )
        )
        if len(batch) >= BATCH:
            Contact.objects.bulk_create(batch)
            contact_count += len(batch)
            batch = []
            on_progress("Contacts", contact_count, max(int(expected), contact_count))
    Contact.objects.bulk_create(batch)
    contact_count += len(batch)
    on_progress("Contacts", contact_count, contact_count)
    decision_count = _seed_shared_decisions(rng, people, saved, clinicians, as_of)
    _seed_reliability(rng, people, saved, clinicians, teams, as_of)
    on_progress("Preferences and shared decisions", decision_count, decision_count)
    checkin_count, assessment_count = _seed_monitoring(
        seed, people, saved, clinicians, as_of, months, outcome_difference
    )
    on_progress("Check-ins and scores", assessment_count, assessment_count)

    seed_workforce(
        rng=random.Random(seed + 16),
        teams=teams,
        clinicians=clinicians,
        service_users=saved,
        as_of=as_of,
    )
    accounts = (
        _create_demo_accounts(teams, clinicians, saved, people, carer_of) if demo_accounts else {}
    )
    record_event(
        actor=None,
        action=AuditAction.SEED,
        object_type="synthetic trust",
        object_id=str(seed),
        detail={
            "service_users": service_users,
            "months": months,
            "seed": seed,
            "as_of": as_of.isoformat(),
            "disparities": [d.__dict__ for d in disparities],
            "outcome_difference": outcome_difference.__dict__ if outcome_difference else None,
            "service_change_dna": service_change_dna,
            "seeded_at": now.isoformat(),
        },
    )
    return SeedSummary(
        service_users=len(saved),
        contacts=contact_count,
        carers=len(carers),
        access_needs=len(needs),
        clinicians=sum(per_team),
        demo_accounts=accounts,
        checkins=checkin_count,
        assessments=assessment_count,
    )


def _seed_shared_decisions(
    rng: random.Random,
    people: list[population.Person],
    saved: list[ServiceUser],
    clinicians: list[list[User]],
    as_of: dt.datetime,
) -> int:
    """Stated preferences and shared decisions for about four people in ten, made with the
    real rules engine, some of them due or overdue for review."""
    preferences: list[ModePreference] = []
    decisions: list[DecisionRecord] = []
    for p in people:
        if rng.random() >= 0.4:
            continue
        offered = population.SERVICES[population.TEAMS[p.team][1]]
        stated = population.stated_preferences(rng, p, offered)
        decided_at = as_of - dt.timedelta(days=rng.randint(7, 150))
        clinician = clinicians[p.team][p.clinician]
        preferences.extend(
            ModePreference(
                service_user=saved[p.index],
                mode=mode,
                preference=preference,
                source=rng.choice(list(ModePreference.Source)),
                recorded_by=clinician,
                recorded_at=decided_at - dt.timedelta(days=1),
            )
            for mode, preference in stated.items()
        )
        types = list(population.TEAMS[p.team][3])
        for consultation_type in rng.sample(types, rng.randint(1, 2)):
            shown = recommend(
                Context(
                    consultation_type=consultation_type,
                    access_needs=frozenset(p.access_needs),
                    main_language=p.main_language,
                    interpreter_needed=p.interpreter_needed,
                    existing_relationship=True,
                    risk_level=rng.choice(["low", "low", "moderate"]),
                    recent_deterioration=False,
                    carer_involvement_wanted=bool(p.carer and not p.carer["revoked"]),
                    modes_offered=tuple(offered),
                    preferences=stated,
                )
            )
            choices = [r.mode for r in shown.ranked if r.offered]
            agreed = choices[0] if rng.random() < 0.8 or len(choices) < 2 else choices[1]
            fallback = next((m for m in choices if m != agreed), "")
            decisions.append(
                DecisionRecord(
                    service_user=saved[p.index],
                    consultation_type=consultation_type,
                    agreed_mode=agreed,
                    fallback_mode=fallback,
                    clinician=clinician,
                    persons_own_words=rng.choice(population.OWN_WORDS),
                    recommendation=shown.as_json(),
                    rules_version=shown.rules_version,
                    followed_recommendation=agreed == shown.top.mode,
                    review_on=(
                        decided_at + dt.timedelta(days=rng.choice([60, 90, 120, 180]))
                    ).date(),
                    decided_at=decided_at,
                )
            )
    ModePreference.objects.bulk_create(preferences, batch_size=BATCH)
    DecisionRecord.objects.bulk_create(decisions, batch_size=BATCH)
    return len(decisions)


def _seed_reliability(
    rng: random.Random,
    people: list[population.Person],
    saved: list[ServiceUser],
    clinicians: list[list[User]],
    teams: list[Team],
    as_of: dt.datetime,
) -> None:
    """Follow-ups for recent missed contacts (most done), weekly calls agreed with some people,
    and a few handovers waiting to be accepted, so the team pages show a working service."""
    recent = Contact.objects.filter(
        attend_status__in=["3", "7"], start__gte=as_of - dt.timedelta(days=14), start__lt=as_of
    ).select_related("team", "service_user")
    tasks = []
    for contact in recent.order_by("start", "pk"):
        done = rng.random() < 0.7
        due = diary.add_working_days(timezone.localdate(contact.start), contact.team.follow_up_days)
        tasks.append(
            FollowUpTask(
                contact=contact,
                service_user=contact.service_user,
                team=contact.team,
                due_on=due,
                reason=f"{FOLLOW_UP_AFTER[contact.attend_status or '3']}: "
                f"{contact.get_consultation_type_display().lower()} by "
                f"{contact.get_planned_mode_display().lower()}",
                created_at=contact.end_at,
                completed_at=contact.end_at + dt.timedelta(days=1) if done else None,
                completed_by=contact.clinician if done else None,
                outcome_note=rng.choice(
                    [
                        "Phoned; rebooked.",
                        "Texted; replied, all well.",
                        "No answer; letter sent and GP informed.",
                    ]
                )
                if done
                else "",
            )
        )
    FollowUpTask.objects.bulk_create(tasks, batch_size=BATCH)
    commitments = []
    for p in people:
        if rng.random() < 0.08 and population.TEAMS[p.team][1] != "Psychological therapies":
            commitments.append(
                Commitment(
                    service_user=saved[p.index],
                    clinician=clinicians[p.team][p.clinician],
                    consultation_type="wellbeing_check_in",
                    mode="telephone",
                    weekday=rng.randint(0, 4),
                    time=dt.time(rng.choice([10, 11, 14, 15])),
                    every_weeks=rng.choice([1, 1, 2]),
                    # Most calls were agreed recently and start soon; one in ten started weeks ago
                    # and has gone unbooked, so the team page shows what a broken rhythm looks like.
                    starts_on=(
                        as_of + dt.timedelta(days=rng.randint(3, 21))
                        if rng.random() < 0.9
                        else as_of - dt.timedelta(days=rng.randint(14, 28))
                    ).date(),
                    agreed_by=clinicians[p.team][p.clinician],
                    agreed_at=as_of - dt.timedelta(days=90),
                )
            )
    Commitment.objects.bulk_create(commitments, batch_size=BATCH)
    candidates = [p for p in people if p.team in (0, 1)]
    for p in rng.sample(candidates, min(3, len(candidates))):
        discharge = rng.random() < 0.5
        # Ofcom's numbers for drama (0113 496 0xxx): never a real line.
        receiver, phone = (
            rng.choice(
                [
                    ("Meadow Lane Surgery", "0113 496 0000"),
                    ("Hillside Medical Practice", "0113 496 0999"),
                ]
            )
            if discharge
            else ("", "")
        )
        Handover.objects.create(
            service_user=saved[p.index],
            kind=Handover.Kind.DISCHARGE if discharge else Handover.Kind.TRANSFER,
            from_team=teams[p.team],
            to_team=None if discharge else teams[1 - p.team],
            receiver_name=receiver,
            receiver_phone=phone,
            summary="Stable for six months; knows the early warning signs; medication unchanged.",
            requested_by=clinicians[p.team][p.clinician],
            requested_at=as_of - dt.timedelta(days=rng.randint(1, 9)),
        )


def _seed_monitoring(
    seed: int,
    people: list[population.Person],
    saved: list[ServiceUser],
    clinicians: list[list[User]],
    as_of: dt.datetime,
    months: int,
    difference: OutcomeDifference | None,
) -> tuple[int, int]:
    """Check-in schedules, check-ins (some missed, the latest still open) and assessments scored
    from their item answers by `monitoring.scoring`, from `seed.monitoring`; the alerts the last
    week's scores raise, as `monitoring.alerts` says. A random stream of its own, so the rest of
    the trust is the same with or without monitoring. Returns (check-ins, assessments)."""
    rng = random.Random(f"monitoring:{seed}")
    index_of = {person.pk: n for n, person in enumerate(saved)}
    attended: dict[int, list[monitoring.AttendedContact]] = {}
    contact_pks: list[int] = []
    rows = (
        Contact.objects.filter(attend_status__in=codes.ATTENDED)
        .order_by("service_user_id", "start", "pk")
        .values_list("pk", "service_user_id", "start", "end_at", "mode_used", "planned_mode")
    )
    for pk, person_pk, start, end_at, mode_used, planned in rows.iterator(chunk_size=BATCH):
        attended.setdefault(index_of[person_pk], []).append(
            monitoring.AttendedContact(
                index=len(contact_pks),
                start=start.astimezone(UK),
                end=end_at.astimezone(UK),
                mode=mode_used or planned,
            )
        )
        contact_pks.append(pk)

    generated: list[tuple[population.Person, monitoring.PersonMonitoring]] = []
    for p in people:
        made = monitoring.generate_monitoring(
            rng, p, attended.get(p.index, []), as_of=as_of, months=months, difference=difference
        )
        if made is not None:
            generated.append((p, made))

    schedules = CheckInSchedule.objects.bulk_create(
        [
            CheckInSchedule(
                service_user=saved[p.index],
                measures=m.schedule.measures,
                rhythm=m.schedule.rhythm,
                channel=m.schedule.channel,
                starts_on=m.schedule.starts_on,
                agreed_by=clinicians[p.team][p.clinician],
                agreed_at=m.schedule.agreed_at,
                ended_at=m.schedule.ended_at,
                ended_by=clinicians[p.team][p.clinician] if m.schedule.ended_by_clinician else None,
                end_reason=m.schedule.end_reason,
            )
            for p, m in generated
        ],
        batch_size=BATCH,
    )
    checkins = CheckIn.objects.bulk_create(
        [
            CheckIn(
                schedule=schedule,
                service_user=saved[p.index],
                measures=m.schedule.measures,
                due_at=c.due_at,
                expires_at=c.expires_at,
                sent_at=c.sent_at,
                status=c.status,
                completed_at=c.completed_at,
            )
            for (p, m), schedule in zip(generated, schedules, strict=True)
            for c in m.checkins
        ],
        batch_size=BATCH,
    )
    first_checkin, position = [], 0
    for _p, m in generated:
        first_checkin.append(position)
        position += len(m.checkins)

    assessments: list[Assessment] = []
    for (p, m), offset in zip(generated, first_checkin, strict=True):
        for a in m.assessments:
            result = scoring.score(a.measure, a.answers)
            from_contact = a.contact is not None
            assessments.append(
                Assessment(
                    service_user=saved[p.index],
                    measure=a.measure,
                    answers=a.answers,
                    more_help=sorted(a.more_help),
                    complete=result.complete,
                    score=result.total,
                    band=result.band,
                    treatment_mean=result.treatment_mean,
                    risk_answer=result.risk_answer,
                    source=Assessment.Source.CONTACT if from_contact else Assessment.Source.CHECKIN,
                    checkin=checkins[offset + a.checkin] if a.checkin is not None else None,
                    contact_id=contact_pks[a.contact] if a.contact is not None else None,
                    mode=a.mode,
                    taken_at=a.taken_at,
                    recorded_by=clinicians[p.team][p.clinician] if from_contact else None,
                )
            )
    saved_assessments = Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    _seed_monitoring_alerts(saved_assessments, clinicians, people, index_of, as_of)
    return len(checkins), len(saved_assessments)


def _seed_monitoring_alerts(
    assessments: list[Assessment],
    clinicians: list[list[User]],
    people: list[population.Person],
    index_of: dict[int, int],
    as_of: dt.datetime,
) -> None:
    """The alerts the last week's assessments raise (`monitoring.alerts.alerts_for`, against the
    person's previous complete score of the measure); those over two days old acknowledged."""
    since = as_of - dt.timedelta(days=7)
    previous: dict[tuple[int, str], Decimal] = {}
    raised: list[TeamAlert] = []
    for a in sorted(assessments, key=lambda a: (a.taken_at, a.pk)):
        result = scoring.Score(
            measure=Measure(a.measure),
            complete=a.complete,
            missing=(),
            total=a.score,
            band=a.band,
            treatment_mean=a.treatment_mean,
            risk_answer=a.risk_answer,
        )
        key = (a.service_user_id, a.measure)
        if since <= a.taken_at < as_of:
            person = people[index_of[a.service_user_id]]
            clinician = clinicians[person.team][person.clinician]
            old = a.taken_at < as_of - dt.timedelta(days=2)
            for reason in monitoring_alerts.alerts_for(result, previous=previous.get(key)):
                raised.append(
                    TeamAlert(
                        team_id=a.service_user.team_id,
                        service_user_id=a.service_user_id,
                        kind=reason.kind,
                        key=f"assessment:{a.pk}:{reason.suffix}",
                        message=reason.message,
                        urgent=reason.urgent,
                        raised_at=a.taken_at,
                        acknowledged_at=a.taken_at + dt.timedelta(hours=1) if old else None,
                        acknowledged_by=clinician if old else None,
                    )
                )
        if a.complete and a.score is not None:
            previous[key] = a.score
    TeamAlert.objects.bulk_create(raised, batch_size=BATCH)


def _create_demo_accounts(
    teams: list[Team],
    clinicians: list[list[User]],
    saved: list[ServiceUser],
    people: list[population.Person],
    carer_of: dict[int, Carer],
) -> dict[str, str]:
    """One sign-in per role, linked to people in the first team so every page has something."""
    password = make_password(DEMO_PASSWORD)

    def account(username: str, role: Role, name: str, group: str = "") -> User:
        return User.objects.create(
            username=username,
            role=role,
            display_name=name,
            password=password,
            professional_group=group,
        )

    # The demo clinicians are seeded clinicians renamed, so they already hold contacts.
    for user, username, name in (
        (clinicians[0][0], "clinician", "Dr Asha Rahman"),
        (clinicians[1][0], "clinician.south", "Sam Okoro"),
    ):
        user.username, user.display_name, user.password = username, name, password
        user.save(update_fields=["username", "display_name", "password"])
    manager = account("manager", Role.TEAM_MANAGER, "Jo Whitfield", "Team manager")
    # Urgent alerts nobody acknowledges are emailed to the team's managers (the demo's mail goes
    # to var/mail); teams without one use the demo's duty address (Makefile).
    manager.email = "jo.whitfield@example.nhs.uk"
    manager.save(update_fields=["email"])
    TeamMembership.objects.create(team=teams[0], user=manager, accepted_at=timezone.now())
    analyst = account("analyst", Role.ANALYST, "Priya Nair", "Analyst")
    # The demo analyst also codes feedback into themes (the coders' pages).
    analyst.user_permissions.add(
        Permission.objects.get(content_type__app_label="feedback", codename="code_excerpts")
    )
    account("admin", Role.ADMIN, "Chris Adeyemi", "Administrator")
    # Staff sign in with a second factor; `caremode demo_code USERNAME` shows the current code.
    for staff in User.objects.filter(
        username__in=["clinician", "clinician.south", "manager", "analyst", "admin"]
    ):
        TOTPDevice.objects.create(user=staff, name="Demo authenticator", confirmed=True)

    # The demo service user: someone in the first team with a carer who may see appointments,
    # with check-ins and scores when there is such a person, so the portal shows their trend.
    checking_in = set(CheckInSchedule.objects.values_list("service_user_id", flat=True).distinct())
    candidates = [
        p
        for p in people
        if p.team == 0 and p.carer and p.carer["details"] and not p.carer["revoked"]
    ]
    person = next(
        (p for p in sorted(candidates, key=lambda p: saved[p.index].pk not in checking_in)),
        next(p for p in people if p.team == 0) if any(p.team == 0 for p in people) else people[0],
    )
    service_user_account = account("service.user", Role.SERVICE_USER, saved[person.index].full_name)
    ServiceUser.objects.filter(pk=saved[person.index].pk).update(account=service_user_account)
    accounts = {
        "clinician": "Clinician, North community mental health team",
        "clinician.south": "Clinician in another team (cannot see North's records)",
        "manager": "Team manager, North community mental health team",
        "analyst": "Analyst (de-identified figures only) and coder of feedback",
        "admin": "Administrator",
        "service.user": f"Service user ({saved[person.index].full_name})",
    }
    if person.index in carer_of:
        carer = carer_of[person.index]
        carer_account = account("carer", Role.CARER, str(carer))
        Carer.objects.filter(pk=carer.pk).update(account=carer_account)
        accounts["carer"] = f"Carer ({carer}, for {saved[person.index].full_name})"
    return accounts
