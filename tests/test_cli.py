from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.app.cli import app
from schemas import json_schema_text
from schemas.extraction import Extraction

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def test_extract_writes_json_and_goes_on_after_a_failure(tmp_path, fake_report):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n garbage")
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(bad), str(fake_report), "--out", str(out)])
    assert result.exit_code == 1
    assert "broken.pdf" in result.output and "truncated" in result.output
    written = out / "fake_report.txt.json"
    extraction = Extraction.model_validate_json(written.read_text(encoding="utf-8"))
    assert extraction.document.kind.value == "text" and len(extraction.footnotes) == 4
    assert bad.read_bytes() == b"%PDF-1.4\n garbage"  # the input is never modified
    assert not list(out.glob(".*.tmp"))  # no temp file left behind


def test_two_runs_give_identical_json(tmp_path, fake_report):
    for name in ("a", "b"):
        assert runner.invoke(app, ["extract", str(fake_report), "--out", str(tmp_path / name)]).exit_code == 0
    a = (tmp_path / "a" / "fake_report.txt.json").read_text()
    assert a == (tmp_path / "b" / "fake_report.txt.json").read_text()


def test_schema_matches_the_committed_file():
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "Extraction"
    assert (ROOT / "schemas" / "extraction.schema.json").read_text(encoding="utf-8") == json_schema_text()


def _said(output: str) -> str:
    """The console's words without rich's box and line wrapping."""
    return " ".join(output.replace("│", " ").split())


def test_evaluate_needs_its_arguments():
    """A usage error (exit 2, the command's own message), not a crash."""
    result = runner.invoke(app, ["evaluate"])
    assert (result.exit_code, type(result.exception)) == (2, SystemExit)
    assert "Invalid value: give REPORT --gold GOLD, or --corpus DIR --gold-dir DIR" in _said(result.output)
    result = runner.invoke(app, ["evaluate", "--corpus", "."])
    assert (result.exit_code, type(result.exception)) == (2, SystemExit)
    assert "Invalid value: --corpus and --gold-dir go together" in _said(result.output)


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    for command in ("extract", "schema", "evaluate", "bench", "batch"):
        assert command in result.output
