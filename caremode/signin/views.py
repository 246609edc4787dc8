from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from caremode.accounts import sessions
from caremode.core.access import AuthenticatedRequest
from caremode.core.errors import DomainError
from caremode.signin.forms import (
    CodeForm,
    ConfirmPasswordForm,
    ForgottenPasswordForm,
    SignInForm,
)
from caremode.signin.services import (
    confirm_totp_device,
    get_or_start_totp_device,
    record_password_reset,
    record_password_set,
    reset_tokens,
    send_password_reset_link,
)
from caremode.signin.sockets import close_session_sockets


def _next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


class SignInView(auth_views.LoginView):
    template_name = "signin/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        sessions.mark_password_confirmed(self.request.session)
        return response


class SignOutView(auth_views.LogoutView):
    """Signing out ends the session and closes every socket opened on it."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        close_session_sockets(session_key)
        return response


@require_http_methods(["GET", "POST"])
def two_step(request: AuthenticatedRequest) -> HttpResponse:
    """The second factor: set up an authenticator app the first time, then enter its code."""
    if not request.user.is_authenticated:
        return redirect("signin:sign_in")
    verified = request.user.is_verified()  # type: ignore[attr-defined]
    if not sessions.needs_second_factor(request.user) or verified:
        return redirect(_next(request))
    device = get_or_start_totp_device(request.user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = confirm_totp_device(
                user=request.user, device=device, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            if confirmed:
                otp_login(request, device)
                return redirect(_next(request))
            form.add_error(
                "code",
                "The security code is not right. Check the time on your phone and try the "
                "newest code.",
            )
    setting_up = not device.confirmed
    return render(
        request,
        "signin/two_step.html",
        {
            "form": form,
            "setting_up": setting_up,
            "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")
            if setting_up
            else "",
            "secret": _base32(device) if setting_up else "",
            "next": _next(request),
            "page_title": "Set up two-step verification"
            if setting_up
            else "Enter your security code",
        },
    )


def _base32(device: object) -> str:
    import base64

    key = base64.b32encode(device.bin_key).decode()  # type: ignore[attr-defined]
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@require_http_methods(["GET", "POST"])
def confirm_password(request: AuthenticatedRequest) -> HttpResponse:
    """Re-enter the password before a sensitive action (exports, consent changes)."""
    form = ConfirmPasswordForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        sessions.mark_password_confirmed(request.session)
        messages.success(request, "Thank you. You can carry on.")
        return redirect(_next(request))
    return render(
        request,
        "signin/confirm_password.html",
        {"form": form, "next": _next(request), "page_title": "Confirm it is you"},
    )


class ChangePasswordView(auth_views.PasswordChangeView):
    """Change your own password (Django's form and validators: at least 12 characters)."""

    template_name = "signin/change_password.html"
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sessions.mark_password_confirmed(self.request.session)
        messages.success(self.request, "Your password has been changed.")
        return response


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """A new member of staff sets their own password from the link emailed to them (the link
    works once and expires); then they sign in and set up their authenticator app. Django's
    view moves the token out of the address before the form is shown."""

    template_name = "signin/set_password.html"
    success_url = "/account/sign-in/"
    post_reset_login = False
    extra_context = {"page_title": "Set your password"}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_password_set(user=form.user)
        messages.success(
            self.request,
            "Your password is set. Sign in, then set up an authenticator app on your phone.",
        )
        return response


@require_http_methods(["GET", "POST"])
def forgotten_password(request: HttpRequest) -> HttpResponse:
    """Ask for a link to choose a new password. Whatever the username, the answer is the same
    (no one learns which accounts exist); asking is limited per username and per address."""
    form = ForgottenPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        send_password_reset_link(
            username=form.cleaned_data["username"],
            ip_address=request.META.get("REMOTE_ADDR", ""),
        )
        return render(
            request, "signin/forgotten_password_sent.html", {"page_title": "Check your email"}
        )
    return render(
        request,
        "signin/forgotten_password.html",
        {"form": form, "page_title": "Reset your password", "back_href": "/account/sign-in/"},
    )


class ResetPasswordView(auth_views.PasswordResetConfirmView):
    """Choose a new password from a forgotten-password link (single-use, expiring). It does not
    sign in: the person signs in with the new password, and staff pass the second factor; the
    password change ends every other session of the account (Django's session hash)."""

    template_name = "signin/set_password.html"
    success_url = "/account/sign-in/"
    post_reset_login = False
    token_generator = reset_tokens
    extra_context = {"page_title": "Choose a new password", "resetting": True}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record_password_reset(user=form.user)
        messages.success(self.request, "Your password has been changed. Sign in with it now.")
        return response
