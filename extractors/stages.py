"""The extractor as an ordered list of named stages, from a :class:`Document` to a validated
:class:`Extraction`.

Like a spaCy pipeline: each stage is a plain function that reads the document and what the
stages before it found (the :class:`Found` record) and adds its own findings; :data:`STAGES`
says in which order they run and what each one writes. The stages read no file: the
readers hand over a :class:`Document` (:func:`extract_file` is the two together), the app
writes the JSON."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extractors.bibliography import extract_bibliography
from extractors.citations import resolve_citations
from extractors.facts import Sentences, extract_facts, read_sentences
from extractors.metadata import extract_metadata
from extractors.structure import extract_footnotes, extract_sections, link_captions
from extractors.tables import (
    annotate_table,
    check_totals,
    link_admin_units,
    not_rebuilt_warnings,
    table_records,
)
from pipeline.readers.ingest import ingest
from pipeline.readers.memory import give_back_freed_memory
from schemas import kb
from schemas import lang as languages
from schemas.document import BlockBase, BlockKind, Document
from schemas.extraction import (
    BibliographyEntry,
    BlockInfo,
    DocumentInfo,
    Extraction,
    Facts,
    Footnote,
    Metadata,
    PageSize,
    Section,
    TableRecord,
    Warning,
)
from schemas.files import revalidated
from schemas.limits import Limits


@dataclass
class Timings:
    """Seconds per stage of one extraction (for ``coi bench``)."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


@dataclass
class Found:
    """What the stages have found so far in one document; each stage fills its fields."""

    doc: Document
    lang: languages.Language
    metadata: Metadata | None = None
    sections: list[Section] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    bibliography: list[BibliographyEntry] = field(default_factory=list)
    tables: list = field(default_factory=list)
    table_records: list[TableRecord] = field(default_factory=list)
    sentences: Sentences | None = None
    facts: Facts | None = None
    warnings: list[Warning] = field(default_factory=list)


def metadata_stage(found: Found) -> None:
    """Writes ``metadata`` (title, publisher, dates, country, reference period)."""
    found.metadata, warnings = extract_metadata(found.doc, found.lang)
    found.warnings += warnings


def structure_stage(found: Found) -> None:
    """Writes ``sections`` and ``footnotes``; links captions to their tables and figures."""
    found.sections = extract_sections(found.doc)
    link_captions(found.doc)
    found.footnotes, warnings = extract_footnotes(found.doc)
    found.warnings += warnings


def sentences_stage(found: Found) -> None:
    """Writes ``sentences``: the units facts are read from, and the NLP model's place
    candidates among them. Asked this early (the units need only the sections) so that a
    single ``coi extract``'s model process, ended once asked (:func:`extractors.nlp.asking_last`),
    is not held beside the stages that follow, where the report's memory peaks (issue 17)."""
    found.sentences = read_sentences(found.doc, found.lang)


def bibliography_stage(found: Found) -> None:
    """Writes ``bibliography`` (the sources the footnotes cite); a year-less date takes the
    year the report was completed."""
    completed = found.metadata.date_of_completion if found.metadata else None
    year = int(completed[:4]) if completed else None
    found.bibliography, warnings = extract_bibliography(found.doc, found.lang, default_year=year)
    found.warnings += warnings


def tables_stage(found: Found) -> None:
    """Writes ``tables`` and ``table_records`` (one record per figure of a recognised table,
    with its admin unit) and the checks of their totals, as warnings."""
    doc, lang = found.doc, found.lang
    found.tables = [b.table for b in doc.blocks() if b.kind is BlockKind.table and b.table is not None]
    found.warnings += not_rebuilt_warnings(doc)
    country = found.metadata.country if found.metadata else None
    known = kb.country(country) if country else None
    for table in found.tables:
        if annotate_table(table, lang):
            rows = table_records(table, lang, doc.id)
            link_admin_units(table, rows, lang, known[1] if known else None)
            found.table_records += rows
            found.warnings += check_totals(table, rows)


def facts_stage(found: Found) -> None:
    """Writes ``facts``: casualty, event and displacement figures, actors and places, read
    from ``sentences``, which are let go with this stage's working lists."""
    sentences, found.sentences = found.sentences, None
    found.facts = extract_facts(found.doc, sentences, found.lang, found.metadata, found.bibliography, found.footnotes)


def citations_stage(found: Found) -> None:
    """Gives each fact the footnote numbers that close its sentence and the sources they cite."""
    resolve_citations(found.facts, found.footnotes, found.bibliography)


Stage = Callable[[Found], None]

STAGES: tuple[tuple[str, Stage], ...] = (
    ("metadata", metadata_stage),
    ("structure", structure_stage),
    ("sentences", sentences_stage),
    ("bibliography", bibliography_stage),
    ("tables", tables_stage),
    ("facts", facts_stage),
    ("citations", citations_stage),
)
"""The stages in the order they run; each reads what the ones before it wrote."""


def blocks_to_info(doc: Document) -> list[BlockInfo]:
    """What the output keeps of every block (no text: it is ``Extraction.text[start:end]``),
    page by page, each page's blocks released once taken: a long report's blocks are never
    held twice. The infos share the blocks' values; :func:`revalidated` checks them once."""
    infos: list[BlockInfo] = []
    names = tuple(BlockBase.model_fields)
    for page in doc.pages:
        for b in page.blocks:
            values = {name: getattr(b, name) for name in names}
            infos.append(BlockInfo.model_construct(**values, table_id=b.table.id if b.table else None))
        page.blocks = []
    return infos


def found_to_extraction(found: Found) -> Extraction:
    """The validated :class:`Extraction` of what the stages found (the document's own
    warnings first, then each stage's in stage order).

    The extraction takes over what ``found`` holds, so nothing is held twice while it is
    checked: ``found``'s lists are emptied and its document's pages keep no blocks."""
    doc = found.doc
    blocks = blocks_to_info(doc)
    extraction = Extraction(
        document=DocumentInfo(
            id=doc.id,
            source_path=doc.source_path,
            kind=doc.kind,
            page_count=doc.page_count,
            pipeline_version=doc.pipeline_version,
            language=doc.language,
            encoding=doc.encoding,
            pages=[PageSize(number=p.number, width=p.width, height=p.height) for p in doc.pages],
        ),
        metadata=found.metadata,
        sections=found.sections,
        footnotes=found.footnotes,
        bibliography=found.bibliography,
        tables=found.tables,
        table_records=found.table_records,
        facts=found.facts,
        warnings=[Warning(code="ingest", message=w) for w in doc.warnings] + found.warnings,
        blocks=blocks,
        text=doc.text,
    )
    # pydantic copied the lists (not their items): empty the originals, so that each item
    # the check below replaces is freed, not kept alive by ``found``
    del blocks
    for name in ("sections", "footnotes", "bibliography", "tables", "table_records", "warnings"):
        getattr(found, name).clear()
    found.facts = None
    # Validate the assembled model as a reader of the JSON would (extractors set fields after
    # construction, which pydantic does not check), one list item at a time.
    return revalidated(extraction)


def extract_document(
    doc: Document, timings: Timings | None = None, stages: tuple[tuple[str, Stage], ...] = STAGES
) -> Extraction:
    """Run ``stages`` in order over an ingested document and validate the result.

    The extraction takes the document's blocks over (see :func:`found_to_extraction`):
    afterwards ``doc`` keeps its text and pages but no blocks."""
    found = Found(doc=doc, lang=languages.load(doc.language))
    for name, stage in stages:
        t0 = time.perf_counter()
        stage(found)
        if timings:
            timings.add(name, time.perf_counter() - t0)
    # the facts stage's working lists (sentences, mention indexes) are gone: their larger
    # pieces go back to the system before the output is assembled, and the document's block
    # texts, once the extraction has taken the blocks over, before the JSON is written
    give_back_freed_memory()
    t0 = time.perf_counter()
    extraction = found_to_extraction(found)
    give_back_freed_memory()
    if timings:
        timings.add("validation", time.perf_counter() - t0)
    return extraction


def extract_file(
    path: str | Path, language: str | None = None, timings: Timings | None = None, limits: Limits | None = None
) -> Extraction:
    """Read ``path`` (any format the readers know) and run the stages over it."""
    t0 = time.perf_counter()
    doc = ingest(path, language=language, limits=limits)
    if timings:
        timings.add("ingest", time.perf_counter() - t0)
    return extract_document(doc, timings)
