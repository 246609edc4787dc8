from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from caremode.core import codes
from caremode.core.forms import DateField, NHSForm
from caremode.decisions.rules import RISK_LEVELS
from caremode.people.models import CarerConsent

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


class AgreeDecisionForm(NHSForm):
    agreed_mode = forms.ChoiceField(
        label="Agreed mode",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the mode you agreed"},
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

    def __init__(
        self, *args: Any, modes_offered: list[str], consents: list[CarerConsent], **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "review_on": timezone.localdate() + dt.timedelta(days=91),
                "service_user_took_part": True,
            },
        )
        super().__init__(*args, **kwargs)
        offered = [(m, codes.MODES[m][1]) for m in modes_offered]
        cast(forms.ChoiceField, self.fields["agreed_mode"]).choices = offered
        cast(forms.ChoiceField, self.fields["fallback_mode"]).choices = [
            *offered,
            ("", "No fallback"),
        ]
        cast(forms.ChoiceField, self.fields["carer"]).choices = [("", "No carer took part")] + [
            (str(c.carer_id), f"{c.carer} ({c.carer.relationship})") for c in consents
        ]
        if not consents:
            del self.fields["carer"]


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
