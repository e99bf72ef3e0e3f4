"""One owner per inbox file: claims, their recovery after a kill, and two watchers on one inbox."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from pipeline.app.claims import Owner, claim, current_owner, processing_dir, read_owner, recover_stale_claims, release
from pipeline.app.ops import run_batch


def test_a_file_has_one_claim_at_a_time_and_none_once_it_is_gone(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("x")
    first = claim(f)
    assert first is not None and first.path == f and f.exists()  # the file stays where it is
    assert read_owner(first.entry) == current_owner()
    assert first.entry.is_file() and first.entry.stat().st_nlink == 2  # a link to this process's record
    assert claim(f) is None  # held
    release(first)
    assert not first.entry.exists()
    assert [p.name for p in processing_dir(tmp_path).iterdir()] == []  # the last claim took the record with it
    again = claim(f)
    assert again is not None
    f.unlink()  # its owner moved it on
    release(again)
    assert claim(f) is None  # listed earlier, finished by another process since: no crash, no work
    assert [p.name for p in processing_dir(tmp_path).iterdir()] == []


def _claim_in_child(path: str, answer) -> None:
    held = claim(Path(path))
    answer.send((os.getpid(), read_owner(held.entry).pid))
    release(held)


def test_a_forked_process_claims_as_itself(tmp_path):
    """The owner record is made once per process: a worker forked after its parent claimed
    something must not claim under the parent's pid (which would outlive its own death)."""
    (tmp_path / "parent.txt").write_text("x")
    (tmp_path / "child.txt").write_text("x")
    release(claim(tmp_path / "parent.txt"))  # the parent's record is made
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    child = ctx.Process(target=_claim_in_child, args=(str(tmp_path / "child.txt"), theirs))
    child.start()
    pid, owner_pid = mine.recv()
    child.join(timeout=30)
    assert pid == child.pid and owner_pid == child.pid != os.getpid()


def test_a_child_forked_while_a_thread_claims_can_claim(tmp_path):
    """A flow forks workers while its threads claim inputs: a child must not inherit the claim
    lock held (it would wait for it forever) nor the parent's record."""
    import pipeline.app.claims as claims

    (tmp_path / "parent.txt").write_text("x")
    (tmp_path / "child.txt").write_text("x")
    held = claim(tmp_path / "parent.txt")
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    with claims._LOCK:  # what a claiming thread holds for a moment
        child = ctx.Process(target=_claim_in_child, args=(str(tmp_path / "child.txt"), theirs))
        child.start()
    assert mine.poll(30), "the child waited for its parent's lock"
    pid, owner_pid = mine.recv()
    child.join(timeout=30)
    assert owner_pid == child.pid
    release(held)
    assert list(processing_dir(tmp_path).iterdir()) == []  # the child's record went with its claim


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _write_claim(inbox: Path, name: str, owner: Owner) -> Path:
    folder = processing_dir(inbox) / name
    folder.mkdir(parents=True)
    (folder / "owner.json").write_text(json.dumps(owner.__dict__))
    return folder


def test_claims_of_dead_processes_are_taken_back_and_live_ones_kept(tmp_path):
    me = current_owner()
    (tmp_path / "dead.txt").write_text("x")
    (tmp_path / "reused.txt").write_text("x")
    (tmp_path / "live.txt").write_text("x")
    (tmp_path / "other-host.txt").write_text("x")
    _write_claim(tmp_path, "dead.txt", Owner(me.host, _dead_pid(), 1))
    _write_claim(tmp_path, "reused.txt", Owner(me.host, me.pid, (me.started or 0) + 1))  # pid reused by a later process
    _write_claim(tmp_path, "live.txt", me)
    _write_claim(tmp_path, "other-host.txt", Owner(me.host + "-elsewhere", 1, 1))
    killed = processing_dir(tmp_path) / ".new-0123"  # a claim killed before it got its name
    killed.mkdir()
    os.utime(killed, (time.time() - 3600, time.time() - 3600))
    being_made = processing_dir(tmp_path) / ".new-4567"  # another process's, between mkdir and owner.json
    being_made.mkdir()
    assert recover_stale_claims(tmp_path) == ["dead.txt"] + (["reused.txt"] if me.started is not None else [])
    assert claim(tmp_path / "dead.txt") is not None
    assert claim(tmp_path / "live.txt") is None and claim(tmp_path / "other-host.txt") is None
    assert not killed.exists()
    assert being_made.exists()


def test_a_claim_being_made_survives_another_watchers_recovery(tmp_path, monkeypatch):
    """Two watchers: one's recovery sees the other's owner record while it is being written
    (a staging entry without a readable owner: it looks like debris); it leaves the fresh entry
    alone, so the claim is made, not a crash."""
    import pipeline.app.claims as claims

    (tmp_path / "a.txt").write_text("x")
    real = claims.current_owner
    raced = []

    def racing() -> Owner:
        if not raced:
            raced.append([p.name for p in processing_dir(tmp_path).iterdir()])
            recover_stale_claims(tmp_path)  # what the other watcher's poll does at this moment
        return real()

    monkeypatch.setattr(claims, "current_owner", racing)
    held = claim(tmp_path / "a.txt")
    assert len(raced) == 1 and len(raced[0]) == 1 and raced[0][0].startswith(".new-")
    assert held is not None and held.entry == processing_dir(tmp_path) / "a.txt"
    assert claims.read_owner(held.entry) == real()
    names = sorted(p.name for p in processing_dir(tmp_path).iterdir())
    assert len(names) == 2 and names[0].startswith(".owner-") and names[1] == "a.txt"


def test_the_links_of_a_dead_process_and_its_record_are_taken_back(tmp_path):
    me = current_owner()
    root = processing_dir(tmp_path)
    root.mkdir()
    record = root / ".owner-0123"
    record.write_text(json.dumps(Owner(me.host, _dead_pid(), 1).__dict__))
    for name in ("one.txt", "two.txt"):
        (tmp_path / name).write_text("x")
        os.link(record, root / name)
    assert recover_stale_claims(tmp_path) == ["one.txt", "two.txt"]
    assert list(root.iterdir()) == []
    assert claim(tmp_path / "one.txt") is not None


def test_threads_claiming_at_once_share_one_record_that_goes_with_the_last_claim(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    files = [tmp_path / f"r{i:03d}.txt" for i in range(120)]
    for f in files:
        f.write_text("x")
    with ThreadPoolExecutor(6) as pool:  # every thread tries every file: each is claimed once
        tries = list(pool.map(claim, files * 3))
    held = [c for c in tries if c is not None]
    assert sorted(c.path for c in held) == files
    root = processing_dir(tmp_path)
    records = [p for p in root.iterdir() if p.name.startswith(".owner-")]
    assert len(records) == 1 and records[0].stat().st_nlink == 1 + len(files)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(release, held))
    assert list(root.iterdir()) == []


def test_where_hard_links_are_refused_a_claim_is_a_folder(tmp_path, monkeypatch):
    import errno

    import pipeline.app.claims as claims

    def refused(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted", str(dst))  # what FAT says

    monkeypatch.setattr(claims.os, "link", refused)
    f = tmp_path / "a.txt"
    f.write_text("x")
    held = claim(f)
    assert held is not None and held.entry.is_dir() and read_owner(held.entry) == current_owner()
    assert claim(f) is None
    release(held)
    assert list(processing_dir(tmp_path).iterdir()) == []  # the record made before the refusal too
    assert claim(f).entry.is_dir()  # no second try of a link there


def test_a_batch_leaves_a_file_a_watcher_holds_to_it(tmp_path, fake_report):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "held.txt").write_text(fake_report.read_text(encoding="utf-8"), encoding="utf-8")
    held = claim(inbox / "held.txt")
    summary = run_batch(inbox, tmp_path / "out")
    assert [(o["status"], o["output"]) for o in summary["outcomes"]] == [("busy", None)]
    release(held)


def _watch(inbox: str, out: str, log: str, deadline: float) -> None:
    """A watcher process whose extraction is replaced by a record of who took which file (the
    test is about ownership, not extraction)."""
    import pipeline.app.ops as ops

    def record(path, out, limits=None, cancelled=None, pool=None):
        with open(log, "a", encoding="utf-8") as f:  # one short O_APPEND write per file
            f.write(f"{os.getpid()} {path.name}\n")
        time.sleep(0.002)  # long enough for the two watchers to reach the same files
        return ops.Outcome(str(path), "extracted", output=out)

    ops.process_file = record
    watcher = ops.InboxWatcher(Path(inbox), Path(out), interval=0)
    while time.monotonic() < deadline:
        watcher.poll_once()
        if not any(p.is_file() for p in Path(inbox).iterdir()):
            return


def test_two_watchers_on_one_inbox_take_each_file_exactly_once(tmp_path):
    inbox, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "taken.log"
    inbox.mkdir()
    names = [f"report-{i:03d}.txt" for i in range(200)]
    for name in names:
        (inbox / name).write_text(f"Report {name}: 12 people were displaced in 2020.\n")
    ctx = multiprocessing.get_context("fork")
    deadline = time.monotonic() + 120
    watchers = [ctx.Process(target=_watch, args=(str(inbox), str(out), str(log), deadline)) for _ in range(2)]
    for w in watchers:
        w.start()
    for w in watchers:
        w.join(timeout=150)
    assert [w.exitcode for w in watchers] == [0, 0]
    taken = [line.split() for line in log.read_text().splitlines()]
    assert sorted(name for _, name in taken) == names  # each exactly once
    assert len({pid for pid, _ in taken}) == 2  # both watchers worked
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == names  # none lost
    assert [p.name for p in processing_dir(inbox).iterdir()] == []


def test_a_watcher_takes_back_the_file_of_a_killed_watcher(tmp_path, fake_report):
    from pipeline.app.ops import InboxWatcher

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "one.txt").write_text(fake_report.read_text(encoding="utf-8"), encoding="utf-8")
    me = current_owner()
    _write_claim(inbox, "one.txt", Owner(me.host, _dead_pid(), 1))  # killed mid-extraction
    watcher = InboxWatcher(inbox, tmp_path / "out", interval=0)
    watcher.poll_once()
    [outcome] = watcher.poll_once()
    assert (outcome.status, outcome.current_path) == ("extracted", str(inbox / "processed" / "one.txt"))
