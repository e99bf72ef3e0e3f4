"""Batch, inbox watcher and reviewer diffs on files the tests write."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.app.ops import InboxWatcher, output_dir, run_batch, safe_stem

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _reports(fixtures: Path) -> list[bytes]:
    fake = (fixtures / "fake_report.txt").read_bytes()
    burkina = (fixtures / "burkina_report.txt").read_bytes()
    # distinct reports: the two fixtures and variants with another query code
    return [fake, burkina] + [fake.replace(b"Q99-2021", f"Q{i}-2021".encode()) for i in range(1, 14)]


def _fill_inbox(inbox: Path, fixtures: Path) -> dict[str, str]:
    """20 files: 15 distinct reports, 2 exact duplicates, 2 broken files, 1 still being written."""
    inbox.mkdir(parents=True, exist_ok=True)
    kinds = {}
    for i, data in enumerate(_reports(fixtures)):
        (inbox / f"report {i:02d} é.txt").write_bytes(data)
        kinds[f"report {i:02d} é.txt"] = "good"
    for name, src in (("dup-a.txt", "report 00 é.txt"), ("dup-b.md", "report 01 é.txt")):
        shutil.copy(inbox / src, inbox / name)
        kinds[name] = "duplicate"
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    (inbox / "empty.txt").write_bytes(b"")
    kinds["broken.pdf"] = kinds["empty.txt"] = "broken"
    return kinds


def test_safe_names_cannot_leave_the_output_folder(tmp_path):
    assert safe_stem("../../etc/passwd") == "passwd"
    assert safe_stem("..") == safe_stem("..") and safe_stem("..").startswith("report-")
    assert safe_stem("..") != safe_stem("!!!.pdf")  # names with no letter still stay apart
    assert safe_stem("Rapport été 2021 (final).pdf") == "Rapport-été-2021-final"
    assert safe_stem("Rapport e\u0301te\u0301.pdf") == "Rapport-été"  # NFC
    assert safe_stem("تقرير مالي.pdf") == "تقرير-مالي" and safe_stem("马里报告.txt") == "马里报告"
    assert safe_stem("quarantine.txt") == "_quarantine"  # never the layout's own folder
    assert len(safe_stem("x" * 500 + ".pdf").encode()) <= 120 and safe_stem("x" * 500 + ".pdf") != safe_stem(
        "x" * 501 + ".pdf"
    )
    target = output_dir(tmp_path, "../../escape.pdf", "ab" * 32)
    assert target.resolve().is_relative_to(tmp_path.resolve())


def test_inbox_watcher_takes_each_file_once_and_loses_none(tmp_path, fake_report):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    kinds = _fill_inbox(inbox, fake_report.parent)
    writing = inbox / "incoming.txt"
    writing.write_bytes(_reports(fake_report.parent)[0][:200])  # still being written
    (inbox / "draft.txt.partial").write_text("temp")
    (inbox / ".hidden.txt").write_text("hidden")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(_reports(fake_report.parent)[1])
    (inbox / "link.txt").symlink_to(outside)
    watcher = InboxWatcher(inbox, out, interval=0)
    assert watcher.poll_once() == []  # first sight: nothing is taken yet
    with writing.open("ab") as f:  # the writer goes on between polls
        f.write(b" more text\n")
    outcomes = watcher.poll_once()
    names = {Path(o.file).name: o.status for o in outcomes}
    assert "incoming.txt" not in names and "draft.txt.partial" not in names
    assert names.pop("link.txt") == "failed"  # a link is refused, never extracted under its own name
    statuses = sorted(names.values())
    assert statuses.count("extracted") == 15 and statuses.count("duplicate") == 2 and statuses.count("failed") == 2
    twins = {"dup-a.txt": "report 00 é.txt", "dup-b.md": "report 01 é.txt"}
    for a, b in twins.items():  # one of each identical pair is extracted, the other recognised as its duplicate
        assert sorted([names[a], names[b]]) == ["duplicate", "extracted"]
    assert {n for n, k in kinds.items() if k == "broken"} == {n for n, s in names.items() if s == "failed"}
    outcomes = watcher.poll_once()  # the half-written file is now complete and still
    assert [(Path(o.file).name, o.status) for o in outcomes] == [("incoming.txt", "extracted")]
    # every input is still there, whole, under processed/ or quarantine/
    processed = {p.name for p in (inbox / "processed").iterdir()}
    quarantined = {p.name for p in (inbox / "quarantine").iterdir()}
    assert processed == {n for n, k in kinds.items() if k != "broken"} | {"incoming.txt"}
    assert {
        "broken.pdf",
        "empty.txt",
        "link.txt",
        "broken.pdf.error.json",
        "empty.txt.error.json",
        "link.txt.error.json",
    } == quarantined
    reason = json.loads((inbox / "quarantine" / "broken.pdf.error.json").read_text())
    assert reason["code"] == "corrupt_pdf" and "broken.pdf" in reason["file"]
    link = json.loads((inbox / "quarantine" / "link.txt.error.json").read_text())
    assert link["code"] == "symlink" and link["link_target"] == str(outside)
    assert (inbox / "quarantine" / "link.txt").is_symlink() and outside.read_bytes() == _reports(fake_report.parent)[1]
    outputs = list(out.glob("*/*/extraction.json"))
    assert len(outputs) == 16  # 15 distinct reports + the one written late; no duplicate output
    sha = _sha(inbox / "processed" / "dup-a.txt")
    (sources_file,) = out.glob(f"*/{sha[:12]}/sources.json")
    assert sorted(json.loads(sources_file.read_text())) == ["dup-a.txt", "report 00 é.txt"]


def test_a_polls_files_share_one_worker_that_ends_with_the_poll(tmp_path, fake_report, monkeypatch):
    """A worker forked per file cost the watcher about three times what extracting a small
    report does; a poll forks one for its files, and none is left waiting between polls."""
    from pipeline.app.limits import Pool

    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, data in enumerate(_reports(fake_report.parent)[:3]):
        (inbox / f"r{i}.txt").write_bytes(data)
    (inbox / "empty.txt").write_bytes(b"")  # refused by the worker: the poll goes on with the same one
    spawned: list[Pool] = []
    real = Pool._spawn
    monkeypatch.setattr(Pool, "_spawn", lambda self: spawned.append(self) or real(self))
    watcher = InboxWatcher(inbox, tmp_path / "out", interval=0)
    assert watcher.poll_once() == []
    outcomes = watcher.poll_once()
    assert sorted((Path(o.file).name, o.status) for o in outcomes) == [
        ("empty.txt", "failed"),
        ("r0.txt", "extracted"),
        ("r1.txt", "extracted"),
        ("r2.txt", "extracted"),
    ]
    assert len(spawned) == 1 and spawned[0]._all == []  # one worker, ended with the poll
    (inbox / "r3.txt").write_bytes(_reports(fake_report.parent)[3])
    watcher.poll_once()
    assert [(Path(o.file).name, o.status) for o in watcher.poll_once()] == [("r3.txt", "extracted")]
    assert len(spawned) == 2  # the next poll's own


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_batch_rerun_extracts_nothing(tmp_path, fake_report):
    folder, out = tmp_path / "in", tmp_path / "out"
    _fill_inbox(folder, fake_report.parent)
    first = run_batch(folder, out)
    assert first["counts"] == {"extracted": 15, "duplicate": 2, "failed": 2}
    second = run_batch(folder, out)
    assert second["counts"] == {"skipped": 15, "duplicate": 2, "failed": 2} and second["pages_extracted"] == 0
    (folder / "report 03 é.txt").write_bytes(
        (folder / "report 03 é.txt").read_bytes().replace(b"1 250 troops", b"1 260 troops")
    )
    third = run_batch(folder, out)
    assert third["counts"]["extracted"] == 1
    changed = next(o for o in third["outcomes"] if o["status"] == "extracted")
    assert changed["diff"] and Path(changed["diff"]).exists()  # the re-extraction is diffed against the old output


def test_watcher_survives_sigkill(tmp_path, fake_report):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    kinds = _fill_inbox(inbox, fake_report.parent)
    cmd = [sys.executable, "-m", "pipeline.app.cli", "watch", str(inbox), "--out", str(out), "--interval", "0.2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*/*/extraction.json"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and any(p.is_file() for p in inbox.iterdir()):
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    left = [p.name for p in inbox.iterdir() if p.is_file()]
    assert left == []
    kept = {p.name for p in (inbox / "processed").iterdir()} | {
        p.name for p in (inbox / "quarantine").iterdir() if not p.name.endswith(".error.json")
    }
    assert kept == set(kinds)  # nothing lost
    assert len(list(out.glob("*/*/extraction.json"))) == 15  # nothing duplicated
    assert not list(out.glob("*/*/.*.tmp"))


def test_diff_reports_exactly_the_edited_figures(tmp_path, fake_report):
    report = fake_report.parent / "burkina_report.txt"
    edited = tmp_path / "burkina_edited.txt"
    text = report.read_text(encoding="utf-8")
    text = text.replace("at least 132 civilians", "at least 135 civilians").replace(
        "212 violent events", "213 violent events"
    )
    text = text.replace("On 17 May 2021", "On 18 May 2021")
    edited.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(report), str(edited), "--out", str(out)]).exit_code == 0
    old, new = out / "burkina_report.txt.json", out / "burkina_edited.txt.json"
    result = runner.invoke(app, ["diff", str(old), str(new), "--json", "--html", str(tmp_path / "diff.html")])
    assert result.exit_code == 1
    diff = json.loads(result.output)
    changes = sorted(
        (cat, path, tuple(v))
        for cat, entry in diff["facts"].items()
        for c in entry["changed"]
        for path, v in c["changes"].items()
    )
    assert changes == [
        ("casualty_figures", "['date']", ("2021-05-17", "2021-05-18")),
        ("casualty_figures", "['killed']['min']", (132, 135)),
        ("event_counts", "['count']", (212, 213)),
    ]
    assert all(not e["added"] and not e["removed"] for e in diff["facts"].values())
    page = (tmp_path / "diff.html").read_text(encoding="utf-8")
    assert "<mark>135</mark>" in page and "<mark>213</mark>" in page
    same = runner.invoke(app, ["diff", str(old), str(old)])
    assert same.exit_code == 0 and "identical" in same.output


def test_diff_page_renders_in_headless_chromium(tmp_path, fake_report):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium); the HTML is checked as text above")
    from pipeline.app.run import extract_file
    from pipeline.tools.diff import diff_extractions, diff_html

    a = extract_file(fake_report.parent / "burkina_report.txt")
    page = tmp_path / "d.html"
    page.write_text(diff_html(diff_extractions(a, a)), encoding="utf-8")
    shot = tmp_path / "d.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        timeout=60,
        check=True,
        capture_output=True,
    )
    assert shot.exists() and shot.stat().st_size > 1000


def test_batch_versions_are_keyed_by_the_name_with_its_extension(tmp_path, fake_report):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    text = (fake_report.parent / "burkina_report.txt").read_text(encoding="utf-8")
    (folder / "report.txt").write_text(text, encoding="utf-8")
    run_batch(folder, out)
    (folder / "report.md").write_text(text.replace("at least 132", "at least 135"), encoding="utf-8")
    second = run_batch(folder, out)
    md = next(o for o in second["outcomes"] if o["file"].endswith("report.md"))
    assert md["status"] == "extracted" and md["diff"] is None  # another file of the same stem is not an earlier version
    (folder / "report.txt").write_text(text.replace("212 violent events", "213 violent events"), encoding="utf-8")
    third = run_batch(folder, out)
    txt = next(o for o in third["outcomes"] if o["file"].endswith("report.txt"))
    diff = json.loads(Path(txt["diff"]).read_text(encoding="utf-8"))
    assert [c["changes"] for c in diff["facts"]["event_counts"]["changed"]] == [{"['count']": [212, 213]}]


def test_runs_of_one_batch_sharing_what_they_took_tell_a_copy_in_another_run_a_duplicate(tmp_path, fake_report):
    """A flow's runs of documents share the batch's ``seen``: a copy of a report in a later run
    is a ``duplicate`` of the first, as in `coi batch`, not extracted twice."""
    from pipeline.app.limits import Pool
    from pipeline.app.ops import extract_inputs

    inbox = tmp_path / "in"
    inbox.mkdir()
    first, copy = inbox / "first.txt", inbox / "copy.txt"
    shutil.copy(fake_report, first)
    shutil.copy(fake_report, copy)
    seen: dict[str, str] = {}
    with Pool(workers=1) as pool:
        (a,) = [o for _, o in extract_inputs([first], tmp_path / "out", pool.map, seen)]
        (b,) = [o for _, o in extract_inputs([copy], tmp_path / "out", pool.map, seen)]
    assert (a.status, a.current_path) == ("extracted", str(first))
    assert (b.status, b.error, b.sha256) == ("duplicate", {"duplicate_of": "first.txt"}, a.sha256)
    assert not list((inbox / ".processing").iterdir())  # every claim released
    assert sorted(p.name for p in inbox.glob("*.txt")) == ["copy.txt", "first.txt"]  # left in place


def test_a_batch_finds_earlier_outputs_in_one_pass_over_the_layout_as_a_glob_would(tmp_path):
    """The index a batch looks its inputs up in answers as the per-input glob did: the first,
    by path, done extraction of these bytes under any report name, nothing for unknown bytes,
    an unfinished version or one of another pipeline version."""
    from pipeline import __version__
    from pipeline.app.ops import existing_output, output_index

    out = tmp_path / "out"
    sha, other, old = "a" * 64, "b" * 64, "c" * 64

    def version(stem: str, digest: str, pipeline_version: str | None = __version__) -> Path:
        folder = out / stem / digest[:12]
        folder.mkdir(parents=True)
        if pipeline_version:
            (folder / "extraction.json").write_text(json.dumps({"document": {"pipeline_version": pipeline_version}}))
        return folder / "extraction.json"

    later, first = version("zeta", sha), version("alpha", sha)
    version("alpha", other, None)  # a version without its JSON (killed half-way)
    version("beta", old, "0.0.1")
    (out / "quarantine").mkdir()
    (out / "quarantine" / "x.txt").write_text("x")
    (out / "stray.json").write_text("{}")
    index = output_index(out)
    for digest, expected in ((sha, first), (other, None), (old, None), ("d" * 64, None)):
        assert existing_output(out, digest, index) == existing_output(out, digest) == expected
    assert later.exists() and output_index(tmp_path / "nowhere") == {}


def test_a_batch_claims_each_input_one_ahead_of_its_workers(tmp_path, fake_report):
    """The first document is extracted before the last inputs are even read: each input is
    hashed and claimed when the pool is about to want it (one ahead of its one worker), and
    released once recorded. Copies and broken files on the way settle with the answers."""
    from pipeline.app.limits import Pool
    from pipeline.app.ops import extract_inputs

    inbox = tmp_path / "in"
    inbox.mkdir()
    reports = _reports(fake_report.parent)[:6]
    files = [inbox / f"r{i}.txt" for i in range(len(reports))]
    for path, data in zip(files, reports, strict=True):
        path.write_bytes(data)
    files.insert(1, inbox / "copy.txt")
    shutil.copy(files[0], files[1])
    claimed = inbox / ".processing"
    held_at_first_answer = None
    outcomes = {}
    with Pool(workers=1) as pool:
        for i, outcome in extract_inputs(files, tmp_path / "out", pool.map):
            if i == 0:
                names = (p.name for p in claimed.iterdir())
                held_at_first_answer = sorted(n for n in names if not n.startswith(".owner-"))  # the claims
            outcomes[i] = outcome.status
    # r0 recorded and released; the copy settled without a claim; r1 on the worker, r2 in hand
    # (a batch that claimed every input first held r1 to r5)
    assert held_at_first_answer == ["r1.txt", "r2.txt"]
    assert outcomes == {0: "extracted", 1: "duplicate", **{i: "extracted" for i in range(2, len(files))}}
    assert not list(claimed.iterdir())


@pytest.fixture
def done_once(tmp_path, fake_report) -> Path:
    """An inbox of one report, extracted once into ``tmp_path / "out"``."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "a.txt")
    assert run_batch(inbox, tmp_path / "out")["counts"] == {"extracted": 1}
    return inbox


def _forbid_forks(monkeypatch, why: str) -> None:
    from pipeline.app.limits import Pool

    def no_fork(self):
        raise AssertionError(why)

    monkeypatch.setattr(Pool, "_spawn", no_fork)


def test_a_batch_with_nothing_to_do_forks_no_worker(tmp_path, done_once, monkeypatch):
    _forbid_forks(monkeypatch, "a worker forked for a batch with nothing to extract")
    assert run_batch(done_once, tmp_path / "out", workers=2)["counts"] == {"skipped": 1}


def test_an_output_made_after_the_batch_read_the_layout_is_skipped_once_claimed(tmp_path, done_once, monkeypatch):
    """Two batches on one folder: each input is claimed only when its turn comes, so the other
    batch may have extracted it (and released its claim) after this one read the output
    layout. Claimed, it is looked for again and ``skipped``, not extracted a second time."""
    from pipeline.app import ops

    monkeypatch.setattr(ops, "output_index", lambda out: {})  # the layout as read before the other batch wrote
    _forbid_forks(monkeypatch, "extracted again")
    summary = run_batch(done_once, tmp_path / "out")
    assert summary["counts"] == {"skipped": 1}
    assert summary["outcomes"][0]["output"].endswith("extraction.json")


def test_an_input_that_cannot_be_claimed_fails_alone_and_the_batch_goes_on(tmp_path, fake_report, monkeypatch):
    """Claims are taken as the batch goes: a full disk half-way fails the input it could not
    claim, with the reason, and the others are extracted; a read-only mount (EROFS) is worked
    unclaimed, as a folder without write permission is."""
    import errno

    from pipeline.app import ops

    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, data in enumerate(_reports(fake_report.parent)[:3]):
        (inbox / f"r{i}.txt").write_bytes(data)
    real = ops.claim
    refusals = {"r1.txt": errno.ENOSPC, "r2.txt": errno.EROFS}

    def claim(path):
        if path.name in refusals:
            raise OSError(refusals[path.name], os.strerror(refusals[path.name]))
        return real(path)

    monkeypatch.setattr(ops, "claim", claim)
    summary = run_batch(inbox, tmp_path / "out")
    by_name = {Path(o["file"]).name: o for o in summary["outcomes"]}
    assert [by_name[f"r{i}.txt"]["status"] for i in range(3)] == ["extracted", "failed", "extracted"]
    assert by_name["r1.txt"]["error"]["code"] == "disk_full"
    assert (inbox / "r1.txt").exists()  # an input is never lost
    assert ops.process_claimed(inbox / "r2.txt", tmp_path / "one").status == "extracted"  # a flow's one document


def test_temp_files_of_an_ended_process_are_swept_even_before_it_is_reaped(tmp_path):
    """A watcher killed with ``kill -9`` takes its worker with it; the worker's half-written
    temp file is swept by the next watcher, even while the dead worker waits to be reaped."""
    from pipeline.app.ops import sweep_temps

    zombie = os.fork()
    if zombie == 0:
        os._exit(0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and b") Z" not in Path(f"/proc/{zombie}/stat").read_bytes():
        time.sleep(0.01)
    ended = tmp_path / f".extraction.json~{zombie}~abc123.tmp"
    mine = tmp_path / f".extraction.json~{os.getpid()}~abc123.tmp"
    ended.write_text("half")
    mine.write_text("being written")
    try:
        assert sweep_temps(tmp_path) == [ended]
        assert mine.exists() and not ended.exists()
    finally:
        os.waitpid(zombie, 0)
