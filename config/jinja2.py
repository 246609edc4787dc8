"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from caremode.core import presenters
from caremode.core.forms import choice_items, date_parts, widget_kind


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


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
        widget_kind=widget_kind,
        choice_items=choice_items,
        date_parts=date_parts,
    )
    env.filters.update(presenters.FILTERS)
    return env
