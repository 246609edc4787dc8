"""factory_boy factories shared by every app's tests. Synthetic people only."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
import nhs_number
import time_machine
from django.utils import timezone

from caremode.accounts.models import Role, User
from caremode.people.models import (
    Carer,
    CarerConsent,
    Service,
    ServiceUser,
    Team,
    TeamMembership,
)
from caremode.scheduling.models import Contact

PASSWORD = "correct-horse-battery"


def _valid_nhs_numbers():
    for stem in itertools.count(999_000_001):
        check = nhs_number.calculate_checksum(str(stem))
        if check is not None and check != 10:
            yield f"{stem}{check}"


_numbers = _valid_nhs_numbers()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CLINICIAN
    display_name = factory.Sequence(lambda n: f"Clinician {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    modes_offered = ["face_to_face", "video", "telephone", "text", "email"]


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    service = factory.SubFactory(ServiceFactory)
    phone = "0113 496 0000"


class ServiceUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceUser

    nhs_number = factory.LazyFunction(lambda: next(_numbers))
    given_name = "Alex"
    family_name = factory.Sequence(lambda n: f"Person{n}")
    date_of_birth = dt.date(1980, 5, 17)
    gender = "2"
    gender_identity = "2"
    ethnic_category = "A"
    postcode_district = "LS6"
    imd_decile = 3
    rurality = "urban"
    main_language = "en"
    team = factory.SubFactory(TeamFactory)
    registered_at = factory.LazyFunction(timezone.now)


class CarerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carer

    given_name = "Jo"
    family_name = "Carer"
    relationship = "Mother"


class CarerConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarerConsent

    service_user = factory.SubFactory(ServiceUserFactory)
    carer = factory.SubFactory(CarerFactory)
    scope_join_contacts = True
    scope_appointment_details = True
    scope_assessment_input = False
    granted_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    service_user = factory.SubFactory(ServiceUserFactory)
    team = factory.SelfAttribute("service_user.team")
    clinician = factory.SubFactory(UserFactory)
    consultation_type = "care_coordination"
    planned_mode = "video"
    planned_cons_mechanism = "11"
    # One an hour, so that factory contacts never overlap (the database refuses overlaps).
    start = factory.Sequence(lambda n: next_working_day_at(9) + dt.timedelta(hours=n))
    duration_minutes = 50
    end_at = factory.LazyAttribute(lambda c: c.start + dt.timedelta(minutes=c.duration_minutes))
    blocked_until = factory.LazyAttribute(lambda c: c.end_at + dt.timedelta(minutes=10))
    booked_at = factory.LazyFunction(timezone.now)


def next_working_day_at(hour: int, minute: int = 0, *, after: int = 1) -> dt.datetime:
    """An aware start `after` or more days ahead, on a weekday that is not a bank holiday."""
    from caremode.scheduling.diary import bank_holiday

    day = timezone.localdate() + dt.timedelta(days=after)
    while day.weekday() >= 5 or bank_holiday(day):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def clinician_in(team: Team, **kwargs) -> User:
    """A member of `team` whose membership a manager has already accepted."""
    user = UserFactory(**kwargs)
    TeamMembership.objects.create(team=team, user=user, accepted_at=timezone.now())
    return user


def signed_in(client, user):
    """Sign `user` in on the Django test client as they would be after the full sign-in:
    password just confirmed and, for staff, the second factor passed."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from caremode.accounts.sessions import mark_password_confirmed, needs_second_factor

    client.force_login(user)
    session = client.session
    mark_password_confirmed(session)
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
            TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def signed_in_session(user, *, second_factor: bool = True):
    """The stored session of a browser where `user` has signed in: password just confirmed and,
    for staff with `second_factor`, the second factor passed (for WebSocket scopes)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from caremode.accounts.sessions import mark_password_confirmed, needs_second_factor

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    mark_password_confirmed(session)
    if second_factor and needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
            TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return session


def current_code(user) -> str:
    """The security code the user's authenticator shows now (for browser journeys)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def settled_contacts_in_two_ethnic_groups(team: Team, clinician: User) -> None:
    """Fifteen days ago: six White people who each missed 2 of 7 contacts, and five Black people
    who each missed 4 of 7 (12 of 42 and 20 of 35 did not attend); attended ones by video."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=15)):
        for ethnic, statuses, people in (("A", "5555533", 6), ("N", "5553333", 5)):
            for _ in range(people):
                person = ServiceUserFactory(team=team, ethnic_category=ethnic)
                for status in statuses:
                    ContactFactory(
                        service_user=person,
                        clinician=clinician,
                        attend_status=status,
                        mode_used="video" if status == "5" else "",
                        cons_mechanism_used="11" if status == "5" else "",
                    )
