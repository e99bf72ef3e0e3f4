"""Web pages and Word documents: told apart by their bytes, read into the same draft pages.

:func:`sniff_format` looks at content only (a file named ``.pdf`` that holds a web page is
a web page); :func:`structured_to_pages` hands the bytes to the reader of that format
(:mod:`pipeline.readers.webpage`, :mod:`pipeline.readers.word`). Both readers return a :class:`Read`: draft
pages (blocks without spans, laid out later like every other input), the plain text (for
language and vocabulary), what the file says about itself, and warnings.
"""

from __future__ import annotations

import re

from pipeline.readers.structured import Read
from schemas.document import InputKind

_HTML_HEAD = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html\b|<html\b|<head\b|<body\b|<meta\b|<title\b)",
    re.I | re.S,
)
_XHTML = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*>\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html\b|<html\b)", re.I | re.S
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def sniff_format(data: bytes) -> InputKind | str | None:
    """``InputKind.html`` for a web page, ``InputKind.docx`` for a Word (2007+) document,
    ``"doc"`` for a legacy Word document (converted before it is read), None otherwise."""
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        # The ZIP's first entry is [Content_Types].xml; the word/ part names follow in the
        # central directory at the end, so look there too.
        return InputKind.docx if b"word/document.xml" in data[-65536:] or b"word/" in head else None
    if head.startswith(_OLE):
        return "doc" if _WORD_STREAM in data[: 1 << 20] else None
    if _HTML_HEAD.match(head) or _XHTML.match(head):
        return InputKind.html
    return None


def structured_to_pages(kind: InputKind | str, data: bytes, path: str) -> Read:
    """Read a web page or Word document (a legacy ``.doc`` is converted to DOCX first)."""
    if kind == "doc":
        from pipeline.readers.word import doc_to_docx, docx_to_pages

        read = docx_to_pages(doc_to_docx(data, path), path)
        read.warnings.insert(0, "a legacy Word document (.doc): converted to DOCX with LibreOffice before reading")
        return read
    if kind is InputKind.docx:
        from pipeline.readers.word import docx_to_pages

        return docx_to_pages(data, path)
    from pipeline.readers.webpage import html_to_pages

    return html_to_pages(data, path)
