"""Render Django form fields with the U.S. Web Design System's classes and ARIA links."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_CLASSES = {
    forms.Select: "usa-select",
    forms.CheckboxInput: "usa-checkbox__input",
    forms.RadioSelect: "usa-radio__input",
    forms.Textarea: "usa-textarea",
}


@register.filter
def uswds_widget(field: BoundField, extra_class: str = "") -> SafeString:
    """The field's input with its USWDS class, error state, and hint and error ids linked."""
    widget = field.field.widget
    errors = field.errors  # Each read builds a new list: read once.
    css = next((name for kind, name in _CLASSES.items() if isinstance(widget, kind)), "usa-input")
    classes = [css, *extra_class.split()]
    if errors and css in {"usa-input", "usa-select", "usa-textarea"}:
        classes.append(f"{css}--error")
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-hint")
    if errors:
        described_by.append(f"{field.auto_id}-error")
    attrs = {"class": " ".join(classes)}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def first_error_fields(form: forms.Form) -> list[tuple[str, str]]:
    """(anchor id, message) for each error, in field order, for the error summary."""
    entries = []
    for field in form:
        entries.extend((field.auto_id, message) for message in field.errors)
    return entries
