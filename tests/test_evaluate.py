from __future__ import annotations

import json

import pytest

from pipeline.app.run import extract_file
from pipeline.tools.evaluate import evaluate_extraction, fold_evidence, fold_name, pair_corpus, parse_cell_value
from schemas.extraction import CasualtyFigure, Count, Provenance


@pytest.fixture(scope="module")
def extraction(fake_report):
    return extract_file(fake_report)


GOLD = {
    "format": "coi-gold/1",
    "metadata": {
        "country": "Burkina Faso",
        "query_code": "Q99-2021",
        "date_of_completion": "2021-09-14",
        "reference_period": "2021-03-01/2021-08-31",
        "questions": ["Which armed groups are active in Sahel Region?"],
    },
    "sections": [
        {"number": "1", "title": "Armed actors"},
        {"number": "1.1", "title": "Defence and Security Forces (FDS)"},
        {"number": "2", "title": "Displacement"},
        {"number": "3", "title": "Not in the report"},
    ],
    "footnotes": {"count": 4, "links": [{"number": 4, "cites": ["Agency"]}, {"number": 1, "cites": ["Nobody"]}]},
    "bibliography": {
        "sections": {"SOURCES USED": 3, "SOURCES CONSULTED": 2},
        "samples": [
            {"section": "SOURCES USED", "org": "Source A", "title_contains": "Invented title", "accessed": "2021-06-05"}
        ],
    },
    "tables": [
        {
            "id": "T1",
            "caption_contains": "IDPs in Sahel region",
            "cells": [
                {"row": "March 2021", "column": "Soum", "raw": "1,200", "value": 1200},
                {"row": "April 2021", "column": "Soum", "raw": "-", "value": 0},
                {"row": "April 2021", "column": "Oudalan", "raw": "N/A", "value": None},
                {"row": "April 2021", "column": "Total", "raw": "1,600", "value": 1601},
            ],
        }
    ],
    "casualty_figures": [
        {"evidence": "1 250 troops", "killed": {"min": 1250, "max": 1250}, "injured": None, "abducted": None}
    ],
}


def test_scores_follow_the_gold_format(extraction):
    r = evaluate_extraction(extraction, GOLD, "fake.txt", "fake.gold.json")
    c = r["categories"]
    assert c["metadata"]["f1"] == 1.0
    assert (c["sections"]["tp"], c["sections"]["fp"], c["sections"]["fn"]) == (3, 0, 1)
    assert c["footnotes"]["tp"] == 1 and c["footnotes"]["attributes"] == {"links": 0.5}
    assert (c["bibliography"]["tp"], c["bibliography"]["fn"], c["bibliography"]["fp"]) == (1, 1, 1)
    assert c["bibliography"]["attributes"] == {"sample_found": 1.0, "org": 1.0, "accessed": 1.0}
    assert r["table_cells"] == {"correct": 3, "total": 4, "accuracy": 0.75}
    assert c["casualty_figures"]["recall"] == 0.0  # not produced yet: recall 0, not skipped
    assert "places" not in c  # absent from the gold: skipped
    json.dumps(r)


def test_fact_matching_needs_evidence_and_equal_counts(extraction):
    para = next(b for b in extraction.blocks if extraction.text[b.start : b.end].startswith("The FDS ran"))
    prov = Provenance(
        document_id="d",
        block_id=para.id,
        page=1,
        start=para.start,
        end=para.end,
        evidence=extraction.text[para.start : para.end],
        footnotes=[1],
    )
    ok = CasualtyFigure(id="a", provenance=prov, killed=Count(min=1250, max=1250))
    wrong = CasualtyFigure(id="b", provenance=prov, killed=Count(min=1251, max=1251))
    for figure, tp in ((ok, 1), (wrong, 0)):
        ex = extraction.model_copy(deep=True)
        ex.facts.casualty_figures = [figure]
        assert evaluate_extraction(ex, GOLD)["categories"]["casualty_figures"]["tp"] == tp


def test_folding_rules():
    assert fold_name("Djenné") == fold_name("DJENNE") == "djenne"
    assert fold_name("Jama’a Nusrat") == fold_name("Jama'a  Nusrat") == "jama a nusrat"
    assert fold_evidence("‘around 30 members’ of the *JNIM*¹⁷") == "'around 30 members' of the jnim"


@pytest.mark.parametrize(
    "text, value",
    [
        ("20 437", (True, 20437)),
        ("1,079", (True, 1079)),
        ("-", (True, 0)),
        ("N/A", (True, None)),
        ("Koro", (False, None)),
        ("45 394¹⁰⁵", (True, 45394)),
    ],
)
def test_cell_values(text, value):
    assert parse_cell_value(text) == value


def test_corpus_pairing(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "gold").mkdir()
    for name in ("abc-2020.txt", "abc-2020-narrow.pdf", "other.txt"):
        (tmp_path / "corpus" / name).write_text("x")
    (tmp_path / "gold" / "abc-2020.gold.json").write_text("{}")
    pairs = pair_corpus(tmp_path / "corpus", tmp_path / "gold")
    assert sorted(p.name for p, _ in pairs) == ["abc-2020-narrow.pdf", "abc-2020.txt"]
