"""Prefect flows: thin wrappers over ``pipeline.app.ops``.

``extract_report`` extracts one file; ``extract_batch`` extracts a folder; ``watch_inbox`` is one
poll of an inbox, for a deployment that runs it on a schedule.

**What a batch shows.** Its documents run in task runs of several documents each, named
``extract · 50 documents: a.txt … x.txt`` (``extract · 1 document: a.txt`` for one). Each
document's outcome is one line of its task run's log: pages, facts, warnings, country,
language and output, or an error line with the reason (the lines of a run are shipped
together, at least every 2 s and at its end; an error at once, see :class:`RunLog`). A
document that failed is, besides, a **Failed** task run of its own named ``extract · <file
name>`` (its reason in the exception) and tagged with its kind (``kind:pdf``,
``kind:text``), so failures stay visible one by one; the flow goes on with the rest. The
runs of documents carry no tags: Prefect asks its server for a concurrency slot of every tag
of a task run before it starts it, and on 200 small reports with 2 workers those requests
held the runs back by 0.2-2.4 s at the start of the batch and made it take 5.2-7.4 s against
3.8-4.9 s without them (4 runs each; the workers, not tags, bound the batch's concurrency). Every batch, and every poll that processed something, leaves a markdown
artifact: a table of every document, outcome, facts, warnings and output or reason. A poll
that found nothing logs one debug line and leaves nothing else. (One task run per document
cost about 80 ms of CPU per document in Prefect's bookkeeping, 23 ms in the flow's process and
55 ms in its temporary server, measured on 100 small reports: more than extracting one. With
runs of documents, Prefect added -3 to +22 % CPU to the direct batch of 200 small reports in
two `coi bench` runs; the README has the figures.)

The flows end **Completed** as long as they ran through, so a caller always gets the summary;
when documents failed, the state is named ``Completed with failures`` and its message counts
them (the failed task runs are red beside it). Only a flow that could not run (a missing
folder) is Failed.

``workers`` extraction processes are forked once per batch (one per poll of ``watch_inbox``,
which takes its files one after the other) from the flow's (warmed) process and serve all its
documents (:class:`pipeline.app.limits.Pool`, each document within its
limits); the task runs run on threads over them, and no task result is cached or persisted
(the output layout is the record of work). One thread more than workers: a run of documents
waiting for a worker has its next input hashed and claimed, and takes the worker the moment
another run's last document is done, so a worker does not idle while Prefect ends one task
run and starts the next (the runs share the workers, at most ``workers`` documents at a
time). The task runner is set on the flow (two threads, for one worker) and can be swapped::

    extract_batch.with_options(task_runner=ThreadPoolTaskRunner(max_workers=4))(folder, out, workers=4)

Run locally (no ``PREFECT_API_URL``: Prefect starts a temporary server of its own for the
process), wrap the calls in :func:`local_prefect`, which applies the settings a run on that
temporary server needs (:data:`TEMPORARY_SERVER_SETTINGS`, the one place they are set, with why
each is safe); against a real server it changes nothing::

    with local_prefect():
        summary = extract_batch("inbox", "out", workers=2)

To run on a schedule, point at a server first (without ``PREFECT_API_URL`` ``serve`` starts a
throwaway server that cannot schedule anything)::

    prefect server start                       # in one terminal
    export PREFECT_API_URL=http://127.0.0.1:4200/api
    python -c "from flows import watch_inbox; watch_inbox.serve(name='inbox', interval=60,
               parameters={'inbox': '/data/inbox', 'out': '/data/out'})"

Work already done is skipped by content (sha256 of the input and the pipeline version), and an
inbox file is claimed before work (``pipeline.app.claims``), so two workers never extract it twice.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------- Prefect settings (all of them)

TELEMETRY_OFF = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
"""Set in the environment (unless set already) when this module is imported, before Prefect
is: the machines reach only package registries, so neither the server's analytics nor the
client's (which honours the DO_NOT_TRACK convention) may try to send anything anywhere. They
reach Prefect's temporary server too, which inherits this process's environment."""

for _name, _value in TELEMETRY_OFF.items():
    os.environ.setdefault(_name, _value)

from prefect import flow, get_run_logger, tags, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NONE as NO_CACHE  # noqa: E402
from prefect.settings import (  # noqa: E402
    PREFECT_API_SSL_CERT_FILE,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    get_current_settings,
    temporary_settings,
)
from prefect.states import Completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

NO_AUTHORITY = Path(__file__).with_name("no-authority.pem")
"""A certificate authority whose private key was thrown away when it was made: it vouches for
nothing. See :data:`TEMPORARY_SERVER_SETTINGS`."""

TEMPORARY_SERVER_SETTINGS = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None, PREFECT_API_SSL_CERT_FILE: str(NO_AUTHORITY)}
"""Settings of a flow run on Prefect's temporary server (no ``PREFECT_API_URL``), applied by
:func:`local_prefect`. Flow-run heartbeats off: a heartbeat lets a long-lived server mark a
flow run whose process died as crashed, but a temporary server dies with that process, so
nobody is there to read them; and each run pays for them at its end, waiting up to a second
for the heartbeat thread's sleep to end (a batch flow over an empty folder: 1.1-1.3 s with
them, 0.2-0.4 s without, measured). The certificates trusted for the API: only
:data:`NO_AUTHORITY`. The temporary server speaks plain HTTP on 127.0.0.1, so no certificate
is ever checked, but each Prefect client builds a TLS context all the same, loading the ~150
authorities of certifi's bundle (33-47 ms of CPU; three clients per flow run, one before the
flow's body starts), against 1-2 ms for this one: a batch flow over an empty folder took
151-169 ms instead of 184-196 (medians of 30-40 alternating runs, three times). Nothing
changes for a flow run against a real server (``PREFECT_API_URL`` set, as for a deployment):
heartbeats, certificates, logs, events, task runs and artifacts are all as Prefect's
defaults. Left at the defaults on purpose: the temporary
server's services (the task-run recorder makes the task runs; the event persister, triggers
and event stream cost about 0.15 s of CPU on a 100-document batch, 2-3 %) and log shipping
(each document's log line is the flow's record)."""


TEMPORARY_SERVER_NICENESS = 10
"""How much lower than this process's the temporary server's CPU priority is (``nice``, at
most 19). The server's work (recording task runs, events and logs) runs beside the
extraction, and with as many workers as cores it took a core's time from them: 0.45 s of CPU
on 200 small reports with 2 workers. At a lower priority it runs in the moments the workers
leave free (the parent's warm-up, the end of the batch) and the flow waits for nothing more:
what it asks the server (making its runs, their states) is asked before the workers start or
after they end. 200 small reports through the flow with 2 workers, fresh processes, 8
alternating pairs, twice: 4.07 s median with it against 4.37 s without, then 4.48 against
4.62 (6 pairs of 8 faster each time)."""


def _start_temporary_server() -> int | None:
    """Start Prefect's temporary server now, as the first flow run would (a no-op once it
    runs); its pid, or None where this Prefect has no such server."""
    try:
        from prefect.server.api.server import SubprocessASGIServer
    except ImportError:  # pragma: no cover - a Prefect without it
        return None
    server = SubprocessASGIServer()
    server.start()
    process = getattr(server, "server_process", None)
    return None if process is None else process.pid


def lower_priority(pid: int, niceness: int) -> None:
    """Give ``pid`` a CPU priority ``niceness`` steps below this process's (at most 19), never
    a higher one than it has; nothing where the system has no such priorities or refuses."""
    if not hasattr(os, "setpriority"):
        return
    try:
        target = min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness)
        if os.getpriority(os.PRIO_PROCESS, pid) < target:
            os.setpriority(os.PRIO_PROCESS, pid, target)
    except OSError:  # gone, or another user's
        pass


@contextmanager
def local_prefect() -> Iterator[None]:
    """Run flows inside this block with :data:`TEMPORARY_SERVER_SETTINGS` when they run on
    Prefect's temporary server, which is started here (if it does not run yet) at a lower CPU
    priority (:data:`TEMPORARY_SERVER_NICENESS`); unchanged against a real server::

        with local_prefect():
            summary = extract_batch("inbox", "out", workers=2)
    """
    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        yield
        return
    with temporary_settings(updates=TEMPORARY_SERVER_SETTINGS):
        pid = _start_temporary_server()
        if pid is not None:
            lower_priority(pid, TEMPORARY_SERVER_NICENESS)
        yield


from pipeline.app.limits import Pool, extract_many, models_to_load, names_pdf  # noqa: E402
from pipeline.app.ops import InboxWatcher, Outcome, batch_inputs, extract_inputs, process_claimed, settle  # noqa: E402
from schemas.errors import shown  # noqa: E402
from schemas.limits import DEFAULT, Limits  # noqa: E402


class DocumentFailed(Exception):
    """Raised by a document's task after its outcome is recorded, so the task run is Failed;
    the outcome travels in ``args[0]`` (picklable across process task runners)."""

    def __init__(self, outcome: dict):
        super().__init__(outcome)

    @property
    def outcome(self) -> dict:
        return self.args[0]

    def __repr__(self) -> str:
        return f"DocumentFailed({self})"

    def __str__(self) -> str:
        error = self.outcome.get("error") or {}
        return f"{shown(Path(os.fsdecode(self.outcome['file'])).name)}: {error.get('code', 'failed')}: {error.get('reason', '')}"


def _document_run_name() -> str:
    from prefect.runtime import task_run

    return f"extract · {shown(Path(os.fsdecode(task_run.parameters['path'])).name)}"


def _kind_tag(path: str | bytes) -> str:
    return "kind:pdf" if names_pdf([path]) else "kind:text"


def _facts_of(outcome: dict) -> dict:
    """Facts, warnings, country and language, as the worker that wrote the output counted them."""
    return dict(outcome.get("found") or {})


def _carried(outcome: Outcome) -> dict:
    """An outcome as it travels between tasks: the path as bytes (a name that is not UTF-8
    cannot travel through Prefect as text; issue 14)."""
    return {**outcome.raw(), "file": os.fsencode(outcome.file)}


def _shown(outcome: dict | None) -> dict | None:
    """An outcome for people and JSON: the name shown escaped."""
    return None if outcome is None else {**outcome, "file": shown(os.fsdecode(outcome["file"]))}


def _report(outcome: dict) -> dict:
    """Log one document's outcome through the run logger; raise when it failed."""
    _log(outcome)
    if outcome["status"] == "failed":
        raise DocumentFailed(outcome)
    return outcome


def _line(outcome: dict) -> tuple[int, str]:
    """One document's outcome as a log line, with its level (an error when it failed); an
    extracted one also takes the worker's counts (facts, warnings, country, language)."""
    name = shown(Path(os.fsdecode(outcome["file"])).name)
    if outcome["status"] == "failed":
        reason = (outcome.get("error") or {}).get("reason")
        return logging.ERROR, f"{name} failed after {outcome['seconds']:.1f} s: {reason}"
    if outcome["status"] != "extracted":
        detail = outcome.get("output") or (outcome.get("error") or {}).get("reason", "")
        return logging.INFO, f"{name}: {outcome['status']} ({detail})"
    outcome.update(_facts_of(outcome))
    return logging.INFO, (
        f"{name}: {outcome['pages']} page(s), {outcome.get('facts', 0)} fact(s), "
        f"{outcome.get('warnings', 0)} warning(s), country {outcome.get('country')}, "
        f"language {outcome.get('language')}, {outcome['seconds']:.1f} s → {outcome['output']}"
    )


def _log(outcome: dict) -> dict:
    """Log one document's outcome through the run logger (an error when it failed)."""
    level, line = _line(outcome)
    get_run_logger().log(level, line)
    return outcome


LOG_EVERY_SECONDS = 2.0
"""How long a run of documents holds its documents' log lines before it ships them."""


class RunLog:
    """The log of a run of documents: each document's outcome is one line, and the lines are
    shipped together, as one record, when the run ends or when the oldest has waited
    :data:`LOG_EVERY_SECONDS` (checked as each document ends); a failure is shipped at once, as
    an error record of its own. Each record costs Prefect's log worker (in this process) and
    its server CPU: on 200 small reports with one worker, one record per document took 0.7 s
    more CPU than one per run (3 alternating pairs: the flow's process 1.8 s against 1.4 s,
    the server 1.3-1.5 s against 1.0 s), about a third of what Prefect added to the batch."""

    def __init__(self, every: float = LOG_EVERY_SECONDS):
        self.every = every
        self.lines: list[str] = []
        self.since = 0.0

    def add(self, outcome: dict) -> dict:
        level, line = _line(outcome)
        if level >= logging.WARNING:
            self.flush()
            get_run_logger().log(level, line)
            return outcome
        if not self.lines:
            self.since = time.monotonic()
        self.lines.append(line)
        if time.monotonic() - self.since >= self.every:
            self.flush()
        return outcome

    def flush(self) -> None:
        if self.lines:
            get_run_logger().info("\n".join(self.lines))
            self.lines = []


@dataclass
class _Batch:
    """What a batch flow's runs of documents share: its worker pool, and the inputs it took
    so far (sha256 → name), so that a copy in another run is a duplicate as in `coi batch`."""

    pool: Pool
    seen: dict[str, str] = field(default_factory=dict)


_BATCHES: dict[str, _Batch] = {}
"""The batch flows (and inbox polls) running in this process, by the key their tasks get."""


@contextmanager
def _registered(pool: Pool) -> Iterator[str]:
    """``pool`` in :data:`_BATCHES` for the block, under the key its tasks are given."""
    key = f"{os.getpid()}-{id(pool)}"
    _BATCHES[key] = _Batch(pool)
    try:
        yield key
    finally:
        del _BATCHES[key]


@task(
    name="extract-document",
    task_run_name=_document_run_name,
    retries=0,
    cache_policy=NO_CACHE,
    persist_result=False,
)
def extract_document_task(path: bytes, out: str, limits: dict | None = None, pool: str | None = None) -> dict:
    """One document of a batch (left in place); the work runs in a worker process within
    ``limits`` (defaults when None): one of the flow's pool ``pool`` when given, else one
    forked for it. Nothing is cached or persisted: the output layout is the record of work."""
    path = Path(os.fsdecode(path))
    limits_ = Limits(**limits) if limits else None
    batch = _BATCHES.get(pool or "")
    return _report(_carried(process_claimed(path, Path(out), limits_, pool=batch.pool if batch else None)))


def _chunk_run_name() -> str:
    from prefect.runtime import task_run

    paths = task_run.parameters["paths"]
    first, last = (shown(Path(os.fsdecode(p)).name) for p in (paths[0], paths[-1]))
    return (
        f"extract · 1 document: {first}" if len(paths) == 1 else f"extract · {len(paths)} documents: {first} … {last}"
    )


def _internal(path: bytes, exc: BaseException) -> dict:
    """The outcome of a document whose task broke (a bug of ours, not of the input)."""
    error = {
        "error": type(exc).__name__,
        "code": "internal_error",
        "file": shown(os.fsdecode(path)),
        "reason": f"internal error: {exc!r}",
    }
    return _carried(Outcome(os.fsdecode(path), "failed", error=error))


@task(name="extract-documents", task_run_name=_chunk_run_name, retries=0, cache_policy=NO_CACHE, persist_result=False)
def extract_documents_task(paths: list[bytes], out: str, limits: dict | None = None, pool: str | None = None) -> list:
    """A run of documents of a batch on the flow's pool ``pool`` (on one worker forked for
    them when there is none), as `coi batch` runs them (:func:`pipeline.app.ops.extract_inputs`:
    each hashed and claimed one ahead of the workers, extracted while the answers before are
    recorded); each
    document's outcome is one line of this task run's log (an error line when it failed).
    When the task itself breaks, the documents it had not settled are internal errors; the
    ones it had keep their outcome."""
    files = [Path(os.fsdecode(p)) for p in paths]
    batch = _BATCHES.get(pool or "")
    extract = batch.pool.map if batch else (lambda jobs: extract_many(jobs, Limits(**limits) if limits else DEFAULT))
    outcomes: list[dict | None] = [None] * len(files)
    log = RunLog()
    try:
        with closing(extract_inputs(files, Path(out), extract, seen=batch.seen if batch else None)) as settled:
            for i, outcome in settled:
                outcomes[i] = log.add(_carried(outcome))
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the other runs of documents
        outcomes = [o if o is not None else log.add(_internal(p, exc)) for p, o in zip(paths, outcomes, strict=True)]
    finally:
        log.flush()
    return outcomes


@task(name="extract-document", task_run_name=_document_run_name, retries=0, cache_policy=NO_CACHE, persist_result=False)
def document_failed_task(path: bytes, outcome: dict) -> None:
    """A document of a batch that failed, as a **Failed** task run of its own named after it
    (its reason in the exception and in its chunk's log): failures stay visible one by one."""
    raise DocumentFailed(outcome)


CHUNKS_PER_WORKER = 2
"""How many runs of documents each worker gets, about. Few, because a task run costs Prefect
about 100 ms of CPU whatever it holds (30 ms in the flow's process, 70 ms in its temporary
server: 200 small reports with 2 workers in 12 runs against 4, 3 alternating pairs), as much as
extracting 3 small reports; and few are enough, because the runs share the pool's workers (a
run takes every worker free, so no worker idles while the last run ends). Progress still shows
within a run: its log lines are shipped at least every :data:`LOG_EVERY_SECONDS`."""

MAX_CHUNK = 100
"""Documents in one task run at most, so that a large batch still shows its progress run by run."""


def chunks(files: list[bytes], workers: int) -> list[list[bytes]]:
    """``files`` in order, cut into runs of about ``len(files) / (workers * CHUNKS_PER_WORKER)``
    (1 to :data:`MAX_CHUNK`) documents."""
    size = max(1, min(MAX_CHUNK, -(-len(files) // (workers * CHUNKS_PER_WORKER))))
    return [files[i : i + size] for i in range(0, len(files), size)]


@task(name="take-inbox-file", task_run_name=_document_run_name, retries=0)
def take_inbox_file_task(path: bytes, inbox: str, out: str, pool: str | None = None) -> dict | None:
    """One inbox file: claimed, extracted (on the poll's pool ``pool`` when given, else on a
    worker forked for it), moved to ``processed/`` or ``quarantine/``; None when another
    worker took it."""
    poll = _BATCHES.get(pool or "")
    outcome = InboxWatcher(Path(inbox), Path(out)).take(Path(os.fsdecode(path)), poll.pool if poll else None)
    if outcome is None:
        get_run_logger().info("%s: taken by another worker", shown(Path(os.fsdecode(path)).name))
        return None
    return _report(_carried(outcome))


def _collect_chunks(runs: list[list[bytes]], futures) -> list[dict]:
    """Outcomes of the chunks' task futures, in order; every document of a chunk whose task
    broke is an internal error."""
    outcomes = []
    for paths, future in zip(runs, futures, strict=True):
        result = future.result(raise_on_failure=False)
        if isinstance(result, BaseException):
            outcomes.extend(_internal(path, result) for path in paths)
        else:
            outcomes.extend(result)
    return outcomes


def _collect(paths: list[str], futures) -> list[dict]:
    """Outcomes of the documents' task futures, failed ones included (from their exception)."""
    outcomes = []
    for path, future in zip(paths, futures, strict=False):
        result = future.result(raise_on_failure=False)
        if isinstance(result, DocumentFailed):
            outcomes.append(result.outcome)
        elif isinstance(result, BaseException):  # the task itself broke: still a failed document
            outcomes.append(_internal(path, result))
        elif result is not None:
            outcomes.append(result)
    return outcomes


def outcomes_markdown(title: str, outcomes: list[dict]) -> str:
    """A markdown table of documents: outcome, pages, facts, warnings, output or reason."""
    lines = [
        f"# {title}",
        "",
        "| document | outcome | pages | facts | warnings | output or reason | now at |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for o in outcomes:
        error = o.get("error") or {}
        where = (
            f"[{o['output']}](file://{o['output']})"
            if o.get("output")
            else str(error.get("reason", "")).replace("|", "\\|")
        )
        lines.append(
            f"| {Path(o['file']).name} | {o['status']} | {o.get('pages', 0)} | {o.get('facts', '')} | "
            f"{o.get('warnings', '')} | {where} | {o.get('current_path') or ''} |"
        )
    return "\n".join(lines) + "\n"


def _finish(title: str, key: str, outcomes: list[dict], result):
    """The artifact, and a Completed state whose name and message say how many failed."""
    failed = [Path(o["file"]).name for o in outcomes if o["status"] == "failed"]
    create_markdown_artifact(
        markdown=outcomes_markdown(title, outcomes),
        key=key,
        description=f"{len(outcomes)} document(s), {len(failed)} failed",
    )
    if failed:
        message = f"{len(failed)} of {len(outcomes)} document(s) failed: {', '.join(failed)}"
        get_run_logger().warning(message)
        return Completed(name="Completed with failures", message=message, data=result)
    return Completed(message=f"{len(outcomes)} document(s)", data=result)


@flow(name="extract-report")
def extract_report(path: str, out: str = "out") -> dict:
    """Extract one report into ``out``."""
    with tags(_kind_tag(path)):
        return _shown(extract_document_task(os.fsencode(path), out))


@flow(name="extract-batch", task_runner=ThreadPoolTaskRunner(max_workers=2))
def extract_batch(folder: str, out: str = "out", workers: int = 1, limits: dict | None = None) -> dict:
    """Extract every visible file of ``folder``; returns the run summary. ``limits`` holds
    :class:`pipeline.app.limits.Limits` fields (pages, sizes, seconds, memory). ``workers``
    extraction processes serve the batch; its runs of documents (see :func:`chunks`) go on
    the flow's task runner (``with_options(task_runner=...)``), or, with ``workers`` > 1, on
    ``workers + 1`` threads (see the module's docstring, with what a user sees)."""
    start = time.perf_counter()
    files = [os.fsencode(p) for p in batch_inputs(Path(folder))]
    get_run_logger().info("%d document(s) in %s", len(files), folder)
    runner = ThreadPoolTaskRunner(max_workers=workers + 1) if workers > 1 else None
    runs = chunks(files, workers)
    preload = models_to_load(len(files), workers)
    futures = []
    pdf = names_pdf(files)  # a batch of text files need not warm the PDF reader
    with (
        Pool(Limits(**limits) if limits else DEFAULT, workers, models=preload, pdf=pdf) as pool,
        runner or nullcontext(),
        _registered(pool.start(min(workers, len(files)))) as key,
    ):
        for run in runs:  # untagged: see the module's docstring
            parameters = {"paths": run, "out": out, "limits": limits, "pool": key}
            futures.append(
                runner.submit(extract_documents_task, parameters)
                if runner
                else extract_documents_task.submit(**parameters)
            )
        outcomes = _collect_chunks(runs, futures)
    reds = []
    for o in outcomes:  # each failure its own red task run, named after its document
        if o["status"] == "failed":
            with tags(_kind_tag(o["file"])):
                reds.append(document_failed_task.submit(o["file"], o))
    for red in reds:
        red.wait()
    summary = settle(
        [
            Outcome(
                **{k: (os.fsdecode(v) if k == "file" else v) for k, v in o.items() if k in Outcome.__dataclass_fields__}
            )
            for o in outcomes
        ],
        Path(out),
        time.perf_counter() - start,
    )
    for o, rich in zip(summary["outcomes"], outcomes, strict=False):  # keep facts/warnings for the artifact
        o.update({k: rich[k] for k in ("facts", "warnings", "country", "language") if k in rich})
    return _finish(f"Batch {folder}", "extract-batch", summary["outcomes"], summary)


@flow(name="watch-inbox", task_runner=ThreadPoolTaskRunner(max_workers=1))
def watch_inbox(inbox: str, out: str = "out", settle_seconds: float = 2.0) -> list[dict]:
    """One poll of ``inbox``: files unchanged over ``settle_seconds`` are claimed, extracted and
    moved. A poll that found nothing logs at debug level and leaves no artifact."""
    from pipeline.app.claims import recover_stale_claims

    logger = get_run_logger()
    for name in recover_stale_claims(Path(inbox)):
        logger.warning("%s: claim of a dead process taken back", name)
    watcher = InboxWatcher(Path(inbox), Path(out), settle_seconds)
    watcher.start()
    watcher.ready()
    time.sleep(settle_seconds)
    paths = watcher.ready()
    ready = [os.fsencode(p) for p in paths]
    if not ready:
        logger.debug("nothing ready in %s", inbox)
        return []
    futures = []
    with watcher.pool(paths) as pool, _registered(pool) as key:  # one worker for the poll's files
        for path in ready:
            with tags(_kind_tag(path)):
                futures.append(take_inbox_file_task.submit(path, inbox, out, key))
        outcomes = [_shown(o) for o in _collect(ready, futures)]
    if not outcomes:
        return []
    return _finish(f"Inbox {inbox}", "watch-inbox", outcomes, outcomes)
