import datetime as dt

import pytest
from django.utils import timezone

from caremode.core import codes, presenters
from caremode.core.suppression import suppress_count, suppress_percentage

UK = timezone.get_fixed_timezone(0)


def test_nhs_number_is_shown_3_3_4():
    assert presenters.nhs_number("9434765919") == "943 476 5919"


def test_dates_follow_nhs_style_in_uk_local_time():
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: people see their own clock.
    moment = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
    assert presenters.nhs_date(moment) == "1 July 2026"
    assert presenters.nhs_time(moment) == "12:30am"
    assert presenters.nhs_datetime(dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)) == (
        "Tuesday 24 November 2026 at 3pm"
    )


def test_labels_fall_back_to_not_recorded():
    assert presenters.FILTERS["attend_label"](None) == "Not recorded"
    assert presenters.FILTERS["ethnicity_label"]("N") == "Black or Black British - African"
    assert presenters.mode_label("face_to_face") == "Face to face"


@pytest.mark.parametrize(
    ("mode", "code"),
    [("face_to_face", "01"), ("telephone", "02"), ("video", "11"), ("text", "09"), ("email", "05")],
)
def test_each_mode_is_stored_with_its_mhsds_code(mode, code):
    assert codes.cons_mechanism_for(mode) == code
    assert codes.CONS_MECHANISM_TO_MODE[code] == mode


def test_unknown_mode_is_named_in_the_error():
    with pytest.raises(ValueError, match="'carrier_pigeon'"):
        codes.cons_mechanism_for("carrier_pigeon")


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "*"), (4, "*"), (5, "5"), (7, "5"), (8, "10"), (12, "10"), (13, "15"), (1234, "1,235")],
)
def test_counts_are_suppressed_under_5_and_rounded_to_5(count, shown):
    assert suppress_count(count) == shown


def test_percentages_are_suppressed_when_either_count_is_small():
    assert suppress_percentage(4, 100) == "*"
    assert suppress_percentage(5, 4) == "*"
    assert suppress_percentage(5, 20) == "25.0%"
