"""The document model: Document → Page → Block (→ Table → Cell).

Every block knows its page, its character span in the document's normalized text
(``Document.text``), its bounding box on the page (PDF only), the footnote markers it
carries and the section it stands in. Everything downstream (structure, tables, facts)
reads this model and never the raw input again.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

BBox = tuple[float, float, float, float]
"""(x0, top, x1, bottom) in PDF points, origin at the page's top-left corner."""


class InputKind(str, Enum):
    pdf = "pdf"
    text = "text"
    html = "html"
    docx = "docx"


class BlockKind(str, Enum):
    heading = "heading"
    paragraph = "paragraph"
    list_item = "list_item"
    table = "table"
    caption = "caption"
    footnote = "footnote"
    header = "header"
    footer = "footer"


class FootnoteRef(BaseModel):
    """A footnote marker that was removed from a block's text.

    ``offset`` is where the marker stood, as a character offset into ``Block.text``
    (so ``2020²`` gives text ``2020`` and a ref with number 2 at offset 4).
    """

    model_config = ConfigDict(frozen=True)

    number: int
    offset: int


class Cell(BaseModel):
    row: int
    col: int
    text: str
    """Cell text with line breaks folded to spaces, footnote markers removed."""
    raw: str
    """Cell text as printed, line breaks kept."""
    bbox: BBox | None = None
    page: int
    footnote_refs: list[FootnoteRef] = Field(default_factory=list)


class Table(BaseModel):
    id: str
    page: int
    """First page the table is printed on."""
    pages: list[int]
    n_rows: int
    n_cols: int
    cells: list[Cell]
    bbox: BBox | None = None
    ruled: bool = False
    """True when the grid came from ruling lines, False when from text alignment."""
    caption: str | None = None
    """The caption printed with the table (``Table 1: IDPs in Mopti region. Source: …``)."""
    caption_block_id: str | None = None
    # What the table means (filled by extractors.tables; None for tables that hold no figures).
    population: str | None = None
    """What the figures count: ``idps``, ``idp_returnees``, ``returnees_from_abroad``,
    ``refugees``, ``casualties``, ``events`` (from the caption or header)."""
    source: str | None = None
    """The source named in the caption (``IOM DTM Mali``)."""
    source_date: str | None = None
    row_dimension: str | None = None
    """``period``, ``place`` or ``label``: what the stub column's labels are."""
    column_dimension: str | None = None
    header_rows: int = 0
    total_row: int | None = None
    total_col: int | None = None

    def grid(self) -> list[list[str]]:
        """Cell texts as a list of rows (empty string where no cell is printed)."""
        rows = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for cell in self.cells:
            rows[cell.row][cell.col] = cell.text
        return rows


class BlockBase(BaseModel):
    """Where a block is: what the output JSON keeps of every block."""

    id: str
    kind: BlockKind
    page: int
    """1-based page number (text inputs have one page)."""
    start: int
    """Start of the block's text in ``Document.text``."""
    end: int
    bbox: BBox | None = None
    section: list[str] = Field(default_factory=list)
    """Numbers (or titles, for unnumbered headings) of the enclosing sections, outermost first."""
    footnote_refs: list[FootnoteRef] = Field(default_factory=list)
    footnote_number: int | None = None
    """For footnote blocks: the number of the footnote whose text this is."""
    locator: str | None = None
    """Where the block stands in an input without pages or boxes: its CSS path in an HTML
    page (``main > p:nth-of-type(3)``), its place in a Word body (``body/p[12]``)."""


class Block(BlockBase):
    text: str
    level: int | None = None
    """Heading level (1 for ``1.``, 2 for ``1.4``); None for other kinds."""
    table: Table | None = None
    continues: bool = False
    """True when this block was joined from pieces split by a page break or footnotes."""
    ocr: bool = False
    """True when the text was read by OCR from a page image (check it against the page)."""
    ocr_confidence: float | None = None
    """For OCR text: the engine's mean word confidence over the block, 0-1."""


class Page(BaseModel):
    number: int
    width: float | None = None
    height: float | None = None
    blocks: list[Block] = Field(default_factory=list)


class Document(BaseModel):
    id: str
    """sha256 of the input bytes."""
    source_path: str
    kind: InputKind
    page_count: int
    pipeline_version: str
    language: str = "en"
    """ISO 639-1 code of the report's language (detected unless given)."""
    encoding: str | None = None
    """How a text input was decoded (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``)."""
    text: str = ""
    """The normalized text: every block's text, in reading order, separated by a blank line."""
    pages: list[Page] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    properties: dict[str, str] = Field(default_factory=dict)
    """What the file says about itself (HTML ``<meta>``, Word core properties): ``title``,
    ``author``, ``published``, ``url``."""

    def blocks(self) -> list[Block]:
        return [block for page in self.pages for block in page.blocks]
