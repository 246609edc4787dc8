import datetime as dt
import hashlib
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.decisions.models import DecisionRecord, ModePreference
from caremode.people.models import AccessNeed, CarerConsent, ServiceUser
from caremode.scheduling.models import Contact
from caremode.seed import population
from caremode.seed.population import Disparity
from caremode.seed.services import SeedRefusedError, seed_trust

AS_OF = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)


def _digest() -> str:
    """A fingerprint of everything seeded that does not depend on primary keys."""
    people = ServiceUser.objects.order_by("nhs_number").values_list(
        "nhs_number",
        "given_name",
        "family_name",
        "date_of_birth",
        "ethnic_category",
        "imd_decile",
        "rurality",
        "main_language",
        "interpreter_needed",
        "team__name",
    )
    contacts = Contact.objects.order_by("service_user__nhs_number", "start").values_list(
        "service_user__nhs_number",
        "clinician__username",
        "consultation_type",
        "planned_mode",
        "start",
        "duration_minutes",
        "attend_status",
        "mode_used",
        "technical_failure",
        "ended_early",
    )
    needs = AccessNeed.objects.order_by("service_user__nhs_number", "need").values_list(
        "service_user__nhs_number", "need"
    )
    decisions = DecisionRecord.objects.order_by(
        "service_user__nhs_number", "consultation_type"
    ).values_list("service_user__nhs_number", "consultation_type", "agreed_mode", "review_on")
    text = repr((list(people), list(contacts), list(needs), list(decisions)))
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_same_seed_gives_the_same_trust(transactional_db):
    first = seed_trust(service_users=120, months=2, seed=7, as_of=AS_OF)
    digest = _digest()
    call_command("flush", "--noinput", verbosity=0)
    second = seed_trust(service_users=120, months=2, seed=7, as_of=AS_OF)
    assert first == second
    assert _digest() == digest
    call_command("flush", "--noinput", verbosity=0)
    seed_trust(service_users=120, months=2, seed=8, as_of=AS_OF)
    assert _digest() != digest


def test_a_seeded_trust_is_valid_and_plausible(db):
    summary = seed_trust(service_users=400, months=3, seed=3, as_of=AS_OF)
    assert summary.service_users == ServiceUser.objects.count() == 400
    assert summary.contacts == Contact.objects.count()
    for person in ServiceUser.objects.all()[:50]:
        person.full_clean()  # NHS number check digit, codes, postcode district
    ethnic = Counter(ServiceUser.objects.values_list("ethnic_category", flat=True))
    assert 0.6 < ethnic["A"] / 400 < 0.85  # England-like: most are White British
    modes = Counter(Contact.objects.values_list("planned_mode", flat=True))
    assert modes.most_common(1)[0][0] == "face_to_face"
    assert set(modes) <= {"face_to_face", "video", "telephone", "text", "email"}
    outcomes = Counter(Contact.objects.values_list("attend_status", flat=True))
    assert outcomes["3"] > 0 and outcomes["2"] > 0 and outcomes[None] > 0  # DNAs and future
    # Asynchronous modes are never used for assessment, risk or crisis contacts.
    assert not Contact.objects.filter(
        consultation_type__in=population.ASSESSMENT_TYPES, planned_mode__in=["text", "email"]
    ).exists()
    # No clinician holds two contacts at once.
    starts = Contact.objects.values_list("clinician_id", "start")
    assert len(set(starts)) == len(starts)
    assert CarerConsent.objects.filter(revoked_at__isnull=False).exists()
    # Shared decisions made with the rules engine, mostly following it, some due for review.
    decisions = DecisionRecord.objects.all()
    assert 0.25 < decisions.values("service_user").distinct().count() / 400 < 0.55
    assert decisions.filter(followed_recommendation=True).count() > decisions.count() / 2
    assert decisions.filter(review_on__lt=AS_OF.date()).exists()
    assert ModePreference.objects.filter(preference="declines").exists()


def test_seeding_refuses_a_database_that_holds_people(db):
    seed_trust(service_users=5, months=1, seed=1, as_of=AS_OF)
    with pytest.raises(SeedRefusedError):
        seed_trust(service_users=5, months=1, seed=1, as_of=AS_OF)


def test_a_planted_disparity_shows_in_the_data():
    rng = random.Random(11)
    people = population.generate_people(rng, 6000, AS_OF.date(), [60, 60, 30, 40, 40])
    disparity = Disparity.parse("dna:video:rurality=rural:3")
    rows = list(
        population.generate_contacts(rng, people, as_of=AS_OF, months=6, disparities=[disparity])
    )
    by_person = {p.index: p for p in people}

    def dna_rate(rural: bool) -> float:
        due = [
            r
            for r in rows
            if r.planned_mode == "video"
            and r.attend_status
            and (by_person[r.person].rurality == "rural") == rural
        ]
        return sum(r.attend_status == "3" for r in due) / len(due)

    assert dna_rate(True) / dna_rate(False) > 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dna:video:ethnicity", "expected MEASURE:MODE"),
        ("wait:video:rurality=rural:2", "unknown disparity measure"),
        ("dna:hologram:rurality=rural:2", "unknown mode"),
        ("dna:video:star_sign=leo:2", "unknown dimension"),
        ("dna:video:rurality=rural:9", "at most 5"),
    ],
)
def test_a_bad_disparity_is_explained(text, message):
    with pytest.raises(ValueError, match=message):
        Disparity.parse(text)


def test_the_command_reports_a_bad_disparity_and_writes_nothing(db):
    with pytest.raises(CommandError, match="--plant-disparity"):
        call_command("seed", "--service-users", "5", "--plant-disparity", "dna:video:x")
    assert not ServiceUser.objects.exists()


def test_the_command_seeds_with_demo_accounts_and_skips_when_asked(db, capsys):
    call_command(
        "seed", "--service-users", "60", "--months", "1", "--demo-accounts", "--as-of", "2026-11-02"
    )
    out = capsys.readouterr().out
    assert "Seeded 60 service users" in out and "clinician" in out and "service.user" in out
    call_command("seed", "--if-empty")
    assert "seeding skipped" in capsys.readouterr().out
    assert ServiceUser.objects.count() == 60
    assert ServiceUser.objects.filter(account__username="service.user").exists()
