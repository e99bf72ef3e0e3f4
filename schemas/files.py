"""Reading and writing the model's JSON files: one home for the serialisation of an
:class:`~schemas.extraction.Extraction`, atomic writes that honour the umask, file names that
fit every file system, and loading an extraction back."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

if TYPE_CHECKING:  # imported where a file is read back: naming one (a worker's parent) needs no model
    from schemas.extraction import Extraction


def json_text(data) -> str:
    """The one layout of every JSON file the pipeline writes: UTF-8 as is, one space of
    indent, a final newline."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# --- JSON out, piece by piece ---------------------------------------------------------------
# The file is what ``json.dumps(extraction.model_dump(mode="json"), ensure_ascii=False,
# indent=1)`` wrote, byte for byte, but made by pydantic's serialiser one list item at a time:
# never a tree of dicts of the whole report, never the whole file as one string.

TEXT_PIECE = 1 << 20
"""Characters of ``text`` (or another long string) escaped at a time."""

_PYTHON_FLOAT_DIFFERS = (re.compile(r"0\.0000(?<![\d.]0\.0000)"), re.compile(r"e-(?<=\de-)"))
"""Where pydantic's number form may differ from Python's ``repr``: between 0 and 1e-4 pydantic
writes ``0.00001`` and ``2.5e-7``, Python ``1e-05`` and ``2.5e-07``. A piece that holds either
form (a string holding such text does too) is written by :func:`json.dumps` instead. A number
with ``0000`` after its point (``240.00003``, a coordinate) is written alike by both. Two
patterns that start with a literal: the search skips to each ``0.0000`` and ``e-`` instead of
trying an alternation at every character (0.09 against 0.8 ms on the A4 seed's blocks)."""


def _float_form_differs(piece: str) -> bool:
    return any(p.search(piece) for p in _PYTHON_FLOAT_DIFFERS)


def _indented(piece: str, depth: int) -> str:
    """``piece`` (JSON made at depth 0) moved ``depth`` spaces to the right. JSON strings never
    hold a raw line break, so every ``\\n`` is a line of the layout."""
    return piece.replace("\n", "\n" + " " * depth) if depth else piece


def _item_json(item: BaseModel, depth: int) -> str:
    piece = item.model_dump_json(indent=1)
    if _float_form_differs(piece):
        piece = json.dumps(item.model_dump(mode="json"), ensure_ascii=False, indent=1)
    return _indented(piece, depth)


ITEMS_PER_PIECE = 256
"""Items of a list of models serialised by one call (a few hundred KB of JSON at most). One
call per item wrote the A4 seed's JSON in 10.7-16.0 ms, 256 at a time in 8.3 ms; the 1,003-page
report in 537-647 against 378-406 ms (best of 10 and of 3, 07:10 on 2026-11-26). Fewer when
the items are large (:data:`PIECE_CHARS`)."""

PIECE_CHARS = 1 << 20
"""About the most characters of JSON one call makes for a list's items: after each piece the
next one's count of items is set from the characters per item so far, so that a list of large
items (a 3,000-page report's tables, tens of KB each) never makes a piece of tens of MB, held
up to four times while it is made, decoded, indented and encoded. The first piece of a list
holds :data:`FIRST_ITEMS` items (its size is not known yet)."""
FIRST_ITEMS = 16


@cache
def _list_adapter(item_type: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[item_type])


def _items_json(items: list[BaseModel], depth: int) -> str:
    """``items`` (models of one type) as the inside of a JSON list held by a field of a model
    laid out at ``depth``: each item on a line of its own, ``depth + 2`` spaces in, commas
    between them; made by one call of pydantic's serialiser (one per item when a number may
    come out unlike Python's, see :data:`_PYTHON_FLOAT_DIFFERS`)."""
    piece = _list_adapter(type(items[0])).dump_json(items, indent=1).decode()
    if _float_form_differs(piece):
        pad = " " * (depth + 2)
        return pad + (",\n" + pad).join(_item_json(item, depth + 2) for item in items)
    return " " * (depth + 1) + _indented(piece[2:-2], depth + 1)  # "[\n" and "\n]" cut: " {…},\n {…}"


def _list_json(items: list[BaseModel], depth: int) -> Iterator[str]:
    """A list of models (a field of a model laid out at ``depth``) as JSON up to its closing
    bracket, in pieces of :data:`FIRST_ITEMS` items, then of as many as fit in
    :data:`PIECE_CHARS` at the characters per item so far (at least one, at most
    :data:`ITEMS_PER_PIECE`)."""
    done, chars, count = 0, 0, min(FIRST_ITEMS, ITEMS_PER_PIECE)
    while done < len(items):
        piece = _items_json(items[done : done + count], depth)
        yield ("[" if done == 0 else ",") + "\n" + piece
        done += count
        chars += len(piece)
        count = max(1, min(ITEMS_PER_PIECE, PIECE_CHARS * done // chars))


def _field_json(model: BaseModel, name: str, depth: int) -> str:
    """One field's value as its model serialises it, laid out at ``depth``."""
    piece = model.model_dump_json(indent=1, include={name})
    if _float_form_differs(piece):
        piece = json.dumps(model.model_dump(mode="json", include={name}), ensure_ascii=False, indent=1)
    head = "{\n " + json.dumps(name, ensure_ascii=False) + ": "
    assert piece.startswith(head) and piece.endswith("\n}"), piece[:80]
    return _indented(piece[len(head) : -2], depth)


def _string_json(text: str) -> Iterator[str]:
    """A long string as JSON, escaped a piece at a time (escaping is per character, so the
    pieces join to exactly what one call would give)."""
    yield '"'
    for i in range(0, len(text), TEXT_PIECE):
        yield json.dumps(text[i : i + TEXT_PIECE], ensure_ascii=False)[1:-1]
    yield '"'


def _model_json(model: BaseModel, depth: int) -> Iterator[str]:
    """``model`` as indented JSON in pieces: a list of models item by item, a nested model
    field by field, a long string slice by slice, any other field whole."""
    pad = " " * (depth + 1)
    fields = type(model).model_fields
    if not fields:
        yield "{}"
        return
    for i, name in enumerate(fields):
        yield ("{" if i == 0 else ",") + "\n" + pad + json.dumps(name, ensure_ascii=False) + ": "
        value = getattr(model, name)
        if isinstance(value, BaseModel) and type(value) is fields[name].annotation:
            yield from _model_json(value, depth + 1)
        elif isinstance(value, list) and value and _model_list(fields[name].annotation, value):
            yield from _list_json(value, depth)
            yield "\n" + pad + "]"
        elif isinstance(value, str) and len(value) > TEXT_PIECE:
            yield from _string_json(value)
        else:
            yield _field_json(model, name, depth)
    yield "\n" + " " * depth + "}"


def json_pieces(extraction: Extraction) -> Iterator[str]:
    """The extraction's JSON file (indent 1, non-ASCII kept, a final newline) in pieces."""
    yield from _model_json(extraction, 0)
    yield "\n"


def to_json(extraction: Extraction) -> str:
    """The extraction's JSON file as one string (for small reports and tests; files are
    written piece by piece by :func:`write_extraction`)."""
    return "".join(json_pieces(extraction))


def load_extraction(path: str | Path) -> Extraction:
    """An extraction JSON file read back and validated (a file that is not one raises
    pydantic's ``ValidationError`` naming the field)."""
    from schemas.extraction import Extraction

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
TEMP_NAME_DRAWS = 100
"""Random temp names :func:`temp_beside` tries before it gives up (each has 48 random bits)."""


def temp_beside(path: Path) -> tuple[int, str]:
    """A new temp file beside ``path`` (its folder made when missing), open for writing:
    ``(fd, name)``, named ``temp_prefix(path.name)`` + random + ``.tmp``. Made as ``open``
    makes any file, mode 0666 less the process's umask (issue 15: 0644 under umask 022 on
    shared storage), where ``tempfile.mkstemp`` makes 0600 and the mode had to be changed
    after, by reading the umask back from /proc at every write."""
    prefix = os.path.join(path.parent, temp_prefix(path.name))
    made = False
    for _ in range(TEMP_NAME_DRAWS):
        tmp = f"{prefix}{os.urandom(6).hex()}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), tmp
        except FileExistsError:  # a name drawn twice: draw again
            continue
        except FileNotFoundError:  # the folder's first file: make the folder once, draw again
            if made:
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
            made = True
    raise FileExistsError(errno.EEXIST, f"no free temp file name after {TEMP_NAME_DRAWS} draws", prefix)


# --- end shared-storage permissions --------------------------------------------------------


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (a string, or its pieces in order) to ``path`` through a temp file in the
    same folder and a rename, so a reader never sees half a file and a crash never leaves one."""
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if isinstance(text, str):
                f.write(text)
            else:
                f.writelines(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data) -> None:
    """Write ``data`` as :func:`json_text` to ``path``, atomically."""
    write_atomic(path, json_text(data))


# --- checking a model assembled in place, a piece at a time ---------------------------------

M = TypeVar("M", bound=BaseModel)


def revalidated(model: M) -> M:
    """``model`` as ``type(model).model_validate(model.model_dump())`` gives it, made a piece at
    a time: each item of a list of models is dumped and validated on its own and replaces the
    old one in its list, so the report never exists twice, nor as one tree of dicts."""
    values = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel) and type(value) is info.annotation:
            values[name] = revalidated(value)
        elif isinstance(value, list) and value and _model_list(info.annotation, value):
            # ``model_validate(item.model_dump())`` without the two wrappers' argument handling
            # (their defaults are the core's), once per item of the report's longest lists
            cls = type(value[0])
            validate, dump = cls.__pydantic_validator__.validate_python, cls.__pydantic_serializer__.to_python
            for i, item in enumerate(value):
                value[i] = validate(dump(item))
            values[name] = value
        else:
            values[name] = model.model_dump(include={name})[name]
    return type(model).model_validate(values)


def _model_list(annotation, value: list) -> bool:
    """Is ``value`` a ``list[X]`` of models of exactly type ``X``?"""
    args = get_args(annotation)
    if get_origin(annotation) is not list or len(args) != 1:
        return False
    return isinstance(args[0], type) and issubclass(args[0], BaseModel) and all(type(v) is args[0] for v in value)
