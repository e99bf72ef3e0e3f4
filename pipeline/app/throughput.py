"""Batch throughput: a folder of reports extracted with 1 and N workers, directly
(:func:`pipeline.app.ops.run_batch`, as `coi batch`) and through the Prefect flow
(:func:`pipeline.app.flows.extract_batch` on Prefect's temporary server), with the speed-up of
N workers over 1 and Prefect's overhead over the direct batch (issue 17). Figures only: what
they should be is for the reader, never for a test.

Every configuration is timed the same way, in a fresh Python process of its own:

- **start-up** (paid once per process, shown apart): importing the batch's code and the
  extraction stack (spaCy's module included, not its model), then one batch over an empty
  folder, which for Prefect starts its temporary server;
- **the batch**: wall time and CPU time of the process tree (the process, its workers, and
  Prefect's server: read from /proc, which other load on the machine moves far less than wall
  time). It includes what every batch pays: warming the parent, loading the model for more
  than one worker, forking the workers. Beside it, the CPU time **other processes** of the
  machine took meanwhile (``/proc/stat`` less the tree's): on a 2-core machine, a run with
  2 workers beside a second or more of others' CPU times the others as much as the code.

Each configuration is timed ``rounds`` times (3 by default), the configurations taking turns
round by round, and its figures are those of its median run (by wall time): on the 2-core
development machine the same 200 small reports took the workers 3.9 to 5.9 s of CPU from one
run to the next (2026-11-26, 08:58-09:03, nothing else of ours running), so one run of each
configuration compared a fast minute with a slow one as often as not.

Prefect runs at its default logging level, so each document's log line is shipped to the
server as in a user's run; its console handler is set to warnings, as the direct batch is
timed without its progress bar. Inputs are copied ``copies`` times into one inbox, each copy
with a distinct last line, so that content-based skipping does not count it as a duplicate."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.tools.bench import (
    PROJECT_ROOT,
    cpu_mark,
    cpu_seconds,
    machine_scaling,
    others_since,
    own_cpu_seconds,
    process_tree,
)

MODES = ("direct", "prefect")

CHILD_ENV = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
}
"""A loaded machine starts the temporary server slowly; no console rendering (see above)."""

WARM_IMPORTS = ("pipeline.app.run", "pipeline.readers.ingest", "extractors.nlp", "spacy")
"""Imported by every configuration before its batch is timed: the Prefect process would
otherwise have imported part of them (pydantic, rich, ...) with Prefect, and the direct one
inside its batch."""


def make_inbox(inputs: list[Path], copies: int, folder: Path) -> Path:
    """``folder/in`` holding ``copies`` copies of every input (a folder counts as its visible
    files), each copy of a file with a distinct last line."""
    inbox = folder / "in"
    inbox.mkdir(parents=True)
    files = [
        f
        for p in inputs
        for f in (sorted(x for x in p.iterdir() if x.is_file() and not x.name.startswith(".")) if p.is_dir() else [p])
    ]
    for i in range(copies):
        for n, f in enumerate(files):
            trailer = f"\n% copy {i}\n" if f.suffix.lower() == ".pdf" else f"\n\ncopy {i}\n"
            (inbox / f"{f.stem}-{n:03d}-{i:02d}{f.suffix}").write_bytes(f.read_bytes() + trailer.encode())
    return inbox


def tree_cpu() -> float:
    """CPU seconds of this process, its reaped children and its live descendants (workers,
    Prefect's temporary server), read from /proc."""
    me = os.getpid()
    return own_cpu_seconds() + sum(cpu_seconds(pid) for pid in process_tree(me) if pid != me)


def measure(mode: str, inbox: Path, out: Path, workers: int, empty: Path) -> dict:
    """In a fresh process: start up (see the module's docstring), then time one batch of
    ``inbox`` into ``out``."""
    import importlib

    start = time.perf_counter()
    if mode == "prefect":
        from pipeline.app.flows import extract_batch, local_prefect

        def batch(folder: Path, target: Path) -> dict:
            with local_prefect():
                return extract_batch(str(folder), str(target), workers)
    else:
        from pipeline.app.ops import run_batch

        def batch(folder: Path, target: Path) -> dict:
            return run_batch(folder, target, workers)

    for name in WARM_IMPORTS:
        importlib.import_module(name)
    batch(empty, out.with_name(out.name + "-empty"))
    mark = cpu_mark(own=tree_cpu)
    summary = batch(inbox, out)
    since = others_since(mark, own=tree_cpu)
    return {
        "mode": mode,
        "workers": workers,
        "documents": summary["documents"],
        "counts": summary["counts"],
        "wall_s": since.wall,
        "cpu_s": since.own_cpu,
        "others_cpu_s": since.others_cpu,
        "startup_s": mark[0] - start,
    }


def run_configuration(mode: str, inbox: Path, out: Path, workers: int, empty: Path) -> dict:
    """:func:`measure` in a fresh Python process; its figures, with ms per document."""
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.app.throughput", mode, str(inbox), str(out), str(workers), str(empty)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **CHILD_ENV},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} with {workers} worker(s) failed:\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    n = max(row["documents"], 1)
    return {**row, "ms_per_doc": row["wall_s"] / n * 1000, "cpu_ms_per_doc": row["cpu_s"] / n * 1000}


def ratios(rows: dict[str, dict], workers: int) -> tuple[dict, dict]:
    """The speed-up of ``workers`` over 1 per mode (wall and CPU: 1's time over N's), and
    Prefect's overhead over the direct batch per worker count (wall and CPU: a fraction,
    +0.15 is 15 % slower)."""
    speedup = {
        mode: {
            "wall": rows[f"{mode}-1"]["wall_s"] / rows[f"{mode}-{workers}"]["wall_s"],
            "cpu": rows[f"{mode}-1"]["cpu_s"] / rows[f"{mode}-{workers}"]["cpu_s"],
        }
        for mode in MODES
        if workers > 1 and f"{mode}-1" in rows and f"{mode}-{workers}" in rows
    }
    overhead = {
        n: {
            "wall": rows[f"prefect-{n}"]["wall_s"] / rows[f"direct-{n}"]["wall_s"] - 1,
            "cpu": rows[f"prefect-{n}"]["cpu_s"] / rows[f"direct-{n}"]["cpu_s"] - 1,
        }
        for n in sorted({1, workers})
        if f"prefect-{n}" in rows and f"direct-{n}" in rows
    }
    return speedup, overhead


OTHERS_NOTED_S = 0.5
"""Other processes' CPU during a shown run from which :func:`figure_lines` says the machine was
not quiet (a quiet one: daemons, the bench's own parent, well under a tenth of a second)."""

ROUNDS = 3
"""Runs of each configuration; its figures are its median run's (see the module's docstring)."""

SCALING_CHECKS = 3
"""Checks of the machine's own scaling (:func:`pipeline.tools.bench.machine_scaling`, about
half a second each) before each round: it moves from one second to the next."""


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time (the lower middle one of an even number), with the wall
    times of all the runs (``walls_s``) beside its own figures."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return {**ordered[(len(ordered) - 1) // 2], "walls_s": [r["wall_s"] for r in runs]}


def batch_figures(
    inputs: list[Path], workers: int, copies: int = 1, prefect: bool = True, on_row=None, rounds: int = ROUNDS
) -> dict:
    """Throughput of a batch of ``inputs`` (files or folders, ``copies`` times each) with 1
    and ``workers`` workers, direct and (``prefect``) through the Prefect flow, each run in a
    fresh process, each configuration ``rounds`` times in turns and shown by its median run
    (see the module's docstring). ``on_row(name, row)`` is called as each configuration's
    figures are complete.

    Returns ``{"documents", "workers", "copies", "runs": {"direct-1": row, "direct-N": ...,
    "prefect-1": ..., "prefect-N": ...}, "speedup": {mode: {"wall", "cpu"}}, "overhead": {n:
    {"wall", "cpu"}}}``; a row holds ``documents``, ``counts``, ``wall_s``, ``ms_per_doc``,
    ``cpu_s``, ``cpu_ms_per_doc``, ``others_cpu_s``, ``startup_s`` (of the median run) and
    ``walls_s`` (every run's wall time, in turn order). ``machine_scaling`` (with more than one
    worker): ``{"median", "checks"}``, how much faster ``workers`` CPU-bound processes ran at
    once than one alone, checked before each round: the ceiling of the moment for the
    workers' speed-up."""
    if workers < 1 or copies < 1 or rounds < 1:
        raise ValueError("workers, copies and rounds must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="coi-batch-bench-"))
    try:
        inbox = make_inbox([Path(p).resolve() for p in inputs], copies, folder)
        empty = folder / "empty"
        empty.mkdir()
        names = [f"{mode}-{n}" for mode in (MODES if prefect else ("direct",)) for n in sorted({1, workers})]
        runs: dict[str, list[dict]] = {name: [] for name in names}
        scaling: list[float] = []
        for turn in range(rounds):
            if workers > 1:  # the machine's own ceiling at this moment (see machine_scaling)
                scaling += [machine_scaling(workers) for _ in range(SCALING_CHECKS)]
            for name in names:
                mode, n = name.rsplit("-", 1)
                runs[name].append(run_configuration(mode, inbox, folder / f"{name}-{turn}", int(n), empty))
        rows = {name: median_run(runs[name]) for name in names}
        for name in names if on_row is not None else ():
            on_row(name, rows[name])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    speedup, overhead = ratios(rows, workers)
    documents = next(iter(rows.values()))["documents"]
    return {
        "documents": documents,
        "workers": workers,
        "copies": copies,
        "rounds": rounds,
        "runs": rows,
        "speedup": speedup,
        "overhead": overhead,
        "machine_scaling": {"median": statistics.median(scaling), "checks": scaling} if scaling else None,
    }


def row_line(name: str, row: dict) -> str:
    """One configuration's figures as a line of text (with every run's wall time when there
    were several)."""
    walls = row.get("walls_s") or []
    return (
        f"{name:10s} {row['documents']} documents: {row['wall_s']:7.2f} s = {row['ms_per_doc']:6.1f} ms/document, "
        f"CPU {row['cpu_s']:6.2f} s = {row['cpu_ms_per_doc']:5.1f} ms/document; "
        f"others' CPU {row.get('others_cpu_s', 0.0):5.2f} s; start-up {row['startup_s']:5.2f} s; "
        f"{row['counts']}" + (f"; runs {' / '.join(f'{w:.2f}' for w in walls)} s" if len(walls) > 1 else "")
    )


def figure_lines(figures: dict) -> list[str]:
    """The ratios of :func:`batch_figures` as lines of text."""
    n = figures["workers"]
    lines = [
        f"{mode}: {n} workers are {s['wall']:.2f}x as fast as 1 (CPU {s['cpu']:.2f}x)"
        for mode, s in figures["speedup"].items()
    ]
    lines += [
        f"prefect over direct, {w} worker(s): {o['wall']:+.0%} wall, {o['cpu']:+.0%} CPU"
        for w, o in figures["overhead"].items()
    ]
    scaling = figures.get("machine_scaling")
    if scaling:
        lines.append(
            f"the machine itself: {n} CPU-bound processes at once ran {scaling['median']:.2f}x as fast as 1 "
            f"(median of {len(scaling['checks'])} checks around the rounds, "
            f"{min(scaling['checks']):.2f}-{max(scaling['checks']):.2f}): the ceiling for the speed-ups above"
        )
    others = max((r.get("others_cpu_s", 0.0) for r in figures["runs"].values()), default=0.0)
    lines.append(
        f"other processes took up to {others:.2f} s of CPU during a shown run"
        + (" (the machine was not quiet: figures moved by other load)" if others >= OTHERS_NOTED_S else "")
    )
    return lines


if __name__ == "__main__":  # one configuration, in the fresh process run_configuration starts
    mode, inbox, out, workers, empty = sys.argv[1:6]
    print(json.dumps(measure(mode, Path(inbox), Path(out), int(workers), Path(empty))))
