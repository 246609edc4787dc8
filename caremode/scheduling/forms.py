from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils import timezone

from caremode.core import codes
from caremode.core.forms import DateField, NHSForm
from caremode.people.models import CarerConsent

TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
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
        match = TIME_PATTERN.match(self.cleaned_data["time"])
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise forms.ValidationError("Enter a time using the 24-hour clock, like 14:30")
        return dt.time(int(match[1]), int(match[2]))

    def start(self) -> dt.datetime:
        """The start as an aware datetime, from the date and time typed in UK local time."""
        naive = dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return timezone.make_aware(naive)


class RecordOutcomeForm(NHSForm):
    attend_status = forms.ChoiceField(
        label="What happened?",
        choices=codes.ATTEND_STATUS_CHOICES,
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
    notes = forms.CharField(
        label="Notes (optional)", required=False, max_length=500, widget=forms.Textarea
    )
