"""Text units facts are read from: sentences of body blocks, and the entries of
semicolon lists (``JNIM (80 violent events); ISGS (9); …``), each with its span in the
document text, its page, and the footnote that closes it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from schemas.document import Block, BlockKind, Document
from schemas.extraction import SENTENCE_CLOSERS
from schemas.lang import Language

_BODY = (BlockKind.paragraph, BlockKind.list_item)


@dataclass(slots=True)
class Unit:
    text: str
    start: int
    """Offset of ``text`` in the document text."""
    end: int
    block: Block
    index: int
    """Position of the unit in the document (sentences and entries in reading order)."""
    sentence: Unit | None = None
    """For a list entry: the sentence it stands in."""
    footnotes: list[int] = field(default_factory=list)
    footnote_inherited: bool = False
    """True when the footnote is not in the unit but the next one of its paragraph or list."""
    entries: tuple[tuple[int, int], ...] = ()
    """For a sentence that is a list of ``Name (figure)`` entries: their spans in ``text``
    (most units list none, and share the empty tuple)."""

    @property
    def page(self) -> int:
        return self.block.page


_STOP = re.compile(rf"[.?!][{re.escape(SENTENCE_CLOSERS)}]*(?=\s+[A-Z0-9‘'\"“(])")
"""A full stop, question or exclamation mark (and closing quotes or brackets) before space and
a capital, digit or quote: where a sentence may end."""


@cache
def _sentence_rules(lang: Language) -> tuple[frozenset[str], re.Pattern[str]]:
    """The language's abbreviations and its month names after a day (``2. Februar``), once per language."""
    return frozenset(lang.sentences.abbreviations), re.compile(rf"\s+(?:{lang.month_pattern})\b", re.I)


def _word_before(text: str, start: int, stop: int) -> str | None:
    """The run of word characters and full stops that ends right before ``text[stop]`` and
    starts at ``start`` or later (``U.N``, ``Mr``, ``12``), None when there is none: what
    ``re.search(r"([\\w.]+)[.?!]$", text[start : stop + 1])`` finds, read backwards from the stop
    rather than scanned from the sentence's start at every stop."""
    i = stop
    while i > start and (text[i - 1].isalnum() or text[i - 1] in "_."):
        i -= 1
    return text[i:stop] if i < stop else None


def split_sentences(text: str, lang: Language) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a stop (and closing quotes or brackets) followed by
    space and a capital, digit or quote, unless the word before is an abbreviation."""
    abbreviations, month = _sentence_rules(lang)
    spans = []
    start = 0
    for m in _STOP.finditer(text):
        word = _word_before(text, start, m.start())
        if word and m.group().startswith(".") and (word.lower().rstrip(".") in abbreviations or len(word) == 1):
            continue
        if word and m.group() == "." and word.isdigit() and month.match(text, m.end()):
            continue  # "2. Februar": a day written with a full stop
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def closing_footnotes(block: Block, start: int, end: int) -> tuple[list[int], bool]:
    """The marker that closes the block's text span [start, end) (inside it or right at its
    end); with none, the next marker of the paragraph, flagged as inherited."""
    inside = [r.number for r in block.footnote_refs if start < r.offset <= end + 1]
    if inside:
        return [inside[-1]], False
    later = [r.number for r in block.footnote_refs if r.offset > end]
    return ([later[0]], True) if later else ([], False)


_ENTRY = re.compile(r"(?:^|(?<=[;,:])\s*|\band\s+)(?P<name>[A-Z][^;,()]{0,80}?)\s*\(\s*\d[^)]*\)")


def list_entries(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``Name (figure …)`` entries when a sentence lists three or more of them."""
    if text.count("(") < 3:
        return ()  # every entry has its figure in brackets, and it takes three entries
    spans = tuple((m.start("name"), m.end()) for m in _ENTRY.finditer(text))
    return spans if len(spans) >= 3 else ()


def document_units(doc: Document, lang: Language) -> list[Unit]:
    """Sentences of every body block; the ``;``-separated entries of a sentence that is a
    list of ``Name (figure)`` items are units too (after their sentence)."""
    units: list[Unit] = []
    blocks = [
        b
        for b in doc.blocks()
        if b.kind in _BODY and not (b.section and b.section[0].lower() in lang.bibliography_headings)
    ]
    list_notes = _list_footnotes(doc)
    for block in blocks:
        for a, b in split_sentences(block.text, lang):
            notes, inherited = closing_footnotes(block, a, b)
            if not notes and block.id in list_notes:
                notes, inherited = [list_notes[block.id]], True
            sentence = Unit(
                block.text[a:b],
                block.start + a,
                block.start + b,
                block,
                len(units),
                footnotes=notes,
                footnote_inherited=inherited,
            )
            units.append(sentence)
            sentence.entries = list_entries(sentence.text)
            for a2, b2 in sentence.entries:
                units.append(
                    Unit(
                        sentence.text[a2:b2],
                        sentence.start + a2,
                        sentence.start + b2,
                        block,
                        len(units),
                        sentence=sentence,
                        footnotes=sentence.footnotes,
                        footnote_inherited=inherited,
                    )
                )
    return units


def _list_footnotes(doc: Document) -> dict[str, int]:
    """A list whose last item alone carries a marker: that marker for every item."""
    out: dict[str, int] = {}
    run: list[Block] = []
    for block in [*doc.blocks(), None]:
        if block is not None and block.kind is BlockKind.footnote:
            continue
        if block is not None and block.kind is BlockKind.list_item:
            run.append(block)
            continue
        if len(run) >= 2 and run[-1].footnote_refs and not any(b.footnote_refs for b in run[:-1]):
            for b in run[:-1]:
                out[b.id] = run[-1].footnote_refs[-1].number
        run = []
    return out
