"""Figures read end to end from three short reports the tests wrote (fixtures/figures_*.txt), one
per language: values, victims, dates and places are pinned exactly; exports and diffs carry the
``casualties`` of a figure that does not split killed and injured."""

from __future__ import annotations

import csv
import io

import pytest

from pipeline.app.run import extract_file
from pipeline.tools.diff import diff_extractions
from pipeline.tools.export import events_csv
from tests.conftest import FIXTURES


def _count(c):
    return None if c is None else (c.min, c.max)


def _casualties(ex):
    return [
        (
            _count(f.killed),
            _count(f.injured),
            _count(f.abducted),
            _count(f.casualties),
            f.victims,
            f.date,
            f.location,
            f.provenance.footnotes,
        )
        for f in ex.facts.casualty_figures
    ]


def _events(ex):
    return [(e.category, e.count, e.area, e.provenance.footnotes) for e in ex.facts.event_counts]


def _displacement(ex):
    return [(d.population, d.count, d.area, d.as_of, d.provenance.footnotes) for d in ex.facts.displacement_figures]


@pytest.fixture(scope="module")
def english():
    return extract_file(FIXTURES / "figures_en.txt")


@pytest.fixture(scope="module")
def french():
    return extract_file(FIXTURES / "figures_fr.txt")


@pytest.fixture(scope="module")
def german():
    return extract_file(FIXTURES / "figures_de.txt")


def test_english_figures(english):
    assert english.document.language == "en"
    assert _casualties(english) == [
        (
            (5, 5),
            (8, 8),
            None,
            None,
            "people",
            "2022-02-14",
            "Konduga",
            [1],
        ),  # "killing 5 and injuring 8 people": one item
        ((12, 12), None, None, None, "soldiers", "2022-03-02", "Bama", [2]),  # one verb, three victim groups
        ((3, 3), None, None, None, "police", "2022-03-02", "Bama", [2]),
        ((20, 20), None, None, None, "civilians", "2022-03-02", "Bama", [2]),
        (None, None, None, (46, 46), None, "2022-03-09", "Borno", [5]),  # "46 casualties": not split
    ]
    assert english.facts.casualty_figures[0].perpetrators == ["Unidentified armed groups"]
    assert _events(english) == [
        ("attacks", 15, "Borno", [3]),
        ("attacks", 21, "Borno", [3]),
        ("explosions_remote_violence", 31, "Borno", [4]),
    ]
    periods = [e.period for e in english.facts.event_counts]
    assert (periods[0], periods[2]) == ("2022-01", "2022-03")  # the month printed after the count
    assert _displacement(english) == [
        ("idps", 2600000, "Borno", "2022-03-31", [6]),
        ("returnees_from_abroad", 4100, "Borno", "2022-03", [7]),
    ]


def test_french_figures(french):
    assert french.document.language == "fr"
    assert _casualties(french) == [
        ((12, None), (3, 3), None, None, "civilians", "2022-05-06", "Seytenga", [1]),
        ((9, 9), None, None, None, "people", "2022-05-20", "Soum", [2]),
        ((5, 5), None, None, None, "women", "2022-05-20", "Soum", [2]),  # "dont 5 femmes": its own figure
    ]
    assert _events(french) == [
        ("attacks", 300, "Sahel", [3]),
        ("human_rights_violations", 45, "Sahel", [3]),
        ("attacks", 14, "Sahel", [4]),
        ("attacks", 19, "Sahel", [4]),
    ]
    assert _displacement(french) == [
        ("idps", 43750, "Soum", "2022-05-31", [5]),
        ("returnees_from_abroad", 5400, "Burkina Faso", "2022-05-31", [6]),
    ]


def test_german_figures(german):
    assert german.document.language == "de"
    assert _casualties(german) == [
        ((12, None), None, None, None, "people", "2022-04-03", "Maiduguri", [1]),
        ((7, 7), (19, 19), None, None, None, "2022-05-18", "Gwoza", [2]),
        (None, (4, 4), None, None, "children", "2022-05-18", "Gwoza", [2]),  # "darunter 4 Kinder"
    ]
    assert _events(german) == [("attacks", 17, "Borno", [3]), ("attacks", 4, "Borno", [3])]
    assert _displacement(german) == [
        ("idps", 1500000, "Borno", "2022-06", [4]),
        ("idps", 43750, "Borno", "2022-05", [5]),
    ]


def test_unsplit_casualties_are_exported_and_diffed(english):
    rows = list(csv.DictReader(io.StringIO(events_csv(english))))
    camp = next(r for r in rows if "casualties: 46" in r["notes"])
    assert camp["fatalities"] == ""  # deaths counted only together with injuries: unknown, never 46
    changed = english.model_copy(deep=True)
    fig = changed.facts.casualty_figures[-1]
    changed.facts.casualty_figures[-1] = fig.model_copy(
        update={"casualties": fig.casualties.model_copy(update={"min": 47, "max": 47})}
    )
    diff = diff_extractions(english, changed)
    (entry,) = diff["facts"]["casualty_figures"]["changed"]
    assert entry["changes"]["['casualties']['min']"] == [46, 47]
