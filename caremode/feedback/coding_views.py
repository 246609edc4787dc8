"""Pages for coders (the `feedback.code_excerpts` permission, whatever their role): the codebook
and its history, with adding, editing, merging, splitting and retiring codes; the queue of
excerpts to code; coding one with its suggested codes; the agreement between coders and the
acceptance rate of the suggestions; reconciling a disagreement.

Everyone else, clinicians included, gets the same 404 as a missing page. Coding is blind: a
coder sees only their own codes for an excerpt until it is listed for reconciliation. Excerpts
are shown anonymised (`anonymise.py`) and never say who gave them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from caremode.accounts.models import User
from caremode.core.access import AuthenticatedRequest
from caremode.core.evidence import FINDINGS
from caremode.core.forms import form_page, posted
from caremode.feedback import codebook, coding
from caremode.feedback.anonymise import anonymise
from caremode.feedback.coding_forms import (
    AddCodeForm,
    CodingForm,
    EditCodeForm,
    MergeCodeForm,
    ReconcileForm,
    RetireCodeForm,
    SplitCodeForm,
)
from caremode.feedback.models import Code, CodebookEvent, Excerpt

View = Callable[..., HttpResponse]
THEMES = {f.id: f.theme for f in FINDINGS}


def coders_required(view: View) -> View:
    """Only coders reach the view; anyone else gets the same 404 as a missing page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not coding.may_code(request.user):  # type: ignore[arg-type]
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _code(key: str) -> Code:
    found = codebook.get_code(key)
    if found is None:
        raise Http404
    return found


def _in_use(key: str) -> Code:
    found = _code(key)
    if not found.in_use:
        raise Http404
    return found


def _shown(excerpt: Excerpt) -> dict[str, Any]:
    """What a coder sees of an excerpt: its words anonymised, where and when, never who."""
    return {
        "pk": excerpt.pk,
        "text": anonymise(excerpt.text),
        "source": excerpt.get_source_display(),
        "mode": excerpt.mode,
        "month": f"{excerpt.month:%B %Y}",
    }


def _words(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value) if value not in ("", None) else "none"


def _event_shown(event: CodebookEvent) -> dict[str, Any]:
    """One change to a code in words: what, when, by whom, and each field's before and after."""
    details = []
    for field, value in sorted(event.detail.items()):
        label = field.replace("_", " ").capitalize()
        if isinstance(value, dict) and {"before", "after"} <= set(value):
            details.append((label, f"{_words(value['before'])} → {_words(value['after'])}"))
        else:
            details.append((label, _words(value)))
    return {
        "change": event.get_change_display(),
        "at": event.at,
        "by": str(event.by) if event.by else "the seeded codebook",
        "details": details,
    }


# The codebook.


@coders_required
@require_GET
def codebook_page(request: AuthenticatedRequest) -> HttpResponse:
    """Every code in use, with its definition, example and evidence; then those retired."""
    codes = codebook.list_codebook()
    return render(
        request,
        "feedback/coding/codebook.html",
        {
            "in_use": [c for c in codes if c.in_use],
            "retired": [c for c in codes if not c.in_use],
            "themes": THEMES,
            "page_title": "Codebook",
        },
    )


@coders_required
@require_GET
def code_page(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """One code and its history: every change, when and by whom."""
    code = _code(key)
    return render(
        request,
        "feedback/coding/code.html",
        {
            "code": code,
            "history": [_event_shown(e) for e in codebook.history(code)],
            "themes": THEMES,
            "page_title": f"{code.key} {code.label}",
            "back_href": reverse("feedback:codebook"),
            "back_text": "Back to the codebook",
        },
    )


def _code_form_page(
    request: AuthenticatedRequest,
    form: Any,
    act: Callable[[dict[str, Any]], Any],
    *,
    heading: str,
    submit: str,
    done: str | Callable[[], str],
    code: Code | None = None,
    warning: bool = False,
) -> HttpResponse:
    """A codebook form on the core form page; afterwards back to the code (or the codebook)."""
    back = reverse("feedback:code", args=[code.key]) if code else reverse("feedback:codebook")
    return form_page(
        request,
        form,
        act,
        template="core/_form_page.html",
        context={
            "caption": f"{code.key} {code.label}" if code else "Codebook",
            "heading": heading,
            "submit": submit,
            "warning": warning,
            "page_title": heading,
            "back_href": back,
        },
        done=done,
        then=back,
    )


@coders_required
@require_http_methods(["GET", "POST"])
def add_code(request: AuthenticatedRequest) -> HttpResponse:
    form = AddCodeForm(posted(request))
    made: list[Code] = []
    return _code_form_page(
        request,
        form,
        lambda data: made.append(codebook.add_code(form.draft(), by=request.user)),
        heading="Add a code",
        submit="Add the code",
        done=lambda: f"{made[0].key} {made[0].label} added to the codebook.",
    )


@coders_required
@require_http_methods(["GET", "POST"])
def edit_code(request: AuthenticatedRequest, key: str) -> HttpResponse:
    code = _in_use(key)
    initial = {f: getattr(code, f) for f in ("label", "definition", "example", "evidence")}
    form = EditCodeForm(posted(request), initial=initial)
    return _code_form_page(
        request,
        form,
        lambda data: codebook.edit_code(code, by=request.user, **data),
        heading="Edit the code",
        submit="Save the code",
        done=f"{code.key} saved. Its earlier words are kept in its history.",
        code=code,
    )


@coders_required
@require_http_methods(["GET", "POST"])
def merge_code(request: AuthenticatedRequest, key: str) -> HttpResponse:
    code = _in_use(key)
    others = [c for c in codebook.codes_in_use() if c.pk != code.pk]
    form = MergeCodeForm(posted(request), others=others)

    def act(data: dict[str, Any]) -> None:
        codebook.merge_codes([code], into=_in_use(data["into"]), by=request.user)

    return _code_form_page(
        request,
        form,
        act,
        heading="Merge into another code",
        submit="Merge the codes",
        done=lambda: (
            f"{code.key} merged into {form.cleaned_data['into']}. "
            "Excerpts coded with it now count as that code."
        ),
        code=code,
        warning=True,
    )


@coders_required
@require_http_methods(["GET", "POST"])
def split_code(request: AuthenticatedRequest, key: str) -> HttpResponse:
    code = _in_use(key)
    form = SplitCodeForm(posted(request))
    return _code_form_page(
        request,
        form,
        lambda data: codebook.split_code(code, form.drafts(), by=request.user),
        heading="Split into two codes",
        submit="Split the code",
        done=f"{code.key} split and retired. The new codes remember it.",
        code=code,
        warning=True,
    )


@coders_required
@require_http_methods(["GET", "POST"])
def retire_code(request: AuthenticatedRequest, key: str) -> HttpResponse:
    code = _in_use(key)
    form = RetireCodeForm(posted(request))
    return _code_form_page(
        request,
        form,
        lambda data: codebook.retire_code(code, by=request.user, reason=data["reason"]),
        heading="Retire the code",
        submit="Retire the code",
        done=f"{code.key} retired. Its history is kept.",
        code=code,
        warning=True,
    )


# Coding.


@coders_required
@require_GET
def coding_queue(request: AuthenticatedRequest) -> HttpResponse:
    """The excerpts still to code, oldest first (the ids shown are audited)."""
    excerpts = coding.list_excerpts_to_code(request.user)
    return render(
        request,
        "feedback/coding/queue.html",
        {
            "excerpts": [_shown(e) for e in excerpts],
            "coded": coding.count_coded_by(request.user),
            "page_title": "Excerpts to code",
        },
    )


@coders_required
@require_http_methods(["GET", "POST"])
def code_excerpt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Code one excerpt: accept or reject each suggested code, choose any others. Only the
    coder's own earlier codes are shown (blind to the other coders)."""
    excerpt = coding.access_excerpt_to_code(request.user, pk)
    suggestions = coding.suggestions_for(excerpt)
    mine = [c.key for c in coding.own_codes(excerpt, request.user)]
    in_use = list(codebook.codes_in_use())
    form = CodingForm(posted(request), suggestions=suggestions, codes=in_use, initial_codes=mine)
    by_key = {c.key: c for c in in_use}

    def act(data: dict[str, Any]) -> None:
        coding.code_with_suggestions(
            actor=request.user,
            excerpt=excerpt,
            answers=form.answers(),
            other_codes=[by_key[k] for k in data["other_codes"]],
        )

    return form_page(
        request,
        form,
        act,
        template="feedback/coding/code_excerpt.html",
        context=lambda: {
            "excerpt": _shown(excerpt),
            "mine": mine,
            "themes": THEMES,
            "page_title": "Code an excerpt",
            "back_href": reverse("feedback:coding_queue"),
            "back_text": "Back to excerpts to code",
        },
        done="Your codes are saved. The other coders cannot see them.",
        then=reverse("feedback:coding_queue"),
        fields={"codes": "other_codes"},
    )


# Agreement and reconciliation.


@coders_required
@require_GET
def agreement_page(request: AuthenticatedRequest) -> HttpResponse:
    """Cohen's kappa (two coders) or Krippendorff's alpha (more), per code and overall, with
    what each rests on; the acceptance rate of the suggestions; the disagreements to reconcile."""
    excerpts = coding.list_coded_excerpts()
    overall, per_code = coding.agreement_for(excerpts, reader=request.user)
    pending = coding.to_reconcile(excerpts, reader=request.user)
    accepted, per_coder = coding.acceptance_rates(reader=request.user)
    labels = {c.key: c.label for c in codebook.list_codebook()}
    return render(
        request,
        "feedback/coding/agreement.html",
        {
            "overall": overall,
            "compared": coding.count_compared(excerpts),
            "per_code": sorted(per_code.items()),
            "labels": labels,
            # Only those the reader coded: the others stay blind to them (TH5).
            "to_reconcile": sorted(pk for pk, given in pending.items() if request.user.pk in given),
            "accepted": accepted,
            "per_coder": per_coder,
            "page_title": "Agreement between coders",
        },
    )


@coders_required
@require_http_methods(["GET", "POST"])
def reconcile_excerpt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """What each coder gave an excerpt they differ on, and the code they agreed, with who."""
    excerpt, given = coding.access_excerpt_to_reconcile(request.user, pk)
    others: list[User] = [u for u in given if u.pk != request.user.pk]
    in_use = list(codebook.codes_in_use())
    form = ReconcileForm(posted(request), codes=in_use, coders=others)
    by_key = {c.key: c for c in in_use}
    by_pk = {str(u.pk): u for u in others}

    def act(data: dict[str, Any]) -> None:
        coding.reconcile(
            excerpt,
            [by_key[k] for k in data["codes"]],
            agreed_by=[by_pk[p] for p in data["agreed_by"]],
            by=request.user,
        )

    return form_page(
        request,
        form,
        act,
        template="feedback/coding/reconcile.html",
        context=lambda: {
            "excerpt": _shown(excerpt),
            "given": sorted(given.items(), key=lambda kv: str(kv[0])),
            "page_title": "Reconcile an excerpt",
            "back_href": reverse("feedback:coding_agreement"),
            "back_text": "Back to the agreement",
        },
        done="The agreed code is kept, with who agreed it.",
        then=reverse("feedback:coding_agreement"),
    )
