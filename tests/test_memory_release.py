"""Bounded memory (issue 17), second round: what a finished step freed goes back to the system
(the reader's end, the stages' end, once the extraction has taken the blocks over); dated
models carry no per-instance private dict; sentence units keep no ``__dict__``."""

from __future__ import annotations

import dataclasses
import sys
from itertools import pairwise

import pytest

import extractors.stages as stages
import pipeline.readers.ingest as ingest_module
import pipeline.readers.memory as memory
from extractors.sentences import Unit, document_units
from schemas import lang as languages
from schemas.document import Table
from schemas.extraction import BibliographyEntry, CasualtyFigure, DisplacementFigure, EventCount, Metadata, TableRecord


def test_give_back_freed_memory_answers_a_bool_and_changes_nothing():
    kept = ["x" * 5000 for _ in range(200)]
    assert memory.give_back_freed_memory() in (True, False)
    assert kept == ["x" * 5000] * 200


def test_give_back_freed_memory_is_a_no_op_without_glibc(monkeypatch):
    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert memory._malloc_trim() is None
        assert memory.give_back_freed_memory() is False
    finally:
        memory._malloc_trim.cache_clear()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux only")
def test_give_back_freed_memory_finds_glibc_on_linux():
    memory._malloc_trim.cache_clear()
    assert memory._malloc_trim() is not None


def _record_calls(monkeypatch, module) -> list[str]:
    """Replace ``module.give_back_freed_memory`` by a recorder of when it is called."""
    calls: list[str] = []
    monkeypatch.setattr(module, "give_back_freed_memory", lambda: calls.append("trim") or True)
    return calls


def test_the_reader_gives_back_what_it_freed_once_the_document_is_built(monkeypatch, fake_report):
    calls = _record_calls(monkeypatch, ingest_module)
    built = []
    real_document = ingest_module.Document

    def document(**fields):
        built.append(len(calls))  # how many trims had run when the document was made
        return real_document(**fields)

    monkeypatch.setattr(ingest_module, "Document", document)
    doc = ingest_module.ingest(fake_report)
    assert built == [0] and calls == ["trim"]
    assert doc.blocks()  # the document is whole


def test_the_stages_give_back_after_the_facts_and_after_taking_the_blocks_over(monkeypatch, fake_report):
    doc = ingest_module.ingest(fake_report)
    events: list[str] = []
    monkeypatch.setattr(stages, "give_back_freed_memory", lambda: events.append("trim") or True)
    real = stages.found_to_extraction

    def assemble(found):
        events.append("assemble")
        return real(found)

    monkeypatch.setattr(stages, "found_to_extraction", assemble)
    ran = [
        (name, lambda found, stage=stage, name=name: events.append(name) or stage(found))
        for name, stage in stages.STAGES
    ]
    extraction = stages.extract_document(doc, stages=tuple(ran))
    assert events == [name for name, _ in stages.STAGES] + ["trim", "assemble", "trim"]
    assert extraction.blocks and all(not page.blocks for page in doc.pages)


SENTENCE = {"document_id": "d", "block_id": "p1-b0", "page": 1, "start": 0, "end": 1, "evidence": "x"}
"""The provenance of a fact read from a sentence (the models below only need a valid one)."""


@pytest.mark.parametrize(
    "instance",
    [
        Table(id="t1", page=1, pages=[1], n_rows=0, n_cols=0, cells=[], source_date="2020-10"),
        Metadata(date_of_completion="2020-12-17"),
        BibliographyEntry(
            id="b1", section="S", organisation="O", title="T", text="x", page=1, block_id="p1-b0", date="2020"
        ),
        TableRecord.model_validate(
            {
                "table_id": "t1",
                "period": "2020-06",
                "value": 1,
                "raw": "1",
                "status": "value",
                "row_label": "r",
                "column_label": "c",
                "provenance": {"document_id": "d", "table_id": "t1", "page": 1, "row": 0, "col": 0},
            }
        ),
        EventCount.model_validate(
            {
                "id": "e",
                "provenance": SENTENCE,
                "category": "battles",
                "count": 3,
                "period": "2020-06-01/2020-11-30",
            }
        ),
        CasualtyFigure.model_validate(
            {
                "id": "c",
                "provenance": SENTENCE,
                "date": "2020-06-03",
            }
        ),
        DisplacementFigure.model_validate(
            {
                "id": "f",
                "provenance": SENTENCE,
                "population": "idps",
                "count": 10,
                "as_of": "2020-10",
            }
        ),
    ],
    ids=lambda m: type(m).__name__,
)
def test_dated_models_keep_no_private_dict_and_still_compute_their_precision(instance):
    """``_dated`` is a class constant: written without ``ClassVar``, pydantic gave every
    instance an empty private-attributes dict (a long report makes some 60,000 of them)."""
    assert instance.__pydantic_private__ is None
    assert type(instance).__private_attributes__ == {}
    (name,) = type(instance)._dated
    value = getattr(instance, name)
    expected = "interval" if "/" in value else ("year", "month", "day")[value.count("-")]
    assert getattr(instance, f"{name}_precision") == expected
    assert type(instance).model_validate(instance.model_dump()) == instance


def test_sentence_units_have_slots_and_keep_their_fields(fake_report):
    doc = ingest_module.ingest(fake_report)
    units = document_units(doc, languages.load(doc.language))
    assert units and not hasattr(units[0], "__dict__")
    assert [f.name for f in dataclasses.fields(Unit)] == [
        "text",
        "start",
        "end",
        "block",
        "index",
        "sentence",
        "footnotes",
        "footnote_inherited",
        "entries",
    ]
    for unit in units:
        assert doc.text[unit.start : unit.end] == unit.text and unit.page == unit.block.page


def test_blocks_of_one_section_share_its_path(fake_report):
    doc = ingest_module.ingest(fake_report)
    blocks = doc.blocks()
    assert any(b.kind.value == "heading" for b in blocks)
    for before, block in pairwise(blocks):
        if block.kind.value != "heading":
            assert block.section is before.section  # one list per section, not one per block
    paths = {id(b.section): b.section for b in blocks}
    assert len(paths) <= 1 + sum(b.kind.value == "heading" for b in blocks)
    heading = next(b for b in blocks if b.kind.value == "heading" and b.section)
    assert heading.section[-1] in heading.text  # a heading's path ends with its own number or title


def test_actor_spans_read_the_index_in_place_and_keep_heading_spans_apart():
    from extractors.entities import ActorIndex, actor_spans

    index = ActorIndex()
    entry = {"name": "JNIM"}
    index.by_unit = {3: [(0, 4, entry), (10, 14, entry)]}
    spans = actor_spans(index)
    assert spans[3] is index.by_unit[3]  # not a copy
    assert [(a, b) for a, b, *_ in spans.get(3, ())] == [(0, 4), (10, 14)]
    spans[10_000_000] = [(2, 6)]
    assert spans.get(10_000_000) == [(2, 6)] and 10_000_000 not in index.by_unit
    assert spans.get(5, ()) == ()
