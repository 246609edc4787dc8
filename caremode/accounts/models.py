from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    SERVICE_USER = "service_user", "Service user"
    CARER = "carer", "Carer"
    CLINICIAN = "clinician", "Clinician"
    TEAM_MANAGER = "team_manager", "Team manager"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"


STAFF_ROLES = frozenset({Role.CLINICIAN, Role.TEAM_MANAGER, Role.ANALYST, Role.ADMIN})
CARE_TEAM_ROLES = frozenset({Role.CLINICIAN, Role.TEAM_MANAGER})


class User(AbstractUser):
    """A person who signs in. Their role decides which pages exist for them."""

    role = models.CharField(max_length=20, choices=Role.choices)
    display_name = models.CharField(max_length=150, blank=True)
    professional_group = models.CharField(
        max_length=80, blank=True, help_text="For staff, for example 'Mental health nurse'."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_care_team(self) -> bool:
        return self.role in CARE_TEAM_ROLES
