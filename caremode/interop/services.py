"""System clients of the FHIR API: registration, revocation, and the bearer token check."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.scopes import BaseScopes

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.interop import scopes as smart
from caremode.interop.models import FhirClient
from caremode.people.models import Team


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str


@transaction.atomic
def register_client(
    *,
    name: str,
    scope_text: str,
    analytics: bool = False,
    team: Team | None = None,
    actor: User | None = None,
) -> Credentials:
    """A new system client with its scopes; the secret is shown once and stored hashed. `team`
    is where the people it brings to CareMode join (none: it may update people, not add them)."""
    granted = smart.parse(scope_text)
    if FhirClient.objects.filter(name=name).exists():
        raise smart.ScopeError(f"A client called {name!r} exists already.")
    secret = secrets.token_urlsafe(32)
    application = get_application_model().objects.create(
        name=name,
        client_type="confidential",
        authorization_grant_type="client-credentials",
        client_secret=secret,
        redirect_uris="",
    )
    client = FhirClient.objects.create(
        application=application,
        name=name,
        scopes=" ".join(granted),
        analytics=analytics,
        team=team,
        created_at=timezone.now(),
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=client,
        detail={
            "fhir_client": name,
            "scopes": client.scopes,
            "analytics": analytics,
            "team": team.pk if team else None,
        },
    )
    return Credentials(client_id=application.client_id, client_secret=secret)


@transaction.atomic
def revoke_client(*, client: FhirClient, actor: User) -> None:
    """End the client: its tokens are deleted and its secret replaced by one nobody knows."""
    application = client.application
    get_access_token_model().objects.filter(application=application).delete()
    application.client_secret = secrets.token_urlsafe(32)
    application.save(update_fields=["client_secret"])
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    record_event(
        actor=actor, action=AuditAction.REVOKE, obj=client, detail={"fhir_client": client.name}
    )


def list_clients() -> list[FhirClient]:
    return list(FhirClient.objects.select_related("application", "team").order_by("name"))


def get_client(pk: int) -> FhirClient | None:
    return FhirClient.objects.filter(pk=pk).first()


class ClientScopes(BaseScopes):
    """django-oauth-toolkit's scopes backend: every SMART system scope exists; a client may ask
    only for those it was registered with, and gets all of them when it names none."""

    def get_all_scopes(self) -> dict[str, str]:
        return smart.all_scopes()

    def _granted(self, application: Any) -> list[str]:
        client = FhirClient.objects.filter(application=application, revoked_at=None).first()
        return client.scopes.split() if client else []

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self._granted(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self._granted(application)


@dataclass(frozen=True)
class Caller:
    """The system client behind a FHIR request and the scopes its token carries."""

    client: FhirClient
    scope: str

    def allows(self, resource: str, interaction: str) -> bool:
        return smart.allows(self.scope, resource, interaction)


def authenticate(request: HttpRequest) -> Caller | None:
    """The caller of a request with a valid, unexpired bearer token of a current client."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return None
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid:
        return None
    token = oauth_request.access_token
    client = FhirClient.objects.filter(application=token.application, revoked_at=None).first()
    if client is None:
        return None
    return Caller(client=client, scope=token.scope)


def audit_request(
    caller: Caller,
    *,
    interaction: str,
    resource: str,
    resource_id: str = "",
    subject_ids: list[int] | None = None,
    outcome: int = 200,
) -> None:
    """One audit entry per FHIR request: the client, the interaction, the resource, the people."""
    subjects = subject_ids or []
    record_event(
        actor=None,
        action=AuditAction.CREATE if interaction in ("create", "transaction") else AuditAction.READ,
        object_type=f"fhir.{resource}",
        object_id=resource_id,
        subject_id=subjects[0] if len(subjects) == 1 else None,
        detail={
            "fhir_client": caller.client.name,
            "interaction": interaction,
            "status": outcome,
            "subjects": subjects,
        },
    )
