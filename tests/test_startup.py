"""Start-up: what a single `coi extract` imports, the lazy NLP model, the warm-up that forked
children inherit (which must never change an output), and the floor `coi bench` measures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractors import nlp
from pipeline.app.limits import WARM_UP_TEXT, Job, Needs, Written, extract_many, warm_text
from pipeline.tools.bench import read_and_tokenize
from schemas import kb

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """The top-level modules a fresh Python has imported after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", code + "; import sys, json; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return {name.split(".")[0] for name in json.loads(done.stdout.strip().splitlines()[-1])}


def test_the_cli_module_imports_no_heavy_library():
    loaded = _modules_after("import pipeline.app.cli")
    assert not loaded & {"spacy", "prefect", "dateparser", "deepdiff", "pydantic", "pypdfium2", "pdfplumber", "thinc"}


def test_the_extractors_import_without_spacy():
    loaded = _modules_after("import pipeline.app.run, extractors.facts")
    assert "spacy" not in loaded and "thinc" not in loaded


def test_no_sentence_for_the_model_means_no_model_loaded():
    code = (
        "from extractors import nlp; assert nlp.place_candidates({}, 'en') == ({} if nlp.has_model('en') else None); "
        "assert nlp.place_candidates({1: 'x' * (nlp.MAX_CHARS + 1)}, 'en') == ({} if nlp.has_model('en') else None); "
        "assert nlp.loaded() == ()"
    )
    assert "spacy" not in _modules_after(code)


def test_a_language_without_model_gives_none_and_loads_nothing():
    assert nlp.place_candidates({1: "Fighting near Mopti."}, "xx") is None
    assert "xx" not in nlp.loaded()


def test_the_model_is_loaded_when_a_sentence_needs_it():
    if not nlp.has_model("en"):
        pytest.skip("no English spaCy model installed")
    text = "Fighting was reported near Mopti and Bamako in Mali."
    found = nlp.place_candidates({7: text}, "en")
    assert "en" in nlp.loaded()
    assert [(text[a:b], label) for a, b, label in found[7]] == [("Mopti", "GPE"), ("Mali", "GPE")]


def test_warm_text_names_the_country_and_some_of_its_units():
    name = kb.country("ML")[2]
    units = {p.name for p in kb.gazetteer(kb.country("ML")[1]) if p.type != "country"}
    text = warm_text(name)
    assert text.startswith(f"{name}\n\n{name}: ") and text.endswith(WARM_UP_TEXT)
    assert any(unit in text.split("\n")[2] for unit in units)
    assert warm_text(None) == WARM_UP_TEXT
    assert warm_text("No Such Country") == WARM_UP_TEXT


def test_warming_up_never_changes_an_output(tmp_path, fake_report):
    """The same bytes give the same JSON from a cold child (one job, no warm-up) and from a
    child forked after the warm-up and after another document taught the parent its needs."""
    (alone,) = [a for _, a in extract_many([Job(str(fake_report), target=str(tmp_path / "alone.json"))], warm=False)]
    other = tmp_path / "other.txt"
    other.write_text("Mali\n\nOn 2 May 2021, 3 civilians were killed near Sévaré in Mopti region.\n", encoding="utf-8")
    jobs = [
        Job(str(other), target=str(tmp_path / "other.json")),
        Job(str(fake_report), target=str(tmp_path / "warm.json")),
    ]
    answers = dict(extract_many(jobs, warm=True))
    assert isinstance(alone, Written) and answers[1].document_id == alone.document_id
    assert (tmp_path / "warm.json").read_bytes() == (tmp_path / "alone.json").read_bytes()


def test_needs_are_plain_and_picklable():
    import pickle

    needs = Needs("en", "Mali", ("en",))
    assert pickle.loads(pickle.dumps(needs)) == needs


def test_the_floor_reads_text_and_counts_tokens(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("Two words.\n", encoding="utf-8")
    assert read_and_tokenize(str(path)) == 4  # "Two", "words", ".", "\n"


def test_the_floor_reads_every_page_of_a_pdf(tmp_path):
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(200, 200)
    pdf.new_page(200, 200)
    path = tmp_path / "blank.pdf"
    pdf.save(str(path))
    assert read_and_tokenize(str(path)) == 0  # two pages without text: nothing to split
