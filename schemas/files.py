"""Reading and writing the model's JSON files: one home for the serialisation of an
:class:`~schemas.extraction.Extraction`, atomic writes that honour the umask, file names that
fit every file system, and loading an extraction back."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from schemas.extraction import Extraction


def json_text(data) -> str:
    """The one layout of every JSON file the pipeline writes: UTF-8 as is, one space of
    indent, a final newline."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def to_json(extraction: Extraction) -> str:
    """The text of an extraction's JSON file."""
    return json_text(extraction.model_dump(mode="json"))


def load_extraction(path: str | Path) -> Extraction:
    """An extraction JSON file read back and validated (a file that is not one raises
    pydantic's ``ValidationError`` naming the field)."""
    return Extraction.model_validate_json(Path(path).read_text(encoding="utf-8"))


MAX_NAME_BYTES = 200
"""Longest file name we derive from an input's name (file systems stop at 255 bytes; the
rest is room for ``.error.json``, ``-1`` and temp-file decorations)."""


def fit_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` itself when its bytes fit in ``max_bytes``, else its start, a hash of the whole
    name (so two long names stay apart) and its suffix."""
    raw = os.fsencode(name)
    if len(raw) <= max_bytes:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:10]
    suffix = Path(name).suffix if len(os.fsencode(Path(name).suffix)) <= 16 else ""
    room = max_bytes - len(os.fsencode(suffix)) - len(digest) - 1
    head, used = [], 0
    for ch in name:  # cut between characters, never inside one
        used += len(os.fsencode(ch))
        if used > room:
            break
        head.append(ch)
    return f"{''.join(head)}-{digest}{suffix}"


def temp_prefix(name: str) -> str:
    """Prefix of our temp files beside ``name``: ``.<name>~<pid>~``. The pid lets a later run
    remove the temp files of a killed process (and only those: a live one's are its own)."""
    return f".{fit_name(name, 100)}~{os.getpid()}~"


# --- shared-storage permissions (issue 15) -------------------------------------------------
def umask_mode(mode: int = 0o666) -> int:
    """``mode`` as the process's umask leaves it (0644 under umask 022), as ``open`` would
    create a file. The umask can only be read by setting it; on Linux it is read from
    /proc/self/status instead, which leaves it untouched for other threads."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return mode & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mode & ~mask


# --- end shared-storage permissions --------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and a rename, so a
    reader never sees half a file and a crash never leaves one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, umask_mode())  # issue 15: mkstemp makes 0600; outputs go to shared storage
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data) -> None:
    """Write ``data`` as :func:`json_text` to ``path``, atomically."""
    write_atomic(path, json_text(data))
