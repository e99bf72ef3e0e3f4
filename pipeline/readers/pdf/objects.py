"""What a PDF page is read into: chars, the lines they make, and ruling lines.

Coordinates are top-down (``top`` < ``bottom``), in points, like pdfplumber's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from schemas.document import BBox


class Boxed(Protocol):
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class Char:
    """One printed character with its loose box, baseline, font size and weight."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float
    bold: bool
    space_before: bool = False


@dataclass(slots=True)
class Line:
    """Chars on one baseline (superscripts folded in), with its text and its segments: the
    runs of text between gaps wider than ``segment_gap`` (table cells, cover-page columns)."""

    chars: list[Char]
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float
    bold: bool
    text: str = ""
    segments: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass(slots=True)
class Rule:
    """A thin path object: a ruling line, a table border or the footnote separator."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


def box_of(item: Boxed) -> BBox:
    """The :data:`BBox` of one char, line or rule."""
    return (item.x0, item.top, item.x1, item.bottom)


def box_around(items: Iterable[Boxed]) -> BBox:
    """The smallest :data:`BBox` holding every one of ``items`` (chars, lines, rules; at least one)."""
    return union_boxes(box_of(item) for item in items)


def union_boxes(boxes: Iterable[BBox]) -> BBox:
    """The smallest :data:`BBox` holding every one of ``boxes`` (at least one)."""
    x0s, tops, x1s, bottoms = zip(*boxes, strict=True)
    return (min(x0s), min(tops), max(x1s), max(bottoms))
