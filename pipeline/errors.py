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
