"""Citation resolution: which footnote closes each fact, and which entries of the source list
that footnote names (``extractors/citations.py`` over the footnotes of ``extractors/structure.py``
and the entries of ``extractors/bibliography.py``).

The report below is written for these tests (its figures, groups and sources are invented); the
same report is read with its footnotes at the end of each section (as at old page breaks), with
the markers glued to the words as plain digits (text copied out of a PDF), with all notes at the
end (endnotes), and printed as a PDF with each page's notes at its foot."""

from __future__ import annotations

import csv
import io

import pytest
from fpdf import FPDF
from pdf_factory import _footnote

from extractors.citations import footnote_sources, resolve_citations
from pipeline.app.run import extract_document
from pipeline.readers.ingest import ingest_bytes
from pipeline.tools.export import events_csv
from schemas import lang
from schemas.extraction import BibliographyEntry, Citation, Extraction, Footnote

EN = lang.load("en")
SUPERSCRIPT = {"¹": "1", "²": "2", "³": "3", "⁴": "4"}

COVER = """COI QUERY

| | |
|---|---|
| Country of Origin | NIGER |
| Main subject | Security situation in Tillabéri region, January-June 2022 |
| Date of completion | 12 July 2022 |
| Query Code | Q12-2022 |
"""
SECURITY = (
    "1. Security situation\n\n1.1. Attacks on civilians\n\n"
    "On 14 March 2022, gunmen killed 19 civilians near Ayorou in Tillabéri region.¹ "
    "The monitoring group recorded 42 attacks on civilians in Tillabéri region between January and June 2022.²\n\n"
    "On 20 April 2022, 7 traders were abducted on the road to Téra.³\n"
)
SECURITY_NOTES = """¹ SMG, Weekly incident digest, 18 March 2022, url, p. 2

² SMG, Half-year review, 5 July 2022, url; Niamey Observer, Violence in the west, 6 July 2022, url

³ Radio Tamtam, Traders seized near Téra, 20 April 2022
"""
DISPLACEMENT = """2. Displacement

By 30 June 2022, 264 000 people were internally displaced in Tillabéri region.⁴
"""
DISPLACEMENT_NOTES = """⁴ UNHCR, Operational update on Niger, June 2022, url
"""
SOURCES = """SOURCES USED

SMG (Sahel Monitoring Group), Weekly incident digest, 18 March 2022, https://example.org/smg/digest-11, accessed 1 July 2022

SMG (Sahel Monitoring Group), Weekly incident digest, 25 March 2022, https://example.org/smg/digest-12, accessed 1 July 2022

SMG (Sahel Monitoring Group), Half-year review, 5 July 2022, https://example.org/smg/review, accessed 8 July 2022

Niamey Observer, Violence in the west, 6 July 2022, https://example.org/observer/west, accessed 8 July 2022

UNHCR (UN Refugee Agency), Niger: displacement snapshot, 30 June 2022, https://example.org/unhcr/niger, accessed 9 July 2022
"""


def _join(*parts: str) -> str:
    return "\n".join(parts)


def _glued(text: str) -> str:
    """The markers as plain digits glued to the word before them, the notes as numbered lines."""
    for sup, digit in SUPERSCRIPT.items():
        text = text.replace(sup, digit)
    return text


REPORTS = {
    "section notes": _join(COVER, SECURITY, SECURITY_NOTES, DISPLACEMENT, DISPLACEMENT_NOTES, SOURCES),
    "glued markers": _glued(_join(COVER, SECURITY, SECURITY_NOTES, DISPLACEMENT, DISPLACEMENT_NOTES, SOURCES)),
    "endnotes": _join(COVER, SECURITY, DISPLACEMENT, SOURCES, SECURITY_NOTES, DISPLACEMENT_NOTES),
}

DIGEST_18 = (
    "SMG (Sahel Monitoring Group)",
    "Weekly incident digest",
    "2022-03-18",
    "https://example.org/smg/digest-11",
)
REVIEW = ("SMG (Sahel Monitoring Group)", "Half-year review", "2022-07-05", "https://example.org/smg/review")
OBSERVER = ("Niamey Observer", "Violence in the west", "2022-07-06", "https://example.org/observer/west")
SNAPSHOT = (
    "UNHCR (UN Refugee Agency)",
    "Niger: displacement snapshot",
    "2022-06-30",
    "https://example.org/unhcr/niger",
)

CITED = [
    # (fact, figure, page, footnotes, [(footnote, [(organisation, title, date, url) of each source named])])
    ("CasualtyFigure", 19, 1, [1], [(1, [DIGEST_18])]),  # one title, two editions: the date in the note decides
    ("CasualtyFigure", 7, 1, [3], [(3, [])]),  # a source not in the list: the note, and no entry
    ("EventCount", 42, 1, [2], [(2, [REVIEW, OBSERVER])]),  # two citations in one note, split at ';'
    ("DisplacementFigure", 264000, 1, [4], [(4, [SNAPSHOT])]),  # another title: the organisation alone names one entry
]


def _extract(text: str, name: str = "niger.txt") -> Extraction:
    return extract_document(ingest_bytes(text.encode("utf-8"), name))


def _figure(fact) -> int:
    if type(fact).__name__ == "CasualtyFigure":
        return next(getattr(fact, h).min for h in ("killed", "injured", "abducted") if getattr(fact, h) is not None)
    return fact.count


def cited(ex: Extraction) -> list[tuple]:
    """Each figure fact with its footnotes and the sources its citations name."""
    bib = {b.id: (b.organisation, b.title, b.date, b.url) for b in ex.bibliography}
    facts = [*ex.facts.casualty_figures, *ex.facts.event_counts, *ex.facts.displacement_figures]
    return [
        (
            type(f).__name__,
            _figure(f),
            f.provenance.page,
            f.provenance.footnotes,
            [(c.footnote, [bib[i] for i in c.bibliography]) for c in f.provenance.citations],
        )
        for f in facts
    ]


@pytest.fixture(scope="module", params=list(REPORTS))
def report(request) -> tuple[str, Extraction]:
    return request.param, _extract(REPORTS[request.param])


def test_facts_carry_their_footnote_and_the_sources_it_names(report):
    name, ex = report
    assert ex.metadata.country == "Niger"
    assert cited(ex) == CITED, name


def test_footnotes_and_source_list_as_read(report):
    name, ex = report
    assert [(n.number, n.page, n.text) for n in ex.footnotes] == [
        (1, 1, "SMG, Weekly incident digest, 18 March 2022, url, p. 2"),
        (2, 1, "SMG, Half-year review, 5 July 2022, url; Niamey Observer, Violence in the west, 6 July 2022, url"),
        (3, 1, "Radio Tamtam, Traders seized near Téra, 20 April 2022"),
        (4, 1, "UNHCR, Operational update on Niger, June 2022, url"),
    ], name
    # the marker's block: notes 1 and 2 close sentences of one paragraph
    blocks = {b.id: ex.text[b.start : b.end] for b in ex.blocks}
    assert [[blocks[c][:18] for c in n.cited_by] for n in ex.footnotes] == [
        ["On 14 March 2022, "],
        ["On 14 March 2022, "],
        ["On 20 April 2022, "],
        ["By 30 June 2022, 2"],
    ], name
    assert [
        (b.section, b.organisation, b.acronym, b.title, b.date_text, b.url, b.accessed) for b in ex.bibliography
    ] == [
        (
            "SOURCES USED",
            "SMG (Sahel Monitoring Group)",
            "SMG",
            "Weekly incident digest",
            "18 March 2022",
            "https://example.org/smg/digest-11",
            "2022-07-01",
        ),
        (
            "SOURCES USED",
            "SMG (Sahel Monitoring Group)",
            "SMG",
            "Weekly incident digest",
            "25 March 2022",
            "https://example.org/smg/digest-12",
            "2022-07-01",
        ),
        (
            "SOURCES USED",
            "SMG (Sahel Monitoring Group)",
            "SMG",
            "Half-year review",
            "5 July 2022",
            "https://example.org/smg/review",
            "2022-07-08",
        ),
        (
            "SOURCES USED",
            "Niamey Observer",
            None,
            "Violence in the west",
            "6 July 2022",
            "https://example.org/observer/west",
            "2022-07-08",
        ),
        (
            "SOURCES USED",
            "UNHCR (UN Refugee Agency)",
            "UNHCR",
            "Niger: displacement snapshot",
            "30 June 2022",
            "https://example.org/unhcr/niger",
            "2022-07-09",
        ),
    ], name
    assert [w.code for w in ex.warnings] == [], name


def test_a_citation_is_the_footnote_text_and_the_ids_of_its_entries(report):
    name, ex = report
    by_title = {(b.title, b.date): b.id for b in ex.bibliography}
    (killing,) = [f for f in ex.facts.casualty_figures if f.killed]
    assert killing.provenance.citations == [
        Citation(
            footnote=1,
            text="SMG, Weekly incident digest, 18 March 2022, url, p. 2",
            bibliography=[by_title[("Weekly incident digest", "2022-03-18")]],
        )
    ], name


def test_the_event_export_names_the_cited_source(report):
    name, ex = report
    rows = list(csv.DictReader(io.StringIO(events_csv(ex))))
    assert [(r["event_date"], r["fatalities"], r["source"]) for r in rows] == [
        ("2022-03-14", "19", "SMG"),
        ("2022-04-20", "0", ""),
    ], name


# ------------------------------------------------------------------ page-bottom footnotes in a PDF


def _footnoted_pdf(pages: list[tuple[list, list]]) -> bytes:
    """A4 pages of headings and paragraphs (lines of text pieces and raised marker numbers), each
    page's footnotes at its foot under a short rule, as a word processor sets them."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for items, notes in pages:
        pdf.add_page()
        for kind, content in items:
            if kind == "heading":
                pdf.set_font("Helvetica", style="B", size=13)
                pdf.cell(0, 8, content, new_x="LMARGIN", new_y="NEXT")
                continue
            pdf.set_font("Helvetica", size=10)
            for line in content:
                for piece in line:
                    if isinstance(piece, int):
                        pdf.char_vpos = "SUP"
                        pdf.cell(pdf.get_string_width(str(piece)) + 0.5, 5, str(piece), new_x="END")
                        pdf.char_vpos = "LINE"
                    else:
                        pdf.cell(pdf.get_string_width(piece), 5, piece, new_x="END")
                pdf.ln(5)
            pdf.ln(3)
        y = 282 - 5 * len(notes)
        pdf.line(10, y - 4, 60, y - 4)
        for number, text in notes:
            _footnote(pdf, y, str(number), text)
            y += 5
    return bytes(pdf.output())


def cited_report_pdf() -> bytes:
    """The report's body on two pages (Latin-1 core font: no accents), notes 1-3 at the foot of
    page 1 and note 4 at the foot of page 2, the source list on page 2."""
    page1 = [
        ("heading", "1. Security situation"),
        (
            "para",
            [
                ["On 14 March 2022, gunmen killed 19 civilians near Ayorou in Tillaberi region.", 1, " The monitoring"],
                ["group recorded 42 attacks on civilians in Tillaberi region between January and June 2022.", 2],
            ],
        ),
        ("para", [["On 20 April 2022, 7 traders were abducted on the road to Tera.", 3]]),
    ]
    notes1 = [
        (1, "SMG, Weekly incident digest, 18 March 2022, url, p. 2"),
        (2, "SMG, Half-year review, 5 July 2022, url; Niamey Observer, Violence in the west, 6 July 2022, url"),
        (3, "Radio Tamtam, Traders seized near Tera, 20 April 2022"),
    ]
    sources = [line for line in SOURCES.splitlines()[1:] if line]
    page2 = [
        ("heading", "2. Displacement"),
        ("para", [["By 30 June 2022, 264 000 people were internally displaced in Tillaberi region.", 4]]),
        ("heading", "SOURCES USED"),
        *[("para", [[entry[: entry.index(" https")]], [entry[entry.index("https") :]]]) for entry in sources],
    ]
    return _footnoted_pdf([(page1, notes1), (page2, [(4, "UNHCR, Operational update on Niger, June 2022, url")])])


def test_page_bottom_footnotes_of_a_pdf_are_resolved_like_the_text(tmp_path):
    ex = extract_document(ingest_bytes(cited_report_pdf(), "niger.pdf"))
    assert ex.document.kind.value == "pdf" and ex.document.page_count == 2
    assert [(n.number, n.page) for n in ex.footnotes] == [(1, 1), (2, 1), (3, 1), (4, 2)]
    assert [(b.title, b.date, b.url, b.page) for b in ex.bibliography] == [
        ("Weekly incident digest", "2022-03-18", "https://example.org/smg/digest-11", 2),
        ("Weekly incident digest", "2022-03-25", "https://example.org/smg/digest-12", 2),
        ("Half-year review", "2022-07-05", "https://example.org/smg/review", 2),
        ("Violence in the west", "2022-07-06", "https://example.org/observer/west", 2),
        ("Niger: displacement snapshot", "2022-06-30", "https://example.org/unhcr/niger", 2),
    ]
    expected = [
        fact if fact[1] != 264000 else (*fact[:2], 2, *fact[3:]) for fact in CITED
    ]  # the displacement is on page 2
    assert cited(ex) == expected


# ------------------------------------------------------------------ the rules, one at a time


def _entry(
    i: int, organisation: str, title: str, date_text: str | None = None, acronym: str | None = None
) -> BibliographyEntry:
    return BibliographyEntry(
        id=f"b{i}",
        section="SOURCES USED",
        organisation=organisation,
        acronym=acronym,
        title=title,
        date_text=date_text,
        text=f"{organisation}, {title}",
        page=1,
        block_id=f"p1-b{i}",
    )


LIST = [
    _entry(1, "MRG (Mission Reporting Group)", "Quarterly note on the centre", "2 May 2021", acronym="MRG"),
    _entry(2, "MRG (Mission Reporting Group)", "Quarterly note on the centre", "9 August 2021", acronym="MRG"),
    _entry(3, "Lantern Watch", "Abuses in the borderlands"),
    _entry(4, "Field Office", "Brief"),  # a title too short to be matched on its own
    _entry(5, "Delta Network", "Situation report"),
    _entry(6, "Delta Network", "Yearly overview"),
]


def _note(text: str) -> Footnote:
    return Footnote(number=1, text=text, page=1, block_id="p1-b9")


@pytest.mark.parametrize(
    "text, ids",
    [
        ("MRG, Quarterly note on the centre, 9 August 2021, p. 3", ["b2"]),  # two editions: the printed date decides
        ("MRG, Quarterly note on the centre, p. 3", ["b1", "b2"]),  # no date to decide: both editions
        ("Lantern Watch, Abuses in the borderlands, 2021; MRG, Quarterly note on the centre, 2 May 2021", ["b3", "b1"]),
        ("Lantern Watch, interview with the author, 2021", ["b3"]),  # the organisation names one entry
        ("MRG, email to the author, 2021", []),  # the acronym names two entries: none is guessed
        ("Field Office, Brief, 2021", ["b4"]),  # a short title: matched on the organisation
        ("Delta Network, interview, 2021", []),  # the organisation has two entries
        ("Delta Network, Situation report, 2021", ["b5"]),
        ("Abuses in the borderlands, Lantern Watch; Abuses in the borderlands", ["b3"]),  # each entry once
        ("Unknown Radio, Headline, 2021", []),
        ("", []),
    ],
)
def test_footnote_sources(text, ids):
    assert footnote_sources(_note(text), LIST) == ids


def test_resolve_citations_skips_markers_without_a_note_and_fills_figures_only():
    ex = _extract(REPORTS["section notes"])
    facts = ex.facts.model_copy(deep=True)
    for fact in [*facts.casualty_figures, *facts.event_counts, *facts.displacement_figures]:
        fact.provenance.citations = []
    facts.displacement_figures[0].provenance.footnotes = [4, 9]  # 9: a marker with no footnote text
    resolve_citations(facts, ex.footnotes, ex.bibliography)
    (displacement,) = facts.displacement_figures
    assert [(c.footnote, c.bibliography) for c in displacement.provenance.citations] == [
        (4, [next(b.id for b in ex.bibliography if b.acronym == "UNHCR")])
    ]
    assert [c.footnote for f in facts.casualty_figures for c in f.provenance.citations] == [1, 3]
    assert facts.actors == ex.facts.actors and facts.places == ex.facts.places
