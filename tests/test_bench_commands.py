"""``coi bench``'s fresh-command figures: a batch is timed on a copy of the folder (the
originals never move, even a file the batch quarantines), and --long needs a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.tools.bench import batch_command


def test_batch_command_times_a_copy_and_leaves_the_folder_alone(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("Mali\n\nOn 2 May 2021, 3 civilians were killed in Mopti region.\n", encoding="utf-8")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 not really a PDF")  # fails, so the batch quarantines its copy
    (folder / ".hidden").write_text("left alone", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    row = batch_command(folder, workers=1)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert row["documents"] == 2 and row["workers"] == 1 and row["counts"] == {"extracted": 1, "failed": 1}
    assert row["seconds"] > 0 and row["cpu_seconds"] > 0 and row["ms_per_document"] == row["seconds"] / 2 * 1000
    assert 0 < row["peak_rss_mb"] <= row["peak_rss_sum_mb"]


def test_long_needs_a_pdf_among_the_inputs(tmp_path):
    text = tmp_path / "r.txt"
    text.write_text("Mali\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["bench", str(text), "--runs", "1", "--long", "40"])
    assert result.exit_code != 0 and "--long needs a PDF" in result.output


def _bench_script(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_small_texts_are_distinct_paragraph_slices_of_the_sources(tmp_path):
    module = _bench_script("small_texts")
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text("One.\n\nTwo two.\n\nThree three three.", encoding="utf-8")
    (source / "b.txt").write_text("Alpha.", encoding="utf-8")
    written = module.small_texts(source, tmp_path / "out", count=5, chars=14)
    texts = [p.read_text(encoding="utf-8") for p in written]
    assert len(set(texts)) == 5
    assert texts[0].startswith("One.\n\nTwo two.") and texts[1].startswith("Alpha.")
    assert texts[2].startswith("Three three three.") and texts[4].startswith("One.")  # wraps round


def test_prefect_needs_a_batch_folder(tmp_path):
    text = tmp_path / "r.txt"
    text.write_text("Mali\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["bench", str(text), "--runs", "1", "--prefect"])
    assert result.exit_code != 0 and "--prefect needs --batch" in result.output


def test_other_processes_cpu_leaves_out_this_process_and_the_children_it_waited_for(monkeypatch):
    import subprocess
    import sys

    from pipeline.tools import bench

    machine = iter([100.0, 103.5])  # the whole machine's CPU seconds at the mark and after
    monkeypatch.setattr(bench, "machine_cpu_seconds", lambda: next(machine))
    mark = bench.cpu_mark()
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3:\n    pass"
    subprocess.run([sys.executable, "-c", burn], check=True)
    wall, _own, others, cores = bench.others_since(mark)
    assert 0.0 <= others <= 3.5 - 0.3 and wall > 0 and cores == pytest.approx(others / wall)


def test_a_watch_poll_is_timed_on_copies_of_the_reports(tmp_path):
    sources = []
    for i, place in enumerate(("Mopti", "Gao")):
        sources.append(tmp_path / f"r{i}.txt")
        sources[-1].write_text(f"Mali\n\nOn 2 May 2021, {i + 3} civilians were killed in {place}.\n", encoding="utf-8")
    row = _bench_script("watch_polls").poll_round(sources, tmp_path / "round")
    assert row["files"] == 2 and row["statuses"] == {"extracted": 2} and row["wall_s"] > 0 and row["cpu_s"] > 0
    assert [p.name for p in sorted(tmp_path.glob("r*.txt"))] == ["r0.txt", "r1.txt"]  # the sources stay
    assert sorted(p.name for p in (tmp_path / "round" / "in" / "processed").iterdir()) == ["r0.txt", "r1.txt"]
