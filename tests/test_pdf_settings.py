"""The PDF reader's settings: one frozen, validated place for every tunable."""

from __future__ import annotations

import pytest
from pdf_factory import sample_report_pdf
from pydantic import ValidationError

from pipeline.readers.pdf import PDF_SETTINGS, PdfSettings, pdf_to_pages
from schemas.document import BlockKind

# The values the reader used before its tunables were gathered here: the old settings
# dict, and the literals that were written into the code (the paragraph spacing twice).
OLD_VALUES = {
    "superscript_size_ratio": 0.8,
    "superscript_rise": 0.2,
    "baseline_tolerance": 0.3,
    "segment_gap": 1.0,
    "space_gap": 0.15,
    "paragraph_leading": 1.45,
    "heading_size_delta": 1.5,
    "heading_max_chars": 200,
    "footnote_rule_max_width": 0.55,
    "running_margin": 0.09,
    "running_min_share": 0.5,
    "rule_max_thickness": 2.5,
    "snap_tolerance": 3.0,
    "join_tolerance": 3.0,
    "intersection_tolerance": 3.0,
    "column_tolerance": 8.0,
    "row_gap_ratio": 1.15,
    "columns_search": 0.4,
    "columns_min_lines": 2,
    "columns_min_fill": 0.6,
    "columns_min_balance": 0.7,
    "columns_break_lines": 0.3,
    # literals until now
    "bold_font_words": ("bold", "black", "heavy", "semibold"),
    "bold_min_weight": 600,
    "superscript_max_rise": 0.8,
    "superscript_lookahead": 3,
    "superscript_reach": 2.0,
    "block_size_change": 1.0,
    "body_size_tolerance": 0.6,
    "heading_bold_slack": 0.5,
    "heading_max_lines": 3,
    "footnote_rule_indent": 20.0,
    "running_min_pages": 3,
    "rect_max_width": 0.95,
    "rect_max_height": 0.5,
    "ruled_area_margin": 2.0,
    "cell_char_margin": 1.0,
    "prose_min_width": 0.5,
    "aligned_start_tolerance": 3.0,
    "columns_step": 2.0,
    "columns_break_size_delta": 1.0,
    "ocr_dpi": 300,
    # added with the bounded-memory reading (issue 17): changes no output
    "reopen_pages": 200,
    "unpacked_pages": 50,
}


def test_defaults_are_the_values_the_reader_used():
    assert PDF_SETTINGS.model_dump() == OLD_VALUES
    assert PdfSettings() == PDF_SETTINGS


def test_every_setting_says_what_it_measures():
    assert all(field.description for field in PdfSettings.model_fields.values())


@pytest.mark.parametrize(
    "bad",
    [
        {"segment_gap": 0},
        {"space_gap": -0.1},
        {"running_margin": 0.5},
        {"footnote_rule_max_width": 1.5},
        {"row_gap_ratio": 0.9},
        {"columns_min_lines": 0},
        {"heading_max_chars": 12.5},
        {"ocr_dpi": 0},
        {"bold_font_words": ()},
        {"paragraph_leading": "wide"},
    ],
)
def test_a_value_out_of_bounds_raises_when_made(bad):
    with pytest.raises(ValidationError) as info:
        PdfSettings(**bad)
    assert next(iter(bad)) in str(info.value)


def test_inconsistent_values_raise():
    with pytest.raises(ValidationError, match="space_gap"):
        PdfSettings(space_gap=1.2)  # wider than the gap that ends a segment
    with pytest.raises(ValidationError, match="superscript_rise"):
        PdfSettings(superscript_rise=0.9)


def test_a_misspelt_name_raises_and_settings_cannot_change():
    with pytest.raises(ValidationError, match="paragraph_spacing"):
        PdfSettings(paragraph_spacing=1.2)
    with pytest.raises(ValidationError):
        PDF_SETTINGS.segment_gap = 3.0  # frozen: one default shared by every caller
    assert PdfSettings(segment_gap=2).segment_gap == 2.0


def test_settings_reach_the_reader():
    """A setting changes what is read: headings end where ``heading_max_chars`` says."""
    data = sample_report_pdf()
    default, _, _ = pdf_to_pages(data, "sample.pdf")
    short, _, _ = pdf_to_pages(data, "sample.pdf", PdfSettings(heading_max_chars=10))

    def headings(pages):
        return [b.text for page in pages for b in page.blocks if b.kind is BlockKind.heading]

    # (draft pages: the table's caption is told from a heading later, by the assembler)
    assert headings(default) == [
        "1. Security situation",
        "1.1. Armed groups",
        "Table 1: Invented figures. Source: Invented Monitor, 2021",
    ]
    assert headings(short) == []
