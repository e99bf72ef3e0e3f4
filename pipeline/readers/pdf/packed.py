"""A page's lines in little memory, between reading the page and laying it out (issue 17).

Layout needs what only the whole document tells (body font size, text margins, running
headers, the report's vocabulary), so every page's lines wait until the last page is read.
As :class:`Line` and :class:`Char` objects they hold a float object per coordinate, a list
and a tuple per segment; packed, their numbers sit in arrays of doubles and only their texts
stay Python strings (on 306 pages of the seed: 14.9 MB of objects besides the texts, 3.2 MB
packed). :func:`unpack_lines` gives back lines equal to the packed ones, one page at a time."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from .objects import Char, Line

_FIELDS = 6
"""x0, top, x1, bottom, baseline and size of each line and char."""


@dataclass(slots=True)
class PackedChars:
    """The chars of one line: their texts (one character each), their numbers (x0, top, x1,
    bottom, baseline and size) and their flags (1: bold, 2: a space before)."""

    texts: str | list[str]
    """One string when every char is one character (as pdfium gives them), else a list."""
    numbers: array
    flags: bytes


def pack_chars(chars: list[Char]) -> PackedChars:
    numbers = array("d")
    for c in chars:
        numbers.extend((c.x0, c.top, c.x1, c.bottom, c.baseline, c.size))
    texts = [c.text for c in chars]
    return PackedChars(
        "".join(texts) if all(len(t) == 1 for t in texts) else texts,
        numbers,
        bytes([(1 if c.bold else 0) | (2 if c.space_before else 0) for c in chars]),
    )


def unpack_chars(packed: PackedChars) -> list[Char]:
    numbers, flags = packed.numbers, packed.flags
    return [
        Char(text, *numbers[_FIELDS * k : _FIELDS * k + _FIELDS], bool(flags[k] & 1), bool(flags[k] & 2))
        for k, text in enumerate(packed.texts)
    ]


@dataclass(slots=True)
class PackedLines:
    """The lines of one page: their numbers and segment bounds as doubles, their texts, and
    the chars of the few lines that keep them (table candidates)."""

    numbers: array = field(default_factory=lambda: array("d"))
    bold: bytearray = field(default_factory=bytearray)
    texts: list[str] = field(default_factory=list)
    segment_counts: array = field(default_factory=lambda: array("L"))
    segment_bounds: array = field(default_factory=lambda: array("d"))
    segment_texts: dict[int, list[str]] = field(default_factory=dict)
    """The segments' texts of lines of several segments (one segment's text is the line's)."""
    chars: dict[int, PackedChars] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def pack_lines(lines: list[Line]) -> PackedLines:
    """``lines`` packed (:func:`unpack_lines` gives them back)."""
    packed = PackedLines()
    numbers, bounds, counts = packed.numbers, packed.segment_bounds, packed.segment_counts
    for i, line in enumerate(lines):
        numbers.extend((line.x0, line.top, line.x1, line.bottom, line.baseline, line.size))
        packed.bold.append(1 if line.bold else 0)
        packed.texts.append(line.text)
        segments = line.segments
        counts.append(len(segments))
        for x0, x1, _ in segments:
            bounds.append(x0)
            bounds.append(x1)
        if len(segments) != 1 or segments[0][2] != line.text:
            packed.segment_texts[i] = [text for _, _, text in segments]
        if line.chars:
            packed.chars[i] = pack_chars(line.chars)
    return packed


def unpack_lines(packed: PackedLines) -> list[Line]:
    """The lines that were packed, equal field by field (a line without chars has an empty list)."""
    lines: list[Line] = []
    numbers, bounds, counts = packed.numbers, packed.segment_bounds, packed.segment_counts
    segment_texts, chars, bold = packed.segment_texts, packed.chars, packed.bold
    at = 0
    for i, text in enumerate(packed.texts):
        x0, top, x1, bottom, baseline, size = numbers[_FIELDS * i : _FIELDS * i + _FIELDS]
        n = counts[i]
        texts = segment_texts.get(i) or [text]
        segments = [(bounds[at + 2 * j], bounds[at + 2 * j + 1], texts[j]) for j in range(n)]
        at += 2 * n
        lines.append(
            Line(
                chars=unpack_chars(chars[i]) if i in chars else [],
                x0=x0,
                top=top,
                x1=x1,
                bottom=bottom,
                baseline=baseline,
                size=size,
                bold=bool(bold[i]),
                text=text,
                segments=segments,
            )
        )
    return lines
