"""Resolve a fact's footnotes to the source-list entries they cite."""

from __future__ import annotations

from schemas import kb
from schemas.extraction import BibliographyEntry, Citation, Facts, Footnote


def footnote_sources(note: Footnote, bibliography: list[BibliographyEntry]) -> list[str]:
    """Ids of the bibliography entries a footnote names: each ``;``-separated citation is
    matched on its title, or else on its organisation alone when that names one entry."""
    ids: list[str] = []
    for part in note.text.split(";"):
        folded = kb.fold(part)
        if not folded:
            continue
        by_title = [b for b in bibliography if len(kb.fold(b.title)) >= 8 and kb.fold(b.title) in folded]
        if len(by_title) > 1:  # one title, several editions: the date printed in the footnote decides
            dated = [b for b in by_title if b.date_text and kb.fold(b.date_text) in folded]
            by_title = dated or by_title
        if not by_title:
            head = kb.fold(part.split(",")[0])
            by_org = [
                b
                for b in bibliography
                if head and (kb.fold(b.organisation).startswith(head) or kb.fold(b.acronym or "") == head)
            ]
            by_title = by_org if len(by_org) == 1 else []
        for b in by_title:
            if b.id not in ids:
                ids.append(b.id)
    return ids


def resolve_citations(facts: Facts, footnotes: list[Footnote], bibliography: list[BibliographyEntry]) -> None:
    """Fill ``provenance.citations`` of every figure fact (in place)."""
    notes = {f.number: f for f in footnotes}
    cache: dict[int, Citation] = {}
    for fact in [*facts.casualty_figures, *facts.event_counts, *facts.displacement_figures]:
        cites = []
        for n in fact.provenance.footnotes:
            if n not in notes:
                continue
            if n not in cache:
                cache[n] = Citation(
                    footnote=n, text=notes[n].text, bibliography=footnote_sources(notes[n], bibliography)
                )
            cites.append(cache[n])
        fact.provenance.citations = cites
