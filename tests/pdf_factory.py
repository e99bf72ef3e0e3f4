"""Small PDFs the tests build themselves (fpdf2), so no binary fixture is committed."""

from __future__ import annotations

from fpdf import FPDF


def _footnote(pdf: FPDF, y: float, number: str, text: str) -> None:
    """A footnote line at ``y`` (mm): a small raised number, then the text in 8 pt."""
    pdf.set_font("Helvetica", size=5)
    pdf.text(10, y - 1.2, number)
    pdf.set_font("Helvetica", size=8)
    pdf.text(12, y, text)


def sample_report_pdf() -> bytes:
    """Two A4 pages: headings, a superscript marker after a year, a footnote under a short
    rule, a paragraph running over the page break, line-end hyphens, a ruled table."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, "1. Security situation", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 5, "Attacks rose sharply in 2020", new_x="END")
    pdf.char_vpos = "SUP"
    pdf.cell(0, 5, "3", new_x="LMARGIN", new_y="NEXT")
    pdf.char_vpos = "LINE"
    for line in ["according to the regional organization and to", "several counter-",
                 "terrorism units, while the organiza-", "tion of patrols changed in the"]:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(0, 8, "1.1. Armed groups", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 5, "The group was active in the north and its fighters moved between", new_x="LMARGIN", new_y="NEXT")
    pdf.line(10, 260, 60, 260)
    _footnote(pdf, 266, "3", "Invented Monitor, Annual review, 2 March 2021, p. 7")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 5, "villages near the border during the rainy season.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    with pdf.table(col_widths=(40, 30, 30), text_align="LEFT", first_row_as_headings=False) as table:
        for row in [("Month", "North", "Total"), ("May 2021", "1 200", "1 200"), ("June 2021", "-", "N/A")]:
            r = table.row()
            for cell in row:
                r.cell(cell)
    pdf.ln(4)
    pdf.cell(0, 5, "Table 1: Invented figures. Source: Invented Monitor, 2021", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """A page with a drawing and no text, as a scan would look to a text extractor."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def encrypted_pdf(user_password: str, owner_password: str) -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(sample_report_pdf())))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def running_headers_pdf(pages: int = 3) -> bytes:
    """Pages with a repeated header line and a page-number footer around body text."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.text(10, 10, "Invented COI Report - Sahel - March 2021")
        pdf.text(100, 290, f"{n}")
        pdf.set_font("Helvetica", size=10)
        pdf.set_xy(10, 40)
        pdf.cell(0, 5, f"Body text of page {n} ends here.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
