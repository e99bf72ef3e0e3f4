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


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written object by object (for page trees no library would write)."""
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def cyclic_page_tree_pdf() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>"])


def deep_page_tree_pdf(depth: int = 3000) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    objects += [f"<< /Type /Pages /Kids [{i + 3} 0 R] /Count 1 >>".encode() for i in range(depth)]
    objects.append(b"<< /Type /Page /MediaBox [0 0 100 100] >>")
    return raw_pdf(objects)


def many_pages_pdf(pages: int) -> bytes:
    import io

    import pypdfium2 as pdfium

    one = pdfium.PdfDocument(sample_report_pdf())
    out = pdfium.PdfDocument.new()
    while len(out) < pages:
        out.import_pages(one, [0])
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def broken_xref_pdf() -> bytes:
    data = sample_report_pdf()
    i = data.rfind(b"startxref")
    return data[:i] + b"startxref\n123\n%%EOF\n"


def scanned_pdf(text: str = "On 4 June 2021, at least 132 civilians were killed in Solhan.") -> bytes:
    """A page image of printed text, with no text layer (as a scanner makes it)."""
    import io

    import pypdfium2 as pdfium
    from fpdf import FPDF

    page = FPDF(format="A4")
    page.add_page()
    page.set_font("Helvetica", size=14)
    page.multi_cell(0, 8, text)
    image = pdfium.PdfDocument(bytes(page.output()))[0].render(scale=3).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    scan = FPDF(format="A4")
    scan.add_page()
    scan.image(buffer, x=0, y=0, w=210)
    return bytes(scan.output())
