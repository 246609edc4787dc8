"""Forms of the codebook and coding pages: a code's words and evidence, merging, splitting and
retiring it, coding an excerpt with its suggested codes, and reconciling what coders gave."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from caremode.accounts.models import User
from caremode.core.evidence import FINDINGS
from caremode.core.forms import NHSForm
from caremode.feedback.codebook import CodeDraft
from caremode.feedback.models import Code
from caremode.feedback.suggestions import Suggestion

EVIDENCE_CHOICES = [(f.id, f"{f.id} ({f.theme})") for f in FINDINGS]
SPLIT_PARTS = 2
ACCEPT, REJECT = "accept", "reject"


def _text(label: str, *, rows: int = 0, max_length: int = 2000, **kwargs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, max_length=max_length, widget=widget, **kwargs)


def _evidence(label: str = "The findings it relates to") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=EVIDENCE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The evidence pages E1 to E23. Select all that apply.",
    )


class EditCodeForm(NHSForm):
    label = _text("Label", max_length=120)
    definition = _text("Definition", rows=3)
    example = _text(
        "Example excerpt",
        rows=3,
        help_text="Written for the codebook: never a real person's words.",
    )
    evidence = _evidence()


class AddCodeForm(EditCodeForm):
    key = forms.SlugField(
        label="Key",
        max_length=40,
        help_text="A short name that never changes, for example C20.",
        error_messages={"invalid": "Enter a key of letters, numbers, hyphens or underscores"},
    )
    field_order = ["key", "label", "definition", "example", "evidence"]

    def draft(self) -> CodeDraft:
        data = self.cleaned_data
        return CodeDraft(
            data["key"], data["label"], data["definition"], data["example"], data["evidence"]
        )


class MergeCodeForm(NHSForm):
    into = forms.ChoiceField(label="Merge it into", error_messages={"required": "Select a code"})

    def __init__(self, *args: Any, others: Sequence[Code], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", "Choose a code")] + [  # type: ignore[attr-defined]
            (c.key, f"{c.key} {c.label}") for c in others
        ]


class SplitCodeForm(NHSForm):
    """Two new codes that together take the place of the one split."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SPLIT_PARTS + 1):
            self.fields[f"key_{n}"] = forms.SlugField(label=f"New code {n}: key", max_length=40)
            self.fields[f"label_{n}"] = _text(f"New code {n}: label", max_length=120)
            self.fields[f"definition_{n}"] = _text(f"New code {n}: definition", rows=3)
            self.fields[f"example_{n}"] = _text(f"New code {n}: example excerpt", rows=3)
            self.fields[f"evidence_{n}"] = _evidence(f"New code {n}: the findings it relates to")
        for field in self.fields.values():
            # NHSForm set its messages before these fields were made: say them here.
            label = str(field.label)
            field.error_messages["required"] = f"Enter {label[:1].lower()}{label[1:]}"
            if isinstance(field, forms.SlugField):
                field.error_messages["invalid"] = (
                    f"Enter {label[:1].lower()}{label[1:]} in letters, numbers or hyphens"
                )

    def drafts(self) -> list[CodeDraft]:
        data = self.cleaned_data
        return [
            CodeDraft(
                data[f"key_{n}"],
                data[f"label_{n}"],
                data[f"definition_{n}"],
                data[f"example_{n}"],
                data[f"evidence_{n}"],
            )
            for n in range(1, SPLIT_PARTS + 1)
        ]


class RetireCodeForm(NHSForm):
    reason = _text(
        "Why is it retired?",
        rows=3,
        error_messages={"required": "Enter why the code is retired"},
    )


class CodingForm(NHSForm):
    """Accept or reject each suggested code (best first), then choose any other codes."""

    def __init__(
        self,
        *args: Any,
        suggestions: Sequence[Suggestion],
        codes: Sequence[Code],
        initial_codes: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = list(suggestions)
        suggested = {s.code for s in self.suggestions}
        for s in self.suggestions:
            self.fields[f"suggestion_{s.code}"] = forms.ChoiceField(
                label=f"{s.code} {s.label}",
                choices=[(ACCEPT, "Accept"), (REJECT, "Reject")],
                widget=forms.RadioSelect,
                error_messages={"required": f"Select accept or reject for {s.code} {s.label}"},
            )
        self.fields["other_codes"] = forms.MultipleChoiceField(
            label="Other codes" if self.suggestions else "Codes",
            choices=[(c.key, f"{c.key} {c.label}") for c in codes if c.key not in suggested],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            initial=[k for k in initial_codes if k not in suggested],
        )

    def answers(self) -> list[tuple[Suggestion, bool]]:
        return [(s, self.cleaned_data[f"suggestion_{s.code}"] == ACCEPT) for s in self.suggestions]

    def suggestion_fields(self) -> list[tuple[Suggestion, forms.BoundField]]:
        return [(s, self[f"suggestion_{s.code}"]) for s in self.suggestions]


class ReconcileForm(NHSForm):
    codes = forms.MultipleChoiceField(
        label="The agreed code or codes",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the agreed code"},
    )
    agreed_by = forms.MultipleChoiceField(
        label="Who agreed it with you",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the coders who agreed it"},
    )

    def __init__(
        self, *args: Any, codes: Sequence[Code], coders: Sequence[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(c.key, f"{c.key} {c.label}") for c in codes]  # type: ignore[attr-defined]
        self.fields["agreed_by"].choices = [(str(u.pk), str(u)) for u in coders]  # type: ignore[attr-defined]
