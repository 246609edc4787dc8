from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from caremode.core import codes
from caremode.core.forms import DateField, NHSForm
from caremode.decisions.rules import (
    KEEP_IN_TOUCH_RHYTHMS,
    MAX_REOFFER_DAYS,
    RISK_LEVELS,
    WAITING_OUTCOMES,
)
from caremode.decisions.services import KeepInTouch
from caremode.people.models import CarerConsent
from caremode.scheduling.forms import WEEKDAYS, clean_clock_time

UNKNOWN = ("", "Not known yet")
YES_NO = [("yes", "Yes"), ("no", "No"), UNKNOWN]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class DecisionContextForm(NHSForm):
    """What only a conversation can tell: the kind of contact, risk, recent change, carers."""

    consultation_type = forms.ChoiceField(
        label="Type of contact",
        choices=[("", "Select the type of contact"), *codes.CONSULTATION_TYPE_CHOICES],
        error_messages={"required": "Select the type of contact"},
    )
    risk_level = forms.ChoiceField(
        label="Current level of risk",
        choices=[*[(r, r.capitalize()) for r in RISK_LEVELS], UNKNOWN],
        widget=forms.RadioSelect,
        required=False,
    )
    recent_deterioration = forms.ChoiceField(
        label="Has their mental health recently got worse?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    carer_involvement_wanted = forms.ChoiceField(
        label="Do they want a carer involved?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "risk_level": data.get("risk_level") or None,
            "recent_deterioration": _yes_no(data.get("recent_deterioration", "")),
            "carer_involvement_wanted": _yes_no(data.get("carer_involvement_wanted", "")),
        }


WAITING_FIELDS = (
    "keep_in_touch_mode",
    "keep_in_touch_every_weeks",
    "keep_in_touch_weekday",
    "keep_in_touch_time",
    "reoffer_on",
    "waiting_reason",
)


class AgreeDecisionForm(NHSForm):
    """A mode agreed, with its fallback; or, where the recommendation offers them, to pause and
    keep in touch or to wait for face to face, with the rhythm, the date to offer again and why
    (hazard D16)."""

    outcome = forms.ChoiceField(
        label="What did you agree?",
        widget=forms.RadioSelect,
        initial="mode",
        error_messages={"required": "Select what you agreed"},
    )
    agreed_mode = forms.ChoiceField(
        label="Agreed mode",
        widget=forms.RadioSelect,
        required=False,
    )
    fallback_mode = forms.ChoiceField(
        label="Fallback if the agreed mode fails or is not possible",
        widget=forms.RadioSelect,
        required=False,
    )
    service_user_took_part = forms.BooleanField(
        label="The service user took part in this decision", required=False, initial=True
    )
    carer = forms.TypedChoiceField(
        label="Carer who took part", coerce=int, empty_value=None, required=False
    )
    persons_own_words = forms.CharField(
        label="In the person's own words",
        help_text="What matters to them about how we meet, for example 'video is fine for "
        "medication, but I want to see someone in person when I'm struggling'",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )
    review_on = DateField(label="Review this decision by", help_text="For example, 22 2 2027")
    keep_in_touch_mode = forms.ChoiceField(
        label="Keep in touch by", widget=forms.RadioSelect, required=False
    )
    keep_in_touch_every_weeks = forms.TypedChoiceField(
        label="How often will you keep in touch?",
        choices=[(str(weeks), label) for weeks, label in KEEP_IN_TOUCH_RHYTHMS.items()],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    keep_in_touch_weekday = forms.TypedChoiceField(
        label="On which day?",
        choices=[("", "Select a day"), *WEEKDAYS[:5]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    keep_in_touch_time = forms.CharField(
        label="At what time?",
        help_text="Use the 24-hour clock, for example 15:00",
        max_length=5,
        required=False,
    )
    reoffer_on = DateField(
        label="Offer it again on",
        help_text=f"Within {MAX_REOFFER_DAYS} days, for example 22 2 2027",
        required=False,
    )
    waiting_reason = forms.CharField(
        label="Why pause or wait?",
        help_text="In a few words, for example 'trauma work needs the room; video felt unsafe'",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        modes_offered: list[str],
        consents: list[CarerConsent],
        waiting_outcomes: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "review_on": timezone.localdate() + dt.timedelta(days=91),
                "service_user_took_part": True,
                "outcome": "mode",
            },
        )
        super().__init__(*args, **kwargs)
        offered = [(m, codes.MODES[m][1]) for m in modes_offered]
        cast(forms.ChoiceField, self.fields["agreed_mode"]).choices = offered
        if waiting_outcomes:
            cast(forms.ChoiceField, self.fields["outcome"]).choices = [
                ("mode", "A mode of contact (choose it below)"),
                *[(o, WAITING_OUTCOMES[o]) for o in waiting_outcomes],
            ]
            cast(forms.ChoiceField, self.fields["keep_in_touch_mode"]).choices = offered
        else:
            for name in ("outcome", *WAITING_FIELDS):
                del self.fields[name]
        cast(forms.ChoiceField, self.fields["fallback_mode"]).choices = [
            *offered,
            ("", "No fallback"),
        ]
        cast(forms.ChoiceField, self.fields["carer"]).choices = [("", "No carer took part")] + [
            (str(c.carer_id), f"{c.carer} ({c.carer.relationship})") for c in consents
        ]
        if not consents:
            del self.fields["carer"]

    @property
    def offers_waiting(self) -> bool:
        return "outcome" in self.fields

    def clean_keep_in_touch_time(self) -> dt.time | None:
        value = self.cleaned_data.get("keep_in_touch_time", "")
        return clean_clock_time(value) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome") or "mode"
        data["outcome"] = outcome
        if outcome == "mode":
            if not data.get("agreed_mode") and "agreed_mode" not in self.errors:
                self.add_error("agreed_mode", "Select the mode you agreed")
            return data
        required = {
            "keep_in_touch_mode": "Select how you will keep in touch",
            "keep_in_touch_every_weeks": "Select how often you will keep in touch",
            "keep_in_touch_weekday": "Select the day you will keep in touch",
            "keep_in_touch_time": "Enter the time you will keep in touch",
            "reoffer_on": "Enter the date you will offer it again",
            "waiting_reason": "Say why you are pausing or waiting",
        }
        for name, message in required.items():
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        return data

    def keep_in_touch(self) -> KeepInTouch | None:
        """The keep-in-touch rhythm agreed, when the outcome is to pause or wait."""
        data = self.cleaned_data
        if data.get("outcome", "mode") == "mode":
            return None
        return KeepInTouch(
            mode=data["keep_in_touch_mode"],
            weekday=data["keep_in_touch_weekday"],
            time=data["keep_in_touch_time"],
            every_weeks=data["keep_in_touch_every_weeks"],
        )


class PreferencesForm(NHSForm):
    """All five modes at once, as a person would answer: prefer, accept or decline each."""

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "face_to_face": "Meeting in person",
            "video": "Video call",
            "telephone": "Telephone call",
            "text": "Text messages",
            "email": "Email",
        }
        for mode in codes.MODES:
            self.fields[mode] = forms.ChoiceField(
                label=labels[mode],
                choices=[
                    ("prefers", "I prefer this"),
                    ("accepts", "This is fine"),
                    ("declines", "I would rather not"),
                    ("", "Not sure"),
                ],
                widget=forms.RadioSelect,
                required=False,
                initial=current.get(mode, ""),
            )

    def changed_preferences(self, current: dict[str, str]) -> dict[str, str]:
        return {
            mode: value
            for mode, value in self.cleaned_data.items()
            if value and current.get(mode) != value
        }
