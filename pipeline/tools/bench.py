"""Timing and memory figures for ``coi bench`` (figures only: nothing here passes or fails).

Each input is measured in a fresh child process, so its peak RSS is its own; the NLP model
is loaded by a warm-up run before the timed runs, as in a long-running worker."""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from extractors.stages import Timings, extract_file
from schemas.files import to_json


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def bench_one(path: str, runs: int) -> dict:
    extract_file(path)  # warm-up: imports, caches and the model, once per process
    totals, stages, pages = [], [], 0
    for _ in range(max(1, runs)):
        timings = Timings()
        start = time.perf_counter()
        extraction = extract_file(path, timings=timings)
        t0 = time.perf_counter()
        to_json(extraction)
        timings.add("write", time.perf_counter() - t0)
        totals.append(time.perf_counter() - start)
        stages.append(timings.stages)
        pages = extraction.document.page_count
    median = statistics.median(totals)
    return {
        "input": path,
        "pages": pages,
        "seconds": median,
        "pages_per_second": pages / median if median else 0.0,
        "stages": {k: statistics.median(s.get(k, 0.0) for s in stages) for k in stages[0]},
        "peak_rss_mb": _peak_rss_mb(),
    }


def _spawn() -> multiprocessing.context.BaseContext:
    return multiprocessing.get_context("spawn")


def bench_files(files: list[Path], runs: int = 5) -> list[dict]:
    rows = []
    for path in files:
        with ProcessPoolExecutor(max_workers=1, mp_context=_spawn()) as pool:
            rows.append(pool.submit(bench_one, str(path), runs).result())
    return rows


def _extract_pages(path: str) -> int:
    return extract_file(path).document.page_count


def bench_workers(files: list[Path], workers: int, copies: int = 10) -> dict:
    """Throughput of ``copies`` passes over ``files`` with a pool of ``workers`` processes
    (each worker warmed up first, as a batch worker would be)."""
    jobs = [str(p) for _ in range(copies) for p in files]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_spawn()) as pool:
        list(pool.map(_extract_pages, [str(files[0])] * workers))  # warm every worker
        start = time.perf_counter()
        pages = sum(pool.map(_extract_pages, jobs))
        seconds = time.perf_counter() - start
    return {"workers": workers, "documents": len(jobs), "pages": pages, "seconds": seconds, "pages_per_second": pages / seconds}


def long_report(pdf: Path, min_pages: int, folder: Path | None = None) -> Path:
    """A PDF of at least ``min_pages`` pages made of ``pdf``'s pages repeated (for growth figures)."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(str(pdf))
    out = pdfium.PdfDocument.new()
    while len(out) < min_pages:
        out.import_pages(source)
    folder = folder or Path(tempfile.mkdtemp(prefix="coi-bench-"))
    path = folder / f"{pdf.stem}-x{len(out) // len(source)}.pdf"
    out.save(str(path))
    return path
