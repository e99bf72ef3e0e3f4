"""Types of the files written beside the extractions (``coi batch``, ``coi watch``, the output
layout of ``pipeline.ops``): ``batch-summary.json``, ``<input>.error.json``, ``sources.json`` and
``diff.json``. The writers build plain dicts; these types say what those dicts hold, and their
JSON Schemas are published with ``coi schema --all``. A test validates what the writers write.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from schemas.document import Model

ErrorCode = Literal[
    "ingest_error", "empty_file", "unsupported_format", "encrypted_pdf", "no_text_layer", "ocr_needed", "corrupt_pdf",
    "limit_exceeded", "too_many_pages", "too_large", "time_limit", "memory_limit", "internal_error",
]
"""Why an input failed: the ``code`` of each :class:`pipeline.errors.IngestError` class, and
``internal_error`` for a bug."""


class ErrorInfo(Model):
    """Why an input could not be extracted."""

    error: str = Field(examples=["CorruptPDFError"])
    """The error's type name."""
    code: ErrorCode
    """Stable machine code of the reason."""
    file: str
    """The input path."""
    reason: str
    """The reason in plain words."""
    limit: str | None = Field(None, examples=["pages"])
    """For ``limit_exceeded`` codes: which limit (``pages``, ``bytes``, ``seconds``, ``memory``)."""


class DuplicateInfo(Model):
    """An input whose bytes another input of the run (or an earlier run) already had."""

    duplicate_of: str
    """The name of the input first seen with these bytes."""


class Outcome(Model):
    """What became of one input of a batch."""

    file: str
    """The input path."""
    status: Literal["extracted", "skipped", "duplicate", "failed"]
    """``extracted``; ``skipped`` (same bytes and pipeline version done before); ``duplicate`` (same
    bytes as another input); ``failed`` (see ``error``)."""
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    """sha256 of the input's bytes (None when the file could not be read)."""
    output: str | None = None
    """Path of the extraction JSON (for extracted, skipped and duplicate inputs)."""
    pages: int = Field(0, ge=0)
    """Pages extracted (0 unless extracted in this run)."""
    seconds: float = Field(0.0, ge=0)
    """Wall-clock seconds the input took."""
    error: ErrorInfo | DuplicateInfo | None = None
    """Why it failed, or which input it duplicates."""
    diff: str | None = None
    """Path of ``diff.json`` against the previous extraction of the same report name, if any."""


class BatchSummary(Model):
    """``OUT/batch-summary.json``: the outcome of one ``coi batch`` run."""

    pipeline_version: str
    """Version of coi-extract that ran the batch."""
    documents: int = Field(ge=0)
    """Inputs seen."""
    counts: dict[Literal["extracted", "skipped", "duplicate", "failed"], int] = Field(examples=[{"extracted": 3, "failed": 1}])
    """Inputs per status (statuses with no input are left out)."""
    pages_extracted: int = Field(ge=0)
    """Pages of the inputs extracted in this run."""
    seconds: float = Field(ge=0)
    """Wall-clock seconds of the run."""
    pages_per_second: float = Field(ge=0)
    """pages_extracted / seconds (0 when nothing was extracted)."""
    outcomes: list[Outcome]
    """One per input, in the order they finished."""


class ErrorFile(ErrorInfo):
    """``<quarantined name>.error.json``, beside a failed input moved or copied to ``quarantine/``."""

    quarantined_as: str
    """The file name the input has in the quarantine folder (``-1``, ``-2`` … added on a clash)."""


class SourceNames(RootModel[list[str]]):
    """``sources.json`` beside an extraction: every input name that had these bytes, first seen first."""


# ---------------------------------------------------------------- diff.json


class FactBrief(Model):
    """A fact as a reviewer sees it in a diff."""

    evidence: str
    """The evidence sentence."""
    page: int = Field(ge=1)
    """Page of the evidence."""
    footnotes: list[int]
    """Footnotes closing the evidence."""
    values: dict[str, object]
    """The fact's fields that hold a value (id and provenance left out)."""


class FactChange(FactBrief):
    """A fact found in both extractions (same category, same evidence with digits masked) whose fields differ."""

    old_evidence: str
    """The evidence in the earlier extraction."""
    changes: dict[str, tuple[object, object]] = Field(examples=[{"['killed']['min']": [30, 33]}])
    """Changed field path (DeepDiff form, ``['killed']['min']``) → [old value, new value]."""


class FactDiff(Model):
    """Facts of one category added, removed or changed."""

    added: list[FactBrief]
    """In the new extraction only."""
    removed: list[FactBrief]
    """In the old extraction only."""
    changed: list[FactChange]
    """In both, with different fields."""


class NameDiff(Model):
    """Names (actors or places) added or removed."""

    added: list[str]
    """Named in the new extraction only."""
    removed: list[str]
    """Named in the old extraction only."""
    changed: list[str] = Field(max_length=0)
    """Always empty: a name is either there or not."""


class FactsDiff(Model):
    """The differences per fact category."""

    casualty_figures: FactDiff
    """Casualty figures."""
    event_counts: FactDiff
    """Event counts."""
    displacement_figures: FactDiff
    """Displacement figures."""
    actors: NameDiff
    """Actor names."""
    places: NameDiff
    """Place names."""


class CellChange(Model):
    """A table cell (found by table caption, row label and column label) whose text changed."""

    table: str
    """The table's caption (or id when it has none)."""
    row: str
    """The row's label."""
    column: str
    """The column's label."""
    old: str | None
    """The cell's text before (None: the cell is new)."""
    new: str | None
    """The cell's text now (None: the cell is gone)."""


class SectionDiff(Model):
    """Headings added or removed, as [number, title] pairs."""

    added: list[tuple[str | None, str]]
    """Headings of the new extraction only."""
    removed: list[tuple[str | None, str]]
    """Headings of the old extraction only."""


class WarningDiff(Model):
    """Warning messages that appeared or went away."""

    appeared: list[str]
    """In the new extraction only."""
    gone: list[str]
    """In the old extraction only."""


class Diff(Model):
    """``diff.json`` (and ``coi diff --json``): what changed between two extractions of a report."""

    old: str
    """Source path of the earlier extraction."""
    new: str
    """Source path of the later extraction."""
    facts: FactsDiff
    """Facts added, removed and changed."""
    table_cells: list[CellChange]
    """Table cells whose text changed."""
    metadata: dict[str, tuple[object, object]]
    """Changed metadata field path → [old value, new value]."""
    sections: SectionDiff
    """Headings added or removed."""
    warnings: WarningDiff
    """Warnings that appeared or went away."""
    identical: bool
    """True when nothing above differs."""
