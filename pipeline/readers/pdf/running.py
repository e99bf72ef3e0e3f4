"""Running headers and footers: lines in the page margins that repeat across pages."""

from __future__ import annotations

import re
from collections import Counter

from .objects import Line
from .settings import PDF_SETTINGS, PdfSettings

_DIGITS = re.compile(r"\d+")
_BARE_PAGE_NUMBER = re.compile(r"(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?", re.I)


def _key(line: Line) -> str:
    return _DIGITS.sub("#", line.text.strip().lower())


def mark_running_lines(
    pages_lines: list[tuple[float, list[Line]]], settings: PdfSettings = PDF_SETTINGS
) -> list[set[int]]:
    """Ids of lines per page that are running headers/footers: in the top or bottom
    margin and repeating (digits ignored) on enough pages, or a bare page number."""
    counts: Counter[str] = Counter()
    for height, lines in pages_lines:
        counts.update(margin_keys(height, lines, settings))
    repeated = repeated_keys(counts, len(pages_lines), settings)
    return [running_line_ids(height, lines, repeated, settings) for height, lines in pages_lines]


def _in_margin(line: Line, height: float, margin: float) -> bool:
    return line.top < margin * height or line.bottom > (1 - margin) * height


def margin_keys(height: float, lines: list[Line], settings: PdfSettings = PDF_SETTINGS) -> set[str]:
    """The texts (digits as ``#``) of a page's lines in its top and bottom margins: all a
    page keeps for the search of running lines across pages."""
    margin = settings.running_margin
    return {_key(line) for line in lines if _in_margin(line, height, margin)}


def repeated_keys(counts: Counter[str], n_pages: int, settings: PdfSettings = PDF_SETTINGS) -> set[str]:
    """The margin texts that repeat on enough pages (``counts``: pages per text) to be running lines."""
    if n_pages < settings.running_min_pages:
        return set()
    return {k for k, n in counts.items() if n >= settings.running_min_share * n_pages}


def running_line_ids(
    height: float, lines: list[Line], repeated: set[str], settings: PdfSettings = PDF_SETTINGS
) -> set[int]:
    """Ids of a page's running headers and footers: margin lines whose text repeats, or bare page numbers."""
    margin = settings.running_margin
    return {
        id(line)
        for line in lines
        if _in_margin(line, height, margin)
        and (_key(line) in repeated or _BARE_PAGE_NUMBER.fullmatch(line.text.strip()))
    }
