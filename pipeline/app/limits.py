"""Per-document limits: pages, input size, wall time and memory.

Pages and size are checked before any work. Time and memory are enforced by running the
extraction in a worker process with an address-space limit, killed when it runs past its
time; either way the caller gets a typed :class:`LimitExceededError`, never a hang.

Workers are forked once from the warmed parent (:class:`Pool`) and each serves many
documents over a pipe, so a batch pays a fork, its page faults and an exit per worker, not
per document. Each document keeps its own guarantees: its own time limit (past it, the
worker and everything it started are killed, the document gets ``time_limit`` and a fresh
worker takes the next one), its own memory allowance (``RLIMIT_AS`` set afresh before each
document: what the worker already holds plus ``memory_mb``; past it the worker ends with
``memory_limit`` and is replaced), and a worker that dies without an answer costs only the
document in hand (retried once on a fresh worker, then ``worker_died``).

The worker writes the JSON itself and answers with a small :class:`Written` (counts, path,
document id): the parent never reads or validates the JSON again.

A worker never outlives its parent: it holds no copy of its pipes' parent ends (so waiting
for work from, or answering to, a dead parent fails instead of blocking), it asks Linux to
kill it when the parent dies (``PR_SET_PDEATHSIG``; elsewhere a watchdog thread polls the
parent's pid), and it runs in its own process group, so a time limit also ends the programs
it started (OCR). Linux ties that signal to the parent's *thread* that forked: a pool forks
from one thread of its own, alive as long as the pool, so that a worker asked for by a
short-lived thread (a replacement forked during a flow's task run) outlives that thread."""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import operator
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
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
    return _statm(0)


def _resident() -> int:
    """Bytes of memory this process holds (resident set)."""
    return _statm(1)


def _statm(field: int) -> int:
    """Field ``field`` of ``/proc/self/statm`` (0 address space, 1 resident set) in bytes; 0
    where /proc is missing."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[field]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return 0


MEMORY_EXIT = 86
"""Exit code of a worker that ran out of its memory allowance."""


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this (child) process end when ``parent_pid`` ends, however it ends (``kill -9``
    included): ``PR_SET_PDEATHSIG`` on Linux, a watchdog thread elsewhere. (Linux sends the
    signal when the *thread* that forked the child ends, not the process: :class:`Pool` forks
    every worker from one thread of its own that lives as long as the pool, never from the
    thread that asked for a worker, which may be a flow's short-lived task thread.)"""
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


@dataclass(frozen=True)
class Job:
    """One document to extract: its path (for messages and provenance) and, when the caller
    has already read them, its bytes, so that what was hashed is exactly what is extracted.
    ``target``: where the worker writes the JSON (through a temp name and a rename).
    ``sha256``: the hash of the bytes the caller means; a worker that reads other bytes (the
    file changed meanwhile) writes nothing and says so (its :class:`Written` has no path).
    ``last``: no document comes after this one (:func:`extract_many` marks it): its worker
    ends the NLP model's loader (:func:`extractors.nlp.asking_last`) once the document needs
    it no more, instead of both holding their memory to the end."""

    path: str
    data: bytes | None = None
    language: str | None = None
    target: str | None = None
    sha256: str | None = None
    last: bool = False


@dataclass(frozen=True)
class Written:
    """What a worker answers for a finished extraction: what the parent shows and records,
    never the JSON itself (which is on disk at ``path``; None when the bytes read were not the
    ones meant, see :attr:`Job.sha256`)."""

    path: str | None
    document_id: str
    kind: str
    pages: int
    language: str | None
    country: str | None
    sections: int
    footnotes: int
    sources: int
    facts: int
    warnings: int


def _written(extraction, path: Path | None) -> Written:
    doc = extraction.document
    return Written(
        None if path is None else str(path),
        doc.id,
        doc.kind.value,
        doc.page_count,
        doc.language,
        extraction.metadata.country,
        len(extraction.sections),
        len(extraction.footnotes),
        len(extraction.bibliography),
        sum(len(getattr(extraction.facts, name)) for name in type(extraction.facts).model_fields),
        len(extraction.warnings),
    )


def _taken(held: list, path: str) -> bytes:
    """The bytes in ``held`` (taken out of it), or the file's when the caller sent none."""
    from pipeline.readers.ingest import read_input

    data = held.pop()
    return data if data is not None else read_input(path)


def _extract_one(job: Job, held: list, limits: Limits, tmp: str) -> tuple:
    """In the worker: extract ``job`` and write its JSON; the answer to send back, as
    ``(kind, payload, needs)``. Running out of memory ends the worker with ``MEMORY_EXIT``.

    ``held`` is a one-item list with the job's bytes (or None): taken out of it, no name
    outside the reader holds them, so a long report's input (tens of MB) is freed before
    the stages run."""
    needs = None
    try:
        from extractors import nlp
        from pipeline.app import run
        from pipeline.readers.ingest import ingest_bytes

        doc = ingest_bytes(_taken(held, job.path), job.path, language=job.language, limits=limits)
        with nlp.asking_last() if job.last else nullcontext():
            extraction = run.extract_document(doc)
        del doc
        needs = Needs(
            extraction.document.language,
            extraction.metadata.country,
            nlp.loaded(),
            pdf=extraction.document.kind.value == "pdf",
        )
        if job.sha256 is not None and extraction.document.id != job.sha256:
            return ("done", _written(extraction, None), needs)
        target = Path(job.target) if job.target else Path(tmp) / "extraction.json"
        try:
            # issue 17: the JSON is written piece by piece to its file, never built as one string
            run.write_extraction(extraction, target)
        except OSError as exc:  # a full disk, say: the parent decides what it means
            return ("oserror", OSError(exc.errno, exc.strerror or str(exc), os.fspath(target)), needs)
        return ("done", _written(extraction, target), needs)
    except IngestError as exc:
        return ("ingest", exc, needs)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except (ImportError, OSError) as exc:
        if "map" in str(exc) or "allocate" in str(exc):
            os._exit(MEMORY_EXIT)
        return ("error", f"{type(exc).__name__}: {exc}", needs)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as an internal error
        return ("error", f"{type(exc).__name__}: {exc}", needs)


def _cap_memory(memory_mb: int | None) -> None:
    """Set this process's address-space limit (soft only, so it can be set again): what it
    holds now plus ``memory_mb``; None lifts it to the hard limit."""
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = hard if memory_mb is None else _address_space() + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):
        pass


def _empty(folder: str) -> None:
    """Remove what a document left in the worker's temp folder (OCR images and the like)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for name in entries:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _serve(requests, answers, inherited: list, limits: Limits, parent_pid: int, tmp: str) -> None:
    """The worker's life: take a job from ``requests``, extract it within ``limits``, answer
    on ``answers``; end when the parent closes ``requests`` (or dies)."""
    for other in inherited:  # the parent's ends of this and other workers' pipes: never ours
        other.close()
    die_with_parent(parent_pid)
    faulthandler.disable()  # a crash here is reported, typed, by the parent; no C traceback on its stderr
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tempfile.tempdir = tmp  # OCR images and the like: removed after each document, and by the parent
    os.environ["TMPDIR"] = tmp
    while True:
        try:
            job = requests.recv()
        except MemoryError:
            os._exit(MEMORY_EXIT)
        except (EOFError, OSError):
            os._exit(0)  # the parent closed the pool, or died
        if job is None:
            os._exit(0)
        try:
            _cap_memory(limits.memory_mb)
            held, job = [job.data], replace(job, data=None)
            answer = _extract_one(job, held, limits, tmp)
            _cap_memory(None)
            answers.send((*answer, _resident()))
        except MemoryError:
            os._exit(MEMORY_EXIT)
        except (BrokenPipeError, OSError):
            os._exit(1)  # the parent is gone: nobody to answer
        del job, answer
        _empty(tmp)


@dataclass(frozen=True)
class Needs:
    """What a child's extraction needed that a parent can build once for the next children:
    the language data of ``language``, the knowledge of ``country`` (English short name, as in
    the output's metadata), the NLP models of ``models`` (languages), the PDF reader (``pdf``)."""

    language: str | None = None
    country: str | None = None
    models: tuple[str, ...] = ()
    pdf: bool = False


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


def warm_up(
    language: str = "en", country: str | None = None, models: tuple[str, ...] | None = None, pdf: bool = True
) -> None:
    """Build in this process, before it forks children, what every extraction builds once per
    process, so that the children inherit it instead of each building it again: the pipeline's
    imports (with ``pdf``, the PDF reader's too, pdfium's library mapped once), the language
    data, knowledge and pattern caches for ``language`` and ``country`` (by extracting
    :func:`warm_text`), and the NLP models of ``models`` (default: every installed one).
    Idempotent; what fails here is only left for the children to build."""
    with _WARM_LOCK:
        from extractors import nlp
        from pipeline.app import run
        from pipeline.readers.ingest import ingest_bytes

        if pdf:  # ~0.2 s (cffi, pypdfium2, the reader): for nothing in a batch of text files
            from pipeline.readers import pdf as _reader  # noqa: F401  (imported here, shared by every child)

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
        places.build_town_lookups(code)


def _learn(needs: Needs | None) -> None:
    """Build in this process what a child just needed (its language, its country, the model),
    for the children still to come."""
    if needs is None:
        return
    from extractors import nlp

    missing = tuple(code for code in needs.models if code not in nlp.loaded())
    if needs.language is None or ((needs.language, needs.country) in _warmed and not missing and not needs.pdf):
        return
    warm_up(needs.language, needs.country, missing, pdf=needs.pdf)


class Cancelled(Exception):
    """The caller asked to stop (SIGTERM/SIGINT): running workers were killed, nothing was kept."""


TEMP_PREFIX = "coi-extract-"

RECYCLE_AFTER = 500
"""Documents a worker serves before a fresh fork replaces it. A worker keeps what its
documents built (the caches of each new language and country, the model, the allocator's
arenas after a long report); none of that is wrong, but every page of it is the worker's own,
no longer shared with the parent, and Python rarely gives arenas back. A bound on documents
keeps a long-running pool (a flow, a large batch) from drifting; at 500 a re-fork costs
under 0.1 % of a small-file batch."""

RECYCLE_GROWTH_MB = 256
"""Growth of a worker's resident memory over what it held after its first document past
which it is replaced (for the same reason, sooner: one 3,000-page report can leave hundreds
of MB behind, which every later document would pay for in the worker's memory allowance)."""


def sweep_child_temp_dirs() -> None:
    """Remove the per-worker temp folders (``coi-extract-<parent pid>-…``) of parents that no
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


@dataclass
class _Task:
    """The document a worker has in hand."""

    index: int
    job: Job
    attempt: int
    deadline: float


class _Worker:
    """One forked worker and the parent's ends of its two pipes (jobs in, answers out)."""

    def __init__(self, limits: Limits, others: list[_Worker]):
        ctx = _context()
        jobs_in, self.requests = ctx.Pipe(duplex=False)
        self.answers, answers_out = ctx.Pipe(duplex=False)
        self.tmp = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
        inherited = [self.requests, self.answers] + [end for w in others for end in (w.requests, w.answers)]
        self.proc = ctx.Process(
            target=_serve, args=(jobs_in, answers_out, inherited, limits, os.getpid(), self.tmp), daemon=True
        )
        _start_frozen(self.proc)
        jobs_in.close()
        answers_out.close()
        self.task: _Task | None = None
        self.served = 0
        self.base_rss = 0

    def give(self, task: _Task) -> None:
        """Send the worker its next document (a worker that died idle fails on its answer)."""
        self.task = task
        try:
            self.requests.send(task.job)
        except (BrokenPipeError, OSError):
            pass

    def end(self) -> None:
        """Kill the worker's whole process group if it still runs; reap it; remove its temp folder."""
        if self.proc.is_alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):
                self.proc.kill()
        self.proc.join(5)
        self.requests.close()
        self.answers.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def worn(self, rss: int) -> bool:
        """Served enough documents, or grew enough, to be replaced (:data:`RECYCLE_AFTER`)."""
        self.served += 1
        if self.served == 1:
            self.base_rss = rss
        return self.served >= RECYCLE_AFTER or rss - self.base_rss > RECYCLE_GROWTH_MB * 1024 * 1024


def _time_limit(task: _Task, limits: Limits) -> TimeLimitError:
    return TimeLimitError(task.job.path, f"extraction took longer than {limits.seconds:g} s and was stopped", "seconds")


def _answer(worker: _Worker, limits: Limits) -> tuple[Written | IngestError | OSError | None, Needs | None, int | None]:
    """What a worker said of its document: what it wrote, its typed error, or ``None`` when it
    died without an answer for a reason that may not come again (retry it once); with what its
    extraction needed (:class:`Needs`) and the worker's resident memory (None: it is gone)."""
    task = worker.task
    try:
        kind, payload, needs, rss = worker.answers.recv()
    except (EOFError, OSError):
        worker.proc.join(5)
        code = worker.proc.exitcode
        if code == MEMORY_EXIT:
            return (
                MemoryLimitError(
                    task.job.path,
                    f"extraction needed more than {limits.memory_mb} MB of memory and was stopped",
                    "memory_mb",
                ),
                None,
                None,
            )
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        if code is not None and code < 0 and -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            # a crash under the address-space cap: the same bytes would crash the same way again
            return (
                MemoryLimitError(
                    task.job.path,
                    f"extraction was killed ({how}); it probably needed more than {limits.memory_mb} MB",
                    "memory_mb",
                ),
                None,
                None,
            )
        if task.attempt == 1:
            return None, None, None  # killed from outside (kill -9, the OOM killer): worth one more try
        return (
            WorkerDiedError(
                task.job.path, f"the extraction process ended without an answer twice ({how}); it was retried once"
            ),
            None,
            None,
        )
    if kind in ("done", "ingest", "oserror"):
        return payload, needs, rss
    return InternalError(task.job.path, f"internal error while extracting: {payload}"), needs, rss


SLOT_LOOK_SECONDS = 0.005
"""How often a caller of :meth:`Pool.map` with documents waiting, and fewer of them running
than the pool has workers, looks whether another caller gave a worker back: a worker that
the other caller has no more work for would idle until then (a small report takes 20-30 ms)."""


class _Pending:
    """The jobs of one :meth:`Pool.map` not given yet, as ``(index, job, attempt)``: a job
    given back for another attempt first, then the caller's, taken from its iterable one at a
    time. Asking whether there is one (``bool``) takes the next: the map asks right after it
    gave a job, so whatever the iterable does to make the next one (a batch hashes and claims
    its input, ``pipeline.app.ops.extract_inputs``) is done while the workers extract."""

    def __init__(self, jobs: Iterable[Job]):
        self._jobs = enumerate(jobs)
        self._queue: deque[tuple[int, Job, int]] = deque()

    def __bool__(self) -> bool:
        if not self._queue:
            for index, job in self._jobs:  # the next one only
                self._queue.append((index, job, 1))
                break
        return bool(self._queue)

    def popleft(self) -> tuple[int, Job, int]:
        return self._queue.popleft()

    def appendleft(self, item: tuple[int, Job, int]) -> None:
        self._queue.appendleft(item)


class Pool:
    """``workers`` worker processes forked from this (warmed) process, each serving many
    documents, each document within ``limits`` (see the module's docstring). Use it as a
    context manager; :meth:`map` runs a list of jobs from one thread, :meth:`extract` runs one
    job and may be called from many threads at once (a flow's task runner), at most
    ``workers`` at a time.

    ``warm``: build what every extraction builds once per process here, before the first
    fork (English), so that the workers inherit it; and, for each new worker (a replacement),
    what earlier documents turned out to need (:class:`Needs`: their language, country,
    model). ``learn_at_once``: build those needs right after each answer instead (a caller
    that will fork again after this pool is gone: a watcher making one pool per poll).
    ``models``: load the NLP models (see :func:`warm_up`) before the first fork too, so that
    the workers share one copy instead of each loading its own when a sentence needs it (worth
    it with more than one worker and more documents than workers; the default loads none).
    ``pdf``: warm the PDF reader too (default); False for jobs that hold no PDF (a batch of
    text files), which would pay ~0.2 s before the first fork for nothing. A worker that reads
    a PDF anyway imports the reader itself, and the pool learns it for the next fork (:class:`Needs`)."""

    def __init__(
        self,
        limits: Limits = DEFAULT,
        workers: int = 1,
        warm: bool = True,
        learn_at_once: bool = False,
        models: tuple[str, ...] | None = (),
        pdf: bool = True,
    ):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.limits, self.size, self.warm, self.learn_at_once = limits, workers, warm, learn_at_once
        self.models, self.pdf = models, pdf
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(workers)
        self._starting = threading.Lock()
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._needs: set[Needs] = set()
        self._started = False
        self._forker: ThreadPoolExecutor | None = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, count: int | None = None) -> Pool:
        """Fork ``count`` (default: all) workers now, so that the first documents do not wait.
        Safe from many threads at once: the pool never holds more than ``workers``."""
        with self._starting:
            for _ in range(max(0, min(self.size, self.size if count is None else count) - len(self._all))):
                self._idle.append(self._spawn())
        return self

    def close(self) -> None:
        """End every worker (killed with its process group; an idle one has nothing to lose),
        then the thread they were forked from."""
        with self._lock:
            workers, self._all, self._idle = self._all, [], []
            forker, self._forker = self._forker, None
        for worker in workers:
            worker.end()
        if forker is not None:
            forker.shutdown()

    def _fork(self, others: list[_Worker]) -> _Worker:
        """A worker forked from the pool's own forking thread, whichever thread asks: Linux
        kills a child when the *thread* that forked it ends (see :func:`die_with_parent`), and
        the thread asking may be a task thread that ends long before the pool. Called with
        ``self._lock`` held (the forking thread never takes it)."""
        if self._forker is None:
            self._forker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coi-pool-forker")
        return self._forker.submit(_Worker, self.limits, others).result()

    def _spawn(self) -> _Worker:
        """A new worker, forked after building what earlier documents needed."""
        if self.warm:
            if not self._started:
                warm_up(models=self.models, pdf=self.pdf)
            with self._lock:
                needs, self._needs = self._needs, set()
            for need in needs:
                _learn(need)
        self._started = True
        if not self._all:
            sweep_child_temp_dirs()
        with self._lock:
            worker = self._fork(list(self._all))
            self._all.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.end()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def _heard(self, worker: _Worker, needs: Needs | None, rss: int) -> None:
        """After an answer: learn what it needed; keep the worker, or replace it when worn."""
        worker.task = None
        if needs is not None and self.warm:
            if self.learn_at_once:
                _learn(needs)
            else:
                with self._lock:
                    self._needs.add(needs)
        if worker.worn(rss):
            self._retire(worker)
        else:
            with self._lock:
                self._idle.append(worker)

    def _worker(self) -> _Worker:
        """An idle worker, or a new one (forked under the same lock as :meth:`start`'s, so that
        the two never both fork for the one place a retired worker left)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        with self._starting:
            with self._lock:
                if self._idle:
                    return self._idle.pop()
            return self._spawn()

    def _take_slot(self, busy: dict, cancelled: Callable[[], bool] | None) -> bool:
        """A worker's slot for this caller: waited for while the caller has nothing in hand
        (another caller holds every worker), else taken only when free."""
        if busy:
            return self._slots.acquire(blocking=False)
        while not self._slots.acquire(timeout=0.2):
            if cancelled is not None and cancelled():
                raise Cancelled()
        return True

    def map(
        self, jobs: Iterable[Job], cancelled: Callable[[], bool] | None = None
    ) -> Iterator[tuple[int, Written | IngestError | OSError]]:
        """Extract ``jobs`` on the pool's workers; yield ``(index, answer)`` as each finishes:
        a :class:`Written`, a typed :class:`IngestError`, or the ``OSError`` of writing the
        JSON (a full disk). A document whose worker ended without an answer is given to a
        fresh worker once; the second time it fails with the reason. When ``cancelled()`` turns
        true, the busy workers are killed and :class:`Cancelled` is raised.

        A worker that answers is given its next job *before* the answer is yielded, so that it
        extracts while the caller records the answer (with one worker, the two would
        otherwise take turns). Several threads may map at once (a flow's runs of documents):
        each job holds one of the pool's ``workers`` slots while it runs, as with
        :meth:`extract`.

        ``jobs`` may be lazy (see :class:`_Pending`): a job is taken from it when a worker is
        free for it, or one ahead of them; no worker is forked before the first job, nor more
        of them than its length hint (``operator.length_hint``, PEP 424)."""
        limits = self.limits
        count = operator.length_hint(jobs, self.size)
        pending = _Pending(jobs)
        if pending:
            self.start(count)
        busy: dict[object, _Worker] = {}

        def give_next() -> None:
            """The next pending job to a worker, under the slot just taken."""
            index, job, attempt = pending.popleft()
            try:
                worker = self._worker()
            except BaseException:
                self._slots.release()
                raise
            worker.give(_Task(index, job, attempt, time.monotonic() + limits.seconds))
            busy[worker.answers] = worker

        def done_with(worker: _Worker) -> None:
            """Its job is over (answered, timed out, abandoned): the slot goes back, after the
            worker went back to the idle list or was retired, so that whoever takes the slot
            finds it (or room for a new one) and the pool never exceeds ``workers``."""
            del busy[worker.answers]
            self._slots.release()

        try:
            while pending or busy:
                while pending and self._take_slot(busy, cancelled):
                    give_next()
                now = time.monotonic()
                timeout = max(0.0, min(w.task.deadline for w in busy.values()) - now)
                if cancelled is not None:
                    timeout = min(timeout, 0.2)
                if pending and len(busy) < self.size:  # another caller holds a slot: look again soon
                    timeout = min(timeout, SLOT_LOOK_SECONDS)
                answered: list[tuple[int, Written | IngestError | OSError]] = []
                for conn in wait_for(list(busy), timeout):
                    worker = busy[conn]
                    task = worker.task
                    answer, needs, rss = _answer(worker, limits)
                    if rss is None:  # it is gone
                        self._retire(worker)
                    else:
                        self._heard(worker, needs, rss)
                    done_with(worker)
                    if answer is None:
                        pending.appendleft((task.index, task.job, task.attempt + 1))
                    else:
                        answered.append((task.index, answer))
                now = time.monotonic()
                for worker in list(busy.values()):
                    if now >= worker.task.deadline:
                        task = worker.task
                        self._retire(worker)
                        done_with(worker)
                        answered.append((task.index, _time_limit(task, limits)))
                if cancelled is not None and cancelled():
                    raise Cancelled()
                while answered and pending and self._slots.acquire(blocking=False):  # the next job first
                    give_next()
                yield from answered
        finally:
            for worker in list(busy.values()):
                self._retire(worker)
                done_with(worker)

    def extract(self, job: Job, cancelled: Callable[[], bool] | None = None) -> Written | IngestError | OSError:
        """:meth:`map` for one job, safe to call from many threads at once (each waits for a
        free worker)."""
        limits = self.limits
        with self._slots:
            attempt = 1
            while True:
                worker = self._worker()
                task = _Task(0, job, attempt, time.monotonic() + limits.seconds)
                worker.give(task)
                try:
                    while True:
                        timeout = max(0.0, task.deadline - time.monotonic())
                        if cancelled is not None:
                            timeout = min(timeout, 0.2)
                        if wait_for([worker.answers], timeout):
                            break
                        if time.monotonic() >= task.deadline:
                            self._retire(worker)
                            return _time_limit(task, limits)
                        if cancelled is not None and cancelled():
                            raise Cancelled()
                    answer, needs, rss = _answer(worker, limits)
                except BaseException:
                    self._retire(worker)
                    raise
                if rss is None:
                    self._retire(worker)
                else:
                    self._heard(worker, needs, rss)
                if answer is not None:
                    return answer
                attempt += 1


PDF_SUFFIXES = (".pdf",)


def models_to_load(documents: int, workers: int) -> tuple[str, ...] | None:
    """:class:`Pool`'s ``models`` for a batch of ``documents`` on ``workers``: every installed
    model (None) with more than one worker and more documents than workers, so that the
    workers share one copy; none otherwise (a worker loads one when a sentence needs it)."""
    return None if documents > workers > 1 else ()


def names_pdf(paths: Iterable[str | bytes | os.PathLike]) -> bool:
    """Whether any of ``paths`` is named as a PDF: the hint :class:`Pool`'s ``pdf`` takes (a
    PDF named otherwise is read all the same, its worker importing the reader itself)."""
    return any(os.fsdecode(p).lower().endswith(PDF_SUFFIXES) for p in paths)


def extract_many(
    jobs: Iterable[Job],
    limits: Limits = DEFAULT,
    workers: int = 1,
    cancelled: Callable[[], bool] | None = None,
    warm: bool | None = None,
    pdf: bool = True,
) -> Iterator[tuple[int, Written | IngestError | OSError]]:
    """Extract ``jobs`` on a :class:`Pool` of ``workers`` made for them (see :meth:`Pool.map`);
    with one worker (documents one after the other), the last of a list is marked :attr:`Job.last`.

    ``warm``: True in a process that will extract again (a watcher): what each document
    needed is built here at once, so that the next fork inherits it; False never; by default,
    when there may be more than one job (by ``jobs``' length or length hint; a single `coi
    extract` starts its worker at once and builds only what it needs). With more than one
    worker and more documents than workers, the NLP model is loaded here too, once for all
    (see :class:`Pool`). ``pdf``: see :class:`Pool`."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if workers == 1 and isinstance(jobs, list) and jobs:  # a lazy iterable's last is not known ahead
        jobs = [*jobs[:-1], replace(jobs[-1], last=True)]
    again, count = warm is True, operator.length_hint(jobs, 2)
    warm = count > 1 if warm is None else warm
    models = models_to_load(count, workers) if warm else ()
    with Pool(limits, workers, warm=warm, learn_at_once=again, models=models, pdf=pdf) as pool:
        yield from pool.map(jobs, cancelled)


def extract_in_child(
    path: str | Path,
    limits: Limits = DEFAULT,
    data: bytes | None = None,
    language: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> str:
    """The extraction JSON of ``path`` (or of ``data``, its bytes already read), computed in a
    worker process within ``limits``; a typed :class:`IngestError` when it fails."""
    folder = tempfile.mkdtemp(prefix="coi-json-")
    try:
        job = Job(os.fspath(path), data, language, target=os.path.join(folder, "extraction.json"))
        for _, answer in extract_many([job], limits, 1, cancelled):
            if isinstance(answer, (IngestError, OSError)):
                raise answer
            return Path(answer.path).read_text(encoding="utf-8")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    raise AssertionError("unreachable: one job gives one answer")
