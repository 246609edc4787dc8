from __future__ import annotations

from django import forms

from caremode.core.forms import DateField, NHSForm
from caremode.rooms.models import Role
from caremode.scheduling.forms import RecordOutcomeForm


class OpenRoomForm(NHSForm):
    safe_word = forms.CharField(
        label="Safe word (optional)",
        help_text=(
            "A word agreed with the service user beforehand. If they type it in the chat, only "
            "you are told they cannot talk privately."
        ),
        required=False,
        max_length=40,
    )


class NewLinkForm(NHSForm):
    role = forms.ChoiceField(
        label="Who the link is for",
        choices=[(r.value, r.label) for r in (Role.SERVICE_USER, Role.CARER, Role.INTERPRETER)],
        error_messages={"required": "Select who the link is for"},
    )


class ConfirmOutcomeForm(RecordOutcomeForm):
    """The outcome of an ended call, filled in from what the room proposes, to confirm or
    change before it is saved (the same fields and checks as recording any outcome)."""


class ReopenByBirthDateForm(NHSForm):
    date_of_birth = DateField(label="Your date of birth", help_text="For example, 15 3 1984")


class ReopenByCodeForm(NHSForm):
    code = forms.CharField(
        label="The code we sent you",
        help_text="6 numbers",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={
            "required": "Enter the code we sent you",
            "min_length": "The code is 6 numbers",
        },
    )
