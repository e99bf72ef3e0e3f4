"""Footnote markers printed as plain digits glued to the word before them.

Text copied from a PDF loses the superscript: ``fatalities84``, ``in 2019117``,
``déplacés3``, ``deaths.52``. A trailing number is taken for a marker only when the
footnote sequence says so: markers rise by one through the text (a marker may be lost, so a
step of two is allowed), and where the text has footnote blocks their numbers confirm a
marker. A number that could be part of a figure (``1,635``, ``2.5``) is never cut, and a
year is split from the marker glued to it only along the sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.document import Block, BlockKind, FootnoteRef

MAX_STEP = 2
"""Largest rise between two markers read one after the other (one marker may be missing)."""

# a word of three letters or more (optionally closed by punctuation), then 1-3 digits that
# are not the start of a longer figure (``Baghdad1,635``)
_AFTER_WORD = re.compile(r"(?<=[^\W\d_]{3})([.,;:!?’'\"”»)\]]*)(\d{1,3})(?![\d]|[.,]\d)")
# a year, optionally closed by punctuation, then the marker (``2019117``, ``2019.147``)
_AFTER_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})([.,;:!?’'\"”»)\]]*)(\d{1,3})(?![\d]|[.,]\d)")
# a closing bracket (``Force (1).91``), then the marker
_AFTER_BRACKET = re.compile(r"(?<=\))([.,;:]?)(\d{1,3})(?![\d]|[.,]\d)")
_TEXT_KINDS = {BlockKind.paragraph, BlockKind.list_item, BlockKind.heading, BlockKind.caption}


@dataclass(frozen=True)
class Candidate:
    block: int
    start: int
    """Where the marker digits start in the block's text."""
    end: int
    number: int


def marker_candidates(text: str, block: int) -> list[Candidate]:
    """Every trailing number in ``text`` that may be a glued marker, in text order. A year
    with digits glued to it gives one candidate per way to split them (``2019117`` → 117)."""
    out = []
    for m in _AFTER_WORD.finditer(text):
        out.append(Candidate(block, m.start(2), m.end(2), int(m.group(2))))
    for m in _AFTER_BRACKET.finditer(text):
        out.append(Candidate(block, m.start(2), m.end(2), int(m.group(2))))
    for m in _AFTER_YEAR.finditer(text):
        if m.group(2):  # ``2019.147``: the marker stands after the closing stop
            out.append(Candidate(block, m.start(3), m.end(3), int(m.group(3))))
        else:  # ``2019117``: the year is four digits, the rest is the marker
            out.append(Candidate(block, m.start(3), m.end(3), int(m.group(3))))
    return sorted(out, key=lambda c: (c.start, c.end))


MAX_SEGMENTS = 100
"""Most separate stretches of markers read (the sequence breaks where markers are lost)."""


def marker_sequence(candidates: list[Candidate], footnote_numbers: set[int]) -> list[Candidate]:
    """The markers among ``candidates``: chains of two or more whose numbers rise by 1 (or up
    to :data:`MAX_STEP`) in text order; where the text has footnote blocks, only numbers they
    print. The longest chain is taken first, then the text before and after it is read again
    (a run of lost markers breaks the sequence), up to :data:`MAX_SEGMENTS` chains."""
    if footnote_numbers:
        candidates = [c for c in candidates if c.number in footnote_numbers]
    found: list[Candidate] = []
    todo = [(0, len(candidates), 0, 10**9)]  # slices of candidates, with the numbers they may hold
    segments = 0
    while todo and segments < MAX_SEGMENTS:
        lo, hi, low, high = todo.pop()
        part = [c for c in candidates[lo:hi] if low < c.number < high]
        chain = _longest_chain(part)
        if not chain:
            continue
        found += chain
        segments += 1
        first, last = candidates.index(chain[0], lo, hi), candidates.index(chain[-1], lo, hi)
        todo.append((lo, first, low, chain[0].number))
        todo.append((last + 1, hi, chain[-1].number, high))
    return sorted(found, key=lambda c: (c.block, c.start))


def _longest_chain(candidates: list[Candidate]) -> list[Candidate]:
    """The longest chain (two or more) of rising numbers in text order. Linear: the best
    chain ending in each number is kept as the text is read."""
    ending: dict[int, tuple[int, int]] = {}  # number → (chain length, index of its last candidate)
    back: list[int] = []  # index of the candidate before each one in its chain, -1 at a start
    length: list[int] = []
    for i, cand in enumerate(candidates):
        before = [ending[cand.number - step] for step in range(1, MAX_STEP + 1) if cand.number - step in ending]
        n, prev = max(before, default=(0, -1))
        back.append(prev)
        length.append(n + 1)
        if n + 1 > ending.get(cand.number, (0, -1))[0]:
            ending[cand.number] = (n + 1, i)
    if not length or max(length) < 2:
        return []
    i = max(range(len(length)), key=lambda j: (length[j], -j))
    chain = []
    while i >= 0:
        chain.append(candidates[i])
        i = back[i]
    chain.reverse()
    return chain


def cut_markers(block: Block, cuts: list[Candidate]) -> None:
    """Remove the marker digits from the block's text and record them as footnote refs
    (offsets of the refs already there move with the text). Linear in the text."""
    from bisect import bisect_right

    cuts = sorted(cuts, key=lambda c: c.start)
    pieces, refs, pos, removed = [], [], 0, 0
    ends, widths = [], []  # for moving the refs already there
    for cut in cuts:
        pieces.append(block.text[pos : cut.start])
        refs.append(FootnoteRef(number=cut.number, offset=cut.start - removed))
        removed += cut.end - cut.start
        ends.append(cut.end)
        widths.append(removed)
        pos = cut.end
    pieces.append(block.text[pos:])
    for ref in block.footnote_refs:
        i = bisect_right(ends, ref.offset)
        refs.append(FootnoteRef(number=ref.number, offset=ref.offset - (widths[i - 1] if i else 0)))
    block.text = "".join(pieces)
    block.footnote_refs = sorted(refs, key=lambda r: r.offset)


def read_glued_markers(blocks: list[Block]) -> None:
    """Find the glued markers of a document's text blocks (in reading order) and turn them
    into footnote refs, in place."""
    if any(b.footnote_refs for b in blocks):
        return  # the text prints its markers (superscripts): digits glued to words are the text's own
    footnote_numbers = {
        b.footnote_number for b in blocks if b.kind is BlockKind.footnote and b.footnote_number is not None
    }
    candidates = [c for i, b in enumerate(blocks) if b.kind in _TEXT_KINDS for c in marker_candidates(b.text, i)]
    chain = marker_sequence(candidates, footnote_numbers)
    by_block: dict[int, list[Candidate]] = {}
    for cand in chain:
        by_block.setdefault(cand.block, []).append(cand)
    for index, cuts in by_block.items():
        cut_markers(blocks[index], cuts)
