"""The model loaded ahead in a process of its own (``nlp.load_ahead``): it answers what the
model loaded here would, the asker never imports spaCy, and a loader that is gone or an
answer to an old question never changes an answer. Each case runs in a fresh Python, since
loading a model is per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from extractors import nlp

pytestmark = pytest.mark.skipif(not nlp.has_model("en"), reason="the English spaCy model is not installed")

SETUP = """
import multiprocessing, os, signal, sys
from extractors import nlp
TEXTS = {
    3: "The delegation travelled from Paris to Bamako, the capital of Mali, on 3 May.",
    7: "Displaced families arrived in Niger and Burkina Faso in March 2020.",
    9: "Nothing here names a place.",
}
"""


def run(body: str) -> str:
    script = SETUP + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_loader_answers_as_the_model_loaded_here_and_spacy_stays_out_of_the_asker():
    out = run(
        """
        assert nlp.load_ahead("en") is True
        ahead = nlp.place_candidates(TEXTS, "en")
        assert "spacy" not in sys.modules and nlp.loaded() == ()
        nlp._AHEAD.clear()
        here = nlp.place_candidates(TEXTS, "en")
        assert "spacy" in sys.modules
        assert ahead == here, (ahead, here)
        print(sorted(label for spans in ahead.values() for _, _, label in spans))
        """
    )
    assert out.startswith("['GPE'")  # the model found places (Bamako, Mali, Niger)


def test_a_loader_that_is_gone_means_the_model_is_loaded_here():
    run(
        """
        nlp.load_ahead("en")
        (loader,) = multiprocessing.active_children()
        os.kill(loader.pid, signal.SIGKILL)
        loader.join()
        got = nlp.place_candidates(TEXTS, "en")
        assert nlp.loaded() == ("en",) and "en" not in nlp._AHEAD
        nlp._PIPELINES.clear()
        assert got == nlp.place_candidates(TEXTS, "en")
        """
    )


def test_an_answer_to_an_earlier_question_is_skipped():
    run(
        """
        nlp.load_ahead("en")
        nlp._AHEAD["en"].connection.send(("a question nobody reads", {1: "Fighting in Mopti and Segou."}))
        got = nlp.place_candidates(TEXTS, "en")
        assert set(got) == {3, 7, 9}, got
        nlp._AHEAD.clear()
        assert got == nlp.place_candidates(TEXTS, "en")
        """
    )


def test_nothing_is_started_twice_or_when_the_model_is_here():
    run(
        """
        assert nlp.load_ahead("en") is True
        assert nlp.load_ahead("en") is False
        assert len(multiprocessing.active_children()) == 1
        nlp._AHEAD.clear()
        nlp.pipeline("en")
        assert nlp.load_ahead("en") is False
        assert nlp.load_ahead("xx") is False
        """
    )


def test_a_forked_child_asks_the_parents_loader():
    run(
        """
        nlp.load_ahead("en")
        expected_keys = {3, 7, 9}
        pid = os.fork()
        if pid == 0:
            got = nlp.place_candidates(TEXTS, "en")
            os._exit(0 if set(got) == expected_keys and "spacy" not in sys.modules else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        """
    )


def test_forked_children_asking_at_once_each_get_their_own_answers():
    """Children share the pipe to the loader: each question and its answer take it in turn,
    so no child reads another's answer (which it would skip, leaving the other waiting)."""
    run(
        """
        nlp.load_ahead("en")
        children = []
        for child in range(4):
            pid = os.fork()
            if pid == 0:
                mine = {child * 10 + k: text for k, text in TEXTS.items()}
                ok = all(set(nlp.place_candidates(mine, "en")) == set(mine) for _ in range(5))
                os._exit(0 if ok and "spacy" not in sys.modules else 1)
            children.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        assert codes == [0, 0, 0, 0], codes
        """
    )


def test_spacy_imported_without_its_command_line_answers_as_the_whole_of_spacy():
    """The model is loaded with a stand-in for ``spacy.cli`` while spaCy is imported; the
    answers are those of spaCy imported whole, and the real command line still imports."""
    whole = run(
        """
        import spacy  # the whole of spaCy, its command line included
        assert "spacy.cli.download" in sys.modules
        print(nlp.place_candidates(TEXTS, "en"))
        """
    )
    without = run(
        """
        got = nlp.place_candidates(TEXTS, "en")
        assert "spacy" in sys.modules and not any(m.startswith("spacy.cli") for m in sys.modules)
        import spacy
        import spacy.cli
        assert callable(spacy.cli.download) and spacy.cli.info.__module__ == "spacy.cli.info"
        print(got)
        """
    )
    assert without == whole and "GPE" in whole


def test_asking_last_ends_the_loader_once_it_has_answered():
    """The worker of a ``coi extract``'s last report ends the loader right after its answer
    (its memory is not held beside the rest of the extraction); a later question loads the
    model here and gets the same answer."""
    run(
        """
        nlp.load_ahead("en")
        (loader,) = multiprocessing.active_children()
        with nlp.asking_last():
            ahead = nlp.place_candidates(TEXTS, "en")
            loader.join(60)
            assert loader.exitcode == 0 and "en" not in nlp._AHEAD
            assert "spacy" not in sys.modules
        assert ahead == nlp.place_candidates(TEXTS, "en") and nlp.loaded() == ("en",)
        """
    )


def test_asking_last_ends_a_loader_never_asked_on_leaving():
    run(
        """
        nlp.load_ahead("en")
        (loader,) = multiprocessing.active_children()
        with nlp.asking_last():
            assert nlp.place_candidates({1: "x" * (nlp.MAX_CHARS + 1)}, "en") == {}  # nothing to ask
            assert "en" in nlp._AHEAD
        loader.join(60)
        assert loader.exitcode == 0 and "en" not in nlp._AHEAD
        """
    )
