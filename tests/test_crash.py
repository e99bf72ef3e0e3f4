"""Crash test: ``kill -9`` the watcher and the batch at random points, 20 times each, while
new files keep arriving; then let one run finish and check the invariants:

- no input lost or duplicated (watcher: each input sits exactly once, whole, in
  ``processed/`` or ``quarantine/``; batch: the inputs are untouched and each failed one
  has exactly one whole copy in ``OUT/quarantine``);
- one output per distinct report, each a complete JSON file, and no temp file left;
- every quarantined file has its reason;
- no process of ours left running (the killed process's extraction children die with it).

The watcher and the batch run in processes forked from this one (the model is loaded once,
so 40 starts cost little); they run the same code as ``coi watch`` and ``coi batch``.
Orphans are re-parented to this test process (``PR_SET_CHILD_SUBREAPER``) so that a child
outliving its parent is seen. Small text inputs keep the whole test near half a minute."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from pipeline.app.limits import warm_up
from pipeline.app.ops import InboxWatcher, run_batch
from schemas.files import write_atomic
from tests.conftest import children_of

KILLS = 20
REPORT = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn 2 February 2021, gunmen killed {n} civilians in Bandiagara cercle, Mopti region. "
    "Some {m} people fled to Sévaré in the following days.\n"
)
BROKEN = {
    "empty": b"",
    "bad.pdf": b"%PDF-1.7\n" + b"\x00garbage" * 300,
    "404.html": b"<html><title>404 Not Found</title></html>",
}

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs Linux (/proc, PR_SET_CHILD_SUBREAPER)"
)


def _reap() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                return
        except ChildProcessError:
            return


@pytest.fixture
def subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come to us, where we can see them
    baseline = children_of(os.getpid())
    yield baseline
    libc.prctl(36, 0, 0, 0, 0)
    for pid in children_of(os.getpid()) - baseline:
        os.kill(pid, signal.SIGKILL)
    _reap()


class Inputs:
    """Distinct small reports (and a few broken files) with unique names; remembers them all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: dict[str, bytes] = {}
        self.count = 0

    def add(self, good: int = 1, broken: bool = False) -> None:
        for _ in range(good):
            self.count += 1
            self._write(f"report-{self.count:03d}.txt", REPORT.format(n=self.count, m=self.count * 10).encode())
        if broken:
            kind = list(BROKEN)[self.count % len(BROKEN)]
            self.count += 1
            unique = b" " * self.count if kind == "empty" else str(self.count).encode()  # no two broken files alike
            self._write(f"broken-{self.count:03d}-{kind}", BROKEN[kind] + unique)

    def add_duplicate(self) -> None:
        first = min(n for n in self.made if n.startswith("report-"))
        self.count += 1
        self._write(f"copy-{self.count:03d}.txt", self.made[first])

    def _write(self, name: str, data: bytes) -> None:
        tmp = self.folder / f".{name}.partial"  # arrives whole: written aside, then renamed
        tmp.write_bytes(data)
        tmp.rename(self.folder / name)
        self.made[name] = data

    def good_digests(self) -> set[str]:
        return {hashlib.sha256(d).hexdigest() for n, d in self.made.items() if not n.startswith("broken-")}


def _kill_at_random(target, rng: random.Random, baseline: set[int], low: float, high: float) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            target()
        finally:
            os._exit(0)
    time.sleep(rng.uniform(low, high))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + 5  # its children must follow it (PR_SET_PDEATHSIG), not linger
    while children_of(os.getpid()) - baseline and time.monotonic() < deadline:
        _reap()
        time.sleep(0.02)
    left = children_of(os.getpid()) - baseline
    assert not left, f"processes left running after kill -9 of their parent: {left}"
    _reap()
    return pid


def _check_outputs(out: Path, inputs: Inputs, killed: list[int]) -> None:
    import tempfile

    left = [p for pid in killed for p in Path(tempfile.gettempdir()).glob(f"coi-extract-{pid}-*")]
    assert left == []  # the temp folders of killed runs were removed by the next one
    outputs = list(out.glob("*/*/extraction.json"))
    ids = [json.loads(p.read_text(encoding="utf-8"))["document"]["id"] for p in outputs]  # each a whole JSON file
    assert sorted(ids) == sorted(inputs.good_digests())  # one output per distinct report: none lost, none twice
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def _check_reasons(quarantine: Path) -> list[str]:
    files = sorted(p.name for p in quarantine.iterdir() if not p.name.endswith(".error.json"))
    for name in files:
        reason = json.loads((quarantine / f"{name}.error.json").read_text(encoding="utf-8"))
        assert reason["code"] and reason["reason"], name
    return files


def test_kill_the_watcher_20_times(tmp_path, subreaper):
    warm_up()
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    inputs = Inputs(inbox)
    inputs.add(good=3, broken=True)
    inputs.add_duplicate()
    rng = random.Random(14)
    killed = []
    for i in range(KILLS):
        inputs.add(good=i % 2, broken=i % 5 == 0)
        killed.append(
            _kill_at_random(
                lambda: InboxWatcher(inbox, out, interval=0.02).run(handle_signals=False), rng, subreaper, 0.05, 0.7
            )
        )
    watcher = InboxWatcher(inbox, out, interval=0)
    watcher.start()
    deadline = time.monotonic() + 120
    while any(p.is_file() and not p.name.startswith(".") for p in inbox.iterdir()) and time.monotonic() < deadline:
        watcher.ready()
        watcher.poll_once()
    assert [p.name for p in inbox.iterdir() if p.is_file()] == []
    processed = {p.name: p.read_bytes() for p in (inbox / "processed").iterdir()}
    quarantined = {n: (inbox / "quarantine" / n).read_bytes() for n in _check_reasons(inbox / "quarantine")}
    assert not set(processed) & set(quarantined)
    assert {**processed, **quarantined} == inputs.made  # every input exactly once, whole, under its own name
    assert set(quarantined) == {n for n in inputs.made if n.startswith("broken-")}
    _check_outputs(out, inputs, killed)


def test_kill_the_batch_20_times(tmp_path, subreaper):
    warm_up()
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    inputs = Inputs(folder)
    inputs.add(good=4, broken=True)
    inputs.add_duplicate()

    def batch() -> None:  # what `coi batch --workers 2` does
        summary = run_batch(folder, out, workers=2)
        write_atomic(out / "batch-summary.json", json.dumps(summary, ensure_ascii=False, indent=1) + "\n")

    rng = random.Random(41)
    killed = []
    for i in range(KILLS):
        inputs.add(good=i % 2, broken=i % 5 == 0)
        killed.append(_kill_at_random(batch, rng, subreaper, 0.05, 0.8))
    batch()
    summary = json.loads((out / "batch-summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == len(inputs.made) and "interrupted" not in summary["counts"]
    assert summary["counts"]["failed"] == len([n for n in inputs.made if n.startswith("broken-")])
    assert summary["counts"]["duplicate"] == 1
    assert {
        p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")
    } == inputs.made  # a batch never touches its inputs
    quarantined = {n: (out / "quarantine" / n).read_bytes() for n in _check_reasons(out / "quarantine")}
    assert quarantined == {n: d for n, d in inputs.made.items() if n.startswith("broken-")}  # one whole copy each
    _check_outputs(out, inputs, killed)
