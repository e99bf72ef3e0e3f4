"""The compiled helper's lines (``line_of``: make_line in one call, ``uniform_size``) and fonts
(pdfium's font size, name and weight read in C) are what the Python code makes, on every line
of real PDFs and on made-up lines that take each branch (issue 17: faster, same output)."""

from __future__ import annotations

import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pdf_factory import borderless_table_pdf, running_headers_pdf, sample_report_pdf

from pipeline.readers.pdf import PdfSettings
from pipeline.readers.pdf import backend as pdf_backend
from pipeline.readers.pdf import lines as pdf_lines
from pipeline.readers.pdf.lines import _median_size, make_line, median
from pipeline.readers.pdf.objects import Char, Line
from pipeline.readers.pdf.settings import PDF_SETTINGS

SEED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "mali-mopti-2020-q28.pdf"


@pytest.fixture
def helper():
    compiled = pdf_lines._compiled
    if compiled is None or not hasattr(compiled, "line_of"):
        if os.environ.get("CI"):
            pytest.fail("the PDF reader's compiled helper (_chars.c) was not built by `pip install -e .`")
        pytest.skip("the compiled helper is not built here (`python setup.py build_ext --inplace` builds it)")
    return compiled


def _line_fields(line: Line) -> tuple:
    return tuple(getattr(line, name) for name in Line.__slots__)


def _both_ways(chars: list[Char], monkeypatch, settings: PdfSettings = PDF_SETTINGS) -> tuple[tuple, tuple]:
    """make_line of (copies of) ``chars`` with the helper's shortcuts and without them."""
    fast = make_line(list(chars), settings)
    with monkeypatch.context() as patch:
        patch.delattr(pdf_lines._compiled, "line_of", raising=False)
        patch.delattr(pdf_lines._compiled, "uniform_size", raising=False)
        slow = make_line(list(chars), settings)
    return _line_fields(fast), _line_fields(slow)


def _line_of(helper, chars: list[Char], size_ratio: float = 0.8):
    return helper.line_of(list(chars), Char, Line, size_ratio, 0.2, 1.0, 0.15, pdf_lines.BULLETS)


def _c(text: str, x0: float, x1: float, baseline: float = 10.0, size: float = 10.0, bold: bool = False, space=False):
    return Char(text, x0, baseline - 8.0, x1, baseline + 2.0, baseline, size, bold, space)


def _page_groups(data: bytes) -> list[list[Char]]:
    pdf = pdfium.PdfDocument(data)
    try:
        groups = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            groups += pdf_backend.page_to_char_groups(textpage, page.get_height())[1]
            textpage.close()
            page.close()
        return groups
    finally:
        pdf.close()


def test_lines_of_real_pdfs_are_the_python_lines(helper, monkeypatch):
    documents = [sample_report_pdf(), borderless_table_pdf(), running_headers_pdf(4)]
    if SEED.exists():  # its many lines too, footnote markers among them, where ../shared is beside the repo
        documents.append(SEED.read_bytes())
    for data in documents:
        groups = _page_groups(data)
        for group in groups:
            fast, slow = _both_ways(group, monkeypatch)
            assert fast == slow
            assert _median_size(group) == median([c.size for c in group])
        assert all(_line_of(helper, group) is not None for group in groups)


def test_line_of_cuts_segments_joins_a_bullet_and_strips_like_python(helper, monkeypatch):
    bullet = [_c("•", 0.0, 4.0)] + [_c(ch, 20.0 + 5 * i, 25.0 + 5 * i) for i, ch in enumerate("Item")]
    cells = [_c("a", 0.0, 5.0), _c("b", 5.0, 10.0), _c("c", 10.5, 15.0, space=True), _c("d", 40.0, 45.0)]
    spaced = [_c("x", 0.0, 5.0), _c("y", 7.0, 12.0)]  # a gap of 2 > 0.15 × 10: a word space
    blank_edges = [_c("\u2003", 0.0, 5.0), _c("z", 5.0, 10.0), _c("\u00a0", 30.0, 35.0)]  # white chars strip
    lone_bullet = [_c("-", 0.0, 4.0), _c("-", 30.0, 34.0)]
    for chars in (bullet, cells, spaced, blank_edges, lone_bullet):
        fast, slow = _both_ways(chars, monkeypatch)
        assert fast == slow
    line = make_line(list(bullet), PDF_SETTINGS)
    assert (line.text, [s[2] for s in line.segments]) == ("• Item", ["• Item"])
    line = make_line(list(cells), PDF_SETTINGS)
    assert (line.text, line.segments) == ("ab c   d", [(0.0, 15.0, "ab c"), (40.0, 45.0, "d")])


def test_line_of_sorts_finds_superscripts_and_votes_like_python(helper, monkeypatch):
    unsorted = [_c("b", 10.0, 15.0), _c("a", 0.0, 5.0), _c("c", 10.0, 12.0)]  # a tie at 10 keeps b before c
    marker = [_c("x", 0.0, 5.0), _c("y", 5.0, 10.0), _c("1", 10.0, 13.0, baseline=6.0, size=6.0)]
    marker += [_c("2", 13.0, 16.0, baseline=6.0, size=6.0), _c("z", 18.0, 23.0)]
    low_small = [_c("x", 0.0, 5.0), _c("2", 5.0, 8.0, baseline=11.0, size=6.0)]  # small, not raised: no marker
    all_raised = [_c("1", 0.0, 3.0, baseline=4.0, size=6.0), _c("2", 3.0, 6.0, baseline=10.0, size=6.0)]
    votes = [_c("a", 0.0, 5.0, baseline=10.5), _c("b", 5.0, 10.0), _c("c", 10.0, 15.0), _c("d", 15.0, 20.0, 10.5)]
    mixed_bold = [_c("a", 0.0, 5.0, bold=True), _c("b", 5.0, 10.0, bold=True), _c("c", 10.0, 15.0)]
    half_bold = [_c("a", 0.0, 5.0, bold=True), _c("b", 5.0, 10.0)]
    signed_zero = [_c("a", 0.0, 5.0, baseline=0.0), _c("b", 5.0, 10.0, baseline=-0.0)]
    cases = (unsorted, marker, low_small, all_raised, votes, mixed_bold, half_bold, signed_zero)
    for chars in cases:
        fast, slow = _both_ways(chars, monkeypatch)
        assert fast == slow
        assert repr(fast) == repr(slow)  # the same objects' values, -0.0 included
        for size_ratio in (0.5, 1.0):
            with_ratio = PdfSettings(superscript_size_ratio=size_ratio)
            fast, slow = _both_ways(chars, monkeypatch, with_ratio)
            assert repr(fast) == repr(slow)
    line = make_line(list(marker), PDF_SETTINGS)
    assert (line.text, line.baseline, line.size, line.top) == ("xy¹² z", 10.0, 10.0, 2.0)
    assert [c.text for c in make_line(list(unsorted), PDF_SETTINGS).chars] == ["a", "b", "c"]
    assert make_line(list(votes), PDF_SETTINGS).baseline == 10.5  # two of four each: the first seen wins
    assert make_line(list(mixed_bold), PDF_SETTINGS).bold is True
    assert make_line(list(half_bold), PDF_SETTINGS).bold is False


def test_line_of_leaves_nan_and_other_chars_to_python(helper, monkeypatch):
    nan = [_c("a", 0.0, 5.0), _c("b", float("nan"), 10.0)]
    ints = [Char("a", 0, 0, 5, 10, 8, 10, False)]
    wide = [Char("ab", 0.0, 0.0, 5.0, 10.0, 8.0, 10.0, False)]
    for chars in (nan, ints, wide):
        assert _line_of(helper, chars) is None
    for chars in (ints, wide):
        assert repr(_both_ways(chars, monkeypatch)[0]) == repr(_both_ways(chars, monkeypatch)[1])
    assert make_line(list(wide), PDF_SETTINGS).text == "ab"


def test_uniform_size_is_the_median_shortcut(helper):
    assert helper.uniform_size([_c("a", 0, 1), _c("b", 1, 2)], Char) == 10.0
    assert helper.uniform_size([_c("a", 0, 1), _c("b", 1, 2, size=9.0)], Char) is None
    assert helper.uniform_size([Char("a", 0, 0, 1, 1, 1, 10, False)], Char) is None  # an int size: Python decides
    sizes = [_c("a", 0, 1, size=9.0), _c("b", 1, 2, size=10.0), _c("c", 2, 3, size=12.0)]
    assert _median_size(sizes) == 10.0


def test_fonts_read_in_c_are_the_python_styles(helper):
    """Bold by name in any case, or by weight, and the size: the same chars with fonts read in
    C as with the Python style reader (a build that has the font functions)."""
    if not getattr(pdf_backend._compiled, "FONTS_IN_C", False):
        pytest.skip("the compiled helper predates the font functions")
    bolds: set[bool] = set()
    for data in (sample_report_pdf(), borderless_table_pdf()):
        pdf = pdfium.PdfDocument(data)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                textpage = page.get_textpage()
                text = pdf_backend.page_text(textpage)
                address = pdf_backend.ctypes.cast(textpage.raw, pdf_backend.ctypes.c_void_p).value
                settings = PdfSettings(bold_font_words=("BOLD", "Oblique"))  # upper case and a word of regular fonts
                for style in (
                    pdf_backend._style_reader(textpage, settings),
                    (*pdf_backend._FONT_ADDRESSES, (b"bold", b"oblique"), settings.bold_min_weight),
                ):
                    got = helper.read_char_groups(
                        text, address, *pdf_backend._FUNCTION_ADDRESSES, page.get_height(), style, Char, 0.3
                    )
                    fields = [[(c.text, c.size, c.bold) for c in g] for g in got[1]]
                    if callable(style):
                        expected = fields
                    else:
                        assert fields == expected
                    bolds.update(bold for g in fields for _, _, bold in g)
                textpage.close()
                page.close()
        finally:
            pdf.close()
    assert bolds == {True, False}
    with pytest.raises(TypeError):  # bold words must be bytes
        helper.read_char_groups("a", 0, *pdf_backend._FUNCTION_ADDRESSES, 10.0, (0, 0, 0, ("bold",), 600), Char, 0.3)


def test_path_bounds_walked_in_c_are_the_python_walks(helper):
    if not hasattr(helper, "path_bounds"):
        pytest.skip("the compiled helper predates the path walk")
    documents = [sample_report_pdf(), borderless_table_pdf()] + ([SEED.read_bytes()] if SEED.exists() else [])
    n_paths = 0
    for data in documents:
        pdf = pdfium.PdfDocument(data)
        try:
            for i in range(len(pdf)):
                page = pdf[i]
                for depth in (1, 2, 3):
                    walked = list(pdf_backend.path_bounds(page, depth))
                    assert walked == list(pdf_backend._path_bounds_walk(page, depth))
                    n_paths += len(walked)
                page.close()
        finally:
            pdf.close()
    assert n_paths > 0


def test_overlaps_x_in_c_is_the_python_answer(helper, monkeypatch):
    line = [_c("a", 10.0, 15.0), _c("b", 15.0, 20.0), _c("c", 20.0, 30.0)]
    cases = [
        [_c("1", 30.0, 31.5)],  # inside the margin at the right
        [_c("1", 8.5, 9.0)],  # inside the margin at the left
        [_c("1", 33.5, 36.0)],  # past the right margin
        [_c("1", 5.0, 8.0)],  # past the left margin
        [_c("1", 8.0, 9.0), _c("2", 20.0, 32.0)],  # both edges exactly on the margins
    ]
    answers = []
    for group in cases:
        fast = pdf_lines.overlaps_x(group, line, 2.0)
        with monkeypatch.context() as patch:
            patch.delattr(pdf_lines._compiled, "overlaps_x")
            assert fast is pdf_lines.overlaps_x(group, line, 2.0)
        answers.append(fast)
    assert answers == [True, True, False, False, True]
    assert helper.overlaps_x([], line, 2.0, Char) is None
    assert helper.overlaps_x([_c("1", float("nan"), 1.0)], line, 2.0, Char) is None


def test_chars_in_box_in_c_are_the_python_filter(helper):
    line = [_c("a", 0.0, 4.0), _c("b", 4.0, 10.0), _c("c", 10.0, 12.0, baseline=20.0), _c("d", 30.0, 40.0)]
    for box in ((2.0, 7.0, 0.0, 12.0), (2.0, 11.0, 0.0, 12.0), (0.0, 50.0, 5.0, 17.0), (7.0, 7.0, 7.0, 7.0)):
        left, right, upper, lower = box
        expected = [c for c in line if left <= (c.x0 + c.x1) / 2 <= right and upper <= (c.top + c.bottom) / 2 <= lower]
        assert helper.chars_in_box(line, *box, Char) == expected
    assert [c.text for c in helper.chars_in_box(line, 2.0, 11.0, 0.0, 12.0, Char)] == ["a", "b"]
    assert helper.chars_in_box([Char("a", 0, 0, 1, 1, 1, 1, False)], 0.0, 1.0, 0.0, 1.0, Char) is None  # ints
