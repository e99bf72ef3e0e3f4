from __future__ import annotations

import pytest

from extractors.dates import parse_date
from extractors.figures import read_unit
from extractors.quantities import find_quantities
from extractors.sentences import split_sentences
from pipeline.app.run import extract_document, extract_file
from pipeline.readers.ingest import ingest_bytes
from pipeline.tools.evaluate import evaluate_extraction, load_gold
from schemas import kb, lang

EN = lang.load("en")


def test_another_country_scores_with_the_same_code(fake_report):
    """A report on Burkina Faso the tests wrote themselves, with its own gold: no seed fact is
    hard-coded. The counts are pinned exactly (tp, fp, fn; right/scored per attribute), so any
    change of what is found fails here and is looked at."""
    report = fake_report.parent / "burkina_report.txt"
    scores = evaluate_extraction(extract_file(report), load_gold(report.with_suffix(".gold.json")))["categories"]
    got = {name: ((s["tp"], s["fp"], s["fn"]), s["attribute_counts"]) for name, s in scores.items()}
    assert got == {
        "metadata": (
            (5, 0, 0),
            {
                "country": [1, 1],
                "query_code": [1, 1],
                "date_of_completion": [1, 1],
                "reference_period": [1, 1],
                "questions": [1, 1],
            },
        ),
        "sections": ((5, 0, 0), {}),
        "footnotes": ((1, 0, 0), {"links": [2, 2]}),
        "bibliography": ((1, 0, 0), {"sample_found": [1, 1], "org": [1, 1], "accessed": [1, 1]}),
        "casualty_figures": (
            (3, 0, 0),
            {"footnote": [3, 3], "date": [3, 3], "location": [3, 3], "perpetrators": [3, 3], "victims": [3, 3]},
        ),
        "event_counts": (
            (4, 0, 0),
            {"footnote": [4, 4], "area": [4, 4], "period": [4, 4], "actor": [1, 1], "source_org": [4, 4]},
        ),
        "displacement_figures": ((3, 0, 0), {"footnote": [3, 3], "area": [3, 3], "as_of": [3, 3]}),
        "actors": ((4, 0, 0), {"kind": [3, 4]}),  # one actor's kind differs from the gold's
        "places": ((8, 0, 0), {"pcode": [6, 6], "admin1": [7, 7]}),
    }


def test_a_french_report_with_the_same_code():
    """French word lists are data: the same rules read a French sentence."""
    text = (
        "REQUÊTE COI\n\n| | |\n|---|---|\n| Pays d'origine | BURKINA FASO |\n| Date de finalisation | 3 mars 2021 |\n\n"
        "1. Sécurité\n\nLe 2 février 2021, des hommes armés ont tué au moins 12 civils dans le village de Solhan, "
        "province du Yagha.¹ Au 31 janvier 2021, 1 097 000 personnes déplacées internes étaient enregistrées au Burkina Faso.²\n\n"
        "¹ Source A, titre, 3 février 2021\n\n² Source B, titre, 5 février 2021\n"
    ).encode()
    ex = extract_document(ingest_bytes(text, "fr.txt"))
    assert (
        ex.document.language == "fr"
        and ex.metadata.country == "Burkina Faso"
        and ex.metadata.date_of_completion == "2021-03-03"
    )
    (fig,) = ex.facts.casualty_figures
    assert (fig.killed.min, fig.killed.qualifier, fig.date, fig.location, fig.provenance.footnotes) == (
        12,
        "at_least",
        "2021-02-02",
        "Solhan",
        [1],
    )
    (disp,) = ex.facts.displacement_figures
    assert (disp.population, disp.count, disp.as_of, disp.area) == ("idps", 1097000, "2021-01-31", "Burkina Faso")


def _unit_readings(text: str):
    from extractors.sentences import Unit
    from schemas.document import Block, BlockKind

    block = Block(id="b", kind=BlockKind.paragraph, text=text, page=1, start=0, end=len(text))
    return read_unit(Unit(text, 0, len(text), block, 0), EN, None)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "248 civilians were killed, 100 were injured and 49 were abducted",
            [("killed", 248), ("injured", 100), ("abducted", 49)],
        ),
        ("soldiers reportedly killed at least 37 civilians", [("killed", 37)]),
        ("‘summarily executed’ more than 15 civilians", [("executed", 16)]),
        ("armed men attacked a truck, killing 12 traders and one soldier", [("killed", 12), ("killed", 1)]),
        ("the attack left 134 victims dead and 55 injured", [("killed", 134), ("injured", 55)]),
        ("dozens of villagers were abducted", [("abducted", 24)]),
    ],
)
def test_casualty_counts(text, expected):
    got = [(r.casualty, r.q.count.min) for r in _unit_readings(text) if r.casualty]
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "The MDSF committed 119 extrajudicial executions and 32 enforced disappearances.",
        "In 2020, fighting displaced families from 6005 households.",
        "The Security Council adopted Resolution 2100 in 2013.",
        "There were 29 attacks against the mission in the region.",
    ],
)
def test_not_casualty_counts(text):
    assert not any(r.casualty for r in _unit_readings(text))


def test_qualifiers_and_ranges():
    counts = {
        t: find_quantities(t, EN)[0].count
        for t in ["at least 37", "more than 15", "Between 30-33", "around 30", "some 375", "up to 40"]
    }
    assert (counts["at least 37"].min, counts["at least 37"].max, counts["at least 37"].qualifier) == (
        37,
        None,
        "at_least",
    )
    assert (counts["more than 15"].min, counts["more than 15"].qualifier) == (16, "more_than")
    assert (counts["Between 30-33"].min, counts["Between 30-33"].max, counts["Between 30-33"].qualifier) == (
        30,
        33,
        "range",
    )
    assert counts["around 30"].qualifier == counts["some 375"].qualifier == "approx"
    assert (counts["up to 40"].min, counts["up to 40"].max) == (None, 40)


def test_years_dates_and_resolutions_are_not_figures():
    assert find_quantities("Resolution 2100 of 25 April 2013, para. 62, 47 % in 2020", EN) == []
    assert parse_date("Resolution 2100", EN) is None


def test_event_list_forms():
    readings = _unit_readings(
        "In Koro: 68 violent events (29 battles, 35 incidents of violence against civilians, 4 incidents of explosions/remote violence)"
    )
    assert [(r.event, r.q.value) for r in readings] == [
        ("violent_events", 68),
        ("battles", 29),
        ("violence_against_civilians", 35),
        ("explosions_remote_violence", 4),
    ]
    both = _unit_readings("In Kaya: 2 violent events, both incidents of violence against civilians")
    assert [(r.event, r.q.value) for r in both] == [("violent_events", 2), ("violence_against_civilians", 2)]


def test_sentences_keep_abbreviations():
    text = "There were approx. 311 193 IDPs (para. 7). Of those, some 131 150 were in the region."
    assert [text[a:b] for a, b in split_sentences(text, EN)] == [
        "There were approx. 311 193 IDPs (para. 7).",
        "Of those, some 131 150 were in the region.",
    ]


def test_bare_and_cued_admin_unit_are_one_place():
    text = (
        b"COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 1 May 2021 |\n\n"
        b"1. Security\n\nClashes were reported in Koro. Two villages in Koro cercle were attacked.\n"
    )
    ex = extract_document(ingest_bytes(text, "koro.txt"))
    koro = [p for p in ex.facts.places if kb.fold(p.name) == "koro"]
    assert [(p.type, p.pcode, len(p.mentions)) for p in koro] == [("admin2", "ML0505", 2)]


def test_every_fact_is_traceable(fake_report):
    ex = extract_file(fake_report.parent / "burkina_report.txt")
    facts = ex.facts.casualty_figures + ex.facts.event_counts + ex.facts.displacement_figures
    assert facts
    for fact in facts:
        p = fact.provenance
        assert ex.text[p.start : p.end] == p.evidence and p.page == 1 and p.footnotes
    ids = [f.id for f in facts]
    assert len(ids) == len(set(ids))
    again = extract_file(fake_report.parent / "burkina_report.txt")
    assert ids == [
        f.id for f in again.facts.casualty_figures + again.facts.event_counts + again.facts.displacement_figures
    ]


def test_a_german_report_with_the_same_code():
    text = (
        "COI-ANFRAGEBEANTWORTUNG\n\n| | |\n|---|---|\n| Herkunftsland | MALI |\n| Datum der Fertigstellung | 3. März 2021 |\n\n"
        "1. Sicherheitslage\n\nAm 2. Februar 2021 wurden im Kreis Bandiagara, Region Mopti, mindestens 12 Zivilisten getötet.¹ "
        "Zwischen 1. Januar-28. Februar 2021 verzeichnete ACLED 41 Gewaltereignisse in der Region Mopti.²\n\n"
        "¹ Quelle A, Titel, 3. Februar 2021\n\n² ACLED, Datenexport, o.D.\n"
    ).encode()
    ex = extract_document(ingest_bytes(text, "de.txt"))
    assert ex.document.language == "de" and ex.metadata.date_of_completion == "2021-03-03"
    (fig,) = ex.facts.casualty_figures
    assert (fig.killed.min, fig.killed.qualifier, fig.date, fig.location, fig.admin1) == (
        12,
        "at_least",
        "2021-02-02",
        "Bandiagara",
        "Mopti",
    )
    (event,) = ex.facts.event_counts
    assert (event.category, event.count, event.period, event.area, event.provenance.footnotes) == (
        "violent_events",
        41,
        "2021-01-01/2021-02-28",
        "Mopti",
        [2],
    )
