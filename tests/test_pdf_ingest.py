from __future__ import annotations

import pytest
from pdf_factory import encrypted_pdf, image_only_pdf, sample_report_pdf

from pipeline.readers.ingest import ingest, ingest_bytes
from pipeline.readers.pdf import PdfSettings
from schemas.document import BlockKind, InputKind
from schemas.errors import CorruptPDFError, EmptyFileError, EncryptedPDFError, NoTextLayerError


@pytest.fixture(scope="module")
def doc():
    return ingest_bytes(sample_report_pdf(), "sample.pdf")


def _kind(doc, kind):
    return [b for b in doc.blocks() if b.kind is kind]


def test_pdf_is_detected_from_bytes_not_name(tmp_path, doc):
    path = tmp_path / "report.txt"  # misleading name
    path.write_bytes(sample_report_pdf())
    assert ingest(path).kind is InputKind.pdf
    assert doc.page_count == 2 and len(doc.id) == 64


def test_headings_and_section_paths(doc):
    headings = [b.text for b in _kind(doc, BlockKind.heading)]
    assert headings == ["1. Security situation", "1.1. Armed groups"]
    para = next(b for b in doc.blocks() if b.text.startswith("The group was active"))
    assert para.section == ["1", "1.1"]


def test_superscript_marker_becomes_a_reference_not_a_digit(doc):
    para = next(b for b in doc.blocks() if b.text.startswith("Attacks rose"))
    assert "2020 according" in para.text and "20203" not in para.text
    assert [r.number for r in para.footnote_refs] == [3]
    assert para.text[: para.footnote_refs[0].offset].endswith("2020")


def test_footnote_is_separated_from_the_body(doc):
    notes = _kind(doc, BlockKind.footnote)
    assert [(n.footnote_number, n.page) for n in notes] == [(3, 1)]
    assert notes[0].text.startswith("Invented Monitor, Annual review")
    assert all("Invented Monitor" not in b.text for b in _kind(doc, BlockKind.paragraph))


def test_line_end_hyphens(doc):
    para = next(b for b in doc.blocks() if b.text.startswith("Attacks rose"))
    assert "counter-terrorism" in para.text  # a compound keeps its hyphen
    assert "organization of patrols" in para.text  # a word the report knows whole is mended


def test_paragraph_split_by_page_break_is_joined(doc):
    para = next(b for b in doc.blocks() if b.text.startswith("The group was active"))
    assert para.text.endswith("moved between villages near the border during the rainy season.")
    assert para.continues and para.page == 1


def test_ruled_table_cells_and_caption(doc):
    tables = [b.table for b in _kind(doc, BlockKind.table)]
    assert len(tables) == 1
    table = tables[0]
    assert table.ruled and (table.n_rows, table.n_cols) == (3, 3)
    assert table.grid() == [["Month", "North", "Total"], ["May 2021", "1 200", "1 200"], ["June 2021", "-", "N/A"]]
    assert all(c.bbox is not None and c.page == 2 for c in table.cells)
    assert _kind(doc, BlockKind.caption)[0].text.startswith("Table 1: Invented figures")


def test_spans_point_into_the_normalized_text(doc):
    for block in doc.blocks():
        assert doc.text[block.start : block.end] == block.text


def test_settings_are_validated():
    assert PdfSettings(segment_gap=2).segment_gap == 2.0
    with pytest.raises(ValueError, match="no_such"):
        PdfSettings(no_such=1)
    with pytest.raises(ValueError, match="greater than 0"):
        PdfSettings(segment_gap=-1)


@pytest.mark.parametrize(
    "data, error, words",
    [
        (b"", EmptyFileError, "empty"),
        (lambda: sample_report_pdf()[: len(sample_report_pdf()) // 2], CorruptPDFError, "truncated"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", CorruptPDFError, "damaged"),
        (lambda: encrypted_pdf("secret", "owner"), EncryptedPDFError, "password"),
        (image_only_pdf, NoTextLayerError, "OCR"),
    ],
    ids=["empty", "truncated", "corrupt", "encrypted", "no-text-layer"],
)
def test_hostile_pdfs_fail_with_a_clear_error(tmp_path, data, error, words):
    payload = data() if callable(data) else data
    path = tmp_path / "bad input.pdf"
    path.write_bytes(payload)
    with pytest.raises(error) as info:
        ingest(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_owner_password_only_pdf_is_read():
    doc = ingest_bytes(encrypted_pdf("", "owner"), "owner-only.pdf")
    assert any(b.text.startswith("1. Security situation") for b in doc.blocks())


def test_running_headers_and_page_numbers_are_not_body():
    from pdf_factory import running_headers_pdf

    doc = ingest_bytes(running_headers_pdf(), "headers.pdf")
    headers = [b for b in doc.blocks() if b.kind is BlockKind.header]
    footers = [b for b in doc.blocks() if b.kind is BlockKind.footer]
    assert len(headers) == 3 and headers[0].text.startswith("Invented COI Report")
    assert [f.text for f in footers] == ["1", "2", "3"]
    body = [b.text for b in doc.blocks() if b.kind is BlockKind.paragraph]
    assert body == [f"Body text of page {n} ends here." for n in (1, 2, 3)]
