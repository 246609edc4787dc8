from __future__ import annotations

from typing import Any, cast

from django import forms

from caremode.core import codes
from caremode.core.forms import DateField, NHSForm


def postcode_district_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label="Postcode district",
        help_text="The first half of the postcode, like LS6",
        max_length=5,
        required=required,
    )


def imd_decile_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Deprivation decile (IMD 2019)",
        help_text="1 is the most deprived tenth of areas in England",
        choices=[("", "Not known"), *[(str(i), str(i)) for i in range(1, 11)]],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ServiceUserForm(NHSForm):
    """Register a person on a caseload. Codes are NHS Data Dictionary codes."""

    nhs_number = forms.CharField(
        label="NHS number", help_text="10 digits, for example 485 777 3456", max_length=13
    )
    given_name = forms.CharField(label="First name", max_length=100)
    family_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = DateField(label="Date of birth", help_text="For example, 15 3 1984")
    gender = forms.ChoiceField(
        label="Sex as recorded (stated gender)",
        choices=codes.GENDER_CHOICES,
        widget=forms.RadioSelect,
    )
    gender_identity = forms.ChoiceField(
        label="Gender identity", choices=codes.GENDER_IDENTITY_CHOICES, widget=forms.RadioSelect
    )
    ethnic_category = forms.ChoiceField(
        label="Ethnic category",
        choices=[("", "Select ethnic category"), *codes.ETHNIC_CATEGORY_CHOICES],
    )
    postcode_district = postcode_district_field(required=True)
    imd_decile = imd_decile_field()
    rurality = forms.ChoiceField(
        label="Area", choices=codes.RURALITY_CHOICES, widget=forms.RadioSelect
    )
    main_language = forms.ChoiceField(label="Main language", choices=codes.LANGUAGE_CHOICES)
    interpreter_needed = forms.BooleanField(label="Needs an interpreter", required=False)
    phone = forms.CharField(label="Mobile or telephone number", required=False, max_length=20)
    email = forms.EmailField(label="Email address", required=False)

    def clean_nhs_number(self) -> str:
        return self.cleaned_data["nhs_number"].replace(" ", "").replace("-", "")

    def clean_postcode_district(self) -> str:
        return self.cleaned_data["postcode_district"].replace(" ", "").upper()


class AccessNeedForm(NHSForm):
    """An access need; for "Needs an interpreter", the language and how (the service checks
    that both are given, and neither for another need)."""

    need = forms.ChoiceField(
        label="Access need", choices=[("", "Select an access need"), *codes.ACCESS_NEED_CHOICES]
    )
    language = forms.ChoiceField(
        label="Language the interpreter speaks",
        help_text="If the need is for an interpreter",
        choices=[("", "Select a language"), *codes.LANGUAGE_CHOICES],
        required=False,
    )
    interpreting = forms.ChoiceField(
        label="How the interpreter takes part",
        help_text="If the need is for an interpreter",
        choices=codes.INTERPRETING_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The page always posts the interpreter's fields; they belong only to that need.
        if data.get("need") != codes.INTERPRETER_NEED:
            data["language"] = data["interpreting"] = ""
        return data

    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=300,
        help_text="What helps, in the person's own words where possible",
    )


class ContactDetailsForm(NHSForm):
    """How to contact the person (people.services.update_contact_details)."""

    phone = forms.CharField(label="Mobile or telephone number", required=False, max_length=20)
    email = forms.EmailField(label="Email address", required=False, max_length=254)
    accepts_sms = forms.BooleanField(label="Agrees to text message reminders", required=False)
    accepts_email = forms.BooleanField(label="Agrees to email reminders", required=False)


class AreaForm(NHSForm):
    """Where the person lives (people.services.record_area); each may be not known."""

    postcode_district = postcode_district_field(required=False)
    rurality = forms.ChoiceField(
        label="Area",
        choices=[*codes.RURALITY_CHOICES, ("", "Not known")],
        widget=forms.RadioSelect,
        required=False,
    )
    imd_decile = imd_decile_field()


class CarerConsentForm(NHSForm):
    given_name = forms.CharField(label="Carer's first name", max_length=100)
    family_name = forms.CharField(label="Carer's last name", max_length=100)
    relationship = forms.CharField(
        label="Relationship to the service user", max_length=60, help_text="For example, mother"
    )
    phone = forms.CharField(label="Carer's telephone number", required=False, max_length=20)
    email = forms.EmailField(label="Carer's email address", required=False)
    scopes = forms.MultipleChoiceField(
        label="What has the service user agreed this carer may do?",
        choices=[
            ("join_contacts", "Join contacts (in person, by video or by telephone)"),
            ("appointment_details", "Receive appointment details"),
            ("assessment_input", "Give input to assessments"),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select what the service user agrees the carer may do"},
    )

    def carer_fields(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data[k]
            for k in ("given_name", "family_name", "relationship", "phone", "email")
        }


class RevokeConsentForm(NHSForm):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=300)


class CaseloadSearchForm(NHSForm):
    q = forms.CharField(label="Search by name or NHS number", required=False, max_length=60)


class CoverForm(NHSForm):
    user = forms.TypedChoiceField(label="Clinician", coerce=int)
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        help_text="For example, 'Covering duty while Sam is on leave'",
    )
    ends_on = DateField(label="Cover ends on", help_text="At most 14 days from today")

    def __init__(self, *args: Any, clinicians: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Select a clinician"), *[(str(pk), name) for pk, name in clinicians]]
        cast(forms.ChoiceField, self.fields["user"]).choices = choices


class RestrictionForm(NHSForm):
    restricted = forms.TypedChoiceField(
        label="Restrict processing?",
        choices=[
            ("yes", "Restrict: leave this person out of analytics and extracts"),
            ("no", "Lift the restriction"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", max_length=300)


class EraseForm(NHSForm):
    reason = forms.CharField(label="Why was this record created in error?", max_length=300)


class StaffAccountForm(NHSForm):
    username = forms.CharField(label="Username", max_length=150)
    display_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(
        label="Work email address",
        help_text="Their link to set a password goes here, and only here.",
        error_messages={
            "required": "Enter their work email address",
            "invalid": "Enter an email address like name@nhs.net",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[
            ("clinician", "Clinician"),
            ("team_manager", "Team manager"),
            ("analyst", "Analyst"),
            ("admin", "Administrator"),
        ],
        widget=forms.RadioSelect,
    )
    team = forms.TypedChoiceField(label="Team", coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = [
            ("", "No team (analysts and administrators)"),
            *[(str(pk), n) for pk, n in teams],
        ]


class AccountActionForm(NHSForm):
    action = forms.ChoiceField(
        label="What do you want to do?",
        choices=[
            ("close", "Close the account"),
            ("reopen", "Reopen the account"),
            ("reset_second_factor", "Reset their authenticator (lost phone)"),
            ("allow_coding", "Let them code feedback into themes"),
            ("stop_coding", "Stop them coding feedback"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", max_length=300)


class AcceptMembershipForm(NHSForm):
    membership = forms.IntegerField(widget=forms.HiddenInput)
