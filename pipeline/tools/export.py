"""Exports of an extraction for other tools, each meaning what its columns say.

* ``coi export tables``: one tidy CSV per table, with an HXL hashtag row (HDX tools). Total
  rows and columns are left out unless asked for (then ``is_total`` marks them), so the
  ``value`` column sums to the printed data cells.
* ``coi export events``: incidents in ACLED's columns and order, one row per incident.
  Unknown values are left empty, never guessed.
* ``coi export statistics``: the figures that are not incidents but counts over a period or
  an area (``ACLED recorded 250 violent events in Mopti region``, ``317 civilian deaths
  between June and November``).

Which casualty figure is an incident and which a statistic is decided by
:func:`aggregate_reason` (rules documented there); event counts are always statistics.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from schemas import kb
from schemas import lang as languages
from schemas.document import date_bounds
from schemas.extraction import CasualtyFigure, EventCount, Extraction, Place, Table, TableRecord
from schemas.files import write_atomic

# ---------------------------------------------------------------- tables

HXL_VALUE = {
    "idps": "#affected+idps+ind",
    "idp_returnees": "#affected+returnees+ind",
    "returnees_from_abroad": "#affected+returnees+abroad+ind",
    "refugees": "#affected+refugees+ind",
    "casualties": "#affected+killed+num",
    "events": "#event+num",
}

TABLE_COLUMNS = [
    "period",
    "admin_unit",
    "pcode",
    "value",
    "status",
    "raw",
    "is_total",
    "row_label",
    "column_label",
    "page",
    "table_id",
    "adm1_name",
    "adm1_code",
    "country_code",
    "source",
]
"""The tidy table CSV's columns. ``admin_unit``/``pcode`` are tagged by the level of the table's
units (``#adm2`` when the gazetteer knows them as admin 2 units, ``#adm1`` for admin 1, ``#loc``
when no unit was found in it); ``adm1_*`` name the region an admin 2 unit lies in."""

_TABLE_TAGS = {
    "period": "#date+reported",
    "status": "#meta+status",
    "raw": "#meta+raw",
    "is_total": "#meta+total",
    "row_label": "#meta+row",
    "column_label": "#meta+column",
    "page": "#meta+page",
    "table_id": "#meta+table",
    "adm1_name": "#adm1+name",
    "adm1_code": "#adm1+code",
    "country_code": "#country+code",
    "source": "#meta+source",
}


def _gazetteer_entry(pcode: str | None) -> kb.PlaceEntry | None:
    """The gazetteer's admin unit of a P-code (whose first two letters are the country's ISO2)."""
    found = kb.country(pcode[:2]) if pcode and len(pcode) > 2 else None
    if found is None:
        return None
    return next((p for p in kb.gazetteer(found[1]) if p.pcode == pcode), None)


def unit_level(records: list[TableRecord]) -> str:
    """``adm1`` or ``adm2`` when every unit with a P-code is of that level, else ``loc``."""
    levels = {e.type for e in (_gazetteer_entry(r.pcode) for r in records) if e is not None}
    return {"admin1": "adm1", "admin2": "adm2"}.get(levels.pop(), "loc") if len(levels) == 1 else "loc"


def _table_row(rec: TableRecord, table: Table) -> dict:
    entry = _gazetteer_entry(rec.pcode)
    adm1_name = adm1_code = country_code = None
    if entry is not None:
        country_code = (kb.country(entry.country) or (None, None))[1]
        if entry.type == "admin1":
            adm1_name, adm1_code = entry.name, entry.pcode
        else:
            adm1_name, adm1_code = entry.admin1, entry.parent_pcode
    return {
        "period": rec.period,
        "admin_unit": rec.admin_unit,
        "pcode": rec.pcode,
        "value": rec.value,
        "status": rec.status,
        "raw": " ".join(rec.raw.split()),
        "is_total": rec.total,
        "row_label": rec.row_label,
        "column_label": rec.column_label,
        "page": rec.provenance.page,
        "table_id": rec.table_id,
        "adm1_name": adm1_name,
        "adm1_code": adm1_code,
        "country_code": country_code,
        "source": table.source,
    }


def records_csv(records: list[TableRecord], table: Table, with_totals: bool = False) -> str:
    """CSV text: a header row, the HXL hashtag row, then one row per record (total cells only
    ``with_totals``, marked in ``is_total``)."""
    level = unit_level(records)
    tags = {
        **_TABLE_TAGS,
        "admin_unit": f"#{level}+name",
        "pcode": f"#{level}+code",
        "value": HXL_VALUE.get(table.population or "", "#value"),
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    writer.writerow([tags[name] for name in TABLE_COLUMNS])
    for rec in records:
        if rec.total and not with_totals:
            continue
        row = _table_row(rec, table)
        writer.writerow(["" if row[name] is None else row[name] for name in TABLE_COLUMNS])
    return out.getvalue()


def export_tables(extraction: Extraction, csv_dir: Path, with_totals: bool = False) -> list[Path]:
    """One ``<report>.<table id>.csv`` per table that holds figures."""
    stem = Path(extraction.document.source_path).name
    written = []
    for table in extraction.tables:
        records = [r for r in extraction.table_records if r.table_id == table.id]
        if not records:
            continue
        path = csv_dir / f"{stem}.{table.id}.csv"
        write_atomic(path, records_csv(records, table, with_totals))
        written.append(path)
    return written


# ---------------------------------------------------------------- incidents or statistics

MAX_INCIDENT_DAYS = 7
"""The longest period a single incident's date may span: ACLED's time precision 2 is "a
specific week"; a figure over a longer period is a statistic."""


def aggregate_reason(
    fig: CasualtyFigure, event_counts: list[EventCount], lang: languages.Language | None = None
) -> str | None:
    """Why a casualty figure is a statistic (a count over a period or over many events) rather
    than one incident, or None for an incident. The rules, in order:

    1. its date is an interval longer than :data:`MAX_INCIDENT_DAYS` days, or a whole year;
    2. the same sentence counts events (``6 attacks, in which 9 persons were killed``): the
       figure is summed over those events;
    3. the sentence names an event dataset (``schemas/kb/event_datasets.txt``: ACLED, UCDP …),
       whose figures are tallies of its events;
    4. the sentence gives a total "as of" a date (the language's ``[grammar] as_of`` words before
       a day or month: ``as of April 2018``): a running total, not one incident.
    """
    if fig.date_precision == "year":
        return "a whole year"
    if fig.date_precision == "interval":
        first, last = date_bounds(fig.date)
        days = (last - first).days + 1
        if days > MAX_INCIDENT_DAYS:
            return f"a period of {days} days"
    same = [e for e in event_counts if _same_sentence(e, fig)]
    if same:
        return f"the sentence counts events ({', '.join(sorted({e.category for e in same}))})"
    named = [d for d in kb.event_datasets() if re.search(rf"\b{re.escape(d)}\b", fig.provenance.evidence)]
    if named:
        return f"the sentence cites an event dataset ({', '.join(named)})"
    if lang is not None and re.search(
        rf"\b(?:{languages.alternation(lang.grammar.as_of)})\s+(?:\d|(?:{lang.month_pattern})\b)",
        fig.provenance.evidence,
        re.I,
    ):
        return "a running total as of a date"
    return None


def _same_sentence(a, b) -> bool:
    pa, pb = a.provenance, b.provenance
    return pa.block_id == pb.block_id and pa.start < pb.end and pb.start < pa.end


# ---------------------------------------------------------------- events (ACLED)

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
"""ACLED's columns in ACLED's order (checked against the acledR package's description of
ACLED data, which lists these 31 columns in this order)."""

ACTOR_INTER = {
    "state_forces": 1,
    "jihadist_group": 2,
    "unidentified": 3,
    "communal_militia": 4,
    "international_force": 8,
}
"""Actor kind → ACLED actor type code (inter1/inter2): 1 state forces, 2 rebel groups (ACLED codes
the Sahel's jihadist groups so), 3 political militias (ACLED's "unidentified armed group"), 4
identity militias, 8 external/other forces. ``political`` actors have no code here."""
CIVILIANS_INTER = 7
CIVILIAN_GROUPS = {"civilians", "civilian", "children", "women", "idps"}
"""Victim groups (the normalised ``victims`` of a casualty figure) that are civilians."""
PROTESTER_GROUPS = {"protesters"}
OTHER_PARTY_GROUPS = {"fighters", "soldiers", "police", "peacekeepers", "members"}
"""Victim groups that are an armed party: actor2 is then the one other actor the sentence names."""


@dataclass
class Incident:
    """The casualty figures of one incident: same sentence, date and place (one per victim group)."""

    figures: list[CasualtyFigure] = field(default_factory=list)

    @property
    def first(self) -> CasualtyFigure:
        return self.figures[0]


def incidents(extraction: Extraction) -> tuple[list[Incident], list[tuple[CasualtyFigure, str]]]:
    """The incidents of an extraction, and the casualty figures that are statistics (with why).
    Figures of one sentence with the same date and place are one incident (victim groups)."""
    groups: dict[tuple, Incident] = {}
    statistics = []
    lang = (
        languages.load(extraction.document.language) if extraction.document.language in languages.available() else None
    )
    for fig in extraction.facts.casualty_figures:
        reason = aggregate_reason(fig, extraction.facts.event_counts, lang)
        if reason is not None:
            statistics.append((fig, reason))
            continue
        p = fig.provenance
        key = (p.block_id, p.start, p.end, fig.date, fig.location)
        groups.setdefault(key, Incident()).figures.append(fig)
    return list(groups.values()), statistics


def acled_date(iso: str | None, precision: str | None) -> tuple[str, int] | None:
    """(event_date, time_precision) as ACLED codes them: 1 the day is known; 2 a span of days up
    to a week (the middle day is coded); 3 only the month (its 15th is coded). None when the
    date cannot be coded (unknown, a year, a longer period)."""
    if iso is None:
        return None
    if precision == "day":
        return iso, 1
    if precision == "month":
        return f"{iso}-15", 3
    if precision == "interval":
        first, last = date_bounds(iso)
        if (last - first).days + 1 <= MAX_INCIDENT_DAYS:
            return (first + timedelta(days=(last - first).days // 2)).isoformat(), 2
    return None


def find_place(
    extraction: Extraction, name: str | None, admin1: str | None = None, admin2: str | None = None
) -> Place | None:
    """The report's place of that name (or alias), preferring the admin level the figure gives it."""
    if not name:
        return None
    key = kb.fold(name)
    found = [p for p in extraction.facts.places if key in {kb.fold(n) for n in (p.name, *p.aliases)}]
    if not found:
        return None
    wanted = "admin2" if admin2 and kb.fold(admin2) == key else "admin1" if admin1 and kb.fold(admin1) == key else None
    order = [wanted, "populated_place", "admin3", "other", "admin2", "admin1", "country"]
    return min(found, key=lambda p: order.index(p.type) if p.type in order else len(order))


def _country(place: Place | None) -> tuple[str, str, str] | None:
    """(ISO2, ISO3, English name) of a place's country."""
    return kb.country(place.country) if place is not None and place.country else None


def iso_numeric(iso2: str) -> int | None:
    """ISO 3166-1 numeric code (ACLED's ``iso``) of an ISO2 country code."""
    import pycountry

    entry = pycountry.countries.get(alpha_2=iso2)
    return int(entry.numeric) if entry is not None else None


def _actor_kind(extraction: Extraction, name: str) -> str | None:
    return next((a.kind for a in extraction.facts.actors if a.name == name), None)


def _actors_in_sentence(extraction: Extraction, fig: CasualtyFigure) -> list[str]:
    """Canonical names of the actors the figure's sentence names."""
    return [
        a.name
        for a in extraction.facts.actors
        if any(
            m.block_id == fig.provenance.block_id and fig.provenance.start <= m.start < fig.provenance.end
            for m in a.mentions
        )
    ]


def _sources(extraction: Extraction, figs: Iterable[CasualtyFigure]) -> list[str]:
    bib = {b.id: b for b in extraction.bibliography}
    names: list[str] = []
    for fig in figs:
        for citation in fig.provenance.citations:
            for entry_id in citation.bibliography:
                entry = bib.get(entry_id)
                name = entry and (entry.acronym or entry.organisation)
                if name and name not in names:
                    names.append(name)
    return names


def _count_words(count) -> str:
    if count.min is not None and count.max == count.min:
        return f"{'around ' if count.qualifier == 'approx' else ''}{count.min}"
    if count.qualifier == "more_than" and count.min is not None:
        return f"more than {count.min - 1}"
    if count.max is None:
        return f"at least {count.min}"
    if count.min is None:
        return f"up to {count.max}"
    return f"{count.min}-{count.max}"


_HARMS = ("killed", "executed", "injured", "abducted", "disappeared", "casualties")


def _victim_notes(figs: list[CasualtyFigure]) -> str:
    """``killed: 12 traders, 1 soldier; injured: 8 civilians`` — every victim group of the incident."""
    parts = []
    for harm in _HARMS:
        groups = [
            f"{_count_words(getattr(f, harm))} {f.victims or 'people'}" for f in figs if getattr(f, harm) is not None
        ]
        if groups:
            parts.append(f"{harm}: {', '.join(groups)}")
    return "; ".join(parts)


def fatalities(figs: list[CasualtyFigure]) -> int | None:
    """ACLED's conservative fatality count: the lower bounds of killed and executed summed over
    the victim groups; 0 when the incident reports no deaths; None (unknown) when deaths are only
    counted together with injuries."""
    counts = [c for f in figs for c in (f.killed, f.executed) if c is not None]
    if counts:
        return sum(c.min or 0 for c in counts)
    if any(f.casualties is not None for f in figs):
        return None
    return 0


def event_row(extraction: Extraction, incident: Incident) -> dict | None:
    """One ACLED row, or None when the incident has no date ACLED can code."""
    fig, figs = incident.first, incident.figures
    dated = acled_date(fig.date, fig.date_precision)
    if dated is None:
        return None
    place = find_place(extraction, fig.location, fig.admin1, fig.admin2)
    country = _country(place)
    perpetrators = list(dict.fromkeys(p for f in figs for p in f.perpetrators))
    groups = {f.victims for f in figs}
    row = dict.fromkeys(ACLED_COLUMNS)
    row.update(
        event_id_cnty=fig.id,
        event_date=dated[0],
        year=dated[0][:4],
        time_precision=dated[1],
        disorder_type="Political violence",
        country=country[2] if country else None,
        iso=iso_numeric(country[0]) if country else None,
        location=fig.location,
        admin1=fig.admin1 or (place.admin1 if place else None),
        admin2=fig.admin2
        or getattr(place, "admin2", None)
        or (place.name if place and place.type == "admin2" else None),
        admin3=getattr(place, "admin3", None) or (place.name if place and place.type == "admin3" else None),
        latitude=getattr(place, "lat", None),
        longitude=getattr(place, "lon", None),
        geo_precision=getattr(place, "geo_precision", None),
        source="; ".join(_sources(extraction, figs)) or None,
        fatalities=fatalities(figs),
    )
    if perpetrators:
        row["actor1"], row["inter1"] = perpetrators[0], ACTOR_INTER.get(_actor_kind(extraction, perpetrators[0]) or "")
        row["assoc_actor_1"] = "; ".join(perpetrators[1:]) or None
    where = f" ({country[2]})" if country else ""
    if groups & CIVILIAN_GROUPS:
        row["actor2"], row["inter2"], row["civilian_targeting"] = (
            f"Civilians{where}",
            CIVILIANS_INTER,
            "Civilian targeting",
        )
        row["event_type"] = "Violence against civilians"
        if any(f.killed or f.injured or f.executed or f.casualties for f in figs):
            row["sub_event_type"] = "Attack"
        elif any(f.abducted or f.disappeared for f in figs):
            row["sub_event_type"] = "Abduction/forced disappearance"
    elif groups & PROTESTER_GROUPS:
        row["actor2"], row["inter2"] = f"Protesters{where}", 6
    elif groups & OTHER_PARTY_GROUPS:
        others = [a for a in _actors_in_sentence(extraction, fig) if a not in perpetrators]
        if len(others) == 1:
            row["actor2"], row["inter2"] = others[0], ACTOR_INTER.get(_actor_kind(extraction, others[0]) or "")
    if row["inter1"]:
        pair = sorted(i for i in (row["inter1"], row["inter2"]) if i)
        row["interaction"] = pair[0] * 10 + (pair[1] if len(pair) > 1 else 0)
    page = fig.provenance.page
    notes = " ".join(fig.provenance.evidence.split())
    row["notes"] = f"{notes} [{_victim_notes(figs)}; p. {page}" + (
        f", fn {', '.join(map(str, fig.provenance.footnotes))}]" if fig.provenance.footnotes else "]"
    )
    return row


def _csv(columns: list[str], rows: Iterable[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return out.getvalue()


def event_rows(extraction: Extraction) -> tuple[list[dict], list[Incident]]:
    """ACLED rows of the incidents, and the incidents left out because their date is unknown."""
    rows, undated = [], []
    for incident in incidents(extraction)[0]:
        row = event_row(extraction, incident)
        (rows.append(row) if row is not None else undated.append(incident))
    return rows, undated


def events_csv(extraction: Extraction) -> str:
    """Incidents in ACLED's columns and order, one row per incident. ``fatalities`` is the
    conservative figure (lower bounds summed); every victim group, the printed figures, the page
    and the footnotes are in ``notes``. ``event_id_cnty`` holds the coi id of the incident's
    first figure (stable across runs), not an ACLED id; ``region``, ``source_scale``, ``tags``
    and ``timestamp`` are ACLED's own and stay empty, as does anything the report does not say."""
    return _csv(ACLED_COLUMNS, event_rows(extraction)[0])


def export_events(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, events_csv(extraction))
    return path


# ---------------------------------------------------------------- statistics

STATISTICS_COLUMNS = [
    "source",
    "category",
    "area",
    "period",
    "count",
    "actor",
    "count_max",
    "qualifier",
    "victims",
    "page",
    "footnotes",
    "fact_id",
    "reason",
    "evidence",
]
"""The first six are the statistic (``count`` is the lower bound of a casualty figure); the rest
say how it was printed (``count_max`` and ``qualifier`` for casualty figures only) and where."""


def statistics_rows(extraction: Extraction) -> list[dict]:
    """Every event count, and every casualty figure that :func:`aggregate_reason` calls a
    statistic (one row per harm: killed, injured …). A casualty figure that repeats an event
    count of its sentence (``317 civilian deaths`` is both) is written once, as the event count."""
    rows = []
    counts = extraction.facts.event_counts
    for e in counts:
        rows.append(
            {
                "source": e.source_org,
                "category": e.category,
                "area": e.area,
                "period": e.period,
                "count": e.count,
                "actor": e.actor,
                "count_max": None,
                "qualifier": None,
                "victims": None,  # not recorded for event counts
                "page": e.provenance.page,
                "footnotes": " ".join(map(str, e.provenance.footnotes)),
                "fact_id": e.id,
                "reason": "event count",
                "evidence": " ".join(e.provenance.evidence.split()),
            }
        )
    for fig, reason in incidents(extraction)[1]:
        same = [e for e in counts if _same_sentence(e, fig)]
        for harm in _HARMS:
            count = getattr(fig, harm)
            if count is None:
                continue
            if harm == "killed" and any(e.category == "civilian_deaths" and e.count == count.min for e in same):
                continue  # the same figure, already written as the event count
            source = (
                next((e.source_org for e in same if e.source_org), None)
                or "; ".join(_sources(extraction, [fig]))
                or None
            )
            rows.append(
                {
                    "source": source,
                    "category": harm,
                    "area": fig.location,
                    "period": fig.date,
                    "count": count.min,
                    "actor": "; ".join(fig.perpetrators) or None,
                    "count_max": count.max,
                    "qualifier": count.qualifier,
                    "victims": fig.victims,
                    "page": fig.provenance.page,
                    "footnotes": " ".join(map(str, fig.provenance.footnotes)),
                    "fact_id": fig.id,
                    "reason": reason,
                    "evidence": " ".join(fig.provenance.evidence.split()),
                }
            )
    return rows


def statistics_csv(extraction: Extraction) -> str:
    return _csv(STATISTICS_COLUMNS, statistics_rows(extraction))


def export_statistics(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, statistics_csv(extraction))
    return path
