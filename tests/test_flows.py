"""The Prefect flows in local mode (Prefect starts its own temporary server; no setup)."""

from __future__ import annotations

import shutil

from flows import extract_batch


def test_batch_flow_extracts_good_files_and_reports_bad_ones(tmp_path, fake_report):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "one.txt")
    shutil.copy(fake_report.parent / "burkina_report.txt", inbox / "two.md")
    (inbox / "empty.pdf").write_bytes(b"")
    (inbox / ".hidden").write_text("ignored")
    summary = extract_batch(str(inbox), str(tmp_path / "out"))
    statuses = sorted((o["file"].rsplit("/", 1)[1], o["status"]) for o in summary["outcomes"])
    assert statuses == [("empty.pdf", "failed"), ("one.txt", "extracted"), ("two.md", "extracted")]
    failed = next(o for o in summary["outcomes"] if o["status"] == "failed")
    assert failed["error"]["code"] == "empty_file" and "empty" in failed["error"]["reason"]
    assert (tmp_path / "out" / "quarantine" / "empty.pdf.error.json").exists()
    assert (inbox / "empty.pdf").exists()  # a batch copies failures to quarantine, the input stays
    again = extract_batch(str(inbox), str(tmp_path / "out"))
    assert again["counts"] == {"skipped": 2, "failed": 1}
