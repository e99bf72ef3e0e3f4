"""What an inbox watcher (``coi watch``, the ``watch_inbox`` flow) costs per report: ``--files``
reports of a folder copied into a fresh inbox, two polls of :class:`pipeline.app.ops.InboxWatcher`
(the first only sees them, the second takes them), timed with the process's CPU and that of
the workers it reaped. ``--rounds`` inboxes one after the other in the same process: the first
round also warms the process (imports, knowledge, the model when a report asks it), as a
watcher's first poll does; the next ones are a running watcher's.

    python bench/watch_polls.py /tmp/small200 --files 50 --rounds 2

Figures only; the inputs are copied, never moved."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.app.ops import InboxWatcher  # noqa: E402
from pipeline.tools.bench import own_cpu_seconds  # noqa: E402


def poll_round(sources: list[Path], folder: Path) -> dict:
    """One fresh inbox of ``sources`` taken by a watcher: wall and CPU seconds of the poll that
    takes them, and the outcomes' statuses."""
    inbox = folder / "in"
    inbox.mkdir(parents=True)
    for source in sources:
        shutil.copyfile(source, inbox / source.name)
    watcher = InboxWatcher(inbox, folder / "out", interval=0)
    watcher.start()
    watcher.poll_once()  # first sight: nothing is still yet
    cpu, wall = own_cpu_seconds(), time.perf_counter()
    outcomes = watcher.poll_once()
    wall, cpu = time.perf_counter() - wall, own_cpu_seconds() - cpu
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return {"files": len(outcomes), "wall_s": wall, "cpu_s": cpu, "statuses": statuses}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path, help="Reports to copy into each round's inbox.")
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    sources = sorted(p for p in args.folder.iterdir() if p.is_file() and not p.name.startswith("."))[: args.files]
    if not sources:
        raise SystemExit(f"{args.folder}: no files to copy")
    for turn in range(args.rounds):
        folder = Path(tempfile.mkdtemp(prefix="coi-watch-bench-"))
        try:
            row = poll_round(sources, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        n = max(row["files"], 1)
        print(
            f"round {turn + 1}{' (warms the process)' if turn == 0 else ''}: {row['files']} files in "
            f"{row['wall_s']:.2f} s = {row['wall_s'] / n * 1000:.1f} ms/file, "
            f"CPU {row['cpu_s'] / n * 1000:.1f} ms/file; {row['statuses']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
