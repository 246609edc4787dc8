from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from caremode.accounts import sessions

# Pages a signed-in person may reach before the second factor (and static files).
OPEN_PATHS = ("/account/", "/static/", "/accessibility/")


class SessionPolicyMiddleware:
    """Ends idle and over-long sessions, and keeps staff out until they pass the second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            reason = sessions.expiry_reason(request.session)
            if reason:
                logout(request)
                messages.info(request, reason)
                return redirect(f"{reverse('signin:sign_in')}?next={request.path}")
            request.session[sessions.LAST_SEEN] = time.time()
            if (
                sessions.needs_second_factor(user)  # type: ignore[arg-type]
                and not user.is_verified()  # type: ignore[union-attr,attr-defined]
                and not request.path.startswith(OPEN_PATHS)
            ):
                return redirect(f"{reverse('signin:two_step')}?next={request.path}")
        return self.get_response(request)
