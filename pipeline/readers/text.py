"""Ingest of text and markdown renditions of reports.

A form feed (``\f``, as ``pdftotext`` prints) starts a new page. On each page, blank lines
separate chunks; each chunk becomes a block (heading, paragraph, list item, pipe table,
flattened table, caption, footnote). Footnote lines that stood at an old page break
(``¹ Source, title, date``) are kept as footnote blocks and the paragraph they
interrupted is joined again by :func:`pipeline.readers.assemble.join_split_paragraphs`.

Text as it really arrives carries furniture that is not the report's text: running headers
and footers repeated on every page, a web page's "Share this" or a viewer's "Page 3 of 12".
Those lines become header/footer blocks (no facts are read from them) and leave the
paragraph they interrupted whole. Tables flattened to words and numbers are rebuilt by
:mod:`pipeline.readers.flat_tables` when that is unambiguous; footnote markers printed as plain
digits glued to a word are read by :mod:`pipeline.readers.glued_markers`.
"""

from __future__ import annotations

import re

from pipeline.readers.assemble import is_caption
from pipeline.readers.flat_tables import (
    FlatTable,
    NotRebuilt,
    RunTable,
    chart_labels_end,
    lines_to_flat_table,
    lines_to_label_rows,
    paragraph_to_run_table,
)
from pipeline.readers.glued_markers import (
    marker_candidates,
    marker_sequence,
    read_glued_markers,
)
from pipeline.readers.line_layout import (
    MarkerState,
    body_lines_to_chunks,
    is_line_layout,
    long_line_length,
    split_footnote_area,
)
from pipeline.readers.textutil import (
    SUPERSCRIPT_DIGITS,
    draft_block,
    ends_sentence,
    fold_spaces,
    join_all_lines,
    join_lines,
    looks_like_heading,
    strip_markers,
    superscript_to_int,
)
from schemas.document import Block, BlockKind, Cell, FootnoteRef, Page, Table
from schemas.lang import Language

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)\)")
_ANGLE_URL = re.compile(r"<((?:https?|ftp)://[^>\s]+)\s*>")
_HTML_BLOCK_TAG = re.compile(r"</?(?:ol|ul|li|p|br|div|table|tr|td|th)\b[^>]*>", re.I)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*\b[^>]*>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w/\\])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])")
_MD_HEADING_START = re.compile(r"(#{1,6})[ \t]+")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,4}\.?\s+\S")
_BULLET = re.compile(r"^\s*(?:[-*+•▪●◦‣]|\u2013)\s+")
_FOOTNOTE = re.compile(f"^\\s*([{SUPERSCRIPT_DIGITS}]+)\\s*(.*)$", re.S)
_PLAIN_FOOTNOTE = re.compile(r"^\s*(\d{1,3})\s+(\S.*)$", re.S)
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clean_markdown(text: str) -> str:
    """Markdown and inline HTML down to the printed words: links keep their text, emphasis
    marks and tags go, ``<https://…>`` keeps the address."""
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _ANGLE_URL.sub(lambda m: m.group(1), text)
    text = _HTML_BLOCK_TAG.sub(" ", text)
    text = _HTML_TAG.sub("", text)
    text = _STRONG.sub(lambda m: m.group(2), text)
    text = _EM_STAR.sub(lambda m: m.group(1), text)
    text = _EM_UNDERSCORE.sub(lambda m: m.group(1), text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    return fold_spaces(text).strip()


def markdown_heading(line: str) -> str | None:
    """The title of an ATX heading (``## Title ##``), or None. String operations, not one
    backtracking pattern: a long run of spaces inside must cost linear time."""
    m = _MD_HEADING_START.match(line)
    if not m:
        return None
    title = line[m.end() :].rstrip()
    stripped = title.rstrip("#")
    if stripped != title and (not stripped or stripped[-1] in " \t"):
        title = stripped
    return title.strip()


def text_to_chunks(text: str) -> list[list[str]]:
    """Split on blank lines; each chunk is its list of lines (right-stripped)."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _is_unnumbered_heading(line: str, lang: Language) -> bool:
    words = line.split()
    if not words or len(line) > 80 or len(words) > 10:
        return False
    if line.lower() in lang.bibliography_headings:
        return True
    return looks_like_heading(line)


def _split_row(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def pipe_table(lines: list[str], table_id: str) -> Table:
    """Cells of a markdown pipe table (separator rows and all-empty rows dropped)."""
    rows = [_split_row(line) for line in lines if not _TABLE_SEPARATOR.match(line.strip())]
    rows = [r for r in rows if any(c for c in r)]
    n_cols = max((len(r) for r in rows), default=0)
    cells: list[Cell] = []
    for r, row in enumerate(rows):
        for c, raw in enumerate(row):
            clean, refs = strip_markers(clean_markdown(raw))
            cells.append(Cell(row=r, col=c, text=clean, raw=raw, page=1, footnote_refs=refs))
    return Table(id=table_id, page=1, pages=[1], n_rows=len(rows), n_cols=n_cols, cells=cells, ruled=True)


def table_text(table: Table) -> str:
    return "\n".join(" | ".join(row) for row in table.grid())


def table_to_block(table: Table, page: int, locator: str | None = None) -> Block:
    """The table block of every reader: its text is the grid's rows, its box the table's."""
    return draft_block(
        BlockKind.table,
        table_text(table),
        page,
        bbox=table.bbox,
        table=table,
        locator=locator,
    )


def _block(kind: BlockKind, text: str, refs: list[FootnoteRef] | None = None, **extra) -> Block:
    return draft_block(kind, text, 1, footnote_refs=refs or [], **extra)


def flat_table_to_table(flat: FlatTable, table_id: str, page: int = 1) -> Table:
    """A rebuilt flattened table as the document model's table (header row first)."""
    rows = [list(flat.header)] + [[row.label, *row.cells] for row in flat.rows]
    cells = [
        Cell(row=r, col=c, text=fold_spaces(raw).strip(), raw=raw, page=page)
        for r, row in enumerate(rows)
        for c, raw in enumerate(row)
    ]
    return Table(
        id=table_id,
        page=page,
        pages=[page],
        n_rows=len(rows),
        n_cols=len(flat.header),
        cells=cells,
        caption=flat.caption,
        flattened=True,
    )


def label_rows_to_table(rows: list[tuple[str, str]], table_id: str = "t", page: int = 1) -> Table:
    """A cover table read from lines (label, value) as a two-column table."""
    cells = [
        Cell(row=r, col=c, text=fold_spaces(raw).strip(), raw=raw, page=page)
        for r, row in enumerate(rows)
        for c, raw in enumerate(row)
    ]
    return Table(id=table_id, page=page, pages=[page], n_rows=len(rows), n_cols=2, cells=cells, flattened=True)


def _table_block(table: Table) -> Block:
    return _block(BlockKind.table, table_text(table), table=table)


def _caption_title(block: Block, lang: Language) -> str | None:
    """The title a short block right before a flattened table gives it (a contents heading
    printed beside it on the same line dropped), or None for running text."""
    words = block.text.split()
    if (
        block.kind not in (BlockKind.heading, BlockKind.paragraph)
        or not words
        or len(words) > 12
        or ends_sentence(block.text)
    ):
        return None
    contents = {w.lower() for w in lang.text_renditions.contents_headings}
    while words and words[0].lower() in contents:
        words = words[1:]
    return " ".join(words) or None


def chunks_to_blocks(
    chunks: list[list[str]],
    lang: Language,
    vocabulary: set[str] | None = None,
    document: str | None = None,
    marker_numbers: frozenset[int] = frozenset(),
) -> list[Block]:
    """Classify each chunk and turn it into one or more draft blocks. ``document`` (the whole
    text, white space folded) lets a table poured into a paragraph tell the titles of a table
    of contents printed beside it from its row labels; ``marker_numbers`` are the footnote
    markers glued to words in the text, so a chunk of lines that start with those numbers
    is their footnote block."""
    blocks: list[Block] = []
    for lines in chunks:
        blocks.extend(_chunk_blocks(lines, lang, vocabulary, document, blocks, marker_numbers))
    return blocks


def _starts_plain_footnote(line: str, marker_numbers: frozenset[int]) -> bool:
    m = _PLAIN_FOOTNOTE.match(line)
    return bool(m) and int(m.group(1)) in marker_numbers


def _chunk_blocks(
    lines: list[str],
    lang: Language,
    vocabulary: set[str] | None,
    document: str | None,
    before: list[Block],
    marker_numbers: frozenset[int] = frozenset(),
) -> list[Block]:
    first = lines[0].strip()
    if marker_numbers and _starts_plain_footnote(first, marker_numbers):
        return _footnotes(lines, vocabulary, marker_numbers)
    if all(line.lstrip().startswith("|") for line in lines) and len(lines) >= 2:
        table = pipe_table(lines, "t")
        return [_table_block(table)]
    if _FOOTNOTE.match(first):
        return _footnotes(lines, vocabulary)
    if _BULLET.match(first):
        return _list_items(lines, vocabulary)
    not_rebuilt = None
    if len(lines) >= 3:
        found = lines_to_flat_table(lines, lang)
        if found is not None and isinstance(found[2], FlatTable):
            return _line_table_blocks(lines, found, lang, vocabulary, document, before)
        not_rebuilt = found[2].reason if found is not None else None
    joined = join_all_lines(lines, vocabulary)
    md = markdown_heading(joined)
    if md is not None:
        text, refs = strip_markers(clean_markdown(md))
        return [_block(BlockKind.heading, text, refs)]
    labels_end = chart_labels_end(joined, lang)
    if labels_end:
        # a chart's labels run into the paragraph: kept as a caption, never read for facts
        rest = _chunk_blocks([joined[labels_end:]], lang, vocabulary, document, before)
        return [_block(BlockKind.caption, fold_spaces(joined[:labels_end]).strip()), *rest]
    if document is not None:
        run = paragraph_to_run_table(joined, lang, document)
        if isinstance(run, NotRebuilt):
            not_rebuilt = not_rebuilt or run.reason
        elif run is not None:
            return _run_table_blocks(joined, run, lang, vocabulary, document, before)
    text, refs = strip_markers(clean_markdown(joined))
    if not text:
        return []
    if len(lines) == 1 and _NUMBERED_HEADING.match(text) and len(text) <= 150 and not ends_sentence(text):
        kind = BlockKind.heading
    elif len(lines) == 1 and _is_unnumbered_heading(text, lang):
        kind = BlockKind.heading
    else:
        kind = BlockKind.paragraph
    return [_block(kind, text, refs, table_not_rebuilt=not_rebuilt)]


def _line_table_blocks(
    lines: list[str],
    found: tuple[int, int, FlatTable],
    lang: Language,
    vocabulary: set[str] | None,
    document: str | None,
    before: list[Block],
) -> list[Block]:
    """The blocks of a chunk holding a rebuilt line table: the lines before it, its caption
    (the line right above the header, else right below the rows), the table, the rest."""
    start, end, flat = found
    table = flat_table_to_table(flat, "t")
    for at in (start - 1, end):
        if 0 <= at < len(lines) and is_caption(lines[at], lang):
            table.caption = fold_spaces(lines[at]).strip()
            break
    above = table.caption is not None and start - 1 >= 0 and fold_spaces(lines[start - 1]).strip() == table.caption
    below = table.caption is not None and not above
    head, tail = start - above, end + below
    out = _chunk_blocks(lines[:head], lang, vocabulary, document, before) if head else []
    if above:
        out.append(_block(BlockKind.caption, table.caption))
    out.append(_table_block(table))
    if below:
        out.append(_block(BlockKind.caption, table.caption))
    if tail < len(lines):
        out += _chunk_blocks(lines[tail:], lang, vocabulary, document, before + out)
    return out


def _run_table_blocks(
    joined: str, run: RunTable, lang: Language, vocabulary: set[str] | None, document: str, before: list[Block]
) -> list[Block]:
    """The blocks of a paragraph a table was poured into: the text before it, the table (a
    short title block right before it is its caption), the text after it."""
    head = joined[: run.start]
    out = _chunk_blocks([head], lang, vocabulary, None, before) if head.strip() else []
    table = flat_table_to_table(run.table, "t")
    if not out and before:
        title = _caption_title(before[-1], lang)
        if title:
            before[-1].kind = BlockKind.caption
            table.caption = " ".join(filter(None, [title, table.caption]))
    out.append(_table_block(table))
    rest = joined[run.end :].strip()
    if rest:
        out += _chunk_blocks([rest], lang, vocabulary, document, before + out)
    return out


def _footnotes(
    lines: list[str], vocabulary: set[str] | None, marker_numbers: frozenset[int] = frozenset()
) -> list[Block]:
    out: list[Block] = []
    for line in lines:
        m = _FOOTNOTE.match(line)
        plain = _PLAIN_FOOTNOTE.match(line) if _starts_plain_footnote(line, marker_numbers) else None
        if m:
            text, refs = strip_markers(clean_markdown(m.group(2)))
            out.append(_block(BlockKind.footnote, text, refs, footnote_number=superscript_to_int(m.group(1))))
        elif plain:
            out.append(_block(BlockKind.footnote, clean_markdown(plain.group(2)), footnote_number=int(plain.group(1))))
        elif out:
            out[-1].text = join_lines(out[-1].text, clean_markdown(line), vocabulary)
    return out


def _list_items(lines: list[str], vocabulary: set[str] | None) -> list[Block]:
    items: list[str] = []
    for line in lines:
        if _BULLET.match(line):
            items.append(_BULLET.sub("", line, count=1).strip())
        elif items:
            items[-1] = join_lines(items[-1], line.strip(), vocabulary)
    out = []
    for item in items:
        text, refs = strip_markers(clean_markdown(item))
        out.append(_block(BlockKind.list_item, text, refs))
    return out


def text_to_pages(text: str, lang: Language, vocabulary: set[str] | None = None) -> list[Page]:
    """A text input as pages of draft blocks (spans are laid out later): a form feed starts
    a new page; running headers/footers and site boilerplate become header/footer blocks."""
    # U+FFFE is how PDF text exports print a hyphen at a line break
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-")
    raw_pages = text.split("\f")
    while len(raw_pages) > 1 and not raw_pages[-1].strip():
        raw_pages.pop()
    page_lines = [p.split("\n") for p in raw_pages]
    furniture = furniture_lines(page_lines, lang)
    document = fold_spaces(" ".join(text.split()))
    marker_numbers = frozenset(c.number for c in marker_sequence(marker_candidates(text, 0), set()))
    pages = []
    state = MarkerState()
    long = long_line_length([line for lines in page_lines for line in lines])
    # a text printed line by line has hardly any blank line on any page
    line_mode = is_line_layout(
        [line for p, lines in enumerate(page_lines) for i, line in enumerate(lines) if (p, i) not in furniture]
    )
    for number, lines in enumerate(page_lines, start=1):
        blocks: list[Block] = []
        kept = [line for i, line in enumerate(lines) if (number - 1, i) not in furniture]
        if line_mode:
            body_lines, notes = split_footnote_area(kept, state)
            cover = lines_to_label_rows(body_lines, lang) if number == 1 else None
            if cover is not None:
                start, end, rows = cover
                blocks.extend(
                    chunks_to_blocks(
                        body_lines_to_chunks(body_lines[:start], lang, long, state), lang, vocabulary, document
                    )
                )
                blocks.append(_table_block(label_rows_to_table(rows)))
                body_lines = body_lines[end:]
            blocks.extend(
                chunks_to_blocks(body_lines_to_chunks(body_lines, lang, long, state), lang, vocabulary, document)
            )
            blocks.extend(
                _block(kind, fold_spaces(lines[i]).strip())
                for (p, i), kind in sorted(furniture.items())
                if p == number - 1
            )
            for note in notes:
                n, _, rest = note.partition(" ")
                text, refs = strip_markers(clean_markdown(rest))
                blocks.append(_block(BlockKind.footnote, text, refs, footnote_number=int(n)))
        else:
            body: list[str] = []
            for i, line in enumerate(lines):
                kind = furniture.get((number - 1, i))
                if kind is None:
                    body.append(line)
                    continue
                # a furniture line inside a paragraph is dropped from it, so the sentence stays whole
                if _ends_chunk(body, lines, i):
                    blocks.extend(
                        chunks_to_blocks(text_to_chunks("\n".join(body)), lang, vocabulary, document, marker_numbers)
                    )
                    body = []
                blocks.append(_block(kind, fold_spaces(line).strip()))
            blocks.extend(chunks_to_blocks(text_to_chunks("\n".join(body)), lang, vocabulary, document, marker_numbers))
        for block in blocks:
            block.page = number
            if block.table is not None:
                block.table.page, block.table.pages = number, [number]
                for cell in block.table.cells:
                    cell.page = number
        pages.append(Page(number=number, blocks=blocks))
    tables = [b.table for page in pages for b in page.blocks if b.table is not None]
    for i, table in enumerate(tables, start=1):
        table.id = f"t{i}"
    read_glued_markers([b for page in pages for b in page.blocks])
    return pages


def _ends_chunk(body: list[str], lines: list[str], i: int) -> bool:
    """Does the furniture line at ``i`` stand between paragraphs (a blank line or the page
    edge on either side) rather than inside one?"""
    prev_blank = not body or not body[-1].strip()
    next_blank = i + 1 >= len(lines) or not lines[i + 1].strip()
    return prev_blank or next_blank


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", fold_spaces(line).strip().lower())


def furniture_lines(page_lines: list[list[str]], lang: Language) -> dict[tuple[int, int], BlockKind]:
    """(page index, line index) → header/footer for lines that are not the report's text:
    boilerplate of the language file anywhere, a bare page number at a page's edge, and
    lines repeated (digits ignored) at the top or bottom of at least half of three or more
    pages (running headers and footers, as the PDF reader marks them)."""
    boilerplate = {_line_key(w) for w in lang.text_renditions.boilerplate}
    edges: list[list[int]] = []
    for lines in page_lines:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edges.append(filled[:2] + filled[-2:] if len(filled) > 4 else filled)
    outer = [
        {f[0], f[-1]} if (f := [i for i, line in enumerate(lines) if line.strip()]) else set() for lines in page_lines
    ]
    counts: dict[str, int] = {}
    for lines, idx in zip(page_lines, edges, strict=False):
        for key in {_line_key(lines[i]) for i in idx}:
            counts[key] = counts.get(key, 0) + 1
    n_pages = len(page_lines)
    repeated = {k for k, n in counts.items() if n >= max(3, n_pages / 2) and re.search(r"[^\W\d_]", k)}
    out: dict[tuple[int, int], BlockKind] = {}
    for p, (lines, idx) in enumerate(zip(page_lines, edges, strict=False)):
        middle = len(lines) / 2
        for i, line in enumerate(lines):
            key = _line_key(line)
            if not key:
                continue
            at_edge = i in idx
            page_number = n_pages > 1 and i in outer[p] and key in ("#", "- # -", "-#-")
            if key in boilerplate or page_number or (at_edge and key in repeated):
                out[(p, i)] = BlockKind.header if at_edge and i < middle else BlockKind.footer
    return out
