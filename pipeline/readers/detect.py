"""Tell what an input is from its bytes (never its name), and decode text inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.document import InputKind
from schemas.errors import (
    EmptyFileError,
    EncodingError,
    NotAReportError,
    UnsupportedFormatError,
)

# Magic numbers of formats people save into an inbox that are not reports we can read.
_BINARY_MAGIC: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a ZIP archive or Office document (DOCX/XLSX/ODT); save it as PDF first"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document (DOC/XLS); save it as PDF first"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "an RTF document; save it as PDF or plain text first"),
    (b"%!PS", "a PostScript file; convert it to PDF first"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
]


MIN_WORDS = 3
"""Fewer words than this (of two letters or more) is no text worth extracting: a stray
``%``, a saved error message. A report, even a one-line COI query answer, has more."""

MAX_BAD_CODE_POINTS = 0.01
"""Share of a UTF-16/32 text that may be invalid code points, replaced with a warning; above
it the file is refused (it is not really in that encoding)."""

_WORD = re.compile(r"[^\W\d_]{2,}")
_MARKUP_HEAD = re.compile(
    r"\A\s*(?:<\?xml\b|<!doctype\s+html\b|<html\b|<!doctype\b|<(?:head|body|svg|rss|feed)\b)", re.IGNORECASE
)
_TITLE = re.compile(r"<title[^>]*>([^<]{1,120})</title>", re.IGNORECASE)


@dataclass(frozen=True)
class Sniffed:
    kind: InputKind
    text: str | None = None
    encoding: str | None = None
    warnings: tuple[str, ...] = ()


def sniff(data: bytes, path: str) -> Sniffed:
    """Classify ``data`` as PDF or text (decoded), or raise a clear :class:`IngestError`."""
    if not data.strip():
        raise EmptyFileError(path, "the file is empty" if not data else "the file holds only white space")
    head = data[:1024]
    if b"%PDF-" in head:
        return Sniffed(InputKind.pdf)
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormatError(path, f"not a PDF or text file: it is {what}")
    text, encoding, warnings = decode_text(data, path)
    if not text.strip():
        raise EmptyFileError(path, "the file holds no text")
    refuse_non_reports(text, path)
    return Sniffed(InputKind.text, text=text, encoding=encoding, warnings=tuple(warnings))


def refuse_non_reports(text: str, path: str) -> None:
    """Raise :class:`NotAReportError` for text that is markup (a saved web page, a server's
    ``404 Not Found`` page, an XML file) or that has fewer than ``MIN_WORDS`` words."""
    head = text[:2048].lstrip("\ufeff")
    if _MARKUP_HEAD.match(head):
        xml = head.lstrip().lower().startswith("<?xml") and "<html" not in head.lower()
        title = _TITLE.search(text[:65536])
        what = "an XML file" if xml else "an HTML page" + (f" titled '{title.group(1).strip()}'" if title else "")
        raise NotAReportError(path, f"not a report: it is {what}; save the report itself as PDF or text")
    words = len(_WORD.findall(text[:65536]))
    if words < MIN_WORDS:
        raise NotAReportError(path, f"not a report: the file holds {words} word(s), no text worth extracting")


def _decode_unicode(data: bytes, codec: str, path: str, warnings: list[str]) -> str:
    """UTF-16/32 text; invalid code points are replaced and counted (a warning), or the file
    is refused when they are more than ``MAX_BAD_CODE_POINTS`` of it."""
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    if bad:
        if bad > MAX_BAD_CODE_POINTS * max(1, len(text)):
            raise EncodingError(path, f"not readable as {codec.upper()}: {bad} of {len(text)} code points are invalid")
        warnings.append(f"{bad} invalid {codec.upper()} code point(s) were replaced by U+FFFD")
    return _check_text(text, path)


def decode_text(data: bytes, path: str) -> tuple[str, str, list[str]]:
    """Decode a text input: BOMs first, then UTF-16 without BOM, UTF-8, and Windows-1252/Latin-1."""
    warnings: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        return _check_text(data.decode("utf-8-sig", errors="replace"), path), "utf-8-sig", warnings
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_unicode(data, "utf-32", path, warnings), "utf-32", warnings
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_unicode(data, "utf-16", path, warnings), "utf-16", warnings
    sample = data[:4096]
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    if zeros_odd > 0.3 * half and zeros_even < 0.05 * half:
        return _decode_unicode(data, "utf-16-le", path, warnings), "utf-16-le", warnings
    if zeros_even > 0.3 * half and zeros_odd < 0.05 * half:
        return _decode_unicode(data, "utf-16-be", path, warnings), "utf-16-be", warnings
    if b"\x00" in sample:
        raise UnsupportedFormatError(path, "not a PDF or text file: it holds binary data")
    try:
        return _check_text(data.decode("utf-8"), path), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few broken bytes: keep UTF-8 and say how many were replaced.
    decoded = data.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    multibyte = sum(1 for ch in decoded if ord(ch) > 0x7F and ch != "\ufffd")
    if multibyte and multibyte >= bad:
        warnings.append(f"{bad} byte(s) that are not valid UTF-8 were replaced by U+FFFD")
        return _check_text(decoded, path), "utf-8", warnings
    return _check_text(data.decode("cp1252", errors="replace"), path), "cp1252", warnings


def _check_text(text: str, path: str) -> str:
    sample = text[:8192]
    if sample:
        control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
        if control > 0.05 * len(sample):
            raise UnsupportedFormatError(path, "not a PDF or text file: it holds binary data")
    return text
