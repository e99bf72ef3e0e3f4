"""Tables: ruled ones from their ruling lines (pdfplumber's edge → intersection → cell →
table functions), borderless ones from segments that line up, and a table continued on
the next page joined to its first part."""

from __future__ import annotations

import re
from operator import itemgetter

from pipeline.readers.text import table_text
from pipeline.readers.textutil import join_lines, strip_markers
from schemas.document import BBox, Block, BlockKind, Cell, Page, Table

from .lines import make_line

try:  # built by `pip install -e .` (setup.py); grid_to_table filters chars in Python without it
    from . import _chars as _compiled
except ImportError:  # pragma: no cover - a checkout whose helper was not built
    _compiled = None
from .objects import Char, Line, Rule, box_around, union_boxes
from .settings import PDF_SETTINGS, PdfSettings


def rules_to_grids(rules: list[Rule], settings: PdfSettings = PDF_SETTINGS) -> list[list[BBox]]:
    """Cells of every ruled table, via pdfplumber's edge → intersection → cell → table chain."""
    from pdfplumber import table as pt

    edges = []
    for r in rules:
        if r.horizontal:
            y = (r.top + r.bottom) / 2
            edges.append(
                {
                    "x0": r.x0,
                    "x1": r.x1,
                    "top": y,
                    "bottom": y,
                    "width": r.x1 - r.x0,
                    "height": 0,
                    "orientation": "h",
                    "object_type": "line",
                }
            )
        else:
            x = (r.x0 + r.x1) / 2
            edges.append(
                {
                    "x0": x,
                    "x1": x,
                    "top": r.top,
                    "bottom": r.bottom,
                    "width": 0,
                    "height": r.bottom - r.top,
                    "orientation": "v",
                    "object_type": "line",
                }
            )
    if not any(e["orientation"] == "v" for e in edges):
        return []
    snap, join = settings.snap_tolerance, settings.join_tolerance
    edges = pt.merge_edges(edges, snap, snap, join, join)
    tol = settings.intersection_tolerance
    intersections = pt.edges_to_intersections(edges, tol, tol)
    cells = intersections_to_cells(intersections)
    return [t for t in pt.cells_to_tables(cells) if len(t) >= 2]


_EDGE_BOX = itemgetter("x0", "top", "x1", "bottom")


def intersections_to_cells(intersections: dict[tuple[float, float], dict[str, list[dict]]]) -> list[BBox]:
    """The cells pdfplumber's ``intersections_to_cells`` finds (the same cells, in the same
    order): from each point, in sorted order, the first point below and then the first point to
    the right, joined to it by one ruling line, whose corner across is a point joined to both.

    pdfplumber builds each point's set of ruling lines again at every comparison and scans all
    later points for those below and to the right of each one (quadratic in the points of a
    ruled table); here each point's lines are made into sets once, and the points below and to
    the right come from the points of each column and row, already in sorted order."""
    points = sorted(intersections)
    vertical = {p: {_EDGE_BOX(e) for e in edges["v"]} for p, edges in intersections.items()}
    horizontal = {p: {_EDGE_BOX(e) for e in edges["h"]} for p, edges in intersections.items()}
    columns: dict[float, list[tuple[float, float]]] = {}
    rows: dict[float, list[tuple[float, float]]] = {}
    for p in points:
        columns.setdefault(p[0], []).append(p)
        rows.setdefault(p[1], []).append(p)

    def connects(p1: tuple[float, float], p2: tuple[float, float]) -> bool:
        return (p1[0] == p2[0] and not vertical[p1].isdisjoint(vertical[p2])) or (
            p1[1] == p2[1] and not horizontal[p1].isdisjoint(horizontal[p2])
        )

    cells: list[BBox] = []
    for point in points[:-1]:
        column, row = columns[point[0]], rows[point[1]]
        below = column[column.index(point) + 1 :]
        right = row[row.index(point) + 1 :]
        cell = next(
            (
                (point[0], point[1], corner[0], corner[1])
                for below_pt in below
                if connects(point, below_pt)
                for right_pt in right
                if connects(point, right_pt)
                for corner in ((right_pt[0], below_pt[1]),)
                if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt)
            ),
            None,
        )
        if cell is not None:
            cells.append(cell)
    return cells


def grid_to_table(
    cells: list[BBox], lines: list[Line], page_number: int, table_id: str, settings: PdfSettings = PDF_SETTINGS
) -> tuple[Table, set[int]]:
    """Fill a ruled grid with the text of the lines inside it; returns the table and the
    ids of the lines it used (so they do not also become paragraphs)."""
    xs = sorted({round(c[0], 1) for c in cells})
    ys = sorted({round(c[1], 1) for c in cells})
    col_of = {x: i for i, x in enumerate(xs)}
    row_of = {y: i for i, y in enumerate(ys)}
    line_margin, char_margin = settings.ruled_area_margin, settings.cell_char_margin
    in_box = getattr(_compiled, "chars_in_box", None)  # None without the helper, or an older build
    used: set[int] = set()
    out: list[Cell] = []
    for x0, top, x1, bottom in cells:
        inside = []
        left, right, upper, lower = x0 - char_margin, x1 + char_margin, top - char_margin, bottom + char_margin
        for line in lines:
            if line.bottom < top - line_margin or line.top > bottom + line_margin:
                continue
            chars = None if in_box is None else in_box(line.chars, left, right, upper, lower, Char)
            if chars is None:  # without the helper (or a char it does not know): the same filter in Python
                chars = [
                    c
                    for c in line.chars
                    if left <= (c.x0 + c.x1) / 2 <= right and upper <= (c.top + c.bottom) / 2 <= lower
                ]
            if chars:
                inside.append(make_line(chars, settings))
                used.add(id(line))
        raw = "\n".join(ln.text for ln in inside)
        text = ""
        for ln in inside:
            text = join_lines(text, ln.text)
        clean, refs = strip_markers(text)
        out.append(
            Cell(
                row=row_of[round(top, 1)],
                col=col_of[round(x0, 1)],
                text=clean,
                raw=raw,
                bbox=(x0, top, x1, bottom),
                page=page_number,
                footnote_refs=refs,
            )
        )
    bbox = union_boxes(cells)
    table = Table(
        id=table_id,
        page=page_number,
        pages=[page_number],
        n_rows=len(ys),
        n_cols=len(xs),
        cells=out,
        bbox=bbox,
        ruled=True,
    )
    return table, used


def aligned_runs(lines: list[Line], settings: PdfSettings = PDF_SETTINGS) -> list[list[Line]]:
    """Runs of consecutive lines of which at least two have several segments, with the
    single-segment lines between them (wrapped cells): the borderless tables of a page."""
    runs: list[list[Line]] = []
    current: list[Line] = []
    starts: set[int] = set()  # the rounded segment starts of ``current``
    multi = 0
    for line in lines:
        if len(line.segments) >= 2:
            current.append(line)
            starts.update(round(s[0]) for s in line.segments)
            multi += 1
        elif current and _aligned_with(line, current[-1], starts, settings):
            current.append(line)
            starts.update(round(s[0]) for s in line.segments)
        else:
            if multi >= 2:
                runs.append(current)
            current, multi = [], 0
            starts = set()
    if multi >= 2:
        runs.append(current)
    for run in runs:
        # A trailing one-segment line belongs to the table only while it stays inside the
        # first column (the rest of a wrapped row label); a wider one is the text after it.
        second = sorted({round(s[0]) for line in run for s in line.segments[1:]})
        limit = second[0] if second else float("inf")
        while run and len(run[-1].segments) < 2 and run[-1].x1 > limit:
            run.pop()
    return [r for r in runs if r]


def _aligned_with(line: Line, last: Line, starts: set[int], settings: PdfSettings) -> bool:
    """A one-segment line continues a table run when it starts at one of the run's segment
    starts and stands no further below the run's last line than a paragraph break."""
    gap = line.baseline - last.baseline
    tol = settings.aligned_start_tolerance
    x = line.segments[0][0]
    return any(abs(x - s) <= tol for s in starts) and gap <= settings.paragraph_leading * line.size


def line_runs_to_columns(lines: list[Line], settings: PdfSettings = PDF_SETTINGS) -> list[float]:
    """Left edges of the columns of a borderless table: segment starts that line up on at
    least two lines (a lone start is text wrapped inside a cell)."""
    tol = settings.column_tolerance
    starts = sorted(s[0] for line in lines for s in line.segments)
    clusters: list[list[float]] = []
    for x in starts:
        if clusters and x - clusters[-1][-1] <= tol:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    columns = [min(c) for c in clusters if len(c) >= 2]
    return columns or [starts[0]]


def lines_to_rows(lines: list[Line], settings: PdfSettings = PDF_SETTINGS) -> list[list[Line]]:
    """Group a table's lines into rows: lines closer than the table's own line spacing (times
    ``row_gap_ratio``) wrap inside one row; a wider gap starts the next row. A table whose
    lines are evenly spaced has one line per row."""
    if len(lines) < 2:
        return [lines]
    deltas = [b.baseline - a.baseline for a, b in zip(lines, lines[1:], strict=False)]
    leading = min(deltas)
    if max(deltas) <= leading * settings.row_gap_ratio:
        return [[line] for line in lines]
    rows = [[lines[0]]]
    for delta, line in zip(deltas, lines[1:], strict=True):
        if delta > leading * settings.row_gap_ratio:
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


def _split_line_at_columns(line: Line, columns: list[float], settings: PdfSettings) -> dict[int, Line]:
    tol = settings.column_tolerance
    parts: dict[int, list[Char]] = {}
    for ch in line.chars:
        centre = (ch.x0 + ch.x1) / 2
        col = max((i for i, x in enumerate(columns) if centre >= x - tol), default=0)
        parts.setdefault(col, []).append(ch)
    return {col: make_line(chars, settings) for col, chars in parts.items()}


def lines_to_aligned_table(
    lines: list[Line],
    page_number: int,
    table_id: str,
    settings: PdfSettings = PDF_SETTINGS,
    vocabulary: set[str] | None = None,
) -> Table:
    """A borderless table: columns from aligned segment starts, rows from line spacing,
    the text of wrapped cells joined (``Januar`` + ``y 2020`` → ``January 2020``)."""
    columns = line_runs_to_columns(lines, settings)
    cells: list[Cell] = []
    for r, row in enumerate(lines_to_rows(lines, settings)):
        pieces: dict[int, list[Line]] = {}
        for line in row:
            for col, part in _split_line_at_columns(line, columns, settings).items():
                pieces.setdefault(col, []).append(part)
        for col, parts in sorted(pieces.items()):
            text = ""
            for part in parts:
                text = join_wrapped(text, part.text, vocabulary)
            clean, refs = strip_markers(text)
            bbox = box_around(parts)
            cells.append(
                Cell(
                    row=r,
                    col=col,
                    text=clean,
                    raw="\n".join(p.text for p in parts),
                    bbox=bbox,
                    page=page_number,
                    footnote_refs=refs,
                )
            )
    bbox = box_around(lines)
    n_rows = 1 + max((c.row for c in cells), default=0)
    return Table(
        id=table_id,
        page=page_number,
        pages=[page_number],
        n_rows=n_rows,
        n_cols=len(columns),
        cells=cells,
        bbox=bbox,
        ruled=False,
    )


def join_wrapped(left: str, right: str, vocabulary: set[str] | None = None) -> str:
    """Join two lines of one table cell. Narrow cells break inside words (``Mop``/``ti``,
    ``Januar``/``y 2020``) and at the space of a thousands group (``20``/``437``): a
    letter followed by a lower-case letter is one word unless both halves are known words
    and the whole is not; a digit group followed by three digits keeps its space."""
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return left + right
    if left[-1].isalpha() and right[0].islower():
        head = re.search(r"([^\W\d_]+)$", left).group(1).lower()
        tail = re.match(r"([^\W\d_]+)", right).group(1).lower()
        if vocabulary and head in vocabulary and tail in vocabulary and head + tail not in vocabulary:
            return left + " " + right
        return left + right
    if left[-1] in "/-–" and not left.endswith(" -"):
        return left + right
    return join_lines(left, right, vocabulary)


def join_continued_tables(pages: list[Page], vocabulary: set[str] | None = None) -> None:
    """A table that ends a page and one that starts the next page with the same header row
    are one table: the repeated header is dropped, and a first row whose label starts in
    lower case (the rest of a row cut by the page break) is merged into the last row."""
    previous: Block | None = None
    for page in pages:
        body = [b for b in page.blocks if b.kind not in (BlockKind.footnote, BlockKind.header, BlockKind.footer)]
        if previous is not None and body and body[0].kind is BlockKind.table and body[0].table is not None:
            first = body[0]
            if _header(previous.table) == _header(first.table) and previous.table.n_cols == first.table.n_cols:
                _append_table(previous.table, first.table, vocabulary)
                page.blocks.remove(first)
                body = body[1:]
                previous.text = table_text(previous.table)
                if not body:
                    continue
        previous = body[-1] if body and body[-1].kind is BlockKind.table and body[-1].table is not None else None


def _header(table: Table) -> list[str]:
    return [re.sub(r"\s+", "", t).lower() for t in table.grid()[0]] if table.n_rows else []


def _append_table(base: Table, more: Table, vocabulary: set[str] | None) -> None:
    rows = {}
    for cell in more.cells:
        if cell.row > 0:
            rows.setdefault(cell.row, []).append(cell)
    ordered = [rows[r] for r in sorted(rows)]
    if ordered:
        stub = next((c for c in ordered[0] if c.col == 0), None)
        if stub is None or stub.text[:1].islower():
            last = {c.col: c for c in base.cells if c.row == base.n_rows - 1}
            for cell in ordered.pop(0):
                if cell.col in last:
                    target = last[cell.col]
                    target.text = join_wrapped(target.text, cell.text, vocabulary)
                    target.raw = target.raw + "\n" + cell.raw
                    target.footnote_refs = target.footnote_refs + cell.footnote_refs
                else:
                    base.cells.append(cell.model_copy(update={"row": base.n_rows - 1}))
    for i, row in enumerate(ordered):
        for cell in row:
            base.cells.append(cell.model_copy(update={"row": base.n_rows + i}))
    base.n_rows += len(ordered)
    for page in more.pages:
        if page not in base.pages:
            base.pages.append(page)
