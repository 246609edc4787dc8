"""Interfaces reach personal data only through access functions and scoped selectors.

Views, WebSocket consumers, forms and URL modules (or packages of that name) must not query
protected models directly (CONVENTIONS.md, principle 4). This test is the CI check that fails the
build if one does: it reads each interface module's syntax tree, so a query through an alias
(`from … import Room as R; R.objects`), a manager other than `objects`, `get_object_or_404(Model,
…)` or a query wrapped for async code (`database_sync_to_async(Participant.objects.get)`) is
caught as well as the plain `Model.objects.filter(…)`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "caremode"
INTERFACES = ("views", "consumers", "forms", "urls")
PROTECTED = frozenset(
    {
        "ServiceUser",
        "AccessNeed",
        "Carer",
        "CarerConsent",
        "Contact",
        "ContactChange",
        "FollowUpTask",
        "OutcomeCorrection",
        "Commitment",
        "Handover",
        "TeamAlert",
        # A person's own request about an appointment, in their words.
        "AppointmentRequest",
        "DecisionRecord",
        "ModePreference",
        "OutboundMessage",
        "AuditEvent",
        # The FHIR API's system clients and their scopes.
        "FhirClient",
        # Video rooms: who was invited, who waited and who was in a call, with whom.
        "Room",
        "RoomPass",
        "Participant",
        # Monitoring: schedules, check-ins, scores and the person's own warning signs.
        "CheckInSchedule",
        "CheckIn",
        "Assessment",
        "WarningSign",
        "WarningSignReport",
        # Staff personal data: training records, the groups a person belongs to, and above all
        # their wellbeing answers; and digital support offered to service users and carers.
        "TrainingCompletion",
        "StaffProfile",
        "WellbeingResponse",
        "DigitalSupport",
        # Voices: who was asked for feedback, their answers (even anonymous ones, which are
        # read only as counts), and what carers told the team.
        "FeedbackRequest",
        "FeedbackResponse",
        "CarerInvitation",
        "CarerInput",
        # Coding: who coded what, read only through caremode.feedback.coding.
        "Coding",
        "Reconciliation",
        "SuggestionDecision",
    }
)
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})


def interface_modules() -> list[Path]:
    """Every views/consumers/forms/urls module (also `<thing>_views` and the like), also
    inside a package of that name."""
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if "tests" not in path.parts
        and (
            path.stem in INTERFACES
            or path.stem.endswith(tuple(f"_{kind}" for kind in INTERFACES))
            or any(part in INTERFACES for part in path.parts[:-1])
        )
    ]


def direct_queries(source: str) -> list[tuple[int, str]]:
    """(line, what) for each direct query of a protected model in `source`."""
    tree = ast.parse(source)
    names = set(PROTECTED)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {
                alias.asname for alias in node.names if alias.name in PROTECTED and alias.asname
            }

    def model_of(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in names:
            return node.id
        if isinstance(node, ast.Attribute) and node.attr in names:  # models.Room
            return node.attr
        return None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and model_of(node.value):
            found.append((node.lineno, f"{model_of(node.value)}.{node.attr}"))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in SHORTCUTS
            and node.args
            and model_of(node.args[0])
        ):
            found.append((node.lineno, f"{node.func.id}({model_of(node.args[0])})"))
    return found


def test_interface_modules_do_not_query_protected_models():
    offences = [
        f"{path.relative_to(ROOT.parent)}:{line}: {what}"
        for path in interface_modules()
        for line, what in direct_queries(path.read_text())
    ]
    assert offences == [], "Use an access_* function or a selector:\n" + "\n".join(offences)


def test_the_check_reads_every_consumer_and_view_module():
    checked = {str(path.relative_to(ROOT.parent)) for path in interface_modules()}
    assert {
        "caremode/rooms/consumers.py",
        "caremode/rooms/views.py",
        "caremode/scheduling/consumers.py",
        "caremode/records/views.py",
        "caremode/monitoring/views.py",
        "caremode/feedback/views.py",
        "caremode/feedback/coding_views.py",
        "caremode/feedback/coding_forms.py",
    } <= checked


def test_the_check_would_catch_a_direct_query():
    assert direct_queries("person = ServiceUser.objects.get(pk=pk)")
    assert direct_queries("p = await database_sync_to_async(Participant.objects.get)(pk=1)")
    assert direct_queries("from caremode.rooms.models import Room as R\nR.objects.first()")
    assert direct_queries("from caremode.rooms import models\nmodels.RoomPass._default_manager")
    assert direct_queries("room = get_object_or_404(Room, pk=room_id)")
    assert not direct_queries("person = access_service_user(request.user, pk)")
    assert not direct_queries("found = access_room_as_guest(room_id, request.user, session)")


# Consent has one home (people.consent): nothing outside `people` reads the consent's scope
# fields or its revocation to decide who is told or let in. The seed writes consents (it decides
# nothing).
CONSENT_FIELDS = re.compile(
    r"\bscope_(join_contacts|appointment_details|assessment_input)\b|\bconsents?__revoked_at"
    r"|CarerConsent\.objects\.filter\([^)]*revoked_at"
)
CONSENT_RULE_EXEMPT = {"caremode/seed/services.py"}


def _consent_rule_offences() -> list[str]:
    return [
        f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}"
        for path in sorted(ROOT.rglob("*.py"))
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path.relative_to(ROOT).parts[0] != "people"
        and str(path.relative_to(ROOT.parent)) not in CONSENT_RULE_EXEMPT
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if CONSENT_FIELDS.search(line)
    ]


def test_only_people_decides_what_a_carers_consent_allows():
    offences = _consent_rule_offences()
    assert offences == [], "Ask caremode.people.consent instead:\n" + "\n".join(offences)


def test_the_consent_check_would_catch_a_scope_filter():
    assert CONSENT_FIELDS.search("consent.scope_join_contacts or consent.scope_assessment_input")
    assert CONSENT_FIELDS.search("filter(consents__revoked_at__isnull=True)")
    assert not CONSENT_FIELDS.search("if may_join_contacts(carer, service_user):")
    assert not CONSENT_FIELDS.search("RoomPass.objects.filter(revoked_at__isnull=True)")
