"""Fixed-window counters in the cache, for rate limits (public forms, sign-in failures per
address, emails an account may ask for). Needs a cache shared by every web process: Redis, or
the database cache.

Each window is real on both caches. The window is part of the key (the number of the window
since the epoch), so a count can never outlive its window, and nothing that rewrites an entry's
expiry can stretch or shorten one. Attempts are not counted with `cache.incr()`: on the database
cache it is a read followed by a write (two requests at once count as one) that also resets the
entry's expiry to the default five minutes, so an hourly limit refilled after five idle minutes.
Instead each attempt claims the next numbered slot of its window with `cache.add()`, which
succeeds for one caller only on both caches (a unique key in the table, SET NX in Redis); a
window is full when its slot number `limit` is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone


@dataclass(frozen=True)
class _Window:
    prefix: str
    # Seconds until the window ends: every entry of the window expires then, together.
    seconds_left: int


def _window(*, scope: str, subject: str, window_seconds: int) -> _Window:
    now = timezone.now().timestamp()
    number = int(now // window_seconds)
    seconds_left = max(1, int((number + 1) * window_seconds - now) + 1)
    return _Window(f"lantern.throttle:{scope}:{subject}:{window_seconds}:{number}", seconds_left)


def _claim(*, window: _Window, limit: int) -> bool:
    """Take the next free slot of the window; False if all `limit` slots are taken."""
    count_key = f"{window.prefix}:count"
    # The count is only a hint of where to start looking; the slots themselves are the truth.
    # It is never above a taken slot, and every slot below a taken one is taken.
    start = int(cache.get(count_key) or 0) + 1
    for slot in range(start, limit + 1):
        if cache.add(f"{window.prefix}:{slot}", 1, timeout=window.seconds_left):
            cache.set(count_key, slot, timeout=window.seconds_left)
            return True
    return False


def _subject(address: str | None) -> str:
    return address or "unknown"


def attempt_allowed(*, scope: str, address: str | None, limit: int, window_seconds: int) -> bool:
    """Count one attempt from `address`; False once `limit` attempts came in this window.

    A refused attempt is not counted, so the limit applies to what got through."""
    window = _window(scope=scope, subject=_subject(address), window_seconds=window_seconds)
    return _claim(window=window, limit=limit)


def limit_reached(*, scope: str, address: str | None, limit: int, window_seconds: int) -> bool:
    """Whether `limit` attempts were already counted in this window, counting nothing."""
    window = _window(scope=scope, subject=_subject(address), window_seconds=window_seconds)
    return cache.get(f"{window.prefix}:{limit}") is not None


def attempt_record(*, scope: str, address: str | None, limit: int, window_seconds: int) -> None:
    """Count one attempt (such as a failure) that `limit_reached` will see; beyond the limit
    there is nothing more to count."""
    attempt_allowed(scope=scope, address=address, limit=limit, window_seconds=window_seconds)
