"""Places of every country: gazetteer lookups, transliteration variants, cue words, town vs
admin unit, coordinates, and common words that are not places."""

from __future__ import annotations

import csv
import io

import pytest

from pipeline.app.run import extract_document
from pipeline.readers.ingest import ingest_bytes
from pipeline.tools.export import events_csv
from schemas import kb
from schemas.kb import places as kb_places


def _places(text: str, name: str = "report.txt") -> dict[tuple[str, str], object]:
    ex = extract_document(ingest_bytes(text.encode(), name))
    return {(p.name, p.type): p for p in ex.facts.places}


@pytest.mark.parametrize(
    "a, b",
    [
        ("Al-Hudaydah", "Hodeidah"),
        ("Jawzjan", "Jowzjan"),
        ("Tillabéri", "Tillabery"),
        ("Sar-i-Pul", "Sar-e-Pul"),
        ("Al-Anbar", "Anbar"),
        ("Sulaimaniya", "Sulaymaniyah"),
        ("Qaboun", "Qabun"),
        ("Zana Khan", "Zanakhan"),
    ],
)
def test_transliteration_variants_share_one_key(a, b):
    assert kb_places.translit_key(a) == kb_places.translit_key(b)


def test_different_names_keep_different_keys():
    assert kb_places.translit_key("Est") != kb_places.translit_key("Ouest")
    assert not kb_places.similar("Morden", "Maradun")  # same consonants, not the same name
    assert kb_places.usable_key("Tuz") is None  # too short to join names on


def test_geonames_towns_carry_coordinates_and_admin1():
    kukawa = max((t for t in kb_places.towns("NG") if t.name == "Kukawa"), key=lambda t: t.population)
    assert (round(kukawa.lat, 2), round(kukawa.lon, 2)) == (12.92, 13.57)
    # the admin-1 name comes from the unit whose namesake town shares the GeoNames admin-1 code
    funtua = max((t for t in kb_places.towns("NG") if t.name == "Funtua"), key=lambda t: t.population)
    assert funtua.admin1 == "Katsina"


def test_country_names_in_the_reports_language():
    assert [kb.country(n)[0] for n in ("Irak", "Tschad", "Kamerun", "Tchad", "Syrie")] == ["IQ", "TD", "CM", "TD", "SY"]


def test_iso_subdivisions_stand_in_where_ocha_has_no_table():
    gaz = kb.gazetteer("SAU")
    assert any(p.type == "admin1" and p.pcode.startswith("SA") for p in gaz)
    cameroon = {p.name: p for p in kb.gazetteer("CMR") if p.type == "admin1"}
    assert "Far North" in cameroon["Extreme-Nord"].aliases and "East" in cameroon["Est"].aliases


def test_a_town_named_with_its_state():
    found = _places(
        "Nigeria: security update\n\nGunmen killed five farmers in Kukawa town, Borno state, on 3 May 2022.\n"
    )
    kukawa, borno = found[("Kukawa", "populated_place")], found[("Borno", "admin1")]
    assert (kukawa.country, kukawa.admin1, kukawa.geo_precision) == ("NG", "Borno", 1)
    assert (round(kukawa.lat, 2), round(kukawa.lon, 2)) == (12.92, 13.57)
    assert (borno.pcode, borno.country) == ("NG008", "NG")


def test_a_spelling_variant_is_the_gazetteer_unit():
    found = _places(
        "Yemen: monthly note\n\nShelling continued in Hajja and the front lines near Al-Jawf stayed active.\n"
    )
    hajjah = found[("Hajjah", "admin1")]
    assert "Hajja" in hajjah.aliases and hajjah.pcode.startswith("YE")
    assert ("Al Jawf", "admin1") in found


def test_cue_lists_in_three_languages():
    en = _places("Mali: note\n\nArmed men attacked the villages of Dabrakoy, Sinkoro and Tembali in Mopti region.\n")
    assert {n for n, t in en if t == "populated_place"} == {"Dabrakoy", "Sinkoro", "Tembali"}
    fr = _places(
        "Niger : note\n\nDes incidents ont touché les communes de Wuradi (Sara, Benga) et Kelbori, Région de Tillabéri.\n",
        "fr.txt",
    )
    assert {n for n, t in fr if t == "admin3"} == {"Wuradi", "Kelbori"} and ("Tillaberi", "admin1") in fr
    de = _places("Afghanistan\n\nIn der Provinz Nangarhar und im Distrikt Zanakhan kam es zu Kämpfen.\n", "de.txt")
    assert ("Nangarhar", "admin1") in de


def test_town_or_admin_unit_from_the_wording():
    fr = _places("Niger : note\n\nLa ville de Diffa a accueilli des déplacés venus de la région de Diffa.\n", "fr.txt")
    assert {t for n, t in fr if kb.fold(n) == "diffa"} == {"populated_place", "admin1"}
    bare = _places("Niger: note\n\nSeveral attacks were reported in Diffa last week.\n")
    assert {t for n, t in bare if kb.fold(n) == "diffa"} == {"admin1"}


def test_another_country_counts_where_the_displaced_went():
    found = _places(
        "Syria: update\n\nSyrian refugees registered in Lebanon and Jordan. A delegation of France visited Syria.\n"
    )
    countries = {n for n, t in found if t == "country"}
    assert countries == {"Syria", "Lebanon", "Jordan"}
    assert found[("Lebanon", "country")].country == "LB"


def test_a_neighbours_units_need_a_cue():
    found = _places("Niger: note\n\nNigerian refugees arrived in Maradi from Sokoto and Zamfara states.\n")
    assert found[("Sokoto", "admin1")].country == "NG" and found[("Maradi", "admin1")].country == "NE"


def test_common_words_are_not_places():
    found = _places(
        "Côte d'Ivoire: note\n\nMan of the Mission said: Of the Union members, Des and Nord left. "
        "Most families stayed.\n"
    )
    assert {n for n, t in found if t != "country"} == set()


def test_events_export_carries_the_place_columns():
    ex = extract_document(
        ingest_bytes(
            b"Nigeria: update\n\nOn 3 May 2022 gunmen killed 5 farmers in Kukawa town, Borno state.\n", "ng.txt"
        )
    )
    rows = list(csv.DictReader(io.StringIO(events_csv(ex))))
    assert [(r["country"], r["admin1"], r["location"], r["geo_precision"], r["latitude"][:5]) for r in rows] == [
        ("Nigeria", "Borno", "Kukawa", "1", "12.92")
    ]


def test_a_place_named_after_the_country_is_not_the_country():
    found = _places("Sudan: note\n\nThe envoy flew from Port Sudan to Kassala.\n")
    assert ("Port Sudan", "admin2") in found  # the OCHA locality named after the town (bare names: admin unit first)
    assert [m.evidence for m in found[("Sudan", "country")].mentions] == ["Sudan: note"]
