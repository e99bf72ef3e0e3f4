"""The output contract: one :class:`Extraction` per report, written as JSON.

``SCHEMA_VERSION`` changes whenever a field changes meaning or disappears; the JSON
Schema (``coi schema``) is committed beside this file as ``extraction.schema.json``.

The contract is strict so a consumer can rely on it: unknown fields are refused, counts are
non-negative, enumerations are closed, dates are ISO strings of a stated form (a field that
may hold a day, a month, a year or an interval has a ``<field>_precision`` beside it), and
every field is described (attribute docstrings become the schema's descriptions).
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field

from schemas.document import (
    BBOX_ORIGIN,
    BBox,
    BlockBase,
    Dated,
    DatePrecision,
    InputKind,
    IsoDate,
    IsoDay,
    IsoInterval,
    IsoPeriod,
    Model,
    Table,
)

SCHEMA_VERSION = "1.0"

NonNegative = Annotated[int, Field(ge=0)]
PageNumber = Annotated[int, Field(ge=1, description="1-based page number.")]
EventCategory = Literal[
    "violent_events",
    "battles",
    "violence_against_civilians",
    "explosions_remote_violence",
    "civilian_deaths",
    "human_rights_violations",
    "attacks_on_peacekeepers",
    "targeted_attacks_on_civilians",
    "extrajudicial_executions",
    "enforced_disappearances",
    "arbitrary_arrests",
    "attacks",
]
"""What an event count counts (the keys of ``[events]`` in every ``schemas/lang/*.toml``)."""
ActorKind = Literal[
    "state_forces", "international_force", "jihadist_group", "communal_militia", "unidentified", "political"
]
PlaceType = Literal["country", "admin1", "admin2", "admin3", "populated_place", "other"]


QUOTES = "'\"‘’“”"
"""Straight and typographic quotes, as they open or close a quoted name or figure."""
SENTENCE_CLOSERS = "'\"’”»)]"
"""What may follow a sentence's full stop and still belong to the sentence."""
_STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def normalize_evidence(text: str) -> str:
    """The form evidence is compared and hashed in: NFKC, straight quotes, folded spaces."""
    if not text.isascii():  # NFKC and the quotes leave an ASCII text as it is
        text = unicodedata.normalize("NFKC", text).translate(_STRAIGHT_QUOTES)
    return " ".join(text.split()).lower()  # white space runs as one space, stripped (as ``\s+``)


def stable_id(*parts: str, length: int = 12) -> str:
    """An id that the same ``parts`` give in every run: the start of their SHA-256, the parts
    joined by the unit separator (so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def fact_id(document_id: str, category: str, evidence: str, discriminator: str = "") -> str:
    """Stable id: the same report, category and evidence give the same id in every run."""
    return stable_id(document_id, category, normalize_evidence(evidence), discriminator, length=16)


class Citation(Model):
    """A footnote a fact rests on, and the source-list entries that footnote names."""

    footnote: int = Field(ge=0)
    """The footnote's number."""
    text: str
    """The footnote's text as printed."""
    bibliography: list[str] = Field(default_factory=list)
    """Ids of the bibliography entries the footnote cites."""


class Provenance(Model):
    """Where a fact comes from: enough to find its sentence and the source it cites."""

    document_id: str
    """sha256 of the report's bytes (``document.id``)."""
    block_id: str
    """The block the evidence stands in (``blocks[].id``)."""
    page: PageNumber
    start: NonNegative
    """Span of the evidence in the document's normalized text (``document.text``)."""
    end: NonNegative
    """End (exclusive) of the evidence's span in ``document.text``."""
    evidence: str
    """The sentence (or list item, or table row) the fact was read from, as printed."""
    footnotes: list[int] = Field(default_factory=list)
    """The footnote number(s) that close the evidence sentence."""
    citations: list[Citation] = Field(default_factory=list)
    """Those footnotes' text and the bibliography entries they name."""
    ocr: bool = False
    """True when the evidence was read by OCR from a scanned page."""
    ocr_confidence: float | None = None
    """For OCR evidence: the engine's mean word confidence over its block, 0-1."""


class Warning(Model):
    """Something a reviewer should check; numbers are never changed because of it."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", examples=["row_total_mismatch"])
    """Stable machine code, e.g. ``row_total_mismatch``, ``metadata_missing``. Codes in use: ``ingest``,
    ``metadata_missing``, ``metadata_unparsed``, ``accessed_year_inferred``, ``footnote_duplicate``,
    ``footnote_missing``, ``footnote_gap``, ``footnote_uncited``, ``row_total_mismatch``,
    ``column_total_mismatch``; new checks add codes, so a consumer should treat an unknown code as a
    generic warning."""
    message: str
    """The warning in plain words."""
    location: str | None = None
    """A block or table id the warning is about."""
    details: dict[str, object] = Field(default_factory=dict)
    """Machine-readable particulars (e.g. ``printed`` and ``computed`` totals)."""


class PageSize(Model):
    """A page's size, so a bbox can be placed on it."""

    number: PageNumber
    width: float | None = None
    """Width in PDF points (1/72 inch); None for text inputs, which have no geometry."""
    height: float | None = None
    """Height in PDF points; None for text inputs."""


class DocumentInfo(Model):
    """The input the extraction was made from."""

    id: str
    """sha256 of the input bytes (hex)."""
    source_path: str
    """The input path as given to the pipeline."""
    kind: InputKind
    """What the input was read as."""
    page_count: NonNegative
    """Pages of the input (1 for a text input)."""
    pipeline_version: str
    """Version of coi-extract that wrote this file."""
    language: str = Field(pattern=r"^[a-z]{2}$", examples=["en", "fr", "de"])
    """ISO 639-1 code of the report's language."""
    encoding: str | None = None
    """How a text input was decoded (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``); None for PDFs."""
    pages: list[PageSize] = Field(default_factory=list)
    """Every page's size, in page order."""
    bbox_origin: Literal["top-left"] = BBOX_ORIGIN
    """Where every bbox of this file is measured from: the page's top-left corner, x to the right and
    y downwards, in PDF points."""


class BlockInfo(BlockBase):
    """A block of the document model without its text (which is ``Extraction.text[start:end]``)."""

    table_id: str | None = None
    """For table blocks: the id of the table (``tables[].id``)."""


class Metadata(Dated):
    """What the report's cover table says about it."""

    _dated: ClassVar[tuple[str, ...]] = ("date_of_completion",)

    country: str | None = None
    """The report's country, English short name (``Mali``)."""
    main_subject: str | None = None
    """The subject line as printed."""
    questions: list[str] = Field(default_factory=list)
    """The research questions, one per item."""
    date_of_completion: IsoDate | None = None
    """ISO date (a day, or a month or year when only that is printed)."""
    date_of_completion_precision: DatePrecision | None = None
    """``day``, ``month`` or ``year``: the form of ``date_of_completion`` (set by the validator)."""
    query_code: str | None = None
    """The query's reference as printed, e.g. ``Q28-2020``."""
    reference_period: IsoInterval | None = None
    """ISO interval read from the subject line, e.g. ``2020-06-01/2020-11-30``."""
    contributing_units: str | None = None
    """The contributing COI units as printed (``N/A`` kept as printed)."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Every label → value pair of the cover table as printed."""
    title: str | None = None
    """The report's title as printed (its first line)."""
    publisher: str | None = None
    """The organisation that published the report, where the text names it (read from the head)."""
    inferred: list[str] = Field(default_factory=list)
    """Fields read from the text rather than a cover table (``country``, ``date_of_completion``,
    ``reference_period``): the country is then the one the text names most, weighted by where."""
    evidence: dict[str, str] = Field(default_factory=dict)
    """For each inferred field, what it was read from (``title: 'SYRIA' x1; text: 'Syrian' x3 …``).
    For a report that is not a query response, ``date_of_completion`` is its printed publication
    or last-update date."""


class Section(Model):
    """A heading of the report and where it stands in the outline."""

    number: str | None
    """``1.4``; None for unnumbered headings (``Recruitment``)."""
    title: str
    """The heading's text without its number."""
    level: int = Field(ge=1)
    """1 for ``1.``, 2 for ``1.4``; unnumbered headings one below their enclosing section."""
    parent: str | None
    """Number (or title) of the enclosing section."""
    page: PageNumber
    block_id: str
    """The heading's block (``blocks[].id``)."""


class Footnote(Model):
    """A footnote's text and the blocks that cite it."""

    number: int = Field(ge=0)
    """The footnote's number as printed."""
    text: str
    """The footnote's text as printed (lines joined)."""
    page: PageNumber
    block_id: str
    """The footnote's block (``blocks[].id``)."""
    cited_by: list[str] = Field(default_factory=list)
    """Ids of the blocks whose text carries this footnote's marker."""


class BibliographyEntry(Dated):
    """One entry of the report's source list."""

    _dated: ClassVar[tuple[str, ...]] = ("date",)

    id: str
    """Entry id, unique in the report, e.g. ``b12``."""
    section: str
    """The heading the entry stands under (``SOURCES USED``)."""
    organisation: str
    """Author or organisation as printed, e.g. ``ACLED (Armed Conflict Location & Event Data Project)``."""
    acronym: str | None = None
    """The organisation's acronym when printed (``ACLED``)."""
    title: str
    """The title as printed."""
    date: IsoDate | None = None
    """Publication date as ISO (day, month or year), None for ``n.d.``."""
    date_precision: DatePrecision | None = None
    """``day``, ``month`` or ``year``: the form of ``date`` (set by the validator)."""
    date_text: str | None = None
    """The publication date as printed."""
    url: str | None = None
    """The URL as printed."""
    accessed: IsoDay | None = None
    """The day the source was accessed, ISO."""
    accessed_text: str | None = None
    """The access date as printed."""
    accessed_year_inferred: bool = False
    """True when the entry printed no year and the report's year was used."""
    text: str
    """The whole entry as printed."""
    page: PageNumber
    block_id: str
    """The entry's block (``blocks[].id``)."""


class CellProvenance(Model):
    """Where a table figure is printed."""

    document_id: str
    """sha256 of the report's bytes."""
    table_id: str
    """``tables[].id``."""
    page: PageNumber
    row: NonNegative
    """0-based grid row of the cell."""
    col: NonNegative
    """0-based grid column of the cell."""
    bbox: BBox | None = None
    """Where the cell is printed (PDF only)."""
    footnotes: list[int] = Field(default_factory=list)
    """Footnote numbers printed in the cell."""


class TableRecord(Dated):
    """One figure of a table in tidy form (one row per cell that holds a figure)."""

    _dated: ClassVar[tuple[str, ...]] = ("period",)

    table_id: str
    """``tables[].id``."""
    period: IsoDate | None = None
    """ISO month/day/year of the row or column label when it is a date."""
    period_precision: DatePrecision | None = None
    """``day``, ``month`` or ``year``: the form of ``period`` (set by the validator)."""
    admin_unit: str | None = None
    """The place the figure is for (the column or row label), as printed."""
    pcode: str | None = Field(None, examples=["ML0505"])
    """The admin unit's P-code (OCHA) when the report's country and the unit are in the gazetteer."""
    population: Literal["idps", "idp_returnees", "returnees_from_abroad", "refugees", "casualties", "events"] | None = (
        None
    )
    """What the figure counts (the table's population)."""
    value: int | float | None
    """The figure as a number (``20 437`` → 20437); 0 for a printed dash; None when not available.
    Negative only when printed so (a table of changes: ``-120``)."""
    raw: str
    """The cell as printed."""
    status: Literal["value", "nil", "not_available"]
    """``nil`` for a printed dash (value 0), ``not_available`` for N/A or an empty cell (value null)."""
    row_label: str
    """The row's label as printed."""
    column_label: str
    """The column's label as printed."""
    total: bool = False
    """True for cells of a total row or column."""
    provenance: CellProvenance
    """Where the cell is printed."""


class Count(Model):
    """A printed number of people: the range it allows and how it was qualified. ``more than 15``
    is min 16, max None, qualifier ``more_than``; ``around 30`` is 30–30 ``approx``."""

    model_config = ConfigDict(frozen=True)

    min: NonNegative | None
    """The least the text allows (None for ``up to N``)."""
    max: NonNegative | None
    """The most the text allows (None when open-ended: ``at least N``)."""
    qualifier: Literal["exact", "at_least", "more_than", "approx", "range", "up_to"] = "exact"
    """How the number was printed: ``exact`` (12), ``at_least`` (at least 12), ``more_than`` (more than
    12), ``approx`` (around 12), ``range`` (12-15), ``up_to`` (up to 12)."""


class Fact(Model):
    """A figure read from one sentence, with where it comes from."""

    id: str
    """Stable id: the same report, category and evidence give the same id in every run."""
    provenance: Provenance
    """Where the fact was read and which sources it cites."""


class CasualtyFigure(Fact, Dated):
    """People killed, injured, abducted … as one sentence reports them (one per victim group)."""

    _dated: ClassVar[tuple[str, ...]] = ("date",)

    killed: Count | None = None
    """People killed (``fatalities``)."""
    injured: Count | None = None
    """People injured."""
    abducted: Count | None = None
    """People abducted or kidnapped."""
    casualties: Count | None = None
    """Killed and injured counted together where the text does not split them ("390 casualties")."""
    executed: Count | None = None
    """People executed (summary or extrajudicial executions)."""
    disappeared: Count | None = None
    """People who disappeared or were forcibly disappeared."""
    victims: str | None = None
    """Who was harmed, as one normalised group: civilians, people, soldiers, police, children, women,
    men, fighters, peacekeepers, protesters, idps (the keys of ``[victim_groups]`` in the language files)."""
    perpetrators: list[str] = Field(default_factory=list)
    """Canonical names of the actors held responsible (``facts.actors[].name``)."""
    date: IsoPeriod | None = None
    """When: a day, a month, a year or an interval (a figure over a period), ISO."""
    date_precision: DatePrecision | None = None
    """``day``, ``month``, ``year`` or ``interval``: the form of ``date`` (set by the validator)."""
    location: str | None = None
    """The most precise place named for the figure."""
    admin1: str | None = None
    """The first-level admin unit (region) the place is in."""
    admin2: str | None = None
    """The second-level admin unit (cercle, district) the place is in."""


class EventCount(Fact, Dated):
    """A number of events a source counted over a period and an area (``ACLED recorded 250
    violent events in Mopti region``): a statistic, not an incident."""

    _dated: ClassVar[tuple[str, ...]] = ("period",)

    category: EventCategory
    """What was counted."""
    count: NonNegative
    """How many."""
    source_org: str | None = None
    """Who counted (``ACLED``, ``MINUSMA``), as named in the sentence or its citation."""
    area: str | None = None
    """Where the count applies (a country, region or district name)."""
    period: IsoPeriod | None = None
    """The period the count covers, ISO (mostly an interval)."""
    period_precision: DatePrecision | None = None
    """``day``, ``month``, ``year`` or ``interval``: the form of ``period`` (set by the validator)."""
    actor: str | None = None
    """The actor the count is about, when the sentence names one."""


class DisplacementFigure(Fact, Dated):
    """A number of displaced (or returned) people at a date in an area."""

    _dated: ClassVar[tuple[str, ...]] = ("as_of",)

    population: Literal["idps", "idp_returnees", "returnees_from_abroad", "refugees"]
    """Who is counted."""
    count: NonNegative
    """How many people."""
    area: str | None = None
    """Where, as named."""
    as_of: IsoDate | None = None
    """The date the figure is for, ISO (a day or a month)."""
    as_of_precision: DatePrecision | None = None
    """``day``, ``month`` or ``year``: the form of ``as_of`` (set by the validator)."""


class NamedEntity(Model):
    """Something the report names, with every name it uses and where."""

    id: str
    """Stable id of the entity in this report."""
    name: str
    """The canonical name."""
    aliases: list[str] = Field(default_factory=list)
    """Other names the report uses for it."""
    mentions: list[Provenance] = Field(default_factory=list)
    """Where the report names it."""


class Actor(NamedEntity):
    """An armed, security or political actor."""

    kind: ActorKind | None = None
    """``state_forces``, ``international_force``, ``jihadist_group``, ``communal_militia``,
    ``unidentified`` or ``political``."""
    country: str | None = None
    """ISO 3166 alpha-2 of the state the actor is tied to (a state's forces: that state; a
    group: the report's country when it is one of the group's, else its first); None for a
    global network or a group the knowledge base lacks."""


class Place(NamedEntity):
    """A place the report names."""

    type: PlaceType
    """``country``, ``admin1``, ``admin2``, ``admin3``, ``populated_place`` or ``other``."""
    country: str | None = Field(None, examples=["ML"])
    """ISO 3166-1 alpha-2 code of the country the place lies in (a neighbour's places keep their own)."""
    admin1: str | None = None
    """The first-level admin unit the place is in."""
    admin2: str | None = None
    """The second-level admin unit the place is in."""
    pcode: str | None = Field(None, examples=["ML05"])
    """OCHA P-code (ISO 3166-2 code where OCHA lacks the country) of an admin unit."""
    lat: float | None = Field(None, ge=-90, le=90)
    """WGS84 latitude: the town's (GeoNames), or an admin unit's namesake town (its capital)."""
    lon: float | None = Field(None, ge=-180, le=180)
    """WGS84 longitude (see ``lat``)."""
    geo_precision: Literal[1, 2, 3] | None = None
    """ACLED-style precision of ``lat``/``lon``: 1 the town itself, 2 an admin2 unit or a place
    near a town, 3 an admin1 unit or region."""
    geonameid: int | None = None
    """The GeoNames id of the town (or namesake town) the coordinates come from."""


class Facts(Model):
    """The figures and names read from the report's text."""

    casualty_figures: list[CasualtyFigure] = Field(default_factory=list)
    """Killed, injured, abducted … per sentence and victim group (incidents and period totals)."""
    event_counts: list[EventCount] = Field(default_factory=list)
    """Counts of events over a period and area (statistics)."""
    displacement_figures: list[DisplacementFigure] = Field(default_factory=list)
    """Displaced and returned people."""
    actors: list[Actor] = Field(default_factory=list)
    """Actors the report names."""
    places: list[Place] = Field(default_factory=list)
    """Places the report names."""


class Extraction(Model):
    """Everything extracted from one report."""

    schema_version: Literal[SCHEMA_VERSION] = SCHEMA_VERSION
    """The version of this contract the file follows (a constant)."""
    document: DocumentInfo
    """The input."""
    metadata: Metadata
    """The cover table's fields."""
    sections: list[Section] = Field(default_factory=list)
    """The report's outline."""
    footnotes: list[Footnote] = Field(default_factory=list)
    """Every footnote."""
    bibliography: list[BibliographyEntry] = Field(default_factory=list)
    """The source list."""
    tables: list[Table] = Field(default_factory=list)
    """Every table as printed."""
    table_records: list[TableRecord] = Field(default_factory=list)
    """The tables' figures in tidy form."""
    facts: Facts = Field(default_factory=Facts)
    """Figures and names read from the text."""
    warnings: list[Warning] = Field(default_factory=list)
    """What a reviewer should check."""
    blocks: list[BlockInfo] = Field(default_factory=list)
    """Every block of the document, in reading order, without text."""
    text: str = ""
    """The document's normalized text; every span in this file points into it."""
