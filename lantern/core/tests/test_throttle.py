"""The fixed-window throttle, on both caches Lantern runs with: the database and Redis."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.cache import caches

from lantern.core.throttle import attempt_allowed, attempt_record, limit_reached

REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:6379/7",
}
# The start of an hour, so the tests know where each window ends.
HOUR_START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["database", "redis"])
def cache_backend(request, settings, db):
    if request.param == "redis":
        settings.CACHES = {"default": REDIS}
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "lantern_cache",
            }
        }
    yield request.param
    caches["default"].close()


def hourly(scope: str, address: str = "203.0.113.7") -> bool:
    return attempt_allowed(scope=scope, address=address, limit=3, window_seconds=3600)


def test_attempts_beyond_the_limit_are_refused_until_the_window_ends(cache_backend):
    scope = f"test-{uuid.uuid4()}"
    # Time stands still mid-minute, so the four attempts cannot straddle two windows.
    with time_machine.travel(HOUR_START + dt.timedelta(seconds=10), tick=False):
        allowed = [
            attempt_allowed(scope=scope, address="203.0.113.7", limit=3, window_seconds=60)
            for _ in range(4)
        ]

        assert allowed == [True, True, True, False]
        assert attempt_allowed(scope=scope, address="203.0.113.8", limit=3, window_seconds=60)


def test_an_hourly_limit_does_not_refill_after_a_few_quiet_minutes(cache_backend):
    scope = f"test-{uuid.uuid4()}"
    with time_machine.travel(HOUR_START + dt.timedelta(minutes=1), tick=False) as traveller:
        assert [hourly(scope) for _ in range(3)] == [True, True, True]
        # The database cache's incr() used to reset the entry to five minutes from now.
        traveller.shift(dt.timedelta(minutes=6))
        assert not hourly(scope)
        traveller.shift(dt.timedelta(minutes=30))
        assert not hourly(scope)


def test_an_hourly_window_ends_on_the_hour_whatever_the_cache(cache_backend):
    scope = f"test-{uuid.uuid4()}"
    with time_machine.travel(HOUR_START + dt.timedelta(minutes=50), tick=False) as traveller:
        assert [hourly(scope) for _ in range(4)] == [True, True, True, False]
        traveller.shift(dt.timedelta(minutes=9, seconds=59))
        assert not hourly(scope)
        traveller.shift(dt.timedelta(seconds=2))
        assert [hourly(scope) for _ in range(4)] == [True, True, True, False]


def test_checking_a_limit_counts_nothing_and_recording_fills_it(cache_backend):
    scope = f"test-{uuid.uuid4()}"
    limits = {"scope": scope, "address": "203.0.113.9", "limit": 2, "window_seconds": 3600}
    assert not limit_reached(**limits)
    assert not limit_reached(**limits)
    attempt_record(**limits)
    assert not limit_reached(**limits)
    attempt_record(**limits)
    assert limit_reached(**limits)
    attempt_record(**limits)
    assert limit_reached(**limits)
