"""Typed ingest errors: each names the file and says, in plain words, why it was refused."""

from __future__ import annotations

import os
import re

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Unicode's control characters (general category ``Cc``), exactly: C0, DEL and C1; the set is
closed by Unicode's stability policy (``tests/test_errors_shown.py`` checks it against
``unicodedata``)."""


def shown(path: str | os.PathLike) -> str:
    """A file name as text that can always be printed, logged and written as UTF-8 JSON.

    Names are bytes on POSIX: bytes that are not UTF-8 arrive as lone surrogates
    (``surrogateescape``) and are shown as ``\\xff``; control characters (a newline in a
    name could forge a line of a log) are shown as ``\\n``, ``\\x1b`` and the like. A valid
    UTF-8 name without control characters is returned unchanged."""
    text = os.fsencode(os.fspath(path)).decode("utf-8", "backslashreplace")
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class FileError(Exception):
    """Something that went wrong with one file: its name (shown escaped) and the reason in
    plain words, as a dict for summaries and reason files. ``code`` is stable for machines."""

    code = "file_error"

    def __init__(self, path: str, reason: str):
        self.path = shown(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def as_dict(self) -> dict[str, str]:
        return {"error": type(self).__name__, "code": self.code, "file": self.path, "reason": self.reason}

    def __reduce__(self):
        # Errors cross process boundaries (limits run extractions in a child): keep their state.
        return (_rebuild, (type(self), dict(self.__dict__)))


class IngestError(FileError):
    """A file that cannot be read as a COI report."""

    code = "ingest_error"


def _rebuild(cls: type, state: dict) -> FileError:
    error = cls.__new__(cls)
    Exception.__init__(error, f"{state.get('path')}: {state.get('reason')}")
    error.__dict__.update(state)
    return error


class EmptyFileError(IngestError):
    code = "empty_file"


class UnsupportedFormatError(IngestError):
    code = "unsupported_format"


class EncryptedPDFError(IngestError):
    code = "encrypted_pdf"


class NoTextLayerError(IngestError):
    code = "no_text_layer"


class CorruptPDFError(IngestError):
    code = "corrupt_pdf"


class LimitExceededError(IngestError):
    """A document went past a configured limit (pages, size, time or memory)."""

    code = "limit_exceeded"

    def __init__(self, path: str, reason: str, limit: str):
        self.limit = limit
        super().__init__(path, reason)

    def as_dict(self) -> dict[str, str]:
        return {**super().as_dict(), "limit": self.limit}


class TooManyPagesError(LimitExceededError):
    code = "too_many_pages"


class TooLargeError(LimitExceededError):
    code = "too_large"


class TimeLimitError(LimitExceededError):
    code = "time_limit"


class MemoryLimitError(LimitExceededError):
    code = "memory_limit"


class OCRNeededError(NoTextLayerError):
    """A scanned PDF and no OCR engine on this machine."""

    code = "ocr_needed"


class NotAFileError(IngestError):
    """A FIFO, device or socket: reading it could block for ever, so it is never opened."""

    code = "not_a_file"


class UnreadableFileError(IngestError):
    code = "unreadable"


class SymlinkRefusedError(IngestError):
    """Inboxes take files, not links: a link would be extracted under its own name and,
    once moved, point at nothing."""

    code = "symlink"


class EncodingError(IngestError):
    """Text in a Unicode encoding (found by its byte-order mark) with too many bytes that are
    not valid in it to be read."""

    code = "bad_encoding"


class NotAReportError(IngestError):
    """The bytes are readable but hold no report: a web page, an XML file, a few characters."""

    code = "not_a_report"


class WorkerDiedError(IngestError):
    """The extraction process ended without an answer twice (killed from outside, or crashed)."""

    code = "worker_died"


class InternalError(IngestError):
    """A bug of the pipeline met while extracting this file (an extractor raised something
    unexpected), not a fault of the input: its ``internal_error`` code says so to machines and
    its reason to people. It travels the typed path of a failed document (the batch goes on, the
    input is quarantined with its reason), as :class:`WorkerDiedError` does."""

    code = "internal_error"


class DiskFullError(FileError):
    """The output could not be written because the disk (or quota) is full. Not a fault of
    the input (so not an :class:`IngestError`): the watcher keeps the file in the inbox,
    pauses and tries again."""

    code = "disk_full"


class InboxError(Exception):
    """The inbox cannot be watched safely as it is (its ``processed``/``quarantine`` are a file or
    a symbolic link): the watcher refuses to start rather than move inputs somewhere else."""
