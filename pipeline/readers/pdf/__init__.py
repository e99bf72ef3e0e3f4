"""The PDF reader: bytes of a PDF → draft pages of blocks and tables, with pypdfium2.

pdfium gives every character with its box, baseline and font size at ~100× the speed
of pdfminer, and every ruling line as a path object. From those the reader builds the
page the way a reader sees it, as a chain of small functions, one module each:

- :mod:`.backend` — what pdfium is asked: ``page_to_chars`` (``page_to_char_groups``, in C
  when the compiled helper ``_chars.c`` is built), ``page_to_rules``;
- :mod:`.lines` — ``chars_to_lines`` (superscript markers folded into their line as ``⁰-⁹``);
- :mod:`.columns` — ``split_columns`` (a two-column page cut at its gutter, with its
  reading order: full-width bands and column runs);
- :mod:`.tables` — ``rules_to_grids`` (pdfplumber's own edge → intersection → cell → table
  functions), ``grid_to_table``, borderless ``lines_to_aligned_table``;
- :mod:`.footnotes` — ``split_footnote_area``, ``footnote_lines_to_blocks``;
- :mod:`.running` — running headers and footers found across pages, ``mark_running_lines``;
- :mod:`.blocks` — ``lines_to_blocks`` (paragraphs, headings, list items);
- :mod:`.ocr` — pages without a text layer read by tesseract, ``ocr_pages``;
- :mod:`.packed` — a page's lines in little memory while the rest of the document is read;
- :mod:`.document` — ``read_pdf`` (and ``pdf_to_pages``), the whole chain over a document: each page read,
  tallied (what layout needs of the whole document) and packed (``read_pdf_pages``), then laid
  out page by page (``lay_out_read``).

Every tunable lives in :class:`PdfSettings` (:data:`PDF_SETTINGS` are the defaults),
frozen and validated when made.
"""

from .document import ReadPages, ReadPdf, lay_out_pages, lay_out_read, pdf_to_pages, read_pdf, read_pdf_pages
from .lines import release_chars_of_plain_page
from .objects import Char, Line, Rule
from .settings import PDF_SETTINGS, PdfSettings

__all__ = [
    "PDF_SETTINGS",
    "Char",
    "Line",
    "PdfSettings",
    "ReadPages",
    "ReadPdf",
    "Rule",
    "lay_out_pages",
    "lay_out_read",
    "pdf_to_pages",
    "read_pdf",
    "read_pdf_pages",
    "release_chars_of_plain_page",
]
