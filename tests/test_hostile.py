"""The hostile-input matrix: each row built by the test itself, each with its exact outcome."""

from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest
from pdf_factory import (
    broken_xref_pdf,
    cyclic_page_tree_pdf,
    deep_page_tree_pdf,
    encrypted_pdf,
    image_only_pdf,
    many_pages_pdf,
    sample_report_pdf,
    scanned_pdf,
)

from pipeline.app.limits import extract_in_child
from pipeline.app.ops import run_batch
from pipeline.app.run import extract_file
from schemas import errors
from schemas.extraction import Extraction
from schemas.limits import Limits

NOVEL = (
    "Chapter One\n\nThe rain had not stopped for three days when Anna finally opened the letter. "
    "She read it twice, folded it, and put it back in the drawer where her mother kept the keys.\n\n"
    "Outside, the street was empty. A dog barked somewhere near the river, and the bells of the old church rang.\n"
)
REPORT = (
    "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 3 March 2021 |\n\n"
    "1. Security\n\nOn 2 February 2021, gunmen killed 12 civilians in Bandiagara cercle, Mopti region.\n"
)


def _error_rows():
    half = sample_report_pdf()
    return [
        ("empty.txt", b"", errors.EmptyFileError, "the file is empty"),
        ("empty.pdf", b"", errors.EmptyFileError, "the file is empty"),
        ("truncated.pdf", half[: len(half) // 2], errors.CorruptPDFError, "truncated or damaged"),
        ("encrypted.pdf", encrypted_pdf("secret", "owner"), errors.EncryptedPDFError, "encrypted with a password"),
        ("cyclic tree.pdf", cyclic_page_tree_pdf(), errors.CorruptPDFError, "cannot be read"),
        ("deep tree.pdf", deep_page_tree_pdf(), errors.CorruptPDFError, "cannot be read"),
        (
            "five thousand pages.pdf",
            many_pages_pdf(5000),
            errors.TooManyPagesError,
            "5000 pages, more than the limit of 4000",
        ),
        ("huge.txt", b"word " * (10 * 1024 * 1024), errors.TooLargeError, "50 MB, more than the limit of 20 MB"),
        ("picture.pdf", b"\x89PNG\r\n\x1a\n" + bytes(200), errors.UnsupportedFormatError, "it is a PNG image"),
    ]


@pytest.mark.parametrize("name, data, error, words", _error_rows(), ids=[r[0] for r in _error_rows()])
def test_refused_inputs(tmp_path, name, data, error, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(error) as info:
        extract_file(path)
    assert type(info.value) is error
    assert str(info.value).startswith(f"{path}: ") and words in info.value.reason


def test_scan_without_ocr_engine_says_how_to_enable_it(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_only_pdf())
    with pytest.raises(errors.OCRNeededError) as info:
        extract_file(path)
    assert "OCR is needed" in info.value.reason and "apt-get install tesseract-ocr" in info.value.reason


@pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (apt-get install tesseract-ocr)"
)
def test_scan_is_read_by_ocr_and_marked(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf())
    ex = extract_file(path)
    assert any("OCR" in w.message for w in ex.warnings)
    killed = [f for f in ex.facts.casualty_figures if f.killed and f.killed.min == 132]
    assert killed and all(f.provenance.ocr for f in killed)


@pytest.mark.parametrize(
    "name, data, encoding, warning",
    [
        ("text saved as.pdf", REPORT.encode(), "utf-8", None),
        ("utf16.txt", REPORT.encode("utf-16"), "utf-16", None),
        ("latin1.txt", REPORT.replace("Mopti", "Ségou").encode("latin-1"), "cp1252", None),
        (
            "broken utf8.txt",
            REPORT.replace("Mopti", "Ségou").encode() + "Côte d'Ivoire, Bouaké".encode() + b"\xff",
            "utf-8",
            "not valid UTF-8",
        ),
    ],
)
def test_odd_text_inputs_are_extracted(tmp_path, name, data, encoding, warning):
    path = tmp_path / name
    path.write_bytes(data)
    ex = extract_file(path)
    assert ex.document.kind.value == "text" and ex.document.encoding == encoding
    assert ex.metadata.country == "Mali"
    assert [f.killed.min for f in ex.facts.casualty_figures] == [12]
    if warning:
        assert any(warning in w.message for w in ex.warnings)


def test_owner_password_and_broken_xref_are_read_with_a_warning(tmp_path):
    path = tmp_path / "xref.pdf"
    path.write_bytes(broken_xref_pdf())
    ex = extract_file(path)
    assert ex.sections and any("cross-reference table is damaged" in w.message for w in ex.warnings)
    path = tmp_path / "owner.pdf"
    path.write_bytes(encrypted_pdf("", "owner"))
    assert extract_file(path).sections


def test_a_novel_is_extracted_with_a_warning(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_text(NOVEL, encoding="utf-8")
    ex = extract_file(path)
    assert [w.code for w in ex.warnings if w.code == "metadata_missing"] == ["metadata_missing"]
    assert ex.facts.casualty_figures == []


@pytest.mark.parametrize(
    "name, stem",
    [
        ("report with spaces.txt", "report-with-spaces"),
        ("rapport été àccents.txt", "rapport-été-àccents"),
        ("dotdot..txt", "dotdot"),
        ("x" * 240 + ".txt", "x" * 109 + "-718df6704d"),  # cut to 120 bytes, with a hash of the whole name
        ("..weird..name.txt", None),  # a hidden-looking name is no input: left alone, never a crash
    ],
    ids=["spaces", "accents", "dots", "long", "hidden"],
)
def test_odd_file_names(tmp_path, name, stem):
    folder = tmp_path / "in"
    folder.mkdir()
    target = folder / name
    target.write_text(REPORT, encoding="utf-8")
    summary = run_batch(folder, tmp_path / "out")
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert target.read_text(encoding="utf-8") == REPORT  # the input is never modified
    if stem is None:
        assert (summary["counts"], summary["outcomes"], written) == ({}, [], [])
        return
    sha = hashlib.sha256(REPORT.encode()).hexdigest()
    assert summary["counts"] == {"extracted": 1}
    assert written == [f"{stem}/{sha[:12]}/extraction.json", f"{stem}/{sha[:12]}/sources.json"]
    (outcome,) = summary["outcomes"]
    assert (outcome["file"], outcome["output"]) == (
        str(target),
        str(tmp_path / "out" / stem / sha[:12] / "extraction.json"),
    )
    assert json.loads((tmp_path / "out" / stem / sha[:12] / "sources.json").read_text(encoding="utf-8")) == [name]


def test_time_limit(tmp_path, fake_report):
    with pytest.raises(errors.TimeLimitError) as info:
        extract_in_child(fake_report, Limits(seconds=0.001))
    assert info.value.as_dict()["limit"] == "seconds" and "longer than" in info.value.reason


def test_memory_limit(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(REPORT * 40000, encoding="utf-8")  # ~7 MB: reading it alone needs more than 1 MB
    with pytest.raises(errors.MemoryLimitError) as info:
        extract_in_child(path, Limits(memory_mb=1))
    assert info.value.code == "memory_limit"


def test_page_and_size_limits_are_configurable(tmp_path):
    path = tmp_path / "three.pdf"
    path.write_bytes(many_pages_pdf(3))
    with pytest.raises(errors.TooManyPagesError):
        extract_file(path, limits=Limits(max_pages=2))
    assert extract_file(path, limits=Limits(max_pages=3)).document.page_count == 3
    small = tmp_path / "small.txt"
    small.write_text(REPORT, encoding="utf-8")
    with pytest.raises(errors.TooLargeError):
        extract_file(small, limits=Limits(max_text_bytes=10))


def test_batch_over_the_whole_matrix(tmp_path, shared):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [r for r in _error_rows() if r[0] != "empty.pdf"]  # the same bytes as empty.txt: a duplicate
    for name, data, _, _ in rows:
        (folder / name).write_bytes(data)
    (folder / "scan.pdf").write_bytes(image_only_pdf())
    (folder / "novel.txt").write_text(NOVEL, encoding="utf-8")
    for src in (shared / "corpus").iterdir():
        shutil.copy(src, folder / src.name)
    start = time.monotonic()
    summary = run_batch(folder, tmp_path / "out", workers=2, limits=Limits(seconds=120))
    assert time.monotonic() - start < 300
    status = {o["file"].rsplit("/", 1)[1]: o for o in summary["outcomes"]}
    for src in (shared / "corpus").iterdir():
        assert status[src.name]["status"] == "extracted"
        ex = Extraction.model_validate_json(open(status[src.name]["output"], encoding="utf-8").read())
        assert len(ex.footnotes) == 106
    assert status["novel.txt"]["status"] == "extracted"
    for name, _, error, _ in rows:
        assert status[name]["status"] == "failed" and status[name]["error"]["error"] == error.__name__
        assert (tmp_path / "out" / "quarantine" / f"{name}.error.json").exists()
