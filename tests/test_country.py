"""The report's country, date and reference period read from reports without a cover table."""

from __future__ import annotations

import pytest

from extractors.metadata import reference_period, report_date
from pipeline.app.run import extract_document
from pipeline.readers.ingest import ingest_bytes
from schemas import lang

EN, FR, DE = lang.load("en"), lang.load("fr"), lang.load("de")


def _meta(text: str, name: str = "report.txt"):
    ex = extract_document(ingest_bytes(text.encode(), name))
    return ex.metadata, [w.code for w in ex.warnings]


def test_country_from_adjectives_is_inferred_with_evidence():
    meta, warnings = _meta(
        "Weekly security note\n\nSyrian families kept arriving. Several Syrian towns were shelled "
        "and the Syrian authorities closed two crossings.\n"
    )
    assert meta.country == "Syria"
    assert "country" in meta.inferred
    assert "syrian" in meta.evidence["country"].lower()
    assert "metadata_missing" not in warnings


def test_the_title_outweighs_mentions_in_the_text():
    meta, _ = _meta(
        "Burkina Faso: security incidents in the north\n\nArmed groups crossed from Mali. Traders from Mali "
        "reported that the road to Mali was closed.\n"
    )
    assert meta.country == "Burkina Faso"
    assert meta.evidence["country"].startswith("score") and "title" in meta.evidence["country"]


def test_french_report_country_from_its_admin_units_and_adjectives():
    meta, _ = _meta(
        "Note de situation\n\nLes forces maliennes ont patrouillé dans la région de Mopti et dans le cercle de "
        "Bandiagara. Les habitants de Bankass ont fui.\n",
        "note.txt",
    )
    assert meta.country == "Mali"


def test_german_report_stand_date_and_country():
    meta, _ = _meta(
        "Kurzinformation\n\nStand: 12.04.2019\n\nDie irakische Armee hat die Kontrolle übernommen. "
        "Die irakischen Behörden meldeten Vertriebene in der Provinz Ninewa.\n",
        "info.txt",
    )
    assert (meta.country, meta.date_of_completion) == ("Iraq", "2019-04-12")
    assert meta.evidence["date_of_completion"].startswith("Stand")


def test_a_cover_table_wins_over_the_text():
    text = (
        "COI QUERY\n\n| | |\n|---|---|\n| Country of Origin | MALI |\n| Date of completion | 1 May 2021 |\n\n"
        "1. Security\n\nNiger and Nigerien forces were mentioned: Niger, Niger, Niger.\n"
    )
    meta, _ = _meta(text, "query.txt")
    assert meta.country == "Mali" and "country" not in meta.inferred


def test_metadata_missing_only_when_nothing_is_found():
    _, warnings = _meta("Notes\n\nThe meeting discussed the budget and the staff plan for next year.\n")
    assert "metadata_missing" in warnings
    _, warnings = _meta("Notes\n\nThe meeting in Nigeria discussed the budget.\n")
    assert "metadata_missing" not in warnings


@pytest.mark.parametrize(
    "head, language, expected",
    [
        ("Flash update\nLatest update: 24/03/2017\n", EN, "2017-03-24"),
        ("Country guidance\nLast updated: June 2019\n", EN, "2019-06"),
        ("Bulletin humanitaire, Niamey, 19 octobre 2017\n", FR, "2017-10-19"),
        ("Lagebericht\nStand: 12.04.2019\n", DE, "2019-04-12"),
    ],
)
def test_report_date(head, language, expected):
    assert report_date(head, language)[0] == expected


@pytest.mark.parametrize(
    "head, title, language, year, expected",
    [
        ("Protection report du 1er au 30 septembre 2021", "", FR, None, "2021-09-01/2021-09-30"),
        ("Civilian harm, 1 January – 30 June 2022", "", EN, None, "2022-01-01/2022-06-30"),
        ("This update covers events from 3 April to 2 May.", "", EN, 2021, "2021-04-03/2021-05-02"),
        ("REGION X, SECOND QUARTER 2020: incidents", "", EN, None, "2020-04-01/2020-06-30"),
        ("the third quarter (Q3) of 2020", "", EN, None, "2020-07-01/2020-09-30"),
        ("between October 2020 and February 2021", "", EN, None, "2020-10-01/2021-02-28"),
        ("KURZÜBERSICHT, JAHR 2020", "", DE, None, "2020-01-01/2020-12-31"),
        ("", "Returnees profile - March 2020", EN, None, "2020-03-01/2020-03-31"),
    ],
)
def test_reference_period(head, title, language, year, expected):
    assert reference_period(head, title, language, year)[0] == expected


def test_no_reference_period_from_a_dated_title():
    """A publication day in the title is a date, not the month the report covers."""
    assert reference_period("", "Humanitarian update No. 7 | 27 May 2021", EN) is None


def test_publisher_and_title_from_the_head():
    meta, _ = _meta(
        "Quarterly update: incidents in Ethiopia\n\nCompiled by ACCORD, 3 March 2022. Clashes in Ethiopia continued.\n"
    )
    assert (meta.publisher, meta.title, meta.date_of_completion) == (
        "ACCORD",
        "Quarterly update: incidents in Ethiopia",
        "2022-03-03",
    )


def test_an_events_date_is_not_the_reports():
    assert report_date("Afghanistan: update\n\nThe Taliban took Kabul on 15 August 2021.", EN) is None
