from __future__ import annotations

from pipeline.readers.ingest import ingest, ingest_bytes
from pipeline.readers.text import clean_markdown, pipe_table
from schemas import lang
from schemas.document import BlockKind


def test_markdown_is_cleaned_to_printed_words():
    assert (
        clean_markdown("see [EASO report](#), *cercle* and **bold**, <https://x.org/a_b>")
        == "see EASO report, cercle and bold, https://x.org/a_b"
    )
    assert clean_markdown("<ol><li>1. <u>What?</u></li></ol>") == "1. What?"


def test_pipe_table_cells_keep_raw_text():
    table = pipe_table(["| A | B |", "|---|---|", "| 1 250² | - |"], "t1")
    assert table.grid() == [["A", "B"], ["1 250", "-"]]
    cell = table.cells[2]
    assert cell.raw == "1 250²" and [r.number for r in cell.footnote_refs] == [2]


def test_fake_report_blocks(fake_report):
    doc = ingest(fake_report)
    kinds = [b.kind for b in doc.blocks()]
    assert kinds.count(BlockKind.footnote) == 4 and kinds.count(BlockKind.table) == 2
    assert doc.language == "en" and doc.page_count == 1


def test_paragraph_interrupted_by_footnotes_is_joined(fake_report):
    doc = ingest(fake_report)
    para = next(b for b in doc.blocks() if b.text.startswith("The FDS ran"))
    assert para.text.endswith("continues after the footnote block that interrupted it at an old page break.")
    assert [r.number for r in para.footnote_refs] == [1, 2]
    assert para.section == ["1", "1.1"]


def test_marker_after_year_is_a_reference(fake_report):
    doc = ingest(fake_report)
    para = next(b for b in doc.blocks() if b.text.startswith("Groups recruited"))
    assert "during 2020 and later" in para.text and "20203" not in para.text
    ref = para.footnote_refs[0]
    assert ref.number == 3 and para.text[: ref.offset].endswith("2020")


def test_headings_numbered_and_plain(fake_report):
    doc = ingest(fake_report)
    headings = [b.text for b in doc.blocks() if b.kind is BlockKind.heading]
    assert headings == [
        "COI QUERY",
        "Disclaimer",
        "1. Armed actors",
        "1.1. Defence and Security Forces (FDS)",
        "Recruitment",
        "2. Displacement",
        "SOURCES USED",
        "SOURCES CONSULTED",
    ]


def test_spans_point_into_the_text(fake_report):
    doc = ingest(fake_report)
    for block in doc.blocks():
        assert doc.text[block.start : block.end] == block.text


def test_language_detection_from_function_words():
    assert lang.detect("Les déplacés et les réfugiés de la région du Sahel dans le pays") == "fr"
    assert lang.detect("Die Binnenvertriebenen und die Flüchtlinge in der Region mit den") == "de"
    doc = ingest_bytes(b"1. Sicherheitslage\n\nDie Lage in der Region und die Angriffe mit den Gruppen.", "de.txt")
    assert doc.language == "de"
