"""The shortcuts the extractors take for speed give what the slow way gives: a gate made of
substring tests never closes on a text its pattern matches, backward scans find what the
end-anchored regexes found, text folded at C speed has the words and offsets the character
loop gives, and the per-report memo of dates returns what ``find_dates`` returns."""

from __future__ import annotations

import re

import pytest

from extractors.dates import dates_memo, find_dates, number_before
from extractors.entities import fold_spans, fold_words
from extractors.figures import _compound_entries
from extractors.metadata import publisher
from extractors.sentences import _word_before, split_sentences
from schemas import lang
from schemas.kb.places import squeeze_spaces

WORDS = ("state", "states", "région", "sub-district", "Kilo", "last accessed")

TEXTS = [
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
@pytest.mark.parametrize("text", TEXTS)
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
