"""Turn per-page draft blocks into a :class:`Document`: join paragraphs split by page
breaks or footnotes, lay out the normalized text with spans, and give every block its
section path. Both ingest paths (PDF and text) end here, so they agree by construction."""

from __future__ import annotations

import re

from pipeline.readers.textutil import ends_sentence, join_lines, starts_continuation
from schemas.document import Block, BlockKind, FootnoteRef, Page
from schemas.lang import Language, word_pattern

_HEADING_NUMBER = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(\S.*)$", re.S)
_BODY = {BlockKind.paragraph, BlockKind.list_item}
_BETWEEN = {BlockKind.footnote, BlockKind.header, BlockKind.footer}


def is_caption(text: str, lang: Language) -> bool:
    """``Table 1: …`` / ``Figure 2. …`` with the caption words of the report's language."""
    pattern = word_pattern((*lang.captions.table, *lang.captions.figure), re.I, before="^", after=r"\s*\d+\s*[:.\-–]")
    return pattern.match(text.strip()) is not None


def mark_captions(pages: list[Page], lang: Language) -> None:
    """Turn paragraphs and headings that read as table/figure captions into caption blocks."""
    for page in pages:
        for block in page.blocks:
            if block.kind in (BlockKind.paragraph, BlockKind.heading) and is_caption(block.text, lang):
                block.kind = BlockKind.caption


def heading_number(text: str) -> tuple[str | None, str]:
    """Split ``"1.4. Title"`` into ``("1.4", "Title")``; unnumbered headings give ``(None, text)``."""
    m = _HEADING_NUMBER.match(text)
    if m:
        return m.group(1), m.group(2).strip()
    return None, text.strip()


def join_split_paragraphs(
    pages: list[Page], vocabulary: set[str] | None = None, list_headings: tuple[str, ...] = ()
) -> None:
    """Merge a body block that stops mid-sentence with the paragraph that continues it
    after footnotes or a page break. Mutates ``pages``; the continuation block is removed.

    Under a heading in ``list_headings`` (source lists, whose entries never end with a full
    stop) only a block starting in lower case continues the one before."""
    open_block: Block | None = None
    in_list = False
    broken = False  # a page break or footnotes stand between open_block and the next block
    for page in pages:
        broken = open_block is not None
        joined: set[int] = set()  # blocks joined to the one before, by identity: equal-looking blocks stay
        for block in page.blocks:
            if block.kind in _BETWEEN:
                broken = broken or open_block is not None
                continue
            if block.kind is BlockKind.heading:
                in_list = block.text.strip().lower() in list_headings
            if open_block is not None and _next_column(open_block, block):
                broken = True  # the top of the next column: as after a page break
            if (
                open_block is not None
                and block.kind is BlockKind.paragraph
                and (
                    _continues_entry(block.text, open_block.text)
                    if in_list
                    else _continues(open_block.text, block.text, broken)
                )
            ):
                shift = len(join_lines(open_block.text, "x", vocabulary)) - 1
                open_block.footnote_refs = open_block.footnote_refs + [
                    FootnoteRef(number=r.number, offset=r.offset + shift) for r in block.footnote_refs
                ]
                open_block.text = join_lines(open_block.text, block.text, vocabulary)
                open_block.continues = True
                joined.add(id(block))
                broken = False
                continue
            open_block = block if block.kind in _BODY else None
            broken = False
        if joined:  # one pass, not one list.remove (a field-by-field comparison) per joined block
            page.blocks = [block for block in page.blocks if id(block) not in joined]


def _next_column(before: Block, after: Block) -> bool:
    """True when ``after`` starts higher on the page than ``before`` ends: it stands at the
    top of the next column of a two-column page."""
    return (
        before.page == after.page
        and before.bbox is not None
        and after.bbox is not None
        and after.bbox[1] < before.bbox[3] - 1
    )


def _continues(before: str, after: str, broken: bool) -> bool:
    """Does ``after`` continue the sentence ``before`` left open? Across a page break or
    footnotes a missing full stop is enough; on the same page the next block must also
    start in lower case."""
    if broken:
        return not ends_sentence(before) or after[:1].islower()
    return not ends_sentence(before) and starts_continuation(after)


_ENTRY_DATED = re.compile(r"\b(?:1[89]|20)\d\d\b|https?://|\bn\.\s?d\.", re.I)


def _continues_entry(after: str, before: str = "") -> bool:
    """In a source list a new entry starts with a capital or a quote; anything else (lower
    case, a digit, the rest of a URL) continues the entry before. An entry with no year, no
    ``n.d.`` and no address yet is unfinished: what follows it (cut by a page or column
    end) continues it whatever its first letter."""
    first = after.lstrip()[:1]
    if before and not _ENTRY_DATED.search(before):
        return bool(first)
    return bool(first) and not first.isupper() and first not in "\"“‘'«"


def lay_out(pages: list[Page], bibliography_headings: tuple[str, ...] = ()) -> str:
    """Give every block its id, span in the returned text and section path (the blocks of
    one section share one list of its path, which nothing changes in place: a long report's
    blocks are never given a list each)."""
    parts: list[str] = []
    pos = 0
    path: list[tuple[int, str]] = []  # (level, label)
    section: list[str] = []
    for page in pages:
        for i, block in enumerate(page.blocks):
            block.id = f"p{page.number}-b{i}"
            if block.kind is BlockKind.heading:
                number, title = heading_number(block.text)
                if number is not None:
                    level = number.count(".") + 1
                    block.level = level
                    path = [(lv, lb) for lv, lb in path if lv < level] + [(level, number)]
                elif title.lower() in bibliography_headings or not any(lb[0].isdigit() for _, lb in path):
                    block.level = 1
                    path = [(1, title)]
                else:
                    level = max(lv for lv, _ in path) + 1
                    block.level = level
                    path = [(lv, lb) for lv, lb in path if lb[:1].isdigit()] + [(level, title)]
                section = [lb for _, lb in path]
            block.section = section
            if pos:
                parts.append("\n\n")
                pos += 2
            block.start = pos
            parts.append(block.text)
            pos += len(block.text)
            block.end = pos
    return "".join(parts)
