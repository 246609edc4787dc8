from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from caremode.accounts.models import User
from caremode.core import codes
from caremode.people.models import (
    AccessNeed,
    CarerConsent,
    Cover,
    Service,
    ServiceUser,
    Team,
    TeamMembership,
)


def search_caseload(user: User, *, query: str = "") -> QuerySet[ServiceUser]:
    """Active service users on the teams this person belongs to, optionally searched.

    `query` matches the start of a given or family name, or an NHS number (spaces ignored).
    """
    caseload = ServiceUser.objects.visible_to(user).filter(status=ServiceUser.Status.ACTIVE)
    query = query.strip()
    if query:
        digits = query.replace(" ", "")
        if digits.isdigit():
            caseload = caseload.filter(nhs_number__startswith=digits)
        else:
            caseload = caseload.filter(
                Q(given_name__istartswith=query)
                | Q(family_name__istartswith=query)
                | Q(
                    given_name__istartswith=query.split(" ")[0],
                    family_name__istartswith=query.split(" ")[-1],
                )
            )
    return caseload.select_related("team")


def list_teams_for(user: User) -> QuerySet[Team]:
    """The teams this person belongs to: accepted memberships only (a pending one opens nothing)."""
    return Team.objects.filter(
        teammembership__user=user, teammembership__accepted_at__isnull=False
    ).select_related("service")


def list_current_access_needs(service_user: ServiceUser) -> list[AccessNeed]:
    return list(
        service_user.access_needs.filter(ended_at__isnull=True).select_related("recorded_by")
    )


def get_interpreter_need(service_user: ServiceUser | int) -> AccessNeed | None:
    """The person's current need for an interpreter (with its language and how), or None."""
    return (
        AccessNeed.objects.filter(
            service_user=service_user, need=codes.INTERPRETER_NEED, ended_at__isnull=True
        )
        .order_by("-recorded_at")
        .first()
    )


def list_access_need_history(service_user: ServiceUser) -> list[AccessNeed]:
    return list(
        service_user.access_needs.filter(ended_at__isnull=False).select_related(
            "recorded_by", "ended_by"
        )
    )


def list_consents(service_user: ServiceUser) -> list[CarerConsent]:
    """Every consent, current first, each with its carer."""
    return sorted(
        service_user.consents.select_related("carer", "recorded_by", "revoked_by"),
        key=lambda c: (c.revoked_at is not None, -c.granted_at.timestamp()),
    )


def list_services_overview() -> list[Service]:
    """Every service with its teams and how many people each team has on its caseload."""
    return list(
        Service.objects.prefetch_related(
            Prefetch(
                "teams",
                queryset=Team.objects.annotate(
                    caseload_size=Count(
                        "caseload", filter=Q(caseload__status="active"), distinct=True
                    ),
                    member_count=Count(
                        "teammembership",
                        filter=Q(teammembership__accepted_at__isnull=False),
                        distinct=True,
                    ),
                ).order_by("name"),
            )
        ).order_by("name")
    )


def list_people_cared_for(carer_account: User) -> list[ServiceUser]:
    """Service users whose current consent lets this carer receive appointment details."""
    return list(ServiceUser.objects.visible_to(carer_account).filter(status="active"))


def list_other_teams(team: Team) -> QuerySet[Team]:
    """Teams a person could be transferred to."""
    return Team.objects.exclude(pk=team.pk).order_by("name")


def get_team(pk: int | None) -> Team | None:
    return Team.objects.filter(pk=pk).first() if pk else None


def find_team(name_or_pk: str) -> Team | None:
    """The team called `name_or_pk` (its name, any case), else the team of that number."""
    named = Team.objects.filter(name__iexact=name_or_pk.strip()).first()
    if named is not None or not name_or_pk.strip().isdigit():
        return named
    return get_team(int(name_or_pk))


def list_covers_for_teams(teams: QuerySet[Team]) -> list[Cover]:
    """Cover in force or to come for these teams."""
    return list(
        Cover.objects.filter(team__in=teams, ends_at__gt=timezone.now()).select_related(
            "user", "team", "granted_by"
        )
    )


def list_clinicians_outside(team: Team) -> QuerySet[User]:
    """Clinicians who are not members of `team` (who could be given cover)."""
    return (
        User.objects.filter(role__in=["clinician", "team_manager"], is_active=True)
        .exclude(teammembership__team=team)
        .order_by("display_name", "username")
    )


def list_staff_accounts() -> list[User]:
    """Staff accounts with their teams, for administrators (no clinical data)."""
    return list(
        User.objects.filter(role__in=["clinician", "team_manager", "analyst", "admin"])
        .prefetch_related("teammembership_set__team")
        .order_by("role", "display_name", "username")
    )


def get_staff_account(pk: int) -> User | None:
    return User.objects.filter(
        pk=pk, role__in=["clinician", "team_manager", "analyst", "admin"]
    ).first()


def list_pending_memberships(manager: User) -> list[TeamMembership]:
    """Memberships waiting for acceptance in the teams this manager belongs to (accepted
    memberships only), with who asked for each; none for anyone who is not a team manager."""
    if manager.role != "team_manager":
        return []
    return list(
        TeamMembership.objects.pending()
        .filter(team__in=list_teams_for(manager).values("pk"))
        .select_related("user", "team", "requested_by")
        .order_by("team__name", "joined_on", "pk")
    )


def get_pending_membership(manager: User, pk: int) -> TeamMembership | None:
    return next((m for m in list_pending_memberships(manager) if m.pk == pk), None)


def list_team_clinicians(teams: QuerySet[Team]) -> list[User]:
    """The clinicians and team managers with an accepted place in these teams, by name."""
    return list(
        User.objects.filter(
            role__in=["clinician", "team_manager"],
            is_active=True,
            teammembership__team__in=teams,
            teammembership__accepted_at__isnull=False,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def list_service_users_for_systems(
    *, pk: int | None = None, nhs_number: str | None = None, include_restricted: bool
) -> QuerySet[ServiceUser]:
    """People as a trust's record system sees them through the FHIR API (caremode.interop): by
    record or NHS number; a person whose processing is restricted is left out unless
    `include_restricted` (never for analytics clients). The caller audits what it returns."""
    people = ServiceUser.objects.order_by("pk")
    if not include_restricted:
        people = people.filter(processing_restricted=False)
    if pk is not None:
        people = people.filter(pk=pk)
    if nhs_number is not None:
        people = people.filter(nhs_number=nhs_number)
    return people


def list_consents_for_systems(
    *, people: QuerySet[ServiceUser], pk: int | None = None
) -> list[CarerConsent]:
    """Every carer consent of `people` (already chosen through the selector for systems,
    caremode.interop), revoked ones too so a record system sees when sharing ended; oldest
    first. The caller audits what it returns."""
    consents = CarerConsent.objects.filter(service_user__in=people)
    if pk is not None:
        consents = consents.filter(pk=pk)
    return list(consents.order_by("granted_at", "pk"))


def list_practitioners_for_systems(
    *, pk: int | None = None, username: str | None = None
) -> list[User]:
    """The staff who deliver contacts (clinicians and team managers, current or not) as a
    trust's record system sees them through the FHIR API (caremode.interop), by id or by
    username (the identifier CareMode publishes for them). The caller audits what it returns."""
    staff = User.objects.filter(role__in=["clinician", "team_manager"])
    if pk is not None:
        staff = staff.filter(pk=pk)
    if username is not None:
        staff = staff.filter(username=username)
    return list(staff.order_by("pk"))


def is_in_care_of(user: User, service_user_pk: int) -> bool:
    """Whether `user` (staff) may see `service_user_pk`'s record, as the pages decide it
    (`ServiceUser.objects.visible_to`): a system books a contact only in the diary of someone
    in the person's care team."""
    return ServiceUser.objects.visible_to(user).filter(pk=service_user_pk).exists()
