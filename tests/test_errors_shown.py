"""File names as shown in logs, summaries and JSON (``schemas.errors.shown``)."""

from __future__ import annotations

import sys
import unicodedata

from schemas.errors import CONTROL, shown


def _by_category(text: str) -> str:
    """``shown``'s definition: every character of category Cc escaped, the rest kept."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) == "Cc" else ch for ch in text
    )


def test_the_control_pattern_is_exactly_unicodes_control_characters():
    everything = (chr(c) for c in range(sys.maxunicode + 1))
    assert [ch for ch in everything if CONTROL.fullmatch(ch)] == [
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"
    ]


def test_names_are_escaped_as_their_definition_says():
    names = [
        "report.pdf",
        "rapport d’été 2020.txt",
        "line\nforged.txt",
        "bell\x07\x1b[31mred.pdf",
        "c1\x85\x9f.txt",
        "tab\there.txt",
        "Bericht-Übersicht.pdf",
    ]
    for name in names:
        assert shown(name) == _by_category(name)
    assert shown("line\nforged.txt") == "line\\nforged.txt"
    assert shown(b"caf\xe9.txt") == "caf\\xe9.txt"  # not UTF-8: the byte is shown, not lost
