"""Prefect flows: thin wrappers over ``pipeline.app.ops``.

``extract_report`` extracts one file; ``extract_batch`` runs one task per document over a
folder; ``watch_inbox`` is one poll of an inbox, for a deployment that runs it on a schedule.
Each document is a task run named ``extract · <file name>``, tagged with its kind
(``kind:pdf``, ``kind:text``), logging pages, facts, warnings, country and language; a document
that fails is a **Failed** task run with its reason in the log, and the flow goes on with the
rest. Every batch, and every poll that processed something, leaves a markdown artifact (a table
of documents, outcome, facts, warnings and output). A poll that found nothing logs one debug
line and leaves nothing else.

The flows end **Completed** as long as they ran through, so a caller always gets the summary;
when documents failed, the state is named ``Completed with failures`` and its message counts
them (the failed task runs are red beside it). Only a flow that could not run (a missing
folder) is Failed.

The task runner is set on the flow (threads; one at a time by default) and can be swapped;
threads suffice to run documents side by side, as each extraction is its own child process::

    extract_batch.with_options(task_runner=ThreadPoolTaskRunner(max_workers=4))(folder, out)

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

import json
import os
import time
from contextlib import nullcontext
from pathlib import Path

# The machines reach only package registries: Prefect must not try to send telemetry anywhere
# (the server's analytics, and the client's, which honours the DO_NOT_TRACK convention).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from prefect import flow, get_run_logger, tags, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.states import Completed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from pipeline.app.ops import InboxWatcher, Outcome, batch_inputs, process_claimed, settle  # noqa: E402
from schemas.errors import shown  # noqa: E402
from schemas.limits import Limits  # noqa: E402

PDF_SUFFIXES = (".pdf",)


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
    return "kind:pdf" if os.fsdecode(path).lower().endswith(PDF_SUFFIXES) else "kind:text"


def _facts_of(outcome: dict) -> dict:
    """Facts, warnings, country and language read back from the written output."""
    try:
        data = json.loads(Path(outcome["output"]).read_text(encoding="utf-8"))
    except (OSError, TypeError, KeyError, ValueError):
        return {}
    return {
        "facts": len(data.get("facts", [])),
        "warnings": len(data.get("warnings", [])),
        "country": (data.get("metadata") or {}).get("country"),
        "language": (data.get("document") or {}).get("language"),
    }


def _carried(outcome: Outcome) -> dict:
    """An outcome as it travels between tasks: the path as bytes (a name that is not UTF-8
    cannot travel through Prefect as text; issue 14)."""
    return {**outcome.raw(), "file": os.fsencode(outcome.file)}


def _shown(outcome: dict | None) -> dict | None:
    """An outcome for people and JSON: the name shown escaped."""
    return None if outcome is None else {**outcome, "file": shown(os.fsdecode(outcome["file"]))}


def _report(outcome: dict) -> dict:
    """Log one document's outcome through the run logger; raise when it failed."""
    logger = get_run_logger()
    name = shown(Path(os.fsdecode(outcome["file"])).name)
    if outcome["status"] == "failed":
        logger.error("%s failed after %.1f s: %s", name, outcome["seconds"], (outcome.get("error") or {}).get("reason"))
        raise DocumentFailed(outcome)
    outcome.update(_facts_of(outcome) if outcome["status"] == "extracted" else {})
    if outcome["status"] == "extracted":
        logger.info(
            "%s: %d page(s), %d fact(s), %d warning(s), country %s, language %s, %.1f s → %s",
            name,
            outcome["pages"],
            outcome.get("facts", 0),
            outcome.get("warnings", 0),
            outcome.get("country"),
            outcome.get("language"),
            outcome["seconds"],
            outcome["output"],
        )
    else:
        logger.info(
            "%s: %s (%s)",
            name,
            outcome["status"],
            outcome.get("output") or (outcome.get("error") or {}).get("reason", ""),
        )
    return outcome


@task(name="extract-document", task_run_name=_document_run_name, retries=0)
def extract_document_task(path: bytes, out: str, limits: dict | None = None) -> dict:
    """One document of a batch (left in place); the work runs in a child process within
    ``limits`` (defaults when None)."""
    return _report(_carried(process_claimed(Path(os.fsdecode(path)), Path(out), Limits(**limits) if limits else None)))


@task(name="take-inbox-file", task_run_name=_document_run_name, retries=0)
def take_inbox_file_task(path: bytes, inbox: str, out: str) -> dict | None:
    """One inbox file: claimed, extracted, moved to ``processed/`` or ``quarantine/``; None when
    another worker took it."""
    outcome = InboxWatcher(Path(inbox), Path(out)).take(Path(os.fsdecode(path)))
    if outcome is None:
        get_run_logger().info("%s: taken by another worker", shown(Path(os.fsdecode(path)).name))
        return None
    return _report(_carried(outcome))


def _collect(paths: list[str], futures) -> list[dict]:
    """Outcomes of the documents' task futures, failed ones included (from their exception)."""
    outcomes = []
    for path, future in zip(paths, futures, strict=False):
        result = future.result(raise_on_failure=False)
        if isinstance(result, DocumentFailed):
            outcomes.append(result.outcome)
        elif isinstance(result, BaseException):  # the task itself broke: still a failed document
            error = {
                "error": type(result).__name__,
                "code": "internal_error",
                "file": shown(os.fsdecode(path)),
                "reason": f"internal error: {result!r}",
            }
            outcomes.append(_carried(Outcome(os.fsdecode(path), "failed", error=error)))
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


@flow(name="extract-batch", task_runner=ThreadPoolTaskRunner(max_workers=1))
def extract_batch(folder: str, out: str = "out", workers: int = 1, limits: dict | None = None) -> dict:
    """Extract every visible file of ``folder``; returns the run summary. ``limits`` holds
    :class:`pipeline.app.limits.Limits` fields (pages, sizes, seconds, memory). Documents run on
    the flow's task runner (``with_options(task_runner=...)``); ``workers`` > 1 instead runs
    that many at once on threads (each extraction is its own child process either way)."""
    start = time.perf_counter()
    files = [os.fsencode(p) for p in batch_inputs(Path(folder))]
    get_run_logger().info("%d document(s) in %s", len(files), folder)
    runner = ThreadPoolTaskRunner(max_workers=workers) if workers > 1 else None
    futures = []
    with runner or nullcontext():
        for f in files:
            with tags(_kind_tag(f)):
                parameters = {"path": f, "out": out, "limits": limits}
                futures.append(
                    runner.submit(extract_document_task, parameters)
                    if runner
                    else extract_document_task.submit(**parameters)
                )
        outcomes = _collect(files, futures)
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
    ready = [os.fsencode(p) for p in watcher.ready()]
    if not ready:
        logger.debug("nothing ready in %s", inbox)
        return []
    futures = []
    for path in ready:
        with tags(_kind_tag(path)):
            futures.append(take_inbox_file_task.submit(path, inbox, out))
    outcomes = [_shown(o) for o in _collect(ready, futures)]
    if not outcomes:
        return []
    return _finish(f"Inbox {inbox}", "watch-inbox", outcomes, outcomes)
