"""Types of the files written beside the extractions (``coi batch``, ``coi watch``, the output
layout of ``pipeline.app.ops``): ``batch-summary.json``, ``<input>.error.json``, ``sources.json`` and
``diff.json``. The writers build plain dicts; these types say what those dicts hold, and their
JSON Schemas are published with ``coi schema --all``. A test validates what the writers write.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from schemas.document import Model

ErrorCode = Literal[
    "ingest_error",
    "empty_file",
    "unsupported_format",
    "encrypted_pdf",
    "no_text_layer",
    "ocr_needed",
    "corrupt_pdf",
    "limit_exceeded",
    "too_many_pages",
    "too_large",
    "time_limit",
    "memory_limit",
    "internal_error",
    "not_a_file",
    "unreadable",
    "symlink",
    "bad_encoding",
    "not_a_report",
    "worker_died",
    "disk_full",
    "changed",
]
"""Why an input failed: the ``code`` of each :class:`schemas.errors.IngestError` class, and
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
    link_target: str | None = None
    """For ``symlink``: where the link pointed (the link itself is quarantined, not its target)."""
    retry_in_seconds: float | None = Field(None, ge=0)
    """For ``disk_full`` in the watcher: the pause before the file is tried again."""
    gone: str | None = None
    """The input was moved away by someone else while it was extracted."""
    quarantine_error: str | None = None
    """Why the input could not be copied or moved to the quarantine folder (its reason file is still written)."""


class DuplicateInfo(Model):
    """An input whose bytes another input of the run (or an earlier run) already had."""

    duplicate_of: str
    """The name of the input first seen with these bytes."""


class BusyInfo(Model):
    """An input another process had claimed (it extracts it; see ``pipeline/app/claims.py``)."""

    reason: str
    """Why it was not taken here."""


class Outcome(Model):
    """What became of one input of a batch."""

    file: str
    """The input path."""
    status: Literal["extracted", "skipped", "duplicate", "failed", "busy", "interrupted", "changed", "deferred"]
    """``extracted``; ``skipped`` (same bytes and pipeline version done before); ``duplicate`` (same
    bytes as another input); ``failed`` (see ``error``); ``interrupted`` (the batch was stopped
    before this input); in the watcher ``changed`` (the file changed while it was extracted: taken
    again) and ``deferred`` (disk full: retried after a pause)."""
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    """sha256 of the input's bytes (None when the file could not be read)."""
    output: str | None = None
    """Path of the extraction JSON (for extracted, skipped and duplicate inputs)."""
    pages: int = Field(0, ge=0)
    """Pages extracted (0 unless extracted in this run)."""
    seconds: float = Field(0.0, ge=0)
    """Wall-clock seconds the input took."""
    error: ErrorInfo | DuplicateInfo | BusyInfo | None = None
    """Why it failed, which input it duplicates, or that another process holds it."""
    diff: str | None = None
    """Path of ``diff.json`` against the previous extraction of the same report name, if any."""
    current_path: str | None = None
    """Where the input is after the run: ``file`` itself for a batch (inputs stay in place),
    ``processed/…`` or ``quarantine/…`` for the watcher."""


class BatchSummary(Model):
    """``OUT/batch-summary.json``: the outcome of one ``coi batch`` run."""

    pipeline_version: str
    """Version of coi-extract that ran the batch."""
    documents: int = Field(ge=0)
    """Inputs seen."""
    counts: dict[
        Literal["extracted", "skipped", "duplicate", "failed", "busy", "interrupted", "changed", "deferred"], int
    ] = Field(examples=[{"extracted": 3, "failed": 1}])
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


class CitedSource(Model):
    """A source-list entry a footnote names."""

    organisation: str | None = None
    """The publishing organisation."""
    title: str | None = None
    """The source's title."""
    date: str | None = None
    """The source's date (ISO)."""
    url: str | None = None
    """The source's URL."""


class CitedNote(Model):
    """A footnote a fact's sentence cites, with the sources it names."""

    footnote: int = Field(ge=0)
    """The footnote's number."""
    text: str
    """The footnote's text ('' when only the number is known)."""
    sources: list[CitedSource]
    """The bibliography entries the footnote names."""


WordOp = tuple[Literal["=", "-", "+"], str]
"""One step of a word diff: kept (``=``), removed (``-``) or added (``+``) text."""


class FactBrief(Model):
    """A fact as a reviewer sees it in a diff."""

    evidence: str
    """The evidence sentence."""
    page: int = Field(ge=1)
    """Page of the evidence."""
    footnotes: list[int]
    """Footnotes closing the evidence."""
    block_id: str
    """The block the evidence stands in."""
    words: str
    """The fact's values in words (``killed at least 37 · victims: civilians``)."""
    citations: list[CitedNote]
    """The footnotes the sentence cites, with their sources."""
    values: dict[str, object]
    """The fact's fields that hold a value (id and provenance left out)."""


class FactChange(FactBrief):
    """A fact found in both extractions (same category, same evidence with digits masked, or
    the same sentence reworded) whose fields differ."""

    old_evidence: str
    """The evidence in the earlier extraction."""
    changes: dict[str, tuple[object, object]] = Field(examples=[{"['killed']['min']": [30, 33]}])
    """Changed field path (DeepDiff form, ``['killed']['min']``) → [old value, new value]."""
    old_words: str
    """The fact's values in words before."""
    words_diff: list[WordOp]
    """The evidence's word diff, old → new."""


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


class HeadingRename(Model):
    """A heading kept under its number with another title."""

    number: str | None
    """The heading's number."""
    old: str
    """The title before."""
    new: str
    """The title now."""
    words: list[WordOp]
    """Word diff of the title."""


class SectionDiff(Model):
    """Headings added, removed (as [number, title] pairs) or renamed."""

    added: list[tuple[str | None, str]]
    """Headings of the new extraction only."""
    removed: list[tuple[str | None, str]]
    """Headings of the old extraction only."""
    renamed: list[HeadingRename] = Field(default_factory=list)
    """Headings whose number stayed and whose title changed."""


class TextChange(Model):
    """A paragraph or footnote whose wording changed (layout, spacing and quote style aside)."""

    where: str = Field(pattern=r"^(paragraph|footnote \d+)$")
    """``paragraph`` or ``footnote N``."""
    old: str | None
    """The text before (None: added)."""
    new: str | None
    """The text now (None: removed)."""
    words: list[WordOp]
    """Word diff, old → new."""


class DiffSummary(Model):
    """The counts a reviewer sees first (the review page shows the same ones)."""

    facts_added: int = Field(ge=0)
    """Facts in the new extraction only."""
    facts_removed: int = Field(ge=0)
    """Facts in the old extraction only."""
    facts_changed: int = Field(ge=0)
    """Facts in both with different fields or reworded evidence."""
    names_added: int = Field(ge=0)
    """Actor and place names added."""
    names_removed: int = Field(ge=0)
    """Actor and place names removed."""
    cells_changed: int = Field(ge=0)
    """Table cells whose text changed."""
    metadata_changed: int = Field(ge=0)
    """Metadata fields changed."""
    headings_changed: int = Field(ge=0)
    """Headings added, removed or renamed."""
    paragraphs_changed: int = Field(ge=0)
    """Paragraphs reworded, added or removed."""
    footnotes_changed: int = Field(ge=0)
    """Footnotes reworded, added or removed."""
    warnings_appeared: int = Field(ge=0)
    """Warnings in the new extraction only."""
    warnings_gone: int = Field(ge=0)
    """Warnings in the old extraction only."""
    warnings_layout_only: int = Field(ge=0)
    """Warnings that differ only in page or line breaks (not counted as changes)."""


class WarningDiff(Model):
    """Warning messages that appeared or went away."""

    appeared: list[str]
    """In the new extraction only."""
    gone: list[str]
    """In the old extraction only."""
    layout_only: int = Field(default=0, ge=0)
    """Warnings that differ only in page, block or line breaks (not changes)."""


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
    """Headings added, removed or renamed."""
    text: list[TextChange]
    """Paragraphs and footnotes whose wording changed (those only a changed fact explains left out)."""
    warnings: WarningDiff
    """Warnings that appeared or went away."""
    summary: DiffSummary
    """The counts of the changes."""
    identical: bool
    """True when there is no change to show (layout-only warnings aside)."""
    summary_line: str
    """The counts in one line (``different: 2 fact(s) changed``), or ``identical``."""
