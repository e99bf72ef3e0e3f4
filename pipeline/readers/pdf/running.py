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
    margin = settings.running_margin
    margin_keys: Counter[str] = Counter()
    for height, lines in pages_lines:
        seen = set()
        for line in lines:
            if line.top < margin * height or line.bottom > (1 - margin) * height:
                seen.add(_key(line))
        margin_keys.update(seen)
    n_pages = len(pages_lines)
    repeated = {
        k
        for k, n in margin_keys.items()
        if n_pages >= settings.running_min_pages and n >= settings.running_min_share * n_pages
    }
    out = []
    for height, lines in pages_lines:
        ids = set()
        for line in lines:
            in_margin = line.top < margin * height or line.bottom > (1 - margin) * height
            if in_margin and (_key(line) in repeated or _BARE_PAGE_NUMBER.fullmatch(line.text.strip())):
                ids.add(id(line))
        out.append(ids)
    return out
