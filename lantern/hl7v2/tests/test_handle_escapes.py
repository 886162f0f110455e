"""Escape sequences are undone only at the leaf value, with python-hl7's `unescape` and two
corrections: its issue #84 (`\\E\\R\\` loses the trailing backslash) and line breaks."""

from __future__ import annotations

import logging

import hl7
import pytest

from lantern.hl7v2.handlers.text import leaf_text, segments

MESSAGE = hl7.parse("MSH|^~\\&|LAB|RIVERSIDE|||20260301||ORU^R01|1|P|2.5.1\r")


@pytest.mark.parametrize(
    ("escaped", "text"),
    [
        ("a\\F\\b", "a|b"),
        ("a\\S\\b", "a^b"),
        ("a\\T\\b", "a&b"),
        ("a\\R\\b", "a~b"),
        ("a\\E\\b", "a\\b"),
        ("\\X41\\\\X42\\", "AB"),
        ("one\\.br\\two", "one\ntwo"),
        ("one\\X0D\\\\X0A\\two", "one\ntwo"),
        ("\\H\\bold\\N\\ plain", "bold plain"),
        ("no escapes at all", "no escapes at all"),
    ],
)
def test_each_escape_sequence_becomes_its_character(escaped, text):
    assert leaf_text(MESSAGE, escaped) == text


def test_python_hl7_drops_the_end_of_an_escape_left_open_and_we_keep_it():
    # python-hl7 issue #84: "\E\" is a backslash, then "R\" is an R and a lone backslash.
    assert MESSAGE.unescape("\\E\\R\\") == "\\R"

    assert leaf_text(MESSAGE, "\\E\\R\\") == "\\R\\"
    assert leaf_text(MESSAGE, "text\\") == "text\\"
    assert leaf_text(MESSAGE, "\\E\\R\\E\\") == "\\R\\"


def test_an_escaped_separator_never_splits_a_field_or_component():
    message = hl7.parse(
        "MSH|^~\\&|LAB|RIVERSIDE|||20260301||ORU^R01|1|P|2.5.1\r"
        "OBX|1|ST|1^Note^L||a\\F\\b\\S\\c\\R\\d\\T\\e|x\r"
    )
    obx = segments(message)[1]

    assert obx.text(5) == "a|b^c~d&e"
    assert obx.text(6) == "x"
    assert len(obx.repetitions(5)) == 1


def test_an_unreadable_escape_logs_nothing_of_the_value(caplog):
    with caplog.at_level(logging.DEBUG):
        text = leaf_text(MESSAGE, "Secret diagnosis \\Zunknown\\ here")

    assert text == "Secret diagnosis  here"
    assert "Secret" not in caplog.text
