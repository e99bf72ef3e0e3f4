"""Exports that mean what their columns say: ACLED incidents, statistics, tables that sum right."""

from __future__ import annotations

import csv
import io
import re

import hxl
import pytest
from contract import ROOT
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.app.run import extract_file, write_extraction
from pipeline.tools.export import (
    ACLED_COLUMNS,
    acled_date,
    aggregate_reason,
    event_rows,
    events_csv,
    export_tables,
    incidents,
    statistics_csv,
)
from schemas.extraction import (
    CasualtyFigure,
    Count,
    DocumentInfo,
    EventCount,
    Extraction,
    Facts,
    Metadata,
    Place,
    Provenance,
)

runner = CliRunner()

ACLED_CODEBOOK = [
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
"""ACLED's columns in order, as the acledR package describes ACLED data (acled_old_dummy)."""
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _prov(
    start: int = 0, end: int = 40, evidence: str = "On 3 May 2021, gunmen killed 12 civilians and one soldier."
) -> dict:
    return {"document_id": "d", "block_id": "p1-b3", "page": 1, "start": start, "end": end, "evidence": evidence}


def _extraction(figures=(), counts=(), places=(), actors=()) -> Extraction:
    return Extraction(
        document=DocumentInfo(
            id="d", source_path="x.txt", kind="text", page_count=1, pipeline_version="t", language="en"
        ),
        metadata=Metadata(),
        facts=Facts(
            casualty_figures=list(figures), event_counts=list(counts), places=list(places), actors=list(actors)
        ),
    )


def _fig(fid: str, date: str | None, killed: int | None = None, victims: str | None = None, **kw) -> CasualtyFigure:
    return CasualtyFigure(
        id=fid,
        provenance=kw.pop("provenance", _prov()),
        date=date,
        victims=victims,
        killed=Count(min=killed, max=killed) if killed is not None else None,
        **kw,
    )


# ---------------------------------------------------------------- dates and the incident rule


def test_acled_dates_and_time_precision():
    assert acled_date("2020-06-03", "day") == ("2020-06-03", 1)
    assert acled_date("2020-06-02/2020-06-04", "interval") == ("2020-06-03", 2)  # a few days: the middle one
    assert acled_date("2020-06-01/2020-06-07", "interval") == ("2020-06-04", 2)  # a week
    assert acled_date("2019-03", "month") == ("2019-03-15", 3)
    assert acled_date("2020-06-01/2020-06-30", "interval") is None  # a month-long period is not an incident date
    assert acled_date("2019", "year") is None
    assert acled_date(None, None) is None


def test_what_makes_a_casualty_figure_a_statistic():
    count = EventCount(id="e", provenance=_prov(0, 40), category="attacks", count=6, period="2020-06-02/2020-09-29")
    assert aggregate_reason(_fig("a", "2020-06-03", 5), []) is None
    assert aggregate_reason(_fig("b", "2020-06-03/2020-06-05", 5), []) is None
    assert "8 days" in aggregate_reason(_fig("c", "2020-06-01/2020-06-08", 5), [])
    assert "year" in aggregate_reason(_fig("d", "2019", 5), [])
    assert "counts events" in aggregate_reason(_fig("e", "2020-06-03", 5), [count])
    other_sentence = _fig("f", "2020-06-03", 5, provenance=_prov(50, 90))
    assert aggregate_reason(other_sentence, [count]) is None
    named = _fig(
        "g", None, 369, provenance=_prov(evidence="According to ACLED, the incidents resulted in 369 fatalities.")
    )
    assert "ACLED" in aggregate_reason(named, [])
    from schemas import lang

    running = _fig(
        "h", "2021-03", 2000, provenance=_prov(evidence="As of March 2021, 2,000 people had been killed in the region.")
    )
    assert "as of" in aggregate_reason(running, [], lang.load("en"))
    au = _fig("i", "2021-03-02", 4, provenance=_prov(evidence="Le 2 mars 2021, quatre civils ont été tués au Mali."))
    assert aggregate_reason(au, [], lang.load("fr")) is None  # "au" before a place is not "as of"
    assert "as of" in aggregate_reason(
        _fig("j", "2020-10", 900, provenance=_prov(evidence="Au 31 octobre 2020, 900 morts.")), [], lang.load("fr")
    )


def test_victim_groups_of_one_incident_are_one_row_and_statistics_stay_out():
    civilians = _fig("f1", "2021-05-03", 12, "civilians", perpetrators=["Unidentified armed groups"], location="Kaya")
    soldier = _fig("f2", "2021-05-03", 1, "soldiers", perpetrators=["Unidentified armed groups"], location="Kaya")
    total = _fig(
        "f3",
        "2021-01-01/2021-06-30",
        300,
        "civilians",
        provenance=_prov(100, 160, "In six months 300 civilians were killed."),
    )
    place = Place(id="p", name="Kaya", type="populated_place", country="BF", admin1="Centre-Nord")
    ex = _extraction([civilians, soldier, total], places=[place])
    (row,) = _rows(events_csv(ex))
    assert list(row) == ACLED_CODEBOOK
    assert (row["event_id_cnty"], row["event_date"], row["year"], row["time_precision"]) == (
        "f1",
        "2021-05-03",
        "2021",
        "1",
    )
    assert (row["fatalities"], row["actor2"], row["inter2"], row["civilian_targeting"]) == (
        "13",
        "Civilians (Burkina Faso)",
        "7",
        "Civilian targeting",
    )
    assert (row["event_type"], row["sub_event_type"], row["disorder_type"]) == (
        "Violence against civilians",
        "Attack",
        "Political violence",
    )
    assert (row["country"], row["iso"], row["admin1"], row["location"]) == (
        "Burkina Faso",
        "854",
        "Centre-Nord",
        "Kaya",
    )
    assert "killed: 12 civilians, 1 soldiers" in row["notes"]
    assert row["latitude"] == row["longitude"] == row["geo_precision"] == row["region"] == row["timestamp"] == ""
    stats = _rows(statistics_csv(ex))
    assert [(s["category"], s["count"], s["period"], s["fact_id"]) for s in stats] == [
        ("killed", "300", "2021-01-01/2021-06-30", "f3")
    ]


def test_the_other_party_is_actor2_and_a_second_perpetrator_is_associated():
    from schemas.extraction import Actor

    actors = [
        Actor(id="a1", name="Armed Forces", kind="state_forces", mentions=[Provenance(**_prov(5, 10))]),
        Actor(id="a2", name="Hunters", kind="communal_militia", mentions=[Provenance(**_prov(20, 25))]),
        Actor(id="a3", name="Group X", kind="jihadist_group", mentions=[Provenance(**_prov(60, 65))]),
    ]
    attack = _fig("f1", "2021-05-03", 20, "civilians", perpetrators=["Armed Forces", "Hunters"])
    clash = _fig(
        "f2",
        "2021-05-04",
        7,
        "fighters",
        perpetrators=["Armed Forces"],
        provenance=_prov(50, 90, "Soldiers killed 7 Group X fighters."),
    )
    rows = {r["event_id_cnty"]: r for r in _rows(events_csv(_extraction([attack, clash], actors=actors)))}
    a = rows["f1"]
    assert (a["actor1"], a["assoc_actor_1"], a["inter1"], a["actor2"], a["interaction"]) == (
        "Armed Forces",
        "Hunters",
        "1",
        "Civilians",
        "17",
    )
    c = rows["f2"]
    assert (c["actor2"], c["inter2"], c["interaction"], c["event_type"]) == (
        "Group X",
        "2",
        "12",
        "",
    )  # the kind of fight is not said


def test_place_columns_are_taken_from_the_place_when_it_has_them():
    class GeoPlace(Place):  # what the places work adds to Place; the export reads it when present
        lat: float | None = None
        lon: float | None = None
        geo_precision: int | None = None

    place = GeoPlace(id="p", name="Kaya", type="populated_place", country="BF", lat=13.09, lon=-1.08, geo_precision=1)
    ex = _extraction([_fig("f1", "2021-05-03", 2, "civilians", location="Kaya")])
    ex.facts.places.append(place)
    (row,) = _rows(events_csv(ex))
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == ("13.09", "-1.08", "1")


def test_an_incident_without_a_codable_date_is_left_out_not_guessed():
    ex = _extraction([_fig("f1", None, 3, "civilians")])
    rows, undated = event_rows(ex)
    assert rows == [] and [i.first.id for i in undated] == ["f1"]
    assert events_csv(ex).strip() == ",".join(ACLED_CODEBOOK)


def test_a_fixture_report_exports_incidents_and_statistics(tmp_path):
    ex = extract_file(ROOT / "fixtures" / "burkina_report.txt")
    rows = _rows(events_csv(ex))
    assert [(r["location"], r["event_date"], r["fatalities"]) for r in rows] == [
        ("Solhan", "2021-06-04", "132"),
        ("Gorom-Gorom", "2021-05-17", "15"),
    ]
    assert (
        rows[0]["actor2"] == "Civilians (Burkina Faso)" and rows[1]["actor2"] == ""
    )  # "people" are not assumed civilians
    stats = _rows(statistics_csv(ex))
    assert [(s["category"], s["count"], s["area"]) for s in stats] == [
        ("violent_events", "41", "Sahel"),
        ("violent_events", "212", "Sahel"),
        ("battles", "98", "Sahel"),
        ("violence_against_civilians", "71", "Sahel"),
        ("abducted", "27", "Soum"),
    ]


# ---------------------------------------------------------------- tables


def _printed_data_cells(table) -> list[int]:
    """The table's data cells as printed (not headers, not totals), read independently of the pipeline."""
    grid = table.grid()
    values = []
    for r in range(table.header_rows, table.n_rows):
        for c in range(1, table.n_cols):
            if r == table.total_row or c == table.total_col:
                continue
            digits = re.sub(r"\D", "", grid[r][c])
            values.append(int(digits) if digits else 0)
    return values


def _value_sum(paths) -> int:
    total = 0
    for path in paths:
        rows = list(csv.reader(path.open(encoding="utf-8")))
        col = rows[0].index("value")
        total += sum(int(r[col]) for r in rows[2:] if r[col])
    return total


HXL_SCHEMA = [
    ["#valid_tag", "#valid_required", "#valid_datatype", "#valid_value+min", "#valid_value+regex"],
    ["#affected", "", "number", "0", ""],
    ["#date+reported", "true", "date", "", ""],
    ["#adm1+code", "", "", "", r"^[A-Z]{2}\d+$"],
    ["#adm2+code", "", "", "", r"^[A-Z]{2}\d+$"],
    ["#country+code", "", "", "", r"^[A-Z]{3}$"],
    ["#meta+source", "", "", "", ""],
]


def _hxl(path):
    return hxl.data(str(path), hxl.InputOptions(allow_local=True))


def test_tables_csv_leaves_totals_out_and_carries_hxl_places_and_source(tmp_path, fake_report):
    ex = extract_file(fake_report)
    (path,) = export_tables(ex, tmp_path / "plain")
    table = next(t for t in ex.tables if t.row_dimension)
    assert _value_sum([path]) == sum(_printed_data_cells(table))
    source = _hxl(path)
    tags = [c.display_tag for c in source.columns]
    assert {
        "#adm2+name",
        "#adm2+code",
        "#adm1+name",
        "#adm1+code",
        "#country+code",
        "#meta+source",
        "#affected+idps+ind",
    } <= set(tags)
    report = hxl.validate(_hxl(path), hxl.schema(HXL_SCHEMA))
    assert report["is_valid"], report["issues"]
    rows = list(_hxl(path))
    assert {(r.get("#adm2+name"), r.get("#adm1+code"), r.get("#country+code")) for r in rows} == {
        ("Soum", "BF56", "BFA"),
        ("Oudalan", "BF56", "BFA"),
    }
    assert sum(float(r.get("#affected") or 0) for r in rows) == sum(_printed_data_cells(table))
    (with_totals,) = export_tables(ex, tmp_path / "totals", with_totals=True)
    marked = [r for r in csv.DictReader(with_totals.open(encoding="utf-8")) if r["is_total"] == "True"]
    assert marked and all(r["admin_unit"] == "" for r in marked)


def test_an_invalid_hxl_value_is_caught_by_the_check():
    bad = hxl.data([["value", "country_code"], ["#affected+idps", "#country+code"], ["-5", "Mali"]])
    assert not hxl.validate(bad, hxl.schema(HXL_SCHEMA))["is_valid"]


# ---------------------------------------------------------------- the seed report


@pytest.fixture(scope="module")
def seed(shared):
    return extract_file(shared / "corpus" / "mali-mopti-2020-q28.pdf")


def test_seed_events_are_incidents_in_acled_columns(seed):
    rows = _rows(events_csv(seed))
    assert list(rows[0]) == ACLED_CODEBOOK == ACLED_COLUMNS
    assert all(DAY.match(r["event_date"]) and r["time_precision"] in {"1", "2", "3"} for r in rows)
    assert len({r["event_id_cnty"] for r in rows}) == len(rows) == 9
    assert sum(int(r["fatalities"]) for r in rows) == 295
    bandiagara = next(r for r in rows if r["event_date"] == "2020-10-13")
    assert (
        bandiagara["fatalities"] == "13" and "killed: 12 civilians, 1 soldiers" in bandiagara["notes"]
    )  # one incident, two groups
    ogossagou = next(r for r in rows if r["year"] == "2019")
    assert (ogossagou["event_date"], ogossagou["time_precision"]) == ("2019-03-15", "3")  # only the month is printed


def test_seed_aggregates_appear_only_in_the_statistics(seed):
    _, statistics = incidents(seed)
    event_text = events_csv(seed)
    stats = _rows(statistics_csv(seed))
    assert len(statistics) == 14
    for fig, _ in statistics:
        assert fig.id not in event_text
        assert fig.id in {s["fact_id"] for s in stats} or any(
            s["category"] == "civilian_deaths"
            and s["count"] == str(fig.killed.min)
            and s["evidence"] == " ".join(fig.provenance.evidence.split())
            for s in stats
        )
    assert sorted(int(s["count"]) for s in stats if s["category"] in ("killed", "civilian_deaths")) == [
        0,
        0,
        5,
        8,
        9,
        38,
        50,
        51,
        57,
        180,
        209,
        248,
        317,
        375,
    ]
    assert len([s for s in stats if s["reason"] == "event count"]) == len(seed.facts.event_counts)


def test_seed_tables_sum_to_the_printed_data_cells(seed, tmp_path):
    written = export_tables(seed, tmp_path / "plain")
    tables = [t for t in seed.tables if any(r.table_id == t.id for r in seed.table_records)]
    printed = sum(sum(_printed_data_cells(t)) for t in tables)
    assert _value_sum(written) == printed
    assert sum(_printed_data_cells(next(t for t in tables if t.population == "idps"))) == 820_989
    assert _value_sum(export_tables(seed, tmp_path / "totals", with_totals=True)) > printed
    for path in written:
        report = hxl.validate(_hxl(path), hxl.schema(HXL_SCHEMA))
        assert report["is_valid"], report["issues"]
        assert {r.get("#country+code") for r in _hxl(path)} == {"MLI"}


def test_export_commands(seed, tmp_path):
    path = write_extraction(seed, tmp_path / "seed.json")
    for command in ("events", "statistics"):
        result = runner.invoke(app, ["export", command, str(path), "--csv", str(tmp_path / f"{command}.csv")])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "events.csv").read_text(encoding="utf-8") == events_csv(seed)
    assert (tmp_path / "statistics.csv").read_text(encoding="utf-8") == statistics_csv(seed)
    result = runner.invoke(app, ["export", "tables", str(path), "--csv", str(tmp_path / "t"), "--with-totals"])
    assert result.exit_code == 0 and len(list((tmp_path / "t").glob("*.csv"))) == 2
