"""Pages of text with no blank lines between paragraphs (``pdftotext`` and PDF-library
text: one printed line per line, footnotes at the foot of the page).

Such a page is read line by line. Footnote markers are followed in their sequence: a
number alone on a line (a superscript the export put on its own line) or glued to a word is
the next marker; once a marker has been read, a line that starts with the number of the
next footnote due opens the footnote area, which runs to the end of the page. Body lines
are grouped into paragraphs where a short line ends a sentence, and headings, list items
and the entries of a source list get chunks of their own. The chunks then go through the
same classification as any text (``pipeline.readers.text``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.readers.glued_markers import MAX_STEP, marker_candidates
from pipeline.readers.textutil import ends_sentence, looks_like_heading
from schemas.lang import Language, alternation

SHORT_LINE = 0.85
"""A line shorter than this share of the page's long lines may end a paragraph."""
MIN_LINES = 12
"""A page needs this many lines, and almost no blank ones, to be read line by line."""

_BARE_NUMBER = re.compile(r"^\s*(\d{1,3})\s*$")
_NUMBERED_LINE = re.compile(r"^\s*(\d{1,3})\s+(\S.*)$")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,4}\.?\s+\S")
_BULLET = re.compile(r"^\s*[•▪●◦‣\-–*]\s+")


@dataclass
class MarkerState:
    """Where the footnote sequence stands while the pages are read in order (and whether
    the reading is inside a source list, which runs on over page breaks)."""

    last_marker: int = 0
    next_footnote: int | None = None
    in_source_list: bool = False

    def note_marker(self, number: int) -> bool:
        """Take ``number`` as the next marker if it continues the sequence."""
        if 1 <= number - self.last_marker <= MAX_STEP or (self.last_marker == 0 and number >= 1):
            self.last_marker = number
            if self.next_footnote is None:
                self.next_footnote = number
            return True
        return False

    def opens_footnote(self, number: int) -> bool:
        """Is ``number`` the footnote due next (one or two may have been lost) for a marker read?"""
        return (
            self.next_footnote is not None
            and 0 <= number - self.next_footnote <= MAX_STEP
            and number <= self.last_marker
        )


def is_line_layout(lines: list[str]) -> bool:
    """Is this page printed line by line (many lines, hardly any blank one)?"""
    filled = sum(1 for line in lines if line.strip())
    blank = len(lines) - filled
    return filled >= MIN_LINES and blank <= 0.05 * filled


def long_line_length(lines: list[str]) -> int:
    """The length of a full line of running text (the 80th percentile of line lengths)."""
    lengths = sorted(len(line.strip()) for line in lines if len(line.strip()) > 20)
    return lengths[int(0.8 * (len(lengths) - 1))] if lengths else 80


def split_footnote_area(lines: list[str], state: MarkerState) -> tuple[list[str], list[str]]:
    """Body lines (markers glued back to the line before) and footnote lines (``N text``)
    of one page, following the marker sequence in ``state``."""
    body: list[str] = []
    notes: list[str] = []
    in_notes = False
    lines = [line for line in lines if line.strip()]
    for index, line in enumerate(lines):
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        bare = _BARE_NUMBER.match(line)
        numbered = _NUMBERED_LINE.match(line)
        number = int((bare or numbered).group(1)) if (bare or numbered) else None
        if number is not None and state.opens_footnote(number):
            in_notes = True
            state.next_footnote = number + 1
            notes.append(f"{number} {numbered.group(2).strip()}" if numbered else f"{number}")
            continue
        if in_notes:
            notes[-1] += " " + line.strip()
            continue
        if bare and body and state.note_marker(number):
            body[-1] = body[-1].rstrip() + bare.group(1)  # a superscript printed on a line of its own
            continue
        if numbered and body and ends_sentence(body[-1]) and state.note_marker(number):
            body[-1] = body[-1].rstrip() + numbered.group(1)  # a superscript put at the start of the next line
            line = numbered.group(2)
        taken = [c for c in marker_candidates(line, 0) if state.note_marker(c.number)]
        glued = re.search(r"(?<=\D)(\d{1,3})\s*$", line)
        if (
            glued
            and not any(c.start == glued.start(1) for c in taken)
            and state.opens_footnote(int(glued.group(1)))
            and re.match(r"\s+[A-Z]", nxt)
        ):
            # the number of the first footnote printed at the end of the last body line
            body.append(line[: glued.start()].rstrip())
            in_notes = True
            state.next_footnote = int(glued.group(1)) + 1
            notes.append(glued.group(1))
            continue
        body.append(line.rstrip("\n"))  # a trailing space may say the line wraps (see body_lines_to_chunks)
    return body, notes


def body_lines_to_chunks(
    lines: list[str], lang: Language, long: int, state: MarkerState | None = None
) -> list[list[str]]:
    """Group a page's body lines into chunks: paragraphs end where a short line ends a
    sentence; headings, list items and source-list entries start chunks of their own."""
    chunks: list[list[str]] = []
    state = state or MarkerState()
    in_sources = state.in_source_list
    in_table = table_lines(lines, lang)
    # some exports end every wrapped line with a space: a line without one then ends its paragraph
    soft_wraps = sum(line.endswith(" ") for line in lines) >= 0.3 * max(1, len(lines))
    accessed = alternation(lang.accessed)
    entry_end = re.compile(rf"(?:(?:{accessed})\s+\S.*\d{{4}}|\bn\.\s?d\.)\s*$", re.IGNORECASE)
    # "accessed 15 December" with the year left out ends an entry too when a new one follows
    entry_end_no_year = re.compile(rf"(?:{accessed})\s+\d{{1,2}}\.?\s+[^\W\d_]+\s*$", re.IGNORECASE)
    for i, line in enumerate(lines):
        text = line.strip()
        prev = lines[i - 1].strip() if i else ""
        hard_break = soft_wraps and i > 0 and not lines[i - 1].endswith(" ")
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if in_table[i] and chunks and chunks[-1]:
            chunks[-1].append(text)  # rows of a flattened table stay together (read in pipeline.readers.text)
            continue
        heading = not in_table[i] and _is_heading_line(text, prev, nxt, lang, long)
        if heading:
            in_sources = text.lower() in lang.bibliography_headings
            chunks.append([text])
            chunks.append([])
            continue
        if not chunks or not chunks[-1]:
            if not chunks:
                chunks.append([])
            chunks[-1].append(text)
            continue
        if in_sources:
            entry = " ".join(chunks[-1])
            new = (
                bool(entry_end.search(entry))
                or (ends_sentence(prev) or bool(entry_end_no_year.search(entry)))
                and text[:1].isupper()
            )
        elif _BULLET.match(text):
            new = not _BULLET.match(chunks[-1][0])
            if not new:
                chunks[-1].append(text)
                continue
        else:
            new = (
                ends_sentence(_strip_marker(prev))
                and (len(prev) < SHORT_LINE * long or hard_break)
                and not text[:1].islower()
            )
        if new:
            chunks.append([text])
        else:
            chunks[-1].append(text)
    state.in_source_list = in_sources
    return [c for c in chunks if c]


def table_lines(lines: list[str], lang: Language) -> list[bool]:
    """Which lines belong to a flattened table's rows: lines of mostly figures (three or
    more), and the short label lines (two words at most) printed right above them."""
    from pipeline.readers.flat_tables import is_number_token

    def figures(line: str) -> bool:
        tokens = line.split()
        numbers = sum(is_number_token(t, lang) for t in tokens)
        return numbers >= 3 and numbers >= 0.5 * len(tokens)

    out = [figures(line) for line in lines]
    for i in range(len(lines)):
        if out[i]:
            j = i - 1
            while j >= 0 and i - j <= 2 and not out[j] and len(lines[j].split()) <= 2:
                out[j] = True
                j -= 1
    return out


def _strip_marker(line: str) -> str:
    return re.sub(r"(?<=\D)\d{1,3}$", "", line)


def _is_heading_line(text: str, prev: str, nxt: str, lang: Language, long: int) -> bool:
    """A line that stands alone as a heading: numbered (``1.2. Title``) or a short line in
    title form after a finished paragraph, or a source-list heading."""
    if text.lower() in lang.bibliography_headings:
        return True
    after_paragraph = not prev or ends_sentence(_strip_marker(prev)) or len(prev) < SHORT_LINE * long
    if (
        _NUMBERED_HEADING.match(text)
        and not ends_sentence(text)
        and len(text) <= 150
        and after_paragraph
        and "?" not in text
        and not re.search(r"(?<!\S)[a-z]{1,4}$", text)
    ):
        return True
    return (
        after_paragraph
        and len(text) < 0.6 * long
        and len(text.split()) <= 8
        and looks_like_heading(text)
        and not _BULLET.match(text)
        and not re.search(r"[,?]", text)
        and not re.search(r"\d", text[-4:])
        and not re.search(r"(?<!\S)[a-z]{1,4}$", text)
        and (not nxt or nxt[:1].isupper() or nxt[:1].isdigit())
    )
