"""Interfaces reach personal data only through access functions and scoped selectors.

Views, WebSocket consumers, forms and URL modules must not query protected models directly
(CONVENTIONS.md, principle 4). This test is the CI check that fails the build if one does.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "caremode"
INTERFACES = ("views.py", "consumers.py", "forms.py", "urls.py")
PROTECTED = (
    "ServiceUser",
    "AccessNeed",
    "Carer",
    "CarerConsent",
    "Contact",
    "ContactChange",
    "FollowUpTask",
    "Commitment",
    "Handover",
    "TeamAlert",
    "DecisionRecord",
    "ModePreference",
    "OutboundMessage",
    "AuditEvent",
)
DIRECT_QUERY = re.compile(rf"\b({'|'.join(PROTECTED)})\.objects\b")


def test_interface_modules_do_not_query_protected_models():
    offences = [
        f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.name in INTERFACES and "tests" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if DIRECT_QUERY.search(line)
    ]
    assert offences == [], "Use an access_* function or a selector:\n" + "\n".join(offences)


def test_the_check_would_catch_a_direct_query():
    assert DIRECT_QUERY.search("person = ServiceUser.objects.get(pk=pk)")
    assert not DIRECT_QUERY.search("person = access_service_user(request.user, pk)")
