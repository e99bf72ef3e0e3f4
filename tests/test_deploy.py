"""What a deployment relies on: outputs readable on shared storage, the version, where an input
went, and (when PostgreSQL is installed) the real two-worker run of deploy/distributed_run.py."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import __version__
from pipeline.app.ops import InboxWatcher, run_batch
from schemas.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask():
    """Set a umask for one test and put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def test_atomic_writes_get_the_permissions_the_umask_gives(tmp_path, umask):
    umask(0o022)
    write_atomic(tmp_path / "a.json", "{}\n")
    assert _mode(tmp_path / "a.json") == 0o644
    umask(0o027)
    write_atomic(tmp_path / "b.json", "{}\n")
    assert _mode(tmp_path / "b.json") == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]  # no temp file left


def test_an_atomic_write_makes_its_folder_and_gives_up_on_a_taken_name(tmp_path, monkeypatch):
    import schemas.files as files

    write_atomic(tmp_path / "new" / "deeper" / "a.json", "{}\n")
    assert [p.name for p in (tmp_path / "new" / "deeper").iterdir()] == ["a.json"]
    monkeypatch.setattr(files.os, "urandom", lambda n: b"\0" * n)  # every draw the same name
    write_atomic(tmp_path / "b.json", "{}\n")  # the first draw is free
    (tmp_path / f"{files.temp_prefix('b.json')}{'00' * 6}.tmp").write_text("left by a writer")
    with pytest.raises(FileExistsError, match="no free temp file name"):
        write_atomic(tmp_path / "b.json", "[]\n")
    assert (tmp_path / "b.json").read_text() == "{}\n"


def test_every_output_of_a_batch_and_a_watch_is_0644_under_umask_022(tmp_path, fake_report, umask):
    umask(0o022)
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "one.txt")
    (inbox / "empty.txt").write_bytes(b"")
    run_batch(inbox, out)
    watcher = InboxWatcher(inbox, tmp_path / "out2", interval=0)
    watcher.poll_once()
    outcomes = {Path(o.file).name: o for o in watcher.poll_once()}
    files = [
        p for p in (*out.rglob("*"), *(tmp_path / "out2").rglob("*"), *(inbox / "quarantine").rglob("*")) if p.is_file()
    ]
    assert {p.name for p in files} >= {"extraction.json", "sources.json", "empty.txt.error.json"}
    assert {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in files if _mode(p) != 0o644} == {}
    assert outcomes["one.txt"].current_path == str(inbox / "processed" / "one.txt")
    assert outcomes["empty.txt"].current_path == str(inbox / "quarantine" / "empty.txt")
    assert outcomes["one.txt"].file == str(inbox / "one.txt")  # where it came from
    extraction = json.loads(Path(outcomes["one.txt"].output).read_text(encoding="utf-8"))
    assert extraction["document"]["source_path"] == str(inbox / "one.txt")


def test_version_option_prints_the_pipeline_version():
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.app.cli", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == f"coi-extract {__version__}\n"


def test_distributed_run_on_postgresql_with_two_workers():
    """The whole deploy/distributed_run.py (a few minutes): PostgreSQL, a Prefect server, a process
    pool, two workers, 40 documents, every output checked, everything stopped again."""
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from distributed_run import pg_bin
    finally:
        sys.path.pop(0)
    if pg_bin("initdb") is None or pg_bin("pg_ctl") is None:
        pytest.skip("PostgreSQL server programs not found: apt-get install -y postgresql")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres user")
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "distributed_run.py"), "--documents", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["problems"] == [] and figures["documents"] == 40 and figures["pages"] >= 40
