"""Django's check of template libraries with one name is silenced for the `i18n` library that
replaces Django's on purpose; Lantern's own check still reports any other shared name."""

from __future__ import annotations

import copy

from django.conf import settings
from django.core import checks
from django.test import override_settings

from lantern.core.checks import template_libraries_check


def test_the_intended_i18n_library_is_not_reported():
    assert template_libraries_check(None) == []
    assert "templates.W003" in settings.SILENCED_SYSTEM_CHECKS
    found = checks.run_checks(tags=[checks.Tags.templates])
    assert [message.id for message in found if not message.is_silenced()] == []
    assert "templates.W003" in [message.id for message in found]  # Django's, silenced


def test_any_other_library_with_the_name_of_another_is_reported():
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["libraries"]["static"] = "lantern.core.templatetags.kept_urls"
    with override_settings(TEMPLATES=templates):
        warnings = template_libraries_check(None)
    assert [warning.id for warning in warnings] == ["core.W003"]
    assert "'static'" in warnings[0].msg
    assert "lantern.core.templatetags.kept_urls" in warnings[0].msg
