"""`uswds_field` (forms/_field.html): a field's label, hint, errors and input, escaped."""

from __future__ import annotations

from django import forms
from django.template import Context, Template
from django.utils.safestring import mark_safe


class PetForm(forms.Form):
    name = forms.CharField(label="Name <as given>", help_text="Letters & spaces")
    secret = forms.CharField(help_text=mark_safe('See <a href="/help/">help</a>'))


def drawn(form: forms.Form, field: str, **extra: object) -> str:
    template = Template('{% include "forms/_field.html" %}')
    return template.render(Context({"field": form[field], **extra}))


def test_a_field_with_an_error_is_linked_to_its_hint_and_error_and_escapes_its_words():
    form = PetForm(data={"name": ""})
    form.add_error("name", "Say <who> & why")

    html = drawn(form, "name")

    assert '<div class="usa-form-group usa-form-group--error">' in html
    assert (
        '<label class="usa-label usa-label--error" for="id_name">Name &lt;as given&gt;</label>'
        in html
    )
    assert '<div class="usa-hint" id="id_name-hint">Letters &amp; spaces</div>' in html
    assert '<span class="usa-error-message" id="id_name-error">' in html
    assert "Say &lt;who&gt; &amp; why" in html
    assert 'aria-describedby="id_name-hint id_name-error"' in html and 'aria-invalid="true"' in html


def test_a_hint_marked_safe_keeps_its_link_and_show_password_adds_its_button():
    html = drawn(PetForm(), "secret", show_password=True, extra_class="width-card")

    assert '<div class="usa-form-group">' in html
    assert '<div class="usa-hint" id="id_secret-hint">See <a href="/help/">help</a></div>' in html
    assert 'class="usa-input width-card"' in html
    assert 'class="usa-show-password" aria-controls="id_secret"' in html
    assert "usa-error-message" not in html
