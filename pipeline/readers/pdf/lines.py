"""Chars → lines: grouped by baseline, superscript markers folded into their line as
``⁰-⁹``, each line's text split into segments at wide gaps."""

from __future__ import annotations

from collections import Counter
from itertools import repeat
from operator import attrgetter

from pipeline.readers.textutil import SUPERSCRIPT_DIGITS

from .objects import Char, Line, Rule

try:  # built by `pip install -e .` (setup.py); raw_segments below gives the same segments without it
    from . import _chars as _compiled
except ImportError:  # pragma: no cover - a checkout whose helper was not built
    _compiled = None
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
    return groups_to_lines(baseline_groups(chars, settings), settings)


def baseline_groups(chars: list[Char], settings: PdfSettings = PDF_SETTINGS) -> list[list[Char]]:
    """Chars sorted by (baseline, x0) and cut into groups whose baselines lie within
    ``baseline_tolerance`` times the char's size of the group's first."""
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
    return groups


def groups_to_lines(groups: list[list[Char]], settings: PdfSettings = PDF_SETTINGS) -> list[Line]:
    """Lines of baseline groups (:func:`baseline_groups`): a group of small chars just above
    a group of larger ones is folded into it as its superscripts."""
    if not groups:
        return []
    # A group of small chars just above a group of larger ones is its superscripts.
    uniform_size = getattr(_compiled, "uniform_size", None)
    if uniform_size is None:
        sizes = [_median_size(g) for g in groups]
    else:  # nearly every group has one size: found in C, without a Python call per group
        sizes = [size if (size := uniform_size(g, Char)) is not None else _median_size(g) for g in groups]
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
    line_of = getattr(_compiled, "line_of", None)
    if line_of is None:
        lines = [make_line(group, settings) for i, group in enumerate(groups) if not absorbed[i]]
    else:  # make_line's call into C, made here without a Python call per line
        shape = _line_shape(settings)
        lines = [
            line_of(group, *shape) or make_line(group, settings) for i, group in enumerate(groups) if not absorbed[i]
        ]
    lines.sort(key=_BY_BASELINE)
    return lines


def _median_size(chars: list[Char]) -> float:
    uniform_size = getattr(_compiled, "uniform_size", None)  # None without the helper, or an older build
    if uniform_size is not None:
        size = uniform_size(chars, Char)  # nearly every group has one size: found in C, without a list
        if size is not None:
            return size
    sizes = [c.size for c in chars]
    first = sizes[0]
    return first if sizes.count(first) == len(sizes) else median(sizes)


def overlaps_x(a: list[Char], b: list[Char], margin: float) -> bool:
    """True when the chars of ``a`` stand within the horizontal extent of ``b`` widened by ``margin`` on each side."""
    in_c = getattr(_compiled, "overlaps_x", None)  # None without the helper, or an older build
    if in_c is not None:
        answer = in_c(a, b, margin, Char)  # b is a whole line: its extent found in C, without two generators
        if answer is not None:
            return answer
    return (
        min(c.x0 for c in a) >= min(c.x0 for c in b) - margin and max(c.x1 for c in a) <= max(c.x1 for c in b) + margin
    )


def most_common(values: list):
    """The most frequent of ``values`` (the first seen of equally frequent ones, as
    ``Counter.most_common(1)``); a line's chars nearly always share one value, found without counting."""
    first = values[0]
    if values.count(first) == len(values):
        return first
    counts = Counter(values)
    return max(counts, key=counts.__getitem__)  # most_common(1) without its heap: the first of the most frequent


def _line_shape(settings: PdfSettings) -> tuple:
    """The arguments of the compiled ``line_of`` after the chars: the classes and the settings it reads."""
    return (
        Char,
        Line,
        settings.superscript_size_ratio,
        settings.superscript_rise,
        settings.segment_gap,
        settings.space_gap,
        BULLETS,
    )


def make_line(chars: list[Char], settings: PdfSettings = PDF_SETTINGS) -> Line:
    """One line of ``chars`` (sorted left to right in place): its font size and baseline are
    the most frequent ones, and chars small and raised against them are superscripts."""
    line_of = getattr(_compiled, "line_of", None)  # None without the helper, or one built before it had this
    if line_of is not None:
        line = line_of(chars, *_line_shape(settings))
        if line is not None:  # None for a char of another shape or a NaN: the Python below decides
            return line
    in_order = getattr(_compiled, "sorted_by_x0", None)  # None without the helper, or one built before it had this
    if in_order is None or not in_order(chars, Char):
        chars.sort(key=_BY_X0)  # most lines come in order already: checked in C, without a key per char
    figures = None if _compiled is None else _compiled.uniform_line(chars, Char)
    if figures is not None and not figures[0] <= settings.superscript_size_ratio * figures[0]:
        # One size and one baseline (nearly every line), counted in C: no superscripts.
        size, base, top, x1, bottom, bold = figures
        line = Line(chars, chars[0].x0, top, x1, bottom, base, size, bold)
        line.text, line.segments = line_text(chars, size, settings)
        return line
    sizes = [c.size for c in chars]
    size = most_common(sizes)
    uniform = sizes.count(size) == len(sizes)
    base = most_common([c.baseline for c in chars] if uniform else [c.baseline for c in chars if c.size == size])
    small, rise = settings.superscript_size_ratio * size, settings.superscript_rise * size
    raised: list[bool] | None = None  # no char is a superscript when all share the line's size
    if not uniform or size <= small:
        raised = [c.size <= small and (base - c.baseline) >= rise for c in chars]
        if not any(raised):
            raised = None
    body = chars if raised is None else [c for c, up in zip(chars, raised, strict=True) if not up] or chars
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
    line.text, line.segments = line_text(chars, size, settings, raised)
    return line


def line_text(
    chars: list[Char], size: float, settings: PdfSettings = PDF_SETTINGS, raised: list[bool] | None = None
) -> tuple[str, list[tuple[float, float, str]]]:
    """The line's text (the digits among the ``raised`` chars, its superscripts, as ``⁰-⁹``)
    and its segments split at wide gaps."""
    segment_gap, space_gap = settings.segment_gap * size, settings.space_gap * size
    raw = None if _compiled is None else _compiled.raw_segments(chars, raised, segment_gap, space_gap, Char)
    if raw is None:
        raw = raw_segments(chars, raised, segment_gap, space_gap)
    segments = [(x0, x1, text.strip()) for x0, x1, text in raw]
    if len(segments) > 1 and len(segments[0][2]) == 1 and segments[0][2] in BULLETS:
        bullet, first = segments[0], segments[1]  # a list bullet hangs before its text
        segments[:2] = [(bullet[0], first[1], bullet[2] + " " + first[2])]
    text = "   ".join(s[2] for s in segments) if len(segments) > 1 else segments[0][2]
    return text, segments


def raw_segments(
    chars: list[Char], raised: list[bool] | None, segment_gap: float, space_gap: float
) -> list[tuple[float, float, str]]:
    """A line's segments (left, right, text not yet stripped): cut at gaps wider than
    ``segment_gap``, a space at a char marked ``space_before`` or after a gap wider than
    ``space_gap`` (never before a superscript digit). The compiled helper walks the chars
    the same way (``_chars.raw_segments``)."""
    segments: list[tuple[float, float, str]] = []
    first = chars[0]
    seg_start, prev_x1 = first.x0, first.x1  # prev_x1: the right edge of the char before
    parts: list[str] = [first.text.translate(_SUPER) if raised and raised[0] else first.text]
    append = parts.append
    for c, up in zip(chars[1:], raised[1:] if raised else repeat(False), strict=False):
        ch = c.text
        if up and ch.isdigit():
            ch = ch.translate(_SUPER)
        gap = c.x0 - prev_x1
        if gap > segment_gap:
            segments.append((seg_start, prev_x1, "".join(parts)))
            parts, seg_start = [], c.x0
            append = parts.append
        elif (c.space_before or gap > space_gap) and not (up and ch in SUPERSCRIPT_DIGITS):
            append(" ")
        append(ch)
        prev_x1 = c.x1
    segments.append((seg_start, chars[-1].x1, "".join(parts)))
    return segments


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
        if (
            len(line.segments) == 1
            and line.x1 - line.x0 > min_width
            and not (ruled and any(t <= line.top <= b for t, b in ruled))
        ):
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
