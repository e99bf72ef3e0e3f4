"""Per-language word lists (``<code>.toml`` beside this file), their schema, and language detection.

Every section and key of a language file is a typed field of :class:`Language` below, checked
when the file is loaded (pydantic, ``extra="forbid"``): a misspelt, unknown or missing key is a
``ValueError`` naming the file and the key, never a rule that silently matches nothing. The
extractors read typed attributes (``lang.months``, ``lang.places.admin2``, ``lang.grammar.and_``).
Adding a language is adding a TOML file this schema accepts.

Words that belong to a region rather than a language (mission names, one country's
administrative units, armed groups' own terms) live in the knowledge base
(``schemas/kb/regional/``) and are merged into the lists they extend when a file is loaded.

:func:`alternation` and :func:`word_pattern` are the one way a word list becomes a regex: escaped,
longest first, an empty list never matches, compiled once per process."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas import kb
from schemas.extraction import ActorKind, EventCategory  # the output's own categories, one definition

_HERE = Path(__file__).parent

# --------------------------------------------------------------------------- word lists → regex

NEVER = "(?!x)x"
"""A pattern that matches nothing: what an empty word list becomes."""


PATTERN_CACHE_SIZE = 4096
"""Word lists kept compiled: every list of the language files fits many times over; lists made
per report (its sources, its actors' names) are dropped oldest first, so a long batch does not grow."""


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _alternation(words: tuple[str, ...]) -> str:
    if not words:
        return NEVER
    return "|".join(_alternatives(words))


def _alternatives(words: tuple[str, ...]) -> list[str]:
    """The regex source of each word of :func:`alternation`, in its order."""
    ordered = sorted(dict.fromkeys(words), key=len, reverse=True)
    return [re.escape(w).replace(r"\ ", r"\s+") for w in ordered]


def alternation(words: Iterable[str]) -> str:
    """The regex source of a word list: each word escaped, longest first (so ``last accessed``
    wins over ``accessed``), white space inside a phrase matching any run of it. An empty list
    gives :data:`NEVER`, a pattern that never matches (a bare ``""`` would match everywhere).
    Cached by content: each list is escaped and sorted once per process (within
    :data:`PATTERN_CACHE_SIZE` lists)."""
    return _alternation(tuple(words))


_BOUNDARIES_AFTER_FIRST = {r"(?<!\w)": r"(?<!\w.)", r"\b": r"(?<!\w.)", r"(?<![\w-])": r"(?<![\w-].)"}
"""Boundaries before a word that begins with a word character, as the look-behind that says the
same once that character is read (``(?<!X)`` before it is ``(?<!X.)`` after it)."""
_LITERAL_START = re.compile(r"[0-9A-Za-z]")


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _word_pattern(words: tuple[str, ...], flags: int, before: str, after: str) -> re.Pattern[str]:
    behind = _BOUNDARIES_AFTER_FIRST.get(before)
    if behind and words and not flags & re.I:
        # A case-sensitive list whose words all begin with a letter or digit: each alternative
        # starts with its first letter and checks the boundary after it, so the pattern starts
        # with a set of literal letters, which the engine skips to at C speed; with the
        # boundary first it would try every alternative at every character.
        alternatives = _alternatives(words)
        if all(_LITERAL_START.match(a) for a in alternatives):
            return re.compile("(?:" + "|".join(a[0] + behind + a[1:] for a in alternatives) + f"){after}", flags)
    return re.compile(f"{before}(?:{_alternation(words)}){after}", flags)


def word_pattern(
    words: Iterable[str], flags: int = 0, before: str = r"(?<!\w)", after: str = r"(?!\w)"
) -> re.Pattern[str]:
    """A word list compiled once per process into one pattern that matches any of its words as
    a whole word (``before`` and ``after`` are the boundaries; pass ``""`` for none)."""
    return _word_pattern(tuple(words), flags, before, after)


# --------------------------------------------------------------------------- cheap exact gates

_ASCII_TWINS = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))
"""The only non-ASCII letters ``re`` takes for ASCII ones when it ignores case (``İ ı`` for i,
``ſ`` for s, the Kelvin sign for k; checked against every code point), with those letters."""


def caseless(text: str) -> str:
    """``text`` as :class:`WordGate` reads it for a pattern that ignores case: lower-cased, with
    the letters ``re.I`` takes for ASCII ones read as those. Whatever ``(?i)`` matches of an
    ASCII letter becomes that letter, lower-cased, so an ASCII piece of a word the pattern
    finds is a substring of it."""
    global _last_caseless
    last = _last_caseless
    if last[0] is text:  # the sentence the passes before asked about
        return last[1]
    folded = text
    if not text.isascii():
        for twin, letter in _ASCII_TWINS:
            if twin in folded:
                folded = folded.replace(twin, letter)
    folded = folded.lower()
    _last_caseless = text, folded
    return folded


_last_caseless: tuple = (None, None)
"""The last text :func:`caseless` read (the very object, kept alive here) and its answer: a
sentence is asked about by several scans in turn."""


@dataclass(frozen=True)
class WordGate:
    """A test, made of substring searches, that a word list's pattern *may* match a text: False
    only when no word of the list can be in it. Run before a regex scan that needs one of the
    words, it skips the texts that lack them at C speed; the regex still decides. A
    case-insensitive scan of a word alternation tries every word at every character; a
    substring search is one pass (:func:`word_gate`)."""

    pieces: tuple[str, ...]
    """Per word, a piece any match of it holds as is (in :func:`caseless` form when ``ignore_case``)."""
    ignore_case: bool
    always: bool
    """True when a word has no piece to look for (no ASCII letter in a case-insensitive list):
    the gate never closes."""

    def may_match(self, text: str, folded: str | None = None) -> bool:
        """False only when no word of the list stands in ``text`` (``folded`` is
        ``caseless(text)`` when the caller has it)."""
        if self.always:
            return True
        if self.ignore_case:
            text = caseless(text) if folded is None else folded
        if len(self.pieces) < AUTOMATON_PIECES:
            return any(map(text.__contains__, self.pieces))
        for _found in self._automaton.iter(text):
            return True
        return False

    @cached_property
    def _automaton(self):
        """The pieces as one Aho-Corasick automaton: a text is read once for all of them."""
        return _pieces_automaton(self.pieces)


def _pieces_automaton(pieces: Iterable[str]):
    """An Aho-Corasick automaton of ``pieces``, each found as itself."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for piece in pieces:
        automaton.add_word(piece, piece)
    automaton.make_automaton()
    return automaton


AUTOMATON_PIECES = 16
"""From this many pieces a :class:`WordGate` reads a text once with an automaton, not once per
piece (below it the substring searches are quicker; the answer is the same)."""


def open_gates(gates: tuple[WordGate, ...], text: str, folded: str | None = None) -> list[bool]:
    """``[gate.may_match(text, folded) for gate in gates]``, with the text read once per case
    mode for the pieces of all the gates (many gates of one word each: every publisher's
    name, every actor's), not once per piece."""
    automata = _gate_automata(gates)
    found: set[tuple[bool, str]] = set()
    for ignore_case, automaton in automata.items():
        if automaton is not None:
            scanned = (caseless(text) if folded is None else folded) if ignore_case else text
            found.update((ignore_case, piece) for _end, piece in automaton.iter(scanned))
    return [gate.always or any((gate.ignore_case, piece) in found for piece in gate.pieces) for gate in gates]


@lru_cache(maxsize=64)
def _gate_automata(gates: tuple[WordGate, ...]) -> dict[bool, object]:
    """The pieces of ``gates`` as one Aho-Corasick automaton per case mode (None: no piece)."""
    pieces: dict[bool, set[str]] = {True: set(), False: set()}
    for gate in gates:
        pieces[gate.ignore_case].update(gate.pieces)
    return {ignore_case: _pieces_automaton(words) if words else None for ignore_case, words in pieces.items()}


def _piece(word: str, ignore_case: bool) -> str:
    """The longest part of ``word`` a match holds verbatim: white space between its words may
    be any run of it (see :func:`alternation`), and a case-insensitive match changes non-ASCII
    letters in ways a substring test cannot follow, so only ASCII runs count there."""
    parts = word.split()
    if ignore_case:
        parts = [run.lower() for p in parts for run in re.findall(r"[\x00-\x7f]+", p)]
    return max(parts, key=len, default="")


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _word_gate(words: tuple[str, ...], ignore_case: bool) -> WordGate:
    pieces = sorted(set(_piece(w, ignore_case) for w in words), key=lambda p: (len(p), p))
    if pieces and not pieces[0]:
        return WordGate((), ignore_case, always=True)
    # a text that holds "regions" holds "region": the shorter piece alone gates both
    kept: list[str] = []
    for piece in pieces:
        if not any(k in piece for k in kept):
            kept.append(piece)
    return WordGate(tuple(kept), ignore_case, always=False)


def word_gate(words: Iterable[str], ignore_case: bool = False) -> WordGate:
    """The :class:`WordGate` of a word list as :func:`alternation` writes it into a pattern
    (``ignore_case`` when the pattern reads it under ``re.I`` or ``(?i:…)``). An empty list
    gives a gate that is always closed, as its pattern never matches. Cached by content."""
    return _word_gate(tuple(words), ignore_case)


@dataclass(frozen=True)
class GatedPattern:
    """A word-list pattern behind its :class:`WordGate`: searched only in texts that may hold a
    word of the list, with the pattern's own results (:func:`gated_word_pattern`)."""

    gate: WordGate
    pattern: re.Pattern[str]

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """``pattern.search(text)`` (``folded``: ``caseless(text)`` when the caller has it)."""
        return self.pattern.search(text) if self.gate.may_match(text, folded) else None

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``."""
        return self.pattern.finditer(text) if self.gate.may_match(text, folded) else iter(())


def gated_word_pattern(
    words: Iterable[str], flags: int = 0, before: str = r"(?<!\w)", after: str = r"(?!\w)"
) -> GatedPattern:
    """:func:`word_pattern` behind its gate, for a pattern searched in every sentence of a report."""
    words = tuple(words)
    return GatedPattern(word_gate(words, bool(flags & re.I)), word_pattern(words, flags, before, after))


_PLAIN_START = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+")
"""Digits and letters of ASCII and Latin-1 (``ü``, ``é``): every character that ``re.I`` takes
for one of them is, in :func:`caseless` form, that one lower-cased (checked against every
code point), so a case-sensitive scan of the caseless text finds all of them."""
_PLAIN_WORDS = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ ]+")


@dataclass(frozen=True)
class WordStarts:
    """Where a match of a pattern that ignores case *may* start: the start of a word that is a
    digit or begins with the plain start (:data:`_PLAIN_START`) of one of the pattern's first
    words (``a``, ``at least``, ``more than``, ``über`` …).

    A regex without a literal start is tried at every character of a text, and one that ignores
    case tries each word of its alternation there. These starts are found by one case-sensitive
    scan of the :func:`caseless` text that stops only at the characters before a word (the
    engine skips the others at C speed), so the full pattern runs only where a word could begin
    a match (:meth:`finditer`)."""

    starts: re.Pattern[str]
    """A non-word character before a digit or a first word, in the caseless text after a space
    (``padded``); else the first letter of a first word, in the caseless text."""
    padded: bool = True

    def finditer(self, pattern: re.Pattern[str], text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``, for a ``pattern`` whose every match starts at the start
        of a word (its first character a word character, the one before it none) with one of
        the words this was made of (or a digit, when made with ``digits``). Each match is the
        one ``pattern.finditer`` finds: every position a match could start at is tried, in
        order, from the end of the last match on. ``folded`` is ``caseless(text)`` when the
        caller has it."""
        end = 0
        folded = caseless(text) if folded is None else folded
        for start in self.starts.finditer(" " + folded if self.padded else folded):
            at = start.start()  # the word's start in ``text`` (padded: one space was put before it)
            if at >= end:
                m = pattern.match(text, at)
                if m is not None:
                    end = m.end()
                    yield m

    def search(self, pattern: re.Pattern[str], text: str, folded: str | None = None) -> re.Match[str] | None:
        """``pattern.search(text)`` (the first match of :meth:`finditer`)."""
        return next(self.finditer(pattern, text, folded), None)


def word_starts(first_words: Iterable[str], digits: bool = True) -> WordStarts | None:
    """The :class:`WordStarts` of a pattern whose matches start with one of ``first_words``
    (its words as printed, in a pattern that may ignore case) or, with ``digits``, a digit;
    None when a word does not begin with a plain letter or digit (a case-insensitive match of
    it could start with letters a case-sensitive scan cannot foresee): scan with the pattern
    alone."""
    return _word_starts(tuple(first_words), digits)


@lru_cache(maxsize=PATTERN_CACHE_SIZE)
def _word_starts(words: tuple[str, ...], digits: bool) -> WordStarts | None:
    by_letter: dict[str, set[str]] = {}
    for word in words:
        if _PLAIN_START.match(word) is None:
            return None
        # the plain words it starts with, lower-cased, as :func:`alternation` writes them (a
        # space: any run of white space), grouped by their first letter
        start = _PLAIN_WORDS.match(word).group().rstrip().lower()
        by_letter.setdefault(start[0], set()).add(re.escape(start[1:]).replace(r"\ ", r"\s+"))
    firsts = [
        re.escape(letter) + (f"(?:{'|'.join(sorted(rests, key=lambda r: (-len(r), r)))})" if rests != {""} else "")
        for letter, rests in sorted(by_letter.items())
    ]
    if not digits and 0 < len(firsts) <= FEW_FIRST_LETTERS:
        # few first letters: the scan skips to each of them, then checks the boundary before it
        # (``(?<!\w.)`` after the letter) and the rest of a word after it
        return WordStarts(re.compile("|".join(f"{first[0]}(?<!\\w.)(?={first[1:]})" for first in firsts)), padded=False)
    alternatives = ([r"\d"] if digits else []) + firsts
    return WordStarts(re.compile(r"\W(?=" + "|".join(alternatives) + ")" if alternatives else NEVER))


FEW_FIRST_LETTERS = 3
"""Up to this many first letters, :class:`WordStarts` scans for the letters themselves (each a
few in a hundred characters); from more, for the non-word characters before a word."""


# --------------------------------------------------------------------------- the schema

Words = tuple[str, ...]
CasualtyField = Literal["killed", "injured", "abducted", "executed", "disappeared"]
VictimGroup = Literal[
    "civilians",
    "people",
    "soldiers",
    "police",
    "children",
    "women",
    "men",
    "fighters",
    "peacekeepers",
    "protesters",
    "idps",
]
MetadataField = Literal[
    "country", "main_subject", "questions", "date_of_completion", "query_code", "contributing_units"
]
TablePopulation = Literal["idp_returnees", "returnees_from_abroad", "refugees", "idps", "casualties", "events"]
PlaceCueType = Literal["admin1", "admin2", "admin3", "populated_place", "other"]


def _w(description: str, **kw):
    return Field(description=description, **kw)


class Section(BaseModel):
    """A table of a language file: every key declared, no other key allowed, read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MetadataLabels(Section):
    """Labels of the query-response cover table, by the metadata field they fill."""

    country: Words = _w("Cover-table labels of the country of origin.")
    main_subject: Words = _w("Labels of the main subject.")
    questions: Words = _w("Labels of the question(s) a query response answers.")
    date_of_completion: Words = _w("Labels of the date the report was completed.")
    query_code: Words = _w("Labels of the query's reference code.")
    contributing_units: Words = _w("Labels of the COI units that contributed.")

    def items(self) -> Iterable[tuple[MetadataField, Words]]:
        """(field, labels) in the file's order of fields."""
        return ((name, getattr(self, name)) for name in type(self).model_fields)


class Captions(Section):
    """Words that start a caption."""

    table: Words = _w("Words that start a table caption (``Table 3``).")
    figure: Words = _w("Words that start a figure or map caption.")
    source: Words = _w("Words that introduce the source line under a table or figure.")


class Interval(Section):
    """How an interval of dates is printed."""

    separators: Words = _w("Words or dashes between the two ends of an interval (``1 June to 30 November``).")


class Tables(Section):
    """How tables print totals, nothing, no data and numbers."""

    total: Words = _w("Labels of a total row or column.")
    nil: Words = _w("Printed for nothing: the cell counts as 0 with status nil.")
    not_available: Words = _w("Printed for no data: value null with status not_available.")
    thousands_separators: Words = _w("Characters that separate thousands in this language's tables.")
    decimal_mark: str = _w("The decimal mark of this language's tables.")
    population: dict[TablePopulation, Words] = _w(
        "Caption or header words that say what a table counts, most specific first."
    )


class Sentences(Section):
    """What does not end a sentence."""

    abbreviations: Words = _w("Words ending in a full stop that do not end a sentence (without the stop).")


class NumberWords(Section):
    """How figures are printed and qualified in running text."""

    at_least: Words = _w("Qualifiers before a figure meaning a minimum.")
    more_than: Words = _w("Qualifiers meaning more than the figure (the minimum is the figure plus one).")
    approx: Words = _w("Qualifiers meaning about the figure.")
    up_to: Words = _w("Qualifiers meaning a maximum.")
    range_words: Words = _w("Words before a range (``between 10 and 20``).")
    range_joiners: Words = _w("Words or dashes between the two ends of a range.")
    thousands_separators: Words = _w("Characters that separate thousands in running text.")
    decimal_mark: str = _w("The decimal mark in running text.")
    article_numbers: Words = _w(
        "Number words that are also articles: a figure only right before its noun (``une attaque``)."
    )
    words: dict[str, int] = _w("Number words and their values.")
    vague: dict[str, int] = _w(
        "Vague plurals (``hundreds``): a minimum with the at_least qualifier.", default_factory=dict
    )
    multipliers: dict[str, int] = _w("Words after a figure that multiply it (``2.6 million``).")


class CasualtyWords(Section):
    """Words that make a figure a count of people killed, injured, abducted."""

    after: dict[CasualtyField, Words] = _w(
        "Words after a figure that make it a casualty count, by the field they fill."
    )
    before: dict[CasualtyField, Words] = _w("Verbs before a figure that make it a casualty count (``killed 12``).")
    unsplit: Words = _w("Killed and injured together, not split (``390 casualties``).")
    not_people: Words = _w("Counts of violations: a figure followed by these is an event count, never people.")
    victims: Words = _w("Nouns for the victims (the word after a figure).")


class DisplacementWords(Section):
    """Words of displaced populations and their movements."""

    idp_returnees: Words = _w("Internally displaced people who returned.")
    returnees_from_abroad: Words = _w("People who returned from another country.")
    refugees: Words = _w("Refugees and asylum seekers.")
    idps: Words = _w("Internally displaced people.")
    returnees: Words = _w("Returnees of a population the context names.")
    generic: Words = _w("Nouns for people that carry the population of the sentence or section over to a bare figure.")
    displaced: Words = _w("Verbs that make people displaced.")
    returned: Words = _w("Verbs that bring displaced people back.")
    change: Words = _w("Words that make a figure a change, not a stock (``an increase of``).")
    stock_verbs: Words = _w("Verbs that make a bare count of people a stock of the population the text is about.")


class Areas(Section):
    """Phrases that say where a count applies."""

    country_level: Words = _w("Phrases that put a count at the level of the whole country.")


class ActorKinds(Section):
    """Cues for the kind of an armed or security actor named in the report."""

    state_forces: Words = _w("Cues of a state's armed or security forces.")
    international_force: Words = _w("Cues of an international or multinational force.")
    jihadist_group: Words = _w("Cues of a jihadist group.")
    communal_militia: Words = _w("Cues of a communal militia or self-defence group.")
    political: Words = _w("Cues of a political body.")
    unidentified: Words = _w("Cues of unidentified attackers.")
    heads: Words = _w("Words that make a name an organisation worth checking as an actor.")

    def cues(self) -> dict[ActorKind, Words]:
        """The cue lists by actor kind, in the order of the fields (``heads`` is not a kind)."""
        return {k: getattr(self, k) for k in type(self).model_fields if k != "heads"}


class Actors(Section):
    """Actors named by a generic label or a name pattern."""

    state_forces: Words = _w("Generic labels of the state's forces; they resolve to the report's country.")
    unidentified: Words = _w("Attackers the sources do not name: one unidentified actor per report.")
    attributive: Words = _w("Labels that are also adjectives (``military operations``): no actor there.")
    attributive_follows_noun: bool = _w(
        "Whether such adjectives follow their noun (French) rather than precede it.", default=False
    )
    capitalised_qualifier_is_a_name: bool = _w(
        "Whether a capitalised word before a label names a group (false in German, which capitalises every noun).",
        default=True,
    )
    verb_endings: Words = _w(
        "Endings of a verb after a label (``the military killed``): the label is the subject then.", default=()
    )
    not_armed_after: Words = _w("Words after a known name that make it an institution speaking, not an armed actor.")
    heads_after: dict[ActorKind, Words] = _w(
        "Heads after an unknown group's name (``Hamza Brigade``), by the kind they give."
    )
    heads_before: dict[ActorKind, Words] = _w(
        "Heads before an unknown group's name (``Front X``), by the kind they give."
    )


class Places(Section):
    """Place cues: the words beside a name that say what kind of place it is."""

    admin1: Words = _w("Cue words of a first-level administrative unit (region, province).")
    admin2: Words = _w("Cue words of a second-level unit (district, county).")
    admin3: Words = _w("Cue words of a third-level unit (commune, municipality).")
    populated_place: Words = _w("Cue words of a town, village or camp.")
    other: Words = _w("Cue words of a natural or informal area (plateau, delta, zone).")
    of: Words = _w("Words between a cue and the names it introduces (``villages of A and B``).")
    near: Words = _w("Words before a place the report introduces (``near X``).")
    other_prefixes: Words = _w("Words before an area's name that belong to it (``inner``).")
    river: Words = _w("The word for a river inside an area's name.")
    prepositions: Words = _w("Prepositions before a bare town name that make it a place.")
    country_prepositions: Words = _w("Prepositions before another country's name that put people or events there.")
    crossing_words: Words = _w("Words that make another country part of the report's events.")
    organisation_links: Words = _w("Words after a unit's name that make it the head of an organisation's name.")
    before_only: Words = _w("Cues that stand only before a name (``the capital Riyadh``), never after one.")
    not_places: Words = _w("Capitalised words that are place names somewhere but never places in a report's prose.")
    area_directions: Words = _w("Directions that make an area of the country (``central Mali``).")
    area_parts: Words = _w("Words between a direction and a country (``part of``).")
    directions: Words = _w("Directions before the country's name that make an area of it.")

    def cues(self, kind: PlaceCueType) -> Words:
        return getattr(self, kind)


class Grammar(Section):
    """The small words the figure, actor and date rules read around what they find."""

    origin_before: Words = _w("Words before the place people came from (``returned from X``).")
    filler: Words = _w("Words that may stand between a figure and what it counts.")
    and_: Words = _w("The word for and.", alias="and")
    or_: Words = _w("The word for or.", alias="or")
    of: Words = _w("The word for of.")
    articles: Words = _w("Articles.")
    recorded: Words = _w("Verbs of recording a count.")
    comparison_before: Words = _w("Words before the figure a count is compared to.")
    coordinated_after: Words = _w("Words after a coordinated figure.")
    anaphora: Words = _w("Phrases that take the counted noun from before (``of which``).")
    sub_count: Words = _w("A part of the figure before it, with its own victims (``of whom 8 children``).")
    elliptical_after: Words = _w("Words between a figure and the place or month of an elliptical count.")
    elliptical_before: Words = _w("Words before an elliptical count.")
    change_from: Words = _w("The first word of a change between two counts (``from``).")
    change_to: Words = _w("The second word of such a change (``to``).")
    copula: Words = _w("Verbs between a counted noun and its figure (``were``).")
    rate: Words = _w("Words that make a figure a rate (``per``).")
    relative: Words = _w("Relative pronouns after the kind of an event.")
    neutral_events: Words = _w("Nouns for a count of events of no kind of their own.")
    among: Words = _w("Words before victims named after the figure (``among``).")
    back_reference: Words = _w("Words that refer back to a figure (``of the``).")
    both: Words = _w("Words that make a figure count two categories (``both``).")
    first: Words = _w("The word first (of a span of months).")
    last: Words = _w("The word last (of a span of months).")
    months_of: Words = _w("Words between the number of months and the year (``months of``).")
    same_period: Words = _w("Phrases that refer to the period already named.")
    reference_period: Words = _w("Phrases that refer to the report's reference period.")
    clause_breaks: Words = _w("Words that end the clause a figure's place is looked for in.")
    as_of: Words = _w("Words before the date a stock was counted.")
    not_perpetrator_before: Words = _w("Words before an actor that make it no perpetrator (``against``).")
    percent: Words = _w("Signs and words of a percentage.")
    not_figure_before: Words = _w("Words before a number that make it no figure (``article 5``).")
    not_figure_after: Words = _w("Words after a number that make it no count (``5 years``).")
    ordinal_suffixes: Words = _w("Ordinal endings after digits (``3rd``).")
    group_adjectives: Words = _w("Adjectives between a community's name and its group noun.")
    armed_people: Words = _w("Phrases for armed people of a community.")
    community: Words = _w("The word community.")
    community_nouns: Words = _w("Nouns after a community's name (``Fulani herders``).")
    group_word: Words = _w("The word group.")
    name_particles: Words = _w("Small words inside a group's name.")


class FigureSettings(Section):
    """How the figure rules match words (Snowball stems; German compounds)."""

    stemmer: Literal["english", "french", "german"] = _w("The Snowball stemmer the figure rules match words with.")
    compounds: bool = _w("Whether a word also matches a listed noun it ends in (German compounds).")


class Report(Section):
    """Report metadata found without a cover table (dates, periods)."""

    date_labels: Words = _w("Labels before a report's publication or update date.")
    event_date_words: Words = _w("Words before a day that make it an event's date, not the report's.")
    quarter_words: Words = _w("The word quarter.")
    between: Words = _w("The word between (of a period).")
    year_words: Words = _w("The word year (``the year 2020``).")
    quarter_ordinals: dict[str, int] = _w("Ordinals before quarter, by quarter number.")


class Countries(Section):
    """Country adjectives and demonyms."""

    adjectives: dict[str, Words] = _w("Adjectives and demonyms by ISO 3166 alpha-2 code (stems: ``syrian``).")

    @field_validator("adjectives")
    @classmethod
    def _iso2(cls, value: dict[str, Words]) -> dict[str, Words]:
        bad = [k for k in value if not re.fullmatch(r"[A-Z]{2}", k)]
        if bad:
            raise ValueError(f"not ISO 3166 alpha-2 codes: {', '.join(bad)}")
        return value


class TextRenditions(Section):
    """What text renditions (pdftotext, web copies) print that is not the report's text."""

    boilerplate: Words = _w("Whole lines a web page or PDF viewer adds (``#`` stands for a number).")
    contents_headings: Words = _w("Headings of a table of contents.")
    table_notes: Words = _w("The start of a note printed under a table.")
    table_headers: tuple[Words, ...] = _w("Column layouts of tables recurring publications print.")


class Language(Section):
    """One language file, whole. Hashed by identity: one instance per language per process
    (:func:`load` is cached), so compiled patterns cached against it are built once."""

    language: str = _w("The ISO 639-1 code of the language (the file's name).")
    function_words: Words = _w("Frequent short words, used to tell which language a report is in.")
    months: Words = _w("Month names, January first.", min_length=12, max_length=12)
    month_aliases: tuple[Words, ...] = _w(
        "Other forms of each month (abbreviations), January first.", min_length=12, max_length=12
    )
    bibliography_headings: Words = _w("Headings of the source lists at the end of a report (lower case).")
    accessed: Words = _w("Words that introduce the date a web source was accessed.")
    no_date: Words = _w("Markers of a source with no date.")
    metadata_labels: MetadataLabels
    captions: Captions
    interval: Interval
    tables: Tables
    sentences: Sentences
    numbers: NumberWords
    casualties: CasualtyWords
    victim_groups: dict[VictimGroup, Words] = _w("Victim nouns by the normalised group they stand for.")
    events: dict[EventCategory, Words] = _w("Words after a figure that make it a count of events, by category.")
    mission_events: dict[EventCategory, Words] = _w(
        "Event phrases that name a peacekeeping mission (``attacks on {mission}``); made for each mission of the "
        "knowledge base (schemas/kb/regional/) and added to ``events``."
    )
    displacement: DisplacementWords
    areas: Areas
    actor_kinds: ActorKinds
    actors: Actors
    places: Places
    grammar: Grammar
    figures: FigureSettings
    report: Report
    countries: Countries
    text_renditions: TextRenditions

    @field_validator("mission_events")
    @classmethod
    def _has_mission(cls, value: dict[EventCategory, Words]) -> dict[EventCategory, Words]:
        bad = [p for phrases in value.values() for p in phrases if "{mission}" not in p]
        if bad:
            raise ValueError(f"phrases without {{mission}}: {', '.join(bad)}")
        return value

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    @property
    def code(self) -> str:
        return self.language

    @cached_property
    def month_table(self) -> dict[str, int]:
        """Month name or alias (lower case) → 1-12."""
        table = {name: i + 1 for i, name in enumerate(self.months)}
        for i, aliases in enumerate(self.month_aliases):
            for alias in aliases:
                table.setdefault(alias, i + 1)
        return table

    def month_number(self, word: str) -> int | None:
        """1-12 for a month name or alias of this language (case-insensitive, trailing dot ok)."""
        return self.month_table.get(word.lower().rstrip("."))

    @cached_property
    def month_pattern(self) -> str:
        """A regex alternation matching every month word, longest first."""
        return alternation(self.month_table)


def _problems(e: ValidationError) -> str:
    out = []
    for err in e.errors():
        key = ".".join(map(str, err["loc"]))
        if err["type"] == "extra_forbidden":
            out.append(f"{key}: unknown key (misspelt? the schema is schemas.lang.Language)")
        elif err["type"] == "missing":
            out.append(f"{key}: required key is missing")
        else:
            out.append(f"{key}: {err['msg']}")
    return "; ".join(out)


def validate(data: dict, path: Path | str = "language file") -> Language:
    """Check a language file's table against :class:`Language`; ``ValueError`` naming the file
    and every bad key."""
    try:
        return Language.model_validate(data)
    except ValidationError as e:
        raise ValueError(f"{path}: {_problems(e)}") from None


def available() -> list[str]:
    return sorted(p.stem for p in _HERE.glob("*.toml"))


def with_regional_words(data: dict, regions: Iterable | None = None) -> dict:
    """A copy of a language file's table with regional words added (``regions``; default the
    knowledge base's, ``kb.regional_words``): each ``extends`` list appended to the list it
    names (words it already has are not repeated), and each mission's ``mission_events``
    phrases to ``events``. A path that names no word list is a ``ValueError`` naming the file."""
    data = copy.deepcopy(data)
    for region in kb.regional_words() if regions is None else regions:
        for path, words in region.extends.items():
            *parents, key = path.split(".")
            node = data
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or not isinstance(node.get(key, []), list):
                raise ValueError(f"{region.source}: extends.{path!r} names no word list of a language file")
            node[key] = list(dict.fromkeys([*node.get(key, []), *words]))
        for category, phrases in data.get("mission_events", {}).items():
            events = data["events"].setdefault(category, [])
            made = [p.replace("{mission}", m) for m in region.missions for p in phrases]
            data["events"][category] = list(dict.fromkeys([*events, *made]))
    return data


def read(path: Path) -> Language:
    """A language file, checked against the schema as written (so an error names the file's
    own keys), then with the knowledge base's regional words added."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    validate(data, path)
    if data["language"] != path.stem:
        raise ValueError(f"{path}: language: {data['language']!r} is not the file's name ({path.stem})")
    try:
        return validate(with_regional_words(data))
    except ValueError as e:
        raise ValueError(f"{path} with the regional words of schemas/kb/regional/: {e}") from None


@cache
def load(code: str) -> Language:
    path = _HERE / f"{code}.toml"
    if not path.exists():
        raise ValueError(f"no language data for {code!r}; have {', '.join(available())}")
    return read(path)


_WORD = re.compile(r"[^\W\d_]+")


@cache
def _function_words(code: str) -> frozenset[str]:
    return frozenset(load(code).function_words)


def detect(text: str, sample: int = 20000) -> str:
    """The language code whose function words are most frequent in ``text`` (default ``en``)."""
    counts: dict[str, int] = {}
    words = _WORD.findall(text[:sample].lower())
    for code in available():
        vocab = _function_words(code)
        counts[code] = sum(1 for w in words if w in vocab)
    best = max(counts, key=lambda c: counts[c], default="en")
    return best if counts.get(best) else "en"
