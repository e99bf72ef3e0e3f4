"""Batch throughput with 1 and N workers, direct (`coi batch`) and through the Prefect flow
(figures only).

    python bench/batch_throughput.py REPORT_OR_FOLDER [...] --copies 1 --workers 2

Every input (a folder counts as its files) is copied ``--copies`` times into one inbox, each copy
with a distinct last line, so that content-based skipping does not count it as a duplicate. Each
configuration runs in a fresh Python process, timed in two parts: its start-up (imports; for
Prefect, also starting the temporary local server, by running the flow on an empty folder) and
the batch itself, in ms per document. Prefect's overhead is its batch time over the direct
batch's with the same workers; its start-up is shown apart (paid once per process). Beside wall
time, each batch's CPU time is shown (the process, its workers and Prefect's temporary server,
read from /proc), which other load on the machine moves far less."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "240", "PREFECT_LOGGING_LEVEL": "WARNING", **os.environ}
"""A loaded machine starts the temporary server slowly; a run logs only what went wrong."""

RUN = r"""
import json, os, sys, time
from pathlib import Path

def tree_cpu():
    # CPU seconds of this process, its reaped children and its live descendants (the workers,
    # Prefect's temporary server), read from /proc
    tick, me, total = os.sysconf("SC_CLK_TCK"), os.getpid(), sum(os.times()[:4])
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(entry.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / tick)
        except (OSError, ValueError):
            continue
    def mine(pid):
        while pid > 1:
            pid = parents.get(pid, (0, 0))[0]
            if pid == me:
                return True
        return False
    return total + sum(cpu for pid, (_, cpu) in parents.items() if mine(pid))

start = time.perf_counter()
mode, inbox, out, workers, empty = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
if mode == "prefect":
    from flows import extract_batch
    extract_batch(empty, out + "-empty", workers)  # starts the temporary server, once per process
else:
    from pipeline.app.ops import run_batch
ready, ready_cpu = time.perf_counter(), tree_cpu()
summary = extract_batch(inbox, out, workers) if mode == "prefect" else run_batch(__import__("pathlib").Path(inbox), __import__("pathlib").Path(out), workers)
done, done_cpu = time.perf_counter(), tree_cpu()
print(json.dumps({"startup": ready - start, "batch": done - ready, "cpu": done_cpu - ready_cpu, "documents": summary["documents"], "counts": summary["counts"]}))
"""


def make_inbox(inputs: list[Path], copies: int, folder: Path) -> Path:
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


def run(mode: str, inbox: Path, out: Path, workers: int, empty: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", RUN, mode, str(inbox), str(out), str(workers), str(empty)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} with {workers} worker(s) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-prefect", action="store_true", help="Time the direct batch only.")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="coi-batch-bench-"))
    try:
        inbox = make_inbox(args.inputs, args.copies, folder)
        empty = folder / "empty"
        empty.mkdir()
        rows = {}
        for mode in ("direct",) + (() if args.no_prefect else ("prefect",)):
            for workers in sorted({1, args.workers}):
                rows[mode, workers] = r = run(mode, inbox, folder / f"{mode}-{workers}", workers, empty)
                n = r["documents"]
                line = (
                    f"{mode:8s} {workers} worker(s): {n} documents, batch {r['batch']:7.2f} s = {r['batch'] / n * 1000:6.1f} ms/document "
                    f"(CPU {r['cpu'] / n * 1000:5.1f} ms); "
                    f"start-up {r['startup']:5.2f} s; {r['counts']}"
                )
                if mode == "prefect" and ("direct", workers) in rows:
                    d = rows["direct", workers]
                    line += f"; overhead over direct {r['batch'] / d['batch'] - 1:+.0%} (CPU {r['cpu'] / d['cpu'] - 1:+.0%})"
                print(line, flush=True)
        for mode in ("direct", "prefect"):
            if (mode, 1) in rows and (mode, args.workers) in rows and args.workers > 1:
                print(
                    f"{mode}: {args.workers} workers are {rows[mode, 1]['batch'] / rows[mode, args.workers]['batch']:.2f}x as fast as 1"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
