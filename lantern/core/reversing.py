"""`kept_reverse`: Django's `reverse`, with the address of each view worded once per shape.

A page writes a dozen addresses or more, each `{% url %}` a call to `reverse`, which walks the
URL patterns' possibilities, converts and checks each value against its pattern and quotes the
result: about forty microseconds, a tenth of some pages. An address differs from one call to
the next only in its ids. So the first call for a view name with ids of given kinds (a
`uuid.UUID`, a non-negative `int`) reverses it with marker ids of the same kinds and keeps the
address around them; later calls put their ids between the kept parts. A UUID or an int is
written the same way by every converter that takes it (`uuid`, `int`, `str`, `slug`, `path`),
and needs no quoting; a text without "/" is written as a `str` converter writes it, quoted as
`reverse` quotes (a pattern that refuses the marker text, such as a `slug`, is never kept).
Any other value (an empty text, a negative number) goes to `reverse` as it is, as does a view
whose address the markers cannot stand in (a pattern that refuses them).
The shapes depend on the URL configuration and the script prefix, which are in the key; a changed
setting forgets them all.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any
from urllib.parse import quote

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# Far more than the views times their kinds of ids; past it, new shapes are not kept.
SHAPES_KEPT = 2_000
_NOT_KEPT = object()
_shapes: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


def _kind(value: Any) -> type | None:
    """The kind of an id this module writes itself, else None."""
    kind = type(value)
    if kind is uuid.UUID:
        return kind
    if kind is int and value >= 0:
        return kind
    # A text that a `str` converter takes (not empty, no "/"); a pattern that refuses the
    # marker text (a `slug`) is never kept.
    if kind is str and value and "/" not in value:
        return kind
    return None


def _written(value: Any) -> str:
    """The id as `reverse` writes it: a text quoted as Django quotes addresses."""
    if type(value) is str:
        return quote(value, safe=RFC3986_SUBDELIMS + "/~:@")
    return str(value)


def _marker(kind: type, position: int) -> Any:
    """An id of `kind` that no address contains by itself."""
    if kind is uuid.UUID:
        return uuid.UUID(f"1a7e2e5e-7a7e-4e5e-8a7e-{position + 1:012d}")
    if kind is str:
        return f"lantern~marker.{position}~"
    return 7_314_159_265_358_979_000 + position


def kept_reverse(
    view_name: str,
    args: list[Any] | tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """`reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)`."""
    kwargs = kwargs or {}
    kinds = tuple(_kind(value) for value in args)
    keyword_kinds = tuple((name, _kind(value)) for name, value in kwargs.items())
    if None in kinds or any(kind is None for _name, kind in keyword_kinds):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    key = (view_name, kinds, keyword_kinds, current_app, get_urlconf(), get_script_prefix())
    parts = _shapes.get(key)
    if parts is None:
        parts = _shape(view_name, kinds, keyword_kinds, current_app)
        with _lock:
            if len(_shapes) < SHAPES_KEPT:
                _shapes[key] = parts
    if parts is _NOT_KEPT:
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    texts, order = parts
    values = [*args, *kwargs.values()]
    pieces = [texts[0]]
    for index, text in zip(order, texts[1:], strict=True):
        pieces.append(_written(values[index]))
        pieces.append(text)
    return "".join(pieces)


def _shape(
    view_name: str,
    kinds: tuple[type, ...],
    keyword_kinds: tuple[tuple[str, type], ...],
    current_app: str | None,
) -> Any:
    """The address's texts around its ids and which id (args, then kwargs) goes between each
    two, in the address's order; or _NOT_KEPT."""
    markers = [_marker(kind, position) for position, kind in enumerate(kinds)]
    keyword_markers = {
        name: _marker(kind, len(kinds) + position)
        for position, (name, kind) in enumerate(keyword_kinds)
    }
    try:
        address = reverse(view_name, args=markers, kwargs=keyword_markers, current_app=current_app)
    except NoReverseMatch:
        return _NOT_KEPT
    texts = [str(marker) for marker in [*markers, *keyword_markers.values()]]
    if any(address.count(text) != 1 for text in texts):
        return _NOT_KEPT
    order = sorted(range(len(texts)), key=lambda index: address.index(texts[index]))
    parts = []
    start = 0
    for index in order:
        found = address.index(texts[index])
        parts.append(address[start:found])
        start = found + len(texts[index])
    parts.append(address[start:])
    return tuple(parts), tuple(order)


def shapes_forget(**_kwargs: Any) -> None:
    with _lock:
        _shapes.clear()


setting_changed.connect(shapes_forget, dispatch_uid="lantern-kept-reverse")
