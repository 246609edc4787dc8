"""Coders code excerpts, each blind to the others; where they differ, they agree a code together.

Only staff with the `feedback.code_excerpts` permission code. A coder sees their own codes for an
excerpt and never another coder's until the excerpt is listed for reconciliation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from caremode.accounts.models import User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event
from caremode.core.access import CODE_EXCERPTS_PERMISSION
from caremode.core.errors import DomainError
from caremode.feedback.agreement import Agreement, Decisions, agreement, disagreements
from caremode.feedback.codebook import current
from caremode.feedback.models import Code, Coding, Excerpt, Reconciliation, SuggestionDecision
from caremode.feedback.suggestions import Suggestion, from_database

PERMISSION = CODE_EXCERPTS_PERMISSION


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


# The coding pages: the queue, the coder's answers to the suggested codes, the acceptance rate.

QUEUE_LENGTH = 50


def list_excerpts_to_code(coder: User, *, limit: int = QUEUE_LENGTH) -> list[Excerpt]:
    """The excerpts `coder` has not coded yet and nobody has reconciled, oldest first; the
    excerpt ids shown are audited (free text). Raises PermissionError for anyone not a coder."""
    _coder(coder)
    found = list(
        Excerpt.objects.exclude(codings__coder=coder)
        .exclude(reconciliations__isnull=False)
        .order_by("month", "pk")[:limit]
    )
    if found:
        record_event(
            actor=coder,
            action=AuditAction.READ,
            object_type="feedback.excerpts to code",
            detail={"excerpts": [e.pk for e in found]},
        )
    return found


def count_coded_by(coder: User) -> int:
    _coder(coder)
    return Excerpt.objects.filter(codings__coder=coder).distinct().count()


def suggestions_for(excerpt: Excerpt) -> list[Suggestion]:
    """The suggested codes for `excerpt`, best first, from every other coded excerpt and the
    codebook's examples: never from this excerpt's own codings (blind coding, TH5)."""
    return from_database(excluding=[excerpt.pk]).suggest([excerpt.text])[0]


@transaction.atomic
def code_with_suggestions(
    *,
    actor: User,
    excerpt: Excerpt,
    answers: Sequence[tuple[Suggestion, bool]],
    other_codes: Sequence[Code],
) -> list[Code]:
    """Code `excerpt` as `actor` with the suggestions they accepted and the other codes they
    chose, and keep their answer (accepted or rejected) to each suggestion.

    Preconditions: `actor` is a coder; each suggestion names a code in use; a code rejected as a
    suggestion is not also chosen. The coder's earlier answers for this excerpt are replaced.
    Raises CodingError (field `codes`) when no code results or a code is both rejected and
    chosen; PermissionError for anyone not a coder. Audited by `code_excerpt`."""
    _coder(actor)
    keys = [s.code for s, _ in answers]
    if len(set(keys)) != len(keys):
        raise CodingError("Each suggestion is answered once.", field="codes")
    by_key = {c.key: c for c in Code.objects.filter(key__in=keys)}
    missing = sorted(set(keys) - set(by_key))
    if missing:
        raise CodingError(f"{', '.join(missing)} is not in the codebook.", field="codes")
    rejected = {s.code for s, accepted in answers if not accepted}
    both = sorted(rejected & {c.key for c in other_codes})
    if both:
        raise CodingError(
            f"{', '.join(both)} was rejected as a suggestion and also chosen.", field="codes"
        )
    chosen = [by_key[s.code] for s, accepted in answers if accepted]
    chosen += [c for c in other_codes if c.key not in {k.key for k in chosen}]
    coded = code_excerpt(excerpt, chosen, coder=actor)
    SuggestionDecision.objects.filter(excerpt=excerpt, coder=actor).delete()
    now = timezone.now()
    SuggestionDecision.objects.bulk_create(
        SuggestionDecision(
            excerpt=excerpt,
            coder=actor,
            code=by_key[suggestion.code],
            score=min(max(suggestion.score, 0.0), 1.0),
            rank=rank,
            accepted=accepted,
            decided_at=now,
        )
        for rank, (suggestion, accepted) in enumerate(answers, start=1)
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="feedback.suggestion decisions",
        object_id=str(excerpt.pk),
        detail={
            "accepted": sorted(s.code for s, accepted in answers if accepted),
            "rejected": sorted(rejected),
        },
    )
    return coded


@dataclass(frozen=True)
class AcceptanceRate:
    coder: User | None  # None: every coder together
    accepted: int
    decided: int

    @property
    def percent(self) -> int | None:
        return None if not self.decided else round(100 * self.accepted / self.decided)


def acceptance_rates(*, reader: User) -> tuple[AcceptanceRate, list[AcceptanceRate]]:
    """(overall, per coder by name): how many suggested codes coders accepted of those they
    answered. Raises PermissionError for anyone not a coder."""
    _coder(reader)
    rows = (
        SuggestionDecision.objects.values("coder")
        .annotate(decided=Count("pk"), accepted=Count("pk", filter=Q(accepted=True)))
        .order_by()
    )
    counts = {r["coder"]: (r["accepted"], r["decided"]) for r in rows}
    coders = {u.pk: u for u in User.objects.filter(pk__in=list(counts))}
    per_coder = sorted(
        (AcceptanceRate(coders[pk], a, d) for pk, (a, d) in counts.items()),
        key=lambda r: (str(r.coder), r.coder.pk if r.coder else 0),
    )
    overall = AcceptanceRate(
        None, sum(a for a, _ in counts.values()), sum(d for _, d in counts.values())
    )
    return overall, per_coder


def list_coded_excerpts() -> list[Excerpt]:
    """Every excerpt anyone has coded, for the agreement (the statistics name no one)."""
    return list(Excerpt.objects.filter(codings__isnull=False).distinct().order_by("pk"))


def count_compared(excerpts: Iterable[Excerpt]) -> int:
    """How many of `excerpts` two or more coders coded: what the agreement rests on."""
    return (
        Coding.objects.filter(excerpt__in=list(excerpts))
        .values("excerpt")
        .annotate(coders=Count("coder", distinct=True))
        .filter(coders__gte=2)
        .order_by()
        .count()
    )


def access_excerpt_to_reconcile(user: User, pk: int) -> tuple[Excerpt, dict[User, list[Code]]]:
    """An excerpt two or more coders coded differently, nobody has reconciled and `user` coded,
    with each coder's codes (shown only now, for reconciliation), else Http404. A coder who has
    not coded it yet cannot see the others' codes (blind coding, TH5). Audited."""
    if not may_code(user):
        raise Http404
    excerpt = Excerpt.objects.filter(pk=pk, reconciliations__isnull=True).first()
    if excerpt is None or pk not in disagreements(decisions([excerpt])):
        raise Http404
    given: dict[User, list[Code]] = defaultdict(list)
    for row in Coding.objects.filter(excerpt=excerpt).select_related("coder", "code"):
        given[row.coder].append(row.code)
    if user.pk not in {coder.pk for coder in given}:
        raise Http404
    record_event(
        actor=user, action=AuditAction.READ, obj=excerpt, detail={"purpose": "reconciliation"}
    )
    return excerpt, dict(given)


def access_excerpt_to_code(user: User, pk: int) -> Excerpt:
    """An excerpt for the coder `user` to code, else Http404 (anyone not a coder, or no such
    excerpt). Audited: it shows free text."""
    if not may_code(user):
        raise Http404
    excerpt = Excerpt.objects.filter(pk=pk).first()
    if excerpt is None:
        raise Http404
    record_event(actor=user, action=AuditAction.READ, obj=excerpt, detail={"purpose": "coding"})
    return excerpt
