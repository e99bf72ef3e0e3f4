"""The output contract: one :class:`Extraction` per report, written as JSON.

``SCHEMA_VERSION`` changes whenever a field changes meaning or disappears; the JSON
Schema (``coi schema``) is committed beside this file as ``extraction.schema.json``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.document import BBox, BlockBase, InputKind, Table

SCHEMA_VERSION = "1.0"


def normalize_evidence(text: str) -> str:
    """The form evidence is compared and hashed in: NFKC, straight quotes, folded spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}))
    return re.sub(r"\s+", " ", text).strip().lower()


def fact_id(document_id: str, category: str, evidence: str, discriminator: str = "") -> str:
    """Stable id: the same report, category and evidence give the same id in every run."""
    key = "\x1f".join([document_id, category, normalize_evidence(evidence), discriminator])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


class Citation(BaseModel):
    """A footnote a fact rests on, and the source-list entries that footnote names."""

    footnote: int
    text: str
    bibliography: list[str] = Field(default_factory=list)
    """Ids of the bibliography entries the footnote cites."""


class Provenance(BaseModel):
    """Where a fact comes from: enough to find its sentence and the source it cites."""

    document_id: str
    block_id: str
    page: int
    start: int
    """Span of the evidence in the document's normalized text (``document.text``)."""
    end: int
    evidence: str
    footnotes: list[int] = Field(default_factory=list)
    """The footnote number(s) that close the evidence sentence."""
    citations: list[Citation] = Field(default_factory=list)
    """Those footnotes' text and the bibliography entries they name."""
    ocr: bool = False
    """True when the evidence was read by OCR from a scanned page."""
    ocr_confidence: float | None = None
    """For OCR evidence: the engine's mean word confidence over its block, 0-1."""


class Warning(BaseModel):
    code: str
    """Stable machine code, e.g. ``row_total_mismatch``, ``metadata_missing``."""
    message: str
    location: str | None = None
    details: dict[str, object] = Field(default_factory=dict)


class DocumentInfo(BaseModel):
    id: str
    source_path: str
    kind: InputKind
    page_count: int
    pipeline_version: str
    language: str
    encoding: str | None = None


class BlockInfo(BlockBase):
    """A block of the document model without its text (which is ``Extraction.text[start:end]``)."""

    table_id: str | None = None


class Metadata(BaseModel):
    country: str | None = None
    main_subject: str | None = None
    questions: list[str] = Field(default_factory=list)
    date_of_completion: str | None = None
    """ISO date."""
    query_code: str | None = None
    reference_period: str | None = None
    """ISO interval read from the subject line, e.g. ``2020-06-01/2020-11-30``."""
    contributing_units: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    """Every label → value pair of the cover table as printed."""


class Section(BaseModel):
    number: str | None
    """``1.4``; None for unnumbered headings (``Recruitment``)."""
    title: str
    level: int
    parent: str | None
    """Number (or title) of the enclosing section."""
    page: int
    block_id: str


class Footnote(BaseModel):
    number: int
    text: str
    page: int
    block_id: str
    cited_by: list[str] = Field(default_factory=list)
    """Ids of the blocks whose text carries this footnote's marker."""


class BibliographyEntry(BaseModel):
    id: str
    section: str
    """The heading the entry stands under (``SOURCES USED``)."""
    organisation: str
    """Author or organisation as printed, e.g. ``ACLED (Armed Conflict Location & Event Data Project)``."""
    acronym: str | None = None
    title: str
    date: str | None = None
    """Publication date as ISO (day, month or year), None for ``n.d.``."""
    date_text: str | None = None
    url: str | None = None
    accessed: str | None = None
    accessed_text: str | None = None
    accessed_year_inferred: bool = False
    """True when the entry printed no year and the report's year was used."""
    text: str
    page: int
    block_id: str


class CellProvenance(BaseModel):
    document_id: str
    table_id: str
    page: int
    row: int
    col: int
    bbox: BBox | None = None
    footnotes: list[int] = Field(default_factory=list)


class TableRecord(BaseModel):
    """One figure of a table in tidy form (one row per cell that holds a figure)."""

    table_id: str
    period: str | None = None
    """ISO month/day/year of the row or column label when it is a date."""
    admin_unit: str | None = None
    """The place the figure is for (the column or row label), as printed."""
    pcode: str | None = None
    population: str | None = None
    value: int | float | None
    raw: str
    status: Literal["value", "nil", "not_available"]
    """``nil`` for a printed dash (value 0), ``not_available`` for N/A or an empty cell (value null)."""
    row_label: str
    column_label: str
    total: bool = False
    """True for cells of a total row or column."""
    provenance: CellProvenance


class Count(BaseModel):
    model_config = ConfigDict(frozen=True)

    min: int | None
    max: int | None
    qualifier: Literal["exact", "at_least", "more_than", "approx", "range", "up_to"] = "exact"


class Fact(BaseModel):
    id: str
    provenance: Provenance


class CasualtyFigure(Fact):
    killed: Count | None = None
    injured: Count | None = None
    abducted: Count | None = None
    casualties: Count | None = None
    """Killed and injured counted together where the text does not split them ("390 casualties")."""
    executed: Count | None = None
    disappeared: Count | None = None
    victims: str | None = None
    perpetrators: list[str] = Field(default_factory=list)
    date: str | None = None
    location: str | None = None
    admin1: str | None = None
    admin2: str | None = None


class EventCount(Fact):
    category: str
    count: int
    source_org: str | None = None
    area: str | None = None
    period: str | None = None
    actor: str | None = None


class DisplacementFigure(Fact):
    population: Literal["idps", "idp_returnees", "returnees_from_abroad", "refugees"]
    count: int
    area: str | None = None
    as_of: str | None = None


class NamedEntity(BaseModel):
    """Something the report names, with every name it uses and where."""

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    mentions: list[Provenance] = Field(default_factory=list)


class Actor(NamedEntity):
    kind: str | None = None
    """``state_forces``, ``international_force``, ``jihadist_group``, ``communal_militia``,
    ``unidentified`` or ``political``."""


class Place(NamedEntity):
    type: str
    """``country``, ``admin1``, ``admin2``, ``admin3``, ``populated_place`` or ``other``."""
    country: str | None = None
    admin1: str | None = None
    pcode: str | None = None


class Facts(BaseModel):
    casualty_figures: list[CasualtyFigure] = Field(default_factory=list)
    event_counts: list[EventCount] = Field(default_factory=list)
    displacement_figures: list[DisplacementFigure] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)


class Extraction(BaseModel):
    """Everything extracted from one report."""

    schema_version: str = SCHEMA_VERSION
    document: DocumentInfo
    metadata: Metadata
    sections: list[Section] = Field(default_factory=list)
    footnotes: list[Footnote] = Field(default_factory=list)
    bibliography: list[BibliographyEntry] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    table_records: list[TableRecord] = Field(default_factory=list)
    facts: Facts = Field(default_factory=Facts)
    warnings: list[Warning] = Field(default_factory=list)
    blocks: list[BlockInfo] = Field(default_factory=list)
    text: str = ""
    """The document's normalized text; every span in this file points into it."""
