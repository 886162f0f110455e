"""The form renderer draws Django's plain widgets in Python: every one of them is drawn exactly
as Django's own templates draw it, escaping included; any other template goes to Django."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from lantern.core.form_renderer import DRAWN_IN_PYTHON, FormRenderer

CHOICES = [("a", "Apple & pear"), ("<b>", '"Quoted"'), ("", "None chosen")]
GROUPED = [("Fruit <1>", [("a", "Apple"), ("b", "Banana")]), ("c", gettext_lazy("Help"))]


class EveryWidget(forms.Form):
    text = forms.CharField(help_text="hint", widget=forms.TextInput(attrs={"autofocus": True}))
    unsafe = forms.CharField(widget=forms.TextInput(attrs={"data-x": '<"&>', "hidden": False}))
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(required=False)
    number = forms.IntegerField()
    decimal = forms.DecimalField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    secret = forms.CharField(widget=forms.PasswordInput)
    agree = forms.BooleanField(required=False)
    upload = forms.FileField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    phone = forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    kind = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    maybe = forms.NullBooleanField()
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    grouped_radio = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
    when = forms.SplitDateTimeField(required=False)


VALUES = {
    "text": 'Hello <world> & "you"',
    "unsafe": mark_safe("<i>kept</i>"),
    "date": "2026-11-30",
    "number": "0",
    "decimal": "1.50",
    "hidden": "x'y",
    "password": "p&ss",
    "secret": "hidden",
    "agree": "on",
    "phone": "555 0100",
    "kind": "<b>",
    "grouped": "b",
    "several": ["a", ""],
    "maybe": "true",
    "note": "Line one\n<two>",
    "radio": "a",
    "grouped_radio": "c",
    "boxes": ["<b>", "a"],
}


def bound_form(kind: str, renderer) -> EveryWidget:
    """A fresh form, empty, filled in (and checked), without ids, or with initial values."""
    if kind == "unbound":
        return EveryWidget(auto_id="id_%s", renderer=renderer)
    if kind == "initial":
        initial = {"date": dt.date(2026, 1, 2), "number": 7, "note": ""}
        return EveryWidget(initial=initial, renderer=renderer)
    form = EveryWidget(
        data=VALUES, auto_id=False if kind == "no ids" else "id_%s", renderer=renderer
    )
    form.is_valid()
    return form


CASES = [
    (kind, name)
    for kind in ("unbound", "bound", "no ids", "initial")
    for name in EveryWidget.base_fields
]


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_each_widget_is_drawn_exactly_as_django_draws_it(kind, name):
    attrs = {"class": "usa-input", "aria-describedby": "id-hint", "aria-invalid": "true"}
    ours = bound_form(kind, FormRenderer())[name].as_widget(attrs=attrs)
    assert ours == bound_form(kind, DjangoTemplates())[name].as_widget(attrs=attrs)


@pytest.mark.parametrize("kind", ["unbound", "bound", "no ids"])
@pytest.mark.parametrize("name", ["radio", "grouped_radio", "boxes"])
def test_each_choice_drawn_by_itself_is_drawn_exactly_as_django_draws_it(kind, name):
    ours = bound_form(kind, FormRenderer())[name]
    theirs = bound_form(kind, DjangoTemplates())[name]
    for wrap_label in (None, True, False):
        assert [choice.tag(wrap_label) for choice in ours] == [
            choice.tag(wrap_label) for choice in theirs
        ]
    assert [str(choice) for choice in ours] == [str(choice) for choice in theirs]


def every_bound_field():
    for kind in ("unbound", "bound", "no ids", "initial"):
        yield from bound_form(kind, FormRenderer())


def test_the_settings_form_renderer_is_this_one():
    assert isinstance(EveryWidget().renderer, FormRenderer)


def test_the_common_widgets_are_drawn_without_their_templates():
    used = {field.field.widget.template_name for field in every_bound_field()}
    assert {
        "django/forms/widgets/text.html",
        "django/forms/widgets/select.html",
        "django/forms/widgets/textarea.html",
        "django/forms/widgets/radio.html",
    } <= used & DRAWN_IN_PYTHON.keys()
    widget = forms.Select(choices=CHOICES).get_context("kind", "a", {})["widget"]
    assert DRAWN_IN_PYTHON["django/forms/widgets/select.html"](widget) is not None


def test_a_widget_with_templates_of_its_own_goes_to_django():
    class StarOption(forms.RadioSelect):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = StarOption(choices=CHOICES)
    context = widget.get_context("pick", "a", {"id": "pick"})
    assert DRAWN_IN_PYTHON["django/forms/widgets/radio.html"](context["widget"]) is None
    drawn = FormRenderer().render("django/forms/widgets/radio.html", context)
    assert drawn == DjangoTemplates().render("django/forms/widgets/radio.html", context)
    assert 'value="a"' in drawn
