"""Word documents and web pages the tests write themselves from a :class:`Document` (the
project's own reading of a text rendition), so no binary fixture is committed.

:func:`document_to_docx` writes real Word footnotes (a ``word/footnotes.xml`` part and
``w:footnoteReference`` runs, as Word saves them); :func:`document_to_html` writes a page
as a news or UN site serves it: navigation, a cookie banner, related links and a footer
around an ``<article>``, footnote markers as ``<sup><a href="#fn3">``.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

from docx import Document as new_docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from schemas.document import Block, BlockKind, Document

_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _pieces(block_text: str, refs) -> list[tuple[str, int | None]]:
    """The text cut at its footnote markers: (text, None) and ("", number) pieces."""
    out, pos = [], 0
    for ref in sorted(refs, key=lambda r: r.offset):
        out.append((block_text[pos : ref.offset], None))
        out.append(("", ref.number))
        pos = ref.offset
    out.append((block_text[pos:], None))
    return out


def _footnote_run(paragraph, number: int, used: set[int]) -> None:
    run = paragraph.add_run()
    if number in used:  # a second reference to one note: Word users type the number raised
        run.text = str(number)
        run.font.superscript = True
        return
    used.add(number)
    r_pr = OxmlElement("w:rPr")
    style = OxmlElement("w:vertAlign")
    style.set(qn("w:val"), "superscript")
    r_pr.append(style)
    run._r.append(r_pr)
    ref = OxmlElement("w:footnoteReference")
    ref.set(qn("w:id"), str(number))
    run._r.append(ref)


def _fill(paragraph, block_text: str, refs, used: set[int]) -> None:
    for text, number in _pieces(block_text, refs):
        if number is None:
            if text:
                paragraph.add_run(text)
        else:
            _footnote_run(paragraph, number, used)


def document_to_docx(
    doc: Document, title: str = "", author: str = "", extra_parts: dict[str, bytes] | None = None
) -> bytes:
    """A DOCX of ``doc``'s blocks: headings in Heading styles (level from their number),
    list items in List Bullet, tables as Word tables, footnotes as real Word footnotes."""
    out = new_docx()
    used: set[int] = set()
    notes = {
        b.footnote_number: b for b in doc.blocks() if b.kind is BlockKind.footnote and b.footnote_number is not None
    }
    for block in doc.blocks():
        if block.kind is BlockKind.heading:
            number = re.match(r"(\d+(?:\.\d+)*)", block.text)
            level = number.group(1).count(".") + 1 if number else 1
            paragraph = out.add_heading("", level=min(level, 9))
            _fill(paragraph, block.text, block.footnote_refs, used)
        elif block.kind is BlockKind.list_item:
            _fill(out.add_paragraph(style="List Bullet"), block.text, block.footnote_refs, used)
        elif block.kind is BlockKind.caption:
            _fill(out.add_paragraph(style="Caption"), block.text, block.footnote_refs, used)
        elif block.kind is BlockKind.table and block.table is not None:
            table = block.table
            word_table = out.add_table(rows=table.n_rows, cols=table.n_cols)
            word_table.style = "Table Grid"
            for cell in table.cells:
                target = word_table.cell(cell.row, cell.col).paragraphs[0]
                _fill(target, cell.text, cell.footnote_refs, used)
        elif block.kind in (BlockKind.paragraph,):
            _fill(out.add_paragraph(), block.text, block.footnote_refs, used)
    props = out.core_properties
    props.title, props.author = title, author
    buffer = io.BytesIO()
    out.save(buffer)
    return add_footnotes_part(buffer.getvalue(), {n: notes[n].text for n in sorted(used) if n in notes}, extra_parts)


def add_footnotes_part(data: bytes, notes: dict[int, str], extra_parts: dict[str, bytes] | None = None) -> bytes:
    """``data`` with a ``word/footnotes.xml`` holding ``notes`` (id → text), related and typed
    as Word does it; ``extra_parts`` (name → bytes) are added or replace parts as they are."""
    body = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>',
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]
    for number, text in notes.items():
        body.append(
            f'<w:footnote w:id="{number}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {html.escape(text, quote=False)}</w:t></w:r></w:p></w:footnote>'
        )
    footnotes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {_W_NS}>{"".join(body)}</w:footnotes>'
    )
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    extra = dict(extra_parts or {})
    if "word/footnotes.xml" in source.namelist():  # already there: only the extra parts change
        footnotes = None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if footnotes is None:
                pass
            elif item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    f'<Override PartName="/word/footnotes.xml" ContentType="{_FOOTNOTES_CT}"/></Types>'.encode(),
                )
            elif item.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdFootnotes" Type="{_FOOTNOTES_REL}" Target="footnotes.xml"/></Relationships>'.encode(),
                )
            content = extra.pop(item.filename, content)
            target.writestr(item.filename, content)
        if footnotes is not None:
            target.writestr("word/footnotes.xml", footnotes.encode())
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


def _inline(text: str, refs) -> str:
    out = []
    for piece, number in _pieces(text, refs):
        out.append(
            html.escape(piece)
            if number is None
            else f'<sup><a href="#fn{number}" id="fnref{number}">{number}</a></sup>'
        )
    return "".join(out)


def document_to_html(doc: Document, title: str = "", published: str = "", url: str = "") -> str:
    """A web page of ``doc``'s blocks inside the furniture of a real site, footnotes at the end."""
    body: list[str] = []
    notes: dict[int, Block] = {}
    in_list = False
    for block in doc.blocks():
        if block.kind is BlockKind.list_item and not in_list:
            body.append("<ul>")
            in_list = True
        elif block.kind is not BlockKind.list_item and in_list:
            body.append("</ul>")
            in_list = False
        if block.kind is BlockKind.heading:
            number = re.match(r"(\d+(?:\.\d+)*)", block.text)
            level = min(6, (number.group(1).count(".") + 2) if number else 2)
            body.append(f"<h{level}>{_inline(block.text, block.footnote_refs)}</h{level}>")
        elif block.kind is BlockKind.list_item:
            body.append(f"<li>{_inline(block.text, block.footnote_refs)}</li>")
        elif block.kind is BlockKind.footnote and block.footnote_number is not None:
            notes[block.footnote_number] = block
        elif block.kind is BlockKind.table and block.table is not None:
            rows = block.table.grid()
            refs = {(c.row, c.col): c.footnote_refs for c in block.table.cells}
            body.append('<div class="table-wrapper"><table class="data">')
            for r, row in enumerate(rows):
                tag = "th" if r == 0 and block.table.n_cols > 2 else "td"
                body.append(
                    "<tr>"
                    + "".join(f"<{tag}>{_inline(t, refs.get((r, c), []))}</{tag}>" for c, t in enumerate(row))
                    + "</tr>"
                )
            body.append("</table></div>")
        elif block.kind in (BlockKind.paragraph, BlockKind.caption):
            body.append(f"<p>{_inline(block.text, block.footnote_refs)}</p>")
    if in_list:
        body.append("</ul>")
    items = "".join(
        f'<li id="fn{n}"><p>{html.escape(notes[n].text)} <a href="#fnref{n}" class="back">↩</a></p></li>'
        for n in sorted(notes)
    )
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(title)} | Invented Documentation Portal</title>
<meta property="og:title" content="{esc(title)}">
<meta property="article:published_time" content="{esc(published)}">
<link rel="canonical" href="{esc(url)}">
<style>body {{ font-family: sans-serif }}</style><script>window.dataLayer = [];</script>
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience on our website. By continuing to browse you agree to our use of cookies.</p><button>Accept all cookies</button></div>
<header class="site-header"><a href="/">Invented Documentation Portal</a>
<nav class="main-nav"><ul><li><a href="/countries">Countries</a></li><li><a href="/topics">Topics</a></li><li><a href="/about">About us and our partners in the region</a></li></ul></nav></header>
<div class="breadcrumb"><a href="/">Home</a> › <a href="/countries/mali">Mali</a></div>
<main id="content"><article>
{chr(10).join(body)}
<section class="footnotes" role="doc-endnotes"><hr><ol>{items}</ol></section>
</article></main>
<aside class="related"><h2>Related documents</h2><ul><li><a href="/doc/1">Another query response on the security situation in the region</a></li><li><a href="/doc/2">A country focus on displacement and returns in the area</a></li></ul></aside>
<footer class="site-footer"><p>© Invented Documentation Portal. Terms of use. Privacy policy. Contact the editorial team.</p></footer>
</body></html>"""
