"""`{{ refill|status_tag }}`: a refill request's status as a tag (`refills.presenters`)."""

from __future__ import annotations

from django import template

from lantern.refills import presenters

register = template.Library()

register.filter("status_tag", presenters.status_tag)
