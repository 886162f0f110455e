import pytest

from lantern.core.translations import compile_catalogs

pytest_plugins = ["lantern.testing.personas", "lantern.testing.smtp", "lantern.testing.browser"]


def pytest_configure(config):
    """The `.mo` files Django reads, from the repo's `.po` catalogs (they are not in the repo)."""
    compile_catalogs()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the clinic's default language: a page in Spanish activates Spanish
    for the rest of its thread, as a server's next request would undo."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static paths unhashed in tests: the manifest exists only after `collectstatic`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Tests hash passwords with MD5: Argon2 costs about a quarter of a second per hash by design, and
# most tests create accounts. A test that is about hashing asks for the real list with
# `@pytest.mark.production_password_hashers` (config/settings.py: Argon2 first).
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    if request.node.get_closest_marker("production_password_hashers") is None:
        settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
