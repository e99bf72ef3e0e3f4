"""Every format a COI unit receives: web pages, Word documents, two-column PDFs and scans,
each read into the same document model, told apart by content. The inputs are written by
the tests themselves (tests/office_factory.py, tests/pdf_factory.py)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from office_factory import add_footnotes_part, document_to_docx, document_to_html
from pdf_factory import scanned_pdf, two_column_pdf

from pipeline.app.run import extract_file
from pipeline.readers.formats import sniff_format
from pipeline.readers.ingest import ingest, ingest_bytes
from pipeline.readers.structured import CorruptDocumentError, NestingTooDeepError
from pipeline.tools.evaluate import evaluate_extraction
from schemas import errors
from schemas.document import Block, BlockKind, Document, FootnoteRef, InputKind, Page

SEED = "mali-mopti-2020-q28"

# ------------------------------------------------------------------ the seed in every format


@pytest.fixture(scope="module")
def seed(shared):
    """The seed's text rendition read by the project, and its scores against the gold."""
    gold = json.loads((shared / "eval" / "gold" / f"{SEED}.gold.json").read_text(encoding="utf-8"))
    path = shared / "corpus" / f"{SEED}.txt"
    return ingest(path), gold, evaluate_extraction(extract_file(path), gold)


def counts(result: dict) -> dict:
    """Per category: (tp, fp, fn) and the right/scored count of each attribute."""
    return {name: (s["tp"], s["fp"], s["fn"], s["attribute_counts"]) for name, s in result["categories"].items()}


def _assert_scores_match(result: dict, reference: dict, differences: dict | None = None) -> None:
    """The same facts found, missed and wrong as in the reference rendition, exactly; or, for the
    categories in ``differences``, exactly these counts."""
    assert result["table_cells"]["correct"] == result["table_cells"]["total"] == 144
    got, want = counts(result), counts(reference)
    assert set(got) == set(want)
    assert {name: got[name] for name in got if got[name] != want[name]} == (differences or {})


def test_seed_saved_as_docx_scores_as_its_text(tmp_path, seed):
    doc, gold, reference = seed
    path = tmp_path / "seed.docx"
    path.write_bytes(document_to_docx(doc, title="Mali: Mopti region", author="Invented COI unit"))
    ex = extract_file(path)
    assert ex.document.kind is InputKind.docx
    assert ex.metadata.fields["title"] == "Mali: Mopti region" and ex.metadata.fields["author"] == "Invented COI unit"
    _assert_scores_match(evaluate_extraction(ex, gold), reference)


def test_seed_saved_as_web_page_scores_as_its_text(tmp_path, seed):
    doc, gold, reference = seed
    path = tmp_path / "seed.html"
    path.write_text(
        document_to_html(doc, title="Mali: Mopti region", published="2020-12-17", url="https://example.org/q28"),
        encoding="utf-8",
    )
    ex = extract_file(path)
    assert ex.document.kind is InputKind.html
    assert {k: ex.metadata.fields[k] for k in ("title", "published", "url")} == {
        "title": "Mali: Mopti region",
        "published": "2020-12-17",
        "url": "https://example.org/q28",
    }
    _assert_scores_match(evaluate_extraction(ex, gold), reference)


def test_seed_in_two_columns_scores_as_its_a4_pdf(tmp_path, seed, shared):
    doc, gold, _ = seed
    reference = evaluate_extraction(extract_file(shared / "corpus" / f"{SEED}.pdf"), gold)
    path = tmp_path / "seed-two-columns.pdf"
    path.write_bytes(two_column_pdf(doc))
    # one place fewer with the right region than in the A4 PDF (33 of 34 there)
    _assert_scores_match(
        evaluate_extraction(extract_file(path), gold),
        reference,
        {"places": (37, 1, 6, {"admin1": [32, 34], "pcode": [13, 13]})},
    )


# ------------------------------------------------------------------ Word documents

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _own_report() -> Document:
    """A small invented report as the document model, for writers to save in other formats."""

    def block(kind, text, refs=(), **extra):
        return Block(
            id="",
            kind=kind,
            text=text,
            page=1,
            start=0,
            end=0,
            footnote_refs=[FootnoteRef(number=n, offset=o) for n, o in refs],
            **extra,
        )

    from schemas.document import Cell, Table

    grid = [["Month", "Ségou", "Total"], ["May 2021", "1 200", "1 200"], ["June 2021", "1 350", "1 350"]]
    table = Table(
        id="t1",
        page=1,
        pages=[1],
        n_rows=3,
        n_cols=3,
        ruled=True,
        cells=[Cell(row=r, col=c, text=t, raw=t, page=1) for r, row in enumerate(grid) for c, t in enumerate(row)],
    )
    blocks = [
        block(BlockKind.heading, "1. Security situation in Ségou"),
        block(
            BlockKind.paragraph, "On 3 May 2021, gunmen killed 14 civilians in Niono cercle, Ségou region.", [(1, 72)]
        ),
        block(BlockKind.list_item, "Attacks on convoys rose in the second quarter.", [(2, 47)]),
        block(BlockKind.table, "", table=table),
        block(BlockKind.caption, "Table 1: IDPs in Ségou region. Source: Invented Agency, 30 June 2021"),
        block(BlockKind.footnote, "Invented Monitor, Weekly update, 5 May 2021", footnote_number=1),
        block(BlockKind.footnote, "Invented Agency, Convoy report, 1 July 2021", footnote_number=2),
    ]
    return Document(
        id="x",
        source_path="own",
        kind=InputKind.text,
        page_count=1,
        pipeline_version="0",
        pages=[Page(number=1, blocks=blocks)],
    )


def test_docx_keeps_headings_lists_tables_footnotes_and_properties():
    data = document_to_docx(_own_report(), title="Ségou update", author="Invented unit")
    doc = ingest_bytes(data, "update.txt")  # the name says text; the content says Word
    kinds = [(b.kind.value, b.text) for b in doc.blocks()]
    assert kinds[0] == ("heading", "1. Security situation in Ségou")
    assert kinds[2] == ("list_item", "Attacks on convoys rose in the second quarter.")
    assert kinds[4] == ("caption", "Table 1: IDPs in Ségou region. Source: Invented Agency, 30 June 2021")
    paragraph = doc.blocks()[1]
    assert paragraph.footnote_refs == [FootnoteRef(number=1, offset=72)] and paragraph.locator == "body/p[2]"
    table = doc.blocks()[3].table
    assert table.grid() == [
        ["Month", "Ségou", "Total"],
        ["May 2021", "1 200", "1 200"],
        ["June 2021", "1 350", "1 350"],
    ]
    notes = {b.footnote_number: b.text for b in doc.blocks() if b.kind is BlockKind.footnote}
    assert notes == {1: "Invented Monitor, Weekly update, 5 May 2021", 2: "Invented Agency, Convoy report, 1 July 2021"}
    assert doc.properties["title"] == "Ségou update" and doc.properties["author"] == "Invented unit"


def test_docx_merged_cells_are_resolved():
    from docx import Document as new_docx

    out = new_docx()
    table = out.add_table(rows=3, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "IDPs in 2021"
    table.cell(0, 1).merge(table.cell(0, 2))  # a header over two columns
    table.cell(1, 0).text = "Mopti"
    table.cell(1, 0).merge(table.cell(2, 0))  # a label over two rows
    for r, (a, b) in enumerate([("May", "1 200"), ("June", "1 350")], start=1):
        table.cell(r, 1).text, table.cell(r, 2).text = a, b
    buffer = io.BytesIO()
    out.save(buffer)
    doc = ingest_bytes(buffer.getvalue(), "merged.docx")
    grid = next(b.table for b in doc.blocks() if b.table is not None).grid()
    assert grid == [["Region", "IDPs in 2021", ""], ["Mopti", "May", "1 200"], ["Mopti", "June", "1 350"]]


def test_docx_auto_numbered_headings_get_the_number_word_prints():
    from docx import Document as new_docx
    from docx.oxml import parse_xml

    out = new_docx()
    numbering = out.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {W} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for title, level in [
        ("Security situation", 0),
        ("Armed groups", 1),
        ("Incidents", 1),
        ("Displacement", 0),
        ("Returns", 1),
    ]:
        heading = out.add_heading(title, level=level + 1)
        heading._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )
        out.add_paragraph("Text of the section, long enough to be a paragraph of its own.")
    buffer = io.BytesIO()
    out.save(buffer)
    doc = ingest_bytes(buffer.getvalue(), "numbered.docx")
    assert [b.text for b in doc.blocks() if b.kind is BlockKind.heading] == [
        "1. Security situation",
        "1.1. Armed groups",
        "1.2. Incidents",
        "2. Displacement",
        "2.1. Returns",
    ]
    assert doc.blocks()[4].section == ["1", "1.2"]


def test_docx_endnotes_follow_the_footnotes():
    data = document_to_docx(_own_report())
    endnotes = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:endnotes {W}><w:endnote w:id="1"><w:p><w:r><w:t>'
        "Invented Review, Annual report, 2021</w:t></w:r></w:p></w:endnote></w:endnotes>"
    ).encode()
    archive = zipfile.ZipFile(io.BytesIO(data))
    body = archive.read("word/document.xml").replace(
        "Ségou region.</w:t></w:r>".encode(),
        'Ségou region.</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r>'.encode(),
    )
    doc = ingest_bytes(
        add_footnotes_part(data, {}, {"word/document.xml": body, "word/endnotes.xml": endnotes}), "endnotes.docx"
    )
    # The endnote is cited first, yet numbered after the two footnotes, as Word prints it.
    assert [(r.number, r.offset) for r in doc.blocks()[1].footnote_refs] == [(3, 72), (1, 72)]
    assert [r.number for r in doc.blocks()[2].footnote_refs] == [2]
    notes = {b.footnote_number: b.text for b in doc.blocks() if b.kind is BlockKind.footnote}
    assert notes == {
        1: "Invented Monitor, Weekly update, 5 May 2021",
        2: "Invented Agency, Convoy report, 1 July 2021",
        3: "Invented Review, Annual report, 2021",
    }


def test_legacy_doc_without_libreoffice_says_how_to_convert(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le") + bytes(500))
    with pytest.raises(errors.UnsupportedFormatError) as info:
        extract_file(path)
    assert "LibreOffice" in info.value.reason and "save it as DOCX or PDF" in info.value.reason


# ------------------------------------------------------------------ web pages


PAGE = """<!DOCTYPE html><html><head><title>Ségou: update | Invented Portal</title>
<meta name="citation_publication_date" content="2021/07/02"><link rel="canonical" href="https://example.org/segou">
</head><body>
<div class="cookie-banner">We use cookies on this website to remember your settings and to measure how the site is used.</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/countries">All countries of origin covered by the portal</a></li></ul></nav>
<div id="page"><div class="content">
<h2>1. Security situation in Ségou</h2>
<p>On 3 May 2021, gunmen killed 14 civilians in Niono cercle, Ségou region.<sup><a href="#note-1">1</a></sup>
Attacks on convoys and markets rose in the second quarter of the year, and several villages emptied.</p>
<div>Humanitarian access to the cercle remained limited <span>for most of June</span>.<a class="fn" href="#note-2"><sup>[2]</sup></a></div>
<ul><li>Convoys were attacked on the road to Diabaly.</li><li>Markets closed in two communes.</li></ul>
<table><tr><th rowspan="2">Cercle</th><th colspan="2">IDPs</th></tr><tr><th>May</th><th>June</th></tr>
<tr><td>Niono</td><td>1 200</td><td>1 350</td></tr></table>
<ol class="notes"><li id="note-1">Invented Monitor, Weekly update, 5 May 2021</li>
<li id="note-2">Invented Agency, Access report, 1 July 2021</li></ol>
</div>
<aside class="related"><a href="/x">Another report about the region and its displacement figures in detail</a></aside></div>
<footer>Invented Portal. All rights reserved. Terms of use and the privacy policy of this portal.</footer>
</body></html>"""


def test_web_page_main_content_keeps_its_structure():
    doc = ingest_bytes(PAGE.encode(), "segou.pdf")  # named .pdf, read as the web page it is
    assert doc.kind is InputKind.html
    assert "cookies" not in doc.text and "All countries" not in doc.text and "rights reserved" not in doc.text
    assert "Another report" not in doc.text
    blocks = doc.blocks()
    assert [(b.kind.value, b.text) for b in blocks[:2]] == [
        ("heading", "1. Security situation in Ségou"),
        (
            "paragraph",
            "On 3 May 2021, gunmen killed 14 civilians in Niono cercle, Ségou region. Attacks on convoys and markets "
            "rose in the second quarter of the year, and several villages emptied.",
        ),
    ]
    assert blocks[1].footnote_refs == [FootnoteRef(number=1, offset=72)]
    assert blocks[1].locator == "div#page > div > p"
    assert blocks[2].text == "Humanitarian access to the cercle remained limited for most of June."
    assert blocks[2].footnote_refs == [FootnoteRef(number=2, offset=68)]
    assert [b.text for b in blocks if b.kind is BlockKind.list_item] == [
        "Convoys were attacked on the road to Diabaly.",
        "Markets closed in two communes.",
    ]
    table = next(b.table for b in blocks if b.table is not None)
    assert table.grid() == [["Cercle", "IDPs", "IDPs"], ["Cercle", "May", "June"], ["Niono", "1 200", "1 350"]]
    notes = {b.footnote_number: b.text for b in blocks if b.kind is BlockKind.footnote}
    assert notes == {1: "Invented Monitor, Weekly update, 5 May 2021", 2: "Invented Agency, Access report, 1 July 2021"}
    assert doc.properties == {
        "title": "Ségou: update | Invented Portal",
        "published": "2021/07/02",
        "url": "https://example.org/segou",
    }


def test_web_page_saved_by_word_links_its_footnotes():
    page = (
        "<html><head><meta http-equiv=Content-Type content='text/html; charset=windows-1252'><title>Query response</title></head>"
        "<body lang=EN-GB><div class=WordSection1><h1>1. Security situation</h1>"
        "<p class=MsoNormal>On 3 May 2021, gunmen killed 14 civilians in Niono cercle, S\xe9gou region, according to the "
        "local authorities who counted the victims after the attack on the market.<a href='#_ftn1' name='_ftnref1' title=''>"
        "<span class=MsoFootnoteReference><span class=MsoFootnoteReference>[1]</span></span></a> The roads stayed closed "
        "for two weeks, and traders moved their goods to the weekly market of the next commune instead.</p></div><div style='mso-element:footnote-list'><hr align=left size=1 width='33%'>"
        "<div style='mso-element:footnote' id=ftn1><p class=MsoFootnoteText><a href='#_ftnref1' name='_ftn1' title=''>"
        "<span class=MsoFootnoteReference>[1]</span></a> Invented Monitor, Weekly update, 5 May 2021</p></div></div>"
        "</body></html>"
    ).encode("cp1252")
    doc = ingest_bytes(page, "word-export.htm")
    paragraph = doc.blocks()[1]
    assert paragraph.text.startswith("On 3 May 2021") and "Ségou" in paragraph.text
    assert paragraph.footnote_refs == [FootnoteRef(number=1, offset=paragraph.text.index(" The roads"))]
    assert [(b.footnote_number, b.text) for b in doc.blocks() if b.kind is BlockKind.footnote] == [
        (1, "Invented Monitor, Weekly update, 5 May 2021")
    ]


def test_web_page_facts_cite_their_footnote(tmp_path):
    path = tmp_path / "segou.html"
    path.write_text(PAGE, encoding="utf-8")
    ex = extract_file(path)
    killed = [f for f in ex.facts.casualty_figures if f.killed and f.killed.min == 14]
    assert killed and killed[0].provenance.footnotes == [1]
    assert ex.footnotes[0].text == "Invented Monitor, Weekly update, 5 May 2021"


def test_sniff_format_reads_content_not_names():
    assert sniff_format(PAGE.encode()) is InputKind.html
    assert sniff_format(b"\xef\xbb\xbf  <!-- saved -->\n<html><body>x</body></html>") is InputKind.html
    assert sniff_format(document_to_docx(_own_report())) is InputKind.docx
    assert sniff_format(b"Plain text that mentions <html> later on.") is None
    assert sniff_format(b"%PDF-1.7\n") is None


# ------------------------------------------------------------------ hostile inputs in the new formats


def _docx_without(part: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(document_to_docx(_own_report())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != part:
                target.writestr(item, source.read(item.filename))
    return out.getvalue()


def _hostile_rows():
    return [
        (
            "bad zip.docx",
            b"PK\x03\x04" + b"word/document.xml" + bytes(300),
            CorruptDocumentError,
            "ZIP container cannot be opened",
        ),
        ("no body.docx", _docx_without("word/document.xml"), CorruptDocumentError, "word/document.xml missing"),
        ("no types.docx", _docx_without("[Content_Types].xml"), CorruptDocumentError, "[Content_Types].xml missing"),
        (
            "huge.html",
            b"<!DOCTYPE html><html><body>" + b"<p>word word word</p>" * (50 * 1024 * 1024 // 21) + b"</body></html>",
            errors.TooLargeError,
            "more than the limit of 20 MB",
        ),
        (
            "deep.html",
            b"<html><body>" + b"<div>" * 10_000 + b"text" + b"</div>" * 10_000 + b"</body></html>",
            NestingTooDeepError,
            "nested deeper than 255",
        ),
        (
            "404.html",
            b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><nav><a href='/'>Home</a></nav>"
            b"<h1>Not Found</h1><p>The requested page does not exist.</p></body></html>",
            errors.NotAReportError,
            "an HTML page titled '404 Not Found'",
        ),
    ]


HOSTILE_IDS = ["bad zip.docx", "no body.docx", "no types.docx", "huge.html", "deep.html", "404.html"]


@pytest.mark.parametrize("name, data, error, words", _hostile_rows(), ids=HOSTILE_IDS)
def test_hostile_office_and_web_inputs_are_typed_errors(tmp_path, name, data, error, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as info:
        extract_file(path)
    assert isinstance(info.value, error) and words in info.value.reason


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_damaged_bytes_are_read_or_refused_with_a_typed_error(kind):
    import random

    data = document_to_docx(_own_report()) if kind == "docx" else PAGE.encode()
    rng = random.Random(7)
    for i in range(60):
        damaged = bytearray(data)
        if i % 3 == 0:
            damaged = damaged[: rng.randint(10, len(damaged) - 1)]
        else:
            for _ in range(rng.randint(1, 40)):
                damaged[rng.randint(0, len(damaged) - 1)] = rng.randint(0, 255)
        try:
            ingest_bytes(bytes(damaged), f"damaged.{kind}")
        except errors.IngestError:
            pass


def test_docx_that_unpacks_past_the_limit_is_refused_unread(tmp_path, monkeypatch):
    import pipeline.readers.word

    monkeypatch.setattr(pipeline.readers.word, "MAX_UNPACKED_BYTES", 64 * 1024)  # a ZIP bomb in small
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("word/document.xml", b"<w:document" + b" " * (1024 * 1024) + b"/>")
    path = tmp_path / "bomb.docx"
    path.write_bytes(out.getvalue())
    with pytest.raises(errors.TooLargeError) as info:
        extract_file(path)
    assert "unpacks to 1 MB, more than the limit of 0 MB (a ZIP bomb?)" in info.value.reason


def test_docx_macros_and_external_links_are_never_run_or_followed(tmp_path, monkeypatch):
    import socket
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError("a DOCX made the pipeline open a connection or run a program")

    data = document_to_docx(_own_report())
    rels = (
        zipfile.ZipFile(io.BytesIO(data))
        .read("word/_rels/document.xml.rels")
        .replace(
            b"</Relationships>",
            b'<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            b'Target="http://198.51.100.7/track" TargetMode="External"/>'
            b'<Relationship Id="rIdX2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
            b'Target="http://198.51.100.7/pixel.png" TargetMode="External"/></Relationships>',
        )
    )
    macro = add_footnotes_part(
        data, {}, {"word/_rels/document.xml.rels": rels, "word/vbaProject.bin": b'Attribute VB_Name = "Shell"'}
    )
    path = tmp_path / "macro.docm"
    path.write_bytes(macro)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    ex = extract_file(path)
    messages = " ".join(w.message for w in ex.warnings)
    assert "macros (word/vbaProject.bin): they were not run" in messages
    assert "2 external link(s)" in messages and "none was followed" in messages
    assert ex.facts.casualty_figures and ex.facts.casualty_figures[0].killed.min == 14


def test_docx_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE", encoding="utf-8")
    data = document_to_docx(_own_report())
    notes = (
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:footnotes [<!ENTITY leak SYSTEM "file://{secret}">]>'
        f'<w:footnotes {W}><w:footnote w:id="1"><w:p><w:r><w:t>Invented Monitor &leak;</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    ).encode()
    doc = ingest_bytes(add_footnotes_part(data, {}, {"word/footnotes.xml": notes}), "entity.docx")
    assert "TOP-SECRET" not in doc.text
    assert {b.footnote_number: b.text for b in doc.blocks() if b.kind is BlockKind.footnote}[1] == "Invented Monitor"


# ------------------------------------------------------------------ two-column pages


def _two_column_report() -> Document:
    """An invented report long enough for two columns: prose, a full-width table, footnotes."""
    paragraphs = [
        (
            "On 3 May 2021, gunmen killed 14 civilians in Niono cercle, Ségou region, according to local officials who "
            "spoke to the press after the attack on the weekly market.",
            1,
        ),
        (
            "Humanitarian agencies reported that access to the cercle remained limited for most of June, as several "
            "bridges on the road to Diabaly had been damaged during the rainy season and convoys were attacked.",
            2,
        ),
        (
            "Local authorities counted the displaced in each commune of the cercle at the end of every month, and the "
            "figures below were shared with the humanitarian partners working in the region.",
            None,
        ),
        (
            "By the end of June 2021, some 1 350 IDPs were registered in Niono cercle, up from 1 200 at the end of May, "
            "most of them women and children who had left villages near the border with Mauritania.",
            3,
        ),
        (
            "Returns remained rare, and the agencies warned that the lean season would make the situation of the "
            "displaced families worse in the months to come unless access improved quickly.",
            None,
        ),
    ]
    from schemas.document import Cell, Table

    def para(text, note):
        refs = [FootnoteRef(number=note, offset=len(text))] if note else []
        return Block(id="", kind=BlockKind.paragraph, text=text, page=1, start=0, end=0, footnote_refs=refs)

    grid = [["Month", "Niono", "Total"], ["May 2021", "1 200", "1 200"], ["June 2021", "1 350", "1 350"]]
    table = Table(
        id="t1",
        page=1,
        pages=[1],
        n_rows=3,
        n_cols=3,
        ruled=True,
        cells=[Cell(row=r, col=c, text=t, raw=t, page=1) for r, row in enumerate(grid) for c, t in enumerate(row)],
    )
    blocks = [Block(id="", kind=BlockKind.heading, text="1. Security situation", page=1, start=0, end=0)]
    blocks += [para(*p) for p in paragraphs[:3]]
    blocks.append(Block(id="", kind=BlockKind.table, text="", page=1, start=0, end=0, table=table))
    blocks.append(
        Block(
            id="",
            kind=BlockKind.caption,
            text="Table 1: IDPs in Niono cercle. Source: Invented Agency, 30 June 2021",
            page=1,
            start=0,
            end=0,
        )
    )
    blocks.append(Block(id="", kind=BlockKind.heading, text="2. Displacement", page=1, start=0, end=0))
    blocks += [para(*p) for p in paragraphs[3:]]
    notes = [
        "Invented Monitor, Weekly update, 5 May 2021",
        "Invented Agency, Access report, 1 July 2021",
        "Invented Agency, Displacement dashboard, 30 June 2021",
    ]
    blocks += [
        Block(id="", kind=BlockKind.footnote, text=t, page=1, start=0, end=0, footnote_number=i)
        for i, t in enumerate(notes, 1)
    ]
    return Document(
        id="x",
        source_path="own",
        kind=InputKind.text,
        page_count=1,
        pipeline_version="0",
        pages=[Page(number=1, blocks=blocks)],
    )


def test_two_column_page_is_read_column_by_column_around_full_width_parts():
    source = _two_column_report()
    doc = ingest_bytes(two_column_pdf(source), "two-columns.pdf")
    read = [(b.kind.value, b.text) for b in doc.blocks() if b.kind not in (BlockKind.footer, BlockKind.footnote)]
    wanted = [
        (b.kind.value, b.text)
        for b in source.blocks()
        if b.kind is not BlockKind.footnote and b.kind is not BlockKind.table
    ]
    assert [r for r in read if r[0] != "table"] == wanted
    table = next(b.table for b in doc.blocks() if b.table is not None)
    assert table.grid() == [
        ["Month", "Niono", "Total"],
        ["May 2021", "1 200", "1 200"],
        ["June 2021", "1 350", "1 350"],
    ]
    assert [k for k, _ in read].index("table") == 4  # between the two runs of columns, where it is printed
    notes = {b.footnote_number: b.text for b in doc.blocks() if b.kind is BlockKind.footnote}
    assert notes == {
        1: "Invented Monitor, Weekly update, 5 May 2021",
        2: "Invented Agency, Access report, 1 July 2021",
        3: "Invented Agency, Displacement dashboard, 30 June 2021",
    }
    cited = [b for b in doc.blocks() if b.footnote_refs]
    assert [(r.number, b.text[r.offset - 9 : r.offset]) for b in cited for r in b.footnote_refs] == [
        (1, "y market."),
        (2, "attacked."),
        (3, "uritania."),
    ]


def test_one_column_table_is_not_taken_for_two_columns():
    from pdf_factory import borderless_table_pdf

    doc = ingest_bytes(borderless_table_pdf(), "table.pdf")
    table = next(b.table for b in doc.blocks() if b.table is not None)
    assert table.n_cols == 5 and table.grid()[1][:2] == ["January 2021", "1,200"]


# ------------------------------------------------------------------ scans


@pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="tesseract is not installed (apt-get install tesseract-ocr; .ci/run does it)",
)
def test_scanned_page_is_read_by_ocr_with_confidence(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf("On 4 June 2021, at least 132 civilians were killed in Solhan, Yagha province."))
    ex = extract_file(path)
    killed = [f for f in ex.facts.casualty_figures if f.killed and f.killed.min == 132]
    assert killed and all(f.provenance.ocr and 0.5 < f.provenance.ocr_confidence <= 1.0 for f in killed)
