"""Batch throughput with 1 and N workers, with and without Prefect (figures only).

    python bench/batch_throughput.py PDF [PDF ...] --copies 10 --workers 2

Each copy gets a distinct trailer after %%EOF so that content-based skipping does not
count it as a duplicate."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from pipeline.app.ops import run_batch


def make_inbox(pdfs: list[Path], copies: int, folder: Path) -> Path:
    inbox = folder / "in"
    inbox.mkdir(parents=True)
    for i in range(copies):
        for pdf in pdfs:
            (inbox / f"{pdf.stem}-{i:02d}.pdf").write_bytes(pdf.read_bytes() + f"\n% copy {i}\n".encode())
    return inbox


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pdfs", nargs="+", type=Path)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="coi-batch-bench-"))
    try:
        inbox = make_inbox(args.pdfs, args.copies, folder)
        rows = []
        for workers in sorted({1, args.workers}):
            out = folder / f"out-{workers}"
            summary = run_batch(inbox, out, workers=workers)
            rows.append((f"direct, {workers} worker(s)", summary["pages_extracted"], summary["seconds"]))
        from flows import extract_batch

        for workers in sorted({1, args.workers}):
            out = folder / f"prefect-{workers}"
            start = time.perf_counter()
            summary = extract_batch(str(inbox), str(out), workers)
            rows.append((f"prefect flow, {workers} worker(s)", summary["pages_extracted"], time.perf_counter() - start))
        for name, pages, seconds in rows:
            print(f"{name:28s} {pages:5d} pages {seconds:7.2f} s {pages / seconds:7.1f} pages/s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
