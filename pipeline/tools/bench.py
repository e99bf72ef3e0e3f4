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
import multiprocessing.synchronize
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB (10^6 bytes, the unit of issue 17's target)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux reports KiB


def bench_one(path: str, runs: int, warm_up_with: str | None = None) -> dict:
    """Median seconds per stage of ``runs`` extractions of ``path`` in this process, each
    written to a file as the app writes it (piece by piece), after one warm-up run (of
    ``warm_up_with`` if given: a long report is warmed up by its source's pages); and the
    process's peak RSS (one extraction is held at a time, as in the app)."""
    from extractors.stages import Timings, extract_file
    from schemas.files import json_pieces, write_atomic

    extract_file(warm_up_with or path)  # warm-up: imports, caches and the model, once per process
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


def bench_files(files: list[Path], runs: int = 5, warm_up_with: Path | None = None) -> list[dict]:
    """:func:`bench_one` of each input, each in a fresh process (so that its peak RSS is its own)."""
    rows = []
    for path in files:
        with ProcessPoolExecutor(max_workers=1, mp_context=_spawn()) as pool:
            warm = str(warm_up_with) if warm_up_with else None
            rows.append(pool.submit(bench_one, str(path), runs, warm).result())
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

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The project root, where the fresh processes run, so that they import this code (not another
installed copy)."""


MEASURE_COMMAND = "import sys; from pipeline.tools.bench import measure_tree; measure_tree(sys.argv[1:])"
"""A fresh Python that runs a command and measures it (:func:`measure_tree`); its own start-up
is not counted."""


def process_tree(root: int) -> list[int]:
    """``root`` and its live descendants (read from /proc: their parent ids)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, ()))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU seconds of a live process and of its children it has reaped (user and system; read
    from /proc; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_cpu_seconds() -> float:
    """CPU seconds every process of the machine has used since it booted (``/proc/stat``: user,
    nice, system, irq and softirq time of all cores; 0 without /proc)."""
    try:
        fields = Path("/proc/stat").read_bytes().split(b"\n", 1)[0].split()
        user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[1:8])
        return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for."""
    return sum(os.times()[:4])


class Since(NamedTuple):
    """What happened since a mark of :func:`others_since`."""

    wall: float
    """Seconds of wall clock."""
    own_cpu: float
    """CPU seconds of what is measured (its ``own`` count)."""
    others_cpu: float
    """CPU seconds the machine's other processes took."""
    others_cores: float
    """Their average number of busy cores."""


Mark = tuple[float, float, float]
"""(wall clock, ``own`` CPU seconds, the machine's CPU seconds) at a moment: :func:`cpu_mark`."""


def cpu_mark(own: Callable[[], float] = own_cpu_seconds) -> Mark:
    """A mark to measure :func:`others_since`. ``own``: the CPU of what is measured (by default
    this process and the children it waited for; a process tree with live descendants passes
    its own count)."""
    return time.perf_counter(), own(), machine_cpu_seconds()


def others_since(mark: Mark, own: Callable[[], float] = own_cpu_seconds) -> Since:
    """:class:`Since` ``mark`` (taken with the same ``own``), whose other processes' CPU says
    how much others' load on the machine moved a bench's figures."""
    now = cpu_mark(own)
    wall, own_cpu = now[0] - mark[0], now[1] - mark[1]
    others = max(0.0, (now[2] - mark[2]) - own_cpu)
    return Since(wall, own_cpu, others, others / wall if wall > 0 else 0.0)


SPIN_LOOPS = 2_000_000
"""Iterations of :func:`_spin`: about a quarter of a second on the development machine."""


def _spin(loops: int) -> float:
    """Pure Python arithmetic, ``loops`` times, touching no file and little memory; its wall
    seconds."""
    start = time.perf_counter()
    x = 0
    for i in range(loops):
        x += i * i % 7
    return time.perf_counter() - start


def _spin_with(start: multiprocessing.synchronize.Barrier, loops: int, answers: multiprocessing.SimpleQueue) -> None:
    start.wait()
    answers.put(_spin(loops))


def _spin_processes(processes: int, loops: int) -> list[float]:
    """:func:`_spin` in ``processes`` forked processes started together; their wall seconds."""
    ctx = multiprocessing.get_context("fork")
    start, answers = ctx.Barrier(processes), ctx.SimpleQueue()
    children = [ctx.Process(target=_spin_with, args=(start, loops, answers)) for _ in range(processes)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    if any(child.exitcode != 0 for child in children):  # its answer never comes: say so, not wait
        raise RuntimeError(f"a timing process ended with {[child.exitcode for child in children]}")
    return [answers.get() for _ in children]


def machine_scaling(processes: int, loops: int = SPIN_LOOPS) -> float:
    """How much faster ``processes`` CPU-bound processes get through their work at once than
    one alone: ``processes`` x one's seconds alone / the slowest one's seconds at once (one
    alone timed before and after, the mean). About ``processes`` where each has a core of its
    own; less where the cores are shared: on the 2-vCPU development VM, 1.86-2.07 at one moment
    and 1.32-1.67 twenty minutes later (2026-11-26), nothing else of ours running. So it is the
    ceiling of the moment for a speed-up of N workers over 1, measured beside it."""
    before = _spin_processes(1, loops)[0]
    together = max(_spin_processes(processes, loops))
    after = _spin_processes(1, loops)[0]
    return processes * (before + after) / 2 / together


def _proc_kb(path: str, field: bytes) -> int:
    """A ``Field:  N kB`` line of a /proc file, in KiB (0 once the process is gone)."""
    try:
        for line in Path(path).read_bytes().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _high_water_kb(pid: int) -> int:
    """The process's peak resident set (VmHWM) so far, in KiB."""
    return _proc_kb(f"/proc/{pid}/status", b"VmHWM:")


def _proportional_kb(pid: int) -> int:
    """The process's proportional set size now (Pss: each page shared with other processes
    counted as its share), in KiB; summed over processes it is the memory they hold together,
    pages a forked worker shares with its parent counted once."""
    return _proc_kb(f"/proc/{pid}/smaps_rollup", b"Pss:")


def measure_tree(argv: list[str]) -> None:
    """Run ``argv[2:]`` and write its wall seconds, CPU seconds and memory as JSON to
    ``argv[0]``, sampling its process tree every ``argv[1]`` seconds (0: not at all, for a
    timed run that only needs its time and the exact largest peak).

    Run in a fresh Python of its own (:data:`MEASURE_COMMAND`), so that the peak over the tree
    that ``getrusage(RUSAGE_CHILDREN)`` keeps is this command's alone: the largest process's
    peak RSS, exact. Sampled from /proc (a command that forks a worker and a model loader has
    three processes): the sum of each process's own peak (VmHWM, which only grows; an upper
    bound, as pages a worker shares with its parent count in both), and the largest sum of the
    processes' Pss at one sample (what they held together, shared pages counted once). Growth
    between the last sample and a process's exit is missed by both."""
    import json
    import threading

    out, every, args = argv[0], float(argv[1]), argv[2:]
    peaks: dict[int, int] = {}
    together = [0]  # the largest sum of the tree's Pss at one sample
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finished = threading.Event()

    def sample() -> None:
        while not finished.wait(every):
            pss = 0
            for pid in process_tree(child.pid):
                peaks[pid] = max(peaks.get(pid, 0), _high_water_kb(pid))
                pss += _proportional_kb(pid)
            together[0] = max(together[0], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    if every > 0:
        sampler.start()
    code = child.wait()
    wall = time.perf_counter() - start
    finished.set()
    if every > 0:
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest_kb = usage.ru_maxrss  # Linux reports KiB
    sampled = sorted(peaks.values())
    total_kb = sum(sampled[:-1]) + max([largest_kb, *sampled[-1:]])  # the largest sample made exact
    figures = {
        "returncode": code,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": largest_kb * 1024 / 1e6,
        "peak_rss_sum_mb": total_kb * 1024 / 1e6,
        "peak_pss_mb": together[0] * 1024 / 1e6,
        "processes": max(1, len(peaks)),
    }
    Path(out).write_text(json.dumps(figures), encoding="utf-8")


def _measured_run(args: list[str], sample_every: float = 0.1, allowed: tuple[int, ...] = (0,)) -> dict:
    """:func:`measure_tree`'s figures for one fresh run of ``args`` (which must end with an
    ``allowed`` exit code)."""
    import json

    with tempfile.TemporaryDirectory(prefix="coi-bench-") as folder:
        out = Path(folder) / "figures.json"
        subprocess.run(
            [sys.executable, "-c", MEASURE_COMMAND, os.fspath(out), str(sample_every), *args],
            cwd=PROJECT_ROOT,
            check=True,
        )
        figures = json.loads(out.read_text(encoding="utf-8"))
    if figures["returncode"] not in allowed:
        raise subprocess.CalledProcessError(figures["returncode"], args)
    return figures


def whole_process(path: Path, runs: int = 3, warm_up: bool = True) -> dict:
    """Wall and CPU seconds of a fresh ``coi extract`` of ``path`` (start-up, imports, model if
    needed, writing the JSON) and of a fresh floor process on it (start-up and imports
    included): medians of ``runs`` runs each, taken in turns (extract, floor, extract, ...)
    so that a change in the machine's load weighs on both alike, after one untimed run of
    each (the files in the page cache; ``warm_up=False`` skips it, for a long report just
    written). CPU seconds are the steadier figure on a shared machine: other programs
    lengthen wall time, not the time a run spends on a core.

    Memory (MB = 10^6 bytes) comes from the first run of each command, its process tree
    sampled every 0.05 s (0.5 s without a warm-up, where that run is also timed): the largest
    process's peak RSS, the sum of every process's own peak, and the processes' Pss held
    together (see :func:`measure_tree`)."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="coi-bench-") as out:
        extract = [sys.executable, "-m", "pipeline", "extract", os.fspath(path), "--out", out]
        floor = [sys.executable, "-c", FLOOR_COMMAND, os.fspath(path)]
        timed: dict[str, list[dict]] = {"extract": [], "floor": []}
        if warm_up:
            first = {"extract": _measured_run(extract, 0.05), "floor": _measured_run(floor, 0.05)}
        for i in range(max(1, runs)):
            for name, args in (("extract", extract), ("floor", floor)):
                timed[name].append(_measured_run(args, 0.5 if i == 0 and not warm_up else 0.0))
        if not warm_up:
            first = {k: v[0] for k, v in timed.items()}

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in timed[name])

    return {
        "input": str(path),
        "seconds": median("extract", "wall"),
        "floor_seconds": median("floor", "wall"),
        "cpu_seconds": median("extract", "cpu"),
        "floor_cpu_seconds": median("floor", "cpu"),
        "peak_rss_mb": first["extract"]["peak_rss_mb"],
        "peak_rss_sum_mb": first["extract"]["peak_rss_sum_mb"],
        "peak_pss_mb": first["extract"]["peak_pss_mb"],
        "processes": first["extract"]["processes"],
        "floor_peak_rss_mb": first["floor"]["peak_rss_mb"],
    }


def batch_command(folder: Path, workers: int = 1) -> dict:
    """A fresh ``coi batch`` of a copy of ``folder``'s files (the batch moves failures to
    quarantine: the originals are never touched), start-up included, as a user runs it: wall
    and CPU seconds, per document too, and memory as :func:`whole_process` (its tree sampled
    every 0.2 s: the command, its workers), and the batch's counts (extracted, failed, ...)."""
    import json
    import shutil

    files = sorted(f for f in Path(folder).iterdir() if f.is_file() and not f.name.startswith("."))
    with tempfile.TemporaryDirectory(prefix="coi-bench-") as work:
        inbox = Path(work) / "in"
        inbox.mkdir()
        for f in files:
            shutil.copyfile(f, inbox / f.name)
        out = Path(work) / "out"
        args = [sys.executable, "-m", "pipeline", "batch", os.fspath(inbox), "--out", os.fspath(out)]
        figures = _measured_run([*args, "--workers", str(workers)], 0.2, allowed=(0, 1))  # 1: some failed
        counts = json.loads((out / "batch-summary.json").read_text(encoding="utf-8"))["counts"]
    n = max(1, len(files))
    return {
        "input": str(folder),
        "workers": workers,
        "documents": len(files),
        "counts": counts,
        "seconds": figures["wall"],
        "ms_per_document": figures["wall"] / n * 1000,
        "cpu_seconds": figures["cpu"],
        "cpu_ms_per_document": figures["cpu"] / n * 1000,
        "peak_rss_mb": figures["peak_rss_mb"],
        "peak_rss_sum_mb": figures["peak_rss_sum_mb"],
        "peak_pss_mb": figures["peak_pss_mb"],
        "processes": figures["processes"],
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
