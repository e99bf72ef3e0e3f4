"""Persistent extraction workers (issue 17): a batch's documents are served by workers forked
once, each document keeping its own guarantees (time limit, memory limit, a dead worker
replaced, a bug an internal error), and the worker answers with counts, never the JSON.

Which process extracted a document is seen by patching ``pipeline.app.run.extract_document``
in this process before the workers are forked: they run the patched function."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

import pipeline.app.run
from pipeline.app import limits as limits_module
from pipeline.app.flows import chunks
from pipeline.app.limits import Job, Pool, Written, extract_many
from pipeline.app.ops import run_batch
from schemas import errors
from schemas.limits import Limits
from tests.conftest import children_of

REPORT = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn 2 February 2021, gunmen killed {n} civilians in Bandiagara cercle, Mopti region.\n"
)


def _inputs(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for i, name in enumerate(names):
        (folder / name).write_text(REPORT.format(n=10 + i), encoding="utf-8")
        paths.append(folder / name)
    return paths


@pytest.fixture
def pids(monkeypatch, tmp_path):
    """Each extraction records ``<pid> <file name>`` in a log; returns a reader of that log
    (without the parent's warm-up).
    Extractions of files named ``slow*`` sleep 60 s, ``kill*`` are killed (SIGKILL), ``hog*``
    take far more memory than allowed."""
    log = tmp_path / "pids.log"
    real = pipeline.app.run.extract_document

    def recording(doc, timings=None):
        name = Path(doc.source_path).name
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {name}\n")
        if name.startswith("slow"):
            time.sleep(60)
        if name.startswith("kill"):
            os.kill(os.getpid(), signal.SIGKILL)
        if name.startswith("hog"):
            hoard = [bytearray(1024 * 1024) for _ in range(400)]
            del hoard
        return real(doc, timings)

    monkeypatch.setattr(pipeline.app.run, "extract_document", recording)

    def read() -> list[tuple[int, str]]:
        if not log.exists():
            return []
        lines = (line.split(" ", 1) for line in log.read_text().splitlines())
        return [(int(a), b) for a, b in lines if b != "warm-up.txt"]  # the parent's own warm-up

    return read


def test_a_batch_is_served_by_as_many_processes_as_workers(tmp_path, pids):
    folder = tmp_path / "in"
    _inputs(folder, [f"r{i}.txt" for i in range(6)])
    summary = run_batch(folder, tmp_path / "out", workers=2)
    assert summary["counts"] == {"extracted": 6}
    seen = pids()
    assert sorted(name for _, name in seen) == [f"r{i}.txt" for i in range(6)]
    assert len({pid for pid, _ in seen}) <= 2  # forked once per worker, not once per document
    assert os.getpid() not in {pid for pid, _ in seen}


def test_the_worker_writes_the_json_and_answers_with_counts(tmp_path):
    (path,) = _inputs(tmp_path / "in", ["r.txt"])
    target = tmp_path / "out" / "r.json"
    ((index, answer),) = list(extract_many([Job(str(path), target=str(target))], warm=False))
    assert index == 0 and isinstance(answer, Written)
    data = json.loads(target.read_text(encoding="utf-8"))
    facts = sum(len(v) for v in data["facts"].values())
    assert (answer.path, answer.document_id, answer.kind, answer.pages, answer.language, answer.country) == (
        str(target),
        data["document"]["id"],
        "text",
        1,
        "en",
        data["metadata"]["country"],
    )
    assert (answer.sections, answer.footnotes, answer.sources, answer.facts, answer.warnings) == (
        len(data["sections"]),
        len(data["footnotes"]),
        len(data["bibliography"]),
        facts,
        len(data["warnings"]),
    )
    assert facts > 0


def test_other_bytes_than_meant_are_not_written(tmp_path):
    (path,) = _inputs(tmp_path / "in", ["r.txt"])
    target = tmp_path / "out" / "r.json"
    ((_, answer),) = list(extract_many([Job(str(path), target=str(target), sha256="0" * 64)], warm=False))
    assert answer.path is None and answer.document_id != "0" * 64
    assert not target.exists()


def test_a_document_past_its_time_limit_costs_its_worker_only(tmp_path, pids):
    paths = _inputs(tmp_path / "in", ["a.txt", "slow.txt", "b.txt", "c.txt"])
    jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
    answers = dict(extract_many(jobs, Limits(seconds=3), workers=1))
    assert isinstance(answers[1], errors.TimeLimitError) and answers[1].code == "time_limit"
    assert all(isinstance(answers[i], Written) for i in (0, 2, 3))
    by_name = dict((name, pid) for pid, name in pids())
    assert by_name["a.txt"] == by_name["slow.txt"]  # the same worker served a.txt, then slow.txt
    assert by_name["b.txt"] != by_name["slow.txt"]  # ... which was killed and replaced
    assert by_name["b.txt"] == by_name["c.txt"]


def test_a_document_past_its_memory_limit_recycles_its_worker(tmp_path, pids):
    paths = _inputs(tmp_path / "in", ["a.txt", "hog.txt", "b.txt"])
    jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
    answers = dict(extract_many(jobs, Limits(memory_mb=200), workers=1))
    assert isinstance(answers[1], errors.MemoryLimitError) and answers[1].code == "memory_limit"
    assert isinstance(answers[0], Written) and isinstance(answers[2], Written)
    by_name = dict((name, pid) for pid, name in pids())
    assert by_name["a.txt"] == by_name["hog.txt"] != by_name["b.txt"]


def test_the_memory_allowance_is_per_document_not_per_worker(tmp_path, pids):
    """Five documents that each take 120 MB (freed after) under a 200 MB allowance: each fits,
    on one worker, however much the worker held before."""
    paths = _inputs(tmp_path / "in", [f"r{i}.txt" for i in range(5)])
    real = pipeline.app.run.extract_document

    def heavy(doc, timings=None):
        hoard = [bytearray(1024 * 1024) for _ in range(120)]
        del hoard
        return real(doc, timings)

    pipeline.app.run.extract_document = heavy
    try:
        jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
        answers = dict(extract_many(jobs, Limits(memory_mb=200), workers=1))
    finally:
        pipeline.app.run.extract_document = real
    assert all(isinstance(a, Written) for a in answers.values()), answers


def test_a_killed_worker_is_replaced_and_its_document_retried_once(tmp_path, pids):
    paths = _inputs(tmp_path / "in", ["a.txt", "kill.txt", "b.txt"])
    jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
    answers = dict(extract_many(jobs, workers=1))
    assert isinstance(answers[1], errors.WorkerDiedError) and "twice (signal 9)" in answers[1].reason
    assert isinstance(answers[0], Written) and isinstance(answers[2], Written)
    seen = pids()
    assert [name for _, name in seen] == ["a.txt", "kill.txt", "kill.txt", "b.txt"]
    assert len({pid for pid, name in seen if name != "a.txt"}) == 3  # a fresh worker each time


def test_a_worker_is_replaced_after_serving_its_share(tmp_path, pids, monkeypatch):
    monkeypatch.setattr(limits_module, "RECYCLE_AFTER", 2)
    paths = _inputs(tmp_path / "in", [f"r{i}.txt" for i in range(5)])
    jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
    assert all(isinstance(a, Written) for _, a in extract_many(jobs, workers=1))
    pid_of = [pid for pid, _ in pids()]
    assert pid_of[0] == pid_of[1] != pid_of[2] == pid_of[3] != pid_of[4]


def test_a_pool_serves_threads_and_leaves_no_process_behind(tmp_path, pids):
    paths = _inputs(tmp_path / "in", [f"r{i}.txt" for i in range(6)])
    answers: dict[int, object] = {}
    with Pool(workers=2) as pool:
        pool.start()
        workers = children_of(os.getpid())
        assert len(workers) >= 2

        def one(i: int) -> None:
            answers[i] = pool.extract(Job(str(paths[i]), target=str(tmp_path / "out" / f"{i}.json")))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(answers) == list(range(6)) and all(isinstance(a, Written) for a in answers.values())
    assert len({pid for pid, _ in pids()}) == 2
    time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_batch_flow_cuts_its_documents_into_runs_in_order():
    files = [f"f{i}".encode() for i in range(100)]
    runs = chunks(files, 2)
    assert [len(r) for r in runs] == [25] * 4 and sum(runs, []) == files
    assert [len(r) for r in chunks(files[:9], 2)] == [3, 3, 3]
    assert chunks(files[:3], 2) == [[b"f0"], [b"f1"], [b"f2"]]
    assert max(len(r) for r in chunks([b"x"] * 10_000, 1)) == 100
    assert chunks([], 2) == []


def test_a_replacement_forked_for_a_thread_outlives_that_thread(tmp_path, pids):
    """A worker replaced while a short-lived thread (a flow's task run) had the pool's ear
    keeps serving after that thread ends (Linux's PR_SET_PDEATHSIG follows the thread that
    forked, not the process)."""
    paths = _inputs(tmp_path / "in", ["a.txt", "b.txt"])
    with Pool(workers=1) as pool:
        (first,) = pool.start()._all
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.join(5)
        answers = []
        asker = threading.Thread(target=lambda: answers.append(pool.extract(Job(str(paths[0])))))
        asker.start()
        asker.join()
        (replacement,) = pool._all
        assert replacement is not first and isinstance(answers[0], Written)
        time.sleep(0.5)  # the asking thread is gone by now
        assert _alive(replacement.proc.pid)
        assert isinstance(pool.extract(Job(str(paths[1]))), Written)
        assert pool._all == [replacement]
    assert [name for _, name in pids()] == ["a.txt", "b.txt"]


def test_threads_mapping_at_once_share_the_workers_and_never_exceed_them(tmp_path, pids):
    """A flow's runs of documents each map their documents on one pool: every document is
    answered once, by one of the pool's ``workers`` processes, and no more are forked."""
    paths = _inputs(tmp_path / "in", [f"r{i}.txt" for i in range(9)])
    answers: dict[str, object] = {}
    most = []
    with Pool(workers=2) as pool:

        def run(names: list[Path]) -> None:
            jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in names]
            for i, answer in pool.map(jobs):
                most.append(len(pool._all))
                answers[names[i].name] = answer

        threads = [threading.Thread(target=run, args=(paths[k::3],)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(answers) == sorted(p.name for p in paths)
    assert all(isinstance(a, Written) for a in answers.values())
    assert max(most) == 2 and len({pid for pid, _ in pids()}) == 2
    assert pool._slots._value == 2  # every slot given back


def test_one_run_of_documents_takes_every_free_worker(tmp_path, pids):
    """A flow's run of documents alone on the pool keeps all its workers busy, so a batch's
    last run does not leave a worker idle."""
    paths = _inputs(tmp_path / "in", [f"r{i}.txt" for i in range(5)])
    jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
    busy_at_answers = []
    with Pool(workers=2) as pool:
        for _, answer in pool.map(jobs):
            assert isinstance(answer, Written)
            busy_at_answers.append(sum(w.task is not None for w in pool._all))
    # the first two answers find both workers at work (a third may come with the fourth, when
    # only one job is left to give)
    assert busy_at_answers[:2] == [2, 2]
    assert len({pid for pid, _ in pids()}) == 2


def test_a_worker_has_its_next_document_before_the_caller_records_an_answer(tmp_path, pids):
    """With one worker, the caller's bookkeeping of an answer (recording it, a flow's log
    line) overlaps the worker's next extraction instead of taking turns with it."""
    paths = _inputs(tmp_path / "in", ["a.txt", "b.txt", "c.txt"])
    jobs = [Job(str(p), target=str(tmp_path / "out" / f"{p.name}.json")) for p in paths]
    handed = []
    with Pool(workers=1) as pool:
        for i, answer in pool.map(jobs):
            (worker,) = pool._all
            handed.append((i, worker.task.index if worker.task else None))
            assert isinstance(answer, Written)
    assert handed == [(0, 1), (1, 2), (2, None)]
