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


def _spacy_and_model():
    if not nlp.has_model("en"):
        pytest.skip("no English spaCy model installed")
    import spacy

    return spacy, nlp.MODELS["en"]


def test_the_model_embeds_its_own_token_vectors_for_ner():
    """Why ``tok2vec`` is not loaded: no layer of ``ner`` listens to the shared one."""
    spacy, name = _spacy_and_model()
    full = spacy.load(name)
    assert "ner" not in full.get_pipe("tok2vec").listening_components
    assert not any("listener" in layer.name for layer in full.get_pipe("ner").model.walk())


def test_the_saved_tokenizer_is_the_languages_default():
    """Why the saved ``tokenizer`` is not read: it is what spaCy builds for English anyway."""
    spacy, name = _spacy_and_model()
    saved = spacy.load(name, exclude=[c for c in spacy.load(name).component_names])
    assert saved.tokenizer.to_bytes(exclude=["vocab"]) == spacy.blank("en").tokenizer.to_bytes(exclude=["vocab"])


SENTENCES = [
    "On 4 May 2021, gunmen killed 7 villagers near Djenné and Ténenkou in central Mali.",
    "Fighting between the army and rebels was reported near Goma, North Kivu, and in Kinshasa.",
    "The UN said that 2,000 people fled from Maiduguri to Yola in Adamawa State last week.",
    "Shelling hit the outskirts of Aleppo and Idlib; the Euphrates valley saw clashes too.",
    "They didn't return to Kabul's western districts until the Hindu Kush passes reopened.",
    "Armoured units of the defence forces left the neighbouring centre of Gao in July 2019.",
]
"""Sentences of our own with places, organisations, dates, a contraction and British spellings
(``neighbouring``: a norm only the saved ``lexeme_norm`` table gives)."""


def test_the_slim_model_finds_what_the_full_model_finds():
    """What :data:`nlp.NOT_LOADED` leaves out changes no entity, label or token norm."""
    spacy, name = _spacy_and_model()
    full = spacy.load(name, exclude=["parser", "tagger", "senter", "attribute_ruler", "lemmatizer"])
    slim = nlp.pipeline("en")
    assert slim.pipe_names == ["ner", "coi_place_candidates"]
    for a, b in zip(full.pipe(SENTENCES), slim.pipe(SENTENCES), strict=True):
        assert [(e.start_char, e.end_char, e.label_) for e in a.ents] == [
            (e.start_char, e.end_char, e.label_) for e in b.ents
        ]
        assert [t.norm_ for t in a] == [t.norm_ for t in b]
    found = nlp.place_candidates({1: SENTENCES[0]}, "en")[1]
    assert [SENTENCES[0][x:y] for x, y, _ in found] == ["Djenné", "Ténenkou"]


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


def test_a_pool_of_text_files_leaves_the_pdf_reader_to_a_pdf_it_meets(tmp_path, fake_report):
    """A pool told its jobs hold no PDF forks without importing the PDF reader; a PDF among
    them all the same (named otherwise) is read by its worker, and the pool learns it."""
    from tests.pdf_factory import sample_report_pdf

    hidden = tmp_path / "report.txt"
    hidden.write_bytes(sample_report_pdf())
    code = f"""
import sys
from pipeline.app.limits import Job, Pool, Written, names_pdf
files, out = [{str(fake_report)!r}, {str(hidden)!r}], {str(tmp_path)!r}
assert not names_pdf(files) and names_pdf([b"A.PDF"])
with Pool(workers=1, learn_at_once=True, pdf=names_pdf(files)) as pool:
    pool.start()
    assert "pipeline.readers.pdf" not in sys.modules
    answers = dict(pool.map([Job(f, target=f"{{out}}/{{i}}.json") for i, f in enumerate(files)]))
assert all(isinstance(a, Written) for a in answers.values()), answers
assert [answers[i].kind for i in (0, 1)] == ["text", "pdf"], answers"""
    assert "pypdfium2" in _modules_after(code)  # learnt from the worker's needs, for the next fork


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


def test_one_countrys_pcode_rows_are_the_tables_rows_of_that_country():
    """Reading a country's own lines of the OCHA table (what a report needs) gives exactly the
    rows a full read of the table gives for it, for every country, quoted names included."""
    import csv

    with kb.PCODES.open(encoding="utf-8") as f:
        full: dict[str, list[dict]] = {}
        for row in csv.DictReader(f):
            full.setdefault(row["Location"], []).append(row)
    assert len(full) > 100
    for iso3, rows in full.items():
        assert kb._pcode_rows_of(iso3) == rows, iso3
    assert kb._pcode_rows_of("XXX") == []
    assert any("," in r["Name"] for rows in full.values() for r in rows)  # the quoted names were read


def test_one_countrys_subdivisions_are_the_files_rows_of_that_country():
    import csv

    from schemas.kb import places

    with places.SUBDIVISIONS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for iso2 in sorted({r["country"] for r in rows}):
        subs = places.subdivisions(iso2.lower())
        assert [(s.code, s.name, s.type, s.parent or "") for s in subs] == [
            (r["code"], r["name"], r["type"], r["parent"]) for r in rows if r["country"] == iso2
        ]
        assert all(s.country == iso2 for s in subs)
    assert places.subdivisions("XX") == ()


def test_the_admin_automaton_knows_every_countrys_units():
    from schemas.kb import places

    text = "Fighting in Mopti and Kidal, then in Borno."
    found = {text[a:b]: units for a, b, units in places.admin_automaton().find(places.char_fold(text))}
    assert ("ML", 1) in found["Mopti"] and ("ML", 1) in found["Kidal"] and ("NG", 1) in found["Borno"]


def test_loading_the_model_collects_nothing_and_freezes_what_it_made():
    """While spaCy is imported and the model loaded the cyclic collector does not run, what
    they made is frozen after, and the collector's thresholds are the caller's again."""
    if not nlp.has_model("en"):
        pytest.skip("no English spaCy model installed")
    code = (
        "import gc; from extractors import nlp; gc.set_threshold(500, 7, 9); runs = []; "
        "gc.callbacks.append(lambda phase, info: runs.append(info) if phase == 'start' else None); "
        "nlp.pipeline('en'); assert runs == [], len(runs); assert gc.get_threshold() == (500, 7, 9); "
        "assert gc.get_freeze_count() > 100_000, gc.get_freeze_count(); print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_failed_load_gives_the_thresholds_back(monkeypatch):
    import gc

    def fail(language):
        raise RuntimeError("no model today")

    monkeypatch.setattr(nlp, "_load", fail)
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        nlp.pipeline("zz")
    assert gc.get_threshold() == before and "zz" not in nlp.loaded()


def test_whole_process_times_extract_and_floor_in_turns_with_cpu_and_memory(tmp_path, monkeypatch):
    """Both fresh commands run, in turns, after a warm-up run of each that is sampled for memory
    (the extraction's worker and model loader counted in its CPU seconds and its sum of peaks)."""
    from pipeline.tools import bench

    path = tmp_path / "r.txt"
    path.write_text("Mali\n\nOn 2 May 2021, 3 civilians were killed in Mopti region.\n", encoding="utf-8")
    calls = []
    real = bench._measured_run

    def spy(args, sample_every=0.1):
        calls.append(("extract" if "extract" in args else "floor", sample_every))
        return real(args, sample_every)

    monkeypatch.setattr(bench, "_measured_run", spy)
    w = bench.whole_process(path, runs=1)
    assert calls == [("extract", 0.05), ("floor", 0.05), ("extract", 0.0), ("floor", 0.0)]
    assert all(w[k] > 0 for k in ("seconds", "floor_seconds", "cpu_seconds", "floor_cpu_seconds"))
    assert w["processes"] >= 2  # the command and at least its worker
    assert 0 < w["peak_rss_mb"] <= w["peak_rss_sum_mb"] and w["floor_peak_rss_mb"] > 0
    assert 0 < w["peak_pss_mb"] <= w["peak_rss_sum_mb"]
    calls.clear()
    bench.whole_process(path, runs=1, warm_up=False)  # a long report: its one timed run is sampled
    assert calls == [("extract", 0.5), ("floor", 0.5)]


def test_measure_tree_counts_every_process_of_the_command(tmp_path):
    """A command that forks a child holding 60 MB: the largest peak is at least that, and the
    sum of peaks counts the parent too."""
    from pipeline.tools import bench

    child = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    b = bytearray(60_000_000); time.sleep(0.6); os._exit(0)\n"
        "time.sleep(0.3); os.wait()\n"
    )
    f = bench._measured_run([sys.executable, "-c", child], sample_every=0.05)
    assert f["returncode"] == 0 and f["processes"] == 2
    assert f["peak_rss_mb"] >= 60 and f["peak_rss_sum_mb"] >= f["peak_rss_mb"] + 5
    assert 60 <= f["peak_pss_mb"] <= f["peak_rss_sum_mb"]  # the child's bytes are its own: counted once


def test_country_index_answers_as_a_scan_of_the_country_list_in_order():
    """The index built once gives, for every name, alias and code, the first country of the
    list that has it, as a scan of the list would."""

    def scan(name):
        key = kb.fold(name)
        for iso2, iso3, cname, aliases in kb.countries():
            if key in {kb.fold(cname), *(kb.fold(a) for a in aliases), iso2.lower(), iso3.lower()}:
                return iso2, iso3, cname
        return None

    names = [n for iso2, iso3, cname, aliases in kb.countries() for n in (iso2, iso3, cname, *aliases)]
    assert len(names) > 1000
    for name in [*names, "MALI", "Côte d’Ivoire", "cote divoire", "Atlantis", ""]:
        assert kb.country(name) == scan(name), name
    assert kb.country("Mali") == ("ML", "MLI", "Mali")
