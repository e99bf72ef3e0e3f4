"""Ingest and orchestration: bytes in, a :class:`schemas.Document` and an
:class:`schemas.extraction.Extraction` out."""

__version__ = "0.1.0"
