"""System checks of the template engine's libraries.

`{% load i18n %}` loads `lantern.core.templatetags.kept_i18n` on purpose (settings.TEMPLATES,
"libraries"), which Django's own check of libraries with the same name (templates.W003) always
reports. That check is silenced in settings; this one does the same work for every other name,
so a library that two apps both call by one name is still reported.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.checks import Tags, Warning, register
from django.template import engines
from django.template.backends.django import DjangoTemplates, get_template_tag_modules

# The one library name given to two modules on purpose: Django's, and the one that replaces it.
INTENDED = {"i18n": {"django.templatetags.i18n", "lantern.core.templatetags.kept_i18n"}}


@register(Tags.templates)
def template_libraries_check(app_configs, **kwargs) -> list[Warning]:
    found: dict[str, set[str]] = defaultdict(set)
    for name, path in get_template_tag_modules():
        found[name].add(path)
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            for name, path in engine.engine.libraries.items():
                found[name].add(path)
    return [
        Warning(
            f"{name!r} is used for multiple template tag modules: {', '.join(sorted(paths))}",
            id="core.W003",
        )
        for name, paths in sorted(found.items())
        if len(paths) > 1 and paths != INTENDED.get(name)
    ]
