"""Diaries by week, the team diary, past contacts shown as past, and free slots ahead."""

import datetime as dt

import time_machine

from caremode.accounts.models import Role
from caremode.audit.models import AuditEvent
from caremode.scheduling import diary
from tests.factories import ContactFactory, ServiceUserFactory, TeamFactory, clinician_in, signed_in

UK = diary.UK
WEDNESDAY_9PM = dt.datetime(2026, 12, 9, 21, 0, tzinfo=UK)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UK)


def test_timing_is_past_once_the_contact_has_ended_whatever_its_outcome():
    start = _at(dt.date(2026, 12, 9), 9)
    end = start + dt.timedelta(minutes=50)
    assert diary.timing(start, end, start - dt.timedelta(minutes=1)) == "to come"
    assert diary.timing(start, end, start + dt.timedelta(minutes=10)) == "under way"
    assert diary.timing(start, end, end) == "past"
    assert diary.timing(start, end, WEDNESDAY_9PM) == "past"


def test_weeks_start_on_monday_and_stop_at_the_diarys_bounds():
    assert diary.week_starting(dt.date(2026, 12, 9)) == dt.date(2026, 12, 7)
    assert diary.week_starting(dt.date(2026, 12, 7)) == dt.date(2026, 12, 7)
    assert diary.week_starting(dt.date(2026, 12, 13)) == dt.date(2026, 12, 7)
    today = dt.date(2026, 12, 9)
    assert diary.neighbouring_weeks(dt.date(2026, 12, 7), today) == (
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 14),
    )
    last = diary.week_starting(diary.latest_bookable_day(today))
    assert diary.neighbouring_weeks(last, today)[1] is None
    first = diary.week_starting(today - diary.DIARY_LOOK_BACK)
    assert diary.neighbouring_weeks(first, today)[0] is None


def test_next_free_slots_skip_bank_holidays_weekends_busy_times_and_the_pause():
    # Thursday 24 December 2026; Christmas Day and Boxing Day (substitute Monday 28th) are
    # bank holidays, the 26th–27th a weekend: the next working day after the 24th is the 29th.
    thursday = dt.date(2026, 12, 24)
    busy = [(_at(thursday, 9), _at(thursday, 16, 0))]
    slots = diary.next_free_slots(
        thursday,
        days=14,
        limit=3,
        duration_minutes=50,
        mode="video",
        remote_buffer_minutes=10,
        hours=None,
        busy=busy,
        not_before=_at(thursday, 8),
    )
    # 16:00 on the 24th fits (ends 16:50, within 17:00); then the 29th from 9am.
    tuesday = dt.date(2026, 12, 29)
    assert slots == [_at(thursday, 16), _at(tuesday, 9), _at(tuesday, 9, 15)]
    assert diary.bank_holiday(dt.date(2026, 12, 28))


@time_machine.travel(WEDNESDAY_9PM, tick=False)
def test_todays_diary_shows_a_morning_contact_as_past_in_the_evening(client, team):
    clinician = clinician_in(team)
    person = ServiceUserFactory(team=team)
    ContactFactory(service_user=person, clinician=clinician, start=_at(WEDNESDAY_9PM.date(), 9))
    signed_in(client, clinician)
    team_page = client.get("/team/").content.decode()
    assert "Past, outcome not recorded" in team_page
    assert "To come" not in team_page
    diary_page = client.get("/diary/").content.decode()
    assert "Past</strong>" in diary_page and "(outcome not recorded)" in diary_page


@time_machine.travel(WEDNESDAY_9PM.replace(hour=8), tick=False)
def test_a_contact_later_today_is_still_to_come(client, team):
    clinician = clinician_in(team)
    person = ServiceUserFactory(team=team)
    ContactFactory(service_user=person, clinician=clinician, start=_at(WEDNESDAY_9PM.date(), 9))
    signed_in(client, clinician)
    team_page = client.get("/team/").content.decode()
    assert "To come" in team_page and "Past, outcome not recorded" not in team_page


@time_machine.travel(WEDNESDAY_9PM, tick=False)
def test_my_diary_moves_by_week(client, team):
    clinician = clinician_in(team)
    person = ServiceUserFactory(team=team, given_name="Nextweek", family_name="Person")
    ContactFactory(service_user=person, clinician=clinician, start=_at(dt.date(2026, 12, 15), 10))
    signed_in(client, clinician)
    this_week = client.get("/diary/").content.decode()
    assert "Week of 7 December 2026 (this week)" in this_week
    assert "?week=2026-12-14" in this_week and "?week=2026-11-30" in this_week
    assert "Nextweek Person" not in this_week
    next_week = client.get("/diary/?week=2026-12-16").content.decode()
    assert "Week of 14 December 2026" in next_week and "Nextweek Person" in next_week
    assert "Back to this week" in next_week
    assert "Monday 28 December 2026" not in next_week
    holiday_week = client.get("/diary/?week=2026-12-28").content.decode()
    assert "Monday 28 December 2026 – Boxing Day" in holiday_week
    bad = client.get("/diary/?week=2031-01-01")
    assert bad.status_code == 400 and "Week: Choose a day between" in bad.content.decode()


@time_machine.travel(WEDNESDAY_9PM, tick=False)
def test_the_team_diary_shows_every_clinicians_week_to_the_manager(client, team):
    manager = clinician_in(team, role=Role.TEAM_MANAGER)
    first, second = (
        clinician_in(team, display_name="Dr First"),
        clinician_in(team, display_name="Nurse Second"),
    )
    elsewhere = TeamFactory()
    outsider = ServiceUserFactory(team=elsewhere, given_name="Other", family_name="Team")
    seen = ServiceUserFactory(team=team, given_name="Ours", family_name="Person")
    ContactFactory(service_user=seen, clinician=second, start=_at(dt.date(2026, 12, 10), 11))
    ContactFactory(service_user=outsider, clinician=second, start=_at(dt.date(2026, 12, 10), 14))
    signed_in(client, manager)
    body = client.get("/diary/team/").content.decode()
    assert "Dr First: 0 contacts<" in body and "Nurse Second: 1 contact<" in body
    assert "Ours Person" in body and "Other Team" not in body
    read = AuditEvent.objects.filter(detail__purpose="team diary").latest("pk")
    assert read.detail["subject_ids"] == [seen.pk]
    signed_in(client, first)
    assert client.get("/diary/team/").status_code == 404


MONDAY_8AM = dt.datetime(2026, 12, 7, 8, 0, tzinfo=UK)


@time_machine.travel(MONDAY_8AM, tick=False)
def test_booking_shows_times_both_are_free_and_a_chosen_time_fills_the_form(client, team):
    clinician = clinician_in(team)
    colleague = clinician_in(team)
    person = ServiceUserFactory(team=team)
    monday = MONDAY_8AM.date()
    # The clinician is busy at 9am; the person is seeing a colleague at 10am.
    ContactFactory(
        service_user=ServiceUserFactory(team=team), clinician=clinician, start=_at(monday, 9)
    )
    ContactFactory(
        service_user=person, clinician=colleague, start=_at(monday, 10), planned_mode="face_to_face"
    )
    signed_in(client, clinician)
    page = client.get(
        f"/service-users/{person.pk}/book/?mode=face_to_face&length=30"
    ).content.decode()
    assert "Next free times" in page
    # 9:00–10:00 (blocked to 10:00 by the video contact's pause), then the person's 10:00–10:50.
    assert "Monday 7 December 2026 at 9am" not in page
    assert "Monday 7 December 2026 at 10am" not in page
    assert "Monday 7 December 2026 at 10:30am" not in page
    assert "Monday 7 December 2026 at 10:45am" not in page
    assert 'href="?slot=2026-12-07T11:00&amp;mode=face_to_face&amp;length=30"' in page
    chosen = client.get(
        f"/service-users/{person.pk}/book/?slot=2026-12-07T11:00&mode=face_to_face&length=30"
    ).content.decode()
    assert 'value="11:00"' in chosen and 'value="7"' in chosen and 'value="2026"' in chosen
    ignored = client.get(f"/service-users/{person.pk}/book/?slot=2026-12-07T10:47")
    assert ignored.status_code == 200 and 'value="10:47"' not in ignored.content.decode()


@time_machine.travel(MONDAY_8AM, tick=False)
def test_rescheduling_offers_the_contacts_own_time_and_names_a_clash(client, team):
    clinician = clinician_in(team)
    person = ServiceUserFactory(team=team)
    monday = MONDAY_8AM.date()
    contact = ContactFactory(service_user=person, clinician=clinician, start=_at(monday, 9))
    ContactFactory(
        service_user=ServiceUserFactory(team=team, given_name="Busy"),
        clinician=clinician,
        start=_at(monday, 11),
    )
    signed_in(client, clinician)
    url = f"/contacts/{contact.pk}/reschedule/"
    page = client.get(url).content.decode()
    assert "?slot=2026-12-07T09:00" in page  # its own time does not count against it
    assert "?slot=2026-12-07T11:00" not in page
    clash = client.post(
        url,
        {
            "date_0": 7,
            "date_1": 12,
            "date_2": 2026,
            "time": "11:00",
            "initiated_by": "service",
            "reason": "Room",
        },
    ).content.decode()
    assert "That clashes with" in clash
