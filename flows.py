"""Prefect flows: thin wrappers over ``pipeline.ops``.

``extract_report`` extracts one file; ``extract_batch`` runs one task per document over a
folder (a process pool when ``workers`` > 1) and never stops on a bad file; ``watch_inbox``
is one poll of an inbox, for a deployment that runs it on a schedule::

    prefect server start                       # in one terminal
    python -c "from flows import watch_inbox; watch_inbox.serve(name='inbox', interval=60,
               parameters={'inbox': '/data/inbox', 'out': '/data/out'})"

All three run in Prefect's local mode with no server to start. Work already done is
skipped by content (sha256 of the input and the pipeline version): the outputs are the
record, so a re-run, a restart or another worker never extracts the same bytes twice.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

# The machines reach only package registries: Prefect's local server must not try to
# send usage telemetry anywhere.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner  # noqa: E402

from pipeline.limits import Limits  # noqa: E402
from pipeline.ops import InboxWatcher, Outcome, batch_inputs, process_file, settle  # noqa: E402


@task(name="extract-document", retries=0)
def extract_document_task(path: bytes, out: str, limits: dict | None = None) -> dict:
    """One document; the work runs in a child process within ``limits`` (defaults when None).
    ``path`` is bytes, the name as the file system has it: a name that is not UTF-8 cannot
    travel through Prefect as text. The result's ``file`` is that path back as bytes."""
    raw = process_file(Path(os.fsdecode(path)), Path(out), Limits(**limits) if limits else None).raw()
    return {**raw, "file": os.fsencode(raw["file"])}


@flow(name="extract-report")
def extract_report(path: str, out: str = "out") -> dict:
    """Extract one report into ``out``; returns its outcome (the name shown escaped)."""
    raw = extract_document_task(os.fsencode(path), out)
    return Outcome(**{**raw, "file": os.fsdecode(raw["file"])}).as_dict()


@flow(name="extract-batch")
def extract_batch(folder: str, out: str = "out", workers: int = 1, limits: dict | None = None) -> dict:
    """Extract every visible file of ``folder``; returns the run summary. ``limits`` holds
    :class:`pipeline.limits.Limits` fields (pages, sizes, seconds, memory)."""
    start = time.perf_counter()
    files = [os.fsencode(p) for p in batch_inputs(Path(folder))]
    runner = ProcessPoolTaskRunner(max_workers=workers) if workers > 1 else ThreadPoolTaskRunner(max_workers=1)
    with runner:
        futures = [runner.submit(extract_document_task, {"path": f, "out": out, "limits": limits}) for f in files]
        results = [Outcome(**{**r, "file": os.fsdecode(r["file"])}) for r in (f.result() for f in futures)]
    return settle(results, Path(out), time.perf_counter() - start)


@flow(name="watch-inbox")
def watch_inbox(inbox: str, out: str = "out", settle_seconds: float = 2.0) -> list[dict]:
    """One poll of ``inbox``: files unchanged over ``settle_seconds`` are extracted and moved."""
    watcher = InboxWatcher(Path(inbox), Path(out), settle_seconds)
    watcher.start()
    watcher.ready()
    time.sleep(settle_seconds)
    return [o.as_dict() for o in watcher.poll_once()]
