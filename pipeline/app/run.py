"""From a file to a validated :class:`Extraction` and its JSON file.

These plain functions are what the CLI calls for single files and what the Prefect
tasks in ``flows.py`` wrap."""

from __future__ import annotations

from pathlib import Path

from extractors.stages import Timings, extract_document, extract_file
from schemas.extraction import Extraction
from schemas.files import MAX_NAME_BYTES, fit_name, json_pieces, to_json, write_atomic

__all__ = ["Timings", "extract_document", "extract_file", "output_path", "to_json", "write_extraction"]


def output_path(out_dir: Path, source: Path) -> Path:
    """``OUT/<file name>.json`` (the full name, so ``x.pdf`` and ``x.txt`` do not collide;
    a name too long for the file system is shortened with a hash)."""
    return out_dir / f"{fit_name(source.name, MAX_NAME_BYTES - 5)}.json"


def write_extraction(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, json_pieces(extraction))
    return path
