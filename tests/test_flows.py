"""The Prefect flows in local mode (Prefect starts its own temporary server; no setup)."""

from __future__ import annotations

import shutil

from flows import extract_batch


def test_batch_flow_extracts_good_files_and_reports_bad_ones(tmp_path, fake_report):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "one.txt")
    shutil.copy(fake_report, inbox / "two.md")
    (inbox / "empty.pdf").write_bytes(b"")
    (inbox / ".hidden").write_text("ignored")
    summary = extract_batch(str(inbox), str(tmp_path / "out"))
    assert sorted(d["file"].rsplit("/", 1)[1] for d in summary["done"]) == ["one.txt", "two.md"]
    assert [(f["error"], "empty" in f["reason"]) for f in summary["failed"]] == [("EmptyFileError", True)]
    assert (tmp_path / "out" / "one.txt.json").exists()
    assert (inbox / "empty.pdf").exists()
