"""A hostile world, round two (issue 14): one test (or more) per defect, each on inputs the
test builds itself. Numbers in the test names are the issue's items.

Extractions that must be slow, die or change their input are made so by patching
``pipeline.app.run.extract_document`` in this process: extraction children are forked, so they
run the patched function (a real report needs no patch to be slow; the tests need it to be
slow on purpose and for a known time)."""

from __future__ import annotations

import ctypes
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.app.run
from pipeline.app import ops
from pipeline.app.cli import app
from pipeline.app.limits import extract_in_child
from pipeline.app.ops import InboxWatcher, run_batch
from pipeline.app.run import extract_file
from schemas import errors
from schemas.limits import Limits
from tests.conftest import children_of

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
LINUX = sys.platform.startswith("linux")
REPORT = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn 2 February 2021, gunmen killed 12 civilians in Bandiagara cercle, Mopti region.\n"
)


def _report(i: int = 0) -> bytes:
    return REPORT.replace("12 civilians", f"{12 + i} civilians").encode()


def _said(result) -> str:
    """A CLI run's output with the console's line wrapping undone."""
    return " ".join(result.output.split())


def _watch_once(inbox: Path, out: Path, **kw) -> list[ops.Outcome]:
    """Two polls of a fresh watcher: the second takes what held still."""
    watcher = InboxWatcher(inbox, out, interval=0, **kw)
    watcher.start()
    watcher.ready()
    return watcher.poll_once()


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def slow_extraction(monkeypatch):
    """Extractions (in forked children) sleep 60 s before doing anything."""
    real = pipeline.app.run.extract_document

    def slow(doc, timings=None):
        time.sleep(60)
        return real(doc, timings)

    monkeypatch.setattr(pipeline.app.run, "extract_document", slow)


@pytest.fixture
def subreaper():
    """Orphaned processes become children of this test process (Linux), so the test can see
    whether a grandchild outlived its parent."""
    if not LINUX:
        pytest.skip("needs Linux (prctl PR_SET_CHILD_SUBREAPER)")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    yield
    libc.prctl(36, 0, 0, 0, 0)
    for pid in children_of(os.getpid()):
        os.kill(pid, signal.SIGKILL)
    while True:  # reap whatever was left
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


# ------------------------------------------------------------------ 1. names that are not UTF-8

BAD = os.fsdecode(b"bad-\xff.txt")


def test_01_name_that_is_not_utf8_in_extract_batch_watch_and_flow(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / BAD).write_bytes(_report())
    result = runner.invoke(app, ["extract", str(folder / BAD), "--out", str(tmp_path / "ex")])
    assert result.exit_code == 0, result.output
    assert "bad-\\xff.txt" in _said(result)
    written = json.loads((tmp_path / "ex" / f"{BAD}.json").read_text(encoding="utf-8"))
    assert written["document"]["source_path"].endswith("bad-\\xff.txt")

    summary = run_batch(folder, tmp_path / "out")
    assert summary["counts"] == {"extracted": 1}
    assert summary["outcomes"][0]["file"].endswith("bad-\\xff.txt")
    json.dumps(summary, ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    (sources,) = (tmp_path / "out").glob("*/*/sources.json")
    assert json.loads(sources.read_text(encoding="utf-8")) == ["bad-\\xff.txt"]

    (outcome,) = _watch_once(folder, tmp_path / "out2")
    assert outcome.status == "extracted" and outcome.as_dict()["file"].endswith("bad-\\xff.txt")
    assert os.listdir(os.fsencode(folder / "processed")) == [b"bad-\xff.txt"]  # the bytes of the name are kept


def test_01_name_that_is_not_utf8_in_the_prefect_flow(tmp_path):
    from flows import extract_batch

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / BAD).write_bytes(_report())
    (folder / os.fsdecode(b"empty-\xfe.txt")).write_bytes(b"")
    summary = extract_batch(str(folder), str(tmp_path / "out"))
    assert sorted((Path(o["file"]).name, o["status"]) for o in summary["outcomes"]) == [
        ("bad-\\xff.txt", "extracted"),
        ("empty-\\xfe.txt", "failed"),
    ]
    assert (tmp_path / "out" / "quarantine" / os.fsdecode(b"empty-\xfe.txt.error.json")).exists()


# ------------------------------------------------------------------ 2. children die with their parent


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_02_extraction_child_dies_with_its_parent(tmp_path, slow_extraction, subreaper, how):
    path = tmp_path / "r.txt"
    path.write_bytes(_report())
    pid = os.fork()
    if pid == 0:  # the parent of the extraction: a watcher or batch, say
        try:
            extract_in_child(path, Limits(seconds=120))
        finally:
            os._exit(0)
    try:
        assert _wait_for(lambda: children_of(pid), 30), "the extraction child never started"
        (child,) = children_of(pid)
        os.kill(pid, how)
        os.waitpid(pid, 0)
        assert _wait_for(lambda: not _alive(child), 5), "the extraction child outlived its parent"
    finally:
        for p in (pid, *children_of(pid)):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_02_child_holds_no_read_end_of_its_own_pipe(tmp_path, monkeypatch, subreaper):
    """Without the death signal, a worker whose parent died must still end: it holds neither
    of its pipes' parent ends, so answering to a pipe nobody can read any more, or waiting for
    its next document on a pipe nobody can write any more, fails instead of blocking."""
    import pipeline.app.limits

    monkeypatch.setattr(pipeline.app.limits, "die_with_parent", lambda parent_pid: None, raising=False)
    real = pipeline.app.run.extract_document

    def late(doc, timings=None):
        time.sleep(1.5)
        return real(doc, timings)

    monkeypatch.setattr(pipeline.app.run, "extract_document", late)
    path = tmp_path / "r.txt"
    path.write_bytes(_report())
    pid = os.fork()
    if pid == 0:
        try:
            extract_in_child(path, Limits(seconds=120))
        finally:
            os._exit(0)
    try:
        assert _wait_for(lambda: children_of(pid), 30)
        (child,) = children_of(pid)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert _wait_for(lambda: not _alive(child), 15), "the child blocked writing to its dead parent's pipe"
    finally:
        for p in (pid, *children_of(pid)):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ------------------------------------------------------------------ 3. a dead worker


def test_03_dead_worker_is_replaced_retried_once_then_quarantined(tmp_path, monkeypatch):
    real = pipeline.app.run.extract_document
    marker = tmp_path / "died-once"

    def dying(doc, timings=None):
        if "once" in doc.source_path and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        if "always" in doc.source_path:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(doc, timings)

    monkeypatch.setattr(pipeline.app.run, "extract_document", dying)
    folder = tmp_path / "in"
    folder.mkdir()
    for i, name in enumerate(["a.txt", "always-dies.txt", "b.txt", "dies-once.txt", "c.txt"]):
        (folder / name).write_bytes(_report(i))
    summary = run_batch(folder, tmp_path / "out", workers=2)
    status = {Path(o["file"]).name: o for o in summary["outcomes"]}
    assert {n: o["status"] for n, o in status.items()} == {
        "a.txt": "extracted",
        "always-dies.txt": "failed",
        "b.txt": "extracted",
        "dies-once.txt": "extracted",
        "c.txt": "extracted",
    }
    assert status["always-dies.txt"]["error"]["code"] == "worker_died"
    assert "twice (signal 9)" in status["always-dies.txt"]["error"]["reason"]
    reason = json.loads((tmp_path / "out" / "quarantine" / "always-dies.txt.error.json").read_text())
    assert reason["code"] == "worker_died"
    assert children_of(os.getpid()) == [] or all(not _alive(p) for p in children_of(os.getpid()))


def test_03_an_interrupted_batch_still_gives_its_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"r{i}.txt").write_bytes(_report(i))

    def interrupt_after_first(outcome):
        raise KeyboardInterrupt  # Ctrl-C, or SIGTERM turned into it by `coi batch`

    try:
        summary = run_batch(folder, tmp_path / "out", workers=2, progress=interrupt_after_first)
    except KeyboardInterrupt:
        pytest.fail("the interruption escaped the batch: no summary")
    assert summary["interrupted"] is True and summary["documents"] == 4
    assert summary["counts"]["extracted"] == 1 and summary["counts"]["interrupted"] == 3
    assert _wait_for(lambda: not [p for p in children_of(os.getpid()) if _alive(p)], 5)  # the other child was killed


# ------------------------------------------------------------------ 4, 5. the watcher's own folders


@pytest.mark.parametrize("kind", ["file", "symlink"])
@pytest.mark.parametrize("name", ["processed", "quarantine"])
def test_04_05_watcher_folders_must_be_its_own(tmp_path, name, kind):
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir()
    elsewhere.mkdir()
    (inbox / "r.txt").write_bytes(_report())
    (inbox / "empty.txt").write_bytes(b"")
    if kind == "file":
        (inbox / name).write_bytes(_report(1))
    else:
        (inbox / name).symlink_to(elsewhere)
    for _ in range(2):  # and again on restart
        result = runner.invoke(app, ["watch", str(inbox), "--out", str(tmp_path / "out"), "--once", "--interval", "0"])
        assert result.exit_code == 2, result.output
        assert "cannot watch" in _said(result) and ("symbolic link" if kind == "symlink" else "is a file") in _said(
            result
        )
    assert list(elsewhere.iterdir()) == []  # nothing moved through the link
    assert (inbox / "r.txt").exists() and (inbox / "empty.txt").exists()


def test_04_two_watchers_on_one_inbox_lose_nothing(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for i in range(6):
        (inbox / f"r{i}.txt").write_bytes(_report(i))
    (inbox / "empty.txt").write_bytes(b"")
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            try:
                InboxWatcher(inbox, out, interval=0.05).run(stop_after=60, handle_signals=False)
            finally:
                os._exit(0)
        pids.append(pid)
    try:
        assert _wait_for(lambda: not [p for p in inbox.iterdir() if p.is_file()], 90)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [f"r{i}.txt" for i in range(6)]
    assert sorted(p.name for p in (inbox / "quarantine").iterdir()) == ["empty.txt", "empty.txt.error.json"]
    assert len(list(out.glob("*/*/extraction.json"))) == 6


# ------------------------------------------------------------------ 6. reason first, whole copies only


def test_06_a_kill_before_the_reason_never_loses_it(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.txt").write_bytes(b"")
    real = ops.write_atomic

    def killed(path, text):
        if path.name.endswith(".error.json"):
            raise KeyboardInterrupt  # the process dies right here
        return real(path, text)

    monkeypatch.setattr(ops, "write_atomic", killed)
    with pytest.raises(KeyboardInterrupt):
        _watch_once(inbox, tmp_path / "out")
    quarantined = [p.name for p in (inbox / "quarantine").iterdir()] if (inbox / "quarantine").exists() else []
    # either the input is still in the inbox, or it sits in quarantine with its reason
    assert (inbox / "empty.txt").exists() or "empty.txt.error.json" in quarantined
    monkeypatch.setattr(ops, "write_atomic", real)
    _watch_once(inbox, tmp_path / "out")  # the next run finishes the job
    assert sorted(p.name for p in (inbox / "quarantine").iterdir()) == ["empty.txt", "empty.txt.error.json"]


def test_06_a_batch_killed_mid_copy_leaves_no_truncated_copy(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    broken = b"%PDF-1.7\n" + b"\x00garbage" * 5000
    (folder / "broken.pdf").write_bytes(broken)
    pid = os.fork()
    if pid == 0:  # a batch that dies half-way through copying the failed input

        def half_then_die(src, dst, *a, **k):
            Path(dst).write_bytes(Path(src).read_bytes()[:1000])
            os._exit(9)

        shutil.copy2 = half_then_die
        shutil.copyfile = half_then_die
        try:
            run_batch(folder, out)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    summary = run_batch(folder, out)  # the rerun
    assert summary["counts"] == {"failed": 1}
    names = sorted(p.name for p in (out / "quarantine").iterdir())
    assert names == ["broken.pdf", "broken.pdf.error.json"]  # no truncated copy, no "-1" twin, no temp file
    assert (out / "quarantine" / "broken.pdf").read_bytes() == broken


# ------------------------------------------------------------------ 7. a file paused mid-write


def test_07_file_that_changes_during_extraction_is_not_moved(tmp_path, monkeypatch):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    half, rest = _report()[:120], _report()[120:]
    (inbox / "r.txt").write_bytes(half)
    real = pipeline.app.run.extract_document

    def writer_resumes(doc, timings=None):  # the writer adds the rest while we extract
        with open(inbox / "r.txt", "ab") as f:
            f.write(rest)
        time.sleep(0.05)
        return real(doc, timings)

    monkeypatch.setattr(pipeline.app.run, "extract_document", writer_resumes)
    watcher = InboxWatcher(inbox, out, interval=0)
    watcher.start()
    watcher.ready()
    (first,) = watcher.poll_once()
    assert first.status == "changed" and (inbox / "r.txt").read_bytes() == _report()
    assert not (inbox / "processed" / "r.txt").exists() and list(out.glob("*/*/extraction.json")) == []
    monkeypatch.setattr(pipeline.app.run, "extract_document", real)
    watcher.ready()
    (second,) = watcher.poll_once()
    assert second.status == "extracted" and (inbox / "processed" / "r.txt").read_bytes() == _report()
    (output,) = out.glob("*/*/extraction.json")
    assert "12 civilians" in json.loads(output.read_text())["text"]


# ------------------------------------------------------------------ 8. an unreadable file


@pytest.fixture
def unreadable(monkeypatch):
    """Makes a file that cannot be opened: chmod 000 (as root, which reads anything anyway,
    opening that very file is made to fail the same way)."""
    real_os_open, real_io_open = os.open, io.open
    denied: set[str] = set()

    def deny(path):
        if isinstance(path, (str, bytes, os.PathLike)) and os.path.abspath(os.fsdecode(os.fspath(path))) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))

    def os_open(path, *a, **k):
        deny(path)
        return real_os_open(path, *a, **k)

    def io_open(file, *a, **k):
        deny(file)
        return real_io_open(file, *a, **k)

    def make(path: Path) -> Path:
        path.write_bytes(_report(7))
        path.chmod(0)
        denied.add(os.path.abspath(path))
        if os.geteuid() == 0:
            monkeypatch.setattr(os, "open", os_open)
            monkeypatch.setattr(io, "open", io_open)
        return path

    return make


def test_08_unreadable_file_is_one_failure_in_a_batch(tmp_path, unreadable):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(_report())
    unreadable(folder / "unreadable.txt")
    summary = run_batch(folder, tmp_path / "out")
    status = {Path(o["file"]).name: o for o in summary["outcomes"]}
    assert status["a.txt"]["status"] == "extracted"
    assert status["unreadable.txt"]["status"] == "failed" and status["unreadable.txt"]["error"]["code"] == "unreadable"
    reason = json.loads((tmp_path / "out" / "quarantine" / "unreadable.txt.error.json").read_text())
    assert "permission denied" in reason["reason"].lower()


def test_08_unreadable_file_is_one_failure_in_extract(tmp_path, unreadable):
    good = tmp_path / "a.txt"
    good.write_bytes(_report())
    bad = unreadable(tmp_path / "unreadable.txt")
    result = runner.invoke(app, ["extract", str(bad), str(good), "--out", str(tmp_path / "ex")])
    assert result.exit_code == 1 and "permission denied" in _said(result).lower()
    assert (tmp_path / "ex" / "a.txt.json").exists()


# ------------------------------------------------------------------ 9. a 250-byte name


def test_09_very_long_names_are_shortened_with_a_hash(tmp_path):
    long_bad = "x" * 246 + ".pdf"
    long_good = "y" * 246 + ".txt"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / long_bad).write_bytes(b"")
    (inbox / long_good).write_bytes(_report())
    statuses = sorted(o.status for o in _watch_once(inbox, tmp_path / "out"))
    assert statuses == ["extracted", "failed"]
    (reason,) = (inbox / "quarantine").glob("*.error.json")
    assert json.loads(reason.read_text())["code"] == "empty_file" and len(reason.name.encode()) <= 255
    assert (inbox / "processed" / long_good).exists()  # moved under its own name
    result = runner.invoke(app, ["extract", str(inbox / "processed" / long_good), "--out", str(tmp_path / "ex")])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "ex").glob("*.json")
    assert (
        written.name.startswith("y" * 100) and written.name.endswith(".txt.json") and len(written.name.encode()) <= 255
    )


# ------------------------------------------------------------------ 10. extract has batch's limits


def test_10_extract_runs_within_time_and_memory_limits(tmp_path, slow_extraction):
    path = tmp_path / "r.txt"
    path.write_bytes(_report())
    start = time.monotonic()
    result = runner.invoke(app, ["extract", str(path), "--out", str(tmp_path / "ex"), "--max-seconds", "1"])
    assert result.exit_code == 1 and "longer than 1 s" in _said(result) and "TimeLimitError" in _said(result)
    assert time.monotonic() - start < 30


def test_10_extract_memory_limit(tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(_report() * 40000)
    result = runner.invoke(app, ["extract", str(path), "--out", str(tmp_path / "ex"), "--max-memory-mb", "1"])
    assert result.exit_code == 1 and "MemoryLimitError" in _said(result)


# ------------------------------------------------------------------ 11. SIGTERM and SIGINT on the watcher


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_11_signal_abandons_the_file_in_hand_and_exits_0(tmp_path, slow_extraction, subreaper, how):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "r.txt").write_bytes(_report())
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            InboxWatcher(inbox, out, interval=0.05).run()
            code = 0
        finally:
            os._exit(code)
    try:
        assert _wait_for(lambda: children_of(pid), 30), "the watcher never started an extraction"
        (child,) = children_of(pid)
        os.kill(pid, how)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert _wait_for(lambda: not _alive(child), 5)
    finally:
        for p in (pid, *children_of(pid)):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert (inbox / "r.txt").read_bytes() == _report()  # abandoned whole, taken again next time
    assert list((inbox / "processed").iterdir()) == [] and list((inbox / "quarantine").iterdir()) == []


def test_11_coi_watch_exits_0_on_sigterm(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cmd = [
        sys.executable,
        "-m",
        "pipeline.app.cli",
        "watch",
        str(inbox),
        "--out",
        str(tmp_path / "out"),
        "--interval",
        "0.2",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(lambda: (inbox / "processed").is_dir(), 60)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


# ------------------------------------------------------------------ 12. FIFO


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_12_extract_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def unblock():  # today's code blocks opening the FIFO: give it an end after 10 s, so the test fails instead of hanging
        time.sleep(10)
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass

    threading.Thread(target=unblock, daemon=True).start()
    result = runner.invoke(app, ["extract", str(fifo), "--out", str(tmp_path / "ex")])
    assert result.exit_code == 1 and "not a regular file" in _said(result) and "NotAFileError" in _said(result)


# ------------------------------------------------------------------ 13. UTF-32 with a bad code point


def test_13_utf32_with_a_bad_code_point(tmp_path):
    path = tmp_path / "u32.txt"
    short = "Mali: gunmen killed 12 civilians in Mopti.".encode("utf-32-le")
    path.write_bytes(b"\xff\xfe\x00\x00" + short[:40] + b"\x00\x00\x11\x00" + short[40:])  # 1 bad in 44: not UTF-32
    with pytest.raises(errors.EncodingError) as info:
        extract_file(path)
    assert "UTF-32" in info.value.reason and info.value.code == "bad_encoding"
    long = (REPORT * 40).encode("utf-32-le")
    path.write_bytes(
        b"\xff\xfe\x00\x00" + long[:400] + b"\x00\x00\x11\x00" + long[400:]
    )  # 1 bad in 7 000: read, with a warning
    ex = extract_file(path)
    assert any("1 invalid UTF-32 code point" in w.message for w in ex.warnings)


# ------------------------------------------------------------------ 14. not a report


NOT_REPORTS = [
    (
        "404.html",
        (
            b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
            b"<p>The requested URL was not found on this server.</p></body></html>\n"
        ),
        "an HTML page titled '404 Not Found'",
    ),
    (
        "feed.xml",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<rss><channel><title>News</title><item>Mali</item></channel></rss>\n',
        "an XML file",
    ),
    ("percent.pdf", b"%", "0 word(s)"),
]


@pytest.mark.parametrize("name, data, words", NOT_REPORTS, ids=[r[0] for r in NOT_REPORTS])
def test_14_not_a_report_is_a_typed_failure(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(errors.NotAReportError) as info:
        extract_file(path)
    assert words in info.value.reason and info.value.code == "not_a_report"


def test_14_watcher_quarantines_what_is_not_a_report(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data, _ in NOT_REPORTS:
        (inbox / name).write_bytes(data)
    outcomes = _watch_once(inbox, tmp_path / "out")
    assert sorted((Path(o.file).name, o.status, o.error["code"]) for o in outcomes) == [
        ("404.html", "failed", "not_a_report"),
        ("feed.xml", "failed", "not_a_report"),
        ("percent.pdf", "failed", "not_a_report"),
    ]
    assert not (inbox / "processed").exists() or list((inbox / "processed").iterdir()) == []


# ------------------------------------------------------------------ 15. Unicode names, the layout's own names


def test_15_unicode_names_keep_their_own_folders(tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "تقرير مالي.txt").write_bytes(_report(1))
    (folder / "马里报告.txt").write_bytes(_report(2))
    (folder / "quarantine.txt").write_bytes(_report(3))
    (folder / "empty.txt").write_bytes(b"")
    summary = run_batch(folder, out)
    assert summary["counts"] == {"extracted": 3, "failed": 1}
    assert sorted(p.name for p in out.iterdir()) == sorted(["_quarantine", "quarantine", "تقرير-مالي", "马里报告"])
    assert not list(out.glob("*/*/diff.json"))  # no diff between unrelated reports
    assert sorted(p.name for p in (out / "quarantine").iterdir()) == ["empty.txt", "empty.txt.error.json"]


# ------------------------------------------------------------------ 16. names cannot forge log lines


def test_16_newline_in_a_name_cannot_forge_a_log_line(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt\nextracted forged.txt [red]x").write_bytes(_report())
    result = runner.invoke(app, ["watch", str(inbox), "--out", str(tmp_path / "out"), "--once", "--interval", "0"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert not any(line.startswith("extracted forged") for line in lines)
    assert "a.txt\\nextracted forged.txt [red]x" in _said(result)


# ------------------------------------------------------------------ 17. temp folders of killed extractions


def test_17_temp_folders_are_removed_when_the_time_limit_kills(tmp_path, monkeypatch):
    made = tmp_path / "made.txt"

    def ocr_like(doc, timings=None):
        folder = tempfile.mkdtemp(prefix="coi-ocr-")
        Path(folder, "page-1.png").write_bytes(b"x" * 1000)
        made.write_text(folder)
        time.sleep(60)

    monkeypatch.setattr(pipeline.app.run, "extract_document", ocr_like)
    path = tmp_path / "r.txt"
    path.write_bytes(_report())
    with pytest.raises(errors.TimeLimitError):
        extract_in_child(path, Limits(seconds=2))
    assert _wait_for(made.exists, 5)
    assert not Path(made.read_text()).exists()


# ------------------------------------------------------------------ 18. a full disk


def test_18_full_disk_is_a_typed_pause_and_a_retry(tmp_path, monkeypatch):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "r.txt").write_bytes(_report())
    real = ops.write_atomic

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(ops, "write_atomic", full)
    watcher = InboxWatcher(inbox, out, interval=0, disk_pause=0.2)
    watcher.start()
    watcher.ready()
    (outcome,) = watcher.poll_once()
    assert (
        outcome.status == "deferred"
        and outcome.error["code"] == "disk_full"
        and outcome.error["error"] == "DiskFullError"
    )
    assert (inbox / "r.txt").exists() and watcher.poll_once() == []  # paused
    monkeypatch.setattr(ops, "write_atomic", real)
    time.sleep(0.25)
    watcher.ready()
    (outcome,) = watcher.poll_once()
    assert outcome.status == "extracted" and (inbox / "processed" / "r.txt").exists()


# ------------------------------------------------------------------ 19. limit options are checked


@pytest.mark.parametrize(
    "option",
    [
        ["--max-seconds", "-1"],
        ["--max-seconds", "0"],
        ["--max-memory-mb", "0"],
        ["--max-pages", "0"],
        ["--max-mb", "0"],
        ["--workers", "0"],
    ],
)
def test_19_limit_options_are_checked(tmp_path, option):
    result = runner.invoke(app, ["batch", str(tmp_path), "--out", str(tmp_path / "out"), *option])
    assert result.exit_code == 2 and "Invalid value" in result.output
    assert not (tmp_path / "out").exists()


def test_19_limits_refuse_nonsense_and_sizes_read_right(tmp_path):
    for bad in ({"seconds": -1}, {"seconds": float("nan")}, {"memory_mb": 0}, {"max_pages": 0}, {"max_text_bytes": 0}):
        with pytest.raises(ValueError):
            Limits(**bad)
    path = tmp_path / "r.txt"
    path.write_bytes(_report())
    with pytest.raises(errors.TooLargeError) as info:
        extract_file(path, limits=Limits(max_text_bytes=100))
    assert f"the file is {len(_report())} bytes, more than the limit of 100 bytes" in info.value.reason


# ------------------------------------------------------------------ 20. symbolic links in the inbox


def test_20_links_in_the_inbox_are_refused_and_their_target_recorded(tmp_path):
    inbox, target = tmp_path / "inbox", tmp_path / "inbox" / "real.txt"
    inbox.mkdir()
    target.write_bytes(_report())
    (inbox / "link.txt").symlink_to("real.txt")
    outcomes = {Path(o.file).name: o for o in _watch_once(inbox, tmp_path / "out")}
    assert outcomes["link.txt"].status == "failed" and outcomes["link.txt"].error["code"] == "symlink"
    assert outcomes["real.txt"].status == "extracted"
    reason = json.loads((inbox / "quarantine" / "link.txt.error.json").read_text())
    assert reason["link_target"] == "real.txt"
    assert (inbox / "processed" / "real.txt").read_bytes() == _report()
    assert len(list((tmp_path / "out").glob("*/*/extraction.json"))) == 1
