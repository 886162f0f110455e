"""The form renderer (settings.FORM_RENDERER): Django's, with its common widgets drawn in Python.

Django draws each widget through its own templates: an input is three templates (text.html,
input.html, attrs.html), a select with twelve options thirty. On a page with a form that took
about a sixth of the page's time. This renderer draws the same HTML, character for character,
for the widgets Django ships as text, date, email, number and the other plain inputs, selects,
textareas, radios and checkbox lists, and hands every other template (a project's own widget
template, a form or a field layout) to Django's renderer. `test_form_renderer.py` draws every
widget both ways and compares them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.functional import Promise
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
# The widget templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUT_KINDS = (
    "input", "text", "date", "datetime", "time", "email", "hidden", "number", "password",
    "search", "tel", "url", "color", "checkbox", "file",
)  # fmt: skip
SELECT_OPTION = f"{WIDGETS}select_option.html"
INPUT_OPTIONS = {f"{WIDGETS}radio_option.html", f"{WIDGETS}checkbox_option.html"}
# Variables are drawn as `{{ value }}` is in a template: localized, then escaped.
_AUTOESCAPE = Context(autoescape=True)


def _text(value: Any) -> str:
    """`{{ value }}`: a text escaped unless marked safe (a label words itself in the page's
    language); anything else as the template draws it (a number localized)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        return value if isinstance(value, SafeData) else html.escape(value)
    return render_value_in_context(value, _AUTOESCAPE)


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the value as text, escaped unless it was marked safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value,)  # noqa: UP031 (as the filter)
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """attrs.html: each attribute that is not False, with its value unless it is True."""
    return "".join(
        f" {_text(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict[str, Any]) -> str:
    """input.html, with the newline its file ends with."""
    value = widget.get("value")
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{_text(widget.get("type", ""))}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option.get("template_name") != SELECT_OPTION:
                return None
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _textarea(widget: dict[str, Any]) -> str:
    value = _text(widget["value"]) if widget.get("value") else ""
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'
    )


def _input_option(option: dict[str, Any]) -> str:
    """radio_option.html and checkbox_option.html (each input_option.html, then a newline)."""
    attrs = option["attrs"]
    if not option.get("wrap_label"):
        return f"{_input(option)}\n\n"
    label_for = f' for="{_text(attrs["id"])}"' if attrs.get("id") else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n\n"


def _multiple_input(widget: dict[str, Any]) -> str | None:
    """multiple_input.html: the radios or checkboxes of a choice, each in a <div>."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{_text(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{_text(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        for option in options:
            if option.get("template_name") not in INPUT_OPTIONS:
                return None
            parts.append(f"<div>\n    {_input_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


DRAWN_IN_PYTHON: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **{f"{WIDGETS}{kind}.html": _input for kind in INPUT_KINDS},
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}radio.html": _multiple_input,
    f"{WIDGETS}checkbox_select.html": _multiple_input,
    # One radio or checkbox of a choice drawn by itself (`{{ radio.tag }}` in a page's template).
    **{name: _input_option for name in INPUT_OPTIONS},
}


class FormRenderer(DjangoTemplates):
    """Django's template renderer, drawing its plain widgets without their templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        draw = DRAWN_IN_PYTHON.get(template_name)
        widget = context.get("widget") if draw is not None else None
        html = draw(widget) if isinstance(widget, dict) else None
        if html is None:
            return super().render(template_name, context, request=request)
        # As Django's renderer, which strips what the template drew.
        return mark_safe(html.strip())  # noqa: S308 (each value escaped above)
