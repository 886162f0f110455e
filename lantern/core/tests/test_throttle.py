"""The per-address throttle, on both caches Lantern runs with: the database and Redis."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches

from lantern.core.throttle import attempt_allowed

REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:6379/0",
}


@pytest.fixture(params=["database", "redis"])
def cache_backend(request, settings, db):
    if request.param == "redis":
        settings.CACHES = {"default": REDIS}
    yield request.param
    caches["default"].close()


def test_attempts_beyond_the_limit_are_refused_until_the_window_ends(cache_backend):
    scope = f"test-{uuid.uuid4()}"

    allowed = [
        attempt_allowed(scope=scope, address="203.0.113.7", limit=3, window_seconds=60)
        for _ in range(4)
    ]

    assert allowed == [True, True, True, False]
    assert attempt_allowed(scope=scope, address="203.0.113.8", limit=3, window_seconds=60)
