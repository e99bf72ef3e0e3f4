"""Body lines → blocks: paragraphs, headings and list items, each with its place in the
page's reading order."""

from __future__ import annotations

from pipeline.readers.textutil import (
    draft_block,
    ends_sentence,
    join_lines,
    looks_like_heading,
    starts_continuation,
    strip_markers,
)
from schemas.document import Block, BlockKind

from .columns import ColumnLayout
from .lines import BULLETS, median
from .objects import Line, box_around
from .settings import PDF_SETTINGS, PdfSettings


def top_down(x0: float, top: float) -> tuple[int, int, float]:
    """The reading-order key of a one-column page: top to bottom (the shape of :meth:`ColumnLayout.key`)."""
    return 0, 0, top


def lines_to_blocks(
    lines: list[Line],
    body_size: float,
    page_number: int,
    settings: PdfSettings = PDF_SETTINGS,
    vocabulary: set[str] | None = None,
    layout: ColumnLayout | None = None,
) -> list[Block]:
    """Group body lines into paragraphs, headings and list items."""
    return [block for _, block in lines_to_keyed_blocks(lines, body_size, page_number, settings, vocabulary, layout)]


def lines_to_keyed_blocks(
    lines: list[Line],
    body_size: float,
    page_number: int,
    settings: PdfSettings = PDF_SETTINGS,
    vocabulary: set[str] | None = None,
    layout: ColumnLayout | None = None,
) -> list[tuple[tuple, Block]]:
    """Blocks of body lines, each with its place in reading order (the place of its first line).

    On a two-column page (``layout``) the lines come in reading order; a column or band
    goes on with the block before only when it plainly continues its sentence (lower case
    after no stop), else whether it continues is decided as across a page break
    (:func:`pipeline.readers.assemble.join_split_paragraphs`). A lone body-size line that ends a
    column is the first line of a paragraph cut by the column end, never a heading."""
    order = layout.key if layout is not None else top_down
    blocks: list[tuple[tuple, Block]] = []
    group: list[Line] = []
    leading_ratio, size_change = settings.paragraph_leading, settings.block_size_change

    def flush(column_end: bool = False) -> None:
        if group:
            blocks.append(
                (
                    order(group[0].x0, group[0].top),
                    _lines_block(
                        group, body_size, page_number, settings, vocabulary, cut=column_end and layout is not None
                    ),
                )
            )
            group.clear()

    for line in lines:
        if group:
            prev = group[-1]
            leading = line.baseline - prev.baseline
            moved = layout is not None and order(line.x0, line.top)[:2] != order(prev.x0, prev.top)[:2]
            if moved:
                leading = 0.0 if not ends_sentence(prev.text) and starts_continuation(line.text) else float("inf")
            new = (
                leading > leading_ratio * max(prev.size, line.size)
                or abs(line.size - prev.size) > size_change
                or line.bold != prev.bold
                or starts_bullet(line)
            )
            if new:
                flush(column_end=moved)
        group.append(line)
    flush(column_end=True)
    return blocks


def starts_bullet(line: Line) -> bool:
    t = line.text.lstrip()
    return len(t) > 2 and t[0] in BULLETS and t[1] == " "


def _lines_block(
    lines: list[Line],
    body_size: float,
    page_number: int,
    settings: PdfSettings,
    vocabulary: set[str] | None,
    cut: bool = False,
) -> Block:
    text = ""
    for line in lines:
        text = join_lines(text, line.text, vocabulary)
    kind = BlockKind.paragraph
    if starts_bullet(lines[0]):
        kind = BlockKind.list_item
        text = text.lstrip()[1:].lstrip()
    size = median([ln.size for ln in lines])
    clean, refs = strip_markers(text)
    if (
        kind is BlockKind.paragraph
        and len(clean) <= settings.heading_max_chars
        and len(lines) <= settings.heading_max_lines
        and not ends_sentence(clean)
    ):
        if size >= body_size + settings.heading_size_delta or (
            all(ln.bold for ln in lines) and size >= body_size - settings.heading_bold_slack
        ):
            kind = BlockKind.heading
        elif (
            len(lines) == 1
            and not cut
            and abs(size - body_size) < settings.body_size_tolerance
            and looks_like_heading(clean)
        ):
            kind = BlockKind.heading
    bbox = box_around(lines)
    return draft_block(kind, clean, page_number, bbox=bbox, footnote_refs=refs)
