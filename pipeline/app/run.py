"""From a file to a validated :class:`Extraction` and its JSON file.

These plain functions are what the CLI calls for single files and what the Prefect
tasks in ``flows.py`` wrap.

The stages (and the models and knowledge they import) are imported on first use, not with
this module: the parent of a single ``coi extract`` only names the output file and hands the
work to its worker, which imports them itself. Imported before the fork, they would be held
twice (issue 17): the parent's copy and the worker's, whose pages the worker soon writes to
(reference counts), so that they stop being shared."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schemas.files import MAX_NAME_BYTES, fit_name, json_pieces, to_json, write_atomic

if TYPE_CHECKING:
    from extractors.stages import Timings, extract_document, extract_file
    from schemas.extraction import Extraction

__all__ = ["Timings", "extract_document", "extract_file", "output_path", "to_json", "write_extraction"]

_LAZY = ("Timings", "extract_document", "extract_file")


def __getattr__(name: str):
    """The stages' names, imported on first use (see the module's docstring)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module("extractors.stages"), name)
    globals()[name] = value
    return value


def output_path(out_dir: Path, source: Path) -> Path:
    """``OUT/<file name>.json`` (the full name, so ``x.pdf`` and ``x.txt`` do not collide;
    a name too long for the file system is shortened with a hash)."""
    return out_dir / f"{fit_name(source.name, MAX_NAME_BYTES - 5)}.json"


def write_extraction(extraction: Extraction, path: Path) -> Path:
    write_atomic(path, json_pieces(extraction))
    return path
