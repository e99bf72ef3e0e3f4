"""What the reader asks pdfium: the document, each page's chars and its ruling lines.

pdfium gives every character with its box, baseline and font size at ~100× the speed of
pdfminer. It has no call for many characters at once, so the per-character calls go
through cffi function pointers to pypdfium2's own library (a fraction of ctypes' cost
per call), three per character; the font size and weight are read once per text object.
"""

from __future__ import annotations

import ctypes
import re

import cffi
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.errors import CorruptPDFError, EncryptedPDFError

from .objects import Char, Rule
from .settings import PDF_SETTINGS, PdfSettings

_ffi = cffi.FFI()
_ffi.cdef("typedef struct { float left, top, right, bottom; } FS_RECTF;")


def _c_function(function, signature: str):
    """A pdfium function of pypdfium2's library, called through cffi with ``signature``."""
    return _ffi.cast(signature, ctypes.cast(function, ctypes.c_void_p).value)


# The text object a char belongs to, as an integer: its address is only a cache key.
_text_object = _c_function(pdfium_c.FPDFText_GetTextObject, "intptr_t(*)(void *, int)")
_loose_char_box = _c_function(pdfium_c.FPDFText_GetLooseCharBox, "int(*)(void *, int, FS_RECTF *)")
_char_origin = _c_function(pdfium_c.FPDFText_GetCharOrigin, "int(*)(void *, int, double *, double *)")
_get_text = _c_function(pdfium_c.FPDFText_GetText, "int(*)(void *, int, int, unsigned short *)")


def open_pdf(data: bytes, path: str) -> pdfium.PdfDocument:
    if b"%%EOF" not in data[-4096:]:
        raise CorruptPDFError(path, "the PDF is truncated or damaged (it does not end with %%EOF); download it again")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise EncryptedPDFError(
                path, "the PDF is encrypted with a password; ask the sender for an unprotected copy"
            ) from None
        raise CorruptPDFError(path, f"the PDF is damaged and cannot be opened ({exc})") from None


def xref_points_at_xref(data: bytes) -> bool:
    """True when the last ``startxref`` offset points at a cross-reference table or stream."""
    found = list(re.finditer(rb"startxref\s+(\d+)", data[-4096:]))
    if not found:
        return False
    offset = int(found[-1].group(1))
    head = data[offset : offset + 32]
    return head.startswith(b"xref") or re.match(rb"\s*\d+\s+\d+\s+obj", head) is not None


def _pointer(textpage: pdfium.PdfTextPage):
    """The text page's handle as cffi sees it."""
    return _ffi.cast("void *", ctypes.cast(textpage.raw, ctypes.c_void_p).value)


def page_text(textpage: pdfium.PdfTextPage) -> str:
    """The text page's chars in one string, one character per pdfium char index (in one call).

    The buffer is cffi's: a ctypes buffer of a new length makes a new ctypes type, garbage
    that only the cycle collector frees."""
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    if n <= 0:
        return ""
    buffer = _ffi.new("unsigned short[]", n + 1)
    got = _get_text(_pointer(textpage), 0, n, buffer)
    text = _ffi.buffer(buffer, max(0, got - 1) * 2)[:].decode("utf-16-le", errors="replace")
    if len(text) != n:  # chars outside the BMP: ask char by char
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(n))
    return text


def page_to_chars(textpage: pdfium.PdfTextPage, height: float, settings: PdfSettings = PDF_SETTINGS) -> list[Char]:
    """Every printed char with its box (top-down coordinates), baseline, size and weight.

    The page's text comes in one call; font size and weight are read once per text object
    (a run of chars in one font), so each char costs three calls into pdfium."""
    text = page_text(textpage)
    if not text:
        return []
    raw = textpage.raw
    page = _pointer(textpage)
    rect = _ffi.new("FS_RECTF *")
    origin = _ffi.new("double[2]")
    origin_y = origin + 1
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    bold_name = re.compile("|".join(re.escape(w) for w in settings.bold_font_words).encode(), re.I)
    styles: dict[int, tuple[float, bool]] = {}
    fonts: dict[bytes, bool] = {}
    chars: list[Char] = []
    append, style_of, text_object, loose_char_box, char_origin, new_char = (
        chars.append,
        styles.get,
        _text_object,
        _loose_char_box,
        _char_origin,
        Char,
    )  # locals: the loop runs per char
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace() or ch == "\x00":
            pending_space = True
            continue
        if ch in "\x02\ufffe":  # pdfium marks a hyphen at a line end; join_lines decides if it stays
            ch = "-"
        key = text_object(page, i)
        style = style_of(key) if key else None
        if style is None:
            size = pdfium_c.FPDFText_GetFontSize(raw, i)
            pdfium_c.FPDFText_GetFontInfo(raw, i, name, 128, ctypes.byref(flags))
            bold = fonts.get(name.value)
            if bold is None:
                bold = fonts[name.value] = bold_name.search(name.value) is not None
            style = (size, bold or pdfium_c.FPDFText_GetFontWeight(raw, i) >= settings.bold_min_weight)
            if key:
                styles[key] = style
        loose_char_box(page, i, rect)
        char_origin(page, i, origin, origin_y)
        append(
            new_char(
                ch,
                rect.left,
                height - rect.top,
                rect.right,
                height - rect.bottom,
                height - origin[1],
                style[0],
                style[1],
                pending_space,
            )
        )
        pending_space = False
    return chars


def page_to_rules(page: pdfium.PdfPage, height: float, settings: PdfSettings = PDF_SETTINGS) -> list[Rule]:
    """Thin path objects (ruling lines, table borders, the footnote separator)."""
    rules = []
    thick = settings.rule_max_thickness
    page_width = page.get_width()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if (h <= thick and w > thick) or (w <= thick and h > thick):
            rules.append(Rule(x0=left, top=height - top, x1=right, bottom=height - bottom))
        elif thick < w < settings.rect_max_width * page_width and thick < h < settings.rect_max_height * height:
            # A drawn rectangle (a table cell border): its four sides, as pdfplumber's rect edges.
            t, b = height - top, height - bottom
            rules += [
                Rule(left, t, right, t),
                Rule(left, b, right, b),
                Rule(left, t, left, b),
                Rule(right, t, right, b),
            ]
    return rules
