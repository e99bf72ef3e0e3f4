"""The figure passes, one class of statement at a time, in English, French and German.

Every case pins what each figure of a sentence counts (value, field or category or population,
victims); ``test_every_pass_is_needed`` removes each pass in turn and checks that some case
then reads differently, so no pass is dead weight and none can be dropped silently."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from extractors.figures import PASSES, find_mentions, read_unit, tokenize
from extractors.quantities import find_quantities
from extractors.sentences import Unit
from schemas import lang
from schemas.document import Block, BlockKind

LANG_DIR = Path(lang.__file__).parent

# (language, sentence, [(printed figure, min, max, what it counts, victims)]); "what it counts" is
# "casualty:<field>", "event:<category>", "population:<population>" or None.
CASES = [
    # counted_noun, verb_before, together: one clause, killed and injured of the same victims
    (
        "en",
        "Gunmen raided the market, killing 5 and injuring 8 people.",
        [("5", 5, 5, "casualty:killed", "people"), ("8", 8, 8, "casualty:injured", "people")],
    ),
    # counted_noun + predicate + coordinated_victims: one verb, three victim groups
    (
        "en",
        "In the attack 12 soldiers, 3 police officers and 20 civilians were killed.",
        [
            ("12", 12, 12, "casualty:killed", "soldiers"),
            ("3", 3, 3, "casualty:killed", "police"),
            ("20", 20, 20, "casualty:killed", "civilians"),
        ],
    ),
    # sub_count: "of whom"
    (
        "en",
        "At least 40 people were killed, of whom 8 children.",
        [("At least 40", 40, None, "casualty:killed", "people"), ("8", 8, 8, "casualty:killed", "children")],
    ),
    # elliptical: "15 in May and 21 in June"; a month before a figure is no date
    (
        "en",
        "The monitor recorded 15 attacks in May and 21 in June.",
        [("15", 15, 15, "event:attacks", None), ("21", 21, 21, "event:attacks", None)],
    ),
    ("en", "In May 15 attacks targeted schools.", [("15", 15, 15, "event:attacks", None)]),
    # unsplit_casualties
    ("en", "The strike caused 390 casualties.", [("390", 390, 390, "casualty:casualties", None)]),
    (
        "en",
        "The clinic counted 540 casualties (210 killed, 330 injured).",
        [
            ("540", 540, 540, None, None),
            ("210", 210, 210, "casualty:killed", None),
            ("330", 330, 330, "casualty:injured", None),
        ],
    ),
    (
        "en",
        "The fighting caused 540 civilian casualties (210 killed, 330 injured).",
        [
            ("540", 540, 540, None, "civilians"),
            ("210", 210, 210, "casualty:killed", "civilians"),
            ("330", 330, 330, "casualty:injured", "civilians"),
        ],
    ),
    # predicate (displaced) + number formats
    (
        "en",
        "Some 2.6 million people remain displaced.",
        [("Some 2.6 million", 2600000, 2600000, "population:idps", "people")],
    ),
    # stocks_not_changes
    ("en", "The number of IDPs rose by an increase of 2,400 compared with March.", [("2,400", 2400, 2400, None, None)]),
    ("en", "Displacement grew by an increase of 2,400 IDPs.", [("2,400", 2400, 2400, None, None)]),
    (
        "fr",
        "On note une hausse de 1 300 personnes déplacées.",
        [("une", 1, 1, None, None), ("1 300", 1300, 1300, None, None)],
    ),
    # returned: refugees who return are returnees from abroad, IDPs who return IDP returnees
    (
        "en",
        "Around 4,100 Sudanese refugees returned from Chad, and 9,500 IDPs returned to their villages.",
        [
            ("Around 4,100", 4100, 4100, "population:returnees_from_abroad", None),
            ("9,500", 9500, 9500, "population:idp_returnees", None),
        ],
    ),
    # a category named only in the predicate ("of which 12 were airstrikes"); words between figure and noun
    (
        "en",
        "ACLED recorded more than 40 separate security incidents, of which 12 were airstrikes.",
        [("more than 40", 41, None, "event:attacks", None), ("12", 12, 12, "event:explosions_remote_violence", None)],
    ),
    # caused_by
    (
        "en",
        "Heavy shelling, which caused 31 incidents, hit the district.",
        [("31", 31, 31, "event:explosions_remote_violence", None)],
    ),
    # rates
    (
        "en",
        "There were 9 civilian deaths per 10 000 inhabitants.",
        [("9", 9, 9, None, "civilians"), ("10 000", 10000, 10000, None, None)],
    ),
    # from_to
    (
        "en",
        "Civilian fatalities fell from 120 to 85.",
        [("120", 120, 120, "casualty:killed", "civilians"), ("85", 85, 85, "casualty:killed", "civilians")],
    ),
    # copula
    (
        "en",
        "Deaths caused by the fighting were approximately 2 500.",
        [("approximately 2 500", 2500, 2500, "casualty:killed", None)],
    ),
    # victims_named_apart
    ("en", "The clashes left 60 injured among the protesters.", [("60", 60, 60, "casualty:injured", "protesters")]),
    (
        "en",
        "Some 1,223 civilians were affected (500 killed, 299 injured).",
        [
            ("Some 1,223", 1223, 1223, None, "civilians"),
            ("500", 500, 500, "casualty:killed", "civilians"),
            ("299", 299, 299, "casualty:injured", "civilians"),
        ],
    ),
    # topical: a monitor's bare "incidents" after a count of violations
    (
        "en",
        "The mission documented 23 human rights violations; armed groups committed 13 incidents.",
        [("23", 23, 23, "event:human_rights_violations", None), ("13", 13, 13, "event:human_rights_violations", None)],
    ),
    # shared_noun
    (
        "en",
        "The camps hosted 35,000 – 40,000 and 10,000 – 10,100 IDPs, respectively.",
        [
            ("35,000 – 40,000", 35000, 40000, "population:idps", None),
            ("10,000 – 10,100", 10000, 10100, "population:idps", None),
        ],
    ),
    # executions: the executed are civilians unless named
    ("en", "The militia executed 7 in the village.", [("7", 7, 7, "casualty:executed", "civilians")]),
    # recorded_stock, people_of_the_context: a bare recorded count is of the population the section is about
    ("en", "The total stood at 4 503 registered in the region.", [("4 503", 4503, 4503, "population:<context>", None)]),
    (
        "en",
        "IOM reported 581 550 individuals in the region.",
        [("581 550", 581550, 581550, "population:<context>", "people")],
    ),
    # anaphora
    (
        "en",
        "ACLED recorded 250 violent events, of which 124 were in the region.",
        [("250", 250, 250, "event:violent_events", None), ("124", 124, 124, "event:violent_events", None)],
    ),
    # attacks_named_again, back_references
    (
        "en",
        "There were 343 targeted attacks on civilians and 293 such attacks in May.",
        [
            ("343", 343, 343, "event:targeted_attacks_on_civilians", None),
            ("293", 293, 293, "event:targeted_attacks_on_civilians", None),
        ],
    ),
    (
        "en",
        "Of the 343 attacks, 165 were attributed to militias.",
        [("343", 343, 343, "back:event:attacks", None), ("165", 165, 165, "event:attacks", None)],
    ),
    # both_categories
    (
        "en",
        "In Kaya: 2 violent events, both incidents of violence against civilians.",
        [("2", 2, 2, "event:violent_events", None), (", both ", 2, 2, "event:violence_against_civilians", None)],
    ),
    # French: inflection, words between figure and noun, monitors' violations, unsplit, sub-counts
    (
        "fr",
        "Au moins 12 civils ont été tués et trois personnes blessées dans l'attaque.",
        [("Au moins 12", 12, None, "casualty:killed", "civilians"), ("trois", 3, 3, "casualty:injured", "people")],
    ),
    (
        "fr",
        "Le cluster a documenté plus de 300 incidents sécuritaires dont 45 incidents de protection.",
        [("plus de 300", 301, None, "event:attacks", None), ("45", 45, 45, "event:human_rights_violations", None)],
    ),
    ("fr", "L'attaque a fait 212 victimes civiles.", [("212", 212, 212, "casualty:casualties", None)]),
    (
        "fr",
        "Quelque 43 750 personnes déplacées internes et 1 200 personnes retournées ont été recensées.",
        [
            ("Quelque 43 750", 43750, 43750, "population:idps", None),
            ("1 200", 1200, 1200, "population:idp_returnees", "people"),
        ],
    ),
    (
        "fr",
        "Les assaillants ont tué 9 personnes, dont 5 femmes.",
        [("9", 9, 9, "casualty:killed", "people"), ("5", 5, 5, "casualty:killed", "women")],
    ),
    (
        "fr",
        "Les attaques : 14 en mars et 19 en avril.",
        [("14", 14, 14, "event:attacks", None), ("19", 19, 19, "event:attacks", None)],
    ),
    (
        "fr",
        "Plus de 5.400 réfugiés ont été rapatriés.",
        [("Plus de 5.400", 5401, None, "population:returnees_from_abroad", None)],
    ),
    (
        "fr",
        "Une attaque visant un poste de police a été signalée.",
        [("Une", 1, 1, "event:attacks", None), ("un", 1, 1, None, None)],
    ),
    # German: no model; stems, compounds, number words and formats from the language file
    (
        "de",
        "Bei dem Anschlag kamen mindestens 12 Menschen ums Leben.",
        [("mindestens 12", 12, None, "casualty:killed", "people")],
    ),
    (
        "de",
        "Die Mission zählte 17 sicherheitsrelevante Vorfälle und 4 Selbstmordanschläge.",
        [("17", 17, 17, "event:attacks", None), ("4", 4, 4, "event:attacks", None)],
    ),
    (
        "de",
        "Es gab sieben Tote und 19 Verletzte, darunter 4 Kinder.",
        [
            ("sieben", 7, 7, "casualty:killed", None),
            ("19", 19, 19, "casualty:injured", None),
            ("4", 4, 4, "casualty:injured", "children"),
        ],
    ),
    (
        "de",
        "Rund 1,5 Millionen Binnenvertriebene leben in Lagern.",
        [("Rund 1,5 Millionen", 1500000, 1500000, "population:idps", None)],
    ),
    ("de", "Im Jahr wurden 43.750 Menschen vertrieben.", [("43.750", 43750, 43750, "population:idps", "people")]),
    ("de", "Dabei wurden vier Zivilisten getötet.", [("vier", 4, 4, "casualty:killed", "civilians")]),
]


def _read(code: str, text: str, passes=None) -> list[tuple]:
    block = Block(id="b", kind=BlockKind.paragraph, text=text, page=1, start=0, end=len(text))
    out = []
    for r in read_unit(Unit(text, 0, len(text), block, 0), lang.load(code), None, passes=passes):
        kind = (
            f"casualty:{r.casualty}"
            if r.casualty
            else f"event:{r.event}"
            if r.event
            else f"population:{r.population}"
            if r.population
            else None
        )
        if r.back_reference:
            kind = f"back:{kind}"
        out.append((text[r.q.start : r.q.end], r.q.count.min, r.q.count.max, kind, r.victims))
    return out


@pytest.mark.parametrize("code, text, expected", CASES, ids=[f"{c}:{t[:40]}" for c, t, _ in CASES])
def test_what_each_figure_counts(code, text, expected):
    assert _read(code, text) == expected


@pytest.mark.parametrize("name", [p.__name__ for p in PASSES])
def test_every_pass_is_needed(name):
    """Without any one pass, some sentence above is read differently."""
    passes = [p for p in PASSES if p.__name__ != name]
    changed = [text for code, text, expected in CASES if _read(code, text, passes) != expected]
    assert changed, f"no case needs the pass {name}"


def test_mentions_match_inflections_and_compounds():
    de = lang.load("de")
    kinds = {
        (m.kind, m.label)
        for m in find_mentions(tokenize("Selbstmordanschläge mit sieben Toten und 19 Verletzten", de), de)
    }
    assert kinds == {
        ("event", "attacks"),
        ("casualty", "killed"),
        ("casualty", "injured"),
        ("casualty_before", "killed"),
        ("casualty_before", "injured"),
        ("elliptical_before", ""),
    }
    fr = lang.load("fr")
    kinds = {(m.kind, m.label) for m in find_mentions(tokenize("tuées blessées enlevées", fr), fr)}
    assert kinds == {
        ("casualty", "killed"),
        ("casualty", "injured"),
        ("casualty", "abducted"),
        ("casualty_before", "killed"),
        ("casualty_before", "injured"),
        ("casualty_before", "abducted"),
    }


@pytest.mark.parametrize(
    "code, text, value",
    [
        ("fr", "43 750 personnes", 43750),
        ("de", "43.750 Menschen", 43750),
        ("fr", "57.405 réfugiés", 57405),
        ("de", "1,5 Millionen Menschen", 1500000),
        ("en", "2.6 million people", 2600000),
        ("en", "two million people", 2000000),
        ("en", "a dozen people", 12),
        ("en", "twenty-two people", 22),
        ("fr", "vingt-deux personnes", 22),
        ("fr", "trois personnes", 3),
        ("de", "zehn Menschen", 10),
        ("en", "311,193 IDPs", 311193),
    ],
)
def test_number_formats(code, text, value):
    (q,) = find_quantities(text, lang.load(code))
    assert q.value == value


def test_decimals_dates_and_hyphens_are_no_counts():
    en = lang.load("en")
    assert find_quantities("an average of 3.5 incidents per week", en) == []
    assert find_quantities("two-thirds of the incidents on May 15, 2020", en) == []


def test_a_misspelt_or_missing_key_fails_at_load():
    data = tomllib.loads((LANG_DIR / "en.toml").read_text(encoding="utf-8"))
    data["events"]["batles"] = data["events"].pop("battles")
    with pytest.raises(ValueError, match="batles"):
        lang.validate(data)
    data = tomllib.loads((LANG_DIR / "fr.toml").read_text(encoding="utf-8"))
    del data["displacement"]["returned"]
    with pytest.raises(ValueError, match="displacement.returned"):
        lang.validate(data)
    data = tomllib.loads((LANG_DIR / "de.toml").read_text(encoding="utf-8"))
    data["victim_groups"]["kinder"] = data["victim_groups"].pop("children")
    with pytest.raises(ValueError, match="victim_groups"):
        lang.validate(data)


def test_a_long_line_with_many_figures_is_read_in_one_pass():
    """Issue 14, item 10: one 200 KB line of figures with no full stop took minutes (the number
    check re-read the whole line before each figure). Each check now reads a bounded window."""
    en = lang.load("en")
    piece = "in 2021 some 12 people fled and 3 were killed near Mopti, "
    text = piece * (200_000 // len(piece))
    found = find_quantities(text, en)
    assert len(found) == 2 * (200_000 // len(piece))
    assert {q.value for q in found} == {12, 3}
    block = Block(id="b", kind=BlockKind.paragraph, text=text, page=1, start=0, end=len(text))
    assert (
        read_unit(Unit(text, 0, len(text), block, 0), en, None) == []
    )  # no sentence: a run-on line is not read as prose
