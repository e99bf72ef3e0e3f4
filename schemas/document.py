"""The document model: Document → Page → Block (→ Table → Cell).

Every block knows its page, its character span in the document's normalized text
(``Document.text``), its bounding box on the page (PDF only), the footnote markers it
carries and the section it stands in. Everything downstream (structure, tables, facts)
reads this model and never the raw input again.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

BBox = Annotated[
    tuple[float, float, float, float],
    Field(
        description="(x0, top, x1, bottom) in PDF points (1/72 inch), origin at the page's top-left corner, "
        "y growing downwards (pdfplumber's convention); the page's size is on its Page.",
        examples=[[72.0, 110.5, 523.3, 140.2]],
    ),
]
"""(x0, top, x1, bottom) in PDF points, origin at the page's top-left corner."""

BBOX_ORIGIN = "top-left"
"""Where every bbox's (0, 0) is: the page's top-left corner, y growing downwards."""


class Model(BaseModel):
    """Base of every type of the contract: unknown fields are refused, and each field's
    docstring is its description in the published JSON Schema."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, ser_json_inf_nan="constants")

    def model_post_init(self, context: Any, /) -> None:
        """Every instance of a class shares one set of its field names as pydantic's "fields
        set" (which nothing here reads: dumps never use ``exclude_unset``). Pydantic gives each
        instance its own set, about 0.7 KB, nearly half the memory of a long report's model.
        Assigning a field adds its name, which is already there, so the shared set never changes."""
        names = _FIELD_NAMES.get(type(self))  # made once per class (every model made calls this)
        _set_attribute(self, "__pydantic_fields_set__", _field_names(type(self)) if names is None else names)


_set_attribute = object.__setattr__
_FIELD_NAMES: dict[type, set[str]] = {}


def _field_names(cls: type[BaseModel]) -> set[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = set(cls.model_fields)
    return names


# ---------------------------------------------------------------- dates
# Extractors write ISO strings; the type says which forms a field may hold, and a field that
# may hold several forms has a ``<field>_precision`` beside it, computed by a validator.

_Y = r"\d{4}"
_M = rf"{_Y}-(?:0[1-9]|1[0-2])"
_D = rf"{_M}-(?:0[1-9]|[12]\d|3[01])"
_ANY = rf"(?:{_D}|{_M}|{_Y})"
DatePrecision = Literal["day", "month", "year", "interval"]


def _bounds(iso: str) -> tuple[dt.date, dt.date]:
    """First and last day a day, month or year covers (ValueError for an impossible date)."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def date_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of an ISO day, month, year or interval (``2020-06-02/2020-09-29``)."""
    start, _, end = value.partition("/")
    return _bounds(start)[0], _bounds(end or start)[1]


def date_precision(value: str | None) -> DatePrecision | None:
    """``day``, ``month``, ``year`` or ``interval``: the form of an ISO date string."""
    if value is None:
        return None
    if "/" in value:
        return "interval"
    return ("year", "month", "day")[value.count("-")]


_REAL_DATES: dict[str, str] = {}
"""ISO values already found real: a report prints the same few hundred dates and periods on
thousands of facts, each checked when built and again by ``revalidated``. Only values that
passed are kept (an impossible one raises again each time); bounded by
:data:`REAL_DATES_KEPT`, so a long batch does not grow."""
REAL_DATES_KEPT = 4096


def _real_date(value: str) -> str:
    if value in _REAL_DATES:
        return value
    first, last = date_bounds(value)  # raises ValueError for 2021-02-30
    if first > last:
        raise ValueError(f"interval {value} ends before it starts")
    if len(_REAL_DATES) >= REAL_DATES_KEPT:
        _REAL_DATES.clear()
    _REAL_DATES[value] = value
    return value


IsoDay = Annotated[str, Field(pattern=rf"^{_D}$", examples=["2020-12-17"]), AfterValidator(_real_date)]
"""A calendar day, ``YYYY-MM-DD``."""
IsoDate = Annotated[
    str, Field(pattern=rf"^{_ANY}$", examples=["2020-06-03", "2020-06", "2020"]), AfterValidator(_real_date)
]
"""A day, a month (``YYYY-MM``) or a year (``YYYY``)."""
IsoInterval = Annotated[
    str, Field(pattern=rf"^{_ANY}/{_ANY}$", examples=["2020-06-01/2020-11-30"]), AfterValidator(_real_date)
]
"""An ISO 8601 interval ``start/end`` of days, months or years, both ends included."""
IsoPeriod = Annotated[
    str,
    Field(pattern=rf"^{_ANY}(?:/{_ANY})?$", examples=["2020-06-03", "2019-03", "2020-06-02/2020-09-29"]),
    AfterValidator(_real_date),
]
"""A day, a month, a year or an interval of them."""


class Dated(Model):
    """A model whose date fields of several forms each have a ``<field>_precision`` beside them.
    The validator computes the precision from the ISO string (extractors write only the date) and
    refuses a precision that contradicts it. A subclass names its date fields in ``_dated``,
    annotated ``ClassVar`` as here: a bare ``_dated = (...)`` would make pydantic give each
    instance a private-attributes dict of its own (a long report makes some 60,000)."""

    _dated: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _set_precisions(self):
        # written to the instance's dict, as pydantic's own ``__setattr__`` does for a field of
        # a model that neither freezes nor validates assignments (a Dated never does), without
        # its per-call dispatch; the field's name is already in the shared fields set
        values = self.__dict__
        for name in self._dated:
            computed = date_precision(values[name])
            key = f"{name}_precision"
            given = values[key]
            if given is not None and given != computed:
                raise ValueError(f"{name}_precision is {given!r} but {name} {values[name]!r} is a {computed}")
            values[key] = computed
        return self


class InputKind(str, Enum):
    """What the input's bytes were read as."""

    pdf = "pdf"
    text = "text"
    html = "html"
    docx = "docx"


class BlockKind(str, Enum):
    """What a block of the document is."""

    heading = "heading"
    paragraph = "paragraph"
    list_item = "list_item"
    table = "table"
    caption = "caption"
    footnote = "footnote"
    header = "header"
    footer = "footer"


class FootnoteRef(Model):
    """A footnote marker that was removed from a block's text.

    ``offset`` is where the marker stood, as a character offset into ``Block.text``
    (so ``2020²`` gives text ``2020`` and a ref with number 2 at offset 4).
    """

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=0)
    """The footnote number the marker printed."""
    offset: int = Field(ge=0)
    """Where the marker stood, as a character offset into the block's (or cell's) text."""


class Cell(Model):
    """One printed cell of a table's grid (a spanning cell appears once, at its first row and column)."""

    row: int = Field(ge=0)
    """0-based row in the table's grid (header rows first)."""
    col: int = Field(ge=0)
    """0-based column in the table's grid (the stub column is 0)."""
    text: str
    """Cell text with line breaks folded to spaces, footnote markers removed."""
    raw: str
    """Cell text as printed, line breaks kept."""
    bbox: BBox | None = None
    """Where the cell is printed (PDF only)."""
    page: int = Field(ge=1)
    """1-based page the cell is printed on."""
    footnote_refs: list[FootnoteRef] = Field(default_factory=list)
    """Footnote markers removed from the cell's text."""


class Table(Dated):
    """A table as printed (its grid of cells) and, when it holds figures, what they count."""

    _dated: ClassVar[tuple[str, ...]] = ("source_date",)

    id: str
    """Table id, unique in the report, e.g. ``t2``."""
    page: int = Field(ge=1)
    """First page the table is printed on."""
    pages: list[int]
    """Every page the table is printed on (a table may run over a page break)."""
    n_rows: int = Field(ge=0)
    """Rows of the grid, header rows included."""
    n_cols: int = Field(ge=0)
    """Columns of the grid, the stub column included."""
    cells: list[Cell]
    """The printed cells, row by row."""
    bbox: BBox | None = None
    """Where the table is printed on its first page (PDF only)."""
    ruled: bool = False
    """True when the grid came from ruling lines, False when from text alignment."""
    flattened: bool = False
    """True when the table arrived flattened to words and numbers (a text rendition) and was
    rebuilt from the count of figures per row: check it against the original layout."""
    caption: str | None = None
    """The caption printed with the table (``Table 1: IDPs in Mopti region. Source: …``)."""
    caption_block_id: str | None = None
    """Id of the caption block, when a caption was found."""
    # What the table means (filled by extractors.tables; None for tables that hold no figures).
    population: Literal["idps", "idp_returnees", "returnees_from_abroad", "refugees", "casualties", "events"] | None = (
        None
    )
    """What the figures count: ``idps``, ``idp_returnees``, ``returnees_from_abroad``,
    ``refugees``, ``casualties``, ``events`` (from the caption or header)."""
    source: str | None = None
    """The source named in the caption (``IOM DTM Mali``)."""
    source_date: IsoDate | None = None
    """The date the caption gives the source's figures (``as of 31 October 2020``)."""
    source_date_precision: DatePrecision | None = None
    """``day``, ``month`` or ``year``: the form of ``source_date`` (set by the validator)."""
    row_dimension: Literal["period", "place", "label"] | None = None
    """``period``, ``place`` or ``label``: what the stub column's labels are."""
    column_dimension: Literal["period", "place", "label"] | None = None
    """``period``, ``place`` or ``label``: what the header row's labels are."""
    header_rows: int = Field(0, ge=0)
    """How many rows at the top are headers."""
    total_row: int | None = Field(None, ge=0)
    """Grid row of the printed total row (``Total``), if any; its cells are totals, not data."""
    total_col: int | None = Field(None, ge=0)
    """Grid column of the printed total column, if any; its cells are totals, not data."""

    def grid(self) -> list[list[str]]:
        """Cell texts as a list of rows (empty string where no cell is printed)."""
        rows = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for cell in self.cells:
            rows[cell.row][cell.col] = cell.text
        return rows


class BlockBase(Model):
    """Where a block is: what the output JSON keeps of every block."""

    id: str
    """``p<page>-b<index>``, e.g. ``p3-b12``."""
    kind: BlockKind
    """What the block is."""
    page: int = Field(ge=1)
    """1-based page number (a text input's pages are separated by form feeds; one page without)."""
    start: int = Field(ge=0)
    """Start of the block's text in ``Document.text``."""
    end: int = Field(ge=0)
    """End (exclusive) of the block's text in ``Document.text``."""
    bbox: BBox | None = None
    """Where the block is printed on its page (PDF only)."""
    section: list[str] = Field(default_factory=list)
    """Numbers (or titles, for unnumbered headings) of the enclosing sections, outermost first."""
    footnote_refs: list[FootnoteRef] = Field(default_factory=list)
    """Footnote markers removed from the block's text, with where they stood."""
    footnote_number: int | None = Field(None, ge=0)
    """For footnote blocks: the number of the footnote whose text this is."""
    locator: str | None = None
    """Where the block stands in an input without pages or boxes: its CSS path in an HTML
    page (``main > p:nth-of-type(3)``), its place in a Word body (``body/p[12]``)."""


class Block(BlockBase):
    text: str
    """The block's text, footnote markers removed, lines joined."""
    level: int | None = Field(None, ge=1)
    """Heading level (1 for ``1.``, 2 for ``1.4``); None for other kinds."""
    table: Table | None = None
    """For table blocks: the table."""
    continues: bool = False
    """True when this block was joined from pieces split by a page break or footnotes."""
    ocr: bool = False
    """True when the text was read by OCR from a page image (check it against the page)."""
    table_not_rebuilt: str | None = None
    """Why the rows of figures in this (flattened) block were not rebuilt as a table."""
    ocr_confidence: float | None = None
    """For OCR text: the engine's mean word confidence over the block, 0-1."""


class Page(Model):
    """One page and its blocks in reading order."""

    number: int = Field(ge=1)
    """1-based page number."""
    width: float | None = None
    """Page width in PDF points (the PDF reader sets it; None for text inputs, which have no geometry)."""
    height: float | None = None
    """Page height in PDF points (None for text inputs). Every bbox on the page is measured from
    its top-left corner, y growing downwards."""
    blocks: list[Block] = Field(default_factory=list)
    """The page's blocks in reading order."""


class Document(Model):
    """A report as read: its pages, blocks and normalized text."""

    id: str
    """sha256 of the input bytes."""
    source_path: str
    """The input path as given."""
    kind: InputKind
    """What the input was read as."""
    page_count: int = Field(ge=0)
    """Pages of the input (1 for a text input)."""
    pipeline_version: str
    """Version of coi-extract that read it."""
    language: str = Field("en", pattern=r"^[a-z]{2}$")
    """ISO 639-1 code of the report's language (detected unless given)."""
    encoding: str | None = None
    """How a text input was decoded (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``)."""
    text: str = ""
    """The normalized text: every block's text, in reading order, separated by a blank line."""
    pages: list[Page] = Field(default_factory=list)
    """The pages in order."""
    warnings: list[str] = Field(default_factory=list)
    """What the reader noticed (e.g. a page read by OCR)."""
    properties: dict[str, str] = Field(default_factory=dict)
    """What the file says about itself (HTML ``<meta>``, Word core properties): ``title``,
    ``author``, ``published``, ``url``."""

    def blocks(self) -> list[Block]:
        return [block for page in self.pages for block in page.blocks]
