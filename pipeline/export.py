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
