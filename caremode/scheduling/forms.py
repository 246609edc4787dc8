from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils import timezone

from caremode.core import codes
from caremode.core.forms import DIGITS_ONLY_MESSAGE, AsciiIntegerField, DateField, NHSForm
from caremode.people.models import CarerConsent
from caremode.scheduling import diary
from caremode.scheduling.models import TeamAlert

# [0-9], not \d: \d also matches Arabic-Indic, full-width and other digits, which int() would
# then read silently. What is stored must be what the clinician sees, so they are refused.
TIME_PATTERN = re.compile(r"^\s*([0-9]{1,2})[:.]([0-9]{2})\s*$")
ISO_DAY_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DURATIONS = [
    ("15", "15 minutes"),
    ("30", "30 minutes"),
    ("45", "45 minutes"),
    ("60", "1 hour"),
    ("90", "1 hour 30 minutes"),
]


class BookContactForm(NHSForm):
    consultation_type = forms.ChoiceField(
        label="Type of contact",
        choices=[("", "Select the type of contact"), *codes.CONSULTATION_TYPE_CHOICES],
        error_messages={"required": "Select the type of contact"},
    )
    mode = forms.ChoiceField(
        label="Mode of contact",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the contact will happen"},
    )
    date = DateField(label="Date", help_text="For example, 27 11 2026")
    time = forms.CharField(
        label="Start time",
        help_text="Use the 24-hour clock, for example 14:30",
        max_length=5,
        error_messages={"required": "Enter a start time"},
    )
    duration_minutes = forms.TypedChoiceField(
        label="Length", choices=DURATIONS, coerce=int, initial="60"
    )
    carer = forms.TypedChoiceField(
        label="Invite a carer",
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    confirm_different_mode = forms.BooleanField(
        label="I have talked this through with the person and want this mode this time",
        required=False,
    )
    notes = forms.CharField(
        label="Notes for the contact (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea,
    )

    def __init__(
        self, *args: Any, modes_offered: list[str], carers: list[CarerConsent], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["mode"]).choices = [
            (m, codes.MODES[m][1]) for m in modes_offered
        ]
        cast(forms.ChoiceField, self.fields["carer"]).choices = [("", "No carer")] + [
            (str(c.carer_id), f"{c.carer} ({c.carer.relationship})") for c in carers
        ]
        if not carers:
            del self.fields["carer"]

    def clean_time(self) -> dt.time:
        return clean_clock_time(self.cleaned_data["time"])

    def clean_date(self) -> dt.date:
        return _clean_bookable_day(self.cleaned_data["date"])

    def start(self) -> dt.datetime:
        return _aware(self.cleaned_data["date"], self.cleaned_data["time"])


def chosen_slot(query: Any, *, modes_offered: list[str] | None = None) -> dict[str, Any]:
    """The form's starting values from a free time chosen in the list (`?slot=2026-12-10T09:15`,
    with `mode` and `length` on the booking page): the link without JavaScript fills the form.
    Anything that does not parse, or is off the diary's grid, is ignored (the form starts empty)."""
    initial: dict[str, Any] = {}
    try:
        start = dt.datetime.fromisoformat(str(query.get("slot", "")))
    except ValueError:
        start = None
    if start is not None and start.tzinfo is None and not diary.clock_time_problem(start.time()):
        initial |= {"date": start.date(), "time": f"{start:%H:%M}"}
    if modes_offered is not None and query.get("mode") in modes_offered:
        initial["mode"] = query.get("mode")
    if query.get("length") in dict(DURATIONS):
        initial["duration_minutes"] = query.get("length")
    return initial


def _clean_bookable_day(day: dt.date) -> dt.date:
    problem = diary.beyond_horizon(day, timezone.localdate())
    if problem:
        raise forms.ValidationError(problem)
    return day


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    """A date and clock time typed in UK local time, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def clean_clock_time(value: str) -> dt.time:
    """A 24-hour clock time in ASCII digits, on the diary's 5-minute grid."""
    if any(ch.isdigit() and not ch.isascii() for ch in value):
        raise forms.ValidationError(f"{DIGITS_ONLY_MESSAGE}, like 14:30")
    match = TIME_PATTERN.match(value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise forms.ValidationError("Enter a time using the 24-hour clock, like 14:30")
    time = dt.time(int(match[1]), int(match[2]))
    problem = diary.clock_time_problem(time)
    if problem:
        raise forms.ValidationError(problem)
    return time


class TeamFilterForm(forms.Form):
    """The team page's filters, a GET form that works without JavaScript: everyone's or only
    "mine" (`selectors.list_my_people_ids`), and one kind of alert."""

    who = forms.ChoiceField(
        label="Whose",
        choices=[("team", "My team"), ("mine", "Mine")],
        widget=forms.RadioSelect,
        required=False,
    )
    kind = forms.ChoiceField(
        label="Kind of alert",
        choices=[("", "Every kind"), *TeamAlert.Kind.choices],
        required=False,
    )


class DiaryDayForm(forms.Form):
    """`?day=2026-12-03` and `?week=2026-11-30` on the diaries: ISO dates within
    diary.diary_day_problem's bounds (a week is shown from the Monday of the day given)."""

    day = forms.CharField(required=False, max_length=10)
    week = forms.CharField(required=False, max_length=10)

    def clean_day(self) -> dt.date | None:
        return self._diary_day("day")

    def clean_week(self) -> dt.date | None:
        return self._diary_day("week")

    def _diary_day(self, field: str) -> dt.date | None:
        value = self.cleaned_data[field].strip()
        if not value:
            return None
        if not ISO_DAY_PATTERN.match(value):
            raise forms.ValidationError(
                "Enter the day as year-month-day in the digits 0 to 9, like 2026-12-03"
            )
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError("Enter a real date, like 2026-12-03") from None
        problem = diary.diary_day_problem(day, timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return day


INITIATED_BY = [("service", "The service"), ("service_user", "The service user (or their carer)")]


class _OutcomeFieldsForm(NHSForm):
    """What happened at a contact: the fields recording and correcting an outcome share."""

    attend_status = forms.ChoiceField(
        label="What happened?",
        help_text="If the contact was called off beforehand, cancel it instead",
        choices=[(c, label) for c, label in codes.ATTEND_STATUS_CHOICES if c not in ("2", "4")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    mode_used = forms.ChoiceField(
        label="Mode actually used",
        help_text="If the contact took place, how it actually happened",
        choices=[("", "Not applicable – it did not take place"), *codes.MODE_CHOICES],
        required=False,
    )
    technical_failure = forms.BooleanField(
        label="There was a technical failure (for example the call dropped or video failed)",
        required=False,
    )
    ended_early = forms.BooleanField(label="The contact ended early", required=False)
    interpreter_present = forms.BooleanField(label="An interpreter was present", required=False)


class RecordOutcomeForm(_OutcomeFieldsForm):
    late_start_minutes = AsciiIntegerField(
        label="If the service started late, by how many minutes? (optional)",
        required=False,
        min_value=1,
        max_value=240,
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, max_length=500, widget=forms.Textarea
    )


class CorrectOutcomeForm(_OutcomeFieldsForm):
    reason = forms.CharField(
        label="Why is the outcome being corrected?",
        help_text="For example, 'Recorded against the wrong contact; the person attended'",
        max_length=300,
        widget=forms.Textarea,
        error_messages={"required": "Enter why the outcome is being corrected"},
    )


class RescheduleForm(NHSForm):
    date = DateField(label="New date", help_text="For example, 27 11 2026")
    time = forms.CharField(
        label="New start time",
        help_text="Use the 24-hour clock, for example 14:30",
        max_length=5,
        error_messages={"required": "Enter a start time"},
    )
    initiated_by = forms.ChoiceField(
        label="Who asked for the change?", choices=INITIATED_BY, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason", max_length=300, help_text="The person will see this")

    def clean_time(self) -> dt.time:
        return clean_clock_time(self.cleaned_data["time"])

    def clean_date(self) -> dt.date:
        return _clean_bookable_day(self.cleaned_data["date"])

    def start(self) -> dt.datetime:
        return _aware(self.cleaned_data["date"], self.cleaned_data["time"])


class CancelForm(NHSForm):
    initiated_by = forms.ChoiceField(
        label="Who cancelled?", choices=INITIATED_BY, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason", max_length=300, help_text="The person will see this")


class FollowUpForm(NHSForm):
    note = forms.CharField(
        label="What was done?",
        help_text="For example, 'Phoned; all well, rebooked for Thursday'",
        max_length=500,
        widget=forms.Textarea,
    )


class HandoverRequestForm(NHSForm):
    kind = forms.ChoiceField(
        label="What kind of handover?",
        choices=[("transfer", "Transfer to another team"), ("discharge", "Discharge")],
        widget=forms.RadioSelect,
    )
    to_team = forms.TypedChoiceField(
        label="Receiving team (for a transfer)", coerce=int, empty_value=None, required=False
    )
    receiver_name = forms.CharField(
        label="Who takes over care (for a discharge)",
        help_text="For example, 'Dr Shah, Meadow Lane Surgery'",
        required=False,
        max_length=200,
    )
    receiver_phone = forms.CharField(
        label="Phone number the person can call from now on (for a discharge)",
        help_text="For example, the GP practice: 0113 496 0000. The person and carers with "
        "consent are told it when the discharge is confirmed",
        required=False,
        max_length=20,
    )
    summary = forms.CharField(
        label="What the receiver needs to know",
        help_text="Current risks, medication, who to contact, what the person wants",
        widget=forms.Textarea,
        max_length=5000,
    )

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to_team"]).choices = [("", "Select a team")] + [
            (str(pk), name) for pk, name in teams
        ]


class HandoverResponseForm(NHSForm):
    decision = forms.ChoiceField(
        label="Do you accept this handover?",
        choices=[("accept", "Accept"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        help_text="If declining: why.",
        required=False,
        max_length=500,
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind == "discharge":
            decision = cast(forms.ChoiceField, self.fields["decision"])
            decision.label = "Do you confirm this discharge?"
            decision.choices = [("accept", "Confirm the discharge"), ("decline", "Do not confirm")]
            self.fields[
                "note"
            ].help_text = "To confirm: who at the receiver accepted care, and when. If not: why."


WEEKDAYS = [
    (str(i), name)
    for i, name in enumerate(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    )
]


class CommitmentForm(NHSForm):
    consultation_type = forms.ChoiceField(
        label="Type of contact",
        choices=[("", "Select the type of contact"), *codes.CONSULTATION_TYPE_CHOICES],
        error_messages={"required": "Select the type of contact"},
    )
    mode = forms.ChoiceField(label="Mode", widget=forms.RadioSelect)
    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAYS[:5], coerce=int)
    time = forms.CharField(
        label="Time",
        help_text="Use the 24-hour clock, for example 15:00",
        max_length=5,
        error_messages={"required": "Enter a time"},
    )
    every_weeks = forms.TypedChoiceField(
        label="How often",
        choices=[("1", "Every week"), ("2", "Every 2 weeks"), ("4", "Every 4 weeks")],
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, modes_offered: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["mode"]).choices = [
            (m, codes.MODES[m][1]) for m in modes_offered
        ]

    def clean_time(self) -> dt.time:
        return clean_clock_time(self.cleaned_data["time"])


class EndCommitmentForm(NHSForm):
    reason = forms.CharField(label="Why is it ending?", max_length=300)


class WorkingHoursForm(NHSForm):
    """Start and end for each day; leave both empty for a day not worked."""

    def __init__(
        self, *args: Any, current: dict[int, tuple[dt.time, dt.time]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for value, name in WEEKDAYS:
            day = int(value)
            window = current.get(day)
            if not current and day < 5:
                window = (dt.time(9), dt.time(17))
            for part, index in (("starts", 0), ("ends", 1)):
                self.fields[f"day_{day}_{part}"] = forms.CharField(
                    label=f"{name} {'start' if part == 'starts' else 'end'}",
                    required=False,
                    max_length=5,
                    initial=f"{window[index]:%H:%M}" if window else "",
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value, name in WEEKDAYS:
            starts, ends = data.get(f"day_{value}_starts"), data.get(f"day_{value}_ends")
            if bool(starts) != bool(ends):
                self.add_error(f"day_{value}_ends", f"Enter both a start and an end for {name}")
                continue
            for part in ("starts", "ends"):
                key = f"day_{value}_{part}"
                if data.get(key):
                    try:
                        data[key] = clean_clock_time(data[key])
                    except forms.ValidationError as error:
                        self.add_error(key, error)
        return data

    def hours(self) -> dict[int, tuple[dt.time, dt.time] | None]:
        data = self.cleaned_data
        return {
            int(value): (data[f"day_{value}_starts"], data[f"day_{value}_ends"])
            if data.get(f"day_{value}_starts")
            else None
            for value, _name in WEEKDAYS
        }


class AskAboutContactForm(NHSForm):
    """The person asks the team to cancel, rebook or change the mode of an appointment."""

    kind = forms.ChoiceField(
        label="What would you like to change?",
        choices=[
            ("cancel", "Cancel it"),
            ("rebook", "Move it to another time"),
            ("change_mode", "Change how we meet"),
        ],
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label="If you would like to meet another way, how?",
        required=False,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Anything the team should know (optional)",
        help_text="For example, times that suit you better. Do not use this if you need help now.",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, modes: list[str], current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(codes.MODE_CHOICES)
        cast(forms.ChoiceField, self.fields["mode"]).choices = [
            (m, labels[m]) for m in modes if m != current
        ]


class CloseRequestForm(NHSForm):
    note = forms.CharField(
        label="What was done?",
        help_text="For example, 'Rebooked for Thursday at 2pm by telephone; told them'",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
