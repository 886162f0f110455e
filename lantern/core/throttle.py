"""A fixed-window counter per source address in the cache, for public forms (enrollment,
account recovery). Needs a cache shared by every web process: Redis, or the database cache."""

from __future__ import annotations

from django.core.cache import cache


def attempt_allowed(*, scope: str, address: str | None, limit: int, window_seconds: int) -> bool:
    """Count one attempt from `address`; False once more than `limit` came in the window."""
    key = f"lantern.throttle:{scope}:{address or 'unknown'}"
    # add() starts the window only if it is not running; incr() is atomic in the shared caches.
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
