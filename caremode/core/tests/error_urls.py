"""A URL conf for the error-page tests: the real one, plus pages that fail on purpose."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config import urls as real_urls

handler400 = real_urls.handler400
handler403 = real_urls.handler403
handler404 = real_urls.handler404
handler500 = real_urls.handler500


@login_not_required
def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


@login_not_required
def tamper(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a changed request")


@login_not_required
def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


urlpatterns = [
    path("test-errors/forbidden/", refuse),
    path("test-errors/bad-request/", tamper),
    path("test-errors/server-error/", fail),
    *real_urls.urlpatterns,
]
