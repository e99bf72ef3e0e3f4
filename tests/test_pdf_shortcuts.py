"""Shortcuts of the PDF reader that do less work for the same result (issue 17, warm speed):
the gutter search reuses its runs between positions no segment edge lies between, ruled cells
come from each point's ruling lines made into sets once, a short report's lines are not packed,
the text's words are gathered line by line, and a line already in order is not sorted again."""

from __future__ import annotations

import random

import pytest
from pdf_factory import running_headers_pdf, sample_report_pdf
from pdfplumber import table as pt

from pipeline.readers.pdf import PdfSettings, pdf_to_pages, read_pdf
from pipeline.readers.pdf import lines as pdf_lines
from pipeline.readers.pdf.columns import _is_prose, _sided_runs, find_gutter
from pipeline.readers.pdf.objects import Char, Line
from pipeline.readers.pdf.settings import PDF_SETTINGS
from pipeline.readers.pdf.tables import intersections_to_cells
from pipeline.readers.textutil import vocabulary


def _line(top: float, *segments: tuple[float, float]) -> Line:
    texts = ["word " * max(1, int((b - a) // 25)) for a, b in segments]
    return Line(
        chars=[],
        x0=segments[0][0],
        top=top,
        x1=segments[-1][1],
        bottom=top + 9.0,
        baseline=top + 7.0,
        size=9.0,
        bold=False,
        text="   ".join(t.strip() for t in texts),
        segments=[(a, b, t.strip()) for (a, b), t in zip(segments, texts, strict=True)],
    )


def _two_columns() -> list[Line]:
    """A heading across the page, eight lines in two columns (gutter between 290 and 310),
    a table row with cells on both sides, and six more lines in columns."""
    lines = [_line(60.0, (72.0, 520.0))]
    lines += [_line(80.0 + 12 * i, (72.0, 290.0), (310.0, 523.0)) for i in range(8)]
    lines.append(_line(180.0, (72.0, 120.0), (150.0, 200.0), (330.0, 400.0)))
    lines += [_line(200.0 + 12 * i, (72.0, 288.0 - i), (312.0 + i, 523.0)) for i in range(6)]
    return lines


def _searched_at_every_position(lines: list[Line], width: float, settings: PdfSettings = PDF_SETTINGS):
    """The gutter as the search found it before: the runs worked out anew at every position."""
    share = settings.columns_search
    lo, hi = width * (0.5 - share / 2), width * (0.5 + share / 2)
    open_lines = [ln for ln in lines if not any(s0 <= lo and s1 >= hi for s0, s1, _ in ln.segments)]
    if len([ln for ln in open_lines if any(s0 >= lo for s0, _, _ in ln.segments)]) < 2 * settings.columns_min_lines:
        return None
    best, best_xs, x = 0, [], lo
    while x <= hi:
        score = sum(len(run) for run in _sided_runs(lines, x) if _is_prose(run, x, settings))
        if score > best:
            best, best_xs = score, [x]
        elif score == best and score:
            best_xs.append(x)
        x += settings.columns_step
    if not best_xs:
        return None
    stretches = [[best_xs[0]]]
    for x in best_xs[1:]:
        if x - stretches[-1][-1] <= settings.columns_step + 0.01:
            stretches[-1].append(x)
        else:
            stretches.append([x])
    widest = max(stretches, key=len)
    return (widest[0] + widest[-1]) / 2


def test_the_gutter_is_the_middle_of_the_widest_clear_stretch():
    assert find_gutter(_two_columns(), 595.0) == 299.5


def test_reusing_runs_between_segment_edges_finds_the_gutter_the_full_search_finds():
    rng = random.Random(17)
    found = 0
    for _ in range(300):
        gutter = rng.uniform(250.0, 340.0)
        lines = []
        for i in range(rng.randint(0, 30)):
            kind = rng.random()
            if kind < 0.15:  # across the page
                lines.append(_line(12.0 * i, (72.0, rng.uniform(400.0, 523.0))))
            elif kind < 0.3:  # a table row
                cells = sorted(rng.sample(range(72, 520, 6), 4))
                lines.append(_line(12.0 * i, (cells[0], cells[1]), (cells[2], cells[3])))
            else:  # two columns, ragged at the gutter
                lines.append(
                    _line(12.0 * i, (72.0, gutter - rng.uniform(3.0, 30.0)), (gutter + rng.uniform(3.0, 30.0), 523.0))
                )
        expected = _searched_at_every_position(lines, 595.0)
        assert find_gutter(lines, 595.0) == expected
        found += expected is not None
    assert found > 50


def _edges(rng: random.Random) -> list[dict]:
    xs = sorted(rng.sample(range(0, 400, 10), rng.randint(2, 7)))
    ys = sorted(rng.sample(range(0, 400, 10), rng.randint(2, 7)))
    out = []
    for y in ys:
        a, b = sorted(rng.sample(xs, 2)) if rng.random() < 0.3 else (xs[0], xs[-1])
        out.append({"x0": a, "x1": b, "top": y, "bottom": y, "width": b - a, "height": 0, "orientation": "h"})
    for x in xs:
        a, b = sorted(rng.sample(ys, 2)) if rng.random() < 0.3 else (ys[0], ys[-1])
        out.append({"x0": x, "x1": x, "top": a, "bottom": b, "width": 0, "height": b - a, "orientation": "v"})
    for e in out:
        e["object_type"] = "line"
    return out


def test_ruled_cells_are_pdfplumbers_cells_in_its_order():
    rng = random.Random(20)
    cells = 0
    for _ in range(400):
        intersections = pt.edges_to_intersections(pt.merge_edges(_edges(rng), 3, 3, 3, 3), 3, 3)
        ours = intersections_to_cells(intersections)
        assert ours == pt.intersections_to_cells(intersections)
        cells += len(ours)
    assert cells > 1000


def test_a_grid_with_a_merged_cell():
    """Two columns over two rows, the bottom row one cell wide (its middle rule stops at y=20)."""
    edges = [
        {"x0": 0, "x1": 100, "top": y, "bottom": y, "width": 100, "height": 0, "orientation": "h"} for y in (0, 20, 40)
    ]
    edges += [
        {"x0": x, "x1": x, "top": 0, "bottom": 40, "width": 0, "height": 40, "orientation": "v"} for x in (0, 100)
    ]
    edges.append({"x0": 50, "x1": 50, "top": 0, "bottom": 20, "width": 0, "height": 20, "orientation": "v"})
    intersections = pt.edges_to_intersections(pt.merge_edges(edges, 3, 3, 3, 3), 3, 3)
    assert intersections_to_cells(intersections) == [(0, 0, 50, 20), (0, 20, 100, 40), (50, 0, 100, 20)]


@pytest.mark.parametrize("make", [sample_report_pdf, lambda: running_headers_pdf(5)])
def test_unpacked_lines_lay_out_as_packed_ones(make):
    data = make()
    short = pdf_to_pages(data, "own.pdf")  # every page held as read (the default keeps 50)
    packed = pdf_to_pages(data, "own.pdf", PdfSettings(unpacked_pages=0))
    half = pdf_to_pages(data, "own.pdf", PdfSettings(unpacked_pages=1))
    assert [p.model_dump() for p in short[0]] == [p.model_dump() for p in packed[0]]
    assert [p.model_dump() for p in short[0]] == [p.model_dump() for p in half[0]]
    assert short[1:] == packed[1:] == half[1:]


def test_the_words_gathered_line_by_line_are_the_words_of_the_text():
    read = read_pdf(sample_report_pdf(), "own.pdf")
    assert read.vocabulary == vocabulary(read.text)
    assert {"armed", "organization", "patrols"} <= read.vocabulary


def test_vocabulary_lower_cases_each_printed_form():
    assert vocabulary("Peace-building, PEACE-BUILDING and peace; 12 km2, x_y İzmir") == {
        "peace-building",
        "and",
        "peace",
        "i̇zmir",
    }


def test_a_line_in_order_is_left_as_it_is_and_one_out_of_order_is_sorted():
    if pdf_lines._compiled is None:
        pytest.skip("the compiled helper is not built here (`python setup.py build_ext --inplace` builds it)")

    def chars(*xs: float) -> list[Char]:
        return [Char("a", x, 0.0, x + 1.0, 9.0, 7.0, 9.0, False, False) for x in xs]

    assert pdf_lines._compiled.sorted_by_x0(chars(1.0, 2.0, 2.0, 5.0), Char)
    assert pdf_lines._compiled.sorted_by_x0([], Char)
    assert not pdf_lines._compiled.sorted_by_x0(chars(1.0, 3.0, 2.0), Char)
    odd = chars(1.0, 2.0)
    odd[1].x0 = 2  # an int: the helper leaves it to Python's sort
    assert not pdf_lines._compiled.sorted_by_x0(odd, Char)
    line = pdf_lines.make_line(chars(30.0, 10.0, 20.0))
    assert [c.x0 for c in line.chars] == [10.0, 20.0, 30.0] and line.x0 == 10.0
