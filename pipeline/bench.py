"""Timing and memory figures for ``coi bench`` (no assertions: figures only)."""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

from pipeline.run import Timings, extract_file, to_json


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def bench_files(files: list[Path], runs: int = 5) -> list[dict]:
    rows = []
    for path in files:
        extract_file(path)  # warm-up: imports and caches loaded once per process
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
        rows.append({
            "input": str(path),
            "pages": pages,
            "seconds": median,
            "pages_per_second": pages / median if median else 0.0,
            "stages": {k: statistics.median(s.get(k, 0.0) for s in stages) for k in stages[0]},
            "peak_rss_mb": _peak_rss_mb(),
        })
    return rows
