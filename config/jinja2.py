"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from caremode.core import presenters
from caremode.core.access import CODE_EXCERPTS_PERMISSION
from caremode.core.forms import choice_items, date_parts, widget_kind


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The header links for the signed-in person's role, with the current one marked."""
    role = getattr(request.user, "role", None)
    links = NAVIGATION.get(role or "", [])
    if role is not None and request.user.has_perm(CODE_EXCERPTS_PERMISSION):
        links = [*links, ("feedback:coding_queue", "Coding")]  # coders, whatever their role
    return [
        {"href": reverse(name), "text": text, "current": request.path == reverse(name)}
        for name, text in links
    ]


NAVIGATION: dict[str, list[tuple[str, str]]] = {
    "clinician": [
        ("records:caseload", "My caseload"),
        ("scheduling:my_diary", "My diary"),
        ("scheduling:team", "Team"),
        ("decisions:review", "Decisions to review"),
        ("workforce:my_training", "Training"),
        ("workforce:pulse", "Wellbeing"),
        ("feedback:my_feedback", "Feedback"),
    ],
    "team_manager": [
        ("records:caseload", "Caseload"),
        ("scheduling:team", "Team"),
        ("decisions:review", "Decisions to review"),
        ("scheduling:summary", "Contacts by mode"),
        ("records:evaluation", "Equity"),
        ("people:cover", "Cover"),
        ("people:memberships", "New members"),
        ("workforce:coverage", "Training"),
        ("workforce:results", "Staff wellbeing"),
        ("feedback:results", "Feedback"),
    ],
    "admin": [
        ("people:services", "Services and teams"),
        ("people:staff_accounts", "Staff accounts"),
        ("interop_pages:clients", "FHIR clients"),
    ],
    "analyst": [
        ("scheduling:summary", "Contacts by mode"),
        ("records:evaluation", "Equity"),
        ("workforce:results", "Staff wellbeing"),
        ("feedback:results", "Feedback"),
    ],
    "service_user": [
        ("records:portal", "Your care"),
        ("decisions:my_preferences", "How you'd like to be contacted"),
    ],
}


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader([options["loader"], PackageLoader("nhsuk_frontend_jinja")])
    options["undefined"] = ChainableUndefined
    options.setdefault("autoescape", True)
    env = Environment(**options)  # noqa: S701 - autoescape is set just above
    env.globals.update(
        static=static,
        url=url,
        get_messages=messages.get_messages,
        csrf_token_for=get_token,
        now=timezone.now,
        navigation_for=navigation_for,
        widget_kind=widget_kind,
        choice_items=choice_items,
        date_parts=date_parts,
    )
    env.filters.update(presenters.FILTERS)
    return env
