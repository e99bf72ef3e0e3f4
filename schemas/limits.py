"""The per-document limits a run is held to: pages, input size, wall time and memory.

A policy type that crosses floors: the CLI builds it, the readers check pages and size
before any work (:func:`check_size`), the app's child-process runner enforces time and
memory (``pipeline.app.limits``)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from schemas.errors import TooLargeError


@dataclass(frozen=True)
class Limits:
    max_pages: int = 4000
    """PDFs with more pages are refused (compilations of thousands of pages: raise it)."""
    max_bytes: int = 100 * 1024 * 1024
    max_text_bytes: int = 20 * 1024 * 1024
    """Text inputs larger than this are refused (about 10 000 pages of prose)."""
    seconds: float = 600.0
    memory_mb: int = 2048
    """Memory one document may take on top of the loaded pipeline and model (address space)."""

    def __post_init__(self) -> None:
        for name in ("max_pages", "max_bytes", "max_text_bytes", "memory_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
        if not isinstance(self.seconds, (int, float)) or not math.isfinite(self.seconds) or self.seconds <= 0:
            raise ValueError(f"seconds must be a number above 0, not {self.seconds!r}")

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT = Limits()


def human_size(n: int) -> str:
    """``512 bytes``, ``3.4 KB``, ``1.5 MB``, ``50 MB``: never a size that rounds to 0."""
    if n < 1024:
        return f"{n} byte{'s' if n != 1 else ''}"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    mb = n / 1024 / 1024
    return f"{mb:.1f} MB" if mb < 10 else f"{mb:.0f} MB"


def check_size(data: bytes, path: str, is_pdf: bool, limits: Limits) -> None:
    cap = limits.max_bytes if is_pdf else limits.max_text_bytes
    if len(data) > cap:
        raise TooLargeError(
            path,
            f"the file is {human_size(len(data))}, more than the limit of {human_size(cap)} "
            "(raise it with --max-mb if the report is really this long)",
            "max_bytes",
        )
