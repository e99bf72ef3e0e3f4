"""What a PDF page is read into: chars, the lines they make, and ruling lines.

Coordinates are top-down (``top`` < ``bottom``), in points, like pdfplumber's."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    superscript: bool = False


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
