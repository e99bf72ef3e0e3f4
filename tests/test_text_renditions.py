"""Text as it really arrives: pages split by form feeds, running headers and site
boilerplate, flattened tables, footnote markers glued to words (issue 13)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipeline.app.run import extract_document, extract_file
from pipeline.readers.flat_tables import (
    FlatTable,
    NotRebuilt,
    lines_to_flat_table,
    paragraph_to_run_table,
    tokens_to_cells,
)
from pipeline.readers.glued_markers import marker_candidates, marker_sequence
from pipeline.readers.ingest import ingest, ingest_bytes
from schemas import lang as languages
from schemas.document import BlockKind

BRIEF = Path(__file__).resolve().parent.parent / "fixtures" / "text_renditions" / "burkina_brief_pdftotext.txt"
EN, DE, FR = (languages.load(c) for c in ("en", "de", "fr"))


@pytest.fixture(scope="module")
def brief():
    return extract_file(BRIEF)


def _grid(ex, table_id):
    return next(t for t in ex.tables if t.id == table_id).grid()


def _facts(ex):
    return ex.facts.casualty_figures + ex.facts.event_counts + ex.facts.displacement_figures


# --- pages and furniture ---------------------------------------------------------------------


def test_form_feeds_are_pages_and_facts_carry_them(brief):
    assert brief.document.page_count == 4
    pages = {
        (f.killed.min if f.killed else None, f.abducted.min if f.abducted else None): f.provenance.page
        for f in brief.facts.casualty_figures
    }
    assert pages == {(14, None): 1, (3, None): 1, (41, None): 1, (7, None): 4, (None, 6): 4}


def test_running_header_and_page_lines_are_furniture():
    doc = ingest(BRIEF)
    furniture = [(b.page, b.kind, b.text) for b in doc.blocks() if b.kind in (BlockKind.header, BlockKind.footer)]
    title = "Burkina Faso: Security Brief – Second Half of 2021"
    assert [(p, t) for p, k, t in furniture if k is BlockKind.header] == [(n, title) for n in (1, 2, 3, 4)]
    assert {t for _, k, t in furniture if k is BlockKind.footer} == {
        "Share this",
        "Download PDF",
        "Page 1 of 4",
        "Page 2 of 4",
        "Page 3 of 4",
        "Page 4 of 4",
    }


def test_boilerplate_does_not_break_the_sentence_it_sits_in(brief):
    evidence = [f.provenance.evidence for f in _facts(brief)]
    assert (
        "Gunmen attacked the market of Djibo on 12 August 2021, killing 14 civilians and wounding 9 others." in evidence
    )
    assert "On 3 October 2021 armed men abducted 6 teachers near Dori and released them a week later." in evidence


def test_no_fact_from_a_marker_or_a_boilerplate_line(brief):
    values = sorted(v.min for f in brief.facts.casualty_figures for v in (f.killed, f.injured, f.abducted) if v)
    assert values == [3, 6, 7, 9, 14, 41]
    assert not brief.facts.event_counts and not brief.facts.displacement_figures
    for fact in _facts(brief):
        ev = fact.provenance.evidence
        assert not any(word in ev for word in ("Share this", "Download PDF", "Page ", "Security Brief"))


def test_page_lines_and_boilerplate_are_per_language():
    text = "Erster Absatz über die Lage in der Region und die Angriffe mit den Gruppen.\n\nSeite 3 / 120\n\nDiesen Artikel teilen\n"
    doc = ingest_bytes(text.encode(), "de.txt")
    kinds = [b.kind for b in doc.blocks()]
    assert (
        kinds[0] is BlockKind.paragraph and set(kinds[1:]) <= {BlockKind.header, BlockKind.footer} and len(kinds) == 3
    )
    english = ingest_bytes(
        text.replace(
            "Erster Absatz über die Lage in der Region und die Angriffe mit den Gruppen.",
            "The first paragraph on the situation in the region and the attacks.",
        ).encode(),
        "en.txt",
    )
    assert not {b.kind for b in english.blocks()} & {BlockKind.header, BlockKind.footer}  # German furniture words


def test_line_end_hyphen_is_joined_when_the_word_is_known():
    doc = ingest(BRIEF)
    para = next(b for b in doc.blocks() if b.text.startswith("Events are counted"))
    assert para.text.endswith("differ from ACLED's own published totals.")


def test_chart_labels_run_into_a_sentence_are_cut_off(brief):
    doc = ingest(BRIEF)
    chart = next(b for b in doc.blocks() if b.text.startswith("Attacks by month"))
    assert chart.kind is BlockKind.caption and chart.text == "Attacks by month 0 5 10 15 Jul Aug Sep"
    evidence = [f.provenance.evidence for f in brief.facts.casualty_figures]
    assert "Armed men killed 7 herders near Gorom-Gorom on 9 September 2021." in evidence


def test_a_word_cut_at_the_end_gives_no_fact(brief):
    assert brief.document.page_count == 4
    assert not any("vola" in f.provenance.evidence for f in _facts(brief))


# --- glued footnote markers ------------------------------------------------------------------


def test_glued_markers_become_footnote_refs(brief):
    doc = ingest(BRIEF)
    para = next(b for b in doc.blocks() if b.text.startswith("The monitors counted"))
    assert "41 fatalities in the province" in para.text and para.text.endswith("began their work in 2019.")
    assert [(r.number, para.text[: r.offset][-10:]) for r in para.footnote_refs] == [
        (3, "fatalities"),
        (4, "rk in 2019"),
    ]
    assert [f.provenance.footnotes for f in brief.facts.casualty_figures] == [[1], [2], [4], [], []]
    assert [(n.number, n.cited_by != []) for n in brief.footnotes] == [
        (1, True),
        (2, True),
        (3, True),
        (4, True),
        (5, True),
    ]


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("fatalities84 and later deaths.85", [84, 85]),
        ("in 2019117 and then in 2020.118", [117, 118]),
        ("les déplacés3 puis les réfugiés4", [3, 4]),
        ("arrests’.5 and then executions6", [5, 6]),
    ],
)
def test_marker_sequences(text, numbers):
    assert [c.number for c in marker_sequence(marker_candidates(text, 0), set())] == numbers


@pytest.mark.parametrize(
    "text",
    [
        "Baghdad1,635 and Erbil2,100 families",  # a figure glued to a word is not a marker
        "the G5 and the G7 met",  # one letter: a name, not a marker
        "a rise of 2.5 and 3.6 per cent",  # decimals
        "only one marker here5",  # a single candidate is not a sequence
        "fatalities7 and deaths9 and cases11 unrelated ones",  # wait: 7, 9, 11 rise by two; see below
    ],
)
def test_numbers_that_are_not_markers(text):
    found = [c.number for c in marker_sequence(marker_candidates(text, 0), set())]
    if "fatalities7" in text:
        assert found == [7, 9, 11]  # a step of two is allowed (one marker may be lost)
    else:
        assert found == []


def test_footnote_blocks_confirm_markers():
    # footnote blocks print 12 and 13: "Region12" is not taken for a marker though it would rise
    cands = marker_candidates("in Region12 the toll rose to 40 deaths13 and then 50 deaths14", 0)
    assert [c.number for c in marker_sequence(cands, {13, 14})] == [13, 14]


def test_superscript_markers_switch_the_glued_reading_off():
    text = "Armed men killed 5 people.¹ The G20 summit12 noted it13.\n\n¹ A source, 2020\n"
    doc = ingest_bytes(text.encode(), "sup.txt")
    para = doc.blocks()[0]
    assert "summit12" in para.text and [r.number for r in para.footnote_refs] == [1]


# --- flattened tables --------------------------------------------------------------------------


def test_flattened_line_table_is_rebuilt(brief):
    table = next(t for t in brief.tables if t.id == "t1")
    assert (
        table.flattened
        and table.caption == "Table 1: Casualties in Sahel region. Source: Test Monitoring Project, 10 January 2022"
    )
    assert table.grid() == [
        ["Period", "Killed", "Injured", "Total"],
        ["2019 (Jul – Dec)", "210", "95", "305"],
        ["2020 (Jan – Jun)", "198", "402", "600"],
        ["2021 (Jan – Jun)", "77", "64", "141"],
        ["Total", "485", "561", "1046"],
    ]
    assert (table.total_row, table.total_col) == (4, 3)


def test_space_grouped_thousands_are_decided_by_the_total_row(brief):
    assert _grid(brief, "t2") == [
        ["Province", "Registered June", "Registered December"],
        ["Soum", "312 481", "324 920"],
        ["Oudalan", "45 210", "51 004"],
        ["Total", "357 691", "375 924"],
    ]
    values = {(r.row_label, r.column_label): r.value for r in brief.table_records if r.table_id == "t2"}
    assert values[("Total", "Registered December")] == 375924


def test_table_poured_into_a_contents_page_is_rebuilt(brief):
    table = next(t for t in brief.tables if t.id == "t3")
    assert table.flattened and table.caption.startswith(
        "Conflict incidents by category This table is based on data from ACLED"
    )
    assert table.grid() == [
        ["Category", "Number of incidents", "Number of incidents with at least one fatality", "Number of fatalities"],
        ["Battles", "210", "95", "388"],
        ["Violence against civilians", "175", "120", "301"],
        ["Explosions / Remote violence", "40", "22", "57"],
        ["Protests", "18", "0", "0"],
        ["Total", "443", "237", "746"],
    ]


def test_flattened_totals_are_checked_and_rows_that_cannot_be_rebuilt_are_reported(brief):
    codes = [w.code for w in brief.warnings]
    assert "row_total_mismatch" not in codes and "column_total_mismatch" not in codes
    not_rebuilt = [w for w in brief.warnings if w.code == "table_not_rebuilt"]
    assert [w.details["reason"] for w in not_rebuilt] == ["no header line above the rows"]
    assert not_rebuilt[0].details["page"] == 2


def test_a_flattened_total_that_does_not_add_up_is_a_warning_and_numbers_stay():
    text = "Table 1: Attacks by month\nMonth Attacks Killed\nJanuary 12 30\nFebruary 8 14\nTotal 21 44\n"
    ex = extract_document(ingest_bytes(text.encode(), "t.txt"))
    assert ex.tables[0].flattened and ex.tables[0].grid()[3] == ["Total", "21", "44"]
    mismatch = [
        (w.code, w.details["printed"], w.details["computed"]) for w in ex.warnings if w.code.endswith("_mismatch")
    ]
    assert mismatch == [("column_total_mismatch", 21, 20)]


def test_run_table_in_german():
    paragraph = (
        "Inhaltsverzeichnis Konfliktvorfälle nach Kategorie Anzahl der Vorfälle mit Anzahl der Anzahl der "
        "Methodologie 3 Kategorie mindestens Vorfälle Todesopfer einem Todesopfer Kämpfe 120 80 310 Proteste 40 2 3 "
        "Hinweis 5 Gesamt 160 82 313 Die Tabelle basiert auf Daten von ACLED (verwendete Datensätze: ACLED, 2. Mai 2022). "
        "Danach folgt Text."
    )
    document = paragraph + " Methodologie Die Daten."
    run = paragraph_to_run_table(paragraph, DE, document)
    assert run.table.header == (
        "Kategorie",
        "Anzahl der Vorfälle",
        "Anzahl der Vorfälle mit mindestens einem Todesopfer",
        "Anzahl der Todesopfer",
    )
    assert [(r.label, r.cells) for r in run.table.rows] == [
        ("Kämpfe", ("120", "80", "310")),
        ("Proteste", ("40", "2", "3")),
        ("Gesamt", ("160", "82", "313")),
    ]
    assert (
        run.table.caption
        == "Konfliktvorfälle nach Kategorie Die Tabelle basiert auf Daten von ACLED (verwendete Datensätze: ACLED, 2. Mai 2022)."
    )
    assert paragraph[: run.start] == "Inhaltsverzeichnis " and paragraph[run.end :] == " Danach folgt Text."


def test_run_table_whose_total_does_not_add_up_is_not_rebuilt():
    paragraph = (
        "Category Number of incidents Number of incidents with at least one fatality Number of fatalities "
        "Battles 120 80 310 Protests 40 2 3 Riots 7 1 1 Total 168 83 315"
    )
    result = paragraph_to_run_table(paragraph, EN, paragraph)
    assert isinstance(result, NotRebuilt) and "does not add up" in result.reason


def test_cells_from_space_grouped_tokens():
    assert tokens_to_cells(["45", "210", "51", "004"], 2, EN, True) == [["45 210", "51 004"]]
    assert tokens_to_cells(["1051", "193", "496"], 3, EN, False) == [["1051", "193", "496"]]


def test_two_line_header_and_ambiguous_rows():
    lines = ["Displaced Returned", "Region people people", "North 1 200 300", "South 40 5"]
    start, end, table = lines_to_flat_table(lines, EN)
    # "1 200 300" reads as 1 | 200 300 or 1 200 | 300, and no total row decides
    assert isinstance(table, NotRebuilt) and (start, end) == (0, 4) and "no total row decides" in table.reason
    start, end, table = lines_to_flat_table(lines + ["Total 1 240 305"], EN)
    assert isinstance(table, FlatTable)
    assert table.header == ("Region", "Displaced people", "Returned people")
    assert [r.cells for r in table.rows] == [("1 200", "300"), ("40", "5"), ("1 240", "305")]


# --- slow inputs ---------------------------------------------------------------------------------


def _finishes(fn, seconds: float = 20.0):
    """Run ``fn`` in a thread; True when it returned (a hang guard, not a benchmark)."""
    done = threading.Event()
    result = {}

    def run():
        result["value"] = fn()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(seconds), result.get("value")


def test_markdown_heading_with_a_long_run_of_spaces_is_linear():
    text = "# x" + " " * 4000 + "y\n\nThe text under the heading has words enough to be a report."
    finished, doc = _finishes(lambda: ingest_bytes(text.encode(), "h.txt"))
    assert finished
    assert [(b.kind, b.text) for b in doc.blocks()][0] == (BlockKind.heading, "x y")


# --- a pdftotext-style rendition of the seed PDF ----------------------------------------------------


@pytest.fixture(scope="module")
def seed_renditions(shared, tmp_path_factory):
    """The seed report as its .txt, as its PDF, and as the PDF's text page by page (pypdfium2,
    form feeds between pages, as pdftotext prints it)."""
    import pypdfium2

    pdf_path = shared / "corpus" / "mali-mopti-2020-q28.pdf"
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        text = "\f".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    rendition = tmp_path_factory.mktemp("rendition") / "mali-mopti-2020-q28-pdftotext.txt"
    rendition.write_text(text, encoding="utf-8")
    return {
        "txt": extract_file(shared / "corpus" / "mali-mopti-2020-q28.txt"),
        "pdf": extract_file(pdf_path),
        "ff": extract_file(rendition),
    }


def test_form_feed_rendition_scores_like_the_seed_text(shared, seed_renditions):
    from pipeline.tools.evaluate import evaluate_extraction, load_gold

    gold = load_gold(shared / "eval" / "gold" / "mali-mopti-2020-q28.gold.json")
    seed = evaluate_extraction(seed_renditions["txt"], gold)
    ff = evaluate_extraction(seed_renditions["ff"], gold)
    assert seed_renditions["ff"].document.page_count == seed_renditions["pdf"].document.page_count == 17

    def counts(result: dict) -> dict:
        return {name: (s["tp"], s["fp"], s["fn"], s["attribute_counts"]) for name, s in result["categories"].items()}

    assert counts(ff) == counts(seed)  # the same facts found, missed and wrong: exactly
    assert (ff["table_cells"]["correct"], ff["table_cells"]["total"]) == (144, 144)
    checks = ff["categories"]["table_checks"]
    assert (checks["tp"], checks["fp"], checks["fn"]) == (5, 0, 0)
    assert all(t.flattened for t in seed_renditions["ff"].tables)


def test_form_feed_rendition_facts_carry_the_pdf_pages(seed_renditions):
    def pages(ex):
        facts = ex.facts.casualty_figures + ex.facts.event_counts + ex.facts.displacement_figures
        return {(type(f).__name__, " ".join(f.provenance.evidence.split())): f.provenance.page for f in facts}

    pdf, ff = pages(seed_renditions["pdf"]), pages(seed_renditions["ff"])
    assert set(ff) == set(pdf) and len(ff) == 68
    assert {k: ff[k] for k in ff if ff[k] != pdf[k]} == {}
    assert set(ff.values()) == {2, 7, 8, 9, 10, 11}  # the facts are spread over the report's pages, not all on page 1


def test_figures_in_running_text_are_not_a_table():
    paragraph = (
        "The mission had 12 438 soldiers, 1 712 police officers and 1 180 civilians; a year before it had "
        "11 953 soldiers, 1 741 police officers and 1 210 civilians."
    )
    assert paragraph_to_run_table(paragraph, EN, paragraph) is None


def test_the_words_left_in_a_header_window_are_covered_by_one_capitalised_tail_per_contents_line():
    """What is left in the window before a flattened table's first row must be, exactly, the
    capitalised ends of contents lines (each line closed by its page number, -1): some lines
    give a tail, some none, and a lower-case word cannot start one."""
    from collections import Counter

    from pipeline.readers.flat_tables import _leftovers_fit

    tokens = ["Security", "Situation", "in", "Mopti", "Returns", "and", "Displacement", "Annex", "Maps", "of", "Gao"]
    window = [0, 1, 2, 3, -1, 4, 5, 6, -1, 7, 8, 9, 10, -1]
    assert _leftovers_fit(window, tokens, Counter(["mopti", "displacement", "gao"]))
    assert _leftovers_fit(window, tokens, Counter(["in", "mopti"])) is False  # "in" cannot start a tail
    assert _leftovers_fit(window, tokens, Counter(["security", "situation", "in", "mopti", "gao"]))
    assert _leftovers_fit(window, tokens, Counter()) and not _leftovers_fit(window[:-1], tokens, Counter(["gao"]))
    many = [t for n in range(40) for t in (n * 3, n * 3 + 1, n * 3 + 2, -1)]  # forty lines, one word missing from all
    words = [w for n in range(40) for w in (f"Alpha{n}", "Beta", "Gamma")]
    assert not _leftovers_fit(many, words, Counter({"beta": 39, "gamma": 40, "delta": 1}))
    assert _leftovers_fit(many, words, Counter({"beta": 39, "gamma": 40}))
