"""Static files as WhiteNoise stores them (compressed, names with their content's hash), with
each file's address worked out once per process.

Every page names about ten static files (`{% static %}` in the frame); finding each hashed name
in the manifest and joining it to STATIC_URL took about a fifth of drawing the frame. The
manifest is read once when the process starts and never changes while it runs, so the address
of a name is the same on every page: it is kept after its first use.
"""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# More names than the templates use: addresses asked for beyond it are worked out each time.
KEPT_URLS = 1000


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool, bool], str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        # With DEBUG the unhashed name is served; it is part of the key so either is right.
        key = (name or "", force, settings.DEBUG)
        url = self._urls.get(key)
        if url is None:
            url = super().url(name, force)
            if len(self._urls) < KEPT_URLS:
                self._urls[key] = url
        return url
