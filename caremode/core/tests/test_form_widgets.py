"""Which NHS component renders a field: several choices are checkboxes, one choice radios."""

from django import forms

from caremode.core.forms import widget_kind


class Choices(forms.Form):
    many = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
    one = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)


def test_several_choices_are_checkboxes_and_one_choice_radios():
    # Django's CheckboxSelectMultiple is a subclass of RadioSelect: the order of checks matters.
    form = Choices()
    assert widget_kind(form["many"]) == "checkboxes"
    assert widget_kind(form["one"]) == "radios"
