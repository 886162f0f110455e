"""The app config that makes `django.contrib.admin.site` Lantern's admin site.

Kept apart from lantern/core/admin_site.py: Django imports this module while it is still
loading the apps, before any model may be imported; the site itself is imported later.
"""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class LanternAdminConfig(AdminConfig):
    """Named in INSTALLED_APPS instead of "django.contrib.admin", so `admin.site` is the
    Lantern admin site and every `@admin.register` uses it."""

    default_site = "lantern.core.admin_site.LanternAdminSite"
