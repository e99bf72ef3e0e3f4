"""The scoring rules of shared/eval/GOLD_FORMAT.md, each on a small gold/prediction pair of
our own (no report needed): what counts as a match, which attributes are scored, pooling."""

from __future__ import annotations

from pipeline.tools.evaluate import evaluate_extraction, summarize
from schemas.document import Cell, Table
from schemas.extraction import (
    Actor,
    CasualtyFigure,
    CellProvenance,
    Count,
    DisplacementFigure,
    EventCount,
    Extraction,
    Place,
    Provenance,
    TableRecord,
    Warning,
)

SENTENCE = "Gunmen killed 12 civilians and injured 4 in Tillia on 3 May 2021, the JNIM said."


def _prov(evidence: str = SENTENCE, footnotes: list[int] | None = None) -> Provenance:
    return Provenance(
        document_id="d", block_id="b1", page=2, start=0, end=len(evidence), evidence=evidence, footnotes=footnotes or []
    )


def _extraction(**facts) -> Extraction:
    ex = Extraction.model_validate(
        {
            "document": {
                "id": "d",
                "source_path": "r.txt",
                "kind": "text",
                "page_count": 1,
                "pipeline_version": "test",
                "language": "en",
            },
            "metadata": {},
        }
    )
    for name, items in facts.items():
        setattr(ex.facts, name, items)
    return ex


def _count(n: int) -> Count:
    return Count(min=n, max=n)


def _casualty(**kw) -> CasualtyFigure:
    return CasualtyFigure(id=kw.pop("id", "c1"), provenance=kw.pop("provenance", _prov()), **kw)


def _gold_casualty(**kw) -> dict:
    return {
        "evidence": "killed 12 civilians",
        "killed": {"min": 12, "max": 12},
        "injured": None,
        "abducted": None,
        **kw,
    }


# ---------------------------------------------------------------- attributes


def test_a_null_gold_attribute_is_not_scored():
    ex = _extraction(casualty_figures=[_casualty(killed=_count(12), location="Tillia", date="2021-05-03")])
    gold = {"casualty_figures": [_gold_casualty(location=None, date=None, victims=None, footnote=None)]}
    c = evaluate_extraction(ex, gold)["categories"]["casualty_figures"]
    assert c["tp"] == 1
    assert "location" not in c["attributes"] and "date" not in c["attributes"] and "footnote" not in c["attributes"]

    events = [EventCount(id="e1", provenance=_prov(), category="attacks", count=12, area="Tillia", period="2021-05")]
    gold = {
        "event_counts": [
            {
                "evidence": "killed 12",
                "category": "attacks",
                "count": 12,
                "area": None,
                "period": None,
                "actor": None,
                "source_org": None,
                "footnote": None,
            }
        ]
    }
    e = evaluate_extraction(_extraction(event_counts=events), gold)["categories"]["event_counts"]
    assert e["tp"] == 1 and e["attributes"] == {}


def test_a_gold_attribute_is_scored_and_a_mismatch_listed():
    ex = _extraction(casualty_figures=[_casualty(killed=_count(12), date="2021-05-04")])
    gold = {"casualty_figures": [_gold_casualty(date="2021-05-03")]}
    c = evaluate_extraction(ex, gold, misses=True)["categories"]["casualty_figures"]
    assert c["attributes"] == {"date": 0.0}
    assert c["misses"]["attribute_mismatches"] == [
        {
            "evidence": "killed 12 civilians",
            "page": 2,
            "attribute": "date",
            "expected": "2021-05-03",
            "got": "2021-05-04",
        }
    ]


def test_perpetrators_match_by_any_name_or_alias_and_the_counts_need_not_be_equal():
    actors = [
        Actor(id="a1", name="Jama'at Nusrat al-Islam wal-Muslimin", aliases=["JNIM", "GSIM"], kind="jihadist_group"),
        Actor(id="a2", name="Unidentified armed group", kind="unidentified"),
    ]
    figure = _casualty(
        killed=_count(12), perpetrators=["Jama'at Nusrat al-Islam wal-Muslimin", "Unidentified armed group"]
    )
    gold = {"casualty_figures": [_gold_casualty(perpetrators=[["JNIM", "Group for Support of Islam and Muslims"]])]}
    c = evaluate_extraction(_extraction(casualty_figures=[figure], actors=actors), gold)["categories"][
        "casualty_figures"
    ]
    assert c["attributes"]["perpetrators"] == 1.0

    gold = {
        "casualty_figures": [_gold_casualty(perpetrators=[["JNIM"], ["ISGS", "Islamic State in the Greater Sahara"]])]
    }
    c = evaluate_extraction(_extraction(casualty_figures=[figure], actors=actors), gold)["categories"][
        "casualty_figures"
    ]
    assert c["attributes"]["perpetrators"] == 0.0


def test_the_footnote_is_the_marker_that_closes_the_sentence():
    figure = _casualty(killed=_count(12), provenance=_prov(footnotes=[3, 5]))
    for gold_fn, ok in ((5, 1.0), (3, 0.0)):
        gold = {"casualty_figures": [_gold_casualty(footnote=gold_fn)]}
        c = evaluate_extraction(_extraction(casualty_figures=[figure]), gold)["categories"]["casualty_figures"]
        assert c["attributes"]["footnote"] == ok


def test_casualties_take_part_in_matching():
    gold = {
        "casualty_figures": [
            {
                "evidence": "killed 12",
                "killed": None,
                "injured": None,
                "abducted": None,
                "casualties": {"min": 16, "max": 16},
            }
        ]
    }
    split = _casualty(killed=_count(12), injured=_count(4))
    joined = _casualty(casualties=_count(16))
    assert evaluate_extraction(_extraction(casualty_figures=[split]), gold)["categories"]["casualty_figures"]["tp"] == 0
    assert (
        evaluate_extraction(_extraction(casualty_figures=[joined]), gold)["categories"]["casualty_figures"]["tp"] == 1
    )
    # a gold item that splits the figure does not match a prediction that does not
    gold = {"casualty_figures": [_gold_casualty()]}
    both = _casualty(killed=_count(12), casualties=_count(16))
    assert evaluate_extraction(_extraction(casualty_figures=[both]), gold)["categories"]["casualty_figures"]["tp"] == 0


def test_also_ok_type_is_a_second_acceptable_type():
    gold = {"places": [{"names": ["Kabul"], "type": "admin1", "also_ok_type": "populated_place", "admin1": "Kabul"}]}
    town = Place(id="p1", name="Kabul", type="populated_place", admin1="Kabul")
    district = Place(id="p2", name="Kabul", type="admin2")
    assert evaluate_extraction(_extraction(places=[town]), gold)["categories"]["places"]["tp"] == 1
    assert evaluate_extraction(_extraction(places=[district]), gold)["categories"]["places"]["tp"] == 0


def test_a_location_matches_by_the_place_aliases():
    places = [Place(id="p1", name="Tillabéri", aliases=["Tillaberi region"], type="admin1")]
    figure = _casualty(killed=_count(12), location="Tillabéri")
    gold = {"casualty_figures": [_gold_casualty(location=["Tillaberi region"])]}
    c = evaluate_extraction(_extraction(casualty_figures=[figure], places=places), gold)["categories"][
        "casualty_figures"
    ]
    assert c["attributes"]["location"] == 1.0


# ---------------------------------------------------------------- tables


def _table(id_: str, caption: str | None, rows: list[list[str]], header_rows: int = 1) -> Table:
    cells = [Cell(row=r, col=c, text=t, raw=t, page=1) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Table(
        id=id_,
        page=1,
        pages=[1],
        n_rows=len(rows),
        n_cols=len(rows[0]),
        cells=cells,
        caption=caption,
        header_rows=header_rows,
    )


def _records(table: Table, periods: dict[int, str] | None = None) -> list[TableRecord]:
    grid = table.grid()
    out = []
    for r in range(table.header_rows, table.n_rows):
        for c in range(1, table.n_cols):
            out.append(
                TableRecord(
                    table_id=table.id,
                    period=(periods or {}).get(r),
                    value=int(grid[r][c]),
                    raw=grid[r][c],
                    status="value",
                    row_label=grid[r][0],
                    column_label=grid[0][c],
                    provenance=CellProvenance(document_id="d", table_id=table.id, page=1, row=r, col=c),
                )
            )
    return out


def test_cells_are_keyed_by_period_when_the_gold_gives_one():
    table = _table("t1", "Table 3: IDPs by month", [["Month", "Diffa"], ["Jan.", "10"], ["Feb.", "12"]])
    ex = _extraction()
    ex.tables, ex.table_records = [table], _records(table, {1: "2021-01", 2: "2021-02"})
    gold = {
        "tables": [
            {
                "id": "T1",
                "caption_contains": "IDPs by month",
                "cells": [
                    {"row": "January 2021", "period": "2021-01", "column": "Diffa", "value": 10},
                    {"row": "February 2021", "period": "2021-02", "column": "Diffa", "value": 12},
                ],
            }
        ]
    }
    assert evaluate_extraction(ex, gold)["table_cells"] == {"correct": 2, "total": 2, "accuracy": 1.0}


def test_a_header_printed_over_two_rows_matches():
    rows = [
        ["Event type", "Number of", "Events with at least"],
        ["", "events", "one fatality"],
        ["Battles", "415", "203"],
    ]
    table = _table("t1", "Table 1: Events by type", rows, header_rows=2)
    ex = _extraction()
    ex.tables, ex.table_records = [table], _records(table)
    gold = {
        "tables": [
            {
                "id": "T1",
                "caption_contains": "Events by type",
                "cells": [
                    {"row": "Battles", "column": "Number of events", "value": 415},
                    {"row": "Battles", "column": "Events with at least one fatality", "value": 203},
                ],
            }
        ]
    }
    assert evaluate_extraction(ex, gold)["table_cells"]["correct"] == 2


def test_an_unmatched_table_is_a_false_positive_captioned_or_not():
    good = _table("t1", "Table 1: Events by type", [["Type", "Events"], ["Battles", "5"]])
    stray = _table("t2", None, [["Year", "Events"], ["2019", "7"]])
    cover = _table("t3", None, [["Country", "Mali"], ["Date", "May"]])  # holds no figure: not a candidate
    ex = _extraction()
    ex.tables, ex.table_records = [good, stray, cover], _records(good) + _records(stray)
    gold = {"tables": [{"id": "T1", "caption_contains": "Events by type", "cells": []}]}
    r = evaluate_extraction(ex, gold, misses=True)["categories"]["tables"]
    assert (r["tp"], r["fp"], r["fn"]) == (1, 1, 0)
    assert r["misses"]["false_positives"] == [{"table": "t2", "caption": "", "page": 1}]


def test_a_table_check_belongs_to_its_matched_table():
    t1 = _table("t1", "Table 1: IDPs by month", [["Month", "A", "Total"], ["May 2021", "5", "6"]])
    t2 = _table("t2", "Table 2: Returnees by month", [["Month", "A", "Total"], ["May 2021", "5", "6"]])
    ex = _extraction()
    ex.tables, ex.table_records = [t1, t2], _records(t1) + _records(t2)

    def on(tid):
        return Warning(
            code="row_total_mismatch",
            message="m",
            details={"table": tid, "row": "May 2021", "printed": 6, "computed": 5},
        )

    gold = {
        "tables": [
            {"id": "T1", "caption_contains": "IDPs by month", "cells": []},
            {"id": "T2", "caption_contains": "Returnees by month", "cells": []},
        ],
        "table_checks": [{"table": "T1", "row": "May 2021", "kind": "row_total_mismatch", "printed": 6, "computed": 5}],
    }
    ex.warnings = [on("t2")]
    c = evaluate_extraction(ex, gold)["categories"]["table_checks"]
    assert (c["tp"], c["fp"], c["fn"]) == (0, 1, 1)
    ex.warnings = [on("t1")]
    c = evaluate_extraction(ex, gold)["categories"]["table_checks"]
    assert (c["tp"], c["fp"], c["fn"]) == (1, 0, 0)


# ---------------------------------------------------------------- metadata and pooling


def test_metadata_without_a_cover_table_scores_only_what_the_gold_gives():
    ex = _extraction()
    ex.metadata.country = "Niger"
    r = evaluate_extraction(ex, {"metadata": {"country": "Niger"}})
    m = r["categories"]["metadata"]
    assert (m["tp"], m["fp"], m["fn"]) == (1, 0, 0) and m["attributes"] == {"country": 1.0}
    other = evaluate_extraction(_extraction(), {"metadata": {"country": "Mali", "date_of_completion": "2020-01-02"}})
    assert summarize([r, other])["country"] == {"correct": 1, "total": 2}


def test_pooled_scores_are_the_sums_and_the_mean_is_labelled_macro():
    found = _extraction(
        displacement_figures=[
            DisplacementFigure(
                id="x", provenance=_prov("12 000 IDPs in Diffa"), population="idps", count=12000, area="Diffa"
            )
        ]
    )
    gold_found = {
        "displacement_figures": [{"evidence": "12 000 IDPs", "population": "idps", "count": 12000, "area": ["Diffa"]}]
    }
    missed = {"displacement_figures": [{"evidence": f"{n} IDPs", "population": "idps", "count": n} for n in (1, 2, 3)]}
    empty = {"displacement_figures": []}  # nothing to find and nothing found: 1.0 in the mean, nothing in the pool
    reports = [
        evaluate_extraction(found, gold_found),
        evaluate_extraction(_extraction(), missed),
        evaluate_extraction(_extraction(), empty),
    ]
    s = summarize(reports)
    micro, macro = s["micro"]["displacement_figures"], s["macro"]["displacement_figures"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 0, 3)
    assert (micro["precision"], micro["recall"], micro["f1"]) == (1.0, 0.25, 0.4)
    assert micro["attributes"] == {"area": 1.0}
    assert macro["f1"] == round((1.0 + 0.0 + 1.0) / 3, 4) and macro["reports"] == 3


def test_misses_list_false_negatives_and_false_positives_with_their_values():
    wrong = _casualty(killed=_count(13))
    gold = {"casualty_figures": [_gold_casualty(victims="civilians")]}
    m = evaluate_extraction(_extraction(casualty_figures=[wrong]), gold, misses=True)["categories"]["casualty_figures"][
        "misses"
    ]
    assert m["false_negatives"] == [
        {"evidence": "killed 12 civilians", "expected": {"killed": {"min": 12, "max": 12}, "victims": "civilians"}}
    ]
    assert m["false_positives"] == [{"evidence": SENTENCE, "page": 2, "values": {"killed": {"min": 13, "max": 13}}}]
    assert (
        "misses"
        not in evaluate_extraction(_extraction(casualty_figures=[wrong]), gold)["categories"]["casualty_figures"]
    )


def test_victims_compare_as_normalised_groups():
    """The extractor writes a victim group; the gold writes the report's noun: ``traders`` are
    civilians, ``JNIM members`` fighters, the bracketed detail is left aside."""
    cases = [
        ("traders", "civilians", 1.0),
        ("civilians (minibus passengers)", "civilians", 1.0),
        ("JNIM members", "fighters", 1.0),
        ("soldier", "soldiers", 1.0),
        ("traders", "soldiers", 0.0),
        ("persons", None, 0.0),
    ]
    for want, got, ok in cases:
        figure = _casualty(killed=_count(12), victims=got)
        c = evaluate_extraction(
            _extraction(casualty_figures=[figure]), {"casualty_figures": [_gold_casualty(victims=want)]}
        )
        assert c["categories"]["casualty_figures"]["attributes"]["victims"] == ok, (want, got)
