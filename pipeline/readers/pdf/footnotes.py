"""Footnotes: the area under the separator rule, one block per note, and a note that runs
on over a page break joined to its start."""

from __future__ import annotations

import re
from operator import attrgetter

from pipeline.readers.textutil import SUPERSCRIPT_DIGITS, draft_block, join_lines, strip_markers, superscript_to_int
from schemas.document import Block, BlockKind, Page

from .objects import Line, Rule, box_of
from .settings import PDF_SETTINGS, PdfSettings

_MARKER = re.compile(f"^([{SUPERSCRIPT_DIGITS}]+)\\s*")


def is_separator(
    rule: Rule, rules: list[Rule], text_x0: float, text_width: float, settings: PdfSettings = PDF_SETTINGS
) -> bool:
    """A footnote separator: a short horizontal rule at the left margin that no vertical
    rule meets (a table's border is met by its column lines)."""
    if not (
        rule.horizontal
        and (rule.x1 - rule.x0) <= settings.footnote_rule_max_width * text_width
        and abs(rule.x0 - text_x0) <= settings.footnote_rule_indent
    ):
        return False
    tol = settings.intersection_tolerance
    return not any(
        not v.horizontal and rule.x0 - tol <= v.x0 <= rule.x1 + tol and v.top - tol <= rule.top <= v.bottom + tol
        for v in rules
    )


def split_footnote_area(
    lines: list[Line], rules: list[Rule], text_x0: float, text_width: float, settings: PdfSettings = PDF_SETTINGS
) -> tuple[list[Line], list[Line]]:
    """Body lines and footnote lines, split at the lowest separator rule with a line below it."""
    lowest = max((ln.top for ln in lines), default=None)
    candidates = [
        r
        for r in rules
        if lowest is not None and lowest > r.bottom and is_separator(r, rules, text_x0, text_width, settings)
    ]
    if candidates:
        sep = max(candidates, key=attrgetter("top"))
        return [ln for ln in lines if ln.bottom <= sep.top + 1], [ln for ln in lines if ln.top > sep.bottom - 1]
    return lines, []


def footnote_lines_to_blocks(lines: list[Line], page_number: int, vocabulary: set[str] | None = None) -> list[Block]:
    """One block per footnote: a line starting with a marker opens one, others continue it.
    A first line with no marker continues the previous page's last footnote (``footnote_number`` None)."""
    blocks: list[Block] = []
    for line in lines:
        m = _MARKER.match(line.text)
        if m:
            blocks.append(
                draft_block(
                    BlockKind.footnote,
                    line.text[m.end() :],
                    page_number,
                    bbox=box_of(line),
                    footnote_number=superscript_to_int(m.group(1)),
                )
            )
        elif blocks:
            b = blocks[-1]
            b.text = join_lines(b.text, line.text, vocabulary)
            b.bbox = (min(b.bbox[0], line.x0), b.bbox[1], max(b.bbox[2], line.x1), line.bottom)
        else:
            blocks.append(
                draft_block(
                    BlockKind.footnote,
                    line.text,
                    page_number,
                    bbox=box_of(line),
                    footnote_number=None,
                )
            )
    for b in blocks:
        b.text, b.footnote_refs = strip_markers(b.text)
    return blocks


def join_footnotes_across_pages(pages: list[Page]) -> None:
    """A footnote block without a number (the first on its page) is the rest of the last
    footnote before it: its text goes there and the block goes."""
    last: Block | None = None
    for page in pages:
        kept = []
        for block in page.blocks:
            if block.kind is BlockKind.footnote:
                if block.footnote_number is None and last is not None:
                    last.text = join_lines(last.text, block.text)
                    continue
                last = block
            kept.append(block)
        if len(kept) != len(page.blocks):
            page.blocks[:] = kept
