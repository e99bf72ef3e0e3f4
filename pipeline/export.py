"""Exports of an extraction for other tools: tidy table CSVs with an HXL hashtag row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.run import write_atomic
from schemas.extraction import Extraction, TableRecord

HXL_VALUE = {
    "idps": "#affected+idps+ind",
    "idp_returnees": "#affected+returnees+ind",
    "returnees_from_abroad": "#affected+returnees+abroad+ind",
    "refugees": "#affected+refugees+ind",
    "casualties": "#affected+killed+num",
    "events": "#event+num",
}

COLUMNS = [
    ("period", "#date+reported"),
    ("admin_unit", "#adm2+name"),
    ("pcode", "#adm2+code"),
    ("value", None),  # tagged by population
    ("status", "#meta+status"),
    ("raw", "#meta+raw"),
    ("total", "#meta+total"),
    ("row_label", "#meta+row"),
    ("column_label", "#meta+column"),
    ("page", "#meta+page"),
    ("table_id", "#meta+table"),
]


def records_csv(records: list[TableRecord], population: str | None) -> str:
    """CSV text: a header row, the HXL hashtag row, then one row per record."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in COLUMNS])
    writer.writerow([tag or HXL_VALUE.get(population or "", "#value") for _, tag in COLUMNS])
    for rec in records:
        row = {**rec.model_dump(exclude={"provenance"}), "page": rec.provenance.page}
        row["raw"] = " ".join(rec.raw.split())
        row["value"] = "" if rec.value is None else rec.value
        writer.writerow(["" if row.get(name) is None else row.get(name) for name, _ in COLUMNS])
    return out.getvalue()


def export_tables(extraction: Extraction, csv_dir: Path) -> list[Path]:
    """One ``<report>.<table id>.csv`` per table that holds figures."""
    stem = Path(extraction.document.source_path).name
    written = []
    for table in extraction.tables:
        records = [r for r in extraction.table_records if r.table_id == table.id]
        if not records:
            continue
        path = csv_dir / f"{stem}.{table.id}.csv"
        write_atomic(path, records_csv(records, table.population))
        written.append(path)
    return written


ACLED_COLUMNS = ["event_date", "event_type", "actor1", "actor2", "admin1", "admin2", "location", "fatalities", "source", "notes"]
EXTRA_COLUMNS = ["fatalities_min", "fatalities_max", "fatalities_qualifier", "injured", "abducted", "casualties", "victims",
                 "date_is_period", "page", "footnotes", "fact_id"]
_CIVILIAN = ("civilian", "villager", "trader", "people", "person", "passenger", "farmer", "herder", "women", "children", "student")


def _count_text(count) -> str:
    if count is None:
        return ""
    if count.min == count.max:
        return str(count.min)
    return f"{count.min if count.min is not None else ''}-{count.max if count.max is not None else ''}"


def events_csv(extraction: Extraction) -> str:
    """One row per casualty figure, in ACLED's column names where they apply. ``fatalities``
    is the conservative figure (the minimum; 0 when only a maximum is printed); the printed
    range and qualifier stay in the extra columns, and ``notes`` is the evidence sentence.
    ``casualties`` holds killed and injured together where the report does not split them
    ("390 casualties"): never counted as fatalities."""
    bib = {b.id: b for b in extraction.bibliography}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACLED_COLUMNS + EXTRA_COLUMNS)
    for fig in extraction.facts.casualty_figures:
        victims = (fig.victims or "").lower()
        event_type = "Violence against civilians" if any(v in victims for v in _CIVILIAN) else ""
        sources = []
        for c in fig.provenance.citations:
            for i in c.bibliography:
                name = bib[i].acronym or bib[i].organisation
                if name not in sources:
                    sources.append(name)
        killed = fig.killed
        actors = list(fig.perpetrators)
        writer.writerow([
            fig.date or "", event_type, actors[0] if actors else "", actors[1] if len(actors) > 1 else "",
            fig.admin1 or "", fig.admin2 or "", fig.location or "",
            (killed.min if killed and killed.min is not None else 0) if killed else 0,
            "; ".join(sources), " ".join(fig.provenance.evidence.split()),
            "" if killed is None or killed.min is None else killed.min,
            "" if killed is None or killed.max is None else killed.max,
            killed.qualifier if killed else "", _count_text(fig.injured), _count_text(fig.abducted),
            _count_text(fig.casualties), fig.victims or "",
            "/" in (fig.date or ""), fig.provenance.page, " ".join(map(str, fig.provenance.footnotes)), fig.id,
        ])
    return out.getvalue()


def export_events(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, events_csv(extraction))
    return path
