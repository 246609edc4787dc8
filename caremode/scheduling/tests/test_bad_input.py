"""Bad input is refused with a message naming the field, at every door: the pages and the
services (so no other caller gets round the forms). Dates are bounded by one horizon
(diary.BOOKING_HORIZON, diary.DIARY_LOOK_BACK); times sit on the diary's 5-minute grid;
lengths are whole minutes from 5 to 240; digits other than 0 to 9 are refused, not guessed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from caremode.scheduling import diary, services
from caremode.scheduling.errors import ContactTimeNotAllowedError, DurationNotAllowedError
from caremode.scheduling.models import Commitment, Contact, ContactChange, WorkingHours
from tests.factories import ContactFactory, next_working_day_at, signed_in

ARABIC_INDIC_1430 = "\u0661\u0664:\u0663\u0660"  # 14:30 in Arabic-Indic digits
FULL_WIDTH_1430 = "\uff11\uff14:\uff13\uff10"  # 14:30 in full-width digits


def _booking_form(day: dt.date, time: str = "10:00", **overrides: str) -> dict[str, object]:
    return {
        "consultation_type": "psychotherapy",
        "mode": "video",
        "date_0": day.day,
        "date_1": day.month,
        "date_2": day.year,
        "time": time,
        "duration_minutes": "60",
        **overrides,
    }


def _book(client, service_user, form):
    return client.post(f"/service-users/{service_user.pk}/book/", form).content.decode()


# The diary page


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("9999-12-31", "Choose a day between"),
        ("2200-01-05", "Choose a day between"),
        ("1900-01-01", "Choose a day between"),
        ("2026-02-30", "Enter a real date"),
        ("\u0662\u0660\u0662\u0667-\u0660\u0661-\u0660\u0665", "Enter the day as year-month-day"),
        ("tomorrow", "Enter the day as year-month-day"),
    ],
)
def test_the_diary_refuses_a_day_it_cannot_show_naming_the_field(client, clinician, day, message):
    signed_in(client, clinician)
    response = client.get("/diary/", {"day": day})
    body = response.content.decode()
    assert response.status_code == 400
    assert f"Day: {message}" in body
    assert "My diary" in body  # the page still works, with today's free times


def test_the_diary_shows_a_day_within_its_bounds(client, clinician):
    signed_in(client, clinician)
    day = diary.latest_bookable_day(timezone.localdate())
    response = client.get("/diary/", {"day": day.isoformat()})
    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()


# Booking: the page


def test_a_booking_beyond_the_horizon_is_refused_on_the_date(client, clinician, service_user):
    signed_in(client, clinician)
    body = _book(client, service_user, _booking_form(dt.date(2200, 1, 6)))
    assert "Book no more than 18 months ahead" in body
    too_far = diary.latest_bookable_day(timezone.localdate()) + dt.timedelta(days=1)
    assert "Book no more than 18 months ahead" in _book(
        client, service_user, _booking_form(too_far)
    )
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time", ARABIC_INDIC_1430, "Use the digits 0 to 9, like 14:30"),
        ("time", FULL_WIDTH_1430, "Use the digits 0 to 9, like 14:30"),
        ("time", "14:37", "5-minute steps"),
        ("date_0", "\u0665", "Use the digits 0 to 9"),
        ("date_2", "\uff12\uff10\uff12\uff17", "Use the digits 0 to 9"),
        ("duration_minutes", "\u0666\u0660", "Select a valid choice"),
        ("duration_minutes", "37", "Select a valid choice"),
    ],
)
def test_odd_digits_and_off_grid_times_are_refused_when_booking(
    client, clinician, service_user, field, value, message
):
    signed_in(client, clinician)
    form = _booking_form(next_working_day_at(10, after=3).date(), **{field: value})
    assert message in _book(client, service_user, form)
    assert not Contact.objects.exists()


# Booking: the service, for any other caller


def test_the_booking_service_bounds_the_start_itself(clinician, service_user):
    def book(start):
        return services.book_contact(
            actor=clinician,
            service_user=service_user,
            consultation_type="psychotherapy",
            mode="video",
            start=start,
            duration_minutes=50,
        )

    for start in (
        timezone.make_aware(dt.datetime(2200, 1, 6, 10)),
        next_working_day_at(10, 7),
        next_working_day_at(10) + dt.timedelta(seconds=30),
    ):
        with pytest.raises(ContactTimeNotAllowedError) as caught:
            book(start)
        assert caught.value.field == "start"
    assert not Contact.objects.exists()
    assert book(next_working_day_at(10, 35)).pk


@pytest.mark.parametrize("minutes", [0, 3, 37, 245, 480, 50.0, True, "50"])
def test_the_booking_service_refuses_odd_lengths(clinician, service_user, minutes):
    with pytest.raises(DurationNotAllowedError) as caught:
        services.book_contact(
            actor=clinician,
            service_user=service_user,
            consultation_type="psychotherapy",
            mode="video",
            start=next_working_day_at(10),
            duration_minutes=minutes,
        )
    assert caught.value.field == "duration_minutes"
    assert not Contact.objects.exists()


# Rescheduling


def test_rescheduling_beyond_the_horizon_is_refused_on_the_page_and_in_the_service(
    client, clinician, service_user
):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, start=next_working_day_at(10, after=2)
    )
    signed_in(client, clinician)
    body = client.post(
        f"/contacts/{contact.pk}/reschedule/",
        {
            "date_0": "6",
            "date_1": "1",
            "date_2": "2200",
            "time": "10:00",
            "initiated_by": "service",
            "reason": "Clinic closed",
        },
    ).content.decode()
    assert "Book no more than 18 months ahead" in body
    with pytest.raises(ContactTimeNotAllowedError) as caught:
        services.reschedule_contact(
            actor=clinician,
            contact=contact,
            new_start=timezone.make_aware(dt.datetime(2200, 1, 6, 10)),
            initiated_by="service",
            reason="Clinic closed",
        )
    assert caught.value.field == "start"
    contact.refresh_from_db()
    assert contact.start == next_working_day_at(10, after=2)
    assert not ContactChange.objects.exists()


# Commitments, working hours and outcomes


def test_a_commitment_time_off_the_grid_or_in_odd_digits_is_refused(
    client, clinician, service_user
):
    signed_in(client, clinician)
    url = f"/service-users/{service_user.pk}/commitments/new/"
    form = {"consultation_type": "care_coordination", "mode": "telephone", "weekday": "1"}
    for time, message in (("15:07", "5-minute steps"), (FULL_WIDTH_1430, "digits 0 to 9")):
        body = client.post(url, {**form, "time": time, "every_weeks": "1"}).content.decode()
        assert message in body
    with pytest.raises(ContactTimeNotAllowedError) as caught:
        services.agree_commitment(
            actor=clinician,
            service_user=service_user,
            consultation_type="care_coordination",
            mode="telephone",
            weekday=1,
            time=dt.time(15, 7),
        )
    assert caught.value.field == "time"
    assert not Commitment.objects.exists()


def test_working_hours_off_the_grid_are_refused(client, clinician):
    signed_in(client, clinician)
    form = {f"day_{d}_{p}": "" for d in range(7) for p in ("starts", "ends")}
    form.update(day_0_starts="08:07", day_0_ends="16:00")
    assert "5-minute steps" in client.post("/diary/working-hours/", form).content.decode()
    with pytest.raises(ContactTimeNotAllowedError) as caught:
        services.set_working_hours(
            actor=clinician, clinician=clinician, hours={0: (dt.time(8, 7), dt.time(16))}
        )
    assert caught.value.field == "day_0_starts"
    assert not WorkingHours.objects.exists()


def test_a_late_start_in_odd_digits_is_refused(client, clinician, service_user):
    contact = ContactFactory(
        service_user=service_user, clinician=clinician, start=next_working_day_at(10)
    )
    with time_machine.travel(contact.start + dt.timedelta(hours=2)):
        signed_in(client, clinician)
        body = client.post(
            f"/contacts/{contact.pk}/outcome/",
            {"attend_status": "5", "mode_used": "video", "late_start_minutes": "\u0665"},
        ).content.decode()
    assert "Use the digits 0 to 9" in body
    contact.refresh_from_db()
    assert contact.attend_status is None
