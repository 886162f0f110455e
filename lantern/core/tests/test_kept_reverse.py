"""`{% url %}` reverses through `kept_reverse`: for every named address of the portal, with ids
of every kind, it writes what Django's `reverse` writes, and refuses what Django refuses."""

from __future__ import annotations

import uuid

import pytest
from django.template import engines
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from lantern.core import reversing
from lantern.core.reversing import kept_reverse


def named_addresses(patterns=None, namespaces=(), converters=None):
    """(view name, its converters by keyword) for every named path() of the portal."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        found = {**(converters or {}), **getattr(pattern.pattern, "converters", {})}
        if pattern.pattern.regex.groupindex.keys() - found.keys():
            continue  # A regular expression's groups: no converter says what they take.
        if isinstance(pattern, URLResolver):
            inside = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from named_addresses(pattern.url_patterns, inside, found)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespaces, pattern.name)), found


TEXTS = ["Hb A1c é", "a b/é", "100% <b>?#", "", "x"]


def sample(converter, turn: int = 0) -> object:
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    if isinstance(converter, IntConverter):
        return 42 + turn
    # Texts: kept (quoted as Django quotes), reversed by Django ("/", empty) or refused (a slug).
    return TEXTS[turn % len(TEXTS)]


ADDRESSES = sorted(set((name, tuple(found.items())) for name, found in named_addresses()))


def test_the_portal_has_addresses_with_ids_of_each_kept_kind():
    kinds = {type(converter) for _name, found in ADDRESSES for _key, converter in found}
    assert {UUIDConverter, IntConverter} <= kinds
    assert len(ADDRESSES) > 100
    reversing.shapes_forget()
    with_ids = [
        (name, {key: sample(converter) for key, converter in found})
        for name, found in ADDRESSES
        if found and all(isinstance(c, UUIDConverter | IntConverter) for _key, c in found)
    ]
    for name, kwargs in with_ids:
        kept_reverse(name, kwargs=kwargs)
    kept = [shape for shape in reversing._shapes.values() if shape is not reversing._NOT_KEPT]
    assert len(kept) == len(with_ids) > 50


@pytest.mark.parametrize(("name", "converters"), ADDRESSES, ids=[name for name, _ in ADDRESSES])
def test_every_address_is_written_as_django_writes_it(name, converters):
    for turn in range(len(TEXTS)):  # the shape is found, then used with other ids
        kwargs = {key: sample(converter, turn) for key, converter in converters}
        try:
            expected = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                kept_reverse(name, kwargs=kwargs)
            continue
        assert kept_reverse(name, kwargs=kwargs) == expected
        if len(kwargs) == 1:
            assert kept_reverse(name, args=list(kwargs.values())) == expected


def test_ids_in_any_order_and_refused_values_are_as_django_has_them():
    patient, report = uuid.uuid4(), uuid.uuid4()
    for kwargs in (
        {"patient_id": patient, "report_id": report},
        {"report_id": report, "patient_id": patient},
    ):
        assert kept_reverse("results:detail", kwargs=kwargs) == reverse(
            "results:detail", kwargs=kwargs
        )
    assert kept_reverse("results:detail", args=[patient, report]) == reverse(
        "results:detail", args=[patient, report]
    )
    with pytest.raises(NoReverseMatch):
        kept_reverse("results:detail", kwargs={"patient_id": patient})
    with pytest.raises(NoReverseMatch):
        kept_reverse("results:detail", kwargs={"patient_id": -1, "report_id": report})


def test_the_url_tag_reverses_through_the_kept_shapes():
    reversing.shapes_forget()
    patient = uuid.uuid4()
    template = engines["django"].from_string(
        "{% url 'results:list' patient_id=patient %}|"
        "{% url 'results:list' patient_id=patient as href %}{{ href }}|"
        "{% url 'nowhere' as none %}[{{ none }}]"
    )
    expected = reverse("results:list", kwargs={"patient_id": patient})
    assert template.render({"patient": patient}) == f"{expected}|{expected}|[]"
    assert any(key[0] == "results:list" for key in reversing._shapes)
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'nowhere' %}").render({})
