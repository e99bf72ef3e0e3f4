"""The fast key functions of the knowledge base give the same keys as their definitions,
over every name of every knowledge file, and the lazy town lookups give what a dict of
every name would."""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata

import pytest

from schemas import kb
from schemas.kb import places


@pytest.fixture(scope="module")
def town_lines() -> dict[str, list[str]]:
    """Every GeoNames file's name fields (``|``-separated), by ISO2."""
    out = {}
    for path in sorted(places.GEONAMES_DIR.glob("*.tsv.gz")):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        out[path.name[:2]] = [line.rpartition("\t")[2] for line in text.split("\n") if line]
    return out


@pytest.fixture(scope="module")
def all_names(town_lines) -> set[str]:
    """Every name of every knowledge file (countries, OCHA units, exonyms, subdivisions,
    regions, actors, publishers), and every town name with a character beyond ASCII (the
    towns' ASCII names add no character, only time)."""
    names = {n for lines in town_lines.values() for line in lines for n in line.split("|") if not n.isascii()}
    for _iso2, _iso3, name, aliases in kb.countries():
        names.update((name, *aliases))
    _fields, body = kb._pcode_table()
    for row in csv.reader(body.splitlines()[1:]):
        names.update(row)
    with places.SUBDIVISIONS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names.update((row["name"], *row["aliases"].split("|")))
    for by_pcode in kb._exonyms().values():
        for found in by_pcode.values():
            names.update(found)
    for iso2 in {c[0] for c in kb.countries()}:
        for region in places.regions(iso2):
            names.update(region)
    for actor in kb.actors():
        names.update((*actor.names, *actor.local_aliases))
    for publisher in kb.publishers():
        names.update(publisher)
    # texts whose folding depends on the neighbours (a capital sigma), and odd characters
    names.update(("ΣΟΦΙΑ", "ΟΔΟΣ Σ", "Ϲ", "x\U0010ffffy", "ﬁ½", "İstanbul", "Ta'iz", "Al-Ḥudaydah", "al", ""))
    return names


def test_fold_is_its_definition_for_every_name(all_names):
    fold = kb.fold.__wrapped__  # every name once: no cache to fill
    differ = [n for n in all_names if fold(n) != kb._fold_text(n)]
    assert differ == []
    assert len(all_names) > 150_000


def test_translit_key_is_its_definition_for_every_name(all_names):
    translit_key = places.translit_key.__wrapped__
    differ = [n for n in all_names if translit_key(n) != places._translit_text(n)]
    assert differ == []


def test_a_capital_sigma_is_folded_by_its_place_in_the_word():
    assert kb.fold("ΟΔΟΣ") == "οδος"
    assert kb.fold("ΣΟΦΙΑ") == "σοφια"
    assert kb.fold_chars("ΟΔΟΣ") is None
    assert kb.fold("Al-Ḥudaydah") == "al hudaydah"
    assert places.translit_key("Al-Ḥudaydah") == places.translit_key("Hodeidah") == "hd"


def _bare_of(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(re.findall(r"[a-z0-9]+", text))


def test_a_town_files_keys_are_each_names_keys(town_lines):
    """The two key texts, made from a whole file at once, hold each name's ``name_key`` and
    stripped ``bare_key`` form, line by line and name by name, in every file."""
    for iso2, lines in town_lines.items():
        f = places._town_file(iso2)
        assert f.name_keys is not None and f.bare_names is not None, iso2
        keys = [line[1:-1].split("|") for line in f.name_keys.split("\n")]
        bare = [line[1:-1].split("|") for line in f.bare_names.split("\n")]
        assert keys == [[places.name_key(n) for n in line.split("|")] for line in lines], iso2
        assert bare == [[_bare_of(n) for n in line.split("|")] for line in lines], iso2
        places._town_file.cache_clear()


def _by_name(iso2: str) -> dict[str, list[places.Town]]:
    out: dict[str, list[places.Town]] = {}
    for t in places.towns(iso2):
        for n in t.names:
            out.setdefault(places.name_key(n), []).append(t)
    return out


def _by_bare(iso2: str) -> dict[str, places.Town]:
    out: dict[str, places.Town] = {}
    for t in sorted(places.towns(iso2), key=lambda t: -t.population):
        for n in t.names:
            out.setdefault(places.bare_key(n), t)
    return out


@pytest.mark.parametrize("iso2", ["AF", "SY", "ML", "MM"])
def test_town_lookups_are_what_a_dict_of_every_name_gives(iso2):
    by_name, by_bare = _by_name(iso2), _by_bare(iso2)
    lookups = places.towns_by_name(iso2)
    assert places._towns_by_key(iso2) == by_name
    assert len(lookups) == len(by_name) and list(lookups) == list(by_name)
    for key, found in by_name.items():
        assert lookups.get(key) == found and lookups[key] == found
    for key in ("", "zzzq", "a|b", "kabul\nkabul"):
        assert lookups.get(key) == by_name.get(key)
    for key, town in by_bare.items():
        assert places._town_file(iso2).most_populous_bare(key) == town
    assert places._town_file(iso2).most_populous_bare("zzzq") is None


def test_a_town_is_listed_once_for_each_of_its_names_with_that_key():
    kabul = places.towns_by_name("AF")["kabul"]
    assert kabul and all(t.country == "AF" for t in kabul)
    assert kabul == _by_name("AF")["kabul"]
    assert places.unit_coords("AF", "Kabul") is not None
    assert places.unit_coords("AF", "Al-Kabul") == places.unit_coords("AF", "Kabul")
    assert places.towns_by_name("ZZ").get("kabul") is None and places.unit_coords("ZZ", "Kabul") is None
