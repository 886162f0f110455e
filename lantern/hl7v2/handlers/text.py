"""Reading a parsed message: fields by number, repetitions, components, and leaf text unescaped.

python-hl7 nests a field differently by what it holds (a plain string, a repetition of
components, a component of sub-components), so every handler reads fields through `SegmentReader`,
which turns each into repetitions of components of sub-components, still escaped. Escape
sequences are undone only at the leaf (`leaf_text`), after the separators have done their work:
an escaped `\\F\\` or `\\S\\` is text, never a field or component break.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import hl7
import hl7.util

# Formatting codes whose default in python-hl7 is not what a patient should read: highlighting
# on and off (`\H\`, `\N\`) become nothing rather than "_".
_APP_MAP = {"H": "", "N": ""}


class _DropFieldValues(logging.Filter):
    """python-hl7 logs the whole field when it meets an escape it cannot read: that is health
    information, which never goes to a log. Its records are dropped; the value is still read."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


hl7.util.logger.addFilter(_DropFieldValues())


def _open_sequence_start(value: str, escape: str) -> int:
    """Where an escape sequence that never closes begins, or -1 when every one closes."""
    start = -1
    for offset, character in enumerate(value):
        if character == escape:
            start = offset if start < 0 else -1
    return start


def leaf_text(message: hl7.Message, value: str) -> str:
    """One leaf value (a component or sub-component) with its escape sequences undone.

    python-hl7's `unescape` does the work (separators, `\\E\\`, `\\Xhh\\`, formatting codes).
    Two corrections: an escape sequence left open at the end (`\\E\\R\\`, python-hl7 issue
    #84, which drops the trailing characters) is kept as sent, and the line breaks that
    `\\.br\\`, `\\.sp\\` and `\\.ce\\` stand for, and `\\X0D\\\\X0A\\`, become "\\n".
    """
    if not value:
        return ""
    escape = message.esc
    if escape not in value:
        return value
    start = _open_sequence_start(value, escape)
    head, tail = (value, "") if start < 0 else (value[:start], value[start:])
    text = message.unescape(head, app_map=_APP_MAP) + tail
    return text.replace("\r\n", "\n").replace("\r", "\n")


Component = list[str]
Repetition = list[Component]


def _repetitions(field: object) -> list[Repetition]:
    """A python-hl7 field as repetitions of components of sub-components (escaped strings)."""
    if field is None:
        return []
    if isinstance(field, str):
        return [[[field]]]
    repetitions: list[Repetition] = []
    for item in field:  # type: ignore[attr-defined]
        if isinstance(item, str):
            repetitions.append([[item]])
            continue
        repetitions.append(
            [[part] if isinstance(part, str) else [str(sub) for sub in part] for part in item]
        )
    return repetitions


@dataclass(frozen=True)
class SegmentReader:
    """One segment: `name`, its `sequence` among segments of that name (1-based, for ERR-2)."""

    message: hl7.Message
    segment: hl7.Segment
    name: str
    sequence: int
    # A field's repetitions, read once: a handler asks for the same field several times (an OBX
    # value's type, text, unit and range each read a field), and reading one walks python-hl7's
    # containers. The lists returned are shared: callers only read them.
    _read: dict[int, list[Repetition]] = dataclass_field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def location(self, field: int, component: int = 0) -> str:
        """The ERR-2 location of a field ("PID^1^3") or one of its components ("OBX^2^5^1")."""
        parts = [self.name, str(self.sequence), str(field)]
        if component:
            parts += ["1", str(component)]
        return "^".join(parts)

    def repetitions(self, field: int) -> list[Repetition]:
        read = self._read.get(field)
        if read is None:
            if field >= len(self.segment):
                read = []
            else:
                read = [rep for rep in _repetitions(self.segment[field]) if _has_text(rep)]
            self._read[field] = read
        return read

    def raw(self, field: int) -> str:
        """A field as sent, escapes and separators kept (for hashing and for parsing ranges)."""
        return str(self.segment[field]) if field < len(self.segment) else ""

    def text(self, field: int, component: int = 1, sub: int = 1, repetition: int = 0) -> str:
        """One leaf, unescaped and stripped; "" when absent."""
        repetitions = self.repetitions(field)
        if repetition >= len(repetitions):
            return ""
        return rep_text(self.message, repetitions[repetition], component, sub)

    def rep_texts(self, field: int, component: int = 1) -> list[str]:
        """One component of every repetition of a field (non-empty ones)."""
        values = [rep_text(self.message, rep, component) for rep in self.repetitions(field)]
        return [value for value in values if value]


def _has_text(repetition: Repetition) -> bool:
    # `""` is HL7's explicit null: the field is present and empty.
    return any(sub and sub != '""' for component in repetition for sub in component)


def rep_text(message: hl7.Message, repetition: Repetition, component: int = 1, sub: int = 1) -> str:
    if component > len(repetition):
        return ""
    parts = repetition[component - 1]
    if sub > len(parts):
        return ""
    value = parts[sub - 1]
    if value == '""':
        return ""
    return leaf_text(message, value).strip()


def rep_whole_text(message: hl7.Message, repetition: Repetition) -> str:
    """A text repetition (ST, TX, FT) whole: a "^" or "&" sent unescaped inside text is text."""
    component, sub = message.separators[3], message.separators[4]
    raw = component.join(sub.join(parts) for parts in repetition)
    if raw == '""':
        return ""
    return leaf_text(message, raw).strip()


def segments(message: hl7.Message) -> list[SegmentReader]:
    """Every segment in order, each with its sequence among segments of its name."""
    counts: dict[str, int] = {}
    readers = []
    for segment in message:
        name = str(segment[0]).strip().upper() if len(segment) else ""
        counts[name] = counts.get(name, 0) + 1
        readers.append(SegmentReader(message, segment, name, counts[name]))
    return readers
