"""Armed actors: the knowledge base tied to countries, generic labels resolved to the report's
state, unidentified attackers, groups the list lacks, and name matching that keeps the
printed spans. All sentences are the tests' own."""

from __future__ import annotations

import pytest

from extractors.entities import actor_matcher, actors_output, find_actors, fold_spans, is_acronym
from extractors.sentences import Unit
from pipeline.app.run import extract_document
from pipeline.readers.ingest import ingest_bytes
from schemas import kb, lang
from schemas.document import Block, BlockKind


def _units(*texts: str) -> list[Unit]:
    units, pos = [], 0
    for i, text in enumerate(texts):
        block = Block(id=f"b{i}", kind=BlockKind.paragraph, text=text, page=1, start=pos, end=pos + len(text))
        units.append(Unit(text, pos, pos + len(text), block, i))
        pos += len(text) + 2
    return units


def actors(text: str, code: str = "en", country: str | None = None) -> set[tuple[str, str | None, str | None]]:
    """(name, kind, country) of every actor found in ``text``."""
    index = find_actors(_units(text), lang.load(code), "doc", country_iso2=country)
    return {(a.name, a.kind, a.country) for a in actors_output(index)}


NG_FORCES = ("Nigerian Armed Forces", "state_forces", "NG")
UNIDENTIFIED = "Unidentified armed groups"


# ---------------------------------------------------------------- knowledge base


def test_every_actor_has_a_gold_kind_and_real_countries():
    kinds = {"state_forces", "international_force", "jihadist_group", "communal_militia", "unidentified", "political"}
    entries = kb.actors()
    assert len(entries) > 150 and len({a.id for a in entries}) == len(entries)
    for a in entries:
        assert a.kind in kinds, a
        assert a.source, a
        for iso in a.countries:
            assert iso == kb.ANY_COUNTRY or kb.country(iso), (a.id, iso)
    for st in kb.states().values():
        assert kb.actor(st.forces) is not None, st


@pytest.mark.parametrize(
    "iso2",
    [
        "AF",
        "PK",
        "SY",
        "IQ",
        "IR",
        "YE",
        "LY",
        "SO",
        "ET",
        "ER",
        "SD",
        "SS",
        "NG",
        "TD",
        "ML",
        "BF",
        "NE",
        "CM",
        "CF",
        "CD",
        "BI",
        "MZ",
        "MM",
        "UA",
        "RU",
        "CO",
    ],
)
def test_each_covered_country_has_its_state_forces_and_actors(iso2):
    assert kb.actor(kb.states()[iso2].forces).kind == "state_forces"
    assert any(iso2 in a.countries and a.kind != "state_forces" for a in kb.actors()) or iso2 in ("RU", "ER")


# ---------------------------------------------------------------- names, transliterations, spans


@pytest.mark.parametrize(
    "printed, name",
    [
        ("Taleban", "Taliban"),
        ("al-Shabab", "Al-Shabaab"),
        ("Harakat al-Shabaab al-Mujahideen", "Al-Shabaab"),
        ("ISIS-K", "Islamic State Khorasan Province"),
        ("IS-KP", "Islamic State Khorasan Province"),
        ("Hashd al-Shaabi", "Popular Mobilization Forces"),
        ("QSD", "Syrian Democratic Forces"),
        ("Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "Boko Haram"),
        ("ISIS-WA", "Islamic State West Africa Province"),
        ("Ansar Allah", "Houthis"),
        ("Amba boys", "Ambazonian separatists"),
        ("anti-Balaka", "Anti-Balaka"),
        ("Tatmadaw", "Myanmar Armed Forces"),
        ("Clan del Golfo", "Gaitanist Army of Colombia"),
    ],
)
def test_aliases_and_transliterations_name_one_actor(printed, name):
    assert {n for n, _, _ in actors(f"Fighters of the {printed} attacked the market.")} == {name}


def test_folded_match_keeps_the_printed_span():
    text = "Selon la police, l’État  Islamique au Grand-Sahara a revendiqué l’attaque."
    (actor,) = actors_output(find_actors(_units(text), lang.load("fr"), "doc"))
    (mention,) = actor.mentions
    assert text[mention.start : mention.end] == "État  Islamique au Grand-Sahara"
    assert actor.name == "Islamic State in the Greater Sahara"
    folded, starts = fold_spans("  Ça-va  Déjà")
    assert (folded, starts[0], starts[3], starts[-1]) == ("ca va deja", 2, 5, 12)


def test_acronyms_match_as_printed_and_as_words_only():
    assert is_acronym("FAMa") and is_acronym("M23") and is_acronym("3R") and not is_acronym("Al-Qaida")
    assert actors("The SAF and the RSF fought in Khartoum.") == {
        ("Sudanese Armed Forces", "state_forces", "SD"),
        ("Rapid Support Forces", "state_forces", "SD"),
    }
    assert actors("Safe passage for the Saf family; the SAFER programme and HTSX code.") == set()
    assert actors("Die Adf-Gruppe und Hts-Werte sind keine Akteure.", "de") == set()
    assert {n for n, _, _ in actors("M23-held areas grew.")} == {"March 23 Movement"}


def test_names_inside_words_and_headings_in_capitals_are_not_actors():
    assert actors("Talibanisation of schools and the writings of Fanon were discussed.") == set()
    assert actors("WHAT IS THE ROLE OF THE ADF AND THE HTS IN THIS REGION") == set()


def test_an_institution_of_a_mission_is_not_an_armed_actor():
    assert actors("The UNMISS Human Rights Division documented 12 incidents.") == set()
    assert {n for n, _, _ in actors("UNMISS peacekeepers patrolled the road.")} == {"UNMISS"}


# ---------------------------------------------------------------- countries


def test_generic_labels_resolve_to_the_report_country_one_item_per_state():
    text = "Security forces and soldiers arrested 12 men; government forces later withdrew."
    assert actors(text, country="NG") == {NG_FORCES}
    assert actors(text, country="BF") == {("Burkina Faso Armed Forces", "state_forces", "BF")}
    assert actors(text, country="KE") == {("Kenya state forces", "state_forces", "KE")}
    assert actors(text) == set()  # no report country: a generic label stays unresolved


def test_shared_acronyms_follow_the_report_country():
    text = "Les FDS ont repoussé une attaque contre Djibo."
    assert actors(text, "fr", "BF") == {("Burkina Faso Armed Forces", "state_forces", "BF")}
    assert actors(text, "fr", "ML") == {("Malian Armed Forces", "state_forces", "ML")}
    assert actors(text, "fr", "SY") == {("Syrian Democratic Forces", "political", "SY")}
    assert actors(text, "fr") == set()
    assert actors("ADF fighters burned houses.", country="CM") == {("Ambazonian separatists", "political", "CM")}
    assert actors("ADF fighters burned houses.", country="CD") == {("Allied Democratic Forces", "jihadist_group", "CD")}
    assert actors("Al-Shabaab attacked Mocímboa da Praia.", country="MZ") == {
        ("Ansar al-Sunna", "jihadist_group", "MZ")
    }
    assert actors("Al-Shabaab attacked Baidoa.", country="SO") == {("Al-Shabaab", "jihadist_group", "SO")}


def test_local_names_count_only_in_a_report_on_their_country():
    assert actors("The de facto authorities detained two journalists.", country="AF") == {
        ("Taliban", "jihadist_group", "AF")
    }
    assert actors("The de facto authorities detained two journalists.", country="YE") == {
        ("Houthis", "political", "YE")
    }
    assert actors("The de facto authorities detained two journalists.") == set()
    assert actors("Armed separatists burned a school.", country="CM") == {("Ambazonian separatists", "political", "CM")}
    assert {n for n, _, _ in actors("The PDF report lists attacks.", country="NG")} == set()


def test_an_adjective_ties_a_label_to_its_state_and_another_state_is_international():
    assert actors("Nigerian security forces repelled the attack.") == {NG_FORCES}
    assert actors("Des patrouilles des armées nigériennes et maliennes ont eu lieu.", "fr", "NE") == {
        ("Nigerien Armed Forces", "state_forces", "NE"),
        ("Malian Armed Forces", "international_force", "ML"),
    }
    assert actors("Die afghanischen Sicherheitskräfte meldeten Verluste.", "de") == {
        ("Afghan National Defence and Security Forces", "state_forces", "AF")
    }
    assert actors("South Sudanese soldiers crossed the border.", country="SD") == {
        ("South Sudan People's Defence Forces", "international_force", "SS")
    }
    assert actors("Pakistani forces shelled the border district.", country="AF") == {
        ("Pakistan Armed Forces", "international_force", "PK")
    }
    # an unknown qualifier is not the state: "Amhara forces", "anti-government forces"
    assert actors("On Monday, Amhara security forces and anti-government forces clashed.", country="ET") == set()


def test_acled_strings_and_foreign_forces_are_tied_to_their_state():
    assert actors("Police Forces of Nigeria (2015-2023) arrested 4 men.", country="ML") == {
        ("Nigerian Armed Forces", "international_force", "NG")
    }
    assert actors("Military Forces of France clashed with JNIM.", country="ML") == {
        ("Operation Barkhane", "international_force", "FR"),
        ("Jama'at Nusrat al-Islam wal-Muslimin", "jihadist_group", "ML"),
    }
    assert actors("L'armée du Niger et les forces armées du Burkina Faso ont patrouillé.", "fr", "ML") == {
        ("Nigerien Armed Forces", "international_force", "NE"),
        ("Burkina Faso Armed Forces", "international_force", "BF"),
    }
    # German capitalises nouns: "Dutzende" is no unknown qualifier of "Soldaten"
    assert actors("Dutzende Soldaten wurden getötet.", "de", "ML") == {("Malian Armed Forces", "state_forces", "ML")}


def test_adjectives_and_nouns_used_attributively_are_not_actors():
    assert actors("Military operations and police stations were reported.", country="NG") == set()
    assert actors("The military killed 3 suspects.", country="NG") == {NG_FORCES}
    assert actors("Les opérations militaires et un camp militaire.", "fr", "ML") == set()
    assert actors("Trois militaires ont été tués.", "fr", "ML") == {("Malian Armed Forces", "state_forces", "ML")}


def test_national_bodies_are_tied_to_the_report_country():
    assert actors("The Gendarmerie nationale opened an inquiry.", "fr", "NE") == {
        ("Gendarmerie nationale", "state_forces", "NE")
    }


# ---------------------------------------------------------------- unidentified attackers


@pytest.mark.parametrize(
    "code, text",
    [
        ("en", "Unidentified gunmen killed 4 farmers; unknown armed men later burned the market."),
        ("fr", "Des hommes armés non identifiés ont tué 4 personnes ; des individus armés ont incendié le marché."),
        ("de", "Unbekannte Bewaffnete töteten 4 Menschen; bewaffnete Männer brannten den Markt nieder."),
    ],
)
def test_unidentified_attackers_are_one_actor(code, text):
    index = find_actors(_units(text), lang.load(code), "doc", country_iso2="NE")
    (actor,) = actors_output(index)
    assert (actor.name, actor.kind, actor.country, len(actor.mentions)) == (UNIDENTIFIED, "unidentified", "NE", 2)


def test_gunmen_a_name_qualifies_are_not_unidentified():
    assert actors("ISWAP gunmen attacked a convoy; suspected Boko Haram gunmen burned a school.", country="NG") == {
        ("Islamic State West Africa Province", "jihadist_group", "NG"),
        ("Boko Haram", "jihadist_group", "NG"),
    }


# ---------------------------------------------------------------- groups the list lacks


def test_groups_the_list_lacks_are_found_from_their_definition_or_pattern():
    assert actors("Fighters of the Kadiweu Liberation Movement (KLM) raided the camp.") == {("KLM", "political", None)}
    assert actors("Attacks by non-state armed groups (NSAGs) rose.") == {("NSAGs", "unidentified", None)}
    assert actors("Des groupes armés non étatiques (GANE) ont attaqué.", "fr") == {("GANE", "unidentified", None)}
    assert actors("The Hamza Brigade shelled the town.") == {("Hamza Brigade", "political", None)}
    assert actors("The Kokodo militia burned two villages.") == {("Kokodo militia", "communal_militia", None)}
    assert actors("La milice Kokodo a incendié deux villages ; la Katiba Serma a revendiqué.", "fr") == {
        ("milice Kokodo", "communal_militia", None),
        ("Katiba Serma", "jihadist_group", None),
    }
    assert actors("Die Kokodo-Miliz griff zwei Dörfer an.", "de") == {("Kokodo-Miliz", "communal_militia", None)}
    # a state or a function word is no group name
    assert actors("The Kenya Defence Forces and The militia withdrew.") == set()


# ---------------------------------------------------------------- matcher and report


def test_the_matcher_is_built_once_per_language():
    en = lang.load("en")
    assert actor_matcher(en) is actor_matcher(en)
    assert actor_matcher(en) is not actor_matcher(lang.load("fr"))
    assert actor_matcher(en).size > 1000


def test_a_report_with_its_country_resolves_generic_labels():
    text = (
        "REQUÊTE COI\n\n| | |\n|---|---|\n| Pays d'origine | BURKINA FASO |\n| Date de finalisation | 3 mars 2021 |\n\n"
        "1. Sécurité\n\nLe 2 février 2021, les forces de sécurité et les VDP ont repoussé une attaque du JNIM près de Djibo.\n"
    ).encode()
    ex = extract_document(ingest_bytes(text, "fr.txt"))
    assert {(a.name, a.kind, a.country) for a in ex.facts.actors} == {
        ("Burkina Faso Armed Forces", "state_forces", "BF"),
        ("Volunteers for the Defence of the Homeland", "state_forces", "BF"),
        ("Jama'at Nusrat al-Islam wal-Muslimin", "jihadist_group", "BF"),
    }
