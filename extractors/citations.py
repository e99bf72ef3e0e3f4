"""Resolve a fact's footnotes to the source-list entries they cite."""

from __future__ import annotations

from typing import NamedTuple

from schemas import kb
from schemas.extraction import BibliographyEntry, Citation, Facts, Footnote


def footnote_sources(
    note: Footnote, bibliography: list[BibliographyEntry], folded: list[_FoldedEntry] | None = None
) -> list[str]:
    """Ids of the bibliography entries a footnote names: each ``;``-separated citation is
    matched on its title, or else on its organisation alone when that names one entry.
    ``folded`` is :func:`folded_entries` of ``bibliography`` when the caller has it (a report's
    footnotes are each matched against every entry)."""
    entries = folded_entries(bibliography) if folded is None else folded
    ids: list[str] = []
    for part in note.text.split(";"):
        folded_part = kb.fold(part)
        if not folded_part:
            continue
        by_title = [e for e in entries if len(e.title) >= 8 and e.title in folded_part]
        if len(by_title) > 1:  # one title, several editions: the date printed in the footnote decides
            dated = [e for e in by_title if e.entry.date_text and e.date in folded_part]
            by_title = dated or by_title
        if not by_title:
            head = kb.fold(part.split(",")[0])
            by_org = [e for e in entries if head and (e.organisation.startswith(head) or e.acronym == head)]
            by_title = by_org if len(by_org) == 1 else []
        for e in by_title:
            if e.entry.id not in ids:
                ids.append(e.entry.id)
    return ids


class _FoldedEntry(NamedTuple):
    """A bibliography entry with the ``kb.fold`` of the fields a footnote is matched on."""

    entry: BibliographyEntry
    title: str
    organisation: str
    acronym: str
    date: str


def folded_entries(bibliography: list[BibliographyEntry]) -> list[_FoldedEntry]:
    """The entries, in order, each with its folded title, organisation, acronym and date."""
    return [
        _FoldedEntry(b, kb.fold(b.title), kb.fold(b.organisation), kb.fold(b.acronym or ""), kb.fold(b.date_text or ""))
        for b in bibliography
    ]


def resolve_citations(facts: Facts, footnotes: list[Footnote], bibliography: list[BibliographyEntry]) -> None:
    """Fill ``provenance.citations`` of every figure fact (in place)."""
    notes = {f.number: f for f in footnotes}
    cache: dict[int, Citation] = {}
    folded = folded_entries(bibliography)
    for fact in [*facts.casualty_figures, *facts.event_counts, *facts.displacement_figures]:
        cites = []
        for n in fact.provenance.footnotes:
            if n not in notes:
                continue
            if n not in cache:
                cache[n] = Citation(
                    footnote=n, text=notes[n].text, bibliography=footnote_sources(notes[n], bibliography, folded)
                )
            cites.append(cache[n])
        fact.provenance.citations = cites
