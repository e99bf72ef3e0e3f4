"""Typed ingest errors: each names the file and says, in plain words, why it was refused."""

from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be read as a COI report. ``code`` is stable for machines."""

    code = "ingest_error"

    def __init__(self, path: str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def as_dict(self) -> dict[str, str]:
        return {"error": type(self).__name__, "code": self.code, "file": self.path, "reason": self.reason}

    def __reduce__(self):
        # Errors cross process boundaries (limits run extractions in a child): keep their state.
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type, state: dict) -> IngestError:
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


class NotAReportError(IngestError):
    """The bytes are readable but hold no report: a web page, an XML file, a few characters."""

    code = "not_a_report"
