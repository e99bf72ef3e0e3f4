"""Bounded memory (issue 17): the JSON file is written piece by piece with pydantic's serialiser
and must stay byte-identical to ``json.dumps(model_dump(mode="json"), ensure_ascii=False,
indent=1)``; the assembled extraction is checked item by item; model instances share one
"fields set"; a PDF page that can hold no table keeps no char records."""

from __future__ import annotations

import json
import math

import pytest
from pdf_factory import sample_report_pdf
from pydantic import ValidationError

import pipeline.app.run as run
import schemas.files as files
from pipeline.readers.ingest import ingest_bytes
from pipeline.readers.pdf import Char, Line, Rule, release_chars_of_plain_page
from schemas.document import BlockKind
from schemas.extraction import Extraction, Warning


def _python_json(extraction: Extraction) -> str:
    """The file as it was written before issue 17 (and must still be, byte for byte)."""
    return json.dumps(extraction.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"


@pytest.fixture(scope="module")
def extraction(fake_report) -> Extraction:
    return run.extract_file(fake_report)


def test_json_is_the_same_bytes_as_json_dumps(extraction):
    assert run.to_json(extraction) == _python_json(extraction)
    assert (
        extraction.blocks and extraction.facts.displacement_figures and extraction.facts.places
    )  # the pieces were really lists


def test_long_text_escaped_in_slices_joins_to_the_same_string(extraction, monkeypatch):
    monkeypatch.setattr(files, "TEXT_PIECE", 5)
    text = 'a "quoted" line\nwith\ttabs, \\ and \x01 control, ünïcödé, “curly”, 😀 and \u2028.' * 3
    changed = extraction.model_copy(update={"text": text})
    assert run.to_json(changed) == _python_json(changed)
    assert json.loads(run.to_json(changed))["text"] == text


def test_numbers_are_written_as_python_writes_them(extraction):
    """pydantic writes 1e-05 as 0.00001 and 2.5e-07 as 2.5e-7; NaN as null unless told
    otherwise: such pieces must come out as json.dumps writes them."""
    warnings = [
        Warning(
            code="w",
            message="m",
            details={
                "tiny": 1e-05,
                "small": 2.5e-07,
                "big": 1e16,
                "nan": math.nan,
                "inf": -math.inf,
                "plain": 0.1 + 0.2,
            },
        )
    ]
    blocks = [
        b.model_copy(update={"bbox": (1e-05, 0.00012, 72.0, 3.5e-06)}) if i == 0 else b
        for i, b in enumerate(extraction.blocks)
    ]
    changed = extraction.model_copy(update={"warnings": warnings, "blocks": blocks})
    written = run.to_json(changed)
    assert written == _python_json(changed)
    assert '"tiny": 1e-05' in written and '"nan": NaN' in written and "1e-05,\n" in written


def test_empty_lists_and_models_keep_their_layout():
    empty = Extraction.model_validate(
        {
            "document": {
                "id": "x",
                "source_path": "a.txt",
                "kind": "text",
                "page_count": 1,
                "pipeline_version": "0",
                "language": "en",
            },
            "metadata": {},
        }
    )
    assert run.to_json(empty) == _python_json(empty)
    assert '\n "sections": [],\n' in run.to_json(empty)


def test_written_file_is_the_same_bytes(extraction, tmp_path):
    path = run.write_extraction(extraction, tmp_path / "r.json")
    assert path.read_text(encoding="utf-8") == _python_json(extraction)


def test_revalidated_equals_the_whole_round_trip(extraction):
    assert files.revalidated(extraction) == Extraction.model_validate(extraction.model_dump())


def test_revalidated_refuses_a_field_set_wrong_after_construction(extraction):
    """Extractors assign fields after construction, which pydantic does not check: the
    item-by-item check must still catch a bad value, as the whole round trip did."""
    broken = extraction.model_copy(deep=True)
    broken.warnings.append(Warning(code="ok", message="m"))
    broken.warnings[-1].code = "Not A Code"
    with pytest.raises(ValidationError, match="code"):
        files.revalidated(broken)
    broken = extraction.model_copy(deep=True)
    broken.facts.displacement_figures[0].provenance.page = 0
    with pytest.raises(ValidationError, match="page"):
        files.revalidated(broken)


def test_instances_share_one_fields_set_that_never_changes():
    a, b = Warning(code="a", message="m"), Warning(code="b", message="n", location="p1-b0")
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    a.message = "changed"
    assert a.model_fields_set == {"code", "message", "location", "details"} == b.model_fields_set
    assert a == Warning(code="a", message="changed") and a.model_dump()["message"] == "changed"


def _line(segments: int, chars: int = 3) -> Line:
    cs = [Char("x", float(i), 0.0, i + 1.0, 10.0, 9.0, 10.0, False) for i in range(chars)]
    return Line(cs, 0.0, 0.0, float(chars), 10.0, 9.0, 10.0, False, "x" * chars, [(0.0, 1.0, "x")] * segments)


def test_plain_page_drops_its_chars_a_table_page_keeps_them():
    plain = [_line(1), _line(2), _line(1)]
    release_chars_of_plain_page(plain, [Rule(0, 5, 100, 5)])  # one aligned-looking line, a horizontal rule
    assert all(line.chars == [] for line in plain)
    aligned = [_line(2), _line(3), _line(1)]  # two lines of several segments: maybe an aligned table
    release_chars_of_plain_page(aligned, [])
    assert all(len(line.chars) == 3 for line in aligned)
    ruled = [_line(1)]
    release_chars_of_plain_page(ruled, [Rule(50, 0, 50, 40)])  # a vertical rule: maybe a ruled grid
    assert len(ruled[0].chars) == 3


def test_pdf_table_page_keeps_the_chars_its_cells_are_read_from():
    doc = ingest_bytes(sample_report_pdf(), "sample.pdf")
    (table,) = [b.table for b in doc.blocks() if b.kind is BlockKind.table]
    assert [c.text for c in table.cells] == [
        "Month",
        "North",
        "Total",
        "May 2021",
        "1 200",
        "1 200",
        "June 2021",
        "-",
        "N/A",
    ]


# --- the extraction takes the document's blocks and the stages' findings over -------------


def test_extraction_takes_the_blocks_over_page_by_page(fake_report):
    from extractors.stages import extract_document
    from pipeline.readers.ingest import ingest
    from schemas.document import BlockBase
    from schemas.extraction import BlockInfo

    kept = ingest(fake_report)
    expected = [
        BlockInfo(**b.model_dump(include=set(BlockBase.model_fields)), table_id=b.table.id if b.table else None)
        for b in kept.blocks()
    ]
    doc = ingest(fake_report)
    extraction = extract_document(doc)
    assert extraction.blocks == expected and len(expected) > 20
    assert [b.table_id for b in extraction.blocks if b.table_id] == ["t1", "t2"]
    assert doc.pages and all(page.blocks == [] for page in doc.pages)  # released, pages kept
    assert extraction.text is doc.text  # one copy of the text, not two


def test_found_hands_its_lists_over_and_keeps_no_second_copy(fake_report):
    from extractors.stages import STAGES, Found, found_to_extraction
    from pipeline.readers.ingest import ingest
    from schemas import lang as languages

    doc = ingest(fake_report)
    found = Found(doc=doc, lang=languages.load(doc.language))
    for _, stage in STAGES:
        stage(found)
    sections, records = list(found.sections), list(found.table_records)
    extraction = found_to_extraction(found)
    assert found.sections == found.table_records == found.footnotes == found.warnings == []
    assert extraction.sections == sections and extraction.table_records == records and len(records) == 6
    assert found.facts is None and extraction.facts.places


def test_a_block_set_wrong_after_construction_is_still_refused(fake_report):
    """The blocks are handed over unchecked and checked once, by ``revalidated``: a value
    an extractor set wrong after construction still fails, naming the field."""
    from extractors.stages import extract_document
    from pipeline.readers.ingest import ingest

    doc = ingest(fake_report)
    doc.pages[0].blocks[0].page = 0
    with pytest.raises(ValidationError, match="page"):
        extract_document(doc)


def test_bench_writes_the_json_file_and_times_the_write(fake_report):
    from pipeline.tools.bench import bench_one

    row = bench_one(str(fake_report), runs=2)
    assert row["pages"] == 1 and row["input"] == str(fake_report)
    assert {"ingest", "facts", "validation", "write"} <= set(row["stages"])
    assert row["stages"]["write"] > 0 and row["peak_rss_mb"] > 0


def test_lists_written_a_few_items_at_a_time_join_to_the_same_bytes(extraction, monkeypatch):
    """Items are serialised several at a time; a run of items holding a number pydantic would
    write unlike Python (1e-05) is written item by item, the others not (240.00003 is written
    alike by both)."""
    monkeypatch.setattr(files, "ITEMS_PER_PIECE", 2)
    blocks = [
        b.model_copy(update={"bbox": (1e-05 if i == 3 else 240.00003051757812, 10.0, 72.0, 80.5)})
        for i, b in enumerate(extraction.blocks)
    ]
    changed = extraction.model_copy(update={"blocks": blocks})
    assert len(blocks) > 4
    assert run.to_json(changed) == _python_json(changed)
    assert files._float_form_differs("[1e-05]") and files._float_form_differs(" 0.00001,")
    assert not files._float_form_differs("240.00003051757812, de-escalation")


def test_a_list_of_large_items_is_written_in_pieces_of_bounded_size(extraction, monkeypatch):
    """After its first few items, a list's pieces take as many items as fit in
    ``PIECE_CHARS`` (at least one): a long report's tables are not serialised 256 at a time
    into one string of tens of MB. The file is the same bytes."""
    monkeypatch.setattr(files, "FIRST_ITEMS", 2)
    monkeypatch.setattr(files, "PIECE_CHARS", 600)
    blocks = extraction.blocks
    assert len(blocks) > 8
    pieces = list(files._list_json(blocks, 0))
    assert len(pieces[0]) < 2 * 600  # two blocks
    assert all(len(p) < 3 * 600 for p in pieces)
    assert len(pieces) >= len(blocks) // 2  # a few hundred characters a block: about two a piece
    assert "".join(pieces) == "[\n" + files._items_json(blocks, 0)
    monkeypatch.setattr(files, "PIECE_CHARS", 1)  # every item larger: two first, then one at a time
    assert len(list(files._list_json(blocks, 0))) == len(blocks) - 1
    assert run.to_json(extraction) == _python_json(extraction)
