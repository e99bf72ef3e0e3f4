"""From a file to a validated :class:`Extraction` and its JSON file.

These plain functions are what the CLI calls for single files and what the Prefect
tasks in ``flows.py`` wrap."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractors import kb
from extractors import lang as languages
from extractors.bibliography import extract_bibliography
from extractors.citations import resolve_citations
from extractors.facts import extract_facts
from extractors.metadata import extract_metadata
from extractors.structure import extract_footnotes, extract_sections, link_captions
from extractors.tables import (
    annotate_table,
    check_totals,
    link_admin_units,
    not_rebuilt_warnings,
    table_records,
)
from pipeline.ingest import ingest
from schemas.document import BlockBase, BlockKind, Document
from schemas.extraction import BlockInfo, DocumentInfo, Extraction, PageSize, Warning


@dataclass
class Timings:
    """Seconds per stage of one extraction (for ``coi bench``)."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


def extract_document(doc: Document, timings: Timings | None = None) -> Extraction:
    """Run every extractor over an ingested document and validate the result."""
    t0 = time.perf_counter()
    lang = languages.load(doc.language)
    metadata, warnings = extract_metadata(doc, lang)
    sections = extract_sections(doc)
    link_captions(doc)
    footnotes, fn_warnings = extract_footnotes(doc)
    year = int(metadata.date_of_completion[:4]) if metadata.date_of_completion else None
    bibliography, bib_warnings = extract_bibliography(doc, lang, default_year=year)
    if timings:
        timings.add("structure", time.perf_counter() - t0)
    t0 = time.perf_counter()
    tables = [b.table for b in doc.blocks() if b.kind is BlockKind.table and b.table is not None]
    records, table_warnings = [], not_rebuilt_warnings(doc)
    found = kb.country(metadata.country) if metadata.country else None
    for table in tables:
        if annotate_table(table, lang):
            rows = table_records(table, lang, doc.id)
            link_admin_units(table, rows, lang, found[1] if found else None)
            records += rows
            table_warnings += check_totals(table, rows)
    if timings:
        timings.add("tables", time.perf_counter() - t0)
    t0 = time.perf_counter()
    facts = extract_facts(doc, lang, metadata, bibliography, footnotes)
    resolve_citations(facts, footnotes, bibliography)
    if timings:
        timings.add("facts", time.perf_counter() - t0)
    t0 = time.perf_counter()
    blocks = [
        BlockInfo(**b.model_dump(include=set(BlockBase.model_fields)), table_id=b.table.id if b.table else None)
        for b in doc.blocks()
    ]
    extraction = Extraction(
        document=DocumentInfo(id=doc.id, source_path=doc.source_path, kind=doc.kind, page_count=doc.page_count,
                              pipeline_version=doc.pipeline_version, language=doc.language, encoding=doc.encoding,
                              pages=[PageSize(number=p.number, width=p.width, height=p.height) for p in doc.pages]),
        metadata=metadata,
        sections=sections,
        footnotes=footnotes,
        bibliography=bibliography,
        tables=tables,
        table_records=records,
        facts=facts,
        warnings=[Warning(code="ingest", message=w) for w in doc.warnings] + warnings + fn_warnings + bib_warnings + table_warnings,
        blocks=blocks,
        text=doc.text,
    )
    # Validate the assembled model as a whole, as a reader of the JSON would.
    extraction = Extraction.model_validate(extraction.model_dump())
    if timings:
        timings.add("validation", time.perf_counter() - t0)
    return extraction


def extract_file(path: str | Path, language: str | None = None, timings: Timings | None = None, limits=None) -> Extraction:
    t0 = time.perf_counter()
    doc = ingest(path, language=language, limits=limits)
    if timings:
        timings.add("ingest", time.perf_counter() - t0)
    return extract_document(doc, timings)


def to_json(extraction: Extraction) -> str:
    return json.dumps(extraction.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"


MAX_NAME_BYTES = 200
"""Longest file name we derive from an input's name (file systems stop at 255 bytes; the
rest is room for ``.error.json``, ``-1`` and temp-file decorations)."""


def fit_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` itself when its bytes fit in ``max_bytes``, else its start, a hash of the whole
    name (so two long names stay apart) and its suffix."""
    raw = os.fsencode(name)
    if len(raw) <= max_bytes:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:10]
    suffix = Path(name).suffix if len(os.fsencode(Path(name).suffix)) <= 16 else ""
    room = max_bytes - len(os.fsencode(suffix)) - len(digest) - 1
    head, used = [], 0
    for ch in name:  # cut between characters, never inside one
        used += len(os.fsencode(ch))
        if used > room:
            break
        head.append(ch)
    return f"{''.join(head)}-{digest}{suffix}"


def temp_prefix(name: str) -> str:
    """Prefix of our temp files beside ``name``: ``.<name>~<pid>~``. The pid lets a later run
    remove the temp files of a killed process (and only those: a live one's are its own)."""
    return f".{fit_name(name, 100)}~{os.getpid()}~"

# --- shared-storage permissions (issue 15) -------------------------------------------------
def umask_mode(mode: int = 0o666) -> int:
    """``mode`` as the process's umask leaves it (0644 under umask 022), as ``open`` would
    create a file. The umask can only be read by setting it; on Linux it is read from
    /proc/self/status instead, which leaves it untouched for other threads."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return mode & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mode & ~mask
# --- end shared-storage permissions --------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and a rename, so a
    reader never sees half a file and a crash never leaves one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, umask_mode())  # issue 15: mkstemp makes 0600; outputs go to shared storage
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_path(out_dir: Path, source: Path) -> Path:
    """``OUT/<file name>.json`` (the full name, so ``x.pdf`` and ``x.txt`` do not collide;
    a name too long for the file system is shortened with a hash)."""
    return out_dir / f"{fit_name(source.name, MAX_NAME_BYTES - 5)}.json"


def write_extraction(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, to_json(extraction))
    return path
