"""Render Django form fields with the U.S. Web Design System's classes and ARIA links."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


@register.simple_tag
def uswds_field(
    field: BoundField, extra_class: str = "", show_password: bool = False
) -> SafeString:
    """One form field as a USWDS form group: label, hint, error message and input, all linked
    (templates/forms/_field.html). The field's errors, ids and hint are read once (each read of
    `field.errors` builds a new list)."""
    errors = field.errors
    auto_id = conditional_escape(field.auto_id)
    help_text = field.help_text
    id_for_label = conditional_escape(field.id_for_label)
    error = " usa-form-group--error" if errors else ""
    parts = [
        f'<div class="usa-form-group{error}">',
        f'  <label class="usa-label{" usa-label--error" if errors else ""}" '
        f'for="{id_for_label}">{conditional_escape(field.label)}</label>',
    ]
    if help_text:
        parts.append(
            f'  <div class="usa-hint" id="{auto_id}-hint">{conditional_escape(help_text)}</div>'
        )
    if errors:
        messages = " ".join(str(conditional_escape(message)) for message in errors)
        parts.append(f'  <span class="usa-error-message" id="{auto_id}-error">{messages}</span>')
    parts.append(f"  {uswds_widget(field, extra_class or '')}")
    if show_password:
        words = conditional_escape(_("Show password"))
        parts.append(
            f'  <button type="button" class="usa-show-password" aria-controls="{id_for_label}" '
            f'data-show-text="{words}">{words}</button>'
        )
    parts.append("</div>")
    return mark_safe("\n".join(parts))  # noqa: S308 (every value escaped)
