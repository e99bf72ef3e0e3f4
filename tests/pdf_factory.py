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
    for line in [
        "according to the regional organization and to",
        "several counter-",
        "terrorism units, while the organiza-",
        "tion of patrols changed in the",
    ]:
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
        for x, (a, b) in zip(cols, header, strict=False):
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
        for x, value in zip(cols[1:], figures, strict=False):
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
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
        ]
    )


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


# ---------------------------------------------------------------- two-column pages

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
_ASCII = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})


class TwoColumnWriter:
    """Lays out a :class:`Document` the way UN and OCHA reports print: headings, tables and
    captions across the page, paragraphs and list items in two balanced columns between
    them, footnotes at the foot of the page where their marker stands (under a short rule),
    a page number at the bottom. Markers are small raised numbers, as a word processor sets them."""

    LEFT, TOP, BOTTOM, WIDTH, GUTTER = 15.0, 18.0, 280.0, 180.0, 8.0
    BODY, LEADING, NOTE, NOTE_LEADING = 9.0, 4.2, 7.0, 3.2

    def __init__(self) -> None:
        from pathlib import Path

        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(False)
        regular = next((Path(d) / "DejaVuSans.ttf" for d in _FONT_DIRS if (Path(d) / "DejaVuSans.ttf").exists()), None)
        if regular is not None and (regular.parent / "DejaVuSans-Bold.ttf").exists():
            self.pdf.add_font("Body", "", str(regular))
            self.pdf.add_font("Body", "B", str(regular.parent / "DejaVuSans-Bold.ttf"))
            self.family, self.clean = "Body", (lambda s: s)
        else:  # the core font holds Latin-1 only
            self.family, self.clean = (
                "Helvetica",
                (lambda s: s.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")),
            )
        self.col_width = (self.WIDTH - self.GUTTER) / 2
        self.wrapped: dict[tuple, list[str]] = {}
        self.notes: dict[int, str] = {}
        self.printed: set[int] = set()
        self.page_notes: list[int] = []
        self.y = self.TOP
        self._new_page(first=True)

    # -- measuring
    def _wrap(self, text: str, width: float, size: float, style: str = "") -> list[str]:
        key = (text, width, size, style)
        if key not in self.wrapped:
            self.pdf.set_font(self.family, style, size)
            self.wrapped[key] = self.pdf.multi_cell(width, 4, self.clean(text), dry_run=True, output="LINES") or [""]
        return self.wrapped[key]

    def _note_height(self, numbers: list[int]) -> float:
        lines = sum(len(self._wrap(self.notes.get(n, ""), self.WIDTH - 3, self.NOTE)) for n in numbers)
        return lines * self.NOTE_LEADING + (5 if numbers else 0)

    def _limit(self, extra: list[int]) -> float:
        wanted = self.page_notes + [
            n for n in dict.fromkeys(extra) if n not in self.page_notes and n not in self.printed
        ]
        return self.BOTTOM - self._note_height(wanted)

    # -- pages
    def _new_page(self, first: bool = False) -> None:
        if not first:
            self._print_notes()
        self.pdf.add_page()
        self.page_no = self.pdf.page_no()
        self.pdf.set_font(self.family, "", 8)
        self.pdf.text(103, 290, str(self.page_no))
        self.page_notes, self.y = [], self.TOP

    def _print_notes(self) -> None:
        if not self.page_notes:
            return
        y = self.BOTTOM - self._note_height(self.page_notes) + 3
        self.pdf.line(self.LEFT, y - 1.5, self.LEFT + 50, y - 1.5)
        for number in self.page_notes:
            lines = self._wrap(self.notes.get(number, ""), self.WIDTH - 3, self.NOTE)
            self.pdf.set_font(self.family, "", 5)
            self.pdf.text(self.LEFT, y + 1.8, str(number))
            self.pdf.set_font(self.family, "", self.NOTE)
            for line in lines:
                y += self.NOTE_LEADING
                self.pdf.text(self.LEFT + 3, y, line)
            self.printed.add(number)
        self.page_notes = []

    def _take_notes(self, numbers: list[int]) -> None:
        for n in numbers:
            if n not in self.page_notes and n not in self.printed and n in self.notes:
                self.page_notes.append(n)

    # -- drawing a line with raised markers
    def _line(
        self, x: float, y: float, text: str, markers: list[tuple[int, int]], size: float, style: str = ""
    ) -> None:
        pos = 0
        for offset, number in sorted(markers) + [(len(text), None)]:
            piece = self.clean(text[pos:offset])
            self.pdf.set_font(self.family, style, size)
            self.pdf.text(x, y, piece)
            x += self.pdf.get_string_width(piece)
            if number is not None:
                self.pdf.set_font(self.family, "", size * 0.62)
                self.pdf.text(x + 0.15, y - size * 0.13, str(number))
                x += self.pdf.get_string_width(str(number)) + 0.3
            pos = offset

    def _lines_of(
        self, text: str, refs, width: float, size: float, style: str = ""
    ) -> list[tuple[str, list[tuple[int, int]]]]:
        """Wrapped lines, each with its (offset, number) markers."""
        out, pos = [], 0
        source = self.clean(text)
        lines = self._wrap(text, width, size, style)
        for i, line in enumerate(lines):
            start = source.find(line, pos) if line else pos
            start = pos if start < 0 else start
            end = start + len(line)
            last = i == len(lines) - 1
            marks = [
                (r.offset - start, r.number)
                for r in refs
                if start <= r.offset <= end and (r.offset < end or last or r.offset == end)
            ]
            refs = [r for r in refs if not (start <= r.offset <= end)]
            out.append((line, marks))
            pos = end
        return out

    # -- blocks
    def full_width(self, text: str, refs, size: float, style: str, gap: float) -> None:
        lines = self._lines_of(text, list(refs), self.WIDTH, size, style)
        numbers = [n for _, marks in lines for _, n in marks]
        height = gap + len(lines) * (size * 0.5)
        if self.y + height > self._limit(numbers):
            self._new_page()
        self.y += gap
        for line, marks in lines:
            self.y += size * 0.5
            self._line(self.LEFT, self.y, line, marks, size, style)
        self._take_notes(numbers)
        self.y += 1.5

    def table(self, table) -> None:
        rows = table.grid()
        first = 34.0 if table.n_cols > 3 else 60.0
        widths = [first] + [(self.WIDTH - first) / max(1, table.n_cols - 1)] * (table.n_cols - 1)
        height = 2 + sum(
            max(len(self._wrap(t, w - 2, 7)) for t, w in zip(row, widths, strict=False)) * 3.6 + 1.6 for row in rows
        )
        if self.y + height > self._limit([]):
            self._new_page()
        self.pdf.set_font(self.family, "", 7)
        self.pdf.set_xy(self.LEFT, self.y + 2)
        with self.pdf.table(
            col_widths=widths, width=self.WIDTH, text_align="LEFT", first_row_as_headings=False, line_height=3.6
        ) as grid:
            for row in rows:
                out = grid.row()
                for text in row:
                    out.cell(self.clean(text))
        self.y = self.pdf.get_y() + 2

    def columns(self, paragraphs: list[tuple[str, list]]) -> None:
        """Paragraphs (text, refs) in two columns: balanced when the run ends on the page,
        else the left column filled, then the right, then on to the next page."""
        lines: list[tuple[str, list, float]] = []
        for text, refs in paragraphs:
            for i, (line, marks) in enumerate(self._lines_of(text, list(refs), self.col_width, self.BODY)):
                lines.append((line, marks, self.LEADING + (2.0 if i == 0 else 0.0)))
        while lines:
            numbers = [n for _, marks, _ in lines for _, n in marks]
            room = self._limit(numbers) - self.y
            total = sum(h for _, _, h in lines)
            if total <= 2 * room - 2 * self.LEADING:
                split, best = 0, float("inf")
                acc = 0.0
                for k in range(len(lines) + 1):
                    worst = max(acc, total - acc)
                    if worst < best and acc <= room and total - acc <= room:
                        split, best = k, worst
                    if k < len(lines):
                        acc += lines[k][2]
                left, right, rest = lines[:split], lines[split:], []
            else:
                left, right, rest = self._fill(lines)
            bottom = self.y
            for x, part in ((self.LEFT, left), (self.LEFT + self.col_width + self.GUTTER, right)):
                y = self.y
                for j, (line, marks, h) in enumerate(part):
                    y += h if j else self.LEADING
                    self._line(x, y, line, marks, self.BODY)
                    self._take_notes([n for _, n in marks])
                bottom = max(bottom, y)
            self.y = bottom + 2.5
            lines = rest
            if rest:
                self._new_page()

    def _fill(self, lines):
        taken: list[int] = []
        parts = []
        i = 0
        left_bottom = self.y
        for _ in range(2):
            y, part = self.y, []
            while i < len(lines):
                line, marks, h = lines[i]
                step = h if part else self.LEADING
                limit = self._limit(taken + [n for _, n in marks])
                if y + step > limit or left_bottom > limit:
                    break
                y += step
                part.append(lines[i])
                taken += [n for _, n in marks]
                i += 1
            parts.append(part)
            left_bottom = y
        return parts[0], parts[1], lines[i:]

    def write(self, doc) -> bytes:
        blocks = doc.blocks()
        self.notes = {
            b.footnote_number: b.text for b in blocks if b.kind.value == "footnote" and b.footnote_number is not None
        }
        run: list[tuple[str, list]] = []
        for block in blocks:
            kind = block.kind.value
            if kind in ("paragraph", "list_item"):
                bullet = "• " if kind == "list_item" else ""
                refs = [type(r)(number=r.number, offset=r.offset + len(bullet)) for r in block.footnote_refs]
                run.append((bullet + block.text, refs))
                continue
            if kind in ("footnote", "header", "footer"):
                continue
            if run:
                self.columns(run)
                run = []
            if kind == "heading":
                self.full_width(block.text, block.footnote_refs, 11, "B", 2.5)
            elif kind == "caption":
                self.full_width(block.text, block.footnote_refs, self.BODY, "", 0.5)
            elif kind == "table" and block.table is not None:
                self.table(block.table)
        if run:
            self.columns(run)
        self._print_notes()
        return bytes(self.pdf.output())


def two_column_pdf(doc) -> bytes:
    """A two-column rendition of ``doc`` (see :class:`TwoColumnWriter`)."""
    return TwoColumnWriter().write(doc)
