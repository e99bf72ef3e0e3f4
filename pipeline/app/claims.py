"""One owner per inbox file: a file is claimed before any work and released after.

A claim is an entry ``INBOX/.processing/<name>``: a hard link to its process's **owner
record** (``.processing/.owner-<id>``: host, pid and the process's start time, made once
while the process holds claims in that inbox). Making a link is one atomic call that fails
when the name exists, so of two processes claiming the same file exactly one wins, and a
claim never exists without its owner (it *is* the record, under the file's name). The file
itself stays where it is (its ``source_path`` in the output stays true) until its owner moves
it on and releases the claim; a process that claims a file already gone (another one finished
it) gets ``None``. The record goes when the process's last claim in the inbox is released.

Why links: a link makes no new inode. On the 2-core development VM each new inode (a folder,
a file) cost about 1 ms of CPU, links about 0.03 ms (2026-11-26), and the former claim (a
private folder holding ``owner.json``, renamed to the file's name) made two per file: a tenth
of a batch's own CPU on small reports. Where hard links are refused (FAT, some network
shares), a claim is that folder, made that way; both read the same.

So two watchers, overlapping polls, or a watcher and a batch never work on the same file, and
one that listed a file another took gets ``None`` instead of a crash. A claim left by a killed
process (its pid is gone, or now belongs to a process started at another time) is removed by
:func:`recover_stale_claims`, so the file is taken again, with the record it linked to. Claims
of another host are left alone (its processes cannot be checked from here).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

PROCESSING = ".processing"
OWNER = "owner.json"
"""The owner record inside a claim made as a folder (where hard links are refused)."""
RECORD_PREFIX = ".owner-"
STAGING_PREFIX = ".new-"
"""An owner record, or a claim folder, being written under a private name before it is renamed."""
NO_HARD_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK})
"""``link()`` errors of a filesystem (or a record) that takes no more hard links."""


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: int | None
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat``), so a pid
    reused by a later process is not mistaken for the owner."""


@dataclass(frozen=True)
class Claim:
    """``path`` is held by this process while ``entry`` (``.processing/<name>``) exists."""

    path: Path
    entry: Path


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


_LOCK = threading.Lock()
"""Held while this process makes or drops an owner record and counts its claims (a flow's
threads claim at once)."""

_RECORDS: dict[Path, tuple[Path, int]] = {}
"""This process's owner record in each ``.processing`` folder and how many claims link to it."""

_NO_LINKS: set[Path] = set()
"""``.processing`` folders where a link was refused: claimed with folders from then on."""


def _after_fork_in_child() -> None:
    """A forked child starts with no record (its parent's are not its own) and a free lock
    (another of the parent's threads may have held it at the fork)."""
    global _LOCK
    _LOCK = threading.Lock()
    _RECORDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _owner_text() -> str:
    return json.dumps(asdict(current_owner())) + "\n"


def _staged(root: Path, make) -> Path:
    """A private ``.new-`` entry in ``root`` made by ``make(path)`` (``root`` made when missing:
    the folder's first claim). Recovery leaves such an entry alone while it is fresh."""
    staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    try:
        make(staging)
    except FileNotFoundError:
        root.mkdir(exist_ok=True)
        make(staging)
    return staging


def _new_record(root: Path) -> Path:
    """This process's owner record in ``root``: written under a private ``.new-`` name (made
    before the owner is asked for), then renamed to ``.owner-<id>``, so it is never seen
    half-written."""
    staging = _staged(root, lambda path: path.touch(exist_ok=False))
    staging.write_text(_owner_text(), encoding="utf-8")
    record = root / f"{RECORD_PREFIX}{uuid.uuid4().hex}"
    os.rename(staging, record)
    return record


def _drop_unused_record(root: Path) -> None:
    """Remove this process's record in ``root`` if no claim links to it. With :data:`_LOCK` held."""
    record, count = _RECORDS.get(root, (None, 0))
    if record is not None and count == 0:
        del _RECORDS[root]
        record.unlink(missing_ok=True)


def _link_once(root: Path, entry: Path) -> bool:
    if root not in _RECORDS:
        _RECORDS[root] = (_new_record(root), 0)
    record, count = _RECORDS[root]
    try:
        os.link(record, entry)
    except FileExistsError:
        _drop_unused_record(root)
        return False
    _RECORDS[root] = (record, count + 1)
    return True


def _link(root: Path, entry: Path) -> bool:
    """Link ``entry`` to this process's owner record in ``root``: True when made, False when
    the name is taken. Raises ``OSError`` (errno in :data:`NO_HARD_LINKS`) where links are
    refused, and remembers it."""
    with _LOCK:
        try:
            try:
                return _link_once(root, entry)
            except FileNotFoundError:  # the record, or the folder, was removed under us: made again
                _RECORDS.pop(root, None)
                return _link_once(root, entry)
        except OSError as exc:
            if exc.errno in NO_HARD_LINKS:
                _NO_LINKS.add(root)
                _drop_unused_record(root)
            raise


def _claim_folder(root: Path, entry: Path) -> bool:
    """A claim as a folder holding ``owner.json``, renamed to ``entry`` (a rename onto an
    existing, non-empty folder fails): True when made, False when the name is taken."""
    staging = _staged(root, Path.mkdir)
    (staging / OWNER).write_text(_owner_text(), encoding="utf-8")
    try:
        os.rename(staging, entry)
    except OSError:  # EEXIST / ENOTEMPTY / ENOTDIR: another process holds this file
        shutil.rmtree(staging, ignore_errors=True)
        return False
    return True


def claim(path: Path) -> Claim | None:
    """Take ``path`` for this process, or None when another process holds or finished it."""
    root = processing_dir(path.parent)
    entry = root / path.name
    try:
        made = _claim_folder(root, entry) if root in _NO_LINKS else _link(root, entry)
    except OSError as exc:
        if exc.errno not in NO_HARD_LINKS:
            raise
        made = _claim_folder(root, entry)
    if not made:
        return None
    held = Claim(path, entry)
    if not path.exists():  # finished and moved on by another process since it was listed
        release(held)
        return None
    return held


def release(c: Claim) -> None:
    """Drop the claim; with this process's last claim in the inbox, its owner record."""
    try:
        os.unlink(c.entry)
    except IsADirectoryError:  # a claim made as a folder (Linux says EISDIR)
        _remove(c.entry)
        return
    except PermissionError:  # the same, where unlink() of a folder is EPERM
        if c.entry.is_dir():
            _remove(c.entry)
            return
        raise
    except FileNotFoundError:
        pass
    root = c.entry.parent
    with _LOCK:
        record, count = _RECORDS.get(root, (None, 0))
        if record is None:
            return
        if count > 1:
            _RECORDS[root] = (record, count - 1)
            return
        del _RECORDS[root]
    record.unlink(missing_ok=True)


def _remove(entry: Path) -> None:
    """A claim, a record or a staging entry, file or folder."""
    if entry.is_dir() and not entry.is_symlink():
        try:  # what a folder claim holds, without a tree walk
            os.unlink(entry / OWNER)
            os.rmdir(entry)
        except OSError:  # anything else in it, or gone already
            shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def read_owner(entry: Path) -> Owner | None:
    """The owner of a claim (a link to a record, or a folder holding one) or of a record."""
    try:
        record = entry / OWNER if entry.is_dir() else entry
        return Owner(**json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


STAGING_GRACE_SECONDS = 60.0
"""A staging entry (``.new-…``: an owner record or a claim folder being written) is another
process's work in progress until it is this old; only then is it debris."""


def _being_made(entry: Path, now: float) -> bool:
    try:
        return entry.name.startswith(STAGING_PREFIX) and now - entry.stat().st_mtime < STAGING_GRACE_SECONDS
    except OSError:
        return False  # already gone


def recover_stale_claims(inbox: Path) -> list[str]:
    """Remove the claims whose owner died, so their files are taken again (returns their
    names), and the owner records of dead processes. What another process is still writing
    (a fresh staging entry) is left alone."""
    root = processing_dir(inbox)
    if not root.is_dir():
        return []
    freed = []
    now = time.time()
    for entry in sorted(root.iterdir()):
        owner = read_owner(entry)
        if owner is not None and is_alive(owner):
            continue
        if owner is None and _being_made(entry, now):
            continue
        _remove(entry)
        if not entry.name.startswith((STAGING_PREFIX, RECORD_PREFIX)):  # neither ever named a file
            freed.append(entry.name)
    return freed
