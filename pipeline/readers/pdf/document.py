"""The whole PDF: every page read into lines and rules, then laid out into blocks and
tables with what only the whole document tells (body font size, text margins, running
headers, the report's vocabulary, footnotes and tables that run over a page break).

Memory stays near one page's worth of chars (issue 17): each page's chars are grouped into
lines and let go before the next page is read; what layout needs of the whole document is
tallied as the pages go (:class:`Tally`), their lines wait packed (:mod:`.packed`, under a
third of their size as objects; a short report's are not: ``unpacked_pages``), and each page
is unpacked, laid out and let go in turn."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

import pypdfium2 as pdfium

from pipeline.readers.text import table_to_block
from pipeline.readers.textutil import draft_block
from pipeline.readers.textutil import vocabulary as make_vocabulary
from schemas.document import Block, BlockKind, Page
from schemas.errors import CorruptPDFError, TooManyPagesError

from .backend import open_pdf, page_to_char_groups, page_to_rules, xref_points_at_xref
from .blocks import lines_to_keyed_blocks, top_down
from .columns import ColumnLayout, split_columns
from .footnotes import footnote_lines_to_blocks, is_separator, join_footnotes_across_pages, split_footnote_area
from .lines import groups_to_lines, release_chars_of_plain_page, release_prose_chars
from .objects import Line, Rule, box_of
from .ocr import ocr_pages
from .packed import PackedLines, pack_lines, unpack_lines
from .running import margin_keys, repeated_keys, running_line_ids
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


class ReadPdf(NamedTuple):
    """A PDF read: draft pages (blocks without spans), the plain text of all pages (for the
    language), the words of that text (:func:`~pipeline.readers.textutil.vocabulary` of it,
    gathered line by line as the pages are read), and warnings."""

    pages: list[Page]
    text: str
    vocabulary: set[str]
    warnings: list[str]


class ReadPages(NamedTuple):
    """A PDF's pages read, not laid out yet (:func:`read_pdf_pages`): each page's lines
    (packed) and rules, what layout needs of the whole document, and warnings; or, for a PDF
    without a text layer, its pages read by OCR (``ocr``), which need no layout."""

    read: list[ReadPage | None]
    tally: Tally
    warnings: list[str]
    ocr: ReadPdf | None = None


def read_pdf(data: bytes, path: str, settings: PdfSettings = PDF_SETTINGS, max_pages: int | None = None) -> ReadPdf:
    """A PDF's draft pages, plain text, its words and warnings (see :class:`ReadPdf`):
    :func:`read_pdf_pages`, then :func:`lay_out_read`."""
    return lay_out_read(read_pdf_pages(data, path, settings, max_pages), settings)


def read_pdf_pages(
    data: bytes, path: str, settings: PdfSettings = PDF_SETTINGS, max_pages: int | None = None
) -> ReadPages:
    """The first half of :func:`read_pdf`: every page read (the only half that needs the
    file's bytes, which a caller holding no other reference to them can let go before the
    second: a long report's are tens of MB)."""
    with no_cycle_collection():
        return _read(data, path, settings, max_pages)


def lay_out_read(pages: ReadPages, settings: PdfSettings = PDF_SETTINGS) -> ReadPdf:
    """The second half of :func:`read_pdf`: the pages read, laid out (each let go once laid out)."""
    if pages.ocr is not None:
        return pages.ocr
    read, tally, warnings, _ = pages
    del pages
    with no_cycle_collection():
        pages_out, text, warnings = _lay_out(read, tally, settings, warnings)
    return ReadPdf(pages_out, text, tally.words, warnings)


def pdf_to_pages(
    data: bytes, path: str, settings: PdfSettings = PDF_SETTINGS, max_pages: int | None = None
) -> tuple[list[Page], str, list[str]]:
    """Draft pages (blocks without spans) of a PDF, the plain text of all pages (for
    vocabulary and language), and warnings."""
    pages, text, _, warnings = read_pdf(data, path, settings, max_pages)
    return pages, text, warnings


def _read(data: bytes, path: str, settings: PdfSettings, max_pages: int | None) -> ReadPages:
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
        read: list[ReadPage | None] = []
        tally = Tally()
        n_chars = 0
        for i in range(n_pages):
            if i and i % settings.reopen_pages == 0:
                # pdfium keeps the objects of every page it has parsed until the document
                # closes (about 25 kB a page): opened afresh now and then, a long report's
                # memory stays bounded.
                pdf.close()
                pdf = open_pdf(data, path)
            try:
                page = pdf[i]
                width, height = page.get_size()
                textpage = page.get_textpage()
                count, groups = page_to_char_groups(textpage, height, settings)
                rules = page_to_rules(page, height, settings)
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise CorruptPDFError(path, f"page {i + 1} cannot be read ({exc})") from None
            n_chars += count
            lines, layout = split_columns(groups_to_lines(groups, settings), width, settings)
            del groups
            release_prose_chars(lines, rules, width, settings)
            release_chars_of_plain_page(lines, rules)
            tally.add(height, lines, settings)
            held = lines if i < settings.unpacked_pages else pack_lines(lines)
            read.append(ReadPage(width, height, held, rules, layout))
        if n_chars < 10:
            pages, text, warnings = ocr_pages(pdf, path, settings=settings)
            return ReadPages([], Tally(), warnings, ReadPdf(pages, text, make_vocabulary(text), warnings))
    finally:
        pdf.close()
    return ReadPages(read, tally, warnings)


@dataclass(slots=True)
class ReadPage:
    """A page read and waiting for layout: its size, lines (packed past the first
    ``unpacked_pages``), ruling lines and column layout."""

    width: float
    height: float
    lines: PackedLines | list[Line]
    rules: list[Rule]
    layout: ColumnLayout | None


class Tally:
    """What layout needs to know of the whole document, gathered page by page as the pages
    are read (so that no page's lines need to be gone through again before layout): the
    text of all lines, the words of prose lines and of all lines, the text per font size, the
    margin texts per page count and each page's extent of text per font size."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.vocabulary: set[str] = set()
        self.words: set[str] = set()
        """The words of every line: the vocabulary of the plain text (the lines' texts, one a
        line), as no word runs over a line's end; gathered here, that text is not read again."""
        self.sizes: Counter[float] = Counter()
        self.margin_keys: Counter[str] = Counter()
        self.extents: list[dict[float, tuple[float, float]]] = []

    def add(self, height: float, lines: list[Line], settings: PdfSettings = PDF_SETTINGS) -> None:
        if lines:
            self.texts.append("\n".join([ln.text for ln in lines]))
        # The report's own words, from its prose lines only: the fragments of wrapped table
        # cells (``Ouda``/``lan``) must not count as words. (No word runs over a line end.)
        prose = [ln.text for ln in lines if len(ln.segments) == 1]
        if prose:
            words = make_vocabulary("\n".join(prose))
            self.vocabulary |= words
            self.words |= words
        others = [ln.text for ln in lines if len(ln.segments) != 1]
        if others:
            self.words |= make_vocabulary("\n".join(others))
        sizes = self.sizes
        extents: dict[float, tuple[float, float]] = {}
        for ln in lines:
            sizes[round(ln.size, 1)] += len(ln.text)
            known = extents.get(ln.size)
            extents[ln.size] = (ln.x0, ln.x1) if known is None else (min(known[0], ln.x0), max(known[1], ln.x1))
        self.extents.append(extents)
        self.margin_keys.update(margin_keys(height, lines, settings))

    @property
    def n_pages(self) -> int:
        return len(self.extents)

    def body_size(self) -> float:
        """The font size of most of the text."""
        return self.sizes.most_common(1)[0][0] if self.sizes else 10.0

    def text_edges(self, body_size: float, settings: PdfSettings = PDF_SETTINGS) -> tuple[float, float]:
        """The left and right edges of the body text (lines of about ``body_size``) over all pages."""
        tolerance = settings.body_size_tolerance
        near = [
            edges for extents in self.extents for size, edges in extents.items() if abs(size - body_size) < tolerance
        ]
        return min((lo for lo, _ in near), default=0.0), max((hi for _, hi in near), default=0.0)


def lay_out_pages(
    page_data: list[PageLines],
    settings: PdfSettings = PDF_SETTINGS,
    warnings: list[str] | None = None,
    layouts: list[ColumnLayout | None] | None = None,
) -> tuple[list[Page], str, list[str]]:
    """Pages of blocks (tables, paragraphs, headings, running headers and footers,
    footnotes) in reading order, the plain text of all lines, and ``warnings``."""
    tally = Tally()
    read: list[ReadPage | None] = []
    for index, (width, height, lines, rules) in enumerate(page_data):
        tally.add(height, lines, settings)
        held = lines if index < settings.unpacked_pages else pack_lines(lines)
        read.append(ReadPage(width, height, held, rules, layouts[index] if layouts else None))
    return _lay_out(read, tally, settings, list(warnings or []))


def _lay_out(
    read: list[ReadPage | None], tally: Tally, settings: PdfSettings, warnings: list[str]
) -> tuple[list[Page], str, list[str]]:
    """:func:`lay_out_pages` of pages read and tallied; each page's lines are let go once it is laid out."""
    plain = "\n".join(tally.texts)
    tally.texts.clear()  # each page's text, now in ``plain``: not held twice while the pages are laid out
    vocab = tally.vocabulary
    body_size = tally.body_size()
    repeated = repeated_keys(tally.margin_keys, tally.n_pages, settings)
    text_x0, text_x1 = tally.text_edges(body_size, settings)
    text_width = text_x1 - text_x0
    pages: list[Page] = []
    n_tables = 0
    for index, read_page in enumerate(read):
        assert read_page is not None
        read[index] = None
        width, height, rules, layout = read_page.width, read_page.height, read_page.rules, read_page.layout
        lines = unpack_lines(read_page.lines) if isinstance(read_page.lines, PackedLines) else read_page.lines
        del read_page
        run_ids = running_line_ids(height, lines, repeated, settings)
        number = index + 1
        page = Page(number=number, width=width, height=height)
        header_footer = [ln for ln in lines if id(ln) in run_ids]
        content = [ln for ln in lines if id(ln) not in run_ids]
        body, notes = split_footnote_area(content, rules, text_x0, text_width, settings)
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
    return pages, plain, warnings
