"""Forms of the questionnaires (built from `questionnaires`, word for word) and of carers' input."""

from __future__ import annotations

from typing import Any

from django import forms

from caremode.core.forms import NHSForm
from caremode.feedback.carer_input import MAX_TEXT
from caremode.feedback.questionnaires import Question, questions_for


def _field(question: Question) -> forms.Field:
    if question.answers is None:
        return forms.CharField(
            label=question.text,
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    choices = list(question.answers.items())
    if question.many:
        return forms.MultipleChoiceField(
            label=question.text,
            choices=choices,
            required=False,
            help_text=question.hint,
            widget=forms.CheckboxSelectMultiple,
        )
    return forms.ChoiceField(
        label=question.text,
        choices=choices,
        required=question.required,
        widget=forms.RadioSelect,
    )


class FeedbackForm(NHSForm):
    """One questionnaire: the questions for this respondent and mode, then anonymity."""

    def __init__(self, *args: Any, respondent: str, mode: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions_for(respondent, mode=mode):
            self.fields[question.key] = _field(question)
        self.fields["anonymous"] = forms.BooleanField(
            label="Keep my answers anonymous",
            required=False,
            initial=True,
            help_text="Your answers are only ever counted with other people's. If you untick "
            "this, they are also kept with your record, so you can see them later.",
        )
        for name, field in self.fields.items():
            if field.required and name != "anonymous":
                field.error_messages["required"] = f"Select an answer to “{field.label}”"

    def answers(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "anonymous"}


class CarerInputForm(NHSForm):
    text = forms.CharField(
        label="What have you noticed?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example changes in sleep, mood, eating, what they are doing or saying, "
        "or anything you think the team should know before the appointment.",
        error_messages={"required": "Enter what you have noticed"},
    )


class CarerConcernForm(NHSForm):
    text = forms.CharField(
        label="What is your concern?",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter your concern"},
    )
    urgent = forms.BooleanField(
        label="This cannot wait until the next appointment",
        required=False,
        help_text="The team is told straight away and the alert is marked urgent.",
    )
