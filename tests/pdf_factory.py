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


def borderless_table_pdf() -> bytes:
    """A borderless table of another country (Burkina Faso's Sahel provinces) whose label
    and header cells wrap onto two lines and which continues on page 2 under a repeated
    header, with comma thousands separators and one printed total that does not add up."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    cols = [20, 48, 70, 92, 114]  # mm
    header = [("Month/", "Province"), ("Soum", ""), ("Ouda", "lan"), ("Seno", ""), ("Total", "")]
    rows = [
        (("Janu", "ary 2021"), "1,200", "300", "2,079", "3,579"),
        (("Febru", "ary 2021"), "1,250", "-", "2,100", "3,350"),
        (("March", "2021"), "1,300", "N/A", "2,200", "3,500"),
        (("April", "2021"), "1,400", "310", "2,300", "4,010"),  # 1,400 + 310 + 2,300 = 4,010
        (("May", "2021"), "1,450", "320", "2,350", "4,100"),  # printed 4,100, adds up to 4,120
    ]

    def put_header(y: float) -> float:
        pdf.set_font("Helvetica", size=9)
        for x, (a, b) in zip(cols, header):
            pdf.text(x, y, a)
            if b:
                pdf.text(x, y + 4, b)
        pdf.line(cols[0], y + 6, 135, y + 6)
        return y + 12

    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.text(20, 20, "Displacement in the Sahel region of Burkina Faso continued to grow.")
    y = put_header(40)
    for i, (label, *figures) in enumerate(rows):
        if i == 3:  # page break: the table goes on under a repeated header
            pdf.add_page()
            y = put_header(20)
        pdf.set_font("Helvetica", size=9)
        pdf.text(cols[0], y, label[0])
        pdf.text(cols[0], y + 4, label[1])
        for x, value in zip(cols[1:], figures):
            pdf.text(x, y, value)
        y += 10
    pdf.set_font("Helvetica", size=10)
    pdf.text(20, y + 4, "Table 1: Refugees in Sahel region. Source: Invented Agency, 30 June 2021, url")
    return bytes(pdf.output())
