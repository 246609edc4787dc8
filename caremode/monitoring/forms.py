"""Forms of check-ins: agreeing a schedule, the person changing it, and the check-in itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from caremode.core.forms import DateField, NHSForm
from caremode.monitoring.instruments import (
    DIALOG_MORE_HELP_QUESTION,
    DIALOG_MORE_HELP_SUFFIX,
    Instrument,
    Measure,
    get_instrument,
)
from caremode.monitoring.models import Channel, Rhythm, WarningSign

MEASURE_LABELS = {
    Measure.PHQ9: "PHQ-9 (depression, 9 questions)",
    Measure.GAD7: "GAD-7 (anxiety, 7 questions)",
    Measure.DIALOG: "DIALOG (satisfaction with life and care, 11 questions)",
}


class AgreeScheduleForm(NHSForm):
    measures = forms.MultipleChoiceField(
        label="Which questionnaires",
        choices=[(m.value, MEASURE_LABELS[m]) for m in Measure],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one questionnaire"},
    )
    rhythm = forms.ChoiceField(label="How often", choices=Rhythm.choices, widget=forms.RadioSelect)
    channel = forms.ChoiceField(
        label="How the check-in arrives", choices=Channel.choices, widget=forms.RadioSelect
    )
    ask_warning_signs = forms.BooleanField(
        label="Ask about their early-warning signs at each check-in",
        required=False,
        initial=True,
    )
    starts_on = DateField(
        label="First check-in",
        help_text="For example, 15 3 2027. A weekly check-in then comes on the same day each week.",
    )


class MyScheduleForm(NHSForm):
    """The person changing their own schedule: how often and how, not which questionnaires."""

    rhythm = forms.ChoiceField(
        label="How often would you like a check-in?",
        choices=Rhythm.choices,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label="How would you like to get it?", choices=Channel.choices, widget=forms.RadioSelect
    )


class CheckInForm(forms.Form):
    """Every question of a check-in's measures on one page, radios per item; then the person's
    own early-warning signs as checkboxes. No question is skipped silently: each scored item
    must be answered, and the message names it."""

    def __init__(
        self,
        *args: Any,
        measures: Sequence[str],
        signs: Sequence[WarningSign] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instruments: list[Instrument] = [get_instrument(m) for m in measures]
        self.sections: list[tuple[Instrument, list[str]]] = []
        for instrument in self.instruments:
            names: list[str] = []
            for n, item in enumerate(instrument.items + instrument.supplementary, start=1):
                label = f"{n}. {item.text}" if item.scored else item.text
                self.fields[item.key] = forms.TypedChoiceField(
                    label=label,
                    choices=[(o.value, o.label) for o in item.options],
                    coerce=int,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    required=item.scored,
                    error_messages={
                        "required": f"Select an answer to {instrument.name} question {n}"
                    },
                )
                names.append(item.key)
                if item.asks_for_more_help:
                    key = item.key + DIALOG_MORE_HELP_SUFFIX
                    self.fields[key] = forms.ChoiceField(
                        label=DIALOG_MORE_HELP_QUESTION,
                        choices=[("yes", "Yes"), ("no", "No")],
                        widget=forms.RadioSelect,
                        required=False,
                    )
                    names.append(key)
            self.sections.append((instrument, names))
        self.sign_choices = [(str(s.pk), s.sign) for s in signs]
        if signs:
            self.fields["warning_signs"] = forms.MultipleChoiceField(
                label="Have any of your early-warning signs come back since your last check-in?",
                help_text="Tick any that apply. Leave them all unticked if none have.",
                choices=self.sign_choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )

    def answers(self) -> dict[str, dict[str, int | None]]:
        """Measure code → item key → answer, for `answer_checkin`."""
        return {
            instrument.measure.value: {
                item.key: self.cleaned_data.get(item.key)
                for item in instrument.items + instrument.supplementary
            }
            for instrument in self.instruments
        }

    def more_help(self) -> list[str]:
        return [
            key
            for key, value in self.cleaned_data.items()
            if key.endswith(DIALOG_MORE_HELP_SUFFIX) and value == "yes"
        ]

    def reported_signs(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("warning_signs") or []]
