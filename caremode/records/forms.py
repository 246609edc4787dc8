"""Forms of the record's monitoring pages: early-warning signs, and a measure scored in a contact.

Parsing only: the rules (required parts, scoring, alerts) are monitoring's services."""

from __future__ import annotations

from typing import Any

from django import forms

from caremode.core.forms import NHSForm
from caremode.monitoring.instruments import DIALOG_MORE_HELP_SUFFIX, Instrument


class WarningSignForm(NHSForm):
    """One early-warning sign, in the person's own words, with the plan for it."""

    sign = forms.CharField(
        label="The warning sign, in their own words",
        help_text="Write it as they say it, for example “sleeping under four hours”",
        max_length=200,
        error_messages={"required": "Enter the warning sign, in the person's own words"},
    )
    person_action = forms.CharField(
        label="What they will do",
        help_text="For example, “ring my sister and take my evening medication”",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what the person will do"},
    )
    team_action = forms.CharField(
        label="What the team will do",
        help_text="For example, “call within one working day and offer a visit”",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what the team will do"},
    )
    contact_whom = forms.CharField(
        label="Whom to contact, and how",
        help_text="For example, “duty worker, 0113 496 0000, weekdays 9am to 5pm”",
        max_length=200,
        error_messages={"required": "Enter whom to contact"},
    )


class ScoreMeasureForm(NHSForm):
    """A questionnaire asked during a contact: one set of radios per item, each optional (a
    question the person did not answer leaves the questionnaire incomplete, never scored as 0);
    DIALOG's "would you like more help?" as one set of checkboxes."""

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for n, item in enumerate(instrument.items + instrument.supplementary, start=1):
            numbered = f"{n}. {item.text}" if item.scored else item.text
            self.fields[item.key] = forms.TypedChoiceField(
                label=numbered,
                choices=[(str(o.value), o.label) for o in item.options],
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        helped = [item for item in instrument.items if item.asks_for_more_help]
        if helped:
            self.fields["more_help"] = forms.MultipleChoiceField(
                label="Which areas would they like more help with?",
                choices=[(i.key + DIALOG_MORE_HELP_SUFFIX, i.text) for i in helped],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def answers(self) -> dict[str, int | None]:
        """Item key → the answer chosen, or None where none was."""
        keys = [i.key for i in self.instrument.items + self.instrument.supplementary]
        return {key: self.cleaned_data.get(key) for key in keys}
