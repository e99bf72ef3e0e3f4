"""The extractor's stages (extractors/stages.py): their order, what each one writes, and each
stage's output in detail, pinned on the project's own fixtures (issue 20).

- The stages as a chain: their order; one value per stage pinned through ``extract_document``;
  blanking any one stage changes a pinned value, so a stage that silently stops working fails.
- Each stage's output in detail, through the whole pipeline (``extract_file``), in a test named
  after what it makes: metadata, sections, captions, footnotes, bibliography, tables (annotation,
  records, P-codes, totals; tables not rebuilt: ``tests/test_text_renditions.py``), facts
  (figures, actors, places) and citations (``tests/test_citations.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.stages import STAGES, extract_document
from pipeline.app.run import extract_file
from pipeline.readers.ingest import ingest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def what_the_stages_wrote(extraction) -> dict:
    """One pinned value per stage."""
    facts = extraction.facts
    figures = [*facts.casualty_figures, *facts.event_counts, *facts.displacement_figures]
    return {
        "metadata": (extraction.metadata.country, extraction.metadata.date_of_completion),
        "structure": (len(extraction.sections), [n.number for n in extraction.footnotes]),
        "bibliography": len(extraction.bibliography),
        "tables": (len(extraction.tables), len(extraction.table_records)),
        "facts": (
            len(facts.casualty_figures),
            len(facts.event_counts),
            len(facts.displacement_figures),
            len(facts.actors),
            len(facts.places),
        ),
        "citations": sorted((c.footnote, len(c.bibliography)) for f in figures for c in f.provenance.citations),
    }


PINNED = {
    "burkina_report.txt": {
        "metadata": ("Burkina Faso", "2021-07-15"),
        "structure": (8, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        "bibliography": 2,
        "tables": (1, 0),
        "facts": (3, 4, 3, 4, 8),
        "citations": [(2, 1), (4, 0), (5, 0), (6, 1), (6, 1), (6, 1), (7, 0), (8, 0), (9, 0), (9, 0)],
    },
    "fake_report.txt": {
        "metadata": ("Burkina Faso", "2021-09-14"),
        "structure": (8, [1, 2, 3, 4]),
        "bibliography": 4,
        "tables": (2, 6),
        "facts": (0, 0, 1, 1, 4),
        "citations": [(4, 1)],
    },
}


def test_the_stages_run_in_this_order():
    assert [name for name, _ in STAGES] == [
        "metadata",
        "structure",
        "sentences",
        "bibliography",
        "tables",
        "facts",
        "citations",
    ]


@pytest.mark.parametrize("name", sorted(PINNED))
def test_what_each_stage_writes_is_pinned(name):
    assert what_the_stages_wrote(extract_document(ingest(FIXTURES / name))) == PINNED[name]


@pytest.mark.parametrize("blank", [name for name, _ in STAGES])
def test_blanking_a_stage_changes_what_is_pinned(blank):
    """Each stage has an effect the pinned values see: a no-op in its place either changes
    them or leaves a later stage without what it needs."""
    stages = tuple((name, (lambda found: None) if name == blank else stage) for name, stage in STAGES)
    changed = []
    for fixture, pinned in PINNED.items():
        try:
            wrote = what_the_stages_wrote(extract_document(ingest(FIXTURES / fixture), stages=stages))
        except AttributeError:  # a later stage read what the blanked one should have written
            changed.append(fixture)
            continue
        if wrote != pinned:
            changed.append(fixture)
    assert changed, f"blanking the {blank!r} stage changed nothing that is pinned"


# ---------------------------------------------------------------- each stage's output in detail


@pytest.fixture(scope="module")
def fake():
    return extract_file(FIXTURES / "fake_report.txt")


@pytest.fixture(scope="module")
def burkina():
    return extract_file(FIXTURES / "burkina_report.txt")


def test_metadata(fake):
    assert fake.metadata.model_dump(exclude={"evidence", "fields"}) == {
        "country": "Burkina Faso",
        "main_subject": "Security situation in Sahel Region between 1 March-31 August 2021",
        "questions": ["Which armed groups are active in Sahel Region?", "How many civilians were displaced?"],
        "date_of_completion": "2021-09-14",
        "date_of_completion_precision": "day",
        "query_code": "Q99-2021",
        "reference_period": "2021-03-01/2021-08-31",
        "contributing_units": "N/A",
        "title": "COI QUERY",
        "publisher": None,
        "inferred": [],
    }
    assert fake.metadata.fields["Date of completion"] == "14 September 2021"


def test_sections(fake):
    assert [(s.number, s.title, s.level, s.parent, s.page) for s in fake.sections] == [
        (None, "COI QUERY", 1, None, 1),
        (None, "Disclaimer", 1, None, 1),
        ("1", "Armed actors", 1, None, 1),
        ("1.1", "Defence and Security Forces (FDS)", 2, "1", 1),
        (None, "Recruitment", 3, "1.1", 1),
        ("2", "Displacement", 1, None, 1),
        (None, "SOURCES USED", 1, None, 1),
        (None, "SOURCES CONSULTED", 1, None, 1),
    ]


def test_table_captions(fake):
    assert [(t.id, t.caption, t.caption_block_id) for t in fake.tables] == [
        ("t1", None, None),  # the cover table: no caption beside it
        ("t2", "Table 1: IDPs in Sahel region. Source: Invented agency, 30 April 2021, url", "p1-b14"),
    ]


def test_footnotes(fake):
    assert [(f.number, f.text, f.page, f.block_id, f.cited_by) for f in fake.footnotes] == [
        (1, "Source B, Another invented title, 2 April 2021, url, p. 4", 1, "p1-b8", ["p1-b6"]),
        (2, "Source A, Invented title of a report, 3 May 2021, url", 1, "p1-b7", ["p1-b6"]),
        (3, "Source C, Third title, Aug. 2021, url", 1, "p1-b15", ["p1-b10"]),
        (4, "Agency (Invented Displacement Agency), Monthly update, 30 April 2021, url", 1, "p1-b16", ["p1-b12"]),
    ]


def test_bibliography(fake):
    assert [
        (
            b.section,
            b.organisation,
            b.acronym,
            b.title,
            b.date,
            b.date_text,
            b.url,
            b.accessed,
            b.accessed_year_inferred,
        )
        for b in fake.bibliography
    ] == [
        (
            "SOURCES USED",
            "Agency (Invented Displacement Agency)",
            "Agency",
            "Monthly update",
            "2021-04-30",
            "30 April 2021",
            "https://example.org/update",
            "2021-05-02",
            False,
        ),
        (
            "SOURCES USED",
            "Source A",
            None,
            "Invented title of a report",
            "2021-05-03",
            "3 May 2021",
            "https://example.org/a",
            "2021-06-05",
            True,
        ),
        (
            "SOURCES USED",
            "Source B (Source Bureau)",
            None,
            "Another invented title, with a comma",
            None,
            "n.d.",
            "https://example.org/b",
            "2021-07-01",
            False,
        ),
        (
            "SOURCES CONSULTED",
            "Source C",
            None,
            "Third title",
            "2021",
            "2021",
            "https://example.org/c",
            "2021-07-03",
            False,
        ),
    ]
    assert [(w.code, w.location) for w in fake.warnings] == [("accessed_year_inferred", "p1-b19")]


def test_table_annotation(fake):
    (table,) = [t for t in fake.tables if t.row_dimension]
    assert (table.row_dimension, table.column_dimension, table.population, table.total_row, table.total_col) == (
        "period",
        "place",
        "idps",
        None,
        3,
    )


def test_table_records_and_p_codes(fake):
    assert [(r.period, r.admin_unit, r.pcode, r.value, r.status, r.total) for r in fake.table_records] == [
        ("2021-03", "Soum", "BF5603", 1200, "value", False),
        ("2021-03", "Oudalan", "BF5601", 300, "value", False),
        ("2021-03", None, None, 1500, "value", True),
        ("2021-04", "Soum", "BF5603", 0, "nil", False),
        ("2021-04", "Oudalan", "BF5601", None, "not_available", False),
        ("2021-04", None, None, 1600, "value", True),
    ]


def test_table_totals_are_checked(tmp_path):
    text = (FIXTURES / "fake_report.txt").read_text(encoding="utf-8").replace("| 300 | 1,500 |", "| 310 | 1,500 |")
    path = tmp_path / "edited.txt"
    path.write_text(text, encoding="utf-8")
    ex = extract_file(path)
    assert [
        (w.code, w.details["row"], w.details["printed"], w.details["computed"])
        for w in ex.warnings
        if w.code.endswith("_total_mismatch")
    ] == [("row_total_mismatch", "March 2021", 1500, 1510)]


def test_figures(burkina):
    facts = burkina.facts
    assert [
        (
            f.killed and f.killed.min,
            f.injured and f.injured.min,
            f.abducted and f.abducted.min,
            f.date,
            f.location,
            f.perpetrators,
            f.victims,
            f.provenance.footnotes,
        )
        for f in facts.casualty_figures
    ] == [
        (132, None, None, "2021-06-04", "Solhan", ["Unidentified armed groups"], "civilians", [4]),
        (15, 3, None, "2021-05-17", "Gorom-Gorom", [], "people", [5]),
        (None, None, 27, "2021-01-01/2021-06-30", "Soum", [], "civilians", [7]),
    ]
    assert [
        (f.category, f.count, f.area, f.period, f.actor, f.source_org, f.provenance.footnotes)
        for f in facts.event_counts
    ] == [
        ("violent_events", 41, "Sahel", "2021-01-01/2021-06-30", "JNIM", "ACLED", [2]),
        ("violent_events", 212, "Sahel", "2021-01-01/2021-06-30", None, "ACLED", [6]),
        ("battles", 98, "Sahel", "2021-01-01/2021-06-30", None, "ACLED", [6]),
        ("violence_against_civilians", 71, "Sahel", "2021-01-01/2021-06-30", None, "ACLED", [6]),
    ]
    assert [(f.population, f.count, f.area, f.as_of, f.provenance.footnotes) for f in facts.displacement_figures] == [
        ("idps", 1312071, "Burkina Faso", "2021-06-30", [8]),
        ("idps", 487000, "Sahel", "2021-06-30", [9]),
        ("refugees", 2500, "Centre-Nord", "2021-06-30", [9]),
    ]


def test_actors(burkina):
    assert [(a.name, a.kind) for a in burkina.facts.actors] == [
        ("Jama'at Nusrat al-Islam wal-Muslimin", "jihadist_group"),
        ("Volunteers for the Defence of the Homeland", "state_forces"),
        ("Burkina Faso Armed Forces", "state_forces"),
        ("Unidentified armed groups", "unidentified"),
    ]


def test_places(burkina):
    assert [(p.name, p.type, p.admin1, p.pcode) for p in burkina.facts.places] == [
        ("Soum", "admin2", "Sahel", "BF5603"),
        ("Sahel", "admin1", "Sahel", "BF56"),
        ("Solhan", "populated_place", "Sahel", None),
        ("Yagha", "admin2", "Sahel", "BF5604"),
        ("Oudalan", "admin2", "Sahel", "BF5601"),
        ("Gorom-Gorom", "populated_place", "Sahel", None),
        ("Burkina Faso", "country", None, "BF"),
        ("Centre-Nord", "admin1", "Centre-Nord", "BF49"),
    ]


NEAR = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn 2 February 2021, gunmen killed 12 civilians near Dialloubé in Mopti region.\n\n"
    "Fighting near Christmas left 4 soldiers dead, according to the army.\n\n"
    "On 9 February 2021, 6 herders were killed near Sarakala, a hamlet of Mopti region.\n"
)


def test_places_after_near_are_confirmed_by_the_model(tmp_path):
    """'near X' is a place when the statistical model sees one there: the two villages are,
    the feast is not (without the model every 'near X' would be taken)."""
    from extractors import nlp

    if nlp.pipeline("en") is None:
        pytest.skip(f"the spaCy model {nlp.MODELS['en']} is not installed (see pyproject.toml)")
    path = tmp_path / "near.txt"
    path.write_text(NEAR, encoding="utf-8")
    ex = extract_file(path)
    assert [(p.name, p.type, p.admin1) for p in ex.facts.places] == [
        ("Mopti", "admin1", "Mopti"),
        ("Dialloubé", "populated_place", "Mopti"),
        ("Mopti", "populated_place", "Mopti"),
        ("Sarakala", "populated_place", "Mopti"),
    ]
    assert [(f.killed.min, f.location) for f in ex.facts.casualty_figures] == [
        (12, "Dialloubé"),
        (4, "Mopti"),
        (6, "Sarakala"),
    ]
