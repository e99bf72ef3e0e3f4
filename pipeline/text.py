"""Ingest of text and markdown renditions of reports.

Blank lines separate chunks; each chunk becomes a block (heading, paragraph, list item,
pipe table, caption, footnote). Footnote lines that stood at an old page break
(``¹ Source, title, date``) are kept as footnote blocks and the paragraph they
interrupted is joined again by :func:`pipeline.assemble.join_split_paragraphs`.
"""

from __future__ import annotations

import re

from extractors.lang import Language
from pipeline.textutil import SUPERSCRIPT_DIGITS, ends_sentence, looks_like_heading, fold_spaces, join_lines, strip_markers, superscript_to_int
from schemas.document import Block, BlockKind, Cell, FootnoteRef, Page, Table

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)\)")
_ANGLE_URL = re.compile(r"<((?:https?|ftp)://[^>\s]+)\s*>")
_HTML_BLOCK_TAG = re.compile(r"</?(?:ol|ul|li|p|br|div|table|tr|td|th)\b[^>]*>", re.I)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*\b[^>]*>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w/\\])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,4}\.?\s+\S")
_BULLET = re.compile(r"^\s*(?:[-*+•▪●◦‣]|\u2013)\s+")
_FOOTNOTE = re.compile(f"^\\s*([{SUPERSCRIPT_DIGITS}]+)\\s*(.*)$", re.S)
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


def _block(kind: BlockKind, text: str, refs: list[FootnoteRef] | None = None, **extra) -> Block:
    return Block(id="", kind=kind, text=text, page=1, start=0, end=0, footnote_refs=refs or [], **extra)


def chunks_to_blocks(chunks: list[list[str]], lang: Language, vocabulary: set[str] | None = None) -> list[Block]:
    """Classify each chunk and turn it into one or more draft blocks."""
    blocks: list[Block] = []
    n_tables = 0
    for lines in chunks:
        first = lines[0].strip()
        if all(line.lstrip().startswith("|") for line in lines) and len(lines) >= 2:
            n_tables += 1
            table = pipe_table(lines, f"t{n_tables}")
            blocks.append(_block(BlockKind.table, table_text(table), table=table))
            continue
        if _FOOTNOTE.match(first):
            blocks.extend(_footnotes(lines, vocabulary))
            continue
        if _BULLET.match(first):
            blocks.extend(_list_items(lines, vocabulary))
            continue
        joined = lines[0].strip()
        for line in lines[1:]:
            joined = join_lines(joined, line.strip(), vocabulary)
        md = _MD_HEADING.match(joined)
        if md:
            text, refs = strip_markers(clean_markdown(md.group(2)))
            blocks.append(_block(BlockKind.heading, text, refs))
            continue
        text, refs = strip_markers(clean_markdown(joined))
        if not text:
            continue
        if len(lines) == 1 and _NUMBERED_HEADING.match(text) and len(text) <= 150 and not ends_sentence(text):
            kind = BlockKind.heading
        elif len(lines) == 1 and _is_unnumbered_heading(text, lang):
            kind = BlockKind.heading
        else:
            kind = BlockKind.paragraph
        blocks.append(_block(kind, text, refs))
    return blocks


def _footnotes(lines: list[str], vocabulary: set[str] | None) -> list[Block]:
    out: list[Block] = []
    for line in lines:
        m = _FOOTNOTE.match(line)
        if m:
            text, refs = strip_markers(clean_markdown(m.group(2)))
            out.append(_block(BlockKind.footnote, text, refs, footnote_number=superscript_to_int(m.group(1))))
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
    """A text input as one page of draft blocks (spans are laid out later)."""
    text = text.lstrip("\ufeff")
    return [Page(number=1, blocks=chunks_to_blocks(text_to_chunks(text), lang, vocabulary))]
