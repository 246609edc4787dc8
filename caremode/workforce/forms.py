from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from caremode.core import codes
from caremode.core.forms import DateField, NHSForm
from caremode.people.models import CarerConsent
from caremode.workforce import pulse
from caremode.workforce.models import (
    BOOKED_MODES,
    TRAINED_ROLES,
    Band,
    SupportKind,
    SupportOutcome,
    Topic,
)

REMOTE_MODE_CHOICES = [(m, label) for m, label in codes.MODE_CHOICES if m in codes.REMOTE_MODES]


class CourseForm(NHSForm):
    title = forms.CharField(
        label="Name of the training",
        max_length=200,
        error_messages={"required": "Enter the name of the training"},
    )
    topic = forms.ChoiceField(
        label="What it is about",
        choices=Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the training is about"},
    )
    mode = forms.ChoiceField(
        label="Mode of contact it prepares for",
        choices=REMOTE_MODE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a remote mode of contact"},
    )
    content = forms.CharField(
        label="What it covers (optional)", required=False, widget=forms.Textarea, max_length=4000
    )
    link = forms.URLField(
        label="Link to the course (optional)",
        assume_scheme="https",
        required=False,
        max_length=200,
        error_messages={"invalid": "Enter a link starting with https://"},
    )
    refresher_months = forms.IntegerField(
        label="Months before a refresher is due",
        help_text="0 if it does not expire",
        min_value=0,
        max_value=120,
        error_messages={"required": "Enter a number of months", "invalid": "Enter a whole number"},
    )
    roles = forms.MultipleChoiceField(
        label="Who needs it",
        choices=TRAINED_ROLES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select who needs this training"},
    )


class CompletionForm(NHSForm):
    course = forms.TypedChoiceField(
        label="Training",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the training you completed"},
    )
    completed_on = DateField(label="Date you completed it", help_text="For example, 15 3 2026")
    note = forms.CharField(label="Note (optional)", required=False, max_length=200)

    def __init__(self, *args: Any, courses: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["course"]).choices = courses


class ProfileForm(NHSForm):
    ethnic_category = forms.ChoiceField(
        label="Your ethnic group",
        choices=[("", "Select"), *codes.ETHNIC_CATEGORY_CHOICES],
        error_messages={"required": "Select your ethnic group"},
    )
    profession = forms.CharField(
        label="Your profession",
        max_length=80,
        help_text="For example, Mental health nurse",
        error_messages={"required": "Enter your profession"},
    )
    band = forms.ChoiceField(
        label="Your band",
        choices=Band.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select your band"},
    )
    mostly_remote = forms.TypedChoiceField(
        label="Do you work mostly remotely?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes or no"},
    )


class PulseForm(NHSForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = [(str(n), str(n)) for n in range(11)]
        for key, question in pulse.ONS4.items():
            self.fields[key] = forms.TypedChoiceField(
                label=question,
                choices=scale,
                coerce=int,
                widget=forms.RadioSelect,
                help_text="0 is not at all, 10 is completely",
                error_messages={"required": "Choose a number from 0 to 10"},
            )
        for key, question in pulse.REMOTE_WORKING.items():
            self.fields[key] = forms.TypedChoiceField(
                label=question,
                choices=[(str(v), t) for v, t in pulse.AGREEMENT],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how much you agree"},
            )


class DigitalSupportForm(NHSForm):
    kind = forms.ChoiceField(
        label="Support offered",
        choices=SupportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the support offered"},
    )
    carer = forms.TypedChoiceField(
        label="Who it is for",
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    date = DateField(label="Date (for a practice call or help with a device)", required=False)
    mode = forms.ChoiceField(
        label="How help with a device or data will be given",
        help_text="A practice call is always by video",
        choices=[(m, codes.MODES[m][1]) for m in BOOKED_MODES],
        widget=forms.RadioSelect,
        required=False,
    )
    time = forms.CharField(
        label="Start time (optional)",
        help_text="Use the 24-hour clock, for example 14:30",
        max_length=5,
        required=False,
    )
    given_by = forms.CharField(
        label="Given by (optional)",
        help_text="The member of staff or volunteer",
        required=False,
        max_length=150,
    )

    def __init__(self, *args: Any, carers: list[CarerConsent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["carer"]).choices = [("", "The service user")] + [
            (str(c.carer_id), f"Their carer, {c.carer}") for c in carers
        ]
        if not carers:
            del self.fields["carer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, typed = data.get("date"), (data.get("time") or "").strip()
        data["start"] = None
        if day and not typed:
            self.add_error("time", "Enter a start time")
        elif typed and not day:
            self.add_error("date", "Enter the date")
        elif day and typed:
            try:
                clock = dt.datetime.strptime(typed, "%H:%M").time()
            except ValueError:
                self.add_error("time", "Enter a time like 14:30")
            else:
                data["start"] = timezone.make_aware(dt.datetime.combine(day, clock))
        return data


class SupportOutcomeForm(NHSForm):
    outcome = forms.ChoiceField(
        label="What happened",
        choices=[
            (o.value, o.label) for o in SupportOutcome if o != SupportOutcome.CANCELLED_BY_SERVICE
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
