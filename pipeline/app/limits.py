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
import gc
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
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for
from pathlib import Path

from schemas.errors import (
    IngestError,
    InternalError,
    MemoryLimitError,
    TimeLimitError,
    WorkerDiedError,
)
from schemas.limits import DEFAULT, Limits


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
    """Run in the child: cap memory, extract, send back JSON (and what it needed, see
    :class:`Needs`) or a typed error. Running out of memory anywhere (even while reporting)
    ends the child with ``MEMORY_EXIT``."""
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
        needs = None
        try:
            from extractors import nlp
            from pipeline.app.run import extract_document, write_extraction
            from pipeline.readers.ingest import ingest_bytes, read_input

            data = job.data if job.data is not None else read_input(job.path)
            doc = ingest_bytes(data, job.path, language=job.language, limits=limits)
            extraction = extract_document(doc)
            needs = Needs(extraction.document.language, extraction.metadata.country, nlp.loaded())
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
            conn.send((*result, needs))
            conn.close()
        except (BrokenPipeError, OSError):
            os._exit(1)  # the parent is gone: nobody to answer
    except MemoryError:
        os._exit(MEMORY_EXIT)
    # answered: end now, without tearing down the interpreter object by object (the parent
    # waits for this exit before it reaps the child and starts the next one)
    os._exit(0)


@dataclass(frozen=True)
class Needs:
    """What a child's extraction needed that a parent can build once for the next children:
    the language data of ``language``, the knowledge of ``country`` (English short name, as in
    the output's metadata), the NLP models of ``models`` (languages)."""

    language: str | None = None
    country: str | None = None
    models: tuple[str, ...] = ()


WARM_UP_TEXT = """Security situation

On 3 March 2020, unidentified armed men killed 12 civilians and wounded 4 others in an attack \
on a village near the border, according to local sources.[1] Between January and June 2020, 35 \
violent events were recorded in the area and about 1,500 people were displaced to the district \
capital.

1 Local Monitor, Weekly update, 4 March 2020
"""
"""A short report of our own words: extracting it builds the caches that every extraction
builds (language data, knowledge base, patterns) without depending on their names."""

_WARM_LOCK = threading.RLock()
"""Held while this process warms up and while it forks: a child forked by one thread while
another is half-way through an import would inherit a half-imported module."""

_warmed: set[tuple[str | None, str | None]] = set()
"""(language, country) pairs this process has extracted a warm-up text for."""


def warm_text(country: str | None = None) -> str:
    """:data:`WARM_UP_TEXT`, headed by ``country`` and some of its admin units from the
    knowledge base, so that extracting it builds that country's gazetteer and patterns too."""
    from schemas import kb

    found = kb.country(country) if country else None
    if found is None:
        return WARM_UP_TEXT
    units = [p.name for p in kb.gazetteer(found[1]) if p.type != "country"][:4]
    return f"{found[2]}\n\n{found[2]}: {', '.join(units)}.\n\n" + WARM_UP_TEXT


def warm_up(language: str = "en", country: str | None = None, models: tuple[str, ...] | None = None) -> None:
    """Build in this process, before it forks children, what every extraction builds once per
    process, so that the children inherit it instead of each building it again: the pipeline's
    imports (pdfium's library mapped once), the language data, knowledge and pattern caches
    for ``language`` and ``country`` (by extracting :func:`warm_text`), and the NLP models of
    ``models`` (default: every installed one). Idempotent; what fails here is only left for
    the children to build."""
    with _WARM_LOCK:
        from extractors import nlp
        from pipeline.app import run
        from pipeline.readers import pdf  # noqa: F401  (imported here, shared by every child)
        from pipeline.readers.ingest import ingest_bytes

        for code in nlp.MODELS if models is None else models:
            nlp.pipeline(code)
        if (language, country) in _warmed:
            return
        _warmed.add((language, country))
        try:
            run.extract_document(ingest_bytes(warm_text(country).encode(), "warm-up.txt", language=language))
            _warm_towns(country)
        except Exception:  # noqa: BLE001, S110 - a cache the warm-up could not fill is built by each child instead
            pass


def _warm_towns(country: str | None) -> None:
    """The town indexes of ``country`` and its neighbours, which a report's place names are
    looked up in (the short warm-up text names too few places to reach them all)."""
    from schemas import kb
    from schemas.kb import places

    found = kb.country(country) if country else None
    if found is None:
        return
    for code in (found[0], *kb.neighbours(found[0])):
        places.towns_by_name(code)
        places.unit_coords(code, "")


def _learn(needs: Needs | None) -> None:
    """Build in this process what a child just needed (its language, its country, the model),
    for the children still to come."""
    if needs is None:
        return
    from extractors import nlp

    missing = tuple(code for code in needs.models if code not in nlp.loaded())
    if needs.language is None or ((needs.language, needs.country) in _warmed and not missing):
        return
    warm_up(needs.language, needs.country, missing)


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
        pid = folder.name[len(TEMP_PREFIX) :].split("-", 1)[0]
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


def _answer(run: _Running, limits: Limits) -> tuple[str | IngestError | None, Needs | None]:
    """What a finished child said: its JSON, its typed error, or ``None`` when it died
    without an answer for a reason that may not come again (retry it once); with what its
    extraction needed (:class:`Needs`), when it finished one."""
    try:
        kind, payload, needs = run.conn.recv()
    except (EOFError, OSError):
        run.proc.join(5)
        code = run.proc.exitcode
        if code == MEMORY_EXIT:
            return MemoryLimitError(
                run.job.path,
                f"extraction needed more than {limits.memory_mb} MB of memory and was stopped",
                "memory_mb",
            ), None
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        if code is not None and code < 0 and -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            # a crash under the address-space cap: the same bytes would crash the same way again
            return MemoryLimitError(
                run.job.path,
                f"extraction was killed ({how}); it probably needed more than {limits.memory_mb} MB",
                "memory_mb",
            ), None
        if run.attempt == 1:
            return None, None  # killed from outside (kill -9, the OOM killer): worth one more try
        return WorkerDiedError(
            run.job.path, f"the extraction process ended without an answer twice ({how}); it was retried once"
        ), None
    if kind == "file":  # read before _end removes the child's temp folder
        return Path(payload).read_text(encoding="utf-8"), needs
    if kind in ("ok", "ingest"):
        return payload, needs
    return InternalError(run.job.path, f"internal error while extracting: {payload}"), needs


def _start_frozen(proc: multiprocessing.process.BaseProcess) -> None:
    """Start ``proc`` with this process's objects moved out of the garbage collector's sight
    (``gc.freeze``) for the child only: a forked child's collections then never walk the
    inherited pipeline, model and caches, so their memory pages stay shared with the parent
    instead of being copied page by page. The parent collects as before."""
    with _WARM_LOCK:
        gc.freeze()
        try:
            proc.start()
        finally:
            gc.unfreeze()


def extract_many(
    jobs: list[Job],
    limits: Limits = DEFAULT,
    workers: int = 1,
    cancelled: Callable[[], bool] | None = None,
    warm: bool | None = None,
) -> Iterator[tuple[int, str | IngestError]]:
    """Extract ``jobs``, ``workers`` children at a time; yield ``(index, JSON or typed error)``
    as each finishes. A child that ends without an answer is started again once; the second
    time its job fails with the reason. When ``cancelled()`` turns true, the running children
    are killed and :class:`Cancelled` is raised.

    Whatever the children build once per process (language data, knowledge, patterns, the
    NLP model) is built here instead when more work is to come, so that each child inherits
    it: before the first child, for English; after each answer, for the language, country and
    model that child needed (:class:`Needs`). ``warm``: True in a process that will extract
    again (a watcher, a flow's worker), False never; by default, when there is more than one
    job (a single `coi extract` starts its child at once and builds only what it needs)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    again = warm is True  # the caller will extract again: what this child needed is built even after the last job
    warm = len(jobs) > 1 if warm is None else warm
    if warm:
        warm_up(models=())
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
                _start_frozen(proc)
                child.close()
                running[parent] = _Running(job, index, attempt, proc, parent, time.monotonic() + limits.seconds, tmp)
            now = time.monotonic()
            timeout = max(0.0, min(r.deadline for r in running.values()) - now)
            if cancelled is not None:
                timeout = min(timeout, 0.2)
            for conn in wait_for(list(running), timeout):
                run = running.pop(conn)
                answer, needs = _answer(run, limits)
                _end(run)
                if warm and (pending or again):
                    _learn(needs)
                if answer is None:
                    pending.appendleft((run.index, run.job, run.attempt + 1))
                else:
                    yield run.index, answer
            now = time.monotonic()
            for conn, run in list(running.items()):
                if now >= run.deadline:
                    del running[conn]
                    _end(run)
                    yield (
                        run.index,
                        TimeLimitError(
                            run.job.path, f"extraction took longer than {limits.seconds:g} s and was stopped", "seconds"
                        ),
                    )
            if cancelled is not None and cancelled():
                raise Cancelled()
    finally:
        for run in running.values():
            _end(run)


def extract_in_child(
    path: str | Path,
    limits: Limits = DEFAULT,
    data: bytes | None = None,
    language: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """The extraction JSON of ``path`` (or of ``data``, its bytes already read), computed in a
    child process within ``limits``; a typed :class:`IngestError` when it fails."""
    for _, answer in extract_many([Job(os.fspath(path), data, language)], limits, 1, cancelled):
        if isinstance(answer, IngestError):
            raise answer
        return answer
    raise AssertionError("unreachable: one job gives one answer")
