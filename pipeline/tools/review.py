"""The reviewer's desk: a page that shows each fact beside its page image, takes a
reviewer's accept / correct / reject per fact and per table cell, and turns the decisions
into a gold file (``shared/eval/GOLD_FORMAT.md``) so every review grows the evaluation set.

The page is one HTML file with everything inside (page images as data URIs, the rows as
JSON, the script): ``coi review --html FILE`` writes it for offline use (decisions kept in
the browser and downloaded as ``OUT.review.json``); ``coi review`` serves the same page on
127.0.0.1 with a small JSON API that writes the decisions next to the extraction,
atomically, as ``OUT.review.json``.

Rows are keyed by what survives a re-run of the same bytes: the fact id for facts, the
table id and cell position for cells, the field name for metadata."""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import html
import io
import json
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.tools.diff import FACT_CATEGORIES, card_html, change_cards, citations_of, diff_extractions, fact_words
from pipeline.tools.evaluate import fold_name, parse_cell_value
from schemas.extraction import CasualtyFigure, DisplacementFigure, EventCount, Extraction, normalize_evidence
from schemas.files import load_extraction, write_json

REVIEW_FORMAT = "coi-review/1"
GOLD_FORMAT = "coi-gold/1"
DECISIONS = ("accept", "correct", "reject")
TOTAL_CHECKS = ("row_total_mismatch", "column_total_mismatch")
PAGE_SCALE = 1.3
"""Page images are rendered at this many pixels per PDF point (about 94 dpi)."""
PAGE_JPEG_QUALITY = 62
METADATA_FIELDS = ("country", "query_code", "date_of_completion", "reference_period")

EDITABLE: dict[str, tuple[str, ...]] = {
    "casualty_figures": (
        "killed.min",
        "killed.max",
        "killed.qualifier",
        "injured.min",
        "injured.max",
        "injured.qualifier",
        "abducted.min",
        "abducted.max",
        "abducted.qualifier",
        "casualties.min",
        "casualties.max",
        "casualties.qualifier",
        "victims",
        "perpetrators",
        "date",
        "location",
        "admin1",
    ),
    "event_counts": ("count", "category", "source_org", "area", "period", "actor"),
    "displacement_figures": ("count", "population", "area", "as_of"),
    "actors": ("name", "kind"),
    "places": ("name", "type", "admin1", "pcode"),
    "metadata": ("value",),
    "sections": ("number", "title"),
    "cells": ("value",),
}
"""What a reviewer may correct, per kind of row (``killed.min`` is the ``min`` of ``killed``)."""
_NUMBER_FIELDS = re.compile(r"(\.min|\.max|^count|^value)$")
_LIST_FIELDS = {"perpetrators"}
_FACT_MODELS = {
    "casualty_figures": CasualtyFigure,
    "event_counts": EventCount,
    "displacement_figures": DisplacementFigure,
}


def review_path(extraction_path: Path) -> Path:
    """``out/x.pdf.json`` → ``out/x.pdf.review.json`` (next to the extraction)."""
    name = extraction_path.name.removesuffix(".json")
    return extraction_path.with_name(f"{name}.review.json")


# ---------------------------------------------------------------- fields: flat, editable values


def flat_fields(category: str, value: dict) -> dict[str, Any]:
    """The editable values of a row as ``{"killed.min": 37, "victims": "civilians", ...}``."""
    out: dict[str, Any] = {}
    for name in EDITABLE[category]:
        head, _, tail = name.partition(".")
        v = value.get(head)
        if tail:
            v = (v or {}).get(tail) if isinstance(v, dict) or v is None else None
        out[name] = v
    return out


def parse_field(name: str, raw: Any) -> Any:
    """A corrected value as typed into the page → its JSON value: numbers read with their
    printed grouping (``20 437``), lists split on ``;``, empty → null."""
    if raw is None or isinstance(raw, (int, float, list)) and not isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    if text == "":
        return [] if name in _LIST_FIELDS else None
    if name in _LIST_FIELDS:
        return [p.strip() for p in text.split(";") if p.strip()]
    if _NUMBER_FIELDS.search(name):
        digits = re.sub(r"[\s\u00a0\u202f,.']", "", text)
        if not re.fullmatch(r"-?\d+", digits):
            raise ValueError(f"{name}: {text!r} is not a whole number")
        return int(digits)
    return text


def apply_fields(value: dict, corrected: dict[str, Any]) -> dict:
    """``value`` with the corrected flat fields set (a count with neither min nor max left is null)."""
    out = json.loads(json.dumps(value))
    for name, v in corrected.items():
        head, _, tail = name.partition(".")
        if not tail:
            out[head] = v
            continue
        count = out.get(head) or {"min": None, "max": None, "qualifier": "exact"}
        count[tail] = v
        out[head] = count if (count.get("min") is not None or count.get("max") is not None) else None
    return out


# ---------------------------------------------------------------- rows


@dataclass
class Row:
    """One thing a reviewer decides on."""

    key: str
    kind: str
    """``fact``, ``cell``, ``metadata`` or ``section``."""
    category: str
    value: dict
    """The row's values as extracted (a fact as in the JSON; ``{"value": ...}`` for others)."""
    words: str
    evidence: str = ""
    page: int | None = None
    block_id: str | None = None
    bbox: tuple | None = None

    def fields(self) -> dict[str, Any]:
        return flat_fields("cells" if self.kind == "cell" else self.category, self.value)


def _figure_numbers(value: dict) -> set[int]:
    nums: set[int] = set()
    for k in ("killed", "injured", "abducted", "casualties", "executed", "disappeared"):
        c = value.get(k)
        if c:
            nums |= {n for n in (c.get("min"), c.get("max")) if n is not None}
            if c.get("qualifier") == "more_than" and c.get("min") is not None:
                nums.add(c["min"] - 1)
    if isinstance(value.get("count"), int):
        nums.add(value["count"])
    return nums


_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?!\d)|\d+")


def figure_spans(evidence: str, value: dict) -> list[tuple[int, int]]:
    """Where the fact's figures are printed in its evidence (``20 437``, ``20,437``, ``20437``)."""
    wanted = _figure_numbers(value)
    spans = []
    for m in _NUMBER.finditer(evidence):
        if int(re.sub(r"\D", "", m.group())) in wanted:
            spans.append((m.start(), m.end()))
    return spans


def fact_rows(ex: Extraction) -> list[Row]:
    rows: list[Row] = []
    blocks = {b.id: b for b in ex.blocks}
    for category in FACT_CATEGORIES:
        for fact in getattr(ex.facts, category):
            value = fact.model_dump(mode="json")
            p = fact.provenance
            block = blocks.get(p.block_id)
            rows.append(
                Row(
                    fact.id,
                    "fact",
                    category,
                    value,
                    fact_words(category, value),
                    p.evidence,
                    p.page,
                    p.block_id,
                    block.bbox if block else None,
                )
            )
    for category in ("actors", "places"):
        for entity in getattr(ex.facts, category):
            value = entity.model_dump(mode="json", exclude={"mentions"})
            first = entity.mentions[0] if entity.mentions else None
            block = blocks.get(first.block_id) if first else None
            rows.append(
                Row(
                    f"{category}:{entity.id}",
                    "fact",
                    category,
                    value,
                    fact_words(category, value),
                    first.evidence if first else "",
                    first.page if first else None,
                    first.block_id if first else None,
                    block.bbox if block else None,
                )
            )
    for name in METADATA_FIELDS:
        v = getattr(ex.metadata, name)
        rows.append(
            Row(
                f"metadata:{name}",
                "metadata",
                "metadata",
                {"field": name, "value": v},
                f"{name}: {v if v is not None else '—'}",
            )
        )
    for s in ex.sections:
        if s.number:
            block = blocks.get(s.block_id)
            rows.append(
                Row(
                    f"section:{s.number}:{s.block_id}",
                    "section",
                    "sections",
                    {"number": s.number, "title": s.title},
                    f"{s.number} {s.title}",
                    s.title,
                    s.page,
                    s.block_id,
                    block.bbox if block else None,
                )
            )
    return rows


def cell_rows(ex: Extraction) -> list[Row]:
    """One row per figure of a table that holds figures, labelled as ``coi evaluate`` reads
    tables: the row's label (and its period, when the label is a date) and the column's
    header (header rows joined)."""
    rows = []
    periods = {(r.table_id, r.provenance.row, r.provenance.col): r.period for r in ex.table_records}
    with_figures = {r.table_id for r in ex.table_records}
    for table in ex.tables:
        grid = table.grid()
        if not grid or table.id not in with_figures:  # a cover or layout table holds no figures to check
            continue
        header_rows = max(table.header_rows, 1)
        boxes = {(c.row, c.col): (c.bbox, c.page) for c in table.cells}
        for r in range(header_rows, len(grid)):
            for c in range(1, len(grid[r])):
                ok, value = parse_cell_value(grid[r][c], ex.document.language)
                if not ok:
                    continue
                column = " ".join(grid[h][c] for h in range(header_rows) if c < len(grid[h]) and grid[h][c].strip())
                bbox, page = boxes.get((r, c), (None, table.page))
                rows.append(
                    Row(
                        f"cell:{table.id}:{r}:{c}",
                        "cell",
                        "tables",
                        {
                            "table": table.id,
                            "row": grid[r][0],
                            "period": periods.get((table.id, r, c)),
                            "column": column,
                            "raw": grid[r][c],
                            "value": value,
                        },
                        f"{grid[r][0]} × {column}: {grid[r][c]}",
                        grid[r][c],
                        page,
                        None,
                        bbox,
                    )
                )
    return rows


def all_rows(ex: Extraction) -> list[Row]:
    return fact_rows(ex) + cell_rows(ex)


# ---------------------------------------------------------------- decisions


def load_review(path: Path) -> dict:
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != REVIEW_FORMAT:
            raise ValueError(f"{path}: not a review file ({data.get('format')!r})")
        return data
    return {"format": REVIEW_FORMAT, "decisions": {}, "history": []}


def make_decision(
    row: Row, decision: str, who: str, comment: str = "", corrected: dict | None = None, when: str | None = None
) -> dict:
    """A decision as stored: who, when, what, and the original and corrected values.
    Raises ``ValueError`` for an unknown decision or a correction that does not validate."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    original = row.fields()
    fixed: dict[str, Any] = {}
    if decision == "correct":
        allowed = set(original)
        for name, raw in (corrected or {}).items():
            if name not in allowed:
                raise ValueError(f"{name} cannot be corrected on a {row.category} row")
            value = parse_field(name, raw)
            if value != original[name]:
                fixed[name] = value
        if not fixed:
            raise ValueError("a correction must change at least one value")
        if row.category in _FACT_MODELS:
            try:
                _FACT_MODELS[row.category].model_validate(apply_fields(row.value, fixed))
            except ValidationError as exc:
                raise ValueError(
                    "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                ) from None
    return {
        "key": row.key,
        "kind": row.kind,
        "category": row.category,
        "decision": decision,
        "comment": comment or "",
        "who": who,
        "when": when or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "evidence": row.evidence,
        "original": original,
        "corrected": fixed,
    }


def record_decision(review: dict, decision: dict) -> dict:
    review.setdefault("decisions", {})[decision["key"]] = decision
    review.setdefault("history", []).append(decision)
    return review


def accept_all(ex: Extraction, who: str = "coi") -> dict:
    """A review that accepts every row (what a reviewer who finds nothing wrong ends with)."""
    review = {"format": REVIEW_FORMAT, "document_id": ex.document.id, "decisions": {}, "history": []}
    for row in all_rows(ex):
        record_decision(review, make_decision(row, "accept", who))
    return review


def reviewed_values(ex: Extraction, review: dict) -> dict[str, tuple[Row, dict]]:
    """Each accepted or corrected row with its value after the correction; rejected and
    undecided rows are left out."""
    decisions = review.get("decisions", {})
    out = {}
    for row in all_rows(ex):
        d = decisions.get(row.key)
        if not d or d["decision"] == "reject":
            continue
        fixed = {}
        if d["decision"] == "correct":  # checked again: a review file may come from the offline page or an editor
            try:
                fixed = make_decision(row, "correct", d.get("who", ""), corrected=d.get("corrected"))["corrected"]
            except ValueError as exc:
                raise ValueError(f"row {row.key} ({row.words}): {exc}") from None
        out[row.key] = (row, apply_fields(row.value, fixed))
    return out


# ---------------------------------------------------------------- gold export


def _count(value: dict | None) -> dict | None:
    return {k: value.get(k) for k in ("min", "max", "qualifier")} if value else None


def _closing_footnote(value: dict) -> int | None:
    footnotes = value["provenance"]["footnotes"]
    return footnotes[-1] if footnotes else None


def _gold_fact(category: str, v: dict) -> dict:
    evidence = v["provenance"]["evidence"]
    if category == "casualty_figures":
        return {
            "evidence": evidence,
            "date": v.get("date"),
            "location": [v["location"]] if v.get("location") else None,
            "admin1": v.get("admin1"),
            "perpetrators": [[p] for p in v.get("perpetrators") or []],
            "victims": v.get("victims"),
            **{k: _count(v.get(k)) for k in ("killed", "injured", "abducted", "casualties", "executed", "disappeared")},
            "footnote": _closing_footnote(v),
        }
    if category == "event_counts":
        return {
            "evidence": evidence,
            "source_org": v.get("source_org"),
            "area": [v["area"]] if v.get("area") else None,
            "period": v.get("period"),
            "category": v["category"],
            "actor": [v["actor"]] if v.get("actor") else None,
            "count": v["count"],
            "footnote": _closing_footnote(v),
        }
    return {
        "evidence": evidence,
        "population": v["population"],
        "area": [v["area"]] if v.get("area") else None,
        "as_of": v.get("as_of"),
        "count": v["count"],
        "footnote": _closing_footnote(v),
    }


def export_gold(ex: Extraction, review: dict) -> dict:
    """A gold file (``coi-gold/1``) from a reviewed extraction: accepted rows as extracted,
    corrected rows as corrected, rejected and undecided rows left out. A category with no
    decided row is not written (``coi evaluate`` then skips it rather than scoring it zero)."""
    kept = reviewed_values(ex, review)
    rows = all_rows(ex)
    gold: dict[str, Any] = {"format": GOLD_FORMAT, "report": Path(ex.document.source_path).name}
    decided = {r.category for r in rows if r.key in review.get("decisions", {})}
    meta = {r.value["field"]: v["value"] for r, v in kept.values() if r.kind == "metadata"}
    if "metadata" in decided:
        gold["metadata"] = meta
    if "sections" in decided:
        gold["sections"] = [
            {"number": v["number"], "title": v["title"]} for r, v in kept.values() if r.kind == "section"
        ]
    if "tables" in decided:
        gold["tables"] = _gold_tables(ex, kept)
    for category in FACT_CATEGORIES:
        if category in decided:
            gold[category] = [_gold_fact(category, v) for r, v in kept.values() if r.category == category]
    if "actors" in decided:
        gold["actors"] = [
            {"names": [v["name"], *v.get("aliases", [])], "kind": v.get("kind")}
            for r, v in kept.values()
            if r.category == "actors"
        ]
    if "places" in decided:
        gold["places"] = [
            {
                "names": [v["name"], *v.get("aliases", [])],
                "type": v["type"],
                "country": v.get("country"),
                "admin1": v.get("admin1"),
                "pcode": v.get("pcode"),
            }
            for r, v in kept.values()
            if r.category == "places"
        ]
    undecided = sum(1 for r in rows if r.key not in review.get("decisions", {}))
    gold["notes"] = (
        f"exported by coi review from {len(review.get('decisions', {}))} decision(s); "
        f"{undecided} row(s) not reviewed are left out"
    )
    return gold


def _gold_tables(ex: Extraction, kept: dict[str, tuple[Row, dict]]) -> list[dict]:
    """Captioned tables with their reviewed cells; a cell whose row × column labels occur
    twice in its table is left out (a gold cell is found by those labels). A table with no
    caption cannot be found by a gold file, so it is not written."""
    out = []
    for table in ex.tables:
        cells = [v for r, v in kept.values() if r.kind == "cell" and v["table"] == table.id]
        if not table.caption or not cells:
            continue

        def label(v: dict) -> tuple[str, str]:
            return (v["period"] or fold_name(v["row"]), fold_name(v["column"]))

        labels = [label(v) for v in cells]
        out.append(
            {
                "id": table.id,
                "caption_contains": table.caption,
                "population": table.population,
                "source_org": table.source,
                "cells": [
                    {
                        "row": v["row"],
                        **({"period": v["period"]} if v["period"] else {}),
                        "column": v["column"],
                        "raw": v["raw"],
                        "value": v["value"],
                    }
                    for v in cells
                    if labels.count(label(v)) == 1
                ],
            }
        )
    return out


# ---------------------------------------------------------------- the page


def page_images(pdf: Path, pages: set[int]) -> dict[int, dict]:
    """``{page: {"src": data URI, "width": pt, "height": pt}}`` for the given 1-based pages."""
    import pypdfium2 as pdfium

    out = {}
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for n in sorted(pages):
            if not 1 <= n <= len(doc):
                continue
            page = doc[n - 1]
            width, height = page.get_size()
            image = page.render(scale=PAGE_SCALE).to_pil().convert("RGB")
            buf = io.BytesIO()
            image.save(buf, "JPEG", quality=PAGE_JPEG_QUALITY)
            out[n] = {
                "src": "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode(),
                "width": width,
                "height": height,
            }
    finally:
        doc.close()
    return out


def figure_boxes(pdf: Path, rows: list[Row]) -> dict[str, list[float]]:
    """``{row key: bbox}`` of the first printed figure of each fact inside its block, found
    with pdfium's text search (top-left origin, PDF points)."""
    import pypdfium2 as pdfium

    out: dict[str, list[float]] = {}
    doc = pdfium.PdfDocument(str(pdf))
    try:
        by_page: dict[int, list[Row]] = {}
        for row in rows:
            if row.kind == "fact" and row.bbox and row.page and row.category in FACT_CATEGORIES:
                by_page.setdefault(row.page, []).append(row)
        for n, page_rows in by_page.items():
            if not 1 <= n <= len(doc):
                continue
            page = doc[n - 1]
            height = page.get_size()[1]
            text = page.get_textpage()
            for row in page_rows:
                for start, end in figure_spans(row.evidence, row.value)[:1]:
                    box = _find_in_block(text, row.evidence[start:end], row.bbox, height)
                    if box:
                        out[row.key] = box
    finally:
        doc.close()
    return out


def _find_in_block(text, needle: str, bbox, height: float) -> list[float] | None:
    searcher = text.search(needle, match_case=True, match_whole_word=False)
    while (hit := searcher.get_next()) is not None:
        rects = [text.get_rect(i) for i in range(text.count_rects(*hit))]
        if not rects:
            continue
        x0, x1 = min(r[0] for r in rects), max(r[2] for r in rects)
        top, bottom = height - max(r[3] for r in rects), height - min(r[1] for r in rects)
        if bbox[0] - 2 <= x0 and x1 <= bbox[2] + 2 and bbox[1] - 2 <= top and bottom <= bbox[3] + 2:
            return [x0, top, x1, bottom]
    return None


def _related(category: str, v: dict) -> tuple[list[str], list[str]]:
    """(actors, places) a row names, for the page's filters."""
    if category == "casualty_figures":
        return list(v.get("perpetrators") or []), [
            x for x in (v.get("location"), v.get("admin2"), v.get("admin1")) if x
        ]
    if category == "event_counts":
        return [v["actor"]] if v.get("actor") else [], [v["area"]] if v.get("area") else []
    if category == "displacement_figures":
        return [], [v["area"]] if v.get("area") else []
    if category == "actors":
        return [v["name"]], []
    if category == "places":
        return [], [v["name"]]
    return [], []


def review_data(
    ex: Extraction,
    against: Extraction | None = None,
    pdf: Path | None = None,
    review: dict | None = None,
    server: bool = False,
    reviewer: str | None = None,
    title: str = "",
) -> dict:
    """Everything the page shows, as JSON."""
    rows = all_rows(ex)
    blocks = {b.id: b for b in ex.blocks}
    bibliography = {e.id: e.model_dump(mode="json") for e in ex.bibliography}
    warnings_at: dict[str, list[str]] = {}
    for w in ex.warnings:
        if w.location:
            warnings_at.setdefault(w.location, []).append(w.message)
    failing_rows = {(w.details.get("table"), str(w.details.get("row"))) for w in ex.warnings if w.code in TOTAL_CHECKS}
    diff = diff_extractions(against, ex) if against is not None else None
    changed = set()
    if diff:
        for category in FACT_CATEGORIES:
            for kind in ("added", "changed"):
                changed |= {(category, normalize_evidence(f["evidence"])) for f in diff["facts"][category][kind]}
        changed |= {("tables", c["table"], c["row"], c["column"]) for c in diff["table_cells"]}
        changed |= {("metadata", k) for k in diff["metadata"]}
    is_pdf = ex.document.kind.value == "pdf"
    pdf_path = pdf if pdf is not None else (Path(ex.document.source_path) if is_pdf else None)
    have_pdf = bool(pdf_path and pdf_path.exists())
    images = page_images(pdf_path, {r.page for r in rows if r.page}) if have_pdf else {}
    figures = figure_boxes(pdf_path, rows) if have_pdf else {}
    out_rows = []
    for row in rows:
        v = row.value
        actors, places = _related(row.category, v)
        warnings = list(warnings_at.get(row.block_id or "", []))
        if row.kind == "cell":
            table = next(t for t in ex.tables if t.id == v["table"])
            if (table.id, str(v["row"])) in failing_rows:
                warnings.append(f"row '{v['row']}' fails its total check")
            is_changed = ("tables", table.caption or table.id, v["row"], v["column"]) in changed
        elif row.kind == "metadata":
            is_changed = any(k[0] == "metadata" and f"['{v['field']}']" in k[1] for k in changed)
        else:
            is_changed = (row.category, normalize_evidence(row.evidence)) in changed
        block = blocks.get(row.block_id or "")
        paragraph = ex.text[block.start : block.end] if block is not None and not images else ""
        out_rows.append(
            {
                "key": row.key,
                "kind": row.kind,
                "category": row.category,
                "words": row.words,
                "evidence": row.evidence,
                "marks": figure_spans(row.evidence, v) if row.kind == "fact" else [],
                "page": row.page,
                "bbox": row.bbox,
                "figure": figures.get(row.key),
                "paragraph": paragraph,
                "citations": citations_of(v["provenance"], bibliography) if "provenance" in v else [],
                "actors": actors,
                "places": places,
                "warnings": warnings,
                "changed": is_changed,
                "fields": row.fields(),
                "table": v.get("table"),
                "cell": [v.get("row"), v.get("column")] if row.kind == "cell" else None,
            }
        )
    if diff:
        out_rows.sort(key=lambda r: not r["changed"])  # against an older extraction, what changed first
    counts = {c: len(getattr(ex.facts, c)) for c in (*FACT_CATEGORIES, "actors", "places")}
    counts["table cells"] = sum(1 for r in rows if r.kind == "cell")
    tables = [
        {"id": t.id, "caption": t.caption or t.id, "page": t.page, "grid": t.grid()}
        for t in ex.tables
        if any(r.kind == "cell" and r.value["table"] == t.id for r in rows)
    ]
    pdf_url = pdf_path.resolve().as_uri() if have_pdf else None
    return {
        "title": title or Path(ex.document.source_path).name,
        "document_id": ex.document.id,
        "source": ex.document.source_path,
        "kind": ex.document.kind.value,
        "server": server,
        "reviewer": reviewer or getpass.getuser(),
        "counts": counts,
        "warnings": [w.message for w in ex.warnings if w.code not in TOTAL_CHECKS],
        "total_checks": [w.message for w in ex.warnings if w.code in TOTAL_CHECKS],
        "against": against.document.source_path if against is not None else None,
        "summary_line": diff["summary_line"] if diff else None,
        "diff_summary": diff["summary"] if diff else None,
        "cards_html": "".join(card_html(c, pdf_url) for c in change_cards(diff)) if diff else "",
        "rows": out_rows,
        "tables": tables,
        "images": {str(k): v for k, v in images.items()},
        "editable": {k: list(v) for k, v in EDITABLE.items()},
        "decisions": (review or {}).get("decisions", {}),
        "review_file": None,
    }


def _template() -> str:
    return resources.files("pipeline.tools").joinpath("review_page.html").read_text(encoding="utf-8")


def review_html(data: dict) -> str:
    """The page: the template with the data inside (every ``<`` escaped, so no string in a
    report can end the script or open a comment)."""
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return _template().replace("__TITLE__", html.escape(data["title"])).replace("__REVIEW_DATA__", payload)


# ---------------------------------------------------------------- the server


class ReviewServer:
    """The page and a JSON API on 127.0.0.1: ``GET /`` (the page), ``GET /api/review``
    (the decisions), ``POST /api/decision`` (one decision; JSON body ``{key, decision,
    comment, corrected}``, so a form on another site cannot post one)."""

    def __init__(
        self,
        extraction_path: Path,
        against: Path | None = None,
        pdf: Path | None = None,
        reviewer: str | None = None,
        port: int = 0,
    ):
        self.extraction_path = extraction_path
        self.extraction = load_extraction(extraction_path)
        self.path = review_path(extraction_path)
        self.review = load_review(self.path)
        self.review.setdefault("document_id", self.extraction.document.id)
        self.review.setdefault("extraction", extraction_path.name)
        self.reviewer = reviewer or getpass.getuser()
        self.rows = {r.key: r for r in all_rows(self.extraction)}
        old = load_extraction(against) if against else None
        data = review_data(self.extraction, old, pdf, self.review, server=True, reviewer=self.reviewer)
        data["review_file"] = str(self.path)
        self.page = review_html(data).encode("utf-8")
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def decide(self, body: dict) -> dict:
        row = self.rows.get(body.get("key", ""))
        if row is None:
            raise ValueError(f"no row {body.get('key')!r} in this extraction")
        decision = make_decision(
            row, body.get("decision", ""), self.reviewer, body.get("comment", ""), body.get("corrected")
        )
        with self.lock:
            record_decision(self.review, decision)
            write_json(self.path, self.review)
        return decision

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # quiet: the CLI says where the page is
                pass

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, value: Any) -> None:
                self._send(
                    status, json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"
                )

            def do_GET(self):
                if self.path in ("/", "/index.html"):
                    self._send(HTTPStatus.OK, server.page, "text/html; charset=utf-8")
                elif self.path == "/api/review":
                    with server.lock:
                        self._json(HTTPStatus.OK, server.review)
                else:
                    self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

            def do_POST(self):
                if self.path != "/api/decision":
                    return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
                if not self.headers.get("Content-Type", "").startswith("application/json"):
                    return self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send JSON"})
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                    body = json.loads(self.rfile.read(min(length, 1 << 20)) or b"{}")
                    decision = server.decide(body)
                except (ValueError, TypeError, AttributeError) as exc:
                    return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
                self._json(HTTPStatus.OK, decision)

        return Handler

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> ReviewServer:
        """Serve in a background thread (tests, embedding)."""
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
