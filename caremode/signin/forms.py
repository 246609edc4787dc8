from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from caremode.core.forms import NHSForm


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with messages in our own words."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been closed. Ask your administrator.",
    }


class CodeForm(NHSForm):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        error_messages={"required": "Enter the 6-digit security code"},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("The security code is 6 digits")
        return code


class ConfirmPasswordForm(NHSForm):
    password = forms.CharField(label="Password", widget=forms.PasswordInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right")
        return password


class ForgottenPasswordForm(NHSForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="The username you sign in with",
        error_messages={"required": "Enter your username"},
    )
