import pytest

pytest_plugins = ["lantern.testing.personas", "lantern.testing.smtp", "lantern.testing.browser"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static paths unhashed in tests: the manifest exists only after `collectstatic`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
