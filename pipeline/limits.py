"""Per-document limits: pages, input size, wall time and memory.

Pages and size are checked before any work. Time and memory are enforced by running the
extraction in a child process with an address-space limit, killed when it runs past its
time; either way the caller gets a typed :class:`LimitExceededError`, never a hang.

A child never outlives its parent: it holds no copy of the pipe's read end (so writing its
answer to a dead parent fails instead of blocking), it asks Linux to kill it when the parent
dies (``PR_SET_PDEATHSIG``; elsewhere a watchdog thread polls the parent's pid), and it runs
in its own process group, so a time limit also ends the programs it started (OCR)."""

from __future__ import annotations

import faulthandler
import math
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import wait as wait_for
from pathlib import Path

from pipeline.errors import (
    IngestError,
    MemoryLimitError,
    TimeLimitError,
    TooLargeError,
    WorkerDiedError,
)


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
        raise TooLargeError(path, f"the file is {human_size(len(data))}, more than the limit of {human_size(cap)} "
                                  "(raise it with --max-mb if the report is really this long)", "max_bytes")


def _address_space() -> int:
    """Bytes of address space this process already has (the forked pipeline and model)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


MEMORY_EXIT = 86
"""Exit code of a child that ran out of its memory allowance."""


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this (child) process end when ``parent_pid`` ends, however it ends (``kill -9``
    included): ``PR_SET_PDEATHSIG`` on Linux, a watchdog thread elsewhere."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        def watchdog() -> None:
            while os.getppid() == parent_pid:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watchdog, daemon=True, name="parent-watchdog").start()


def _child(conn, inherited: list, job: Job, limits: Limits, parent_pid: int, tmp: str) -> None:
    """Run in the child: cap memory, extract, send back JSON or a typed error. Running out
    of memory anywhere (even while reporting) ends the child with ``MEMORY_EXIT``."""
    for other in inherited:  # the read ends of this and other children's pipes: never ours
        other.close()
    die_with_parent(parent_pid)
    faulthandler.disable()  # a crash here is reported, typed, by the parent; no C traceback on its stderr
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tempfile.tempdir = tmp  # OCR images and the like: removed by the parent, whatever happens here
    os.environ["TMPDIR"] = tmp
    try:
        try:
            cap = _address_space() + limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        except (ValueError, OSError):
            pass
        try:
            from pipeline.ingest import ingest_bytes, read_input
            from pipeline.run import extract_document, write_extraction

            data = job.data if job.data is not None else read_input(job.path)
            doc = ingest_bytes(data, job.path, language=job.language, limits=limits)
            extraction = extract_document(doc)
            del doc, data
            # issue 17: the JSON is written piece by piece to a file, never built as one string here
            result = ("file", str(write_extraction(extraction, Path(tmp) / "extraction.json")))
        except IngestError as exc:
            result = ("ingest", exc)
        except MemoryError:
            os._exit(MEMORY_EXIT)
        except (ImportError, OSError) as exc:
            if "map" in str(exc) or "allocate" in str(exc):
                os._exit(MEMORY_EXIT)
            result = ("error", f"{type(exc).__name__}: {exc}")
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as an internal error
            result = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send(result)
            conn.close()
        except (BrokenPipeError, OSError):
            os._exit(1)  # the parent is gone: nobody to answer
    except MemoryError:
        os._exit(MEMORY_EXIT)


def warm_up() -> None:
    """Import the pipeline and load the model in the parent, once: forked children share them."""
    from extractors import nlp
    from pipeline import pdf, run  # noqa: F401  (pdfium's library is mapped here, not in each child)

    nlp.pipeline("en")


@dataclass(frozen=True)
class Job:
    """One document to extract: its path (for messages and provenance) and, when the caller
    has already read them, its bytes, so that what was hashed is exactly what is extracted."""

    path: str
    data: bytes | None = None
    language: str | None = None


class Cancelled(Exception):
    """The caller asked to stop (SIGTERM/SIGINT): running children were killed, nothing was kept."""


@dataclass
class _Running:
    job: Job
    index: int
    attempt: int
    proc: multiprocessing.process.BaseProcess
    conn: object
    deadline: float
    tmp: str


TEMP_PREFIX = "coi-extract-"


def sweep_child_temp_dirs() -> None:
    """Remove the per-child temp folders (``coi-extract-<parent pid>-…``) of parents that no
    longer run: a parent killed with ``kill -9`` cannot remove its own."""
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{TEMP_PREFIX}*-*"):
        pid = folder.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass


def _context():
    return multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")


def _end(run: _Running) -> None:
    """Kill the child's whole process group if it still runs; reap it; remove its temp folder."""
    if run.proc.is_alive():
        try:
            os.killpg(run.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, AttributeError):
            run.proc.kill()
    run.proc.join(5)
    run.conn.close()
    shutil.rmtree(run.tmp, ignore_errors=True)


def _answer(run: _Running, limits: Limits) -> str | IngestError | None:
    """What a finished child said: its JSON, its typed error, or ``None`` when it died
    without an answer for a reason that may not come again (retry it once)."""
    try:
        kind, payload = run.conn.recv()
    except (EOFError, OSError):
        run.proc.join(5)
        code = run.proc.exitcode
        if code == MEMORY_EXIT:
            return MemoryLimitError(run.job.path, f"extraction needed more than {limits.memory_mb} MB of memory and was stopped", "memory_mb")
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        if code is not None and code < 0 and -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            # a crash under the address-space cap: the same bytes would crash the same way again
            return MemoryLimitError(run.job.path, f"extraction was killed ({how}); it probably needed more than "
                                                  f"{limits.memory_mb} MB", "memory_mb")
        if run.attempt == 1:
            return None  # killed from outside (kill -9, the OOM killer): worth one more try
        return WorkerDiedError(run.job.path, f"the extraction process ended without an answer twice ({how}); "
                                             "it was retried once")
    if kind == "ok":
        return payload
    if kind == "file":  # read before _end removes the child's temp folder
        return Path(payload).read_text(encoding="utf-8")
    if kind == "ingest":
        return payload
    return IngestError(run.job.path, f"internal error while extracting: {payload}")


def extract_many(jobs: list[Job], limits: Limits = DEFAULT, workers: int = 1,
                 cancelled: Callable[[], bool] | None = None) -> Iterator[tuple[int, str | IngestError]]:
    """Extract ``jobs``, ``workers`` children at a time; yield ``(index, JSON or typed error)``
    as each finishes. A child that ends without an answer is started again once; the second
    time its job fails with the reason. When ``cancelled()`` turns true, the running children
    are killed and :class:`Cancelled` is raised."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    warm_up()
    sweep_child_temp_dirs()
    ctx = _context()
    pending: deque[tuple[int, Job, int]] = deque((i, job, 1) for i, job in enumerate(jobs))
    running: dict[object, _Running] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                index, job, attempt = pending.popleft()
                parent, child = ctx.Pipe(duplex=False)
                tmp = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
                inherited = [parent] + [r.conn for r in running.values()]
                proc = ctx.Process(target=_child, args=(child, inherited, job, limits, os.getpid(), tmp), daemon=True)
                proc.start()
                child.close()
                running[parent] = _Running(job, index, attempt, proc, parent, time.monotonic() + limits.seconds, tmp)
            now = time.monotonic()
            timeout = max(0.0, min(r.deadline for r in running.values()) - now)
            if cancelled is not None:
                timeout = min(timeout, 0.2)
            for conn in wait_for(list(running), timeout):
                run = running.pop(conn)
                answer = _answer(run, limits)
                _end(run)
                if answer is None:
                    pending.appendleft((run.index, run.job, run.attempt + 1))
                else:
                    yield run.index, answer
            now = time.monotonic()
            for conn, run in list(running.items()):
                if now >= run.deadline:
                    del running[conn]
                    _end(run)
                    yield run.index, TimeLimitError(run.job.path, f"extraction took longer than {limits.seconds:g} s and was stopped", "seconds")
            if cancelled is not None and cancelled():
                raise Cancelled()
    finally:
        for run in running.values():
            _end(run)


def extract_in_child(path: str | Path, limits: Limits = DEFAULT, data: bytes | None = None, language: str | None = None,
                     cancelled: Callable[[], bool] | None = None) -> str:
    """The extraction JSON of ``path`` (or of ``data``, its bytes already read), computed in a
    child process within ``limits``; a typed :class:`IngestError` when it fails."""
    for _, answer in extract_many([Job(os.fspath(path), data, language)], limits, 1, cancelled):
        if isinstance(answer, IngestError):
            raise answer
        return answer
    raise AssertionError("unreachable: one job gives one answer")
