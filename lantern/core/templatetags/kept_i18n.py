"""Django's `i18n` template library, with `{% translate "words" %}` worded once per language
and each `{% blocktranslate %}`'s message ids put together once.

Registered as `i18n` (settings.TEMPLATES, "libraries"), so `{% load i18n %}` loads it: every tag
and filter is Django's own. The one change: a `{% translate %}` of quoted words (no variable, no
filter, a quoted context if any) keeps what it drew for each language, because those words are
the same on every page in that language. Drawing it took about ten microseconds (a lazy string,
the translation catalog looked up, the text escaped); a page draws thirty of them, some pages
over a hundred. Any other `{% translate %}` is drawn each time, as Django draws it. A changed
setting (a test's languages or catalogs) forgets what was kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import Parser, Token, TokenType, Variable
from django.templatetags import i18n as django_i18n
from django.utils import translation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# Bumped on a changed setting: the words kept before it are not used again.
_generation = [0]


class KeptTranslateNode(django_i18n.TranslateNode):
    """Django's TranslateNode that, for quoted words, draws them once per language."""

    def __init__(self, node: django_i18n.TranslateNode) -> None:
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.kept: dict[tuple[Any, ...], str] = {}
        self.keeps = _constant(node)

    def render(self, context: template.Context) -> str:
        if not self.keeps:
            return super().render(context)
        key = (translation.get_language(), context.autoescape, _generation[0])
        return _drawn_once(self, context, key, super().render)


def _drawn_once(
    node: KeptTranslateNode | KeptBlockTranslateNode,
    context: template.Context,
    key: tuple[Any, ...],
    draw: Callable[[template.Context], str],
) -> str:
    """What `node` draws under `key`, drawn by Django (`draw`) the first time, into a throwaway
    layer of the context when the tag keeps it in a name, and kept in `node.kept`."""
    value = node.kept.get(key)
    if value is None:
        with context.push():
            drawn = draw(context)
            value = context[node.asvar] if node.asvar else drawn
        node.kept[key] = value
    if node.asvar:
        context[node.asvar] = value
        return ""
    return value


def _constant(node: django_i18n.TranslateNode) -> bool:
    """Whether the tag draws the same thing every time in a language: quoted words, no filter,
    and no context or a quoted one."""
    expression = node.filter_expression
    if expression.filters or not isinstance(expression.var, Variable):
        return False
    if expression.var.literal is None:
        return False
    context = node.message_context
    if context is None:
        return True
    # A quoted context is compiled to its text; a name, to a Variable without a literal.
    literal = isinstance(context.var, str) or getattr(context.var, "literal", None) is not None
    return literal and not context.filters


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> KeptTranslateNode:
    return KeptTranslateNode(django_i18n.do_translate(parser, token))


class KeptBlockTranslateNode(django_i18n.BlockTranslateNode):
    """Django's BlockTranslateNode with its message ids put together once, not on each drawing
    (joined from the tag's text and names, and for `trimmed` its whitespace folded by a regular
    expression: about half of what drawing one cost); words with no name, count or context are
    drawn once per language, as quoted `{% translate %}` words are."""

    def __init__(self, node: django_i18n.BlockTranslateNode) -> None:
        super().__init__(
            node.extra_context,
            node.singular,
            node.plural,
            node.countervar,
            node.counter,
            node.message_context,
            node.trimmed,
            node.asvar,
            node.tag_name,
        )
        self.message_ids: dict[int, tuple[str, tuple[str, ...]]] = {}
        self.kept: dict[tuple[Any, ...], str] = {}
        self.keeps = not (
            node.plural
            or node.message_context
            or node.extra_context
            or any(token.token_type != TokenType.TEXT for token in node.singular)
        )

    def render_token_list(self, tokens: list) -> tuple[str, list[str]]:
        kept = self.message_ids.get(id(tokens))
        if kept is None:
            message, names = super().render_token_list(tokens)
            kept = self.message_ids[id(tokens)] = (message, tuple(names))
        return kept[0], list(kept[1])

    def render(self, context: template.Context, nested: bool = False) -> str:
        if not self.keeps or nested:
            return super().render(context, nested)
        key = (translation.get_language(), _generation[0])
        return _drawn_once(self, context, key, super().render)


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser: Parser, token: Token) -> KeptBlockTranslateNode:
    return KeptBlockTranslateNode(django_i18n.do_block_translate(parser, token))


def kept_words_forget(**_kwargs: Any) -> None:
    _generation[0] += 1


setting_changed.connect(kept_words_forget, dispatch_uid="lantern-kept-i18n")
