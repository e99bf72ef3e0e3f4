from __future__ import annotations

import pytest

from extractors.bibliography import parse_entry
from extractors.dates import parse_date, parse_interval
from extractors.metadata import split_questions
from pipeline.app.run import extract_file
from schemas import lang

EN = lang.load("en")


@pytest.fixture(scope="module")
def extraction(fake_report):
    return extract_file(fake_report)


def test_metadata(extraction):
    m = extraction.metadata
    assert (m.country, m.query_code, m.date_of_completion, m.reference_period) == (
        "Burkina Faso",
        "Q99-2021",
        "2021-09-14",
        "2021-03-01/2021-08-31",
    )
    assert m.questions == ["Which armed groups are active in Sahel Region?", "How many civilians were displaced?"]


def test_sections_with_parents(extraction):
    numbered = [(s.number, s.title, s.parent) for s in extraction.sections if s.number]
    assert numbered == [
        ("1", "Armed actors", None),
        ("1.1", "Defence and Security Forces (FDS)", "1"),
        ("2", "Displacement", None),
    ]
    plain = next(s for s in extraction.sections if s.title == "Recruitment")
    assert plain.number is None and plain.parent == "1.1"


def test_footnotes_and_citing_blocks(extraction):
    notes = {f.number: f for f in extraction.footnotes}
    assert sorted(notes) == [1, 2, 3, 4]
    assert notes[4].text.startswith("Agency (Invented Displacement Agency)")
    para = next(b for b in extraction.blocks if b.footnote_refs and b.footnote_refs[0].number == 1)
    assert notes[1].cited_by == [para.id] and notes[2].cited_by == [para.id]


def test_bibliography(extraction):
    by_title = {e.title: e for e in extraction.bibliography}
    assert [e.section for e in extraction.bibliography] == ["SOURCES USED"] * 3 + ["SOURCES CONSULTED"]
    b = by_title["Another invented title, with a comma"]  # entry split over two blocks, title with a comma
    assert (b.organisation, b.acronym, b.date, b.url, b.accessed) == (
        "Source B (Source Bureau)",
        None,
        None,
        "https://example.org/b",
        "2021-07-01",
    )
    a = by_title["Invented title of a report"]
    assert a.accessed == "2021-06-05" and a.accessed_year_inferred
    assert any(w.code == "accessed_year_inferred" for w in extraction.warnings)


def test_table_caption_linked(extraction):
    table = extraction.tables[1]
    assert table.caption.startswith("Table 1: IDPs in Sahel region")
    assert table.grid()[2] == ["April 2021", "-", "N/A", "1,600"]


def test_parse_entry_reads_from_both_ends():
    e = parse_entry(
        "HRW (Human Rights Watch), Title, with comma, 7 December 2018, <https://hrw.org/x>, accessed 27 November 2020",
        EN,
        2020,
    )
    assert (e["organisation"], e["acronym"], e["title"], e["date"], e["url"], e["accessed"]) == (
        "HRW (Human Rights Watch)",
        "HRW",
        "Title, with comma",
        "2018-12-07",
        "https://hrw.org/x",
        "2020-11-27",
    )


@pytest.mark.parametrize(
    "text, iso",
    [
        ("17 December 2020", "2020-12-17"),
        ("July 2020", "2020-07"),
        ("2019", "2019"),
        ("November/December 2020", "2020-12"),
        ("17.12.2020", "2020-12-17"),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text, EN).iso == iso


def test_parse_date_without_year_needs_a_default():
    assert parse_date("accessed 15 December", EN) is None
    assert parse_date("accessed 15 December", EN, 2020).year_inferred


@pytest.mark.parametrize(
    "text, interval",
    [
        ("between 1 June-30 November 2020", "2020-06-01/2020-11-30"),
        ("20 March 2020-2 June 2020", "2020-03-20/2020-06-02"),
        ("1 April - 30 June 2020", "2020-04-01/2020-06-30"),
        ("Resolution 2100 on 25 April 2013", None),
    ],
)
def test_parse_interval(text, interval):
    assert parse_interval(text, EN) == interval


def test_french_dates_from_language_data():
    fr = lang.load("fr")
    assert parse_date("consulté le 3 décembre 2020", fr).iso == "2020-12-03"
    assert parse_interval("entre le 1 juin et 30 novembre 2020".replace(" et ", " au "), fr) == "2020-06-01/2020-11-30"


def test_split_questions():
    assert split_questions("1. Who?2. Where? 3. When") == ["Who?", "Where?", "When"]
    assert split_questions("What happened?") == ["What happened?"]
