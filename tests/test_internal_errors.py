"""An extractor stage that raises something unexpected (a bug, not a bad input) inside
``coi extract``, ``coi batch``, the inbox watcher and the Prefect flows: the file is named, the
failure is typed ``internal_error`` (never taken for a fault of the input), the other documents
go on, and the input goes, whole and unmodified, to quarantine with its reason file.

Extractions run in forked child processes: a stage patched in this process is the stage the
child runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import extractors.stages
import pipeline.app.run
from pipeline.app.cli import app
from pipeline.app.limits import extract_in_child
from pipeline.app.ops import InboxWatcher, run_batch
from pipeline.app.run import extract_file
from schemas import errors
from schemas.extraction import Extraction

REPORT = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn 2 February 2021, gunmen killed {n} civilians in Bandiagara cercle, Mopti region.\n"
)
REASON = "internal error while extracting: RuntimeError: the facts stage broke on purpose"


@pytest.fixture
def broken_facts(monkeypatch):
    """The facts stage raises for every input whose name holds ``broken``."""
    real = extractors.stages.extract_facts

    def facts(doc, *args, **kwargs):
        if "broken" in Path(doc.source_path).name:
            raise RuntimeError("the facts stage broke on purpose")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(extractors.stages, "extract_facts", facts)


def _inputs(folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    data = {name: REPORT.format(n=10 + i).encode() for i, name in enumerate(["a.txt", "broken.txt", "c.txt"])}
    for name, raw in data.items():
        (folder / name).write_bytes(raw)
    return data


@pytest.mark.parametrize(
    "stage",
    [
        "extract_metadata",
        "extract_sections",
        "extract_footnotes",
        "extract_bibliography",
        "extract_facts",
        "resolve_citations",
        "annotate_table",
    ],
)
def test_a_stage_error_in_process_is_the_error_itself(tmp_path, monkeypatch, fake_report, stage):
    """Called in-process, extract_file lets the bug through as it is (not disguised as a bad input)."""

    def broken(*args, **kwargs):
        raise RuntimeError(f"{stage} broke")

    monkeypatch.setattr(extractors.stages, stage, broken)
    with pytest.raises(RuntimeError, match=f"^{stage} broke$") as info:
        extract_file(fake_report)
    assert not isinstance(info.value, errors.IngestError)


def test_in_a_child_it_is_a_typed_internal_error_naming_the_file(tmp_path, broken_facts):
    path = tmp_path / "broken.txt"
    path.write_text(REPORT.format(n=5), encoding="utf-8")
    with pytest.raises(errors.InternalError) as info:
        extract_in_child(path)
    assert str(info.value) == f"{path}: {REASON}"
    assert info.value.as_dict() == {
        "error": "InternalError",
        "code": "internal_error",
        "file": str(path),
        "reason": REASON,
    }


def test_coi_extract_names_the_file_and_goes_on(tmp_path, broken_facts):
    data = _inputs(tmp_path / "in")
    files = [str(tmp_path / "in" / name) for name in data]
    result = CliRunner().invoke(app, ["extract", *files, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"failed {tmp_path / 'in' / 'broken.txt'}: {REASON} (InternalError)" in said
    assert "1 of 3 file(s) failed" in said
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt.json", "c.txt.json"]
    killed = [
        Extraction.model_validate_json((tmp_path / "out" / f"{n}.json").read_text())
        .facts.casualty_figures[0]
        .killed.min
        for n in ("a.txt", "c.txt")
    ]
    assert killed == [10, 12]
    assert {name: (tmp_path / "in" / name).read_bytes() for name in data} == data  # inputs never modified


def test_a_batch_quarantines_a_copy_with_its_reason_and_goes_on(tmp_path, broken_facts):
    data = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    summary = run_batch(tmp_path / "in", out, workers=2)
    assert summary["counts"] == {"extracted": 2, "failed": 1}
    status = {Path(o["file"]).name: (o["status"], o["error"]) for o in summary["outcomes"]}
    broken = str(tmp_path / "in" / "broken.txt")
    assert status == {
        "a.txt": ("extracted", None),
        "broken.txt": (
            "failed",
            {"error": "InternalError", "code": "internal_error", "file": broken, "reason": REASON},
        ),
        "c.txt": ("extracted", None),
    }
    assert sorted(p.name for p in (out / "quarantine").iterdir()) == ["broken.txt", "broken.txt.error.json"]
    assert (out / "quarantine" / "broken.txt").read_bytes() == data["broken.txt"]
    assert json.loads((out / "quarantine" / "broken.txt.error.json").read_text(encoding="utf-8")) == {
        "error": "InternalError",
        "code": "internal_error",
        "file": broken,
        "reason": REASON,
        "quarantined_as": "broken.txt",
    }
    assert {name: (tmp_path / "in" / name).read_bytes() for name in data} == data  # a batch leaves its inputs in place


def test_the_watcher_moves_it_to_quarantine_with_its_reason(tmp_path, broken_facts):
    inbox = tmp_path / "in"
    data = _inputs(inbox)
    watcher = InboxWatcher(inbox, tmp_path / "out", interval=0)
    watcher.start()
    assert watcher.poll_once() == []  # first sight: sizes noted, nothing taken yet
    outcomes = {Path(o.file).name: o for o in watcher.poll_once()}
    assert {n: o.status for n, o in outcomes.items()} == {
        "a.txt": "extracted",
        "broken.txt": "failed",
        "c.txt": "extracted",
    }
    assert outcomes["broken.txt"].error == {
        "error": "InternalError",
        "code": "internal_error",
        "file": str(inbox / "broken.txt"),
        "reason": REASON,
    }
    assert outcomes["broken.txt"].current_path == str(inbox / "quarantine" / "broken.txt")
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    assert sorted(p.name for p in (inbox / "quarantine").iterdir()) == ["broken.txt", "broken.txt.error.json"]
    assert (inbox / "quarantine" / "broken.txt").read_bytes() == data["broken.txt"]  # moved whole, never modified
    assert (
        json.loads((inbox / "quarantine" / "broken.txt.error.json").read_text(encoding="utf-8"))["code"]
        == "internal_error"
    )
    assert {p.name: p.read_bytes() for p in (inbox / "processed").iterdir()} == {n: data[n] for n in ("a.txt", "c.txt")}


def test_a_writer_that_breaks_is_an_internal_error_and_leaves_no_output(tmp_path, monkeypatch):
    """The worker writes the JSON itself and the parent never reads it back (issue 17): a bug
    in the writer is that document's ``internal_error``, with no output, half or whole, left."""
    real = pipeline.app.run.json_pieces

    def pieces(extraction):
        if "broken" in Path(extraction.document.source_path).name:
            yield "{"
            raise RuntimeError("the writer broke on purpose")
        yield from real(extraction)

    monkeypatch.setattr(pipeline.app.run, "json_pieces", pieces)
    data = _inputs(tmp_path / "in")
    summary = run_batch(tmp_path / "in", tmp_path / "out")
    assert summary["counts"] == {"extracted": 2, "failed": 1}
    (failed,) = [o for o in summary["outcomes"] if o["status"] == "failed"]
    assert (failed["error"]["error"], failed["error"]["code"], failed["error"]["file"], failed["error"]["reason"]) == (
        "InternalError",
        "internal_error",
        str(tmp_path / "in" / "broken.txt"),
        "internal error while extracting: RuntimeError: the writer broke on purpose",
    )
    written = sorted(p.relative_to(tmp_path / "out").parts[0] for p in (tmp_path / "out").glob("*/*/*"))
    assert written == ["a", "a", "c", "c"]  # extraction.json and sources.json of a and c; nothing of broken
    assert (tmp_path / "out" / "quarantine" / "broken.txt").read_bytes() == data["broken.txt"]
    assert (tmp_path / "in" / "broken.txt").read_bytes() == data["broken.txt"]


# ------------------------------------------------------------------ the Prefect flows
# They run in a fresh interpreter with Prefect's own temporary server: in this process, an
# earlier test may have killed the children of the test process (the subreaper fixture of
# test_hostile_matrix), Prefect's temporary server among them.

FLOW_SCRIPT = r"""
import json, sys
from pathlib import Path

import extractors.stages

real = extractors.stages.extract_facts


def facts(doc, *args, **kwargs):
    if "broken" in Path(doc.source_path).name:
        raise RuntimeError("the facts stage broke on purpose")
    return real(doc, *args, **kwargs)


extractors.stages.extract_facts = facts
import flows

root = Path(sys.argv[1])
state = flows.extract_batch(str(root / "batch"), str(root / "batch-out"), return_state=True)
batch = {"type": state.type.value, "name": state.name, "message": state.message, "summary": state.result()}
watch = flows.watch_inbox(str(root / "inbox"), str(root / "inbox-out"), settle_seconds=0.2)
import pipeline.app.flows
pipeline.app.flows.extract_inputs = lambda files, out, extract, **kw: (_ for _ in ()).throw(RuntimeError("the task broke on purpose"))
task = flows.extract_batch(str(root / "task"), str(root / "task-out"))
print(json.dumps({"batch": batch, "watch": watch, "task": task}, default=str))
"""


@pytest.fixture(scope="module")
def flow_runs(tmp_path_factory):
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("flows")
    data = {folder: _inputs(root / folder) for folder in ("batch", "inbox", "task")}
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect-home"), "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", FLOW_SCRIPT, str(root)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root, data, json.loads(done.stdout.strip().splitlines()[-1])


def test_the_batch_flow_reports_it_as_internal_and_goes_on(flow_runs):
    root, data, runs = flow_runs
    batch = runs["batch"]
    assert (batch["type"], batch["name"], batch["message"]) == (
        "COMPLETED",
        "Completed with failures",
        "1 of 3 document(s) failed: broken.txt",
    )
    assert batch["summary"]["counts"] == {"extracted": 2, "failed": 1}
    (failed,) = [o for o in batch["summary"]["outcomes"] if o["status"] == "failed"]
    assert failed["error"] == {
        "error": "InternalError",
        "code": "internal_error",
        "file": str(root / "batch" / "broken.txt"),
        "reason": REASON,
    }
    assert (root / "batch-out" / "quarantine" / "broken.txt").read_bytes() == data["batch"]["broken.txt"]
    assert (root / "batch" / "broken.txt").read_bytes() == data["batch"]["broken.txt"]


def test_the_watch_flow_moves_it_to_quarantine(flow_runs):
    root, data, runs = flow_runs
    assert sorted((Path(o["file"]).name, o["status"], (o["error"] or {}).get("code")) for o in runs["watch"]) == [
        ("a.txt", "extracted", None),
        ("broken.txt", "failed", "internal_error"),
        ("c.txt", "extracted", None),
    ]
    assert (root / "inbox" / "quarantine" / "broken.txt").read_bytes() == data["inbox"]["broken.txt"]
    assert json.loads((root / "inbox" / "quarantine" / "broken.txt.error.json").read_text())["reason"] == REASON
    assert sorted(p.name for p in (root / "inbox" / "processed").iterdir()) == ["a.txt", "c.txt"]


def test_a_task_that_breaks_outside_the_child_is_still_one_failed_document(flow_runs):
    """A bug in the flow's own task (not in the extraction): every document of that batch is
    failed as an internal error, named, and quarantined with a reason file that follows its schema."""
    from contract import contract_errors

    root, data, runs = flow_runs
    task = runs["task"]
    assert task["counts"] == {"failed": 3}
    assert sorted(Path(o["file"]).name for o in task["outcomes"]) == ["a.txt", "broken.txt", "c.txt"]
    for o in task["outcomes"]:
        name = Path(o["file"]).name
        error = {
            "error": "RuntimeError",
            "code": "internal_error",
            "file": str(root / "task" / name),
            "reason": "internal error: RuntimeError('the task broke on purpose')",
        }
        assert o["error"] == error
        reason = root / "task-out" / "quarantine" / f"{name}.error.json"
        assert json.loads(reason.read_text(encoding="utf-8")) == {**error, "quarantined_as": name}
        assert contract_errors(reason) == []
        assert (
            (root / "task-out" / "quarantine" / name).read_bytes()
            == data["task"][name]
            == (root / "task" / name).read_bytes()
        )
