"""What the reader asks pdfium: the document, each page's chars and its ruling lines.

pdfium gives every character with its box, baseline and font size at ~100× the speed of
pdfminer. It has no call for many characters at once, so each character costs three
calls (its text object, loose box and origin); the font size and weight are read once per
text object. The compiled helper (``_chars.c``, built by ``pip install -e .``) makes those
calls from C through the function pointers of pypdfium2's own library, the font calls too
(through ctypes, once per text object, they were 30 % of the char loop's instructions on the
seed), groups the chars by baseline there (issue 17: a fifth of the Python loop's time on the
seed) and walks the page's objects for its paths; without it the same loops run in Python,
through cffi function pointers (a fraction of ctypes' cost per call).
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable, Iterator

import cffi
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from schemas.errors import CorruptPDFError, EncryptedPDFError

try:  # built by `pip install -e .` (setup.py); the Python loop below gives the same chars without it
    from . import _chars as _compiled
except ImportError:  # pragma: no cover - a checkout whose helper was not built
    _compiled = None

from .lines import baseline_groups
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

_count_objects = _c_function(pdfium_c.FPDFPage_CountObjects, "int(*)(void *)")
_page_object = _c_function(pdfium_c.FPDFPage_GetObject, "void *(*)(void *, int)")
_form_count_objects = _c_function(pdfium_c.FPDFFormObj_CountObjects, "int(*)(void *)")
_form_object = _c_function(pdfium_c.FPDFFormObj_GetObject, "void *(*)(void *, unsigned long)")
_object_type = _c_function(pdfium_c.FPDFPageObj_GetType, "int(*)(void *)")
_object_bounds = _c_function(pdfium_c.FPDFPageObj_GetBounds, "int(*)(void *, float *, float *, float *, float *)")


def _addresses(*functions) -> tuple[int, ...]:
    """The addresses of pdfium ``functions``, as the compiled helper calls them."""
    return tuple(ctypes.cast(function, ctypes.c_void_p).value for function in functions)


_FUNCTION_ADDRESSES = _addresses(
    pdfium_c.FPDFText_GetTextObject, pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin
)
"""The three per-char pdfium functions."""

_OBJECT_ADDRESSES = _addresses(
    pdfium_c.FPDFPage_CountObjects,
    pdfium_c.FPDFPage_GetObject,
    pdfium_c.FPDFFormObj_CountObjects,
    pdfium_c.FPDFFormObj_GetObject,
    pdfium_c.FPDFPageObj_GetType,
    pdfium_c.FPDFPageObj_GetBounds,
)
"""The page-object functions :func:`path_bounds` walks a page with."""

_FONT_ADDRESSES = _addresses(
    pdfium_c.FPDFText_GetFontSize, pdfium_c.FPDFText_GetFontInfo, pdfium_c.FPDFText_GetFontWeight
)
"""The font size, name and weight functions (:func:`_style_reader`'s questions, asked from C)."""


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


def _style_reader(textpage: pdfium.PdfTextPage, settings: PdfSettings) -> Callable[[int], tuple[float, bool]]:
    """``style(i)``: the font size and weight (bold or not) of char ``i``, asked once per
    text object (a run of chars in one font); fonts are told bold by name once each."""
    raw = textpage.raw
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    bold_name = re.compile("|".join(re.escape(w) for w in settings.bold_font_words).encode(), re.I)
    fonts: dict[bytes, bool] = {}

    def style(i: int) -> tuple[float, bool]:
        size = pdfium_c.FPDFText_GetFontSize(raw, i)
        pdfium_c.FPDFText_GetFontInfo(raw, i, name, 128, ctypes.byref(flags))
        bold = fonts.get(name.value)
        if bold is None:
            bold = fonts[name.value] = bold_name.search(name.value) is not None
        return size, bold or pdfium_c.FPDFText_GetFontWeight(raw, i) >= settings.bold_min_weight

    return style


def page_to_chars(textpage: pdfium.PdfTextPage, height: float, settings: PdfSettings = PDF_SETTINGS) -> list[Char]:
    """Every printed char with its box (top-down coordinates), baseline, size and weight.

    The page's text comes in one call; font size and weight are read once per text object
    (a run of chars in one font), so each char costs three calls into pdfium."""
    text = page_text(textpage)
    if not text:
        return []
    page = _pointer(textpage)
    rect = _ffi.new("FS_RECTF *")
    origin = _ffi.new("double[2]")
    origin_y = origin + 1
    read_style = _style_reader(textpage, settings)
    styles: dict[int, tuple[float, bool]] = {}
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
            style = read_style(i)
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


def page_to_char_groups(
    textpage: pdfium.PdfTextPage, height: float, settings: PdfSettings = PDF_SETTINGS, compiled: bool = True
) -> tuple[int, list[list[Char]]]:
    """The page's char count and its chars grouped by baseline (:func:`.lines.baseline_groups`
    of :func:`page_to_chars`). The compiled helper (``_chars.c``) does the same loop and
    grouping in C, several times faster; without it (or with ``compiled=False``) Python does."""
    if not compiled or _compiled is None:
        chars = page_to_chars(textpage, height, settings)
        return len(chars), baseline_groups(chars, settings)
    text = page_text(textpage)
    if not text:
        return 0, []
    if getattr(_compiled, "FONTS_IN_C", False):  # a build before it took the font functions asks Python
        # The bold words as the bytes regex of _style_reader matches them (re.I on bytes folds ASCII only).
        style = (
            *_FONT_ADDRESSES,
            tuple(w.encode().lower() for w in settings.bold_font_words),
            settings.bold_min_weight,
        )
    else:
        style = _style_reader(textpage, settings)
    return _compiled.read_char_groups(
        text,
        ctypes.cast(textpage.raw, ctypes.c_void_p).value,
        *_FUNCTION_ADDRESSES,
        height,
        style,
        Char,
        settings.baseline_tolerance,
    )


def path_bounds(page: pdfium.PdfPage, max_depth: int = 2) -> Iterator[tuple[float, float, float, float]]:
    """(left, bottom, right, top) of every path object of the page and of the forms in it
    down to ``max_depth`` levels: ``page.get_objects(filter=[PATH], max_depth=...)`` and
    ``get_bounds()`` of each, without a pypdfium2 object per page object (most are text)."""
    walk_in_c = getattr(_compiled, "path_bounds", None)  # None without the helper, or an older build
    if walk_in_c is not None:
        found = walk_in_c(
            ctypes.cast(page.raw, ctypes.c_void_p).value,
            *_OBJECT_ADDRESSES,
            pdfium_c.FPDF_PAGEOBJ_PATH,
            pdfium_c.FPDF_PAGEOBJ_FORM,
            max_depth,
        )
        if found is not None:  # None when pdfium fails: the walk below raises its error
            return iter(found)
    return _path_bounds_walk(page, max_depth)


def _path_bounds_walk(page: pdfium.PdfPage, max_depth: int) -> Iterator[tuple[float, float, float, float]]:
    """:func:`path_bounds` in Python, through cffi (the compiled helper walks the same objects in C)."""
    bounds = _ffi.new("float[4]")
    left, bottom, right, top = bounds, bounds + 1, bounds + 2, bounds + 3

    def walk(count, get, parent, level: int) -> Iterator[tuple[float, float, float, float]]:
        n = count(parent)
        if n < 0:
            raise pdfium.PdfiumError("Failed to get number of pageobjects.")
        for i in range(n):
            obj = get(parent, i)
            if obj == _ffi.NULL:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            kind = _object_type(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                if not _object_bounds(obj, left, bottom, right, top):
                    raise pdfium.PdfiumError("Failed to locate pageobject.")
                yield bounds[0], bounds[1], bounds[2], bounds[3]
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < max_depth - 1:
                yield from walk(_form_count_objects, _form_object, obj, level + 1)

    handle = _ffi.cast("void *", ctypes.cast(page.raw, ctypes.c_void_p).value)
    return walk(_count_objects, _page_object, handle, 0)


def page_to_rules(page: pdfium.PdfPage, height: float, settings: PdfSettings = PDF_SETTINGS) -> list[Rule]:
    """Thin path objects (ruling lines, table borders, the footnote separator)."""
    rules = []
    thick = settings.rule_max_thickness
    page_width = page.get_width()
    for left, bottom, right, top in path_bounds(page):
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
