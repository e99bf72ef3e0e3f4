"""The language files' schema (issue 20): every key typed and checked at load, one word-list-to-
regex helper with the empty-list guard, regional words read from the knowledge base."""

import re
import tomllib
from pathlib import Path

import pytest

from schemas import kb, lang

LANG_DIR = Path(lang.__file__).parent


def _copy(tmp_path: Path, code: str, edit) -> Path:
    """A copy of a shipped language file, edited as TOML text, under tmp_path/<code>.toml."""
    text = (LANG_DIR / f"{code}.toml").read_text(encoding="utf-8")
    path = tmp_path / f"{code}.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("code", ["en", "fr", "de"])
def test_every_shipped_file_loads_whole(code):
    language = lang.load(code)
    assert language.code == code
    assert len(language.months) == len(language.month_aliases) == 12
    assert language.month_number(language.months[2]) == 3
    assert language.grammar.and_ and language.places.admin1 and language.numbers.words
    assert language.figures.stemmer in ("english", "french", "german")


def test_a_misspelt_key_fails_at_load_naming_file_and_key(tmp_path):
    path = _copy(tmp_path, "en", lambda t: t.replace("\nadmin3 = [", "\nadmn3 = [", 1))
    with pytest.raises(ValueError) as e:
        lang.read(path)
    message = str(e.value)
    assert str(path) in message
    assert "places.admn3: unknown key" in message
    assert "places.admin3: required key is missing" in message


def test_a_misspelt_section_fails_at_load(tmp_path):
    path = _copy(tmp_path, "fr", lambda t: t.replace("[areas]", "[area]", 1))
    with pytest.raises(ValueError) as e:
        lang.read(path)
    assert "area: unknown key" in str(e.value) and "areas: required key is missing" in str(e.value)


def test_a_missing_key_fails_at_load_naming_file_and_key(tmp_path):
    path = _copy(tmp_path, "de", lambda t: re.sub(r"\ncopula = \[[^\]]*\]", "", t, count=1))
    with pytest.raises(ValueError) as e:
        lang.read(path)
    assert str(e.value).startswith(str(path))
    assert "grammar.copula: required key is missing" in str(e.value)


def test_a_wrong_type_fails_at_load(tmp_path):
    path = _copy(tmp_path, "en", lambda t: t.replace('stemmer = "english"', 'stemmer = "klingon"', 1))
    with pytest.raises(ValueError, match=r"figures\.stemmer"):
        lang.read(path)
    path = _copy(tmp_path, "en", lambda t: t.replace('AF = ["afghan"]', 'Afghanistan = ["afghan"]', 1))
    with pytest.raises(ValueError, match=r"countries\.adjectives.*Afghanistan"):
        lang.read(path)


def test_a_file_named_for_another_language_fails(tmp_path):
    text = (LANG_DIR / "en.toml").read_text(encoding="utf-8")
    path = tmp_path / "xx.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="'en' is not the file's name"):
        lang.read(path)


def test_an_empty_word_list_never_matches():
    assert lang.alternation([]) == lang.NEVER
    for pattern in (lang.word_pattern([]), lang.word_pattern((), re.I, before="", after="")):
        assert pattern.search("") is None
        assert pattern.search("any text at all") is None


def test_a_word_list_becomes_one_pattern_longest_first():
    assert lang.alternation(["accessed", "last accessed"]) == r"last\s+accessed|accessed"
    pattern = lang.word_pattern(["cercle", "cercles", "a.b"])
    assert pattern.search("the Koro cercles").group() == "cercles"
    assert pattern.search("encercled") is None
    assert pattern.search("aXb") is None  # escaped
    assert lang.word_pattern(["last accessed"]).search("last \n accessed") is not None
    assert lang.word_pattern(("x", "y")) is lang.word_pattern(["x", "y"])  # compiled once per process


def test_regional_words_come_from_the_knowledge_base():
    for code in ("en", "fr", "de"):
        text = repr(tomllib.loads((LANG_DIR / f"{code}.toml").read_text(encoding="utf-8"))).lower()
        assert "minusma" not in text and "cercle" not in text and "katiba" not in text
    en = lang.load("en")
    assert {"cercle", "cercles"} <= set(en.places.admin2)
    assert {"attacks on minusma", "attacks against minusma"} <= set(en.events["attacks_on_peacekeepers"])
    assert "Katiba" in en.actors.heads_before["jihadist_group"]
    assert "attaques contre la minusma" in lang.load("fr").events["attacks_on_peacekeepers"]
    assert any("minusma" in r.missions for r in kb.regional_words())


def test_a_regional_file_with_a_bad_key_fails_naming_it(tmp_path):
    bad = tmp_path / "nowhere.toml"
    bad.write_text('countries = ["ML"]\n[extends]\n"places.admn2" = ["cercle"]\n', encoding="utf-8")
    data = tomllib.loads((LANG_DIR / "en.toml").read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="places.admn2"):
        lang.validate(lang.with_regional_words(data, [kb.read_regional(bad)]))
    bad.write_text('countries = ["ML"]\n[extends]\n"grammar.and.more" = ["x"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"nowhere\.toml: extends\.'grammar\.and\.more' names no word list"):
        lang.with_regional_words(data, [kb.read_regional(bad)])
    bad.write_text('countries = ["Mali"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"nowhere\.toml: countries"):
        kb.read_regional(bad)
    bad.write_text('countries = ["ML"]\nmisions = ["x"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"nowhere\.toml: unknown key\(s\) misions"):
        kb.read_regional(bad)


def test_mission_phrases_need_the_placeholder(tmp_path):
    path = _copy(tmp_path, "en", lambda t: t.replace('"attacks on {mission}"', '"attacks on the mission"', 1))
    with pytest.raises(ValueError, match=r"mission_events.*attacks on the mission"):
        lang.read(path)
