from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from caremode.accounts.models import Role
from caremode.core.access import AuthenticatedRequest

HOME_FOR_ROLE: dict[str, str] = {
    Role.CLINICIAN: "records:caseload",
    Role.TEAM_MANAGER: "records:caseload",
    Role.SERVICE_USER: "records:portal",
    Role.CARER: "records:carer_home",
    Role.ANALYST: "scheduling:summary",
    Role.ADMIN: "people:services",
}


@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Send each person to the page their role starts from."""
    return redirect(HOME_FOR_ROLE[request.user.role])


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")
