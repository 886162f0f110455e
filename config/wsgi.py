"""WSGI entry point (gunicorn config.wsgi): the pages' handler and the FHIR API's, each request
to the one its path calls for (lantern/core/wsgi.py)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# As django.core.wsgi.get_wsgi_application does.
django.setup(set_prefix=False)

from lantern.core.wsgi import application_get  # noqa: E402 (needs Django set up)

application = application_get()
