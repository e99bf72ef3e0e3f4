"""The shortcuts the extractors take for speed give what the slow way gives.

- Gates and backward reads: a gate made of substring tests never closes on a text its pattern
  matches, backward scans find what the end-anchored regexes found, text folded at C speed has
  the words and offsets the character loop gives, the per-report memo of dates returns what
  ``find_dates`` returns.
- Narrowed scans: a pattern tried only where a word could start it
  (:class:`schemas.lang.WordStarts`), a case-sensitive word list that reads its first letter
  before its boundary, many one-word gates read with one automaton, the two words before a label
  read backwards, a text folded by a bytes table, and the bounded searches of the figures,
  dates and bibliography readers."""

from __future__ import annotations

import itertools
import re

import pytest

from extractors.bibliography import parse_entry
from extractors.dates import _matches, _patterns, dates_memo, find_dates, number_before
from extractors.entities import _name_windows, _shouting, _two_words_before, fold_spans, fold_words
from extractors.figures import _compound_entries
from extractors.metadata import publisher
from extractors.quantities import _exclusion_matches, _exclusions, _figure_matches, _pattern, find_quantities
from extractors.sentences import _word_before, list_entries, split_sentences
from schemas import lang
from schemas.extraction import normalize_evidence
from schemas.kb.places import _FOLD, char_fold, squeeze_spaces

WORDS = ("state", "states", "région", "sub-district", "Kilo", "last accessed")

GATE_TEXTS = [
    "the ſtate of Borno",  # long s: re.I takes it for s
    "\u212aILO 12",  # Kelvin sign: re.I takes it for k
    "Région de Mopti",
    "RÉGION DE MOPTI",
    "the Sub-District of Tal Afar",
    "last\n  accessed on 3 May",
    "STATES",
    "a statement",  # inside a word: the gate opens, the pattern decides
    "nothing to see",
    "",
]


@pytest.mark.parametrize("flags", [0, re.I])
@pytest.mark.parametrize("text", GATE_TEXTS)
def test_a_word_gate_never_closes_on_a_text_its_pattern_matches(flags, text):
    pattern = lang.word_pattern(WORDS, flags, before="", after="")
    gate = lang.word_gate(WORDS, ignore_case=bool(flags))
    if pattern.search(text):
        assert gate.may_match(text)
        assert gate.may_match(text, lang.caseless(text))
    gated = lang.gated_word_pattern(WORDS, flags)
    assert [m.span() for m in gated.finditer(text)] == [
        m.span() for m in lang.word_pattern(WORDS, flags).finditer(text)
    ]


def test_a_word_gate_closes_on_texts_without_its_words():
    gate = lang.word_gate(WORDS, ignore_case=True)
    assert not gate.may_match("nothing to see here")
    assert gate.may_match("the ſtate")
    assert not lang.word_gate(WORDS).may_match("the ſtate")  # as printed: no "state"
    assert not lang.word_gate([]).may_match("any text at all")  # as its pattern never matches


def test_a_word_gate_tests_each_shorter_piece_once():
    assert lang.word_gate(["regions", "region", "state", "States"]).pieces == ("state", "States", "region")
    assert lang.word_gate(["regions", "region", "state", "States"], ignore_case=True).pieces == ("state", "region")
    assert lang.word_gate(["région"], ignore_case=True).pieces == ("gion",)  # ASCII letters only
    assert lang.word_gate(["état"], ignore_case=True).pieces == ("tat",)
    assert lang.word_gate(["été"], ignore_case=True).pieces == ("t",)
    assert lang.word_gate(["äö"], ignore_case=True).always  # no ASCII piece: never closes


def test_caseless_reads_the_letters_re_takes_for_ascii_ones():
    assert lang.caseless("Iİıſ\u212aÉ") == "iiiské"
    assert lang.caseless("Mopti") == "mopti"


@pytest.mark.parametrize(
    "text, pos",
    [("in 12 June", 6), ("12. Juni", 4), ("12.  \n Juni", 7), ("June", 0), ("a. June", 3), ("1 ..June", 4)],
)
def test_a_number_before_is_read_backwards_as_the_regex_reads_it(text, pos):
    assert number_before(text, pos) == bool(re.search(r"\d\.?\s*$", text[:pos]))


@pytest.mark.parametrize(
    "text, start, stop", [("the U.N. Mission", 0, 7), ("Mr. Smith", 0, 2), ("x (a). B", 0, 5), ("end. Next", 4, 3)]
)
def test_the_word_before_a_stop_is_read_backwards_as_the_regex_reads_it(text, start, stop):
    m = re.search(r"([\w.]+)[.?!]$", text[start : stop + 1])
    assert _word_before(text, start, stop) == (m.group(1) if m else None)


def test_sentences_still_split_after_abbreviations_and_days():
    text = "Mr. Diallo met the U.N. team. On 2 May 2020 gunmen attacked. Two died."
    assert [text[a:b] for a, b in split_sentences(text, lang.load("en"))] == [
        "Mr. Diallo met the U.N. team.",
        "On 2 May 2020 gunmen attacked.",
        "Two died.",
    ]
    text = "Herr Dr. Weber kam am 2. Februar 2020 an. Zwei Männer starben."
    assert [text[a:b] for a, b in split_sentences(text, lang.load("de"))] == [
        "Herr Dr. Weber kam am 2. Februar 2020 an.",
        "Zwei Männer starben.",
    ]


@pytest.mark.parametrize("text", ["  Ça-va  Déjà ", "Koro cercle.", "ﬁve  e\u0301lus", "Ségou – ‘Niono’ ", ""])
def test_words_folded_at_c_speed_are_those_of_the_character_loop(text):
    folded, starts = fold_spans(text)
    assert fold_words(text) == folded.rstrip(" ")
    for i, ch in enumerate(folded):
        if ch != " ":
            assert ch in "fi" or text[starts[i]].lower().startswith(ch) or not text[starts[i]].isascii()


def test_squeezed_spaces_keep_their_offsets():
    folded = "logone  -   et chari"
    text, where = squeeze_spaces(folded)
    assert text == "logone - et chari"
    assert [folded[where[i]] for i in range(len(text))] == list(text)
    assert where[text.index("et")] == folded.index("et")
    text, where = squeeze_spaces("no runs here")
    assert text == "no runs here" and list(where) == list(range(12))


def test_the_dates_memo_gives_what_find_dates_gives():
    en = lang.load("en")
    dates_in = dates_memo(en)
    period = "2022-12-01/2023-01-31"
    yearless = "Gunmen 7 Jan killed four herders; on 12 March 2022 a second attack followed."
    assert (
        dates_in(yearless, period)
        == find_dates(yearless, en, period)
        == [
            (7, "2023-01-07", "day"),
            (37, "2022-03-12", "day"),
        ]
    )
    assert dates_in(yearless) == find_dates(yearless, en) == [(37, "2022-03-12", "day")]
    dated = "On 12 March 2022 a second attack followed."
    assert dates_in(dated, period) is dates_in(dated)  # the period changed nothing: read once
    assert dates_in("No figure here.") == []


def test_a_compound_takes_its_longest_head():
    heads = {"schlag": ["short"], "anschlag": ["long"], "angriff": []}
    assert _compound_entries("bombenanschlag", heads) == ["long"]
    assert _compound_entries("anschlag", heads) == ["short"]  # a compound has a word before its head
    assert _compound_entries("luftangriff", heads) == []  # the longest head has no one-word entry
    assert _compound_entries("regen", heads) == []


def test_a_publisher_is_found_whatever_the_head_prints_around_it():
    assert publisher("Rapport d’Amnesty International – «Mali»") == "Amnesty International"
    assert publisher("AMNESTY INTERNATıONAL, Report") == "Amnesty International"  # re.I takes ı for i
    assert publisher("Un rapport sans éditeur connu") is None


# ---------------------------------------------------------------- narrowed scans

EN = lang.load("en")

SCAN_TEXTS = [
    "At least 37 civilians were killed, and some 1,200 people fled in June 2020.",
    "AT LEAST 37 CIVILIANS; ſome 12 (the long s) and \u212aILO 5",
    "Über 500 Menschen wurden im März 2021 vertrieben.",
    "über500 and x5 and 5x, between 30 and 33, dozens of them",
    "the first three months of 2020 and the last six months of 2019",
    "no fewer  than\n\t40 attacks; a dozen villages; approx. 3,5 million",
    "resolution 2100 para. 4, art.12, p. 7, n°5",
    "",
    "-5 -five five- 5-5 0.5 5.000 2019-2020",
]


def _spans(matches):
    return [(m.span(), m.groupdict() or m.groups()) for m in matches]


@pytest.mark.parametrize("text", SCAN_TEXTS)
@pytest.mark.parametrize("code", ["en", "fr", "de"])
def test_figures_and_dates_are_tried_only_where_a_word_starts_them_and_found_as_before(text, code):
    language = lang.load(code)
    assert _spans(_figure_matches(text, language)) == _spans(_pattern(language).finditer(text))
    for key in ("month_word", "not_before"):
        assert _spans(_exclusion_matches(key, text, language)) == _spans(_exclusions(language)[key].finditer(text))
    for key in ("month", "months_span"):
        assert _spans(_matches(key, text, language)) == _spans(_patterns(language)[key].finditer(text))


def test_word_starts_find_every_match_of_the_plain_scan():
    words = ("as of", "as at", "first", "x", "ab", "über", "north-east")
    pieces = ["as of", "AS\nAT", "x", "X", "ab", "über", "ÜBER", "ſ", "İ", "north-east", " ", "-", "5", "é", "_", ","]
    for digits, flags, before in itertools.product((False, True), (0, re.I), (r"(?<!\w)", r"\b", r"(?<![\w-])")):
        starts = lang.word_starts(words, digits=digits)
        pattern = re.compile(f"{before}(?:{lang.alternation(words)})(?:\\s*\\d+)?", flags)
        for a, b, c in itertools.product(pieces, repeat=3):
            text = a + b + c
            assert [m.span() for m in starts.finditer(pattern, text)] == [m.span() for m in pattern.finditer(text)]
            assert bool(starts.search(pattern, text)) == bool(pattern.search(text))


def test_word_starts_refuse_a_word_a_case_sensitive_scan_cannot_foresee():
    assert lang.word_starts(["§ 5", "para"]) is None
    assert lang.word_starts(["ıdp"]) is None  # dotless i: re.I takes it for i
    assert lang.word_starts(["para"]) is not None


def test_a_case_sensitive_word_list_reads_its_first_letter_first():
    words = ("ACLED", "UN", "AA", "Burkina Faso", "Côte d'Ivoire", "a.b")
    texts = ["ACLED and UN", "xUN", "-UN", "UN-", "AAA", "Burkina  Faso", "Côte d'Ivoire", "a.b a-b", "\nUN", ""]
    for before, after in itertools.product((r"(?<!\w)", r"\b", r"(?<![\w-])"), (r"(?!\w)", r"(?![\w-])", "")):
        fast = lang.word_pattern(words, 0, before, after)
        plain = re.compile(f"{before}(?:{lang.alternation(words)}){after}")
        assert fast.pattern != plain.pattern  # the letters come first
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert lang.word_pattern(words, re.I).pattern.startswith("(?<!\\w)")  # ignoring case: as written


def test_many_one_word_gates_open_as_each_would():
    gates = tuple(
        [lang.word_gate((w,), ignore_case=True) for w in ("Mopti", "région", "ſtate", "x")]
        + [lang.word_gate((w,)) for w in ("UN", "Kilo", "§§")]
    )
    for text in ("MOPTI and the UN", "the ſtate of kilo", "Région x", "nothing", "", "§§ Kilo"):
        assert lang.open_gates(gates, text) == [g.may_match(text) for g in gates]


def test_the_two_words_before_a_label_are_read_backwards_as_the_end_anchored_search_finds_them():
    plain = re.compile(r"(?:([\w’'.-]+)\s+)?([\w’'.-]+)\s+$")
    texts = ["South Sudanese soldiers", "the  Malian\narmed forces", "x, Nigerian forces", "forces", " forces", "a b"]
    for text in texts:
        for a in range(len(text) + 1):
            m = plain.search(text[:a])
            assert _two_words_before(text, a) == (m.groups() if m else None)


def test_shouting_counts_letters_as_before():
    for text in ("WHAT IS THE SITUATION IN MALI", "What is the situation", "ÉTAT DU MALI EN 2020", "UN, AU and ECOWAS"):
        upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
        assert _shouting(text) == (upper + lower >= 12 and upper > 0.6 * (upper + lower))


def test_name_windows_of_one_word_names_and_of_runs():
    assert _name_windows("in Mopti and Salah al-Din today") == [(3, 8), (13, 25), (13, 18), (22, 25)]
    assert _name_windows("Tikrit Sulaymaniyah") == [(0, 19), (0, 6), (7, 19)]


def test_an_ascii_text_is_folded_by_the_bytes_table_as_by_the_character_table():
    text = "".join(chr(c) for c in range(128)) + "Koro-Bankass  l'Ouest.`"
    assert char_fold(text) == text.translate(_FOLD)
    assert char_fold("Ségou’s") == "segou s"


def test_evidence_of_an_ascii_text_is_normalised_as_before():
    assert normalize_evidence("  At least\n 37\u00a0killed ") == "at least 37 killed"
    assert normalize_evidence("“Quoted” — ok…") == '"quoted" — ok...'


def test_a_list_needs_three_bracketed_figures():
    assert list_entries("Mopti (57), Koro (12); Bankass (3)") == ((0, 10), (12, 21), (23, 34))
    assert list_entries("Mopti (57), Koro (12)") == ()


def test_an_access_date_is_found_after_the_last_comma():
    fields = parse_entry("ACLED, Title, with, commas, 3 May 2020, https://x.org, accessed 5 June 2021.", EN, None)
    assert fields["accessed_text"] == "5 June 2021"
    assert fields["url"] == "https://x.org"
    assert parse_entry("Org, Title; accessed, 5 June", EN, None).get("accessed_text") is None


def test_figures_and_dates_of_a_sentence():
    figures = find_quantities("Some 1,200 people fled and at least 37 were killed on 5 June 2020.", EN)
    assert [(q.count.min, q.count.qualifier) for q in figures] == [(1200, "approx"), (37, "at_least")]
    assert find_dates("From 1 June to 30 November 2020, and in May 2021.", EN) == [
        (5, "2020-06-01/2020-11-30", "interval"),
        (40, "2021-05", "month"),
    ]
