"""Two-column pages: the gutter, lines cut at it, and the page's reading order (full-width
bands and column runs, the left column read before the right)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import attrgetter, itemgetter

from .lines import make_line, median
from .objects import Line
from .settings import PDF_SETTINGS, PdfSettings


@dataclass(slots=True)
class ColumnLayout:
    """A page's reading order: bands from top to bottom, each full width or in two columns
    split at ``gutter`` (the left column read before the right)."""

    gutter: float
    bands: list[tuple[float, float, bool]]
    """(top, bottom, two_columns) of each band, in reading order."""

    def key(self, x0: float, top: float) -> tuple[int, int, float]:
        """Where a line or block starting at (``x0``, ``top``) comes in reading order."""
        y = top + 0.5  # a point inside the line; one between two bands (a table's top rule) goes with the next
        index = len(self.bands) - 1
        for i, (_, band_bottom, _) in enumerate(self.bands):
            if y <= band_bottom:
                index = i
                break
        two = self.bands[index][2] if self.bands else False
        return index, int(two and x0 >= self.gutter), top


Segment = tuple[float, float, str]
SidedLine = tuple[Line, list[Segment], list[Segment]]
"""A line with its segments left and right of a vertical."""


def _sides(line: Line, x: float) -> tuple[list[Segment], list[Segment]]:
    return [s for s in line.segments if s[1] <= x], [s for s in line.segments if s[0] >= x]


def is_prose_run(run: list[Line], x: float, settings: PdfSettings = PDF_SETTINGS) -> bool:
    """Both sides of ``x`` hold enough lines of one segment each, filling columns of about
    the same width."""
    return _is_prose([(line, *_sides(line, x)) for line in run], x, settings)


def _is_prose(run: list[SidedLine], x: float, settings: PdfSettings) -> bool:
    parts = _prose_parts(run, settings)
    return parts is not None and _is_prose_at(parts, x, settings)


ProseParts = tuple[list[list[Segment]], list[list[Segment]], float, float]
"""A run's segments left and right of a vertical, and their outer edges: what :func:`_is_prose`
asks of the run that does not depend on where the vertical stands within its edges."""


def _prose_parts(run: list[SidedLine], settings: PdfSettings) -> ProseParts | None:
    """The parts of ``run`` that :func:`_is_prose_at` weighs, or None when its sides are too
    short or not of one segment a line (the gutter search asks at every position of a run)."""
    lefts = [left for _, left, _ in run if left]
    rights = [right for _, _, right in run if right]
    n = settings.columns_min_lines
    if len(lefts) < n or len(rights) < n:
        return None
    if median([len(s) for s in lefts + rights]) != 1:
        return None  # most lines hold more than one segment on a side: a table
    return lefts, rights, min(s[0][0] for s in lefts), max(s[-1][1] for s in rights)


def _is_prose_at(parts: ProseParts, x: float, settings: PdfSettings) -> bool:
    """Both sides of ``x`` fill columns of about the same width (:func:`_is_prose` of a run's parts)."""
    lefts, rights, x_left, x_right = parts
    narrow, wide = sorted((x - x_left, x_right - x))
    if narrow < settings.columns_min_balance * wide:
        return False  # a column of labels beside their values: a table, not a page in columns
    fill_left = median([(s[-1][1] - s[0][0]) / max(1.0, x - x_left) for s in lefts])
    fill_right = median([(s[-1][1] - s[0][0]) / max(1.0, x_right - x) for s in rights])
    return min(fill_left, fill_right) >= settings.columns_min_fill


def line_runs(lines: list[Line], x: float) -> list[list[Line]]:
    """Runs of consecutive lines (top to bottom) that no line crossing ``x`` interrupts."""
    return [[line for line, _, _ in run] for run in _sided_runs(lines, x)]


def _sided_runs(lines: list[Line], x: float) -> list[list[SidedLine]]:
    """:func:`line_runs`, each line with its sides of ``x`` (worked out once per line: the
    gutter search asks this at every position)."""
    runs: list[list[SidedLine]] = [[]]
    before, after = x - 1, x + 1
    for line in lines:
        segments = line.segments
        if len(segments) == 1:  # most lines: the same as below, without the loops
            only = segments[0]
            if only[0] < before and after < only[1]:
                runs.append([])
                continue
            runs[-1].append((line, [only] if only[1] <= x else [], [only] if only[0] >= x else []))
            continue
        left: list[Segment] = []
        right: list[Segment] = []
        crossed = False
        for segment in segments:  # one pass, no generator per line: the search asks at every position
            s0, s1 = segment[0], segment[1]
            if s0 < before and after < s1:  # a segment across x
                crossed = True
                break
            if s1 <= x:
                left.append(segment)
            if s0 >= x:
                right.append(segment)
        if crossed or (len(left) > 1 and right):  # across x, or a table row with cells on both sides
            runs.append([])
        else:
            runs[-1].append((line, left, right))
    return [r for r in runs if r]


def find_gutter(lines: list[Line], width: float, settings: PdfSettings = PDF_SETTINGS) -> float | None:
    """The x of a two-column page's gutter: the vertical gap in the middle of the page that
    the most lines of prose runs stand clear of; None for a one-column page."""
    share = settings.columns_search
    lo, hi = width * (0.5 - share / 2), width * (0.5 + share / 2)
    # A line that covers the whole middle of the page rules out every gutter, and a right
    # column is text that starts past the middle's left edge: skip the search on pages with
    # few such lines (nearly every one-column page).
    open_lines = [ln for ln in lines if not any(s0 <= lo and s1 >= hi for s0, s1, _ in ln.segments)]
    right_starts = [ln for ln in open_lines if any(s0 >= lo for s0, _, _ in ln.segments)]
    if len(right_starts) < 2 * settings.columns_min_lines:
        return None
    step = settings.columns_step
    best, best_xs = 0, []
    x = lo
    starts = sorted(s[0] for ln in lines for s in ln.segments)
    ends = sorted(s[1] for ln in lines for s in ln.segments)
    prepared: list[tuple[int, ProseParts]] = []
    sides = None
    while x <= hi:
        # Which lines cross x, and which segments lie left or right of it, changes only where
        # x passes a segment's edge: between two positions with the same counts of edges on
        # each side of the four tests of _sided_runs, the runs are the same and are reused
        # (only the fill and balance of each run depend on x itself).
        at = (
            bisect_left(starts, x - 1),
            bisect_right(ends, x + 1),
            bisect_right(ends, x),
            bisect_left(starts, x),
        )
        if at != sides:
            # what of each run does not depend on x is worked out once for these runs
            prepared = [
                (len(run), parts) for run in _sided_runs(lines, x) if (parts := _prose_parts(run, settings)) is not None
            ]
            sides = at
        score = sum(length for length, parts in prepared if _is_prose_at(parts, x, settings))
        if score > best:
            best, best_xs = score, [x]
        elif score == best and score:
            best_xs.append(x)
        x += step
    if not best_xs:
        return None
    # The middle of the widest stretch of best positions: the gutter's centre.
    stretches: list[list[float]] = [[best_xs[0]]]
    for x in best_xs[1:]:
        if x - stretches[-1][-1] <= step + 0.01:
            stretches[-1].append(x)
        else:
            stretches.append([x])
    widest = max(stretches, key=len)
    return (widest[0] + widest[-1]) / 2


def split_columns(
    lines: list[Line], width: float, settings: PdfSettings = PDF_SETTINGS
) -> tuple[list[Line], ColumnLayout | None]:
    """Lines of a two-column page cut at the gutter (a line of each column that shares a
    baseline with one of the other was read as one line), and the page's reading order:
    full-width lines (headings, tables, footnotes) where they stand, the two-column runs
    between them left column first. Pages without a gutter come back as they were."""
    gutter = find_gutter(lines, width, settings)
    if gutter is None:
        return lines, None
    out: list[Line] = []
    bands: list[tuple[float, float, bool]] = []
    ordered = sorted(lines, key=attrgetter("baseline"))
    runs = line_runs(ordered, gutter)
    run_of = {id(ln): i for i, run in enumerate(runs) for ln in run}
    done: set[int] = set()
    for line in ordered:
        if id(line) not in run_of:
            out.append(line)
            bands.append((line.top, line.bottom, False))
            continue
        index = run_of[id(line)]
        if index in done:
            continue
        done.add(index)
        run = runs[index]
        if not is_prose_run(run, gutter, settings):
            out += run
            bands.append((min(ln.top for ln in run), max(ln.bottom for ln in run), False))
            continue
        pieces: list[Line] = []
        for ln in run:
            left, right = _sides(ln, gutter)
            if left and right and ln.chars:
                pieces.append(make_line([c for c in ln.chars if (c.x0 + c.x1) / 2 < gutter], settings))
                pieces.append(make_line([c for c in ln.chars if (c.x0 + c.x1) / 2 >= gutter], settings))
            else:
                pieces.append(ln)
        out += pieces
        bands += _column_bands(pieces, gutter, settings)
    bands.sort(key=itemgetter(0))
    return out, ColumnLayout(gutter=gutter, bands=bands)


def _column_bands(pieces: list[Line], gutter: float, settings: PdfSettings) -> list[tuple[float, float, bool]]:
    """Bands of one two-column run: a bold or larger line in one column with the other
    column empty around it (``columns_break_lines`` line heights above and below), and text
    in that other column both above and below, is a full-width line (a short heading
    between two runs)."""
    left = [p for p in pieces if p.x1 <= gutter]
    right = [p for p in pieces if p.x0 >= gutter]
    breaks = []
    body = median([p.size for p in pieces])
    for line in pieces:
        if not (line.bold or line.size >= body + settings.columns_break_size_delta):
            continue
        other = right if line.x1 <= gutter else left
        margin = settings.columns_break_lines * line.size
        clear = not any(o.bottom > line.top - margin and o.top < line.bottom + margin for o in other)
        if clear and any(o.bottom < line.top for o in other) and any(o.top > line.bottom for o in other):
            breaks.append(line)
    bands = []
    top = min(p.top for p in pieces)
    for line in sorted(breaks, key=attrgetter("top")):
        if line.top > top:
            bands.append((top, line.top - 0.5, True))
        bands.append((line.top - 0.5, line.bottom + 0.5, False))
        top = line.bottom + 0.5
    bands.append((top, max(p.bottom for p in pieces), True))
    return bands
