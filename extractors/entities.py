"""Actors and places named in the report's running text.

Actors: the knowledge base's names and aliases (``kb/actors/*.csv``, matched with two
Aho-Corasick automata built once per language: folded names on folded text, acronyms as
printed), resolved through the report's country (``FDS`` in a Burkinabè report are Burkina
Faso's forces; ``security forces`` are the report state's, or the state an adjective names;
``unidentified gunmen`` are one unidentified actor); aliases the report defines itself
(``Long Name (ACRONYM)``, ``groupes armés non étatiques (GANE)``), groups the list lacks
named by a pattern (``Hamza Brigade``, ``milice X``, ``Katiba X``), groups named after a
community (``Fulani armed groups``), and the names of ``Name (figure)`` lists of event
statistics. Places: the report country's admin units (OCHA P-codes, else ISO 3166-2) bare
or with the cue word beside them (``Koro cercle``, ``Mopti region``, ``Provinz Nangarhar``),
in any transliteration (``Hajja`` is Hajjah), GeoNames towns with coordinates, villages,
towns and communes the report introduces (``the village of X``, ``communes of A and B``),
areas (``central Mali``, ``the Dogon plateau``, ``Darfur``), and the neighbours' countries
and units where the text puts the conflict or its displaced people."""

from __future__ import annotations

import re
import unicodedata
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import NamedTuple

import ahocorasick

from extractors.sentences import Unit
from schemas import kb
from schemas.extraction import Actor, Place, Provenance, stable_id
from schemas.kb import places as kb_places
from schemas.lang import Language, WordGate, WordStarts, alternation, caseless, word_gate, word_pattern, word_starts

_NAME = r"[A-Z](?:[\w\-]|['’](?=\w))*(?:[ \-][A-Z](?:[\w\-]|['’](?=\w))*)*"


MAX_MENTIONS = 50
"""Mentions an actor or place keeps in the output, the first found. The indexes keep every
mention as (document id, unit, start, end) and make the :class:`Provenance` of only these: a
long report names a place hundreds of times."""


def _prov(doc_id: str, unit: Unit, start: int, end: int) -> Provenance:
    return Provenance(
        document_id=doc_id,
        block_id=unit.block.id,
        page=unit.page,
        start=unit.start + start,
        end=unit.start + end,
        evidence=unit.text,
        footnotes=unit.footnotes,
        ocr=unit.block.ocr,
        ocr_confidence=unit.block.ocr_confidence,
    )


# ---------------------------------------------------------------- actor names


def fold_spans(text: str) -> tuple[str, list[int]]:
    """``kb.fold`` of ``text`` (not stripped) with, per folded character, the offset of the
    printed character it comes from: a match ``folded[i:j]`` is printed at
    ``text[starts[i]:starts[j - 1] + 1]``."""
    if text.isascii():  # the common case, at C speed: lower-case, punctuation to spaces, runs of spaces to one
        return _join_words(_ascii_words(text))
    one = text.translate(_ONE_CHAR_FOLD)
    if "\0" not in one:  # every character folds to one (accents, quotes): offsets stay those of ``text``
        return _join_words(one)
    out: list[str] = []
    starts = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            if c == " ":
                if not out or out[-1] == " ":
                    continue
            out.append(c)
            starts.append(i)
    return "".join(out), starts


def fold_words(text: str) -> str:
    """The folded text of :func:`fold_spans` without the offsets (and without the space a
    text ending in a space or punctuation mark keeps there): the words at C speed, for
    matching; the offsets are worked out only for a text a match is found in."""
    if text.isascii():
        return " ".join(_ascii_words(text).split())
    one = text.translate(_ONE_CHAR_FOLD)
    return " ".join(one.split()) if "\0" not in one else fold_spans(text)[0].rstrip(" ")


def _join_words(folded: str) -> tuple[str, list[int]]:
    """The words of a text folded character for character (same length as the printed text),
    joined by one space, with the offset of each character (see :func:`fold_spans`)."""
    parts: list[str] = []
    starts: list[int] = []
    for m in _WORD_RUN.finditer(folded):
        if starts:
            parts.append(" ")
            starts.append(m.start() - 1)
        parts.append(m.group())
        starts.extend(range(m.start(), m.end()))
    return "".join(parts), starts


_WORD_RUN = re.compile(r"\S+")


class _OneCharFold(dict):
    """``str.translate`` table of :func:`_fold_char` for the characters that fold to exactly one
    (``é`` → ``e``, ``’`` → space), filled on first sight of each; a character that folds to
    none or to several (a combining accent, ``ﬁ``) maps to NUL, which sends its text to the
    character loop."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        out = folded if len(folded) == 1 else "\0"
        self[code] = out
        return out


_ONE_CHAR_FOLD = _OneCharFold()


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One printed character folded as ``kb.fold`` does (``É`` → ``e``, ``-`` → space, ``ﬁ`` → ``fi``)."""
    out = []
    for d in unicodedata.normalize("NFKD", ch):
        if not unicodedata.combining(d):
            out.extend(" " if (low in _FOLD_TO_SPACE or low.isspace()) else low for low in d.lower())
    return "".join(out)


_FOLD_TO_SPACE = frozenset("-'’‘.`")
_ASCII_TO_SPACE = str.maketrans({c: " " for c in "-'.`"})
_ASCII_LOWER_TO_SPACE = bytes(
    ord(chr(code).lower().translate(_ASCII_TO_SPACE)) if code < 128 else code for code in range(256)
)
"""``text.lower().translate(_ASCII_TO_SPACE)`` of an ASCII text as one ``bytes.translate``
(:func:`_ascii_words`)."""


def _ascii_words(text: str) -> str:
    """An ASCII text lower-cased, ``-'.``` as spaces (same length), at C speed."""
    return text.encode("ascii").translate(_ASCII_LOWER_TO_SPACE).decode("ascii")


def is_acronym(name: str) -> bool:
    """``FAMa``, ``ISIS-K``, ``M23``, ``3R``: one word with two or more capitals or digits and
    no two lower-case letters in a row. Matched as printed (``SAF`` is not ``safe``); any
    other name is matched folded (case, accents, ``-'’.``)."""
    if any(c.isspace() for c in name) or any(a.islower() and b.islower() for a, b in zip(name, name[1:], strict=False)):
        return False
    return sum(c.isupper() or c.isdigit() for c in name) >= 2


@dataclass(frozen=True)
class NameMeaning:
    """What a printed name may stand for: knowledge-base entries (``entries``), entries it
    names only in a report on their country (``local``), and a generic label (``generic``:
    ``state_forces`` or ``unidentified``)."""

    entries: tuple[kb.ActorEntry, ...] = ()
    local: tuple[kb.ActorEntry, ...] = ()
    generic: str | None = None


@dataclass(frozen=True, eq=False)
class ActorMatcher:
    """Two Aho-Corasick automata over every actor name of the knowledge base and the
    language's generic labels: folded names on folded text, acronyms on the printed text."""

    folded: ahocorasick.Automaton
    exact: ahocorasick.Automaton
    size: int

    def find(self, text: str) -> list[tuple[int, int, str, NameMeaning]]:
        """(start, end, key, meaning) of every name in ``text`` on word boundaries; overlapping
        candidates are all returned (the caller keeps the longest that resolve)."""
        out = []
        folded = fold_words(text)
        found = []
        for end, (key, meaning) in self.folded.iter(folded):
            start = end - len(key) + 1
            if (start > 0 and folded[start - 1].isalnum()) or (end + 1 < len(folded) and folded[end + 1].isalnum()):
                continue
            found.append((start, end, key, meaning))
        if found:  # the offsets of the printed text, only for a text that names someone
            starts = fold_spans(text)[1]
            out = [(starts[start], starts[end] + 1, key, meaning) for start, end, key, meaning in found]
        exact = [(end - len(key) + 1, end + 1, key, meaning) for end, (key, meaning) in self.exact.iter(text)]
        exact = [
            m
            for m in exact
            if not (m[0] > 0 and text[m[0] - 1].isalnum()) and not (m[1] < len(text) and text[m[1]].isalnum())
        ]
        if exact and not _shouting(text):
            out.extend(exact)
        return out


_ASCII_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LOWER = b"abcdefghijklmnopqrstuvwxyz"


def _shouting(text: str) -> bool:
    """A heading in capitals (``WHAT IS THE SITUATION``): its capitals are no acronyms."""
    if text.isascii():  # the letters counted by deleting them, at C speed
        data = text.encode("ascii")
        upper = len(data) - len(data.translate(None, _ASCII_UPPER))
        lower = len(data) - len(data.translate(None, _ASCII_LOWER))
    else:
        upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
    return upper + lower >= 12 and upper > 0.6 * (upper + lower)


@cache
def actor_matcher(lang: Language) -> ActorMatcher:
    """The matcher for one language, built once per process (knowledge-base names are
    shared; the generic labels are the language's)."""
    table: dict[tuple[bool, str], dict] = {}

    def put(name: str, slot: str, value) -> None:
        exact = is_acronym(name)
        key = name if exact else kb.fold(name)
        if not key:
            return
        m = table.setdefault((exact, key), {"entries": [], "local": [], "generic": None})
        if slot == "generic":
            m["generic"] = m["generic"] or value
        elif value not in m[slot]:
            m[slot].append(value)

    for entry in kb.actors():
        for name in entry.names:
            put(name, "entries", entry)
        for name in entry.local_aliases:
            put(name, "local", entry)
    for generic in ("state_forces", "unidentified"):
        for name in getattr(lang.actors, generic):
            put(name, "generic", generic)
    automata = {True: ahocorasick.Automaton(), False: ahocorasick.Automaton()}
    for (exact, key), m in table.items():
        automata[exact].add_word(key, (key, NameMeaning(tuple(m["entries"]), tuple(m["local"]), m["generic"])))
    for automaton in automata.values():
        automaton.make_automaton()
    return ActorMatcher(automata[False], automata[True], len(table))


@cache
def _kb_by_fold() -> dict[str, kb.ActorEntry]:
    out: dict[str, kb.ActorEntry] = {}
    for entry in kb.actors():
        for name in entry.names:
            out.setdefault(kb.fold(name), entry)
    return out


def state_forces(iso2: str) -> kb.ActorEntry:
    """The entry a state's generic labels resolve to (``security forces`` in a report on
    Nigeria are the Nigerian Armed Forces); a plain one for a state the list lacks."""
    st = kb.states().get(iso2)
    entry = kb.actor(st.forces) if st else None
    if entry is not None:
        return entry
    found = kb.country(iso2)
    return kb.ActorEntry(
        f"state_forces_{iso2.lower()}", f"{found[2] if found else iso2} state forces", "state_forces", countries=(iso2,)
    )


@cache
def _states_after(lang: Language) -> re.Pattern[str]:
    """Up to two names after a generic label (``the army of Mali and Niger``)."""
    of = alternation(lang.grammar.of)
    conj = f"{alternation(lang.grammar.and_)}|{alternation(lang.grammar.or_)}"
    words = rf"[\w’'-]+(?:\s+(?:(?:{of}|{alternation(lang.grammar.articles)})\s+)*[A-Z][\w’'-]+){{0,4}}"
    return re.compile(
        rf"\s+(?:(?:{of})\s*(?:(?:{alternation(lang.grammar.articles)})\s*)?)?({words})(?:(?:\s*,\s*|\s+(?:{conj})\s+)({words}))?"
    )


def _adjective_states(text: str, a: int, b: int, lang: Language) -> list[str] | None:
    """States an adjective or country name beside a generic label names (``Nigerian security
    forces``, ``armées nigériennes et maliennes``, ``afghanischen Sicherheitskräfte``, ``the
    army of Mali``); None when an unknown capitalised word qualifies it (``Amhara forces``:
    not the state's)."""
    forms = kb.adjective_forms()

    def state_of(word: str) -> str | None:
        w = re.sub(r"['’]s$", "", word)
        iso = forms.get(kb.fold(w))
        if iso and kb.fold(w) in _capital_adjectives() and not w.replace(".", "").isupper():
            iso = None  # "us" is no "US"
        if iso:
            return iso
        found = kb.country(w) if len(w) > 3 and w[:1].isupper() else None
        return found[0] if found else None

    out: list[str] = []
    before = _two_words_before(text, a)
    if before:
        # "South Sudanese soldiers": the two words before, then the last one
        first, last = before
        iso = (state_of(f"{first} {last}") if first else None) or state_of(last)
        if iso:
            out.append(iso)
        elif _named_qualifier(text, a, lang):
            return None
    after = _states_after(lang).match(text, b)
    if after:
        for phrase in (after.group(1), after.group(2)):
            iso = (
                next(
                    (
                        state_of(" ".join(phrase.split()[:n]))
                        for n in range(len(phrase.split()), 0, -1)
                        if state_of(" ".join(phrase.split()[:n]))
                    ),
                    None,
                )
                if phrase
                else None
            )
            if iso and iso not in out:
                out.append(iso)
            elif iso is None:
                break
    return out


_TWO_WORDS_BACKWARDS = re.compile(r"\s+([\w’'.-]+)(?:\s+([\w’'.-]+))?")


def _two_words_before(text: str, a: int) -> tuple[str | None, str] | None:
    r"""(the word before the last or None, the last word) that end ``text[:a]`` before white
    space, as ``re.search(r"(?:([\w’'.-]+)\s+)?([\w’'.-]+)\s+$", text[:a])`` gives them
    (groups 1 and 2), read backwards from ``a``: that search, anchored at the end, is tried
    at every character before it (and its words again and again), this reads only the words."""
    m = _TWO_WORDS_BACKWARDS.match(text[:a][::-1])
    if m is None:
        return None
    return (m.group(2)[::-1] if m.group(2) else None), m.group(1)[::-1]


def _named_qualifier(text: str, a: int, lang: Language) -> bool:
    """True when a capitalised word that is no function word and does not open the sentence
    stands right before ``a``: a name qualifies the label (``Amhara forces``, ``Boko Haram
    gunmen``). Off for languages that capitalise every noun."""
    before = _TWO_WORDS_BACKWARDS.match(text[:a][::-1])  # its first word: the last before ``a``
    word = before.group(1)[::-1] if before else ""
    return bool(
        before
        and word[:1].isupper()
        and lang.actors.capitalised_qualifier_is_a_name
        and kb.fold(word) not in _small_words(lang)
        and not re.search(r"(?:^|[.!?:;]\s*)$", text[: a - before.end(1)])
    )


def _attributive(text: str, a: int, b: int, lang: Language) -> bool:
    """A label that is an adjective here (``military/security actors``, ``police station``,
    ``opérations militaires``): one of the language's ``attributive`` labels beside the noun
    it qualifies — a lower-case word that is no function word or number after it (before
    it where adjectives follow the noun: ``attributive_follows_noun``), or a ``/``."""
    if kb.fold(text[a:b]) not in _folded_words(lang.actors.attributive):
        return False
    if lang.actors.attributive_follows_noun:
        prev = re.search(r"([^\W\d_][\w'’-]*)\s+$", text[:a])
        return bool(
            prev
            and prev.group(1).islower()
            and kb.fold(prev.group(1)) not in _small_words(lang)
            and prev.group(1).lower() not in lang.numbers.words
        )
    nxt = re.match(r"\s*(/|[^\W\d_][\w'’-]*)", text[b:])
    if nxt is None:
        return False
    word = nxt.group(1)
    if word == "/":
        return True
    if any(word.endswith(e) for e in lang.actors.verb_endings):
        return False  # "the military killed"
    return word.islower() and kb.fold(word) not in _small_words(lang)


@cache
def _folded_words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(kb.fold(w) for w in words)


@cache
def _small_words(lang: Language) -> frozenset[str]:
    """Function words, articles, conjunctions and fillers of the language (folded): never a name."""
    return frozenset(
        kb.fold(w)
        for w in (
            *lang.function_words,
            *lang.grammar.articles,
            *lang.grammar.and_,
            *lang.grammar.or_,
            *lang.grammar.of,
            *lang.grammar.filler,
        )
    )


@cache
def _capital_adjectives() -> frozenset[str]:
    """Folded adjectives printed in capitals only (``US``)."""
    return frozenset(kb.fold(a) for st in kb.states().values() for a in st.adjectives if a.replace(".", "").isupper())


def _tie(entry: kb.ActorEntry, country: str | None) -> str | None:
    """The state an entry is tied to in a report on ``country``: a foreign or international
    force its first country (the sending state: French forces are France's; a mission its
    host), any other actor the report's country when it is one of its own, else its first."""
    if entry.kind == "international_force" or not entry.belongs_to(country):
        return entry.countries[0] if entry.countries else None
    return country


def _resolve(
    meaning: NameMeaning, country: str | None, text: str, a: int, b: int, lang: Language
) -> list[tuple[kb.ActorEntry, str | None]]:
    """The actors a matched name stands for in a report on ``country`` (ISO2 or None), each
    with the state it is tied to. Order: an entry of the report's country (``FDS`` in a
    report on Syria are the SDF); a generic label (the adjective's state, or else the
    report's; unresolved when neither is known); a national body (the report's state); any
    other entry (by its specific names only)."""
    own = [e for e in (*meaning.entries, *meaning.local) if e.belongs_to(country)]
    if own:
        return [(own[0], _tie(own[0], country))]
    if meaning.generic == "state_forces":
        if a > 0 and text[a - 1] == "-":
            return []  # "anti-government forces", "pro-government forces"
        if _attributive(text, a, b, lang):
            return []  # "military operations", "police station"
        states = _adjective_states(text, a, b, lang)
        if states is None:
            return []
        states = states or ([country] if country else [])
        return [(state_forces(iso), iso) for iso in states]
    if meaning.generic == "unidentified":
        if _named_qualifier(text, a, lang):
            return []  # "Boko Haram gunmen" are not unidentified
        entry = kb.actor("unidentified")
        return [(entry, country)] if entry else []
    if not meaning.entries:
        return []  # a local name outside its country
    entry = meaning.entries[0]
    if kb.ANY_COUNTRY in entry.countries:
        return [(entry, country)]
    return [(entry, _tie(entry, None))]


def actor_names(
    text: str, lang: Language, country: str | None
) -> list[tuple[int, int, list[tuple[kb.ActorEntry, str | None]]]]:
    """Longest non-overlapping actor names of ``text`` that resolve in a report on ``country``,
    with what each stands for; names followed by an institution word (``UNMISS Human Rights
    Division``) are left out."""
    not_armed = _folded_words(lang.actors.not_armed_after)
    candidates = []
    for a, b, _key, meaning in actor_matcher(lang).find(text):
        resolved = _resolve(meaning, country, text, a, b, lang)
        if resolved:
            candidates.append((a, b, resolved, meaning.generic))
    chosen: list[tuple[int, int, list, str | None]] = []
    for c in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
        if all(c[1] <= x or c[0] >= y for x, y, _, _ in chosen):
            chosen.append(c)
    out: list[tuple[int, int, list]] = []
    for a, b, resolved, generic in sorted(chosen, key=lambda c: c[0]):
        following = kb.fold(text[b : b + 60])
        if any(following.startswith(w + " ") or following == w for w in not_armed):
            continue
        if generic == "unidentified" and out and text[out[-1][1] : a].strip() == "":
            continue  # "ISWAP gunmen": the name before says who they are
        out.append((a, b, resolved))
    return out


# ---------------------------------------------------------------- actors


@dataclass
class ActorIndex:
    """Actor names found in a report, resolved to one record per actor."""

    entries: list[dict] = field(default_factory=list)
    country: str | None = None
    """ISO2 of the report's country, when known: a state force of another state is an international force."""

    def find(self, name: str) -> dict | None:
        """The actor with this name, compared case-, accent- and plural-insensitively
        (``Dogon Ethnic Militia`` is ``Dogon ethnic militias``)."""
        key = _singular(kb.fold(name))
        return next((e for e in self.entries if key in e["singular"]), None)

    by_unit: dict[int, list[tuple[int, int, dict]]] = field(default_factory=dict)

    def mention(self, e: dict, unit: Unit, doc_id: str, start: int, end: int) -> None:
        e["mentions"].append((doc_id, unit, start, end))
        self.by_unit.setdefault(unit.index, []).append((start, end, e))

    def add(
        self, name: str, kind: str | None, aliases: list[str] = (), kb_id: str | None = None, country: str | None = None
    ) -> dict:
        """The record of this actor (a knowledge-base actor by its id, any other by its names),
        created when new; printed names become aliases."""
        found = None
        if kb_id is not None:
            found = next((e for e in self.entries if e.get("kb_id") == kb_id), None)
            if found is None and kb.actor(kb_id) is None:  # a state the list lacks, or a name the report made
                found = next((e for e in self.entries if not e.get("kb_id") and self._same(e, [name, *aliases])), None)
        else:
            for n in [name, *aliases]:
                found = found or self.find(n)
        if found is None:
            found = {
                "name": name,
                "aliases": [],
                "kind": kind,
                "kb_id": kb_id,
                "keys": {kb.fold(name)},
                "singular": {_singular(kb.fold(name))},
                "mentions": [],
                "country": country,
            }
            self.entries.append(found)
        for n in [name, *aliases]:
            if kb.fold(n) not in found["keys"]:
                found["keys"].add(kb.fold(n))
                found["singular"].add(_singular(kb.fold(n)))
                found["aliases"].append(n)
        found["kind"] = found["kind"] or kind
        found["country"] = found.get("country") or country
        return found

    def _same(self, e: dict, names: list[str]) -> bool:
        return any(_singular(kb.fold(n)) in e["singular"] for n in names)

    def add_entry(self, entry: kb.ActorEntry, printed: str, tie: str | None) -> dict:
        """The record of a knowledge-base actor; a state's forces in a report on another state
        are an international force there (``FAMa`` in a report on Niger)."""
        kind = entry.kind
        if kind == "state_forces" and self.country and tie and tie != self.country:
            kind = "international_force"
        e = self.add(entry.name, kind, [printed], entry.id, tie)
        return e


def _singular(key: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in key.split())


def _kind_from_cues(name: str, lang: Language, prefer: tuple[str, ...] = ()) -> str | None:
    low = name.lower()
    sections = lang.actor_kinds.cues()
    order = [k for k in prefer if k in sections] + [k for k in sections if k not in prefer]
    for kind in order:
        if word_pattern(sections[kind]).search(low):
            return kind
    return None


def _source_names(bibliography_orgs: list[str]) -> set[str]:
    """Folded names and acronyms of the organisations the report cites as sources."""
    names = set()
    for org in bibliography_orgs:
        m = re.match(r"^(.*?)\s*\(([^)]*)\)\s*(.*)$", org)
        parts = [org] if not m else [m.group(1), m.group(2), f"{m.group(1)} {m.group(3)}".strip()]
        names.update(kb.fold(p) for p in parts if p.strip())
    return names


def _foreign(name: str, country_iso2: str | None) -> bool:
    """True when ``name`` names another country (``Military Forces of France`` in a Mali report)."""
    for word in re.findall(r"[A-Z][a-z]+", name):
        found = kb.country(word)
        if found and found[0] != country_iso2:
            return True
    return False


@dataclass(frozen=True)
class ActorPatterns:
    """The actor cues of one language compiled once per process (:func:`actor_patterns`)."""

    heads: re.Pattern[str]
    """A word that makes a name an organisation worth checking (``forces``, ``militia``)."""
    community_group: re.Pattern[str]
    """``Dogon militias``, ``armed men from the Fulani community``: a community's armed group."""
    community_gate: WordGate
    """The militia and armed-people words ``community_group`` needs one of."""
    event_words: re.Pattern[str]
    """Any event word (case-insensitive): a sentence of event statistics."""
    definition: re.Pattern[str]
    """A name defined by its acronym: ``Group for the Support of Islam and Muslims (JNIM)``."""
    named_group: re.Pattern[str]
    """``the Sékou Bolly group``."""
    group_gate: WordGate
    """The group words ``named_group`` needs one of."""


@cache
def actor_patterns(lang: Language) -> ActorPatterns:
    g = lang.grammar
    armed = alternation(g.armed_people)
    return ActorPatterns(
        heads=word_pattern(lang.actor_kinds.heads),
        community_group=re.compile(
            rf"\b(?P<who>[A-Z][\w’'-]+)\s+(?:(?:{alternation(g.group_adjectives)})\s+)*(?:{alternation(lang.actor_kinds.communal_militia)}|{armed})(?!\w)"
            rf"|(?<!\w)(?:{armed})\s+(?:\w+\s+){{0,2}}?(?:{alternation(g.of)}|from)\s+(?:(?:{alternation(g.articles)})\s+)?"
            rf"(?P<who2>[A-Z][\w’'-]+)\s+(?:{alternation(g.community)})(?!\w)"
        ),
        community_gate=word_gate((*lang.actor_kinds.communal_militia, *g.armed_people)),
        event_words=word_pattern((p for ps in lang.events.values() for p in ps), re.I),
        definition=re.compile(
            rf"(?P<long>{_NAME}(?: (?:{alternation(g.name_particles)})(?: {_NAME}| [a-z][\w'’\-]*)*)*)"
            rf"\s*\((?:the\s+)?(?:(?P<alt>[^()]*?)\s+[-–]\s+)?(?P<acr>[A-Z][A-Za-z0-9]{{1,9}})\)"
        ),
        named_group=re.compile(
            rf"(?<!\w)(?:{alternation(g.articles)})\s+({_NAME})\s+(?:{alternation(g.group_word)})(?!\w)"
        ),
        group_gate=word_gate(g.group_word),
    )


def find_actors(
    units: list[Unit],
    lang: Language,
    doc_id: str,
    source_orgs: list[str] = (),
    place_names: set[str] = frozenset(),
    country_iso2: str | None = None,
) -> ActorIndex:
    """Actors of the report's running text. ``country_iso2`` is the report's country when
    known: it decides what generic labels (``security forces``) and shared acronyms (``FDS``,
    ``ADF``) stand for; without it, only names specific to one actor are resolved."""
    index = ActorIndex(country=country_iso2)
    sources = _source_names(source_orgs)
    P = actor_patterns(lang)
    heads, community_group, event_words, definition, named_group = (
        P.heads,
        P.community_group,
        P.event_words,
        P.definition,
        P.named_group,
    )
    communities = community_words(units, lang, actors=True)
    by_fold = _kb_by_fold()
    patterns = _name_patterns(lang)

    def kb_lookup(name: str) -> kb.ActorEntry | None:
        return by_fold.get(kb.fold(name))

    for unit in units:
        if unit.sentence is not None:
            continue
        text = unit.text
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int, taken: list[tuple[int, int]] = taken) -> bool:
            return all(b <= x or a >= y for x, y in taken)

        # 1. groups named after a community: "Fulani armed groups", "armed men from the Dogon community"
        for m in community_group.finditer(text) if P.community_gate.may_match(text) else ():
            who = m.group("who") or m.group("who2")
            if kb.fold(who) not in communities or not free(m.start(), m.end()):
                continue
            entry = next(
                (
                    kb_lookup(n)
                    for n in (m.group(), f"{who} militia", f"{who} militias", f"{who} ethnic militia")
                    if kb_lookup(n)
                ),
                None,
            )
            name = entry.name if entry else f"{who} ethnic militias"
            e = index.add(name, "communal_militia", [m.group().strip()], entry.id if entry else None)
            index.mention(e, unit, doc_id, m.start(), m.end())
            taken.append((m.start(), m.end()))
        # 2. names and aliases of the knowledge base, generic labels and "unidentified gunmen" forms
        for a, b, resolved in actor_names(text, lang, country_iso2):
            if not free(a, b):
                continue
            taken.append((a, b))
            for entry, tie in resolved:
                index.mention(index.add_entry(entry, text[a:b], tie), unit, doc_id, a, b)
        # 3. aliases the report defines: Long Name (ACRONYM) / (the Long Name - ACRONYM)
        for m in definition.finditer(text) if "(" in text else ():  # "Long Name (ACRONYM)"
            long, acr = m.group("long").strip(), m.group("acr")
            if kb.fold(long) in sources or kb.fold(acr) in sources:
                continue
            known = index.find(acr) or index.find(long)
            names = [n for n in (long, m.group("alt"), acr) if n]
            if known:
                index.add(known["name"], known["kind"], names)
            elif heads.search(long.lower()):
                kind = _kind_from_cues(long + " " + (m.group("alt") or ""), lang) or _pattern_kind(long, lang)
                e = index.add(acr, kind, names)
                index.mention(e, unit, doc_id, m.start(), m.end())
                taken.append((m.start(), m.end()))
        # 4. "the Sékou Bolly group": a named group, kind from the sentence's words
        for m in named_group.finditer(text) if P.group_gate.may_match(text) else ():
            if not free(m.start(1), m.end()) or index.find(m.group(1)) or kb.fold(m.group(1)) in place_names:
                continue
            siblings = [e["kind"] for a, b, e in index.by_unit.get(unit.index, []) if e.get("kind")]
            window = text[max(0, m.start() - 200) : m.end() + 80]
            kind = (
                max(set(siblings), key=siblings.count)
                if siblings
                else _kind_from_cues(window, lang, prefer=("communal_militia", "jihadist_group", "unidentified"))
            )
            if kind:
                e = index.add(f"{m.group(1)} group", kind, [m.group(1)])
                index.mention(e, unit, doc_id, m.start(1), m.end())
        # 5. a lower-case name the report defines by its initials: "non-state armed groups (NSAGs)"
        for a, b, long, acr in _defined_by_initials(text, lang):
            if not free(a, b) or index.find(acr) or kb.fold(long) in sources or kb.fold(acr) in sources:
                continue
            if heads.search(long.lower()):
                kind = _kind_from_cues(long, lang) or "unidentified"
                e = index.add(acr, kind, [long, acr])
                index.mention(e, unit, doc_id, a, b)
                taken.append((a, b))
        # 6. groups the list lacks, named by a pattern: "Hamza Brigade", "Katiba Serma", "milice Zaïre"
        for pattern, kind, gate in patterns:
            for m in pattern.finditer(text) if gate.may_match(text) else ():
                name = m.group("name")
                if not free(m.start(), m.end()) or not _group_name(name, lang) or kb.fold(name) in communities:
                    continue
                e = index.add(m.group().strip(), kind, [])
                index.mention(e, unit, doc_id, m.start(), m.end())
                taken.append((m.start(), m.end()))
    # 7. names of event-statistics lists: "Unidentified armed groups (50)"
    for unit in units:
        if unit.sentence is None:
            continue
        m = re.match(r"(?P<name>[^()]+?)\s*\(\s*\d", unit.text)
        if not m or not event_words.search(unit.sentence.text):
            continue
        name = m.group("name").strip()
        if kb.fold(name) in place_names:
            continue
        known = index.find(name) or _by_leading_alias(index, name)
        kind = known["kind"] if known else _kind_from_cues(name, lang)
        if known is None and kind is None and not any(h in name.lower() for h in lang.actor_kinds.heads):
            continue
        if kind == "state_forces" and _foreign(name, country_iso2):
            kind = "international_force"
        e = index.add(known["name"] if known else name, kind, [name])
        index.mention(e, unit, doc_id, 0, len(name))
    return index


@cache
def _name_patterns(lang: Language) -> tuple[tuple[re.Pattern, str, WordGate], ...]:
    """Patterns of group names the knowledge base lacks, from the language file
    (``[actors] heads_after`` / ``heads_before``), with the kind each head gives and the gate
    of its heads (each pattern needs one, as printed)."""
    small = alternation(sorted({*lang.function_words, *lang.grammar.articles}))
    name = rf"(?P<name>(?!(?i:{small})\s)[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){{0,2}})"
    out = []
    for kind, heads in lang.actors.heads_after.items():
        out.append(
            (re.compile(rf"(?<![\w-]){name}(?:\s+|-)(?:{alternation(heads)})(?!\w)"), kind, word_gate(heads))
        )  # "Kokodo-Miliz" too
    for kind, heads in lang.actors.heads_before.items():
        out.append((re.compile(rf"(?<![\w-])(?:{alternation(heads)})\s+{name}(?![\w-])"), kind, word_gate(heads)))
    return tuple(out)


def _pattern_kind(name: str, lang: Language) -> str | None:
    """The kind a group-name pattern gives ``name`` (``Kadiweu Liberation Movement``: political)."""
    return next((kind for pattern, kind, _gate in _name_patterns(lang) if pattern.search(name)), None)


def _group_name(name: str, lang: Language) -> bool:
    """A name that can be a group's own: not a function word (``The militia``), nor a state
    or its adjective (``Kenya Defence Forces`` is a state force, left to the generic labels)."""
    words = name.split()
    if kb.fold(words[0]) in _small_words(lang):
        return False
    forms = kb.adjective_forms()
    return not any(kb.fold(w) in forms or (len(w) > 3 and kb.country(w)) for w in words)


def _defined_by_initials(text: str, lang: Language) -> list[tuple[int, int, str, str]]:
    """(start, end, name, acronym) of ``name (ACR)`` where the words of a lower-case name
    give the acronym's letters (``groupes armés non étatiques (GANE)``); particles may be skipped."""
    skip = {kb.fold(w) for w in (*lang.grammar.name_particles, *lang.grammar.articles)}
    out = []
    for m in re.finditer(r"\((?P<acr>[A-Z]{2,8})(?P<pl>s?)\)", text):
        letters = m.group("acr").lower()
        words = list(re.finditer(r"[^\W\d_]+", text[max(0, m.start() - 120) : m.start()]))
        base = max(0, m.start() - 120)
        for i in range(len(words) - 1, -1, -1):
            span = words[i:]
            initials = "".join(kb.fold(w.group())[0] for w in span if kb.fold(w.group()) not in skip)
            if initials == letters and kb.fold(span[0].group()) not in skip:
                gap = text[base + span[-1].end() : m.start()]
                if gap.strip() == "":
                    a = base + span[0].start()
                    out.append((a, m.end(), text[a : base + span[-1].end()], m.group("acr") + m.group("pl")))
                break
            if len(initials) > len(letters):
                break
    return out


def _by_leading_alias(index: ActorIndex, name: str) -> dict | None:
    """``Dozo communal militias`` is the actor known as ``Dozo``: a known name that is the
    first word of a list entry's name, when that name goes on with a group word."""
    words = kb.fold(name).split()
    for e in index.entries:
        for key in e["keys"]:
            n = len(key.split())
            if n < len(words) and words[:n] == key.split() and e.get("kind") == "communal_militia":
                return e
    return None


def actors_output(index: ActorIndex) -> list[Actor]:
    out = []
    for e in index.entries:
        if not e["kind"]:
            continue
        out.append(
            Actor(
                id=stable_id(e.get("kb_id") or kb.fold(e["name"])),
                name=e["name"],
                aliases=e["aliases"],
                kind=e["kind"],
                country=e.get("country"),
                mentions=[_prov(*m) for m in e["mentions"][:MAX_MENTIONS]],
            )
        )
    return out


# ---------------------------------------------------------------- places


@dataclass
class PlaceIndex:
    """Places found in a report, one record per (name, type)."""

    country: str | None = None
    entries: dict[tuple[str, str], dict] = field(default_factory=dict)
    current_admin1: str | None = None
    """The first-level unit the text is about at this point (for villages named without one)."""
    by_unit: dict[int, list[tuple[int, int, str, str]]] = field(default_factory=dict)
    same_area: object = None
    """Key function for areas: names that differ only by a filler word (``river``) are one area."""

    def add(
        self,
        name: str,
        type_: str,
        unit: Unit | None,
        doc_id: str,
        start: int = 0,
        end: int = 0,
        admin1: str | None = None,
        pcode: str | None = None,
        admin2: str | None = None,
        aliases: tuple[str, ...] = (),
        country: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        geonameid: int | None = None,
    ) -> dict:
        key = (kb.fold(name), type_)
        if type_ == "other" and self.same_area is not None:
            key = (self.same_area(kb.fold(name)), type_)
        e = self.entries.get(key)
        if e is not None and kb.fold(name) != kb.fold(e["name"]) and name not in e["aliases"]:
            e["aliases"].append(name)
        if e is None:
            e = self.entries[key] = {
                "name": name,
                "type": type_,
                "admin1": admin1,
                "pcode": pcode,
                "admin2": admin2,
                "aliases": list(aliases),
                "mentions": [],
                "country": country,
                "lat": lat,
                "lon": lon,
                "geonameid": geonameid,
            }
        if (
            unit is not None
            and unit.text[start:end]
            and kb.fold(unit.text[start:end]) not in {kb.fold(n) for n in (e["name"], *e["aliases"])}
        ):
            e["aliases"].append(unit.text[start:end])  # the spelling the report uses
        e["admin1"] = e["admin1"] or admin1
        e["admin2"] = e["admin2"] or admin2
        e["country"] = e["country"] or country
        if e["lat"] is None and lat is not None:
            e["lat"], e["lon"], e["geonameid"] = lat, lon, geonameid
        if unit is not None:
            e["mentions"].append((doc_id, unit, start, end))
            self.by_unit.setdefault(unit.index, []).append((start, end, unit.text[start:end], type_))
        return e


_PAREN = r"(?:\s*\([^()]{0,40}\))?"
"""A short parenthesis after a name in a list (``River Nile (16.38%), Northern (13.73%)``)."""


_NAME_RE = re.compile(rf"({_NAME})")
_PAREN_RE = re.compile(_PAREN)
_NAME_BEFORE_PAREN = re.compile(rf"({_NAME})\s*\(")
_CAPITAL = re.compile(r"[A-Z]")


@cache
def _list_separator(lang: Language | None) -> re.Pattern[str]:
    """What stands between two names of a list: a comma, ``and``/``or``, a repeated ``of``."""
    conj = f"{alternation(lang.grammar.and_)}|{alternation(lang.grammar.or_)}" if lang else "and|or"
    of = alternation(lang.places.of) if lang else "of"
    return re.compile(rf"\s*(?:,\s*(?:(?:{conj})\s+)?|\s+(?:{conj})\s+)\s*(?:(?:{of})\s*)?")


def _enumeration(text: str, stop_cues: tuple[str, ...] = (), lang: Language | None = None) -> list[tuple[int, int]]:
    """Spans of the capitalised names in ``A, B, C and D`` at the start of ``text`` (a short
    parenthesis after a name and a repeated ``of`` — ``d'Ayorou, de Baninbangou et de X`` —
    are skipped); a name followed by one of ``stop_cues`` (``Bankass cercle``) belongs to
    another phrase."""
    spans = []
    pos = 0
    separator = _list_separator(lang)
    stop = word_pattern(stop_cues, re.I, before="", after=r"\b")
    while True:
        m = _NAME_RE.match(text, pos)
        if not m:
            break
        rest = m.end(1)
        while rest < len(text) and text[rest] in " *_":
            rest += 1
        if spans and stop.match(text, rest):
            break
        if m.group(1).lower() in stop_cues:
            break  # "…, Région de Tillabéri": the next cue word starts another phrase
        spans.append((m.start(1), m.end(1)))
        pos = _PAREN_RE.match(text, m.end(1)).end()
        sep = separator.match(text, pos)
        if not sep or not _CAPITAL.match(text, sep.end()):
            break
        pos = sep.end()
    return spans


@dataclass(frozen=True)
class PlacePatterns:
    """The place cues of one language compiled once per process (:func:`place_patterns`):
    what ``find_places`` applies to every sentence. Cue words match whatever their case
    (``Provinz``, ``Kayah State``, ``région de``)."""

    cues: dict[str, tuple[str, ...]]
    """Cue words by place type, in the order of the language file."""
    all_cues: tuple[str, ...]
    """The cue words of admin units and populated places: where a list of names stops."""
    cue_before: tuple[tuple[str, WordGate, re.Pattern[str], WordStarts | None], ...]
    """(type, its cue words' gate, cue word before a list of names, where that may start):
    ``the cercles of``, ``villages of``. The gate skips, with substring tests, the sentences
    without a cue word; the starts, the words no cue word begins."""
    cue_after: tuple[tuple[str, WordGate, re.Pattern[str]], ...]
    """(type, its cue words' gate, a name or list of names and the cue word after it):
    ``Bandiagara and Bankass cercles``. The pattern tries a list of names at every capital
    letter: it runs only on sentences the gate lets through."""
    enumeration: re.Pattern[str]
    """A list of two or more capitalised names."""
    area_gate: WordGate
    """The area cue words, as ``named_area`` and ``borrowed_area`` need one."""
    named_area: re.Pattern[str]
    """Capitalised words before an area cue: ``the Dogon plateau``, ``inner Niger delta``."""
    borrowed_area: re.Pattern[str]
    """An area cue before a non-English word: ``zone inondée``."""
    place_word: re.Pattern[str]
    """A place preposition at the end of the text before a name: ``in``, ``near the``."""
    crossing: re.Pattern[str]
    """Words that make another country part of the report's events."""
    country_prep: re.Pattern[str]
    """A preposition before a (list of) country names at the end of the text before one."""
    org_after: re.Pattern[str]
    """``for``/``of`` and a capital after a name: the head of an organisation's name."""
    level_cues: dict[str, re.Pattern[str]]
    """An admin1 or admin2 cue word anywhere in a sentence."""
    near_gate: WordGate
    """The ``near`` words ``after_near`` needs one of."""
    after_near: re.Pattern[str]
    """``near X``."""
    stop: frozenset[str]
    """Capitalised words never taken as a place (function words, month names, ``not_places``)."""


@cache
def place_patterns(lang: Language) -> PlacePatterns:
    places = lang.places
    cues = {t: places.cues(t) for t in ("admin1", "admin2", "admin3", "populated_place", "other")}
    place_of = alternation(places.of)
    g_and = alternation(lang.grammar.and_)
    other = alternation(cues["other"])
    before_only = set(places.before_only)
    enumeration = rf"((?:{_NAME}){_PAREN}(?:(?:,\s*|\s+(?:{g_and})\s+|,\s+(?:{g_and})\s+)(?:{_NAME}){_PAREN})*)"
    return PlacePatterns(
        cues=cues,
        all_cues=tuple(w for t in ("admin1", "admin2", "admin3", "populated_place") for w in cues[t]),
        cue_before=tuple(
            (
                t,
                word_gate(cues[t], ignore_case=True),
                re.compile(
                    rf"(?<!\w)(?i:{alternation(cues[t])}):?\s+(?:(?i:{place_of})\s*)?(?:(?i:l'|l’|la|le|les|the)\s*)?(?=[A-Z])"
                ),
                word_starts(cues[t], digits=False),
            )
            for t in ("admin1", "admin2", "admin3", "populated_place")
            if cues[t]
        ),
        cue_after=tuple(
            (
                t,
                word_gate((w for w in cues[t] if w not in before_only), ignore_case=True),
                re.compile(rf"{enumeration}\s+[*_]?(?i:{alternation(w for w in cues[t] if w not in before_only)})\b"),
            )
            for t in ("admin1", "admin2", "admin3", "populated_place")
            if any(w not in before_only for w in cues[t])
        ),
        enumeration=re.compile(
            rf"(?:{_NAME}){_PAREN}(?:(?:,\s*|\s+(?:{g_and})\s+|,\s+(?:{g_and})\s+)(?:(?:{place_of})\s*)?(?:{_NAME}){_PAREN})+"
        ),
        area_gate=word_gate(cues["other"]),
        named_area=re.compile(
            rf"\b((?:(?:{alternation(places.other_prefixes)})\s+)?(?:[A-Z][\w'’\-]+\s+)+(?:(?:{alternation(places.river)})\s+)?)(?:{other})\b"
        ),
        borrowed_area=re.compile(rf"\b(?:{other})\s+[^\W\d_]*[^\x00-\x7f][^\W\d_]*\b"),
        place_word=re.compile(rf"(?<!\w)(?i:{alternation(places.prepositions)})\s+(?:(?i:the|la|le|l'|l’)\s*)?$"),
        crossing=re.compile(rf"(?<!\w)(?i:{alternation(places.crossing_words)})"),
        country_prep=re.compile(
            rf"(?<!\w)(?i:{alternation(places.country_prepositions)})\s+(?:(?i:the\s|le\s|la\s|l'|l’|die\s|den\s|dem\s)\s*)?"
            rf"(?:[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*\s*(?:,\s*|\s+(?:{g_and})\s+)(?:(?i:le|la|l'|l’)\s+)?)*$"
        ),
        org_after=re.compile(rf"\s+(?:{alternation(places.organisation_links)})\s+[A-Z]"),
        level_cues={t: word_pattern(cues[t], before=r"\b", after=r"\b") for t in ("admin2", "admin1")},
        near_gate=word_gate(places.near),
        after_near=re.compile(rf"(?<!\w)(?:{alternation(places.near)})\s+({_NAME})"),
        stop=frozenset(
            {w.lower() for w in lang.function_words} | {w.lower() for w in places.not_places} | set(lang.month_table)
        ),
    )


@dataclass(frozen=True)
class GazetteerNames:
    """A country's admin units by each of their names, in the three forms ``find_places``
    looks names up in, and its neighbours' units by name: knowledge, so built once per
    country and process (:func:`gazetteer_names`), not once per report. Read only."""

    by_name: dict[str, list[kb.PlaceEntry]]
    """``kb.fold`` of every name and alias."""
    by_key: dict[str, list[kb.PlaceEntry]]
    """Transliteration key (``kb_places.usable_key``) of every name long enough to have one."""
    by_bare: dict[str, list[kb.PlaceEntry]]
    """``kb_places.bare_key`` of every name (no article, spaces or apostrophes)."""
    country: kb.PlaceEntry | None
    """The country's own entry."""
    neighbours: tuple[str, ...] = ()
    """ISO3 codes of the neighbours, in ``kb.neighbours`` order."""

    @cached_property
    def folded(self) -> frozenset[str]:
        """Every name of the country's gazetteer, ``kb.fold`` form: words that are place names."""
        return frozenset(self.by_name)

    @cached_property
    def near_by_name(self) -> dict[str, list[kb.PlaceEntry]]:
        """The neighbours' admin units (no country entries), by ``kb.fold`` of each name: built
        when a report first names a unit its country lacks (15 of the 28 excerpts do), not
        with the country's own tables (the neighbours' gazetteers cost 10-30 ms)."""
        out: dict[str, list[kb.PlaceEntry]] = {}
        for iso3 in self.neighbours:
            for p in kb.gazetteer(iso3):
                if p.type != "country":
                    for n in (p.name, *p.aliases):
                        out.setdefault(kb.fold(n), []).append(p)
        return out


_NO_NAMES = GazetteerNames({}, {}, {}, None)


@lru_cache(maxsize=64)
def gazetteer_names(iso3: str) -> GazetteerNames:
    """The name tables of a country's gazetteer (see :class:`GazetteerNames`)."""
    gaz = kb.gazetteer(iso3)
    by_name: dict[str, list[kb.PlaceEntry]] = {}
    by_key: dict[str, list[kb.PlaceEntry]] = {}
    by_bare: dict[str, list[kb.PlaceEntry]] = {}
    for p in gaz:
        for n in (p.name, *p.aliases):
            by_name.setdefault(kb.fold(n), []).append(p)
            by_bare.setdefault(kb_places.bare_key(n), []).append(p)
            if kb_places.usable_key(n):
                by_key.setdefault(kb_places.usable_key(n), []).append(p)
    found = kb.country(iso3)
    near = (kb.country(code) for code in (kb.neighbours(found[0]) if found else ()))
    country = next((p for p in gaz if p.type == "country"), None)
    return GazetteerNames(by_name, by_key, by_bare, country, tuple(c[1] for c in near if c))


def find_places(
    units: list[Unit],
    lang: Language,
    doc_id: str,
    iso3: str | None,
    ner: dict[int, list[tuple[int, int, str]]] | None = None,
    actor_spans: Mapping[int, list[tuple]] | None = None,
) -> PlaceIndex:
    """Places of the report's country, and of its neighbours where a cue names them
    (``Sokoto, Zamfara and Katsina states`` in a report on Niger). ``ner`` optionally maps a
    unit index to statistical entities (start, end, label) used to confirm names after ``near``.

    Admin units are the country's gazetteer (``kb.gazetteer``: OCHA P-codes or ISO 3166-2),
    found by their exact name (an Aho-Corasick automaton) or a transliteration variant
    (``kb.places.translit_key``: ``Hajja`` is ``Hajjah``). Towns are GeoNames populated
    places, taken where a cue names them (``the town of X``, ``villes de A, B et C``) or, bare,
    after a place preposition (``in X``, ``near X``) or when they are large cities; a capitalised
    word that is only a small village's name elsewhere in the text is not taken."""
    index = PlaceIndex()
    fillers = {kb.fold(w) for w in (*lang.places.river, *lang.places.other, *lang.places.admin1)}
    index.same_area = lambda key: " ".join(w for w in key.split() if w not in fillers)
    found = kb.country(iso3) if iso3 else None
    iso2 = found[0] if found else None
    index.country = iso2
    names = gazetteer_names(iso3) if iso3 else _NO_NAMES
    by_name, by_key, by_bare = names.by_name, names.by_key, names.by_bare
    neighbour_codes = kb.neighbours(iso2) if iso2 else ()
    country = names.country
    P = place_patterns(lang)
    cues, all_cues = P.cues, P.all_cues
    cue_before, cue_after, enumeration_re = P.cue_before, P.cue_after, P.enumeration
    named_area, borrowed_area, place_word, crossing, country_prep = (
        P.named_area,
        P.borrowed_area,
        P.place_word,
        P.crossing,
        P.country_prep,
    )
    org_after, level_cues, after_near = P.org_after, P.level_cues, P.after_near
    area_gate, near_gate = P.area_gate, P.near_gate
    other = alternation(cues["other"])
    country_areas = (
        []
        if country is None
        else [
            (
                word_gate((country.name,), ignore_case=True),
                re.compile(rf"\b(?:{alternation(lang.places.directions)})\s+{re.escape(country.name)}\b", re.I),
                word_starts(lang.places.directions, digits=False),
            ),
            (
                word_gate((country.name + "-",)),
                re.compile(rf"\b{re.escape(country.name)}-[A-Z][a-z]+\s+(?:{other})\b"),
                None,
            ),
        ]
    )
    # "south-eastern part of Myanmar", "Northern and Central Iraq", "north-west Nigeria" (a
    # neighbour), "im Norden Nigerias": a direction and any name of the country
    area_countries = [c for c in (iso2, *neighbour_codes) if c]
    direction_area = _direction_area(lang, tuple(area_countries)) if area_countries else None
    regions = _regions_pattern(lang, tuple(area_countries)) if area_countries else None
    admin_automaton = _admin_automaton(iso3) if iso3 else None
    town_automaton = kb_places.town_automaton(iso2) if iso2 else None
    big_city = PLACE_TUNING["big_city_population"]
    stop = P.stop
    communities = community_words(units, lang)
    section: tuple[str, ...] = ()

    translits: dict[str, kb.PlaceEntry | None] = {}

    def translit(name: str) -> kb.PlaceEntry | None:
        """The admin unit a name is a transliteration variant of (``Hajja``, ``Sar-i-Pul``,
        ``Anbar`` for Al-Anbar), when the spellings are also close letter by letter
        (``Morden`` is not ``Maradun``). Each name is looked up once per report: a report
        prints its places' names again and again."""
        if name not in translits:
            translits[name] = _translit(name)
        return translits[name]

    def _translit(name: str) -> kb.PlaceEntry | None:
        entries = [p for p in by_bare.get(kb_places.bare_key(name), []) if p.type != "country"]
        if entries:
            return min(entries, key=lambda p: p.type)
        entries = [p for p in by_key.get(kb_places.usable_key(name) or "", []) if p.type != "country"]
        close = [p for p in entries if any(kb_places.similar(name, n) for n in (p.name, *p.aliases))]
        return min(close, key=lambda p: p.type) if close else None

    def lookup(name: str, type_: str, neighbours: bool = False) -> kb.PlaceEntry | None:
        key = kb_places.usable_key(name)
        tables = ((by_name, kb.fold(name)), (by_bare, kb_places.bare_key(name)), (by_key, key))
        for table, k in tables + (((names.near_by_name, kb.fold(name)),) if neighbours else ()):
            hit = next(
                (
                    p
                    for p in table.get(k or "", [])
                    if p.type == type_
                    and (table is not by_key or any(kb_places.similar(name, n) for n in (p.name, *p.aliases)))
                ),
                None,
            )
            if hit is not None:
                return hit
        return None

    def add_admin(entry: kb.PlaceEntry, unit: Unit, a: int, b: int) -> None:
        coords = kb_places.unit_coords(entry.country, entry.name) or (None, None)
        index.add(
            entry.name,
            entry.type,
            unit,
            doc_id,
            a,
            b,
            admin1=entry.admin1,
            pcode=entry.pcode,
            aliases=tuple(n for n in entry.aliases),
            country=entry.country,
            lat=coords[0],
            lon=coords[1],
        )

    for unit in units:
        if unit.sentence is not None:
            # "Koro (57)" in a sentence about "cercles": the entry names an admin unit of that level
            m = _NAME_BEFORE_PAREN.match(unit.text)
            level = next((t for t in ("admin2", "admin1") if level_cues[t].search(unit.sentence.text)), None)
            if m and level:
                entry = lookup(m.group(1), level)
                if entry is not None:
                    add_admin(entry, unit, m.start(1), m.end(1))
            continue
        text = unit.text
        folded = kb_places.char_fold(text)
        admin_hits = kb_places.longest(admin_automaton.find(folded)) if admin_automaton else []
        town_hits = kb_places.longest(town_automaton.find(folded)) if town_automaton else []
        town_spans = {(a, b) for a, b, _ in town_hits}
        claimed: list[tuple[int, int]] = [(a, b) for a, b, *_ in (actor_spans or {}).get(unit.index, ())]
        if tuple(unit.block.section) != section:
            section, index.current_admin1 = tuple(unit.block.section), None
        for a, _b, entries in admin_hits:
            named = [p.admin1 for p in entries if p.type in ("admin1", "admin2")]
            if named and text[a].isupper():
                index.current_admin1 = named[0]
                break

        def after_place_word(a: int, text: str = text) -> bool:
            return bool(place_word.search(text[max(0, a - 20) : a]))

        def claim(a: int, b: int, claimed: list[tuple[int, int]] = claimed) -> bool:
            if any(not (b <= x or a >= y) for x, y in claimed):
                return False
            claimed.append((a, b))
            return True

        # cue word BEFORE an enumeration: "the cercles of A, B and C", "villages of A and B"
        lowered = caseless(text)
        cued = {type_ for type_, gate, _pattern, _starts in cue_before if gate.may_match(text, lowered)}
        for type_, _gate, pattern, starts in cue_before:
            for m in _scan(pattern, starts, text, lowered) if type_ in cued else ():
                for a, b in _enumeration(text[m.end() :], all_cues, lang):
                    a, b = a + m.end(), b + m.end()
                    _place(
                        index, lookup, add_admin, type_, text[a:b], unit, doc_id, a, b, claim, text, communities, lang
                    )
        # cue word AFTER a name or an enumeration: "Koro cercle", "Bandiagara and Bankass cercles", "Mopti region"
        for type_, gate, pattern in cue_after:  # its cue words are some of cue_before's: closed with them
            for m in pattern.finditer(text) if type_ in cued and gate.may_match(text, lowered) else ():
                for a, b in _enumeration(m.group(1), (), lang):
                    a, b = a + m.start(1), b + m.start(1)
                    _place(
                        index, lookup, add_admin, type_, text[a:b], unit, doc_id, a, b, claim, text, communities, lang
                    )
        # areas: "central Mali", "Mali-Niger borderlands", "the Dogon plateau", "inner Niger delta"
        for gate, pattern, starts in country_areas:
            for m in _scan(pattern, starts, text, lowered) if gate.may_match(text, lowered) else ():
                if claim(m.start(), m.end()):
                    index.add(m.group(), "other", unit, doc_id, m.start(), m.end(), country=iso2)
        for areas in filter(None, (direction_area, regions)):
            gate, pattern, starts = areas
            for m in _scan(pattern, starts, text, lowered) if gate.may_match(text) else ():
                code = _area_country(
                    m.group("country") if "country" in pattern.groupindex and m.group("country") else None, iso2
                )
                if (
                    not code
                    or kb.country(m.group())
                    or by_name.get(kb.fold(m.group()))
                    or (
                        areas is direction_area
                        and re.search(r"[A-Z][\w’'-]*[ -]$", text[max(0, m.start() - 30) : m.start()])
                    )
                ):
                    continue  # "South Sudan", "North Darfur" are names of their own; "Extrême nord du …" too
                if claim(m.start(), m.end()):
                    index.add(m.group().strip(), "other", unit, doc_id, m.start(), m.end(), country=code)
        for m in named_area.finditer(text) if area_gate.may_match(text) else ():
            if claim(m.start(1), m.end()):
                index.add(
                    m.group().strip(),
                    "other",
                    unit,
                    doc_id,
                    m.start(1),
                    m.end(),
                    admin1=index.current_admin1,
                    country=iso2,
                )
        # an area named by a borrowed term after the cue word: "zone inondée" in an English report
        for m in borrowed_area.finditer(text) if not text.isascii() and area_gate.may_match(text) else ():
            if claim(m.start(), m.end()):
                index.add(
                    m.group(), "other", unit, doc_id, m.start(), m.end(), admin1=index.current_admin1, country=iso2
                )
        # "near X": a place the report introduces, confirmed by the statistical model when there is one
        for m in after_near.finditer(text) if near_gate.may_match(text) else ():
            name = m.group(1)
            ents = None if ner is None else ner.get(unit.index, [])
            confirmed = ents is None or any(
                a <= m.start(1) < b and label in ("GPE", "LOC", "FAC") for a, b, label in ents
            )
            if confirmed and lookup(name, "admin2") is None and lookup(name, "admin1") is None:
                _place(
                    index,
                    lookup,
                    add_admin,
                    "populated_place",
                    name,
                    unit,
                    doc_id,
                    m.start(1),
                    m.end(1),
                    claim,
                    text,
                    communities,
                    lang,
                )
        # countries: the report's, and another where the text puts its displaced people or its
        # conflict ("refugees in Egypt, Iraq and Lebanon", "missiles launched into Saudi Arabia")
        for a, b, code in kb_places.country_mentions(text, folded):
            if any(x <= a and b <= y and (x, y) != (a, b) for x, y in town_spans):
                continue  # "Port Sudan" is a town
            other_country = kb.country(code)
            if other_country is None or (
                code != iso2 and not (country_prep.search(text[max(0, a - 80) : a]) and crossing.search(text))
            ):
                continue
            if claim(a, b):
                index.add(other_country[2], "country", unit, doc_id, a, b, pcode=code, country=code)
        # bare names of admin units, exact (admin1 before admin2 when both bear the name) ...
        for a, b, entries in admin_hits:
            entries = [p for p in entries if p.type != "country"]
            best = min(entries, key=lambda p: p.type) if entries else None
            if (
                best is not None
                and text[a].isupper()
                and text[a:b].lower() not in stop
                and not org_after.match(text, b)
                and claim(a, b)
            ):
                add_admin(best, unit, a, b)
        # ... or spelt another way ("Hajja" for Hajjah, "Sar-i-Pul" for Sar-e-Pul)
        for a, b in _name_windows(text):
            entry = translit(text[a:b])
            if entry is not None and entry.type == "admin2" and (a, b) in town_spans:
                continue  # "Mosul" is the city; the district is spelt "Al-Mosul"
            if entry is not None and text[a:b].lower() not in stop and not org_after.match(text, b) and claim(a, b):
                add_admin(entry, unit, a, b)
        # bare town names: after a place preposition ("in X", "à X"), or a large city; a town
        # that is also an admin unit's seat and name is that unit ("Hajja" is Hajjah governorate)
        for a, b, towns in town_hits:
            name = text[a:b]
            if not text[a].isupper() or name.lower() in stop or kb.fold(name) in communities or len(name) < 4:
                continue
            town = max(towns, key=lambda t: t.population)
            unit_of = next(
                (p for n in town.names for p in by_bare.get(kb_places.bare_key(n), []) if p.type == "admin1"), None
            )
            after_preposition = after_place_word(a)
            if unit_of is not None and claim(a, b):
                add_admin(unit_of, unit, a, b)
            elif (after_preposition or town.population >= big_city) and claim(a, b):
                index.add(
                    town.name,
                    "populated_place",
                    unit,
                    doc_id,
                    a,
                    b,
                    admin1=town.admin1,
                    country=town.country,
                    lat=town.lat,
                    lon=town.lon,
                    geonameid=town.geonameid,
                )
        # the other names of a list that holds a town are towns too ("from Déou, Tin-Eigar and Pobe Mengao")
        towns_here = {(a, b) for a, b, _n, t in index.by_unit.get(unit.index, []) if t == "populated_place"}
        for m in enumeration_re.finditer(text) if towns_here else ():  # a list counts only with a town in it
            items = [(a + m.start(), b + m.start()) for a, b in _enumeration(text[m.start() : m.end()], all_cues, lang)]
            if len(items) < 2 or not any(span in towns_here for span in items):
                continue
            for a, b in items:
                name = text[a:b]
                if (
                    name.lower() not in stop
                    and kb.fold(name) not in communities
                    and not name.isupper()
                    and not any(key == kb.fold(name) for key, _type in index.entries)
                    and lookup(name, "admin1") is None
                    and lookup(name, "admin2") is None
                    and claim(a, b)
                ):
                    index.add(name, "populated_place", unit, doc_id, a, b, admin1=index.current_admin1, country=iso2)
    return index


def _country_names(iso2: str) -> list[str]:
    found = next((c for c in kb.countries() if c[0] == iso2), None)
    if found is None:
        return []
    return [n for n in (found[2], *found[3]) if re.fullmatch(r"[^\W\d_]+(?:[ -][^\W\d_]+)*", n) and len(n) > 3]


@lru_cache(maxsize=64)
def _direction_area(lang: Language, countries: tuple[str, ...]) -> _Area | None:
    """A direction and a name of one of ``countries``: ``south-eastern part of Myanmar``,
    ``Northern and Central Iraq``, ``Norden Nigerias``; with the gate of those names (the
    pattern needs one, as printed) and where a match may start (a direction word)."""
    names = [n for c in countries for n in _country_names(c)]
    directions = lang.places.area_directions
    if not names or not directions:
        return None
    d = alternation(directions)
    parts = alternation(lang.places.area_parts)
    g_and = alternation(lang.grammar.and_)
    pattern = re.compile(
        rf"(?<![\w-])(?i:{d})(?:\s+(?:{g_and})\s+(?i:{d}))?(?:\s+(?:{parts}))?\s+"
        rf"(?P<country>{alternation(names)})(?:s\b|\b)"
    )
    return _Area(word_gate(names), pattern, word_starts(directions, digits=False))


@lru_cache(maxsize=64)
def _regions_pattern(lang: Language, countries: tuple[str, ...]) -> _Area | None:
    """Named regions that are no admin unit (``gazetteer/regions.csv``: Darfur, the Nigerian
    geopolitical zones, Eastern Ghouta), with a direction word before them when there is one;
    with the gate of those names (the pattern needs one, as printed) and where a match may
    start (a direction word or a region's name)."""
    names = [n for c in countries for r in kb_places.regions(c) for n in r]
    if not names:
        return None
    d = alternation(lang.places.area_directions)
    pattern = re.compile(
        rf"(?<![\w-])(?:(?i:{d})\s+)?(?:{alternation(names)})(?:\s+(?i:{alternation(lang.places.other + lang.places.admin1)}))?(?![\w-])"
    )
    return _Area(word_gate(names), pattern, word_starts((*lang.places.area_directions, *names), digits=False))


class _Area(NamedTuple):
    """A pattern of areas, the gate of the names it needs and where its matches may start."""

    gate: WordGate
    pattern: re.Pattern[str]
    starts: WordStarts | None


def _scan(pattern: re.Pattern[str], starts: WordStarts | None, text: str, folded: str | None = None):
    """``pattern.finditer(text)``, tried only at ``starts`` when there are any (:class:`WordStarts`)."""
    return pattern.finditer(text) if starts is None else starts.finditer(pattern, text, folded)


def _area_country(name: str | None, default: str | None) -> str | None:
    if name is None:
        return default
    found = kb.country(name)
    return found[0] if found else default


PLACE_TUNING = {"big_city_population": 100_000}
"""A town named bare, with no cue and no place preposition, is taken only from this population up."""

_TRANSLIT_NAME = (
    r"[A-Z](?<![\w'’-].)[\w'’]+(?:[ -](?:(?:al|el|ad|ar|as|ash|an|at|az|ag|aj|e|i)[ -])?[A-Z][\w'’]+)*(?![\w'’-])"
)
"""A capitalised name as transliterations write it (``Salah al-Din``, ``Sar-i-Pul``, ``Al-Hudaydah``),
not inside a word. The capital comes first and the look-behind after it (``(?<!X.)`` there is
``(?<!X)`` before it), so the regex engine skips to the next capital at C speed instead of
trying the look-behind at every character."""


_TRANSLIT_NAME_RE = re.compile(_TRANSLIT_NAME)
_CAPITALISED = re.compile(r"[A-Z][\w'’]+")


def _name_windows(text: str, max_words: int = 4) -> list[tuple[int, int]]:
    """Spans of the capitalised names in ``text`` and of their runs of words (``Tikrit
    Sulaymaniyah`` in a flattened table gives both names), longest first at each start."""
    out = []
    for m in _TRANSLIT_NAME_RE.finditer(text):
        name = m.group()
        if " " not in name and "-" not in name:  # one word (most names): its one window
            out.append(m.span())
            continue
        words = [w.span() for w in _CAPITALISED.finditer(text, m.start(), m.end())]
        for i, (a, _) in enumerate(words):
            for j in range(min(len(words), i + max_words) - 1, i - 1, -1):
                out.append((a, words[j][1]))
    return out


@lru_cache(maxsize=16)
def _admin_automaton(iso3: str) -> kb_places.Automaton:
    entries: dict[str, list] = {}
    for p in kb.gazetteer(iso3):
        if p.type != "country":
            for n in (p.name, *p.aliases):
                entries.setdefault(kb_places.name_key(n), []).append(p)
    return kb_places.Automaton(entries)


def _place(
    index: PlaceIndex,
    lookup,
    add_admin,
    type_: str,
    name: str,
    unit: Unit,
    doc_id: str,
    a: int,
    b: int,
    claim,
    text: str,
    communities: set[str] = frozenset(),
    lang: Language | None = None,
) -> None:
    if kb.fold(name) in communities:
        return
    if type_ in ("admin1", "admin2"):
        # only a known admin unit (of the country or, named so, of a neighbour) is taken here:
        # "near Niaki, Koro cercle" leaves Niaki to its own cue
        entry = (
            lookup(name, type_)
            or lookup(name, "admin2" if type_ == "admin1" else "admin1")
            or lookup(name, type_, neighbours=True)
        )
        if entry is not None and claim(a, b):
            add_admin(entry, unit, a, b)
        elif (
            entry is None
            and type_ == "admin1"
            and text[b : b + 12].lstrip(" *_").lower().startswith(_plural_region(lang))
            and _area_name(name, lang)
            and claim(a, b)
        ):
            # "the Darfur and Kordofan regions": a region that is no admin unit
            index.add(name, "other", unit, doc_id, a, b, country=index.country)
        return
    if not claim(a, b):
        return
    parent = None
    m = _unit_after(lang).search(text[b : b + 80])
    if m:
        level = "admin1" if m.group(2).lower() in lang.places.admin1 else "admin2"
        other = "admin2" if level == "admin1" else "admin1"
        parent = lookup(m.group(1), level) or lookup(m.group(1), other)
    if parent is None:
        # the admin unit named with the town itself: a town that shares its cercle's name
        parent = lookup(name, "admin2") if type_ == "populated_place" else None
    town = _town(name, index.country) if type_ == "populated_place" else None
    index.add(
        name,
        type_,
        unit,
        doc_id,
        a,
        b,
        admin1=parent.admin1 if parent else (town.admin1 if town else index.current_admin1),
        admin2=parent.name if parent and parent.type == "admin2" else None,
        country=town.country if town else index.country,
        lat=town.lat if town else None,
        lon=town.lon if town else None,
        geonameid=town.geonameid if town else None,
    )


@cache
def _unit_after(lang: Language) -> re.Pattern[str]:
    """A name and the admin cue after it (``Koro cercle``): the unit a town is in."""
    return re.compile(rf"({_NAME})\s+[*_]?((?i:{alternation(lang.places.admin1 + lang.places.admin2)}))\b")


def _area_name(name: str, lang: Language | None) -> bool:
    """A plausible area name: a few words, not a shouted title, not a function word (``Les``)."""
    stop = {w.lower() for w in lang.function_words} if lang else set()
    return len(name.split()) <= 3 and not name.isupper() and name.lower() not in stop


def _plural_region(lang: Language | None) -> tuple[str, ...]:
    words = lang.places.admin1 if lang else ()
    return tuple(w for w in words if w.endswith("s")) or ("regions",)


def _town(name: str, iso2: str | None) -> kb_places.Town | None:
    """The most populous GeoNames town of that name in the country (or a neighbour)."""
    key = kb_places.name_key(name)
    for code in (iso2, *kb.neighbours(iso2)) if iso2 else ():
        hits = kb_places.towns_by_name(code).get(key)
        if hits:
            return max(hits, key=lambda t: t.population)
    return None


def community_words(units: list[Unit], lang: Language, actors: bool = False) -> set[str]:
    """Folded names the report uses for communities (``Fulani`` in ``the Fulani community``,
    ``Dogon villages``): never place names on their own. With ``actors``, only the words
    used for people (not ``Islamist groups``)."""
    gate, pattern = _community_pattern(lang, actors)
    words = set()
    for unit in units:
        for m in pattern.finditer(unit.text) if gate.may_match(unit.text) else ():
            words.add(kb.fold(m.group(1)))
    return words


@cache
def _community_pattern(lang: Language, actors: bool) -> tuple[WordGate, re.Pattern[str]]:
    """A capitalised word before a community noun (see :func:`community_words`), with the gate
    of those nouns (the pattern needs one, as printed), once per language."""
    nouns = list(lang.grammar.community_nouns)
    alt = alternation(nouns)
    if not actors:
        more = [*lang.actor_kinds.communal_militia, *lang.grammar.group_adjectives, "groups", "fighters"]
        nouns += more
        alt += "|" + alternation(more)
    # the capital first, its word boundary after it ("(?<!\w.)"): the engine skips to capitals
    return word_gate(nouns), re.compile(rf"([A-Z](?<!\w.)[a-z]+)s?\s+(?:{alt})\b")


def actor_spans(index: ActorIndex) -> ChainMap[int, list[tuple]]:
    """Spans of actor mentions per unit index (places must not be found inside them): items
    that start with ``(start, end)``. The index's own lists are read in place, not copied (a
    long report has tens of thousands); spans set on the answer (a heading's) stay in it."""
    return ChainMap({}, index.by_unit)


GEO_PRECISION = {"populated_place": 1, "admin3": 2, "admin2": 2, "admin1": 3, "other": 3}
"""ACLED's geo_precision for coordinates of each place type (1 the town itself, 2 a district
or a place near a town, 3 a province or region); countries get none."""


def places_output(index: PlaceIndex) -> list[Place]:
    out = []
    for (key, type_), e in index.entries.items():
        has_coords = e.get("lat") is not None
        out.append(
            Place(
                id=stable_id(key, type_),
                name=e["name"],
                aliases=e["aliases"],
                type=type_,
                country=e.get("country") or index.country,
                admin1=e["admin1"],
                admin2=e.get("admin2"),
                pcode=e["pcode"],
                lat=e.get("lat"),
                lon=e.get("lon"),
                geo_precision=GEO_PRECISION.get(type_) if has_coords else None,
                geonameid=e.get("geonameid"),
                mentions=[_prov(*m) for m in e["mentions"][:MAX_MENTIONS]],
            )
        )
    return out
