"""Exports of an extraction for other tools: tidy table CSVs with an HXL hashtag row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from extractors import kb
from pipeline.run import write_atomic
from schemas.extraction import Extraction, Place, TableRecord

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


ACLED_COLUMNS = ["event_date", "event_type", "actor1", "actor2", "country", "admin1", "admin2", "admin3", "location", "latitude",
                 "longitude", "geo_precision", "fatalities", "source", "notes"]
EXTRA_COLUMNS = ["fatalities_min", "fatalities_max", "fatalities_qualifier", "injured", "abducted", "date_is_period",
                 "page", "footnotes", "fact_id"]
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
    range and qualifier stay in the extra columns, and ``notes`` is the evidence sentence."""
    bib = {b.id: b for b in extraction.bibliography}
    places = extraction.facts.places
    default_country = next((p.country for p in places if p.type == "country" and p.name == extraction.metadata.country), None)
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
        place = _place_of(fig.location, places)
        admin3 = place.name if place is not None and place.type == "admin3" else ""
        country = (place.country if place is not None else None) or default_country
        writer.writerow([
            fig.date or "", event_type, actors[0] if actors else "", actors[1] if len(actors) > 1 else "",
            _country_name(country), fig.admin1 or (place.admin1 if place is not None else "") or "",
            fig.admin2 or (place.admin2 if place is not None else "") or "", admin3, fig.location or "",
            "" if place is None or place.lat is None else place.lat, "" if place is None or place.lon is None else place.lon,
            "" if place is None or place.geo_precision is None else place.geo_precision,
            (killed.min if killed and killed.min is not None else 0) if killed else 0,
            "; ".join(sources), " ".join(fig.provenance.evidence.split()),
            "" if killed is None or killed.min is None else killed.min,
            "" if killed is None or killed.max is None else killed.max,
            killed.qualifier if killed else "", _count_text(fig.injured), _count_text(fig.abducted),
            "/" in (fig.date or ""), fig.provenance.page, " ".join(map(str, fig.provenance.footnotes)), fig.id,
        ])
    return out.getvalue()


def _place_of(location: str | None, places: list[Place]) -> Place | None:
    """The extracted place a figure's location names (the most precise one when several share
    the name), for its country, admin units and coordinates."""
    if not location:
        return None
    key = kb.fold(location)
    hits = [p for p in places if key in {kb.fold(n) for n in (p.name, *p.aliases)}]
    order = {"populated_place": 0, "admin3": 1, "admin2": 2, "admin1": 3, "other": 4, "country": 5}
    return min(hits, key=lambda p: order.get(p.type, 9)) if hits else None


def _country_name(iso2: str | None) -> str:
    """ACLED writes the country's English name."""
    found = kb.country(iso2) if iso2 else None
    return found[2] if found else ""


def export_events(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, events_csv(extraction))
    return path
