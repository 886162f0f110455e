"""What the translation check reads (issue 17): patient-facing templates and modules, the text a
person would see that is not marked for translation, and the marked text the Spanish catalogs
do not translate. `lantern/core/tests/test_translations.py` runs it in CI.

Patient-facing means every template and module of the apps patients and proxies use, except
files for staff (a `staff` folder or a `staff` in the file's name). Staff pages may stay in English.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]

PATIENT_APPS = (
    "accounts",
    "appointments",
    "audit",
    "downloads",
    "enrollment",
    "family",
    "fhir_api",
    "home",
    "messaging",
    "mfa",
    "notifications",
    "pages",
    "record",
    "refills",
    "results",
    "support",
    "webapp",
)
# Words that are the same in every language Lantern speaks: names of formats and of the product.
SAME_IN_EVERY_LANGUAGE = frozenset({"Lantern", "PDF", "FHIR", "SMART", "JSON", "HL7", "MRN"})
# Attributes whose words a person sees or hears.
SPOKEN_ATTRIBUTES = frozenset(
    {"aria-label", "aria-description", "aria-roledescription", "alt", "title", "placeholder"}
)
GETTEXT_NAMES = frozenset(
    {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
     "npgettext", "npgettext_lazy"}
)  # fmt: skip
MARK = "\u00a7"  # stands for a translated or computed piece while the words around it are read


def is_staff_file(path: Path) -> bool:
    return (
        "staff" in path.parts
        or "staff" in path.stem
        or path.parts[-2:] == ("layouts", "staff.html")
    )


def patient_templates() -> list[Path]:
    found = sorted((ROOT / "templates").rglob("*.html"))
    for app in PATIENT_APPS:
        folder = ROOT / "lantern" / app / "templates"
        found += sorted(p for p in folder.rglob("*") if p.suffix in {".html", ".txt"})
    return [path for path in found if not is_staff_file(path.relative_to(ROOT))]


def patient_modules() -> list[Path]:
    found = []
    for app in PATIENT_APPS:
        for path in sorted((ROOT / "lantern" / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if {"tests", "migrations", "management"} & set(relative.parts):
                continue
            if not is_staff_file(relative):
                found.append(path)
    return found


class _SeenWords(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden_depth += 1
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self.pieces.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.pieces.append(data)


def _words_left(text: str) -> str:
    text = text.replace(MARK, " ")
    words = re.findall(r"[^\W\d_][\w'\u2019-]*", text)
    return " ".join(word for word in words if word not in SAME_IN_EVERY_LANGUAGE)


def untranslated_text(source: str) -> list[str]:
    """The words of a template a person would see that are not inside a translation tag."""
    kept: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        contents = token.contents.strip()
        if token.token_type == TokenType.BLOCK:
            name = contents.split()[0] if contents else ""
            if skip_until:
                if name == skip_until:
                    skip_until = None
                    kept.append(MARK)
                continue
            if name in {"blocktranslate", "blocktrans"}:
                skip_until = "end" + name
            elif name == "comment":
                skip_until = "endcomment"
            elif name in {"translate", "trans"}:
                kept.append(MARK)
            else:
                kept.append(" ")
        elif skip_until:
            continue
        elif token.token_type == TokenType.VAR:
            kept.append(MARK)
        elif token.token_type == TokenType.TEXT:
            kept.append(token.contents)
    parser = _SeenWords()
    parser.feed("".join(kept))
    parser.close()
    return [left for piece in parser.pieces if (left := _words_left(piece))]


_CALL = re.compile(r"\b(n?p?gettext|_)\(")
_STRING_ARGUMENT = re.compile(r"""\s*u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*,?""")


def _strings_after(code: str, position: int) -> list[str]:
    strings = []
    while match := _STRING_ARGUMENT.match(code, position):
        strings.append(ast.literal_eval(match.group(1)))
        position = match.end()
    return strings


def _catalog_keys(name: str, strings: list[str]) -> list[object]:
    """The keys a gettext catalog stores a call's message under."""
    if name.startswith("np"):
        return [(f"{strings[0]}\x04{strings[1]}", 0)] if len(strings) >= 3 else []
    if name.startswith("n"):
        return [(strings[0], 0)] if len(strings) >= 2 else []
    if name.startswith("p"):
        return [f"{strings[0]}\x04{strings[1]}"] if len(strings) >= 2 else []
    return strings[:1]


def template_messages(source: str) -> list[object]:
    """The catalog keys of every message a template marks for translation."""
    code = templatize(source)
    keys: list[object] = []
    for call in _CALL.finditer(code):
        keys += _catalog_keys(call.group(1), _strings_after(code, call.end()))
    return keys


def module_messages(source: str) -> list[object]:
    """The catalog keys of every message a module marks with gettext and friends."""
    keys: list[object] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_NAMES:
            continue
        strings = [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        keys += _catalog_keys(name.removesuffix("_lazy").lstrip("_") or "gettext", strings)
    return keys


def messages_of(path: Path) -> list[object]:
    """The catalog keys a template or a module marks for translation."""
    read = module_messages if path.suffix == ".py" else template_messages
    return read(path.read_text())
