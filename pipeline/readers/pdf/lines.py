"""Chars → lines: grouped by baseline, superscript markers folded into their line as
``⁰-⁹``, each line's text split into segments at wide gaps."""

from __future__ import annotations

from collections import Counter
from operator import attrgetter

from pipeline.readers.textutil import SUPERSCRIPT_DIGITS

from .objects import Char, Line, Rule
from .settings import PDF_SETTINGS, PdfSettings

BULLETS = "•▪●◦‣∙·\uf0b7\uf0a7\uf076\uf0d8–-"
"""Characters that open a list item when they stand alone before its text."""

_SUPER = str.maketrans("0123456789", SUPERSCRIPT_DIGITS)
_BY_BASELINE = attrgetter("baseline", "x0")
_BY_X0 = attrgetter("x0")


def median(values) -> float:
    """The median, as :func:`statistics.median` computes it (same values, same type), without its overhead."""
    data = sorted(values)
    n = len(data)
    if n == 0:
        raise ValueError("no median for empty data")
    i = n // 2
    return data[i] if n % 2 else (data[i - 1] + data[i]) / 2


def chars_to_lines(chars: list[Char], settings: PdfSettings = PDF_SETTINGS) -> list[Line]:
    """Group chars into lines by baseline; fold raised small chars (footnote markers) into
    the line they belong to and mark them ``superscript``."""
    if not chars:
        return []
    ordered = sorted(chars, key=_BY_BASELINE)
    tolerance = settings.baseline_tolerance
    groups: list[list[Char]] = []
    group: list[Char] | None = None
    group_baseline = 0.0
    for ch in ordered:
        size = ch.size
        if group is not None and abs(group_baseline - ch.baseline) <= tolerance * (1.0 if 1.0 > size else size):
            group.append(ch)
        else:
            group = [ch]
            groups.append(group)
            group_baseline = ch.baseline
    # A group of small chars just above a group of larger ones is its superscripts.
    sizes = [median([c.size for c in g]) for g in groups]
    absorbed = [False] * len(groups)
    ratio, min_rise, max_rise = (
        settings.superscript_size_ratio,
        settings.superscript_rise,
        settings.superscript_max_rise,
    )
    reach, lookahead = settings.superscript_reach, settings.superscript_lookahead
    for i, group in enumerate(groups):
        size = sizes[i]
        for j in range(i + 1, min(i + 1 + lookahead, len(groups))):
            other = groups[j]
            if sizes[j] <= size:
                continue
            rise = other[0].baseline - group[0].baseline
            if (
                size <= ratio * sizes[j]
                and min_rise * sizes[j] <= rise <= max_rise * sizes[j]
                and overlaps_x(group, other, reach * sizes[j])
            ):
                other.extend(group)
                absorbed[i] = True
                break
    lines = [make_line(group, settings) for i, group in enumerate(groups) if not absorbed[i]]
    lines.sort(key=_BY_BASELINE)
    return lines


def overlaps_x(a: list[Char], b: list[Char], margin: float) -> bool:
    """True when the chars of ``a`` stand within the horizontal extent of ``b`` widened by ``margin`` on each side."""
    return (
        min(c.x0 for c in a) >= min(c.x0 for c in b) - margin and max(c.x1 for c in a) <= max(c.x1 for c in b) + margin
    )


def make_line(chars: list[Char], settings: PdfSettings = PDF_SETTINGS) -> Line:
    """One line of ``chars`` (sorted left to right in place): its font size and baseline are
    the most frequent ones, and chars small and raised against them are superscripts."""
    chars.sort(key=_BY_X0)
    size = Counter([c.size for c in chars]).most_common(1)[0][0]
    base = Counter([c.baseline for c in chars if c.size == size]).most_common(1)[0][0]
    small, rise = settings.superscript_size_ratio * size, settings.superscript_rise * size
    for c in chars:
        c.superscript = c.size <= small and (base - c.baseline) >= rise
    body = [c for c in chars if not c.superscript] or chars
    line = Line(
        chars=chars,
        x0=chars[0].x0,  # sorted by x0
        top=min([c.top for c in body]),
        x1=max([c.x1 for c in chars]),
        bottom=max([c.bottom for c in body]),
        baseline=base,
        size=size,
        bold=sum([c.bold for c in body]) > len(body) / 2,
    )
    line.text, line.segments = line_text(chars, size, settings)
    return line


def line_text(
    chars: list[Char], size: float, settings: PdfSettings = PDF_SETTINGS
) -> tuple[str, list[tuple[float, float, str]]]:
    """The line's text (superscript digits as ``⁰-⁹``) and its segments split at wide gaps."""
    segments: list[tuple[float, float, str]] = []
    parts: list[str] = []
    seg_start = chars[0].x0
    segment_gap, space_gap = settings.segment_gap * size, settings.space_gap * size
    prev_x1: float | None = None  # the right edge of the char before
    for c in chars:
        ch, superscript = c.text, c.superscript
        if superscript and ch.isdigit():
            ch = ch.translate(_SUPER)
        if prev_x1 is not None:
            gap = c.x0 - prev_x1
            if gap > segment_gap:
                segments.append((seg_start, prev_x1, "".join(parts).strip()))
                parts, seg_start = [], c.x0
            elif (c.space_before or gap > space_gap) and not (superscript and ch in SUPERSCRIPT_DIGITS):
                parts.append(" ")
        parts.append(ch)
        prev_x1 = c.x1
    segments.append((seg_start, chars[-1].x1, "".join(parts).strip()))
    if len(segments) > 1 and len(segments[0][2]) == 1 and segments[0][2] in BULLETS:
        bullet, first = segments[0], segments[1]  # a list bullet hangs before its text
        segments[:2] = [(bullet[0], first[1], bullet[2] + " " + first[2])]
    text = "   ".join(s[2] for s in segments) if len(segments) > 1 else segments[0][2]
    return text, segments


def release_prose_chars(
    lines: list[Line], rules: list[Rule], width: float, settings: PdfSettings = PDF_SETTINGS
) -> None:
    """Drop the per-char records of lines that can only be prose (one segment, wider than
    ``prose_min_width`` of the page, outside every ruled area): only table lines need their
    chars again, and keeping every char of a long report is most of its memory."""
    margin = settings.ruled_area_margin
    ruled = [(r.top - margin, r.bottom + margin) for r in rules if not r.horizontal]
    min_width = width * settings.prose_min_width
    for line in lines:
        if len(line.segments) == 1 and line.x1 - line.x0 > min_width and not any(t <= line.top <= b for t, b in ruled):
            line.chars = []


def release_chars_of_plain_page(lines: list[Line], rules: list[Rule]) -> None:
    """Drop every char record of a page that can hold no table (issue 17, bounded memory):
    chars are read again only to fill a ruled grid (which needs a vertical rule) or to cut
    the lines of an aligned table (which needs two lines of several segments). Most pages
    of a long report are such pages, and their chars were most of its memory."""
    if any(not r.horizontal for r in rules) or sum(len(line.segments) >= 2 for line in lines) >= 2:
        return
    for line in lines:
        line.chars = []
