"""`{% frame_fragment "name" variant key ... %}…{% endframe_fragment %}`: a part of the page
frame that is the same for everyone who sees it with the same variant and keys (the menus; the
stylesheets, the footer and the scripts of base.html), drawn once per process.

The menus are drawn on every page and took about a third of the frame's time. What they show
depends only on the kind of account (the variant), the page's section (a key) and the page's
language, so their HTML is kept in this process's memory after it is first drawn. Nothing about
a patient may go into a fragment: an empty variant (a proxy's menu, which leads into someone's
record) draws it every time and keeps nothing. Never put a CSRF token or anything else of one
session inside. With DEBUG on nothing is kept, so an edited template shows at once; a changed
setting (a test's override: the clinic's name, the static files' addresses) forgets them all.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Far more than the kinds of account times the sections; past it, fragments are drawn each time.
KEPT_FRAGMENTS = 500
_fragments: dict[tuple[Any, ...], SafeString] = {}


class FrameFragmentNode(template.Node):
    def __init__(self, nodelist: NodeList, keys: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context: template.Context) -> str:
        # The name, the variant, then the other keys, and the page's language: the menus' words
        # are translated, so a fragment drawn in Spanish is kept apart from the English one.
        cache_key = (*(key.resolve(context) for key in self.keys), translation.get_language())
        if not cache_key[1] or settings.DEBUG:
            return self.nodelist.render(context)
        fragment = _fragments.get(cache_key)
        if fragment is None:
            fragment = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered HTML)
            if len(_fragments) < KEPT_FRAGMENTS:
                _fragments[cache_key] = fragment
        return fragment


def fragments_forget(**_kwargs: Any) -> None:
    _fragments.clear()


setting_changed.connect(fragments_forget, dispatch_uid="lantern-frame-fragments")


@register.tag
def frame_fragment(parser: Parser, token: Token) -> FrameFragmentNode:
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError("frame_fragment needs a name and a variant.")
    nodelist = parser.parse(("endframe_fragment",))
    parser.delete_first_token()
    return FrameFragmentNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]])
