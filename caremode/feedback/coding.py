"""Coders code excerpts, each blind to the others; where they differ, they agree a code together.

Only staff with the `feedback.code_excerpts` permission code. A coder sees their own codes for an
excerpt and never another coder's until the excerpt is listed for reconciliation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet

from django.db import transaction
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.errors import DomainError
from caremode.feedback.agreement import Agreement, Decisions, agreement, disagreements
from caremode.feedback.codebook import current
from caremode.feedback.models import Code, Coding, Excerpt, Reconciliation

PERMISSION = "feedback.code_excerpts"


class CodingError(DomainError):
    """A coding that cannot be taken: not a coder, no code, a retired code."""


def may_code(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERMISSION))


def _coder(user: User) -> None:
    if not may_code(user):
        raise PermissionError("Only coders code excerpts.")


@transaction.atomic
def code_excerpt(excerpt: Excerpt, codes: Sequence[Code], *, coder: User) -> list[Code]:
    """Replace `coder`'s codes for `excerpt` with `codes` (codes in use only)."""
    _coder(coder)
    if not codes:
        raise CodingError("Choose at least one code.", field="codes")
    retired = [c.key for c in codes if c.retired_at is not None]
    if retired:
        raise CodingError(f"{', '.join(retired)} has been retired.", field="codes")
    Coding.objects.filter(excerpt=excerpt, coder=coder).delete()
    Coding.objects.bulk_create(Coding(excerpt=excerpt, coder=coder, code=c) for c in codes)
    record_event(
        actor=coder,
        action=AuditAction.CREATE,
        obj=excerpt,
        detail={"codes": [c.key for c in codes]},
    )
    return list(codes)


def own_codes(excerpt: Excerpt, coder: User) -> list[Code]:
    """The coder's own codes for the excerpt; never another coder's."""
    _coder(coder)
    return [
        c.code for c in Coding.objects.filter(excerpt=excerpt, coder=coder).select_related("code")
    ]


def decisions(excerpts: Iterable[Excerpt]) -> Decisions:
    """coder id -> excerpt id -> code keys, with merged codes read as the code they became."""
    found: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = Coding.objects.filter(excerpt__in=list(excerpts)).select_related("code__merged_into")
    for row in rows:
        found[row.coder_id][row.excerpt_id].add(current(row.code).key)
    result: dict[Hashable, dict[Hashable, AbstractSet[str]]] = {
        coder: {unit: codes for unit, codes in units.items()} for coder, units in found.items()
    }
    return result


def agreement_for(
    excerpts: Iterable[Excerpt], *, reader: User
) -> tuple[Agreement | None, dict[str, Agreement]]:
    _coder(reader)
    record_event(actor=reader, action=AuditAction.READ, object_type="feedback.agreement")
    return agreement(decisions(excerpts))


def to_reconcile(
    excerpts: Iterable[Excerpt], *, reader: User
) -> dict[int, dict[int, frozenset[str]]]:
    """Excerpt id -> coder id -> codes, where coders differ and nothing is agreed yet."""
    _coder(reader)
    excerpts = list(excerpts)
    done = set(
        Reconciliation.objects.filter(excerpt__in=excerpts).values_list("excerpt_id", flat=True)
    )
    found = {e: given for e, given in disagreements(decisions(excerpts)).items() if e not in done}
    record_event(
        actor=reader,
        action=AuditAction.READ,
        object_type="feedback.disagreements",
        detail={"excerpts": sorted(found)},
    )
    return found  # type: ignore[return-value]


@transaction.atomic
def reconcile(
    excerpt: Excerpt, codes: Sequence[Code], *, agreed_by: Sequence[User], by: User
) -> Reconciliation:
    """Keep the code(s) the coders agreed for `excerpt`, and who agreed them."""
    _coder(by)
    if not codes:
        raise CodingError("Choose the agreed code.", field="codes")
    coders = {u.pk for u in agreed_by} | {by.pk}
    if len(coders) < 2:
        raise CodingError("Name the coders who agreed it.", field="agreed_by")
    for user in agreed_by:
        _coder(user)
    if Reconciliation.objects.filter(excerpt=excerpt).exists():
        raise CodingError("This excerpt has already been reconciled.", field="codes")
    made = Reconciliation.objects.create(excerpt=excerpt, at=timezone.now())
    made.codes.set(codes)
    made.agreed_by.set(User.objects.filter(pk__in=coders))
    record_event(
        actor=by,
        action=AuditAction.CREATE,
        obj=made,
        detail={"codes": [c.key for c in codes], "agreed_by": sorted(coders)},
    )
    return made
