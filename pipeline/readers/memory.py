"""Giving the memory a finished step freed back to the system, so that a long report's peak
is what the next steps hold, not also what the last one let go of.

CPython keeps objects of up to 512 bytes in its own arenas and asks the C library
(``malloc``) for everything larger: a block's text, a page's list of lines, pdfium's own
buffers. When the reader is done, those larger pieces are freed, but glibc keeps the pages
they stood on, and what the stages make next (mostly small objects, in CPython's arenas) does
not reuse them. ``malloc_trim`` hands those free pages back. On the 3,009-page test report
(issue 17), called at the reader's end, after the stages and once the extraction has taken
the document's blocks over, it lowered the stages' peak without the model from 381 to 350 MiB."""

from __future__ import annotations

import sys
from functools import cache


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (another C library, another system)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # only here: a text-only run need not load it

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back_freed_memory() -> bool:
    """Hand the C library's free pages back to the system (glibc on Linux; a no-op
    elsewhere). True when some memory was given back. It changes no object, only where
    freed memory sits, and takes a few milliseconds even after a 3,000-page report."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
