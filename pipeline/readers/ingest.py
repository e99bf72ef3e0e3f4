"""One entry point from a file on disk to a :class:`Document`."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from pipeline import __version__
from pipeline.readers.assemble import join_split_paragraphs, lay_out, mark_captions
from pipeline.readers.detect import Sniffed, sniff
from pipeline.readers.formats import sniff_format, structured_to_pages
from pipeline.readers.memory import give_back_freed_memory
from pipeline.readers.textutil import vocabulary
from schemas import lang as languages
from schemas.document import Document, InputKind
from schemas.errors import IngestError, NotAFileError, UnreadableFileError, shown


def read_input(path: str | Path) -> bytes:
    """The bytes of a regular file. A FIFO, socket or device is refused without being read
    (opening a FIFO for reading waits for a writer, for ever): the file is opened
    non-blocking and checked with ``fstat`` before a byte is read."""
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise IngestError(str(p), "is a folder, not a file") from None
    except FileNotFoundError:
        raise IngestError(str(p), "no such file") from None
    except PermissionError:
        raise UnreadableFileError(str(p), "the file cannot be read (permission denied)") from None
    except OSError as exc:
        raise UnreadableFileError(str(p), f"the file cannot be opened ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IngestError(str(p), "is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise NotAFileError(str(p), "not a regular file (a pipe, socket or device): only files are read")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise IngestError(str(p), "is a folder, not a file") from None
        raise UnreadableFileError(str(p), f"the file cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def ingest(path: str | Path, language: str | None = None, limits=None) -> Document:
    """Read ``path`` (PDF, text, web page or Word document, told apart by content) into the document model."""
    # the bytes go straight to ingest_bytes (no name here holds them), so it can let them go
    return ingest_bytes(read_input(path), str(path), language=language, limits=limits)


def ingest_bytes(data: bytes, path: str, language: str | None = None, limits=None) -> Document:
    from schemas.limits import DEFAULT, check_size

    limits = limits or DEFAULT
    structured = sniff_format(data)  # a web page or a Word document, told by content
    sniffed = Sniffed(InputKind.docx if structured == "doc" else structured) if structured else sniff(data, path)
    check_size(data, path, sniffed.kind in (InputKind.pdf, InputKind.docx), limits)
    doc_id = hashlib.sha256(data).hexdigest()
    warnings = list(sniffed.warnings)
    properties: dict[str, str] = {}
    if structured is not None:
        read = structured_to_pages(structured, data, path)
        pages, raw_text, properties, warnings = read.pages, read.text, read.properties, warnings + read.warnings
        lang = languages.load(language or languages.detect(raw_text))
        vocab = vocabulary(raw_text)
    elif sniffed.kind is InputKind.pdf:
        from pipeline.readers.pdf import lay_out_read, read_pdf_pages  # pdfium is only loaded for PDFs

        # the reader gathers the text's words line by line as it reads (the same set as
        # vocabulary(raw_text)), so the whole text is not scanned for them again
        read = read_pdf_pages(data, path, max_pages=limits.max_pages)
        data = None  # the layout needs the pages read, not the file: its bytes go first (issue 17)
        pages, raw_text, vocab, pdf_warnings = lay_out_read(read)
        del read
        warnings += pdf_warnings
        lang = languages.load(language or languages.detect(raw_text))
    else:
        from pipeline.readers.text import text_to_pages

        raw_text = sniffed.text or ""
        lang = languages.load(language or languages.detect(raw_text))
        vocab = vocabulary(raw_text)
        pages = text_to_pages(raw_text, lang, vocab)
    # the input's bytes and its plain text are not needed past here: a long report's (tens of
    # MB) are freed before the text is laid out and the stages run (when the caller holds no
    # other reference to them)
    del data, raw_text
    mark_captions(pages, lang)
    join_split_paragraphs(pages, vocab, lang.bibliography_headings)
    text = lay_out(pages, lang.bibliography_headings)
    doc = Document(
        id=doc_id,
        source_path=shown(path),
        kind=sniffed.kind,
        page_count=len(pages),
        pipeline_version=__version__,
        language=lang.code,
        encoding=sniffed.encoding,
        text=text,
        pages=pages,
        warnings=warnings,
        properties=properties,
    )
    # what reading made and let go of (chars, lines, pdfium's pages, the input's bytes) goes
    # back to the system before the stages run (35 of 249 MiB after reading a 3,009-page report)
    give_back_freed_memory()
    return doc
