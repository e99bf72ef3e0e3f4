"""The extractor's stages (extractors/stages.py): their order, and what each one writes,
pinned on the project's own fixtures. Blanking any one stage changes a pinned value, so a
stage that silently stops working fails here (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.stages import STAGES, extract_document
from pipeline.readers.ingest import ingest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def what_the_stages_wrote(extraction) -> dict:
    """One pinned value per stage."""
    facts = extraction.facts
    figures = [*facts.casualty_figures, *facts.event_counts, *facts.displacement_figures]
    return {
        "metadata": (extraction.metadata.country, extraction.metadata.date_of_completion),
        "structure": (len(extraction.sections), [n.number for n in extraction.footnotes]),
        "bibliography": len(extraction.bibliography),
        "tables": (len(extraction.tables), len(extraction.table_records)),
        "facts": (
            len(facts.casualty_figures),
            len(facts.event_counts),
            len(facts.displacement_figures),
            len(facts.actors),
            len(facts.places),
        ),
        "citations": sorted((c.footnote, len(c.bibliography)) for f in figures for c in f.provenance.citations),
    }


PINNED = {
    "burkina_report.txt": {
        "metadata": ("Burkina Faso", "2021-07-15"),
        "structure": (8, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        "bibliography": 2,
        "tables": (1, 0),
        "facts": (3, 4, 3, 4, 8),
        "citations": [(2, 1), (4, 0), (5, 0), (6, 1), (6, 1), (6, 1), (7, 0), (8, 0), (9, 0), (9, 0)],
    },
    "fake_report.txt": {
        "metadata": ("Burkina Faso", "2021-09-14"),
        "structure": (8, [1, 2, 3, 4]),
        "bibliography": 4,
        "tables": (2, 6),
        "facts": (0, 0, 1, 1, 4),
        "citations": [(4, 1)],
    },
}


def test_the_stages_run_in_this_order():
    assert [name for name, _ in STAGES] == ["metadata", "structure", "bibliography", "tables", "facts", "citations"]


@pytest.mark.parametrize("name", sorted(PINNED))
def test_what_each_stage_writes_is_pinned(name):
    assert what_the_stages_wrote(extract_document(ingest(FIXTURES / name))) == PINNED[name]


@pytest.mark.parametrize("blank", [name for name, _ in STAGES])
def test_blanking_a_stage_changes_what_is_pinned(blank):
    """Each stage has an effect the pinned values see: a no-op in its place either changes
    them or leaves a later stage without what it needs."""
    stages = tuple((name, (lambda found: None) if name == blank else stage) for name, stage in STAGES)
    changed = []
    for fixture, pinned in PINNED.items():
        try:
            wrote = what_the_stages_wrote(extract_document(ingest(FIXTURES / fixture), stages=stages))
        except AttributeError:  # a later stage read what the blanked one should have written
            changed.append(fixture)
            continue
        if wrote != pinned:
            changed.append(fixture)
    assert changed, f"blanking the {blank!r} stage changed nothing that is pinned"
