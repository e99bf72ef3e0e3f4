"""The PDF reader's char loop (compiled helper and Python), its line packing and its page
tallies give what the plain Python reading gives (issue 17: faster, less memory, same output)."""

from __future__ import annotations

import os

import pypdfium2 as pdfium
import pytest
from pdf_factory import borderless_table_pdf, running_headers_pdf, sample_report_pdf

from pipeline.readers.pdf import PdfSettings, pdf_to_pages
from pipeline.readers.pdf import backend as pdf_backend
from pipeline.readers.pdf import document as pdf_document
from pipeline.readers.pdf import lines as pdf_lines
from pipeline.readers.pdf.lines import baseline_groups, chars_to_lines, make_line, most_common
from pipeline.readers.pdf.objects import Char, Line
from pipeline.readers.pdf.packed import pack_lines, unpack_lines
from pipeline.readers.pdf.running import mark_running_lines


def _fields(char: Char) -> tuple:
    return tuple(getattr(char, name) for name in Char.__slots__)


def _groups(data: bytes, compiled: bool) -> list[list[list[tuple]]]:
    pdf = pdfium.PdfDocument(data)
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            count, groups = pdf_backend.page_to_char_groups(textpage, page.get_height(), compiled=compiled)
            assert count == sum(len(g) for g in groups)
            pages.append([[_fields(c) for c in group] for group in groups])
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def _seed_or_none(shared_dir) -> bytes | None:
    path = shared_dir / "corpus" / "mali-mopti-2020-q28.pdf"
    return path.read_bytes() if path.exists() else None


def test_the_compiled_char_loop_gives_the_python_loops_chars(request):
    if pdf_backend._compiled is None:
        if os.environ.get("CI"):
            pytest.fail("the PDF reader's compiled helper (_chars.c) was not built by `pip install -e .`")
        pytest.skip("the compiled helper is not built here (`python setup.py build_ext --inplace` builds it)")
    documents = [sample_report_pdf(), borderless_table_pdf(), running_headers_pdf(4)]
    for data in documents:
        compiled = _groups(data, compiled=True)
        assert compiled == _groups(data, compiled=False)
        assert sum(len(g) for page in compiled for g in page) > 100
    first = _groups(sample_report_pdf(), compiled=True)[0]
    assert "".join(c[0] for c in first[0]).startswith("1.")  # baseline order: the first heading comes first


def test_the_python_loop_makes_the_same_pages(monkeypatch):
    """Without the helper (a checkout that did not build it) the pages are the same."""
    data = sample_report_pdf()
    with_helper = pdf_to_pages(data, "sample.pdf")
    monkeypatch.setattr(pdf_backend, "_compiled", None)
    monkeypatch.setattr(pdf_lines, "_compiled", None)
    without = pdf_to_pages(data, "sample.pdf")
    assert [p.model_dump() for p in with_helper[0]] == [p.model_dump() for p in without[0]]
    assert with_helper[1:] == without[1:]


def test_baseline_groups_cut_at_the_tolerance_and_keep_ties_in_order():
    a = Char("a", 10.0, 0.0, 15.0, 10.0, 9.0, 10.0, False)
    b = Char("b", 10.0, 0.0, 15.0, 10.0, 9.0, 10.0, False)  # same baseline and x0: stays after a
    c = Char("c", 5.0, 0.0, 9.0, 10.0, 11.9, 10.0, False)  # 2.9 below, within 0.3 × 10
    d = Char("d", 5.0, 0.0, 9.0, 10.0, 12.1, 10.0, False)  # 3.1 below the group's first: a new line
    groups = baseline_groups([d, c, b, a], PdfSettings())
    assert [[ch.text for ch in g] for g in groups] == [["b", "a", "c"], ["d"]]


def test_most_common_takes_the_first_seen_of_equally_frequent_values():
    assert most_common([2.0, 1.0, 1.0, 2.0]) == 2.0
    assert most_common([1.0, 2.0, 2.0]) == 2.0
    assert most_common([7.5]) == 7.5


def test_a_small_raised_digit_is_a_superscript_marker():
    body = [Char(ch, 10.0 + 6 * i, 0.0, 15.0 + 6 * i, 12.0, 10.0, 10.0, False) for i, ch in enumerate("in 2020")]
    body = [c for c in body if c.text != " "]
    body[2].space_before = True
    marker = Char("3", 52.0, -2.0, 55.0, 6.0, 7.0, 6.0, False)
    line = make_line([*body, marker])
    assert line.text == "in 2020³"
    assert line.size == 10.0 and line.baseline == 10.0


def _line(text: str, x0: float, segments: int = 1, chars: bool = False) -> Line:
    parts = text.split("|")[:segments] if segments > 1 else [text]
    cs = [Char(ch, x0 + i, 1.5, x0 + i + 0.75, 9.25, 8.0, 9.5, i % 2 == 0, i == 3) for i, ch in enumerate(text)]
    return Line(
        chars=cs if chars else [],
        x0=x0,
        top=1.5,
        x1=x0 + len(text) + 0.1,
        bottom=9.25,
        baseline=8.0,
        size=9.5,
        bold=segments > 1,
        text="   ".join(parts),
        segments=[(x0 + 10 * k, x0 + 10 * k + 4.5, part) for k, part in enumerate(parts)],
    )


def test_packed_lines_come_back_equal():
    lines = [_line("Mopti", 72.0), _line("a|b|c", 40.0, segments=3, chars=True), _line("", 0.0), _line("x²", -0.0)]
    lines[2].segments = []
    back = unpack_lines(pack_lines(lines))
    assert back == lines
    assert back[1].chars[3].space_before and back[1].chars[0].bold and not back[1].chars[1].bold
    assert unpack_lines(pack_lines([])) == []


def test_page_tallies_give_the_whole_documents_running_lines_and_text():
    """The running lines, plain text and vocabulary gathered page by page are those of all pages at once."""
    pages = []
    for n in range(4):
        header = _line(f"Mali report, page {n + 1}", 72.0)
        header.top, header.bottom = 10.0, 18.0
        prose = _line("counter-terrorism and peace-building", 72.0)
        prose.top, prose.bottom = 400.0, 410.0
        pages.append((800.0, [header, prose]))
    tally = pdf_document.Tally()
    for height, lines in pages:
        tally.add(height, lines)
    read = [pdf_document.ReadPage(600.0, h, pack_lines(lines), [], None) for h, lines in pages]
    laid_out, plain, _ = pdf_document._lay_out(read, tally, PdfSettings(), [])
    assert plain == "\n".join(ln.text for _, lines in pages for ln in lines)
    assert {"counter-terrorism", "peace-building", "mali", "report"} <= tally.vocabulary
    running = mark_running_lines(pages)
    assert all(ids == {id(lines[0])} for ids, (_, lines) in zip(running, pages, strict=True))
    assert [[b.kind.value for b in page.blocks] for page in laid_out] == [["paragraph", "header"]] * 4
    assert read == [None] * 4  # each page's lines let go once laid out


def test_reading_afresh_every_page_changes_nothing():
    data = running_headers_pdf(5)
    default = pdf_to_pages(data, "running.pdf")
    fresh = pdf_to_pages(data, "running.pdf", PdfSettings(reopen_pages=1))
    assert [p.model_dump() for p in default[0]] == [p.model_dump() for p in fresh[0]]
    assert default[1] == fresh[1] and len(default[0]) == 5


def test_the_seed_reads_the_same_without_the_helper(shared, monkeypatch):
    data = _seed_or_none(shared)
    if data is None:
        pytest.skip("the seed PDF is not in ../shared/corpus")
    with_helper = pdf_to_pages(data, "seed.pdf")
    monkeypatch.setattr(pdf_backend, "_compiled", None)
    monkeypatch.setattr(pdf_lines, "_compiled", None)
    without = pdf_to_pages(data, "seed.pdf")
    assert [p.model_dump() for p in with_helper[0]] == [p.model_dump() for p in without[0]]
    assert with_helper[1] == without[1]


def test_the_compiled_line_walk_gives_the_python_segments():
    if pdf_lines._compiled is None:
        if os.environ.get("CI"):
            pytest.fail("the PDF reader's compiled helper (_chars.c) was not built by `pip install -e .`")
        pytest.skip("the compiled helper is not built here (`python setup.py build_ext --inplace` builds it)")
    cells = [Char(ch, 10.0 + 5 * i, 0.0, 14.0 + 5 * i, 10.0, 9.0, 10.0, False) for i, ch in enumerate("Mopti")]
    far = [Char(ch, 80.0 + 5 * i, 0.0, 84.0 + 5 * i, 10.0, 9.0, 10.0, False) for i, ch in enumerate("12")]
    spaced = Char("x", 95.0, 0.0, 99.0, 10.0, 9.0, 10.0, False, True)
    marks = [Char(ch, 99.5 + 2 * i, -3.0, 101.0 + 2 * i, 5.0, 6.0, 6.0, False, True) for i, ch in enumerate("7a")]
    line = cells + far + [spaced] + marks
    for raised in (None, [False] * 8 + [True, True], [True] * 10):
        compiled = pdf_lines._compiled.raw_segments(line, raised, 10.0, 1.5, Char)
        assert compiled == pdf_lines.raw_segments(line, raised, 10.0, 1.5)
    assert [s[2] for s in pdf_lines.raw_segments(line, [False] * 8 + [True, True], 10.0, 1.5)] == ["Mopti", "12 x⁷ a"]
    assert pdf_lines._compiled.raw_segments([Char("ab", 0, 0, 1, 1, 1, 1, False)], None, 1.0, 1.0, Char) is None
    lines = chars_to_lines(line)
    assert [ln.text for ln in lines] == ["Mopti   12 x⁷ a"]


def test_path_bounds_are_pypdfium2s_path_objects_and_bounds():
    for data in (sample_report_pdf(), borderless_table_pdf()):
        pdf = pdfium.PdfDocument(data)
        for i in range(len(pdf)):
            page = pdf[i]
            expected = [o.get_bounds() for o in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_PATH], max_depth=2)]
            assert list(pdf_backend.path_bounds(page)) == expected
            page.close()
        pdf.close()
    page = pdfium.PdfDocument(sample_report_pdf())[0]
    assert list(pdf_backend.path_bounds(page))  # the footnote separator is a path


def test_a_line_of_one_size_is_counted_the_same_in_c():
    if pdf_lines._compiled is None:
        pytest.skip("the compiled helper is not built here (`python setup.py build_ext --inplace` builds it)")
    chars = [
        Char(ch, 10.0 + 5 * i, 1.0 + (i % 3), 14.0 + 5 * (i % 4), 9.0 + i % 2, 8.0, 9.5, i < 3)
        for i, ch in enumerate("Kidal")
    ]
    figures = pdf_lines._compiled.uniform_line(chars, Char)
    assert figures == (9.5, 8.0, 1.0, 29.0, 10.0, True)
    chars[4].baseline = 8.5  # two baselines: Python counts
    assert pdf_lines._compiled.uniform_line(chars, Char) is None
    lines = chars_to_lines([Char(ch, 10.0 + 5 * i, 0.0, 14.0, 9.0, 8.0, 9.5, False) for i, ch in enumerate("ab")])
    assert lines[0].text == "ab" and lines[0].x1 == 14.0
