"""All facts from running text, in one pass over the document's sentences."""

from __future__ import annotations

import re

from extractors import kb, nlp
from extractors.entities import actor_spans, actors_output, find_actors, find_places, places_output
from extractors.figures import extract_figures
from extractors.lang import Language
from extractors.sentences import document_units
from schemas.document import Document
from schemas.extraction import BibliographyEntry, Facts, Footnote, Metadata


def extract_facts(doc: Document, lang: Language, metadata: Metadata, bibliography: list[BibliographyEntry],
                  footnotes: list[Footnote] = ()) -> Facts:
    units = document_units(doc, lang)
    found = kb.country(metadata.country) if metadata.country else None
    iso2, iso3, country_name = found if found else (None, None, None)
    place_names = {kb.fold(n) for p in (kb.gazetteer(iso3) if iso3 else ()) for n in (p.name, *p.aliases)}
    orgs = [b.organisation for b in bibliography]
    actors = find_actors(units, lang, doc.id, orgs, place_names, iso2)
    # the model is asked only about sentences with a "near <Name>" the rules must confirm
    cue = re.compile(rf"(?<!\w)(?:{lang.alt('places', 'near')})\s+[A-Z]")
    ner = nlp.place_candidates({u.index: u.text for u in units if u.sentence is None and cue.search(u.text)}, lang.code)
    places = find_places(units, lang, doc.id, iso3, ner=ner, actor_spans=actor_spans(actors))
    places.country = iso2
    figures = extract_figures(units, lang, doc.id, places, actors, orgs, metadata.reference_period, country_name,
                              footnote_texts={f.number: f.text for f in footnotes})
    return Facts(
        casualty_figures=figures.casualty_figures,
        event_counts=figures.event_counts,
        displacement_figures=figures.displacement_figures,
        actors=actors_output(actors),
        places=places_output(places),
    )
