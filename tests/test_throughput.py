"""Batch throughput figures (pipeline.app.throughput): what they hold and how the ratios are
made, on a few small reports of our own. Timings are never asserted, only that they are there."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline.app.throughput import batch_figures, figure_lines, make_inbox, median_run, ratios, row_line

REPORT = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn {day} February 2021, gunmen killed {n} civilians near a market in Mopti region.\n"
)

FIGURES = ("documents", "counts", "wall_s", "ms_per_doc", "cpu_s", "cpu_ms_per_doc", "others_cpu_s", "startup_s")


@pytest.fixture
def reports(tmp_path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for i, name in enumerate(["a.txt", "b.txt", "c.md"]):
        (folder / name).write_text(REPORT.format(day=2 + i, n=10 + i), encoding="utf-8")
    (folder / ".hidden.txt").write_text("not an input")
    return folder


def test_copies_of_the_inputs_are_distinct_files(reports, tmp_path):
    single = tmp_path / "d.txt"
    single.write_text(REPORT.format(day=9, n=3), encoding="utf-8")
    inbox = make_inbox([reports, single], 2, tmp_path / "bench")
    names = sorted(p.name for p in inbox.iterdir())
    assert len(names) == 8 and not [n for n in names if n.startswith(".")]
    assert len({p.read_bytes() for p in inbox.iterdir()}) == 8  # no copy a duplicate of another


def test_direct_figures_count_every_document_with_one_and_two_workers(reports, monkeypatch):
    monkeypatch.setattr("pipeline.app.throughput.SCALING_CHECKS", 1)
    figures = batch_figures([reports], workers=2, copies=2, prefect=False, rounds=2)
    assert figures["documents"] == 6 and figures["workers"] == 2 and figures["copies"] == 2
    assert figures["rounds"] == 2 and sorted(figures["runs"]) == ["direct-1", "direct-2"]
    for name, row in figures["runs"].items():
        assert set(FIGURES) <= set(row), name
        assert len(row["walls_s"]) == 2 and row["wall_s"] == min(row["walls_s"])  # the lower middle of two
        assert row["documents"] == 6 and row["counts"] == {"extracted": 6}
        assert row["wall_s"] > 0 and row["cpu_s"] > 0 and row["startup_s"] > 0 and row["others_cpu_s"] >= 0
        assert row["ms_per_doc"] == pytest.approx(row["wall_s"] * 1000 / 6)
        assert name.split("-")[0] in row_line(name, row)
    assert set(figures["speedup"]) == {"direct"} and set(figures["speedup"]["direct"]) == {"wall", "cpu"}
    assert figures["overhead"] == {}
    assert figure_lines(figures)[0].startswith("direct: 2 workers are ")
    scaling = figures["machine_scaling"]  # one check before each of the 2 rounds
    assert len(scaling["checks"]) == 2 and all(c > 0 for c in scaling["checks"])
    assert scaling["median"] == pytest.approx(sum(scaling["checks"]) / 2)
    assert any(line.startswith("the machine itself: 2 CPU-bound processes") for line in figure_lines(figures))


def test_the_prefect_flow_is_measured_like_the_direct_batch(reports, tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))  # its own temporary server's database
    figures = batch_figures([reports], workers=1, prefect=True, rounds=1)
    assert sorted(figures["runs"]) == ["direct-1", "prefect-1"]
    assert figures["runs"]["prefect-1"]["counts"] == figures["runs"]["direct-1"]["counts"] == {"extracted": 3}
    assert set(figures["overhead"]) == {1} and figures["speedup"] == {}
    assert figures["machine_scaling"] is None  # one worker: no speed-up to bound


def test_ratios_are_one_worker_over_n_and_prefect_over_direct():
    rows = {
        "direct-1": {"wall_s": 10.0, "cpu_s": 8.0},
        "direct-2": {"wall_s": 5.0, "cpu_s": 10.0},
        "prefect-1": {"wall_s": 12.0, "cpu_s": 10.0},
        "prefect-2": {"wall_s": 8.0, "cpu_s": 10.0},
    }
    speedup, overhead = ratios(rows, 2)
    assert speedup == {"direct": {"wall": 2.0, "cpu": 0.8}, "prefect": {"wall": 1.5, "cpu": 1.0}}
    assert overhead == {
        1: {"wall": pytest.approx(0.2), "cpu": pytest.approx(0.25)},
        2: {"wall": pytest.approx(0.6), "cpu": 0.0},
    }
    assert ratios({"direct-1": rows["direct-1"]}, 1) == ({}, {})


def test_a_configuration_is_shown_by_its_median_run_with_every_runs_wall_time():
    runs = [{"wall_s": 5.0, "cpu_s": 4.0}, {"wall_s": 7.0, "cpu_s": 6.5}, {"wall_s": 6.0, "cpu_s": 5.5}]
    assert median_run(runs) == {"wall_s": 6.0, "cpu_s": 5.5, "walls_s": [5.0, 7.0, 6.0]}
    assert median_run(runs[:1]) == {"wall_s": 5.0, "cpu_s": 4.0, "walls_s": [5.0]}
    row = {**median_run(runs), "documents": 2, "ms_per_doc": 3000.0, "cpu_ms_per_doc": 2750.0, "startup_s": 1.0}
    assert row_line("direct-1", {**row, "counts": {}}).endswith("runs 5.00 / 7.00 / 6.00 s")


def test_the_machines_cpu_counts_what_this_process_burns():
    from pipeline.tools.bench import machine_cpu_seconds

    before, burnt = machine_cpu_seconds(), time.process_time()
    while time.process_time() - burnt < 0.3:
        pass
    assert machine_cpu_seconds() - before >= 0.25


def test_the_figures_say_when_other_processes_took_cpu_meanwhile():
    quiet = {"direct-1": {"others_cpu_s": 0.02}, "direct-2": {"others_cpu_s": 0.05}}
    busy = {**quiet, "prefect-2": {"others_cpu_s": 1.5}}
    (line,) = figure_lines({"workers": 2, "speedup": {}, "overhead": {}, "runs": quiet})
    assert line == "other processes took up to 0.05 s of CPU during a shown run"
    (line,) = figure_lines({"workers": 2, "speedup": {}, "overhead": {}, "runs": busy})
    assert line.startswith("other processes took up to 1.50 s") and "not quiet" in line


def test_the_machines_scaling_is_n_times_one_alone_over_the_slowest_at_once(monkeypatch):
    from pipeline.tools import bench

    assert len(bench._spin_processes(2, 1000)) == 2
    timed = iter([[1.0], [1.2, 1.6], [1.4]])  # alone before, two at once, alone after
    monkeypatch.setattr(bench, "_spin_processes", lambda processes, loops: next(timed))
    assert bench.machine_scaling(2) == pytest.approx(2 * 1.2 / 1.6)
    line = figure_lines(
        {
            "workers": 2,
            "speedup": {},
            "overhead": {},
            "runs": {},
            "machine_scaling": {"median": 1.5, "checks": [1.4, 1.5, 1.9]},
        }
    )[0]
    assert line.startswith("the machine itself: 2 CPU-bound processes at once ran 1.50x as fast as 1")
    assert "median of 3 checks around the rounds, 1.40-1.90" in line


def test_a_timing_process_that_dies_is_said_not_waited_for(monkeypatch):
    import os

    from pipeline.tools import bench

    monkeypatch.setattr(bench, "_spin_with", lambda start, loops, answers: os._exit(3))
    with pytest.raises(RuntimeError, match=r"ended with \[3, 3\]"):
        bench._spin_processes(2, 1000)
