"""One owner per inbox file: a file is claimed before any work and released after.

A claim is a folder ``INBOX/.processing/<name>/`` holding ``owner.json`` (host, pid and the
process's start time). A private folder with ``owner.json`` is renamed to that name; a rename
onto an existing, non-empty folder fails, so of two processes claiming the same file exactly
one wins, and a claim never exists without its owner record. The file itself stays where it
is (its ``source_path`` in the output stays true) until its owner moves it on and releases
the claim; a process that claims a file already gone (another one finished it) gets ``None``.

So two watchers, overlapping polls, or a watcher and a batch never work on the same file, and
one that listed a file another took gets ``None`` instead of a crash. A claim left by a killed
process (its pid is gone, or now belongs to a process started at another time) is removed by
:func:`recover_stale_claims`, so the file is taken again. Claims of another host are left
alone (its processes cannot be checked from here).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

PROCESSING = ".processing"
OWNER = "owner.json"


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: int | None
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat``), so a pid
    reused by a later process is not mistaken for the owner."""


@dataclass(frozen=True)
class Claim:
    """``path`` is held by this process while ``folder`` exists."""

    path: Path
    folder: Path


def process_start(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot, or None where /proc is not readable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # field 22; the name in (...) may hold spaces


_OWNER: Owner | None = None


def current_owner() -> Owner:
    """This process's owner record, made once per process (a forked child makes its own): a
    batch claims every input, and each claim read /proc and the host name again."""
    global _OWNER
    if _OWNER is None or _OWNER.pid != os.getpid():
        _OWNER = Owner(socket.gethostname(), os.getpid(), process_start(os.getpid()))
    return _OWNER


def has_ended(pid: int) -> bool:
    """``pid`` is gone, or has ended and waits to be reaped (a zombie, which writes and holds
    nothing more: a process killed with ``kill -9``, or a worker killed with it, stays one
    until init reaps it, which a busy machine may leave for seconds after the next watcher
    started). A process of another user counts as running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in (b"Z", b"X")


def is_alive(owner: Owner) -> bool:
    """Whether the process that made a claim still runs (always True for another host's)."""
    if owner.host != socket.gethostname():
        return True
    if has_ended(owner.pid):
        return False
    started = process_start(owner.pid)
    return owner.started is None or started is None or started == owner.started


def processing_dir(inbox: Path) -> Path:
    return inbox / PROCESSING


def claim(path: Path) -> Claim | None:
    """Take ``path`` for this process, or None when another process holds or finished it."""
    root = processing_dir(path.parent)
    folder = root / path.name
    staging = root / f".new-{uuid.uuid4().hex}"
    try:
        staging.mkdir()
    except FileNotFoundError:  # the folder's first claim
        root.mkdir(exist_ok=True)
        staging.mkdir()
    (staging / OWNER).write_text(json.dumps(asdict(current_owner())) + "\n", encoding="utf-8")
    try:
        os.rename(staging, folder)
    except OSError:  # EEXIST / ENOTEMPTY: another process holds this file
        shutil.rmtree(staging, ignore_errors=True)
        return None
    if not path.exists():  # finished and moved on by another process since it was listed
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return Claim(path, folder)


def release(c: Claim) -> None:
    try:  # what claim() made, without a tree walk
        os.unlink(c.folder / OWNER)
        os.rmdir(c.folder)
    except OSError:  # anything else in it, or gone already
        shutil.rmtree(c.folder, ignore_errors=True)


def read_owner(folder: Path) -> Owner | None:
    try:
        return Owner(**json.loads((folder / OWNER).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


STAGING_GRACE_SECONDS = 60.0
"""A staging folder without a readable owner is another process's claim being made (between
its ``mkdir`` and writing ``owner.json``) until it is this old; only then is it debris."""


def _being_made(folder: Path, now: float) -> bool:
    try:
        return folder.name.startswith(".new-") and now - folder.stat().st_mtime < STAGING_GRACE_SECONDS
    except OSError:
        return False  # already gone


def recover_stale_claims(inbox: Path) -> list[str]:
    """Remove the claims whose owner died, so their files are taken again; returns their names.
    A claim still being made by another process (a fresh staging folder) is left alone."""
    root = processing_dir(inbox)
    if not root.is_dir():
        return []
    freed = []
    now = time.time()
    for folder in sorted(root.iterdir()):
        owner = read_owner(folder)
        if owner is not None and is_alive(owner):
            continue
        if owner is None and _being_made(folder, now):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.name.startswith(".new-"):  # a staging folder never named a file
            freed.append(folder.name)
    return freed
