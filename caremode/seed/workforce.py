"""The synthetic trust's workforce: a training catalogue with completions, staff profiles, three
months of wellbeing pulses with a planted difference by ethnic group (seed 2 found staff from a
minority ethnic background most affected), and digital support offered to some service users.

Kept apart from `services.seed_trust` (one call from it) so that the rest of the seed is
unchanged. `generate_pulses` is pure and deterministic; `seed_workforce` writes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Final

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.core import codes
from caremode.people.models import ServiceUser, Team, TeamMembership
from caremode.workforce import pulse
from caremode.workforce.models import (
    DigitalSupport,
    StaffProfile,
    SupportKind,
    TrainingCompletion,
    TrainingCourse,
    WellbeingResponse,
)

# The planted truth: the chance that a member of staff reports low happiness (0–4) and high
# anxiety (6–10) in a month, for White staff and for staff from a minority ethnic background.
PLANTED_LOW_WELLBEING: Final = {"White": 0.15, "minority": 0.40}
STAFF_FOR_THE_PULSE: Final = 160  # seeded clinicians, topped up with other staff to this number
MONTHS_OF_PULSES: Final = 3
STAFF_ETHNIC: Final = {
    "A": 0.55,
    "C": 0.08,
    "H": 0.09,
    "J": 0.04,
    "M": 0.06,
    "N": 0.12,
    "D": 0.03,
    "R": 0.03,
}
PROFESSIONS: Final = ("Mental health nurse", "Psychologist", "Social worker", "Psychiatrist")
BANDS: Final = ("5", "6", "7", "8+")

CATALOGUE: Final = (
    (
        "Video consultations",
        "video_room",
        "video",
        24,
        "The video room, the waiting room, letting people in, what to do if the call fails.",
    ),
    (
        "Telephone consultations",
        "telephone",
        "telephone",
        24,
        "Assessing without sight, checking who is listening, ending a call safely.",
    ),
    (
        "Text and email contact",
        "text_email",
        "text",
        36,
        "What may be sent, response times, and when to call instead.",
    ),
    (
        "Remote risk assessment",
        "remote_risk",
        "video",
        12,
        "Assessing risk on a screen or a line; when to see the person face to face.",
    ),
    (
        "Safeguarding and privacy on a remote contact",
        "safeguarding_privacy",
        "telephone",
        12,
        "Who else is in the room, safe words, domestic abuse.",
    ),
    (
        "Interpreters and carers in calls",
        "interpreters_carers",
        "video",
        36,
        "Three-way calls, consent to join, and speaking to the person first.",
    ),
)


@dataclass(frozen=True)
class StaffMember:
    index: int
    ethnic_category: str
    profession: str
    band: str
    mostly_remote: bool


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate_staff(rng: random.Random, count: int) -> list[StaffMember]:
    return [
        StaffMember(
            index=i,
            ethnic_category=_weighted(rng, STAFF_ETHNIC),
            profession=rng.choice(PROFESSIONS),
            band=rng.choice(BANDS),
            mostly_remote=rng.random() < 0.4,
        )
        for i in range(count)
    ]


def generate_pulses(rng: random.Random, member: StaffMember, months: int) -> list[dict[str, int]]:
    """Each month's answers for one member of staff, with the planted difference."""
    white = codes.ETHNIC_CATEGORIES[member.ethnic_category][1] == "White"
    p_low = PLANTED_LOW_WELLBEING["White" if white else "minority"]
    answers = []
    for _ in range(months):
        low = rng.random() < p_low
        answers.append(
            {
                "life_satisfaction": rng.randint(3, 6) if low else rng.randint(6, 9),
                "worthwhile": rng.randint(5, 9),
                "happiness": rng.randint(1, 4) if low else rng.randint(5, 9),
                "anxiety": rng.randint(6, 9) if low else rng.randint(1, 5),
                **{k: rng.randint(2, 5) for k in pulse.REMOTE_WORKING},
            }
        )
    return answers


def seed_workforce(
    *,
    rng: random.Random,
    teams: list[Team],
    clinicians: list[list[User]],
    service_users: list[ServiceUser],
    as_of: dt.datetime,
) -> int:
    """Write the workforce of the synthetic trust; returns the number of pulse responses."""
    now = timezone.now()
    courses = [
        TrainingCourse.objects.create(
            title=title,
            topic=topic,
            mode=mode,
            refresher_months=months,
            content=content,
            roles=[Role.CLINICIAN.value, Role.TEAM_MANAGER.value],
            created_at=now,
        )
        for title, topic, mode, months, content in CATALOGUE
    ]
    staff_users = [u for team_staff in clinicians for u in team_staff]
    extra = max(0, STAFF_FOR_THE_PULSE - len(staff_users))
    unusable = make_password(None)
    added = User.objects.bulk_create(
        [
            User(
                username=f"staff.{n + 1}",
                display_name=f"Staff member {n + 1}",
                role=Role.CLINICIAN,
                password=unusable,
            )
            for n in range(extra)
        ]
    )
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(team=teams[n % len(teams)], user=u, accepted_at=now)
            for n, u in enumerate(added)
        ]
    )
    team_of = {u.pk: teams[t].pk for t, team_staff in enumerate(clinicians) for u in team_staff}
    team_of.update({u.pk: teams[n % len(teams)].pk for n, u in enumerate(added)})
    everyone = staff_users + added
    members = generate_staff(rng, len(everyone))
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(
                user=u,
                ethnic_category=m.ethnic_category,
                profession=m.profession,
                band=m.band,
                mostly_remote=m.mostly_remote,
                updated_at=now,
            )
            for u, m in zip(everyone, members, strict=True)
        ]
    )
    completions = []
    for u in everyone:
        for course in courses:
            if rng.random() < 0.6:
                completed = as_of.date() - dt.timedelta(days=rng.randint(10, 900))
                completions.append(
                    TrainingCompletion(
                        user=u, course=course, completed_on=completed, recorded_at=now
                    )
                )
    TrainingCompletion.objects.bulk_create(completions)
    first = as_of.date().replace(day=1)
    periods = []
    for back in range(MONTHS_OF_PULSES - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        periods.append(dt.date(year, month + 1, 1))
    responses = []
    for u, m in zip(everyone, members, strict=True):
        group = codes.ETHNIC_CATEGORIES[m.ethnic_category][1]
        for period, answers in zip(periods, generate_pulses(rng, m, len(periods)), strict=True):
            if rng.random() < 0.8:  # not everyone answers every month
                responses.append(
                    WellbeingResponse(
                        respondent=u,
                        period=period,
                        answers=answers,
                        ethnic_group=group,
                        profession=m.profession,
                        band=m.band,
                        team_id=team_of[u.pk],
                        mostly_remote=m.mostly_remote,
                        submitted_at=now,
                    )
                )
    WellbeingResponse.objects.bulk_create(responses)
    offers = []
    for person in service_users:
        if rng.random() < 0.15:
            taken = rng.random() < 0.6
            offered_at = as_of - dt.timedelta(days=rng.randint(5, 120))
            offers.append(
                DigitalSupport(
                    service_user=person,
                    # Past offers are the guides: a practice call or help with a device is a
                    # contact in the diaries, booked through workforce.services like any other.
                    kind=rng.choice([SupportKind.VIDEO_GUIDE, SupportKind.CHECK_IN_GUIDE]),
                    offered_by=clinicians[0][0],
                    offered_at=offered_at,
                    outcome="taken_up" if taken else "declined",
                    outcome_recorded_at=offered_at + dt.timedelta(days=2),
                )
            )
    DigitalSupport.objects.bulk_create(offers)
    return len(responses)
