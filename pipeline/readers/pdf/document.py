"""The whole PDF: every page read into lines and rules, then laid out into blocks and
tables with what only the whole document tells (body font size, text margins, running
headers, the report's vocabulary, footnotes and tables that run over a page break)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter

import pypdfium2 as pdfium

from pipeline.readers.text import table_to_block
from pipeline.readers.textutil import draft_block
from pipeline.readers.textutil import vocabulary as make_vocabulary
from schemas.document import Block, BlockKind, Page
from schemas.errors import CorruptPDFError, TooManyPagesError

from .backend import open_pdf, page_to_chars, page_to_rules, xref_points_at_xref
from .blocks import lines_to_keyed_blocks, top_down
from .columns import ColumnLayout, split_columns
from .footnotes import footnote_lines_to_blocks, is_separator, join_footnotes_across_pages, split_footnote_area
from .lines import chars_to_lines, release_chars_of_plain_page, release_prose_chars
from .objects import Line, Rule, box_of
from .ocr import ocr_pages
from .running import mark_running_lines
from .settings import PDF_SETTINGS, PdfSettings
from .tables import aligned_runs, grid_to_table, join_continued_tables, lines_to_aligned_table, rules_to_grids

PageLines = tuple[float, float, list[Line], list[Rule]]
"""A page read: its width, height, lines and ruling lines."""

_FIRST = itemgetter(0)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused (as it was before, after). Reading makes about 3,500
    objects per page (chars, lines) that hold no reference cycle, so reference counting
    frees them; each of the collector's passes would only walk every object read so far
    again (15 full passes over a 306-page report, about a third of the reading time). The
    little cyclic garbage reading leaves (pypdfium2's text-page handles, ~3 objects a page)
    waits for the first pass after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pdf_to_pages(
    data: bytes, path: str, settings: PdfSettings = PDF_SETTINGS, max_pages: int | None = None
) -> tuple[list[Page], str, list[str]]:
    """Draft pages (blocks without spans) of a PDF, the plain text of all pages (for
    vocabulary and language), and warnings."""
    with no_cycle_collection():
        return _read(data, path, settings, max_pages)


def _read(data: bytes, path: str, settings: PdfSettings, max_pages: int | None) -> tuple[list[Page], str, list[str]]:
    pdf = open_pdf(data, path)
    warnings: list[str] = []
    if not xref_points_at_xref(data):
        warnings.append(
            "the PDF's cross-reference table is damaged; pdfium rebuilt it, so check that no page is missing"
        )
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise CorruptPDFError(path, "the PDF has no pages")
        if max_pages is not None and n_pages > max_pages:
            raise TooManyPagesError(
                path,
                f"the PDF has {n_pages} pages, more than the limit of {max_pages} "
                "(raise it with --max-pages for a long compilation)",
                "max_pages",
            )
        page_data: list[PageLines] = []
        layouts: list[ColumnLayout | None] = []
        n_chars = 0
        for i in range(n_pages):
            try:
                page = pdf[i]
                width, height = page.get_size()
                textpage = page.get_textpage()
                chars = page_to_chars(textpage, height, settings)
                rules = page_to_rules(page, height, settings)
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise CorruptPDFError(path, f"page {i + 1} cannot be read ({exc})") from None
            n_chars += len(chars)
            lines, layout = split_columns(chars_to_lines(chars, settings), width, settings)
            release_prose_chars(lines, rules, width, settings)
            release_chars_of_plain_page(lines, rules)
            page_data.append((width, height, lines, rules))
            layouts.append(layout)
        if n_chars < 10:
            return ocr_pages(pdf, path, settings=settings)
    finally:
        pdf.close()
    return lay_out_pages(page_data, settings, warnings, layouts)


def lay_out_pages(
    page_data: list[PageLines],
    settings: PdfSettings = PDF_SETTINGS,
    warnings: list[str] | None = None,
    layouts: list[ColumnLayout | None] | None = None,
) -> tuple[list[Page], str, list[str]]:
    """Pages of blocks (tables, paragraphs, headings, running headers and footers,
    footnotes) in reading order, the plain text of all lines, and ``warnings``."""
    all_lines = [(h, lines) for _, h, lines, _ in page_data]
    plain = "\n".join(ln.text for _, lines in all_lines for ln in lines)
    # The report's own words, from its prose lines only: the fragments of wrapped table
    # cells (``Ouda``/``lan``) must not count as words.
    vocab = make_vocabulary("\n".join(ln.text for _, lines in all_lines for ln in lines if len(ln.segments) == 1))
    sizes = Counter()
    for _, lines in all_lines:
        for ln in lines:
            sizes[round(ln.size, 1)] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    running = mark_running_lines(all_lines, settings)
    tolerance = settings.body_size_tolerance
    body_lines = [ln for _, lines in all_lines for ln in lines if abs(ln.size - body_size) < tolerance]
    text_x0 = min((ln.x0 for ln in body_lines), default=0.0)
    text_x1 = max((ln.x1 for ln in body_lines), default=0.0)
    text_width = text_x1 - text_x0
    pages: list[Page] = []
    n_tables = 0
    for index, ((width, height, _, rules), (_, lines), run_ids) in enumerate(
        zip(page_data, all_lines, running, strict=True)
    ):
        number = index + 1
        page = Page(number=number, width=width, height=height)
        header_footer = [ln for ln in lines if id(ln) in run_ids]
        content = [ln for ln in lines if id(ln) not in run_ids]
        body, notes = split_footnote_area(content, rules, text_x0, text_width, settings)
        layout = layouts[index] if layouts else None
        order = layout.key if layout is not None else top_down
        if layout is not None:
            body.sort(key=lambda ln: order(ln.x0, ln.top))
        placed: list[tuple[tuple, Block]] = []
        for grid in rules_to_grids(
            [r for r in rules if not is_separator(r, rules, text_x0, text_width, settings)], settings
        ):
            n_tables += 1
            table, used = grid_to_table(grid, body, number, f"t{n_tables}", settings)
            body = [ln for ln in body if id(ln) not in used]
            placed.append((order(table.bbox[0], table.bbox[1]), table_to_block(table, number)))
        for run in aligned_runs(body, settings):
            n_tables += 1
            table = lines_to_aligned_table(run, number, f"t{n_tables}", settings, vocab)
            ids = {id(ln) for ln in run}
            body = [ln for ln in body if id(ln) not in ids]
            placed.append((order(table.bbox[0], table.bbox[1]), table_to_block(table, number)))
        placed += lines_to_keyed_blocks(body, body_size, number, settings, vocab, layout)
        placed.sort(key=_FIRST)
        blocks = [b for _, b in placed]
        for line in header_footer:
            kind = BlockKind.header if line.top < height / 2 else BlockKind.footer
            blocks.append(
                draft_block(
                    kind,
                    line.text,
                    number,
                    bbox=box_of(line),
                )
            )
        blocks += footnote_lines_to_blocks(notes, number, vocab)
        page.blocks = blocks
        pages.append(page)
    join_footnotes_across_pages(pages)
    join_continued_tables(pages, vocab)
    tables = [b.table for page in pages for b in page.blocks if b.table is not None]
    for i, table in enumerate(tables, start=1):
        table.id = f"t{i}"
        table.cells.sort(key=lambda c: (c.row, c.col))
    return pages, plain, list(warnings or [])
