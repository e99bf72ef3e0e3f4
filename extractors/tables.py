"""What a table's cells mean: numbers, header and stub, periods and places, the total
row and column, the caption's population and source; tidy records; total checks.

Nothing here knows a country: labels are read as dates with the report language's month
words, totals and "no data" markers come from ``schemas/lang/<code>.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.dates import DateValue, parse_date
from schemas.document import Document, Table
from schemas.extraction import CellProvenance, TableRecord, Warning
from schemas.lang import Language, alternation, word_pattern

_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")


@dataclass(frozen=True)
class CellValue:
    value: int | float | None
    status: str
    """``value``, ``nil``, ``not_available`` or ``text`` (not a figure)."""


def number_convention(texts: list[str], lang: Language) -> tuple[tuple[str, ...], str]:
    """(thousands separators, decimal mark) for one table: the language's, unless the
    table itself shows the other convention (``43.750`` groups in an English report)."""
    seps, mark = lang.tables.thousands_separators, lang.tables.decimal_mark
    stripped = [t.strip() for t in texts]
    dot_groups = sum(bool(_DOT_GROUPS.fullmatch(t)) for t in stripped)
    comma_groups = sum(bool(_COMMA_GROUPS.fullmatch(t)) for t in stripped)
    dot_decimals = sum(bool(_DOT_DECIMALS.fullmatch(t)) for t in stripped)
    comma_decimals = sum(bool(_COMMA_DECIMALS.fullmatch(t)) for t in stripped)
    if mark == "." and dot_groups and not dot_decimals and not comma_groups:
        return tuple(s for s in seps if s != ",") + (".",), ","
    if mark == "," and comma_groups and not comma_decimals and not dot_groups:
        return tuple(s for s in seps if s != ".") + (",",), "."
    return seps, mark


def parse_number(text: str, lang: Language, convention: tuple[tuple[str, ...], str] | None = None) -> CellValue:
    """A printed table cell as a figure: ``20 437`` → 20437, ``1,079`` → 1079, ``-`` → 0
    (nil), ``N/A`` or empty → None (not available); footnote markers are never digits."""
    t = _SUPERSCRIPTS.sub("", text).strip()
    low = t.lower()
    if t in lang.tables.nil or low in lang.tables.nil:
        return CellValue(0, "nil")
    if not t or low in lang.tables.not_available:
        return CellValue(None, "not_available")
    seps, mark = convention or (lang.tables.thousands_separators, lang.tables.decimal_mark)
    sign = -1 if t[:1] in "-−–" and len(t) > 1 else 1
    body = t[1:].strip() if sign < 0 else t
    for sep in seps:
        if _grouped(sep, mark).fullmatch(body):
            body = body.replace(sep, "")
            break
    if _DIGITS.fullmatch(body):
        return CellValue(sign * int(body), "value")
    if _decimal(mark).fullmatch(body):
        return CellValue(sign * float(body.replace(mark, ".")), "value")
    return CellValue(None, "text")


_DOT_GROUPS = re.compile(r"\d{1,3}(\.\d{3})+")
_COMMA_GROUPS = re.compile(r"\d{1,3}(,\d{3})+")
_DOT_DECIMALS = re.compile(r"\d+\.\d{1,2}")
_COMMA_DECIMALS = re.compile(r"\d+,\d{1,2}")
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=64)
def _grouped(sep: str, mark: str) -> re.Pattern[str]:
    """A number grouped by ``sep``, with or without decimals after ``mark`` (compiled once)."""
    return re.compile(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+(?:{re.escape(mark)}\d+)?")


@lru_cache(maxsize=64)
def _decimal(mark: str) -> re.Pattern[str]:
    """A number with decimals after ``mark`` (compiled once)."""
    return re.compile(rf"\d+{re.escape(mark)}\d+")


def _fold(text: str) -> str:
    return " ".join(text.split()).lower()


def population_of(text: str, lang: Language) -> str | None:
    """The population a caption or header speaks of, most specific words first."""
    low = _fold(text)
    for population, words in lang.tables.population.items():
        if word_pattern(words).search(low):
            return population
    return None


def caption_source(caption: str, lang: Language) -> tuple[str | None, str | None]:
    """(source organisation, ISO date) from ``… Source: IOM DTM Mali, 31 October 2020, url``."""
    words = alternation(lang.captions.source)
    m = re.search(rf"(?:{words})\s*:\s*(.+)$", caption, re.I)
    if not m:
        return None, None
    pieces = [p.strip() for p in m.group(1).split(",")]
    org = pieces[0] or None
    date = None
    for piece in pieces[1:]:
        value = parse_date(piece, lang)
        if value:
            date = value.iso
            break
    return org, date


def _is_total(label: str, lang: Language) -> bool:
    return _fold(label) in lang.tables.total


def annotate_table(table: Table, lang: Language) -> bool:
    """Fill the table's meaning in place; returns False for a table of words (no figures)."""
    grid = table.grid()
    if len(grid) < 2 or table.n_cols < 2:
        return False
    body = [row[1:] for row in grid[1:]]
    texts = [t for row in body for t in row]
    convention = number_convention(texts, lang)
    figures = [parse_number(t, lang, convention) for t in texts]
    if sum(f.status != "text" for f in figures) < 0.6 * max(1, len(figures)):
        return False
    table.header_rows = 1
    header, stubs = grid[0], [row[0] for row in grid[1:]]
    data_stubs = [s for s in stubs if not _is_total(s, lang)]
    data_heads = [h for h in header[1:] if not _is_total(h, lang)]
    if data_stubs and sum(parse_date(s, lang) is not None for s in data_stubs) >= 0.6 * len(data_stubs):
        table.row_dimension, table.column_dimension = "period", "place"
    elif data_heads and sum(parse_date(h, lang) is not None for h in data_heads) >= 0.6 * len(data_heads):
        table.row_dimension, table.column_dimension = "place", "period"
    else:
        table.row_dimension, table.column_dimension = "label", "label"
    table.total_col = next((c for c, h in enumerate(header) if c and _is_total(h, lang)), None)
    table.total_row = next((r for r, s in enumerate(stubs, start=1) if _is_total(s, lang)), None)
    context = " ".join([table.caption or "", header[0]])
    table.population = population_of(context, lang)
    if table.caption:
        table.source, table.source_date = caption_source(table.caption, lang)
    return True


def table_records(table: Table, lang: Language, document_id: str) -> list[TableRecord]:
    """One tidy record per figure cell of an annotated table."""
    if table.row_dimension is None:
        return []
    grid = table.grid()
    cells = {(c.row, c.col): c for c in table.cells}
    convention = number_convention([t for row in grid[1:] for t in row[1:]], lang)
    records = []
    periods: dict[str, DateValue | None] = {}
    for r in range(table.header_rows, table.n_rows):
        row_label = grid[r][0]
        for c in range(1, table.n_cols):
            cell = cells.get((r, c))
            raw = cell.raw if cell else ""
            parsed = parse_number(cell.text if cell else "", lang, convention)
            if parsed.status == "text":
                continue
            column_label = grid[0][c]
            period_label, place_label = (
                (row_label, column_label) if table.row_dimension == "period" else (column_label, row_label)
            )
            if table.row_dimension == "label":
                period = None
            else:  # a label heads a whole row or column: read once
                if period_label not in periods:
                    periods[period_label] = parse_date(period_label, lang)
                period = periods[period_label]
            is_total = r == table.total_row or c == table.total_col
            records.append(
                TableRecord(
                    table_id=table.id,
                    period=period.iso if period else None,
                    admin_unit=None if table.row_dimension == "label" or _is_total(place_label, lang) else place_label,
                    population=table.population,
                    value=parsed.value,
                    raw=raw,
                    status=parsed.status,
                    row_label=row_label,
                    column_label=column_label,
                    total=is_total,
                    provenance=CellProvenance(
                        document_id=document_id,
                        table_id=table.id,
                        page=cell.page if cell else table.page,
                        row=r,
                        col=c,
                        bbox=cell.bbox if cell else None,
                        footnotes=[f.number for f in cell.footnote_refs] if cell else [],
                    ),
                )
            )
    return records


def check_totals(table: Table, records: list[TableRecord]) -> list[Warning]:
    """Recompute every printed row and column total; a mismatch is a warning, the printed
    numbers stay as they are. A total is not checked when it, or a figure it sums, is N/A."""
    warnings: list[Warning] = []
    by_pos = {(rec.provenance.row, rec.provenance.col): rec for rec in records}

    def check(kind: str, label: str, total: TableRecord | None, parts: list[TableRecord | None]) -> None:
        if (
            total is None
            or total.status == "not_available"
            or any(p is None or p.status == "not_available" for p in parts)
        ):
            return
        computed = sum(p.value for p in parts)
        if computed != total.value:
            where = "row" if kind == "row_total_mismatch" else "column"
            warnings.append(
                Warning(
                    code=kind,
                    message=f"{table.id} {where} '{label}': printed total {total.raw.strip()} but the figures add up to {computed}",
                    location=table.id,
                    details={
                        "table": table.id,
                        where: label,
                        "printed": total.value,
                        "computed": computed,
                        "page": total.provenance.page,
                        "caption": table.caption,
                    },
                )
            )

    grid = table.grid()
    data_cols = [c for c in range(1, table.n_cols) if c != table.total_col]
    data_rows = [r for r in range(table.header_rows, table.n_rows) if r != table.total_row]
    if table.total_col is not None:
        for r in data_rows:
            check(
                "row_total_mismatch",
                grid[r][0],
                by_pos.get((r, table.total_col)),
                [by_pos.get((r, c)) for c in data_cols],
            )
    if table.total_row is not None:
        for c in range(1, table.n_cols):
            check(
                "column_total_mismatch",
                grid[0][c],
                by_pos.get((table.total_row, c)),
                [by_pos.get((r, c)) for r in data_rows],
            )
    return warnings


def link_admin_units(table: Table, records: list[TableRecord], lang: Language, iso3: str | None) -> None:
    """Give each record the P-code of its admin unit from the country's gazetteer: the level
    named in the table's header first (``Date/Cercle`` → admin2; a "province" may be either
    level, as countries differ), then the lowest level that has the name. Unknown names
    keep ``pcode`` None."""
    from schemas import kb

    gaz = kb.gazetteer(iso3) if iso3 else ()
    if not gaz:
        return
    head = (table.grid()[0][0] if table.n_rows else "").lower()
    level = next((t for t in ("admin2", "admin1") if word_pattern(lang.places.cues(t)).search(head)), None)
    by_name: dict[tuple[str, str], str] = {}
    for p in gaz:
        for n in (p.name, *p.aliases):
            by_name.setdefault((kb.fold(n), p.type), p.pcode)
    for rec in records:
        if not rec.admin_unit:
            continue
        key = kb.fold(rec.admin_unit)
        levels = ([level] if level else []) + [lv for lv in ("admin2", "admin1") if lv != level]
        rec.pcode = next((by_name[(key, lv)] for lv in levels if (key, lv) in by_name), None)


def not_rebuilt_warnings(doc: Document) -> list[Warning]:
    """A ``table_not_rebuilt`` warning for every block of figures the text reader saw as a
    flattened table but could not rebuild safely (its figures stay running text)."""
    return [
        Warning(
            code="table_not_rebuilt",
            message=f"rows of figures were not rebuilt as a table: {b.table_not_rebuilt}",
            location=b.id,
            details={"page": b.page, "reason": b.table_not_rebuilt, "text": b.text[:120]},
        )
        for b in doc.blocks()
        if b.table_not_rebuilt
    ]
