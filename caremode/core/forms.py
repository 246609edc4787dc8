"""Form pieces that follow the NHS design system (a three-part date, a 24-hour time), and the
one way a form page handles a posted form (`submitted`, `form_page`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.forms.boundfield import BoundField
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from caremode.core.errors import DomainError

DIGITS_ONLY_MESSAGE = "Use the digits 0 to 9"


class AsciiIntegerField(forms.IntegerField):
    """A whole number typed in the digits 0 to 9.

    Django's IntegerField reads Arabic-Indic, full-width and other Unicode digits through int(),
    so Arabic-Indic "20" (U+0662 U+0660) would be stored as 20 while the person saw something
    else. CareMode refuses
    them with a clear message rather than guess.
    """

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and any(ch.isdigit() and not ch.isascii() for ch in value):
            raise forms.ValidationError(DIGITS_ONLY_MESSAGE, code="non_ascii_digits")
        return super().to_python(value)


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes, as the NHS date input pattern asks."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date typed as day, month and year; errors say which part is wrong."""

    widget = DateInputWidget

    def __init__(self, **kwargs: Any) -> None:
        error_messages = {"required": "Enter a date", "incomplete": "Enter a day, month and year"}
        fields = (
            AsciiIntegerField(min_value=1, max_value=31),
            AsciiIntegerField(min_value=1, max_value=12),
            AsciiIntegerField(min_value=1900, max_value=2200),
        )
        super().__init__(
            fields=fields, error_messages=error_messages, require_all_fields=True, **kwargs
        )

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list:
            return None
        day, month, year = data_list
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError("Enter a real date", code="invalid_date") from None


def widget_kind(bound: BoundField) -> str:
    """Which NHS component renders this field: radios, checkboxes, checkbox, select, textarea,
    date or input."""
    widget = bound.field.widget
    if isinstance(widget, DateInputWidget):
        return "date"
    # Before RadioSelect: Django's CheckboxSelectMultiple is a subclass of it.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


def choice_items(bound: BoundField) -> list[dict[str, Any]]:
    """The field's choices as NHS component items, with the current value(s) marked."""
    value = bound.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    kind = widget_kind(bound)
    key = "selected" if kind == "select" else "checked"
    return [
        {"value": str(v), "text": str(label), key: str(v) in chosen}
        for v, label in bound.field.choices  # type: ignore[attr-defined]
    ]


def date_parts(bound: BoundField) -> list[str]:
    """The day, month and year the person typed (or the stored date), for redisplay."""
    value = bound.value()
    if isinstance(value, list | tuple):
        return ["" if v is None else str(v) for v in value]
    if isinstance(value, dt.date):
        return [str(value.day), str(value.month), str(value.year)]
    return ["", "", ""]


def add_domain_error(form: forms.Form, error: Exception) -> None:
    """Show a service's DomainError on the field it names, or above the form."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, getattr(error, "message", str(error)))


class NHSForm(forms.Form):
    """A form whose 'required' messages say what to do, as the NHS design system asks:
    "Select …" for choices, "Enter …" for typed answers, unless a field sets its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = forms.Field.default_error_messages["required"]
        for field in self.fields.values():
            if field.error_messages.get("required") != default:
                continue
            label = str(field.label or "")
            if not label[:2].isupper():  # keep "NHS number", lower "First name"
                label = label[:1].lower() + label[1:]
            verb = "Select" if isinstance(field, forms.ChoiceField) else "Enter"
            field.error_messages["required"] = f"{verb} {label}"


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data for a form: the POST body on a POST, else None (an unbound form)."""
    return request.POST if request.method == "POST" else None


def submitted(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Any],
    *,
    fields: Mapping[str, str] | None = None,
) -> bool:
    """On a POST with a valid form, run `act(cleaned_data)` (one service call).

    True when it succeeded; False for a GET, an invalid form, or a DomainError — which is shown
    on the field it names, or on the form field `fields` maps that name to (a service's `start`
    is the form's `date`) — so that the view renders the form again.
    """
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        act(form.cleaned_data)
    except DomainError as error:
        if fields and error.field is not None and error.field in fields:
            error.field = fields[error.field]
        add_domain_error(form, error)
        return False
    return True


def form_page(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Any],
    *,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    done: str | Callable[[], str],
    then: str,
    fields: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The whole of a GET/POST form page: the form, `act` run on a valid POST (`submitted`),
    then `done` said and the person sent to `then` (a URL, or a URL name without arguments);
    otherwise — a GET, an invalid form, a DomainError on its field — `template` rendered with
    `form` and `context`. `context` may be a function, called only when the page is rendered
    (after the form has been checked), and `done` too, called after `act` succeeded."""
    if submitted(request, form, act, fields=fields):
        messages.success(request, done() if callable(done) else done)
        return redirect(then)
    page = context() if callable(context) else context
    return render(request, template, {"form": form, **page})
