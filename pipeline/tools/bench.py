"""Timing and memory figures for ``coi bench`` (figures only: nothing here passes or fails).

Each input is measured in a fresh child process, so its peak RSS is its own; the NLP model
is loaded by a warm-up run before the timed runs, as in a long-running worker ("warm").

Beside it, two yardsticks:

- the **floor**: the least any reader of the file must do, its text taken from pdfium page by
  page (or the file decoded, for other kinds) and split by spaCy's English tokenizer, timed
  warm in the same way;
- **whole process**: a fresh ``coi extract`` of the file, start-up included, as a user runs
  it once, against a fresh Python that imports pypdfium2 and the tokenizer and does the floor's
  work (the floor's own start-up).

This module imports the pipeline only inside the functions that time it, so that the floor's
fresh process (``python -c "from pipeline.tools.bench import read_and_tokenize ..."``) imports
nothing but pypdfium2 and spaCy."""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def bench_one(path: str, runs: int) -> dict:
    """Median seconds per stage of ``runs`` extractions of ``path`` in this process, each
    written to a file as the app writes it (piece by piece), after one warm-up run; and the
    process's peak RSS (one extraction is held at a time, as in the app)."""
    from extractors.stages import Timings, extract_file
    from schemas.files import json_pieces, write_atomic

    extract_file(path)  # warm-up: imports, caches and the model, once per process
    totals, stages, pages = [], [], 0
    with tempfile.TemporaryDirectory(prefix="coi-bench-") as folder:
        out = Path(folder) / "extraction.json"
        for _ in range(max(1, runs)):
            timings = Timings()
            start = time.perf_counter()
            extraction = extract_file(path, timings=timings)
            t0 = time.perf_counter()
            write_atomic(out, json_pieces(extraction))
            timings.add("write", time.perf_counter() - t0)
            totals.append(time.perf_counter() - start)
            stages.append(timings.stages)
            pages = extraction.document.page_count
            del extraction  # not held while the next run makes its own
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


def read_and_tokenize(path: str) -> int:
    """The floor's work on ``path``: the text of every page from pdfium (a PDF) or the file
    decoded as UTF-8 (any other kind), split into tokens by spaCy's blank English tokenizer.
    Returns the number of tokens (so that nothing is optimised away)."""
    tokenizer = _tokenizer()
    data = Path(path).read_bytes()
    if data[:5] == b"%PDF-":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        texts = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        pdf.close()
    else:
        texts = [data.decode("utf-8", errors="replace")]
    return sum(len(tokenizer(text)) for text in texts)


_TOKENIZERS: list = []


def _tokenizer():
    """spaCy's English tokenizer, without any model (made once per process)."""
    if not _TOKENIZERS:
        import spacy

        _TOKENIZERS.append(spacy.blank("en").tokenizer)
    return _TOKENIZERS[0]


def floor_one(path: str, runs: int) -> dict:
    """Median seconds of :func:`read_and_tokenize` on ``path``, after one warm-up run."""
    read_and_tokenize(path)
    totals = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        read_and_tokenize(path)
        totals.append(time.perf_counter() - start)
    return {"input": path, "seconds": statistics.median(totals)}


def floor_files(files: list[Path], runs: int = 5) -> list[dict]:
    """The floor of each input, each in a fresh process (as :func:`bench_files`)."""
    rows = []
    for path in files:
        with ProcessPoolExecutor(max_workers=1, mp_context=_spawn()) as pool:
            rows.append(pool.submit(floor_one, str(path), runs).result())
    return rows


FLOOR_COMMAND = "import sys; from pipeline.tools.bench import read_and_tokenize; read_and_tokenize(sys.argv[1])"
"""The floor's fresh process: Python, pypdfium2 and spaCy's tokenizer imported, the file read."""

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
"""Where the fresh processes run, so that they run this code (not another installed copy)."""


def _run_timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and every process it waited
    for: a forked extraction child included) of one fresh run of ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=_PACKAGE_ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_process(path: Path, runs: int = 3) -> dict:
    """Wall and CPU seconds of a fresh ``coi extract`` of ``path`` (start-up, imports, model if
    needed, writing the JSON) and of a fresh floor process on it (start-up and imports
    included): medians of ``runs`` runs each, taken in turns (extract, floor, extract, ...)
    so that a change in the machine's load weighs on both alike, after one untimed run of
    each (the files in the page cache). CPU seconds are the steadier figure on a shared
    machine: other programs lengthen wall time, not the time a run spends on a core."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="coi-bench-") as out:
        extract = [sys.executable, "-m", "pipeline.app.cli", "extract", os.fspath(path), "--out", out]
        floor = [sys.executable, "-c", FLOOR_COMMAND, os.fspath(path)]
        _run_timed(extract)
        _run_timed(floor)
        timed: dict[str, list[tuple[float, float]]] = {"extract": [], "floor": []}
        for _ in range(max(1, runs)):
            timed["extract"].append(_run_timed(extract))
            timed["floor"].append(_run_timed(floor))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in timed.items()}
    return {
        "input": str(path),
        "seconds": med["extract"][0],
        "floor_seconds": med["floor"][0],
        "cpu_seconds": med["extract"][1],
        "floor_cpu_seconds": med["floor"][1],
    }


def _extract_pages(path: str) -> int:
    from extractors.stages import extract_file

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
    return {
        "workers": workers,
        "documents": len(jobs),
        "pages": pages,
        "seconds": seconds,
        "pages_per_second": pages / seconds,
    }


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
