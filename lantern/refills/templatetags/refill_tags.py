"""`{{ refill|status_tag }}`: a refill request's status as a tag; `{{ form|medicine_checkboxes }}`
and `{{ form|pharmacy_options }}`: the request form's choices (`refills.presenters`)."""

from __future__ import annotations

from django import template

from lantern.refills import presenters

register = template.Library()

register.filter("status_tag", presenters.status_tag)
register.filter("medicine_checkboxes", presenters.medicine_checkboxes)
register.filter("pharmacy_options", presenters.pharmacy_options)
