"""`{% load i18n %}` loads Django's tags with quoted `{% translate %}` words kept per language:
what it draws is what Django's own tag draws, in every language and every form of the tag."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from lantern.core.templatetags import kept_i18n

FORMS_OF_THE_TAG = [
    '{% translate "Home" %}',
    "{% translate 'Sign out' %}",
    '{% translate "New" context "result" %}',
    '{% translate "New" context "message" %}',
    '{% translate "Home" noop %}',
    '{% translate "Home" as home %}[{{ home }}]',
    '{% translate "New" context "result" as new %}{{ new }}|{{ new }}',
    '{% trans "Settings" %}',
    '{% translate "5%% off & <more>" %}',
    '{% translate "Home"|upper %}',
    "{% translate word %}",
    '{% translate "New" context kind %}',
    '{% autoescape off %}{% translate "5%% off & <more>" %}{% endautoescape %}',
    '{% for n in "abc" %}{% translate "Home" as home %}{{ home }}{% endfor %}[{{ home }}]',
]
VALUES = {"word": "Home", "kind": "result"}


def django_engine() -> Engine:
    return Engine(libraries={"i18n": "django.templatetags.i18n"})


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("source", FORMS_OF_THE_TAG)
def test_each_form_of_the_tag_draws_what_djangos_draws(source, language):
    ours = engines["django"].from_string("{% load i18n %}" + source)
    theirs = django_engine().from_string("{% load i18n %}" + source)
    with translation.override(language):
        first = ours.render(VALUES)
        assert first == ours.render(VALUES)  # kept, then drawn from what was kept
        assert first == theirs.render(Context(VALUES))


def test_quoted_words_are_kept_per_language_and_others_drawn_each_time():
    template = engines["django"].from_string(
        '{% load i18n %}{% translate "Home" %}{% translate word %}'
    )
    kept, drawn = [
        node for node in template.template.nodelist if isinstance(node, kept_i18n.KeptTranslateNode)
    ]
    assert kept.keeps and not drawn.keeps
    with translation.override("es"):
        assert template.render({"word": "Home"}) == "InicioInicio"
    with translation.override("en"):
        assert template.render({"word": "Home"}) == "HomeHome"
    assert len(kept.kept) == 2 and not drawn.kept


def test_a_changed_setting_forgets_the_kept_words(settings):
    template = engines["django"].from_string('{% load i18n %}{% translate "Home" %}')
    with translation.override("es"):
        assert template.render({}) == "Inicio"
    node = template.template.nodelist[-1]
    before = kept_i18n._generation[0]
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    assert kept_i18n._generation[0] == before + 1
    with translation.override("es"):
        assert template.render({}) == "Inicio"
    assert len(node.kept) == 2


FORMS_OF_THE_BLOCK_TAG = [
    "{% blocktranslate %}No one has opened your record yet.{% endblocktranslate %}",
    "{% blocktranslate trimmed %}\n  No one has opened\n  your record yet.\n"
    "{% endblocktranslate %}",
    "{% blocktranslate trimmed %}No one has opened your record yet.{% endblocktranslate %}"
    "{% blocktranslate trimmed %}No one has opened your record yet.{% endblocktranslate %}",
    "{% blocktranslate asvar said %}Home{% endblocktranslate %}[{{ said }}]",
    "{% blocktranslate with name=word %}Who looked at {{ name }}'s record{% endblocktranslate %}",
    "{% blocktranslate trimmed count count=n %}<strong>{{ count }}</strong> new test result"
    "{% plural %}<strong>{{ count }}</strong> new test results{% endblocktranslate %}",
    "{% blocktrans context kind %}New{% endblocktrans %}",
    "{% blocktranslate %}{{ word }} & <more> 5% off{% endblocktranslate %}",
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("count", [1, 3])
@pytest.mark.parametrize("source", FORMS_OF_THE_BLOCK_TAG)
def test_each_form_of_the_block_tag_draws_what_djangos_draws(source, count, language):
    ours = engines["django"].from_string("{% load i18n %}" + source)
    theirs = django_engine().from_string("{% load i18n %}" + source)
    values = {**VALUES, "n": count}
    with translation.override(language):
        first = ours.render(values)
        assert first == ours.render(values)  # the message ids put together the first time
        assert first == theirs.render(Context(values))


def test_block_words_are_put_together_once_and_kept_per_language_without_names():
    template = engines["django"].from_string(
        "{% load i18n %}{% blocktranslate trimmed %}No one has opened\n"
        "your record yet.{% endblocktranslate %}|{% blocktranslate trimmed with name=word %}"
        "Who looked at {{ name }}'s record{% endblocktranslate %}"
    )
    words, named = [
        node
        for node in template.template.nodelist
        if isinstance(node, kept_i18n.KeptBlockTranslateNode)
    ]
    assert words.keeps and not named.keeps
    with translation.override("es"):
        spanish = template.render({"word": "Nora"})
        assert template.render({"word": "Ana"}) == spanish.replace("Nora", "Ana")
    with translation.override("en"):
        assert template.render({"word": "Nora"}) == (
            "No one has opened your record yet.|Who looked at Nora's record"
        )
    assert spanish.startswith("Nadie ha abierto su expediente todavía.|")
    assert len(words.kept) == 2 and not named.kept
    assert list(named.message_ids.values()) == [("Who looked at %(name)s's record", ("name",))]
