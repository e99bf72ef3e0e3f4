"""Every tunable of the PDF reader, in one frozen, validated place.

Like pdfplumber's table settings: each value is named once, says what it measures and in
which unit (points, a share of the font size, of the page or of the text width), and a
value out of its bounds, a misspelt name or a wrong type raises when the settings are made,
not pages later. ``PdfSettings(segment_gap=2.0)`` is the defaults with one change.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PdfSettings(BaseModel):
    """How the PDF reader turns characters and ruling lines into lines, tables and blocks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # -- characters
    bold_font_words: tuple[str, ...] = Field(
        ("bold", "black", "heavy", "semibold"),
        min_length=1,
        description="A font whose name contains one of these words (any case) is bold.",
    )
    bold_min_weight: int = Field(
        600, gt=0, le=1000, description="A font of at least this weight (CSS scale, 400 regular) is bold."
    )

    reopen_pages: int = Field(
        200,
        ge=1,
        description="pdfium is given the document afresh after this many pages: it keeps every page it "
        "has parsed until the document closes, so a long report's memory would grow with its length.",
    )
    unpacked_pages: int = Field(
        50,
        ge=0,
        description="The lines of this many first pages wait for layout as they were read; those of later "
        "pages are packed (a third of their size): a long report's memory stays bounded, and a short one "
        "is not packed and unpacked again for nothing (the layout is the same either way).",
    )

    # -- lines and superscripts
    baseline_tolerance: float = Field(
        0.3, gt=0, description="Chars whose baselines differ by less than this share of the font size share a line."
    )
    superscript_size_ratio: float = Field(
        0.8, gt=0, le=1, description="A char at most this share of its line's font size may be a superscript."
    )
    superscript_rise: float = Field(
        0.2, ge=0, description="... if its baseline is raised by at least this share of the line's font size."
    )
    superscript_max_rise: float = Field(
        0.8, gt=0, description="... and, as a group of its own, by at most this share (higher is a line of its own)."
    )
    superscript_lookahead: int = Field(
        3, ge=1, description="A group of small chars is looked up to this many baseline groups below for its line."
    )
    superscript_reach: float = Field(
        2.0, ge=0, description="Superscripts stand within this many font sizes of their line's left and right ends."
    )
    segment_gap: float = Field(
        1.0,
        gt=0,
        description="A horizontal gap wider than this share of the font size ends a line segment "
        "(table cells and two-column cover tables are made of segments).",
    )
    space_gap: float = Field(
        0.15, gt=0, description="A gap wider than this share of the font size between two chars is a word space."
    )

    # -- blocks
    paragraph_leading: float = Field(
        1.45,
        gt=0,
        description="Lines further apart than this many font sizes (baseline to baseline) start a new "
        "block; a one-segment line this close below a borderless table is a wrapped cell.",
    )
    block_size_change: float = Field(
        1.0, ge=0, description="Lines whose font sizes differ by more than this many points are in different blocks."
    )
    body_size_tolerance: float = Field(
        0.6, gt=0, description="A line within this many points of the body font size is body text."
    )
    heading_size_delta: float = Field(
        1.5, ge=0, description="A short block at least this many points larger than the body is a heading."
    )
    heading_bold_slack: float = Field(
        0.5, ge=0, description="A short bold block at most this many points smaller than the body is a heading."
    )
    heading_max_chars: int = Field(200, gt=0, description="A heading is at most this many characters long ...")
    heading_max_lines: int = Field(3, gt=0, description="... and at most this many lines.")

    # -- footnotes and running headers
    footnote_rule_max_width: float = Field(
        0.55,
        gt=0,
        le=1,
        description="The footnote separator is a horizontal rule at most this share of the text width ...",
    )
    footnote_rule_indent: float = Field(
        20.0, ge=0, description="... that starts within this many points of the text's left margin."
    )
    running_margin: float = Field(
        0.09,
        gt=0,
        lt=0.5,
        description="Lines in this top or bottom share of the page may be running headers or footers ...",
    )
    running_min_share: float = Field(
        0.5, gt=0, le=1, description="... when they repeat (digits ignored) on at least this share of the pages ..."
    )
    running_min_pages: int = Field(3, ge=1, description="... of a document of at least this many pages.")

    # -- ruling lines and ruled tables
    rule_max_thickness: float = Field(
        2.5, gt=0, description="A path object thinner than this many points is a ruling line."
    )
    rect_max_width: float = Field(
        0.95, gt=0, le=1, description="A drawn rectangle narrower than this share of the page width ..."
    )
    rect_max_height: float = Field(
        0.5,
        gt=0,
        le=1,
        description="... and lower than this share of its height is a table cell's border (its four sides are rules).",
    )
    snap_tolerance: float = Field(3.0, ge=0, description="pdfplumber snaps parallel edges within this many points ...")
    join_tolerance: float = Field(3.0, ge=0, description="... joins collinear edges within this many points ...")
    intersection_tolerance: float = Field(
        3.0,
        ge=0,
        description="... and lets edges meet within this many points (also: a rule met by a vertical one is no footnote separator).",
    )
    ruled_area_margin: float = Field(
        2.0, ge=0, description="A line reaching within this many points of a ruled cell or vertical rule is inside it."
    )
    cell_char_margin: float = Field(
        1.0, ge=0, description="A char whose centre lies within this many points of a ruled cell is in that cell."
    )
    prose_min_width: float = Field(
        0.5,
        gt=0,
        le=1,
        description="A one-segment line wider than this share of the page, outside every ruled area, "
        "is prose: its per-char records are dropped after layout.",
    )

    # -- borderless tables
    column_tolerance: float = Field(
        8.0, gt=0, description="Segment starts within this many points are one column of a borderless table."
    )
    row_gap_ratio: float = Field(
        1.15,
        ge=1,
        description="A gap between lines wider than the table's own line spacing times this starts a new row.",
    )
    aligned_start_tolerance: float = Field(
        3.0,
        ge=0,
        description="A one-segment line starting within this many points of a table's segment start is a wrapped cell.",
    )

    # -- two-column pages
    columns_search: float = Field(
        0.4, gt=0, le=1, description="The gutter is looked for in this middle share of the page width ..."
    )
    columns_step: float = Field(2.0, gt=0, description="... every this many points.")
    columns_min_lines: int = Field(
        2, ge=1, description="At least this many lines on each side stand clear of the gutter ..."
    )
    columns_min_fill: float = Field(
        0.6,
        gt=0,
        le=1,
        description="... each side filled by one-segment lines of at least this share of the column's "
        "width (median) ...",
    )
    columns_min_balance: float = Field(
        0.7,
        gt=0,
        le=1,
        description="... the narrower column at least this share of the wider: prose, not a borderless "
        "table or labels beside their values.",
    )
    columns_break_lines: float = Field(
        0.3,
        ge=0,
        description="A bold or larger line in one column, the other empty this many line heights above and "
        "below it, is a full-width heading between two runs of columns ...",
    )
    columns_break_size_delta: float = Field(
        1.0, ge=0, description="... where larger means at least this many points above the columns' text size."
    )

    # -- OCR
    ocr_dpi: int = Field(
        300, gt=0, le=1200, description="Pages without a text layer are rendered at this resolution for tesseract."
    )

    @model_validator(mode="after")
    def _consistent(self) -> PdfSettings:
        if self.superscript_rise > self.superscript_max_rise:
            raise ValueError(
                f"superscript_rise ({self.superscript_rise}) is above superscript_max_rise ({self.superscript_max_rise})"
            )
        if self.space_gap >= self.segment_gap:
            raise ValueError(
                f"space_gap ({self.space_gap}) must be below segment_gap ({self.segment_gap}): "
                "a gap that ends a segment is wider than a word space"
            )
        return self


PDF_SETTINGS = PdfSettings()
"""The defaults, used wherever no settings are passed."""
