"""SMART App Launch v2 system scopes (pure): `system/Patient.rs`, `system/*.cruds`.

A scope names a resource type (or `*`) and the interactions it allows, from c (create), r
(read), u (update), d (delete), s (search), in that order. CareMode's token server knows every
such scope; each client is granted only the ones it was registered with.
"""

from __future__ import annotations

from itertools import combinations

RESOURCE_TYPES: tuple[str, ...] = (
    "Patient",
    "RelatedPerson",
    "Practitioner",
    "Appointment",
    "Encounter",
    "Consent",
    "Flag",
    "Questionnaire",
    "QuestionnaireResponse",
    "Observation",
)
LETTERS = "cruds"
INTERACTION_LETTER = {"create": "c", "read": "r", "update": "u", "delete": "d", "search": "s"}


def _letter_sets() -> list[str]:
    return ["".join(chosen) for n in range(1, 6) for chosen in combinations(LETTERS, n)]


def all_scopes() -> dict[str, str]:
    """Every system scope the server understands, with a description (django-oauth-toolkit's
    `SCOPES`)."""
    scopes = {}
    for resource in ("*", *RESOURCE_TYPES):
        for letters in _letter_sets():
            scopes[f"system/{resource}.{letters}"] = f"{resource}: {letters}"
    return scopes


class ScopeError(ValueError):
    pass


def parse(scope_text: str) -> list[str]:
    """The scopes of a space-separated list, each checked; the first unknown one is an error."""
    known = all_scopes()
    scopes = scope_text.split()
    if not scopes:
        raise ScopeError("Give at least one scope, for example system/Patient.rs.")
    for scope in scopes:
        if scope not in known:
            raise ScopeError(
                f"Unknown scope {scope!r}: write system/<Resource or *>.<letters of cruds in "
                "order>, for example system/Patient.rs."
            )
    return scopes


def allows(scope_text: str, resource: str, interaction: str) -> bool:
    """Whether the granted scopes cover `interaction` on `resource`."""
    letter = INTERACTION_LETTER[interaction]
    for scope in scope_text.split():
        target, _, letters = scope.removeprefix("system/").partition(".")
        if target in ("*", resource) and letter in letters:
            return True
    return False
