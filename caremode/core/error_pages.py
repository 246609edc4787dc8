"""The error pages (400, 403, 404, 500 and a refused form), in the NHS layout with a way back.

Wired in `config/urls.py` (`handler400` … `handler500`) and `CSRF_FAILURE_VIEW`. The 500 page is
rendered without the request: it reads no session, user or database, so it still renders when
the database is what went wrong, and falls back to plain HTML if even the template fails.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

BARE_SERVER_ERROR = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service – CareMode</title></head><body><main>"
    "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>"
    "<p>If you need help now, call your care team. In an emergency, call 999.</p>"
    '<p><a href="/">Go to the start page</a></p></main></body></html>'
)


def _render(request: HttpRequest | None, kind: str, status: int) -> HttpResponse:
    body = loader.get_template("core/error.html").render(
        {"kind": kind, "page_title": TITLES[kind], "plain_header": request is None},
        request=request,
    )
    return HttpResponse(body, status=status)


TITLES = {
    "bad_request": "Sorry, we could not understand that request",
    "forbidden": "You cannot see this page",
    "not_found": "Page not found",
    "server_error": "Sorry, there is a problem with the service",
    "form_refused": "Your form could not be sent",
}


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "bad_request", 400)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "forbidden", 403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "not_found", 404)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _render(request, "form_refused", 403)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, drawn from nothing but the template: no session, user, messages or queries."""
    try:
        return _render(None, "server_error", 500)
    except Exception:  # the page of last resort must not fail in turn
        logger.exception("The error page could not be rendered; sending the plain one")
        return HttpResponse(BARE_SERVER_ERROR, status=500)
