from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings


class FhirClient(models.Model):
    """A record system allowed to call the FHIR API, with the SMART system scopes it was given.

    Its OAuth 2.0 credentials are a django-oauth-toolkit application (client credentials grant);
    a revoked client keeps its row (the audit names it) but gets no token and its tokens end.
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.PROTECT, related_name="fhir_client"
    )
    name = models.CharField(max_length=100, unique=True)
    scopes = models.CharField(max_length=1000)
    # An analytics client never sees a person whose processing is restricted (UK GDPR art. 18).
    analytics = models.BooleanField(default=False)
    # The team a person new to CareMode joins when this client's import or Patient create brings
    # them in; a client without one can update people but not add them.
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
