"""InterpreterPresentInd says who was there, as recorded with the outcome: an interpreter
arranged at booking (E14) is not an interpreter present (hazard S21)."""

import datetime as dt

import time_machine

from caremode.core import mhsds as mhsds_codes
from caremode.interop.mhsds import interpreter_code
from caremode.people.services import record_access_need
from caremode.scheduling import services
from caremode.scheduling.selectors import interpreter_present
from tests.factories import next_working_day_at


def book(clinician, service_user, start):
    return services.book_contact(
        actor=clinician,
        service_user=service_user,
        consultation_type="care_coordination",
        mode="video",
        start=start,
        duration_minutes=45,
    )


def test_an_interpreter_arranged_is_not_an_interpreter_present(clinician, service_user):
    record_access_need(
        actor=clinician,
        service_user=service_user,
        need="needs_interpreter",
        language="pl",
        interpreting="video",
    )
    service_user.refresh_from_db()
    contact = book(clinician, service_user, next_working_day_at(10))
    assert contact.interpreter_arranged_at is not None
    assert interpreter_code(contact) == "" and interpreter_present(contact) == ""
    with time_machine.travel(contact.start + dt.timedelta(minutes=50)):
        done = services.record_outcome(
            actor=clinician, contact=contact, attend_status="5", mode_used="video"
        )
    assert interpreter_code(done) == mhsds_codes.INTERPRETER_REQUIRED_NOT_ATTENDED
    assert interpreter_present(done) == "N"
    other = book(clinician, service_user, next_working_day_at(15))
    with time_machine.travel(other.start + dt.timedelta(minutes=50)):
        present = services.record_outcome(
            actor=clinician,
            contact=other,
            attend_status="5",
            mode_used="video",
            interpreter_present=True,
        )
    assert interpreter_code(present) == mhsds_codes.INTERPRETER_PROFESSIONAL
    assert interpreter_present(present) == "Y"
