"""Ingest of PDF reports with pypdfium2.

pdfium gives every character with its box, baseline and font size at ~100× the speed
of pdfminer, and every ruling line as a path object. From those this module builds the
page the way a reader sees it, as a chain of small functions:

``page_to_chars`` → ``chars_to_lines`` (superscript markers folded into their line as
``⁰-⁹``) → ``split_columns`` (a two-column page cut at its gutter, with its reading
order: full-width bands and column runs) → ``page_to_rules`` → ``rules_to_grids`` (pdfplumber's own edge → intersection →
cell → table functions) → ``split_footnote_area`` → ``lines_to_blocks``; running
headers and footers are found across pages by ``mark_running_lines``. Pages without a
text layer are read by tesseract (``ocr_pages``), each block with its mean word confidence.

Tunables live in :data:`PDF_SETTINGS`, validated by :func:`pdf_settings`.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.errors import CorruptPDFError, EncryptedPDFError, NoTextLayerError, TooManyPagesError
from pipeline.readers.text import table_text
from pipeline.readers.textutil import (SUPERSCRIPT_DIGITS, ends_sentence, join_lines, looks_like_heading, starts_continuation,
                               strip_markers, superscript_to_int, vocabulary as make_vocabulary)
from schemas.document import BBox, Block, BlockKind, Cell, Page, Table

PDF_SETTINGS: dict[str, float] = {
    # A char at most this share of its line's font size, with its baseline raised by at
    # least ``superscript_rise`` of that size, is a superscript (a footnote marker if a digit).
    "superscript_size_ratio": 0.8,
    "superscript_rise": 0.2,
    # Chars whose baselines differ by less than this share of the font size share a line.
    "baseline_tolerance": 0.3,
    # A horizontal gap wider than this share of the font size ends a line segment
    # (table cells and two-column cover tables are made of segments).
    "segment_gap": 1.0,
    # A gap wider than this share of the font size between two chars is a word space.
    "space_gap": 0.15,
    # Lines further apart than this many font sizes (baseline to baseline) start a new block.
    "paragraph_leading": 1.45,
    # A heading is larger than the body by this many points, or bold, and at most this long.
    "heading_size_delta": 1.5,
    "heading_max_chars": 200,
    # The footnote separator: a short horizontal rule this share of the text width at most.
    "footnote_rule_max_width": 0.55,
    # Lines in this top/bottom share of the page that repeat on this share of pages are
    # running headers/footers.
    "running_margin": 0.09,
    "running_min_share": 0.5,
    # Ruling lines: thinner than this are lines; pdfplumber snaps/joins edges within these.
    "rule_max_thickness": 2.5,
    "snap_tolerance": 3.0,
    "join_tolerance": 3.0,
    "intersection_tolerance": 3.0,
    # Borderless tables: segment starts within this many points are one column; a gap
    # between lines wider than the table's line spacing times this ratio starts a new row.
    "column_tolerance": 8.0,
    "row_gap_ratio": 1.15,
    # Two-column pages: the gutter is a vertical gap, centred in this middle share of the
    # page, that at least ``columns_min_lines`` lines on each side stand clear of, each side
    # filled by one-segment lines at least ``columns_min_fill`` of the column's width (median),
    # the narrower column at least ``columns_min_balance`` of the wider: prose, not a
    # borderless table or labels beside their values. A bold or larger line in one column,
    # the other empty ``columns_break_lines`` line heights above and below it, is a
    # full-width heading between two runs of columns.
    "columns_search": 0.4,
    "columns_min_lines": 2,
    "columns_min_fill": 0.6,
    "columns_min_balance": 0.7,
    "columns_break_lines": 0.3,
}


def pdf_settings(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """:data:`PDF_SETTINGS` with ``overrides`` applied; unknown keys and negative values are refused."""
    settings = dict(PDF_SETTINGS)
    for key, value in (overrides or {}).items():
        if key not in PDF_SETTINGS:
            raise ValueError(f"unknown PDF setting {key!r}; known: {', '.join(sorted(PDF_SETTINGS))}")
        if not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"PDF setting {key!r} must be a non-negative number, got {value!r}")
        settings[key] = float(value)
    return settings


_BULLETS = "•▪●◦‣∙·\uf0b7\uf0a7\uf076\uf0d8–-"
_SUPER = str.maketrans("0123456789", SUPERSCRIPT_DIGITS)


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float
    bold: bool
    space_before: bool = False
    superscript: bool = False


@dataclass(slots=True)
class Line:
    chars: list[Char]
    x0: float
    top: float
    x1: float
    bottom: float
    baseline: float
    size: float
    bold: bool
    text: str = ""
    segments: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass(slots=True)
class Rule:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


# ---------------------------------------------------------------- chars and lines


# FPDFText_GetTextObject with an integer result: the object's address is only a cache key.
_text_object = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p).value)


def page_to_chars(textpage: pdfium.PdfTextPage, height: float) -> list[Char]:
    """Every printed char with its box (top-down coordinates), baseline, size and weight.

    The page's text comes in one call; font size and weight are read once per text object
    (a run of chars in one font), so each char costs three calls into pdfium."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    if n <= 0:
        return []
    buffer = ctypes.create_string_buffer((n + 1) * 2)
    got = pdfium_c.FPDFText_GetText(raw, 0, n, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[: max(0, got - 1) * 2].decode("utf-16-le", errors="replace")
    if len(text) != n:  # chars outside the BMP: ask char by char
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(n))
    chars: list[Char] = []
    rect = pdfium_c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    styles: dict[int, tuple[float, bool]] = {}
    fonts: dict[bytes, bool] = {}
    pending_space = False
    for i, ch in enumerate(text):
        if not ch or ch.isspace() or ch == "\x00":
            pending_space = True
            continue
        if ch in "\x02\ufffe":  # pdfium marks a hyphen at a line end; join_lines decides if it stays
            ch = "-"
        key = _text_object(raw, i) or -1
        style = styles.get(key) if key != -1 else None
        if style is None:
            size = pdfium_c.FPDFText_GetFontSize(raw, i)
            pdfium_c.FPDFText_GetFontInfo(raw, i, name, 128, ctypes.byref(flags))
            bold = fonts.get(name.value)
            if bold is None:
                bold = fonts[name.value] = bool(re.search(rb"bold|black|heavy|semibold", name.value, re.I))
            style = (size, bold or pdfium_c.FPDFText_GetFontWeight(raw, i) >= 600)
            if key != -1:
                styles[key] = style
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, ctypes.byref(rect))
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ctypes.byref(ox), ctypes.byref(oy))
        chars.append(Char(ch, rect.left, height - rect.top, rect.right, height - rect.bottom, height - oy.value,
                          style[0], style[1], pending_space))
        pending_space = False
    return chars


def chars_to_lines(chars: list[Char], settings: dict[str, float]) -> list[Line]:
    """Group chars into lines by baseline; fold raised small chars (footnote markers) into
    the line they belong to and mark them ``superscript``."""
    if not chars:
        return []
    ordered = sorted(chars, key=lambda c: (c.baseline, c.x0))
    groups: list[list[Char]] = []
    for ch in ordered:
        tol = settings["baseline_tolerance"] * max(ch.size, 1.0)
        if groups and abs(groups[-1][0].baseline - ch.baseline) <= tol:
            groups[-1].append(ch)
        else:
            groups.append([ch])
    # A group of small chars just above a group of larger ones is its superscripts.
    sizes = [statistics.median(c.size for c in g) for g in groups]
    absorbed = [False] * len(groups)
    for i, group in enumerate(groups):
        size = sizes[i]
        for j in range(i + 1, min(i + 4, len(groups))):
            other = groups[j]
            if sizes[j] <= size:
                continue
            rise = other[0].baseline - group[0].baseline
            if (
                size <= settings["superscript_size_ratio"] * sizes[j]
                and settings["superscript_rise"] * sizes[j] <= rise <= 0.8 * sizes[j]
                and _overlaps_x(group, other, sizes[j])
            ):
                other.extend(group)
                absorbed[i] = True
                break
    lines = []
    for i, group in enumerate(groups):
        if absorbed[i]:
            continue
        lines.append(_make_line(group, settings))
    lines.sort(key=lambda l: (l.baseline, l.x0))
    return lines


def _overlaps_x(a: list[Char], b: list[Char], size: float) -> bool:
    """True when the chars of ``a`` stand within (or just beside) the horizontal extent of ``b``."""
    return min(c.x0 for c in a) >= min(c.x0 for c in b) - 2 * size and max(c.x1 for c in a) <= max(c.x1 for c in b) + 2 * size


def _make_line(chars: list[Char], settings: dict[str, float]) -> Line:
    chars.sort(key=lambda c: c.x0)
    size = Counter(c.size for c in chars).most_common(1)[0][0]
    base = Counter(c.baseline for c in chars if c.size == size).most_common(1)[0][0]
    for c in chars:
        c.superscript = c.size <= settings["superscript_size_ratio"] * size and (base - c.baseline) >= settings["superscript_rise"] * size
    body = [c for c in chars if not c.superscript] or chars
    line = Line(
        chars=chars,
        x0=min(c.x0 for c in chars),
        top=min(c.top for c in body),
        x1=max(c.x1 for c in chars),
        bottom=max(c.bottom for c in body),
        baseline=base,
        size=size,
        bold=sum(c.bold for c in body) > len(body) / 2,
    )
    line.text, line.segments = _line_text(chars, size, settings)
    return line


def _line_text(chars: list[Char], size: float, settings: dict[str, float]) -> tuple[str, list[tuple[float, float, str]]]:
    """The line's text (superscript digits as ``⁰-⁹``) and its segments split at wide gaps."""
    segments: list[tuple[float, float, str]] = []
    parts: list[str] = []
    seg_start = chars[0].x0
    prev: Char | None = None
    for c in chars:
        ch = c.text.translate(_SUPER) if c.superscript and c.text.isdigit() else c.text
        if prev is not None:
            gap = c.x0 - prev.x1
            if gap > settings["segment_gap"] * size:
                segments.append((seg_start, prev.x1, "".join(parts).strip()))
                parts, seg_start = [], c.x0
            elif (c.space_before or gap > settings["space_gap"] * size) and not (c.superscript and ch in SUPERSCRIPT_DIGITS):
                parts.append(" ")
        parts.append(ch)
        prev = c
    segments.append((seg_start, chars[-1].x1, "".join(parts).strip()))
    if len(segments) > 1 and len(segments[0][2]) == 1 and segments[0][2] in _BULLETS:
        bullet, first = segments[0], segments[1]  # a list bullet hangs before its text
        segments[:2] = [(bullet[0], first[1], bullet[2] + " " + first[2])]
    text = "   ".join(s[2] for s in segments) if len(segments) > 1 else segments[0][2]
    return text, segments


# ---------------------------------------------------------------- rules and ruled tables


def page_to_rules(page: pdfium.PdfPage, height: float, settings: dict[str, float]) -> list[Rule]:
    """Thin path objects (ruling lines, table borders, the footnote separator)."""
    rules = []
    thick = settings["rule_max_thickness"]
    page_width = page.get_width()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if (h <= thick and w > thick) or (w <= thick and h > thick):
            rules.append(Rule(x0=left, top=height - top, x1=right, bottom=height - bottom))
        elif thick < w < 0.95 * page_width and thick < h < 0.5 * height:
            # A drawn rectangle (a table cell border): its four sides, as pdfplumber's rect edges.
            t, b = height - top, height - bottom
            rules += [Rule(left, t, right, t), Rule(left, b, right, b), Rule(left, t, left, b), Rule(right, t, right, b)]
    return rules


def rules_to_grids(rules: list[Rule], settings: dict[str, float]) -> list[list[BBox]]:
    """Cells of every ruled table, via pdfplumber's edge → intersection → cell → table chain."""
    from pdfplumber import table as pt

    edges = []
    for r in rules:
        if r.horizontal:
            y = (r.top + r.bottom) / 2
            edges.append({"x0": r.x0, "x1": r.x1, "top": y, "bottom": y, "width": r.x1 - r.x0, "height": 0, "orientation": "h", "object_type": "line"})
        else:
            x = (r.x0 + r.x1) / 2
            edges.append({"x0": x, "x1": x, "top": r.top, "bottom": r.bottom, "width": 0, "height": r.bottom - r.top, "orientation": "v", "object_type": "line"})
    if not any(e["orientation"] == "v" for e in edges):
        return []
    snap, join = settings["snap_tolerance"], settings["join_tolerance"]
    edges = pt.merge_edges(edges, snap, snap, join, join)
    tol = settings["intersection_tolerance"]
    intersections = pt.edges_to_intersections(edges, tol, tol)
    cells = pt.intersections_to_cells(intersections)
    return [t for t in pt.cells_to_tables(cells) if len(t) >= 2]


def grid_to_table(cells: list[BBox], lines: list[Line], page_number: int, table_id: str, settings: dict[str, float]) -> tuple[Table, set[int]]:
    """Fill a ruled grid with the text of the lines inside it; returns the table and the
    ids of the lines it used (so they do not also become paragraphs)."""
    xs = sorted({round(c[0], 1) for c in cells})
    ys = sorted({round(c[1], 1) for c in cells})
    used: set[int] = set()
    out: list[Cell] = []
    for x0, top, x1, bottom in cells:
        inside = []
        for line in lines:
            if line.bottom < top - 2 or line.top > bottom + 2:
                continue
            chars = [c for c in line.chars if x0 - 1 <= (c.x0 + c.x1) / 2 <= x1 + 1 and top - 1 <= (c.top + c.bottom) / 2 <= bottom + 1]
            if chars:
                inside.append(_make_line(list(chars), settings))
                used.add(id(line))
        raw = "\n".join(l.text for l in inside)
        text = ""
        for l in inside:
            text = join_lines(text, l.text)
        clean, refs = strip_markers(text)
        out.append(Cell(row=ys.index(round(top, 1)), col=xs.index(round(x0, 1)), text=clean, raw=raw, bbox=(x0, top, x1, bottom), page=page_number, footnote_refs=refs))
    bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
    table = Table(id=table_id, page=page_number, pages=[page_number], n_rows=len(ys), n_cols=len(xs), cells=out, bbox=bbox, ruled=True)
    return table, used


def line_runs_to_columns(lines: list[Line], settings: dict[str, float]) -> list[float]:
    """Left edges of the columns of a borderless table: segment starts that line up on at
    least two lines (a lone start is text wrapped inside a cell)."""
    tol = settings["column_tolerance"]
    starts = sorted(s[0] for line in lines for s in line.segments)
    clusters: list[list[float]] = []
    for x in starts:
        if clusters and x - clusters[-1][-1] <= tol:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    columns = [min(c) for c in clusters if len(c) >= 2]
    return columns or [starts[0]]


def lines_to_rows(lines: list[Line], settings: dict[str, float]) -> list[list[Line]]:
    """Group a table's lines into rows: lines closer than the table's own line spacing (times
    ``row_gap_ratio``) wrap inside one row; a wider gap starts the next row. A table whose
    lines are evenly spaced has one line per row."""
    if len(lines) < 2:
        return [lines]
    deltas = [b.baseline - a.baseline for a, b in zip(lines, lines[1:])]
    leading = min(deltas)
    if max(deltas) <= leading * settings["row_gap_ratio"]:
        return [[line] for line in lines]
    rows = [[lines[0]]]
    for delta, line in zip(deltas, lines[1:]):
        if delta > leading * settings["row_gap_ratio"]:
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


def _split_line_at_columns(line: Line, columns: list[float], tol: float, settings: dict[str, float]) -> dict[int, Line]:
    parts: dict[int, list[Char]] = {}
    for ch in line.chars:
        centre = (ch.x0 + ch.x1) / 2
        col = max((i for i, x in enumerate(columns) if centre >= x - tol), default=0)
        parts.setdefault(col, []).append(ch)
    return {col: _make_line(chars, settings) for col, chars in parts.items()}


def lines_to_aligned_table(lines: list[Line], page_number: int, table_id: str, settings: dict[str, float] | None = None,
                           vocabulary: set[str] | None = None) -> Table:
    """A borderless table: columns from aligned segment starts, rows from line spacing,
    the text of wrapped cells joined (``Januar`` + ``y 2020`` → ``January 2020``)."""
    settings = settings or PDF_SETTINGS
    columns = line_runs_to_columns(lines, settings)
    tol = settings["column_tolerance"]
    cells: list[Cell] = []
    for r, row in enumerate(lines_to_rows(lines, settings)):
        pieces: dict[int, list[Line]] = {}
        for line in row:
            for col, part in _split_line_at_columns(line, columns, tol, settings).items():
                pieces.setdefault(col, []).append(part)
        for col, parts in sorted(pieces.items()):
            text = ""
            for part in parts:
                text = join_wrapped(text, part.text, vocabulary)
            clean, refs = strip_markers(text)
            bbox = (min(p.x0 for p in parts), min(p.top for p in parts), max(p.x1 for p in parts), max(p.bottom for p in parts))
            cells.append(Cell(row=r, col=col, text=clean, raw="\n".join(p.text for p in parts), bbox=bbox, page=page_number, footnote_refs=refs))
    bbox = (min(l.x0 for l in lines), min(l.top for l in lines), max(l.x1 for l in lines), max(l.bottom for l in lines))
    n_rows = 1 + max((c.row for c in cells), default=0)
    return Table(id=table_id, page=page_number, pages=[page_number], n_rows=n_rows, n_cols=len(columns), cells=cells, bbox=bbox, ruled=False)


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


# ---------------------------------------------------------------- page layout


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


def _crosses(line: Line, x: float) -> bool:
    return any(s0 < x - 1 < x + 1 < s1 for s0, s1, _ in line.segments)


def _sides(line: Line, x: float) -> tuple[list, list]:
    return [s for s in line.segments if s[1] <= x], [s for s in line.segments if s[0] >= x]


def _is_prose_run(run: list[Line], x: float, settings: dict[str, float]) -> bool:
    """Both sides of ``x`` hold enough lines of one segment each, filling columns of about
    the same width."""
    lefts = [_sides(l, x)[0] for l in run]
    rights = [_sides(l, x)[1] for l in run]
    lefts, rights = [s for s in lefts if s], [s for s in rights if s]
    n = settings["columns_min_lines"]
    if len(lefts) < n or len(rights) < n:
        return False
    x_left = min(s[0][0] for s in lefts)
    x_right = max(s[-1][1] for s in rights)
    narrow, wide = sorted((x - x_left, x_right - x))
    if narrow < settings["columns_min_balance"] * wide:
        return False  # a column of labels beside their values: a table, not a page in columns
    fill_left = statistics.median((s[-1][1] - s[0][0]) / max(1.0, x - x_left) for s in lefts)
    fill_right = statistics.median((s[-1][1] - s[0][0]) / max(1.0, x_right - x) for s in rights)
    single = statistics.median(len(s) for s in lefts + rights)
    return single == 1 and min(fill_left, fill_right) >= settings["columns_min_fill"]


def _runs(lines: list[Line], x: float) -> list[list[Line]]:
    """Runs of consecutive lines (top to bottom) that no line crossing ``x`` interrupts."""
    runs: list[list[Line]] = [[]]
    for line in lines:
        if _crosses(line, x) or len(_sides(line, x)[0]) > 1 and _sides(line, x)[1]:
            runs.append([])
        else:
            runs[-1].append(line)
    return [r for r in runs if r]


def find_gutter(lines: list[Line], width: float, settings: dict[str, float]) -> float | None:
    """The x of a two-column page's gutter: the vertical gap in the middle of the page that
    the most lines of prose runs stand clear of; None for a one-column page."""
    share = settings["columns_search"]
    lo, hi = width * (0.5 - share / 2), width * (0.5 + share / 2)
    # A line that covers the whole middle of the page rules out every gutter, and a right
    # column is text that starts past the middle's left edge: skip the search on pages with
    # few such lines (nearly every one-column page).
    open_lines = [l for l in lines if not any(s0 <= lo and s1 >= hi for s0, s1, _ in l.segments)]
    right_starts = [l for l in open_lines if any(s0 >= lo for s0, _, _ in l.segments)]
    if len(right_starts) < 2 * settings["columns_min_lines"]:
        return None
    best, best_xs = 0, []
    x = lo
    while x <= hi:
        score = sum(len(run) for run in _runs(lines, x) if _is_prose_run(run, x, settings))
        if score > best:
            best, best_xs = score, [x]
        elif score == best and score:
            best_xs.append(x)
        x += 2.0
    if not best_xs:
        return None
    # The middle of the widest stretch of best positions: the gutter's centre.
    stretches: list[list[float]] = [[best_xs[0]]]
    for x in best_xs[1:]:
        if x - stretches[-1][-1] <= 2.01:
            stretches[-1].append(x)
        else:
            stretches.append([x])
    widest = max(stretches, key=len)
    return (widest[0] + widest[-1]) / 2


def split_columns(lines: list[Line], width: float, settings: dict[str, float]) -> tuple[list[Line], ColumnLayout | None]:
    """Lines of a two-column page cut at the gutter (a line of each column that shares a
    baseline with one of the other was read as one line), and the page's reading order:
    full-width lines (headings, tables, footnotes) where they stand, the two-column runs
    between them left column first. Pages without a gutter come back as they were."""
    gutter = find_gutter(lines, width, settings)
    if gutter is None:
        return lines, None
    out: list[Line] = []
    bands: list[tuple[float, float, bool]] = []
    ordered = sorted(lines, key=lambda l: l.baseline)
    runs = _runs(ordered, gutter)
    run_of = {id(l): i for i, run in enumerate(runs) for l in run}
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
        if not _is_prose_run(run, gutter, settings):
            out += run
            bands.append((min(l.top for l in run), max(l.bottom for l in run), False))
            continue
        pieces: list[Line] = []
        for l in run:
            left, right = _sides(l, gutter)
            if left and right and l.chars:
                pieces.append(_make_line([c for c in l.chars if (c.x0 + c.x1) / 2 < gutter], settings))
                pieces.append(_make_line([c for c in l.chars if (c.x0 + c.x1) / 2 >= gutter], settings))
            else:
                pieces.append(l)
        out += pieces
        bands += _column_bands(pieces, gutter, settings)
    bands.sort(key=lambda b: b[0])
    return out, ColumnLayout(gutter=gutter, bands=bands)


def _column_bands(pieces: list[Line], gutter: float, settings: dict[str, float]) -> list[tuple[float, float, bool]]:
    """Bands of one two-column run: a bold or larger line in one column with the other
    column empty around it (``columns_break_lines`` line heights above and below), and text
    in that other column both above and below, is a full-width line (a short heading
    between two runs)."""
    left = [p for p in pieces if p.x1 <= gutter]
    right = [p for p in pieces if p.x0 >= gutter]
    breaks = []
    body = statistics.median(p.size for p in pieces)
    for line in pieces:
        if not (line.bold or line.size >= body + 1.0):
            continue
        other = right if line.x1 <= gutter else left
        margin = settings["columns_break_lines"] * line.size
        clear = not any(o.bottom > line.top - margin and o.top < line.bottom + margin for o in other)
        if clear and any(o.bottom < line.top for o in other) and any(o.top > line.bottom for o in other):
            breaks.append(line)
    bands = []
    top = min(p.top for p in pieces)
    for line in sorted(breaks, key=lambda l: l.top):
        if line.top > top:
            bands.append((top, line.top - 0.5, True))
        bands.append((line.top - 0.5, line.bottom + 0.5, False))
        top = line.bottom + 0.5
    bands.append((top, max(p.bottom for p in pieces), True))
    return bands


def split_footnote_area(lines: list[Line], rules: list[Rule], text_x0: float, text_width: float, settings: dict[str, float]) -> tuple[list[Line], list[Line]]:
    """Body lines and footnote lines, split at the short separator rule above the footnotes
    (or, without one, at the first line from the bottom run that starts with a marker)."""
    candidates = [r for r in rules if _is_separator(r, rules, text_x0, text_width, settings) and any(l.top > r.bottom for l in lines)]
    if candidates:
        sep = max(candidates, key=lambda r: r.top)
        return [l for l in lines if l.bottom <= sep.top + 1], [l for l in lines if l.top > sep.bottom - 1]
    return lines, []


def mark_running_lines(pages_lines: list[tuple[float, list[Line]]], settings: dict[str, float]) -> list[set[int]]:
    """Ids of lines per page that are running headers/footers: in the top or bottom
    margin and repeating (digits ignored) on enough pages, or a bare page number."""
    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.strip().lower())

    margin_keys: Counter[str] = Counter()
    for height, lines in pages_lines:
        seen = set()
        for line in lines:
            if line.top < settings["running_margin"] * height or line.bottom > (1 - settings["running_margin"]) * height:
                seen.add(key(line))
        margin_keys.update(seen)
    n_pages = len(pages_lines)
    repeated = {k for k, n in margin_keys.items() if n_pages >= 3 and n >= settings["running_min_share"] * n_pages}
    out = []
    for height, lines in pages_lines:
        ids = set()
        for line in lines:
            in_margin = line.top < settings["running_margin"] * height or line.bottom > (1 - settings["running_margin"]) * height
            bare_number = re.fullmatch(r"(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?", line.text.strip(), re.I)
            if in_margin and (key(line) in repeated or bare_number):
                ids.add(id(line))
        out.append(ids)
    return out


def lines_to_blocks(lines: list[Line], body_size: float, page_number: int, settings: dict[str, float], vocabulary: set[str] | None = None,
                    layout: ColumnLayout | None = None) -> list[Block]:
    """Group body lines into paragraphs, headings and list items."""
    return [block for _, block in lines_to_keyed_blocks(lines, body_size, page_number, settings, vocabulary, layout)]


def lines_to_keyed_blocks(lines: list[Line], body_size: float, page_number: int, settings: dict[str, float],
                          vocabulary: set[str] | None = None, layout: ColumnLayout | None = None) -> list[tuple[tuple, Block]]:
    """Blocks of body lines, each with its place in reading order (the place of its first line).

    On a two-column page (``layout``) the lines come in reading order; a column or band
    goes on with the block before only when it plainly continues its sentence (lower case
    after no stop), else whether it continues is decided as across a page break
    (:func:`pipeline.readers.assemble.join_split_paragraphs`). A lone body-size line that ends a
    column is the first line of a paragraph cut by the column end, never a heading."""
    order = layout.key if layout is not None else (lambda x0, top: (0, 0, top))
    blocks: list[tuple[tuple, Block]] = []
    group: list[Line] = []

    def flush(column_end: bool = False) -> None:
        if group:
            blocks.append((order(group[0].x0, group[0].top),
                           _lines_block(group, body_size, page_number, settings, vocabulary, cut=column_end and layout is not None)))
            group.clear()

    for line in lines:
        if group:
            prev = group[-1]
            leading = line.baseline - prev.baseline
            moved = layout is not None and order(line.x0, line.top)[:2] != order(prev.x0, prev.top)[:2]
            if moved:
                leading = 0.0 if not ends_sentence(prev.text) and starts_continuation(line.text) else float("inf")
            new = (
                leading > settings["paragraph_leading"] * max(prev.size, line.size)
                or abs(line.size - prev.size) > 1.0
                or line.bold != prev.bold
                or _starts_bullet(line)
            )
            if new:
                flush(column_end=moved)
        group.append(line)
    flush(column_end=True)
    return blocks


def _starts_bullet(line: Line) -> bool:
    t = line.text.lstrip()
    return len(t) > 2 and t[0] in _BULLETS and t[1] == " "


def _lines_block(lines: list[Line], body_size: float, page_number: int, settings: dict[str, float], vocabulary: set[str] | None,
                 cut: bool = False) -> Block:
    text = ""
    for line in lines:
        text = join_lines(text, line.text, vocabulary)
    kind = BlockKind.paragraph
    if _starts_bullet(lines[0]):
        kind = BlockKind.list_item
        text = text.lstrip()[1:].lstrip()
    size = statistics.median(l.size for l in lines)
    clean, refs = strip_markers(text)
    if kind is BlockKind.paragraph and len(clean) <= settings["heading_max_chars"] and len(lines) <= 3 and not ends_sentence(clean):
        if size >= body_size + settings["heading_size_delta"] or (all(l.bold for l in lines) and size >= body_size - 0.5):
            kind = BlockKind.heading
        elif len(lines) == 1 and not cut and abs(size - body_size) < 0.6 and looks_like_heading(clean):
            kind = BlockKind.heading
    bbox = (min(l.x0 for l in lines), min(l.top for l in lines), max(l.x1 for l in lines), max(l.bottom for l in lines))
    return Block(id="", kind=kind, text=clean, page=page_number, start=0, end=0, bbox=bbox, footnote_refs=refs)


def footnote_lines_to_blocks(lines: list[Line], page_number: int, vocabulary: set[str] | None = None) -> list[Block]:
    """One block per footnote: a line starting with a marker opens one, others continue it.
    A first line with no marker continues the previous page's last footnote (``footnote_number`` None)."""
    blocks: list[Block] = []
    marker = re.compile(f"^([{SUPERSCRIPT_DIGITS}]+)\\s*")
    for line in lines:
        m = marker.match(line.text)
        if m:
            blocks.append(Block(id="", kind=BlockKind.footnote, text=line.text[m.end():], page=page_number, start=0, end=0,
                                bbox=(line.x0, line.top, line.x1, line.bottom), footnote_number=superscript_to_int(m.group(1))))
        elif blocks:
            b = blocks[-1]
            b.text = join_lines(b.text, line.text, vocabulary)
            b.bbox = (min(b.bbox[0], line.x0), b.bbox[1], max(b.bbox[2], line.x1), line.bottom)
        else:
            blocks.append(Block(id="", kind=BlockKind.footnote, text=line.text, page=page_number, start=0, end=0,
                                bbox=(line.x0, line.top, line.x1, line.bottom), footnote_number=None))
    for b in blocks:
        b.text, b.footnote_refs = strip_markers(b.text)
    return blocks


# ---------------------------------------------------------------- the document


def open_pdf(data: bytes, path: str) -> pdfium.PdfDocument:
    if b"%%EOF" not in data[-4096:]:
        raise CorruptPDFError(path, "the PDF is truncated or damaged (it does not end with %%EOF); download it again")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise EncryptedPDFError(path, "the PDF is encrypted with a password; ask the sender for an unprotected copy") from None
        raise CorruptPDFError(path, f"the PDF is damaged and cannot be opened ({exc})") from None


def xref_points_at_xref(data: bytes) -> bool:
    """True when the last ``startxref`` offset points at a cross-reference table or stream."""
    found = list(re.finditer(rb"startxref\s+(\d+)", data[-4096:]))
    if not found:
        return False
    offset = int(found[-1].group(1))
    head = data[offset:offset + 32]
    return head.startswith(b"xref") or re.match(rb"\s*\d+\s+\d+\s+obj", head) is not None


def pdf_to_pages(data: bytes, path: str, settings: dict[str, float] | None = None, max_pages: int | None = None) -> tuple[list[Page], str, list[str]]:
    """Draft pages (blocks without spans) of a PDF, the plain text of all pages (for
    vocabulary and language), and warnings."""
    settings = pdf_settings(settings)
    pdf = open_pdf(data, path)
    warnings: list[str] = []
    if not xref_points_at_xref(data):
        warnings.append("the PDF's cross-reference table is damaged; pdfium rebuilt it, so check that no page is missing")
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise CorruptPDFError(path, "the PDF has no pages")
        if max_pages is not None and n_pages > max_pages:
            raise TooManyPagesError(path, f"the PDF has {n_pages} pages, more than the limit of {max_pages} "
                                          "(raise it with --max-pages for a long compilation)", "max_pages")
        page_data = []
        layouts: list[ColumnLayout | None] = []
        n_chars = 0
        for i in range(n_pages):
            try:
                page = pdf[i]
                width, height = page.get_size()
                textpage = page.get_textpage()
                chars = page_to_chars(textpage, height)
                rules = page_to_rules(page, height, settings)
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise CorruptPDFError(path, f"page {i + 1} cannot be read ({exc})") from None
            n_chars += len(chars)
            lines, layout = split_columns(chars_to_lines(chars, settings), width, settings)
            release_prose_chars(lines, rules, width)
            page_data.append((width, height, lines, rules))
            layouts.append(layout)
        if n_chars < 10:
            return ocr_pages(pdf, path)
    finally:
        pdf.close()
    return _layout(page_data, path, settings, warnings, layouts)


_TESSERACT_CODES = {"en": "eng", "fr": "fra", "de": "deu"}


def ocr_language(tesseract: str, sample: str) -> str:
    """The ``-l`` argument for a report whose first page read in English is ``sample``: its
    own language first (French, German) when tesseract has that language's data."""
    import subprocess

    from schemas import lang as languages

    code = _TESSERACT_CODES.get(languages.detect(sample), "eng")
    if code == "eng":
        return "eng"
    done = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=60)
    return f"{code}+eng" if code in done.stdout.split() else "eng"


def tsv_to_paragraphs(tsv: str) -> list[tuple[str, float]]:
    """Tesseract's TSV (one row per word with its block, paragraph, line and confidence) as
    paragraphs: their lines joined by newlines, and the mean confidence of their words (0-1)."""
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    confidence: dict[tuple[int, int], list[float]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]))
        paragraphs.setdefault(key, {}).setdefault(int(cols[4]), []).append(cols[11])
        confidence.setdefault(key, []).append(max(0.0, float(cols[10])) / 100)
    out = []
    for key, lines in paragraphs.items():
        text = "\n".join(" ".join(words) for _, words in sorted(lines.items()))
        out.append((text, round(sum(confidence[key]) / len(confidence[key]), 3)))
    return out


def ocr_pages(pdf: pdfium.PdfDocument, path: str, language: str | None = None, dpi: int = 300) -> tuple[list[Page], str, list[str]]:
    """Pages with no text layer read by the ``tesseract`` command, one page at a time; every
    block is marked ``ocr`` with the mean confidence of its words. Without tesseract: a
    clear error that says how to enable it."""
    import shutil
    import subprocess
    import tempfile

    from schemas.errors import OCRNeededError
    from pipeline.readers.text import chunks_to_blocks, text_to_chunks

    tesseract = shutil.which("tesseract")
    if tesseract is None:
        raise OCRNeededError(path, "the PDF has no text layer (a scan or images of text): OCR is needed. "
                                   "Install tesseract (Debian: apt-get install tesseract-ocr) and run again")
    from schemas import lang as languages

    lang = languages.load("en")
    pages: list[Page] = []
    texts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="coi-ocr-") as tmp:

        def read(i: int, codes: str) -> list[tuple[str, float]]:
            image = Path(tmp) / f"page-{i + 1}.png"
            if not image.exists():
                pdf[i].render(scale=dpi / 72).to_pil().save(image)
            done = subprocess.run([tesseract, str(image), "stdout", "-l", codes, "tsv"], capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise CorruptPDFError(path, f"OCR of page {i + 1} failed: {done.stderr.strip()[:200]}")
            return tsv_to_paragraphs(done.stdout)

        first = read(0, language or "eng")
        if language is None:  # read in English first; a French or German report again in its language
            language = ocr_language(tesseract, "\n".join(t for t, _ in first))
            if language != "eng":
                first = read(0, language)
        for i in range(len(pdf)):
            blocks: list[Block] = []
            page_text: list[str] = []
            for text, confidence in (first if i == 0 else read(i, language)):
                page_text.append(text)
                for block in chunks_to_blocks(text_to_chunks(text), lang):
                    block.page, block.ocr, block.ocr_confidence = i + 1, True, confidence
                    blocks.append(block)
            texts.append("\n\n".join(page_text))
            width, height = pdf[i].get_size()
            pages.append(Page(number=i + 1, width=width, height=height, blocks=blocks))
    if not any(t.strip() for t in texts):
        raise NoTextLayerError(path, "the PDF has no text layer, and OCR found no text on any page (blank pages or pictures only)")
    return pages, "\n".join(texts), ["the PDF has no text layer: its text was read by OCR (tesseract); check figures against the page images"]


def release_prose_chars(lines: list[Line], rules: list[Rule], width: float) -> None:
    """Drop the per-char records of lines that can only be prose (one segment, longer than
    half the page, outside every ruled area): only table lines need their chars again, and
    keeping every char of a long report is most of its memory."""
    ruled = [(r.top, r.bottom) for r in rules if not r.horizontal]
    for line in lines:
        if len(line.segments) == 1 and line.x1 - line.x0 > width / 2 and not any(t - 2 <= line.top <= b + 2 for t, b in ruled):
            line.chars = []


def _layout(page_data, path: str, settings: dict[str, float], warnings: list[str],
            layouts: list[ColumnLayout | None] | None = None) -> tuple[list[Page], str, list[str]]:
    all_lines = [(h, lines) for _, h, lines, _ in page_data]
    plain = "\n".join(l.text for _, lines in all_lines for l in lines)
    # The report's own words, from its prose lines only: the fragments of wrapped table
    # cells (``Ouda``/``lan``) must not count as words.
    vocab = make_vocabulary("\n".join(l.text for _, lines in all_lines for l in lines if len(l.segments) == 1))
    sizes = Counter()
    for _, lines in all_lines:
        for l in lines:
            sizes[round(l.size, 1)] += len(l.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0
    running = mark_running_lines(all_lines, settings)
    body_lines = [l for _, lines in all_lines for l in lines if abs(l.size - body_size) < 0.6]
    text_x0 = min((l.x0 for l in body_lines), default=0.0)
    text_x1 = max((l.x1 for l in body_lines), default=0.0)
    pages: list[Page] = []
    n_tables = 0
    for index, ((width, height, _, rules), (_, lines), run_ids) in enumerate(zip(page_data, all_lines, running)):
        number = index + 1
        page = Page(number=number, width=width, height=height)
        header_footer = [l for l in lines if id(l) in run_ids]
        content = [l for l in lines if id(l) not in run_ids]
        body, notes = split_footnote_area(content, rules, text_x0, text_x1 - text_x0, settings)
        layout = layouts[index] if layouts else None
        order = layout.key if layout is not None else (lambda x0, top: (0, 0, top))
        if layout is not None:
            body.sort(key=lambda l: order(l.x0, l.top))
        placed: list[tuple[tuple, Block]] = []
        for grid in rules_to_grids([r for r in rules if not _is_separator(r, rules, text_x0, text_x1 - text_x0, settings)], settings):
            n_tables += 1
            table, used = grid_to_table(grid, body, number, f"t{n_tables}", settings)
            body = [l for l in body if id(l) not in used]
            placed.append((order(table.bbox[0], table.bbox[1]), Block(id="", kind=BlockKind.table, text=table_text(table), page=number, start=0, end=0, bbox=table.bbox, table=table)))
        for run in _aligned_runs(body):
            n_tables += 1
            table = lines_to_aligned_table(run, number, f"t{n_tables}", settings, vocab)
            ids = {id(l) for l in run}
            body = [l for l in body if id(l) not in ids]
            placed.append((order(table.bbox[0], table.bbox[1]), Block(id="", kind=BlockKind.table, text=table_text(table), page=number, start=0, end=0, bbox=table.bbox, table=table)))
        placed += lines_to_keyed_blocks(body, body_size, number, settings, vocab, layout)
        placed.sort(key=lambda p: p[0])
        blocks = [b for _, b in placed]
        for line in header_footer:
            kind = BlockKind.header if line.top < height / 2 else BlockKind.footer
            blocks.append(Block(id="", kind=kind, text=line.text, page=number, start=0, end=0, bbox=(line.x0, line.top, line.x1, line.bottom)))
        blocks += footnote_lines_to_blocks(notes, number, vocab)
        page.blocks = blocks
        pages.append(page)
    _join_footnotes_across_pages(pages)
    join_continued_tables(pages, vocab)
    tables = [b.table for page in pages for b in page.blocks if b.table is not None]
    for i, table in enumerate(tables, start=1):
        table.id = f"t{i}"
        table.cells.sort(key=lambda c: (c.row, c.col))
    return pages, plain, warnings


def _is_separator(rule: Rule, rules: list[Rule], text_x0: float, text_width: float, settings: dict[str, float]) -> bool:
    """A footnote separator: a short horizontal rule at the left margin that no vertical
    rule meets (a table's border is met by its column lines)."""
    if not (rule.horizontal and (rule.x1 - rule.x0) <= settings["footnote_rule_max_width"] * text_width and abs(rule.x0 - text_x0) <= 20):
        return False
    tol = settings["intersection_tolerance"]
    return not any(
        not v.horizontal and rule.x0 - tol <= v.x0 <= rule.x1 + tol and v.top - tol <= rule.top <= v.bottom + tol
        for v in rules
    )


def _aligned_runs(lines: list[Line]) -> list[list[Line]]:
    """Runs of consecutive lines of which at least two have several segments, with the
    single-segment lines between them (wrapped cells)."""
    runs: list[list[Line]] = []
    current: list[Line] = []
    multi = 0
    for line in lines:
        if len(line.segments) >= 2:
            current.append(line)
            multi += 1
        elif current and _aligned_with(line, current):
            current.append(line)
        else:
            if multi >= 2:
                runs.append(current)
            current, multi = [], 0
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


def _aligned_with(line: Line, run: list[Line]) -> bool:
    starts = {round(s[0]) for l in run for s in l.segments}
    gap = line.baseline - run[-1].baseline
    return any(abs(line.segments[0][0] - x) <= 3 for x in starts) and gap <= 1.45 * line.size


def _join_footnotes_across_pages(pages: list[Page]) -> None:
    last: Block | None = None
    for page in pages:
        for block in list(page.blocks):
            if block.kind is not BlockKind.footnote:
                continue
            if block.footnote_number is None and last is not None:
                last.text = join_lines(last.text, block.text)
                page.blocks.remove(block)
            else:
                last = block
