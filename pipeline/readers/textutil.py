"""Small text functions shared by both ingest paths."""

from __future__ import annotations

import re

from schemas.document import Block, BlockKind, FootnoteRef
from schemas.extraction import SENTENCE_CLOSERS

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPER_TO_DIGIT = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
_MARKER_RUN = re.compile(f"[{SUPERSCRIPT_DIGITS}]+")
_WS = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

# Closing quotes and brackets that may follow a sentence's final stop.
_TERMINAL = ".?!:;"


def superscript_to_int(marker: str) -> int:
    return int(marker.translate(_SUPER_TO_DIGIT))


def strip_markers(text: str) -> tuple[str, list[FootnoteRef]]:
    """Remove superscript-digit footnote markers, returning the clean text and the refs.

    >>> strip_markers("in 2020² there")
    ('in 2020 there', [FootnoteRef(number=2, offset=7)])
    """
    if text.isascii():  # no superscript digit is ASCII: most texts have none, told without a scan
        return text, []
    refs: list[FootnoteRef] = []
    out: list[str] = []
    pos = 0
    length = 0
    for m in _MARKER_RUN.finditer(text):
        out.append(text[pos : m.start()])
        length += m.start() - pos
        refs.append(FootnoteRef(number=superscript_to_int(m.group()), offset=length))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), refs


def fold_spaces(text: str) -> str:
    """Fold runs of horizontal white space (incl. no-break and thin spaces) to one space."""
    return _WS.sub(" ", text)


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with a sentence stop (optionally followed by quotes/brackets)."""
    t = text.rstrip().rstrip(SENTENCE_CLOSERS).rstrip()
    return bool(t) and t[-1] in _TERMINAL


def starts_continuation(text: str) -> bool:
    """True when ``text`` cannot start a new paragraph: lower-case letter, bracket, digit-list tail."""
    t = text.lstrip()
    if not t:
        return False
    first = t[0]
    return first.islower() or first in "([,;)" or t.startswith("…")


def join_lines(left: str, right: str, vocabulary: set[str] | None = None) -> str:
    """Join two printed lines, undoing line-break hyphenation.

    A soft hyphen is always dropped. A hard hyphen between two letters is dropped only
    when the joined word is known from ``vocabulary`` (the document's own words) and the
    hyphenated one is not; otherwise it is a compound (``counter-terrorism``) or a range
    (``200-300``) and stays, with no space inserted.
    """
    left = left.rstrip(" ")
    right = right.lstrip(" ")
    if not left:
        return right
    if not right:
        return left
    if left.endswith("\u00ad") or left.endswith("\x02"):
        return left[:-1] + right
    if left.endswith("-") and len(left) >= 2 and not left[-2].isspace():
        head = re.search(r"(\w+)-$", left)
        tail = re.match(r"(\w+)", right)
        if head and tail and left[-2].isalpha() and right[0].islower() and vocabulary:
            joined = (head.group(1) + tail.group(1)).lower()
            hyphened = (head.group(1) + "-" + tail.group(1)).lower()
            if joined in vocabulary and hyphened not in vocabulary:
                return left[:-1] + right
        return left + right
    return left + " " + right


def join_all_lines(lines: list[str], vocabulary: set[str] | None = None) -> str:
    """:func:`join_lines` over many lines, in linear time: only the end of the text joined so
    far takes part in a join, so it is kept as a short tail beside the finished pieces."""
    if not lines:
        return ""
    done: list[str] = []
    tail = lines[0].strip()
    for line in lines[1:]:
        tail = join_lines(tail, line.strip(), vocabulary)
        if len(tail) > 400:
            done.append(tail[:-200])
            tail = tail[-200:]
    return "".join(done) + tail


_VOCAB_WORD = re.compile(r"\b[^\W\d_]+(?:-[^\W\d_]+)*\b")


def vocabulary(text: str) -> set[str]:
    r"""Lower-cased words and hyphenated compounds of ``text`` (for :func:`join_lines`).

    The words of ``_VOCAB_WORD.findall(text)``, found token by token: no match runs over
    white space (it is neither a letter nor a word char, so a token's edges are word
    boundaries in the text just as at its own ends), a report prints its few thousand tokens
    over and over, and a token of letters only (``str.isalpha``, all in ``[^\W\d_]``) is one
    word without the regex. Each distinct word is lower-cased once."""
    words: set[str] = set()
    add, find = words.add, _VOCAB_WORD.findall
    for token in set(text.split()):
        if token.isalpha():
            add(token)
        else:
            words.update(find(token))
    return {w.lower() for w in words}


def looks_like_heading(line: str) -> bool:
    """A short line that starts with a capital and does not end like a sentence or a list entry
    (``Recruitment``, ``Targets and Tactics``). Used for headings printed as plain text."""
    words = line.split()
    if not words or len(line) > 80 or len(words) > 10:
        return False
    stripped = line.rstrip()
    return (
        line[0].isupper()
        and not ends_sentence(stripped)
        and not stripped.endswith((",", "-", "–"))
        and "://" not in line
        and not re.search(r"\(\d+\)$", stripped)
    )


def draft_block(kind: BlockKind, text: str, page: int, **fields) -> Block:
    """A block as a reader makes it: no id and no span yet (``assemble`` lays the text out and
    numbers the blocks later)."""
    return Block(id="", kind=kind, text=text, page=page, start=0, end=0, **fields)
