"""All facts from running text, in one pass over the document's sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors import nlp
from extractors.entities import (
    actor_spans,
    actors_output,
    find_actors,
    find_places,
    gazetteer_names,
    places_output,
)
from extractors.figures import extract_figures
from extractors.sentences import Unit, document_units
from schemas import kb
from schemas.document import BlockKind, Document
from schemas.extraction import BibliographyEntry, Facts, Footnote, Metadata
from schemas.lang import Language, alternation, gated_word_pattern, open_gates, word_gate

HEADING_UNIT_OFFSET = 10_000_000
"""Heading units are numbered from here, apart from the body's sentences."""


PlaceCandidates = dict[int, list[tuple[int, int, str]]]
"""The model's place entities (start, end, label) per unit index (see :func:`extractors.nlp.place_candidates`)."""


@dataclass
class Sentences:
    """The units facts are read from (:func:`~extractors.sentences.document_units`) and the
    model's place candidates among them (None without a model)."""

    units: list[Unit]
    ner: PlaceCandidates | None


def read_sentences(doc: Document, lang: Language) -> Sentences:
    """The document's units, and the model asked about the sentences with a "near <Name>"
    the rules must confirm (only those)."""
    units = document_units(doc, lang)
    cue = re.compile(rf"(?<!\w)(?:{alternation(lang.places.near)})\s+[A-Z]")
    near = word_gate(lang.places.near)  # the cue needs one of its words
    ner = nlp.place_candidates(
        {u.index: u.text for u in units if u.sentence is None and near.may_match(u.text) and cue.search(u.text)},
        lang.code,
    )
    return Sentences(units, ner)


def extract_facts(
    doc: Document,
    sentences: Sentences,
    lang: Language,
    metadata: Metadata,
    bibliography: list[BibliographyEntry],
    footnotes: list[Footnote] = (),
) -> Facts:
    """The facts of ``doc``'s running text, read from its ``sentences`` (:func:`read_sentences`)."""
    units, ner = sentences.units, sentences.ner
    found = kb.country(metadata.country) if metadata.country else None
    iso2, iso3, country_name = found if found else (None, None, None)
    place_names = gazetteer_names(iso3).folded if iso3 else frozenset()
    orgs = [b.organisation for b in bibliography]
    actors = find_actors(units, lang, doc.id, orgs, place_names, iso2)
    # headings name places too ("Damascus Governorate, December 2017"); they come after the
    # body units, with indices of their own, so no figure is read from them
    headings = [
        Unit(block.text, block.start, block.end, block, HEADING_UNIT_OFFSET + i)
        for i, block in enumerate(b for b in doc.blocks() if b.kind is BlockKind.heading)
    ]
    spans = actor_spans(actors)
    actor_names = sorted(
        {n for e in actors.entries for n in (e["name"], *e["aliases"]) if len(n) > 3}, key=len, reverse=True
    )
    name_patterns = [gated_word_pattern((n,), re.I) for n in actor_names]
    gates = tuple(p.gate for p in name_patterns)
    for unit in headings:  # "1.5. Katiba Macina (Macina Liberation Front)" names a group, not a place
        opens = open_gates(gates, unit.text)  # the heading read once for every name's gate
        spans[unit.index] = [
            (m.start(), m.end())
            for p, may in zip(name_patterns, opens, strict=True)
            if may
            for m in p.pattern.finditer(unit.text)
        ]
    places = find_places(units + headings, lang, doc.id, iso3, ner=ner, actor_spans=spans)
    places.country = iso2
    figures = extract_figures(
        units,
        lang,
        doc.id,
        places,
        actors,
        orgs,
        metadata.reference_period,
        country_name,
        footnote_texts={f.number: f.text for f in footnotes},
    )
    return Facts(
        casualty_figures=figures.casualty_figures,
        event_counts=figures.event_counts,
        displacement_figures=figures.displacement_figures,
        actors=actors_output(actors),
        places=places_output(places),
    )
