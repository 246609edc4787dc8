"""Role gates for views. Record-level access lives in each app's access functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from caremode.accounts import sessions
from caremode.accounts.models import CARE_TEAM_ROLES, Role, User

# Coders of feedback (caremode.feedback.coding): a staff permission, whatever the role, that an
# administrator gives or takes away on the staff account page (caremode.people).
CODE_EXCERPTS_PERMISSION = "feedback.code_excerpts"

View = Callable[..., HttpResponse]


class AuthenticatedRequest(HttpRequest):
    """The request type of every role-gated view: the user is signed in."""

    user: User  # type: ignore[assignment]


def roles_required(*roles: str) -> Callable[[View], View]:
    """Only these roles reach the view; anyone else gets the same 404 as a missing page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


care_team_required = roles_required(*CARE_TEAM_ROLES)


def recent_authentication_required(view: View) -> View:
    """Sensitive actions (exports, consent changes) ask for the password again after a while."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sessions.recently_authenticated(request.session):
            return redirect(f"{reverse('signin:confirm_password')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapped


service_user_required = roles_required(Role.SERVICE_USER)
