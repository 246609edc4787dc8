"""The codebook, revised as analysis goes on: codes are added, edited, merged, split and retired,
never deleted, and each change is a `CodebookEvent` (and an audit entry), so the codebook's history
can be read back as the studies' was ("revised, expanded and collapsed as analysis progressed")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.errors import DomainError
from caremode.core.evidence import FINDINGS
from caremode.feedback.models import Code, CodebookChange, CodebookEvent

EVIDENCE_IDS = frozenset(f.id for f in FINDINGS)


class CodebookError(DomainError):
    """A change the codebook cannot take: a field missing, an unknown finding, a retired code."""


@dataclass(frozen=True)
class CodeDraft:
    """What a new code says, before it is added (also each part of a split)."""

    key: str
    label: str
    definition: str
    example: str
    evidence: Sequence[str]


def codes_in_use() -> QuerySet[Code]:
    return Code.objects.filter(retired_at__isnull=True)


def list_codebook() -> list[Code]:
    """Every code, in use and retired, by key, with what it was merged into or split from."""
    return list(Code.objects.select_related("merged_into", "split_from").order_by("key"))


def get_code(key: str) -> Code | None:
    """The code with `key` (in use or retired), or None. Codes hold no one's data."""
    return (
        Code.objects.select_related("merged_into", "split_from")
        .prefetch_related("split_into", "merged_from")
        .filter(key=key)
        .first()
    )


def history(code: Code) -> QuerySet[CodebookEvent]:
    return code.events.select_related("by").order_by("at", "pk")


def _checked(draft: CodeDraft, *, new_key: bool = True) -> CodeDraft:
    for field in ("key", "label", "definition", "example"):
        if not getattr(draft, field).strip():
            raise CodebookError(f"The code's {field} is missing.", field=field)
    evidence = sorted(set(draft.evidence), key=lambda e: int(e[1:]) if e[1:].isdigit() else 0)
    unknown = [e for e in evidence if e not in EVIDENCE_IDS]
    if unknown:
        raise CodebookError(
            f"{', '.join(unknown)} is not one of the findings E1–E23.", field="evidence"
        )
    if new_key and Code.objects.filter(key=draft.key.strip()).exists():
        raise CodebookError(f"There is already a code {draft.key.strip()}.", field="key")
    return CodeDraft(
        key=draft.key.strip(),
        label=draft.label.strip(),
        definition=draft.definition.strip(),
        example=draft.example.strip(),
        evidence=evidence,
    )


def _event(code: Code, change: str, by: User | None, **detail: object) -> CodebookEvent:
    event = CodebookEvent.objects.create(
        code=code, change=change, detail=detail, by=by, at=timezone.now()
    )
    record_event(actor=by, action=AuditAction.UPDATE, obj=code, detail={"change": change, **detail})
    return event


def _in_use(code: Code, field: str = "code") -> None:
    if code.retired_at is not None:
        raise CodebookError(f"{code.key} has been retired.", field=field)


def _create(draft: CodeDraft, *, split_from: Code | None = None) -> Code:
    draft = _checked(draft)
    return Code.objects.create(
        key=draft.key,
        label=draft.label,
        definition=draft.definition,
        example=draft.example,
        evidence=list(draft.evidence),
        split_from=split_from,
    )


@transaction.atomic
def add_code(draft: CodeDraft, *, by: User) -> Code:
    code = _create(draft)
    _event(code, CodebookChange.ADDED, by, evidence=code.evidence)
    return code


@transaction.atomic
def edit_code(
    code: Code,
    *,
    by: User,
    label: str | None = None,
    definition: str | None = None,
    example: str | None = None,
    evidence: Sequence[str] | None = None,
) -> Code:
    """Change what a code says; the event keeps each field's before and after."""
    _in_use(code)
    new = CodeDraft(
        key=code.key,  # the key never changes
        label=code.label if label is None else label,
        definition=code.definition if definition is None else definition,
        example=code.example if example is None else example,
        evidence=code.evidence if evidence is None else evidence,
    )
    new = _checked(new, new_key=False)
    changes: dict[str, object] = {}
    for field in ("label", "definition", "example", "evidence"):
        before, after = getattr(code, field), getattr(new, field)
        if field == "evidence":
            after = list(after)
        if before != after:
            changes[field] = {"before": before, "after": after}
            setattr(code, field, after)
    if not changes:
        return code
    code.save(update_fields=list(changes))
    _event(code, CodebookChange.EDITED, by, **changes)
    return code


@transaction.atomic
def merge_codes(sources: Sequence[Code], *, into: Code, by: User) -> Code:
    """Collapse `sources` into `into`: each source is retired and points at `into`, whose
    evidence gains theirs. Coding already done with a source is read as `into` from then on."""
    _in_use(into, "into")
    if not sources:
        raise CodebookError("Choose the codes to merge.", field="sources")
    if any(source.pk == into.pk for source in sources):
        raise CodebookError("A code cannot be merged into itself.", field="sources")
    now = timezone.now()
    evidence = set(into.evidence)
    for source in sources:
        _in_use(source, "sources")
        evidence |= set(source.evidence)
        source.retired_at = now
        source.merged_into = into
        source.save(update_fields=["retired_at", "merged_into"])
        _event(source, CodebookChange.MERGED, by, into=into.key)
    into.evidence = sorted(evidence, key=lambda e: int(e[1:]))
    into.save(update_fields=["evidence"])
    _event(into, CodebookChange.EDITED, by, merged_from=[s.key for s in sources])
    return into


@transaction.atomic
def split_code(code: Code, parts: Sequence[CodeDraft], *, by: User) -> list[Code]:
    """Expand `code` into two or more new codes; `code` is retired, and each part remembers it."""
    _in_use(code)
    if len(parts) < 2:
        raise CodebookError("A code is split into at least two codes.", field="parts")
    made = [_create(part, split_from=code) for part in parts]
    for part in made:
        _event(part, CodebookChange.ADDED, by, split_from=code.key)
    code.retired_at = timezone.now()
    code.save(update_fields=["retired_at"])
    _event(code, CodebookChange.SPLIT, by, into=[part.key for part in made])
    return made


@transaction.atomic
def retire_code(code: Code, *, by: User, reason: str) -> Code:
    _in_use(code)
    if not reason.strip():
        raise CodebookError("Say why the code is retired.", field="reason")
    code.retired_at = timezone.now()
    code.save(update_fields=["retired_at"])
    _event(code, CodebookChange.RETIRED, by, reason=reason.strip())
    return code


def current(code: Code) -> Code:
    """The code in use that `code` now stands for (following merges); itself if in use or retired
    without a successor."""
    seen = {code.pk}
    while code.merged_into_id is not None and code.merged_into_id not in seen:
        code = code.merged_into  # type: ignore[assignment]
        seen.add(code.pk)
    return code
