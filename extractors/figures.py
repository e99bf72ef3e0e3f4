"""Casualty figures, event counts and displacement figures in running text.

A unit (sentence or list entry) is read in two steps. First its typed mentions are found once:
figures (:mod:`extractors.quantities`) and the words the language file lists (counted nouns and
verbs of casualties, event categories, populations, victim groups, and the small words that
relate figures: ``of whom``, ``dont``, ``darunter``, ``which``, ``per`` …), matched on Snowball
stems so one listed form matches its inflections (German compounds by their head), with one
overlap rule (:func:`filter_spans`). Then the small named passes in :data:`PASSES` combine them
into readings: what each figure counts and who its victims are. :func:`extract_figures` turns
readings into facts, with date or period, place, source and actor from the sentence or the
sentences before it in the same section. Nothing here knows a country or a language."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from extractors.dates import dates_memo
from extractors.entities import ActorIndex, PlaceIndex
from extractors.quantities import Quantity, find_quantities
from extractors.sentences import Unit
from schemas import kb
from schemas.extraction import QUOTES, CasualtyFigure, DisplacementFigure, EventCount, Provenance, fact_id
from schemas.lang import GatedPattern, Language, alternation, caseless, gated_word_pattern, word_pattern

POPULATIONS = ("idps", "idp_returnees", "returnees_from_abroad", "refugees")
FROM_CONTEXT = "<context>"
"""A displacement figure whose population the sentence or the section names ("… individuals")."""
WEAK_CONTEXT = "<context?>"
"""The same, guessed from a comparison ("compared to 113 043"): a back-reference may still override it."""


MAX_GAP = 3
"""Words (besides the language's filler words) that may stand between a figure and what it counts:
"17 sicherheitsrelevante Vorfälle", "5.6 million Syrian refugees"."""
MAX_PREDICATE = 5
"""Words between a figure's people noun and the verb that says what happened to them
("46,000 people were displaced", "131 personnes y ont été enlevées")."""
MAX_SENTENCE = 120
"""Words beyond which a "sentence" full of figures is a flattened table or chart, not prose
(its figures are read from the table, never from a run of numbers)."""
MAX_BEFORE = 2
"""Words between a verb and the figure it governs ("killing at least 37", "displaced over two million")."""


# ---------------------------------------------------------------- typed mentions


class Token(NamedTuple):
    """A word, digit run or punctuation mark of a unit, with the two keys the lexicon matches on
    (a tuple: a unit has hundreds of tokens, each made once)."""

    start: int
    end: int
    text: str
    stem: str
    """Snowball stem of the word, lower-cased (``’`` read as ``'``)."""
    surface: str
    """``=`` and the word lower-cased, no closing apostrophe: the key of the kinds matched as
    printed (:data:`_SURFACE`)."""


@dataclass(frozen=True)
class Mention:
    """A typed span of a unit: what a figure may count, or a word that says how figures relate.

    kind is one of ``casualty`` (label: killed, injured, …, casualties), ``casualty_before`` (a verb
    before its figure), ``event`` (label: category), ``population`` (label: idps, refugees, …),
    ``people`` (a bare "people"/"personnes"), ``victims`` (label: normalised group), ``displaced``,
    ``returned``, ``change``, ``not_people``, ``sub_count``, ``anaphora``, ``filler``,
    ``elliptical_after``, ``elliptical_before``."""

    kind: str
    label: str
    first: int
    """Index of its first token."""
    last: int
    start: int
    end: int


_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-/][^\W\d_]+)*['’]?|\d+|\S")


@cache
def _stemmer(lang: Language):
    import snowballstemmer

    return snowballstemmer.stemmer(lang.figures.stemmer)


WORD_CACHE_SIZE = 50_000
"""Printed words whose keys are kept (per process and language): a report's vocabulary is a few
thousand words, and stemming is the costly part of tokenising; when the table is full it starts
again, so a long batch does not grow."""


def _word_keys(lang: Language, word: str) -> tuple[str, str]:
    """(stem, surface key) of a printed word (see :class:`Token`)."""
    low = word.lower().replace("’", "'")
    return _stemmer(lang).stemWord(low), "=" + low.rstrip("'")


@cache
def _known_words(lang: Language) -> dict[str, tuple[str, str]]:
    """Printed word → :func:`_word_keys`, per language: each word is stemmed once."""
    return {}


def tokenize(text: str, lang: Language) -> list[Token]:
    """Words, digit runs and single punctuation marks, each with its Snowball stem."""
    known = _known_words(lang)
    make = tuple.__new__  # a Token as ``Token(...)`` makes it, without a Python call per token
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        keys = known.get(word)
        if keys is None:
            if len(known) >= WORD_CACHE_SIZE:
                known.clear()
            keys = known[word] = _word_keys(lang, word)
        out.append(make(Token, (*m.span(), word, *keys)))
    return out


@cache
def _lexicon(lang: Language) -> dict[str, list[tuple[tuple[str, ...], str, str]]]:
    """First stem → [(stems of the phrase, kind, label)], longest phrase first: every word list the
    figure passes read, reduced to stems once per language."""
    entries: list[tuple[str, str, str]] = []
    for field_, words in lang.casualties.after.items():
        entries += [("casualty", field_, w) for w in words]
    for field_, words in lang.casualties.before.items():
        entries += [("casualty_before", field_, w) for w in words]
    entries += [("casualty", "casualties", w) for w in lang.casualties.unsplit]
    entries += [("not_people", "", w) for w in lang.casualties.not_people]
    for cat, words in lang.events.items():
        entries += [("event", cat, w) for w in words]
    for pop in ("idp_returnees", "returnees_from_abroad", "refugees", "idps"):
        entries += [("population", pop, w) for w in getattr(lang.displacement, pop)]
    entries += [("population", FROM_CONTEXT, w) for w in lang.displacement.returnees]
    entries += [("people", "", w) for w in lang.displacement.generic]
    for kind in ("displaced", "returned", "change"):
        entries += [(kind, "", w) for w in getattr(lang.displacement, kind)]
    for group, words in lang.victim_groups.items():
        entries += [("victims", group, w) for w in words]
    for kind in (
        "sub_count",
        "anaphora",
        "filler",
        "elliptical_after",
        "elliptical_before",
        "copula",
        "rate",
        "relative",
        "among",
    ):
        entries += [(kind, "", w) for w in getattr(lang.grammar, kind)]
    entries += [("neutral_event", "", w) for w in lang.grammar.neutral_events]
    table: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
    for kind, label, phrase in entries:
        stems = tuple(_key(t, kind) for t in tokenize(phrase, lang))
        if stems:
            table.setdefault(stems[0], []).append((stems, kind, label))
    for v in table.values():
        v.sort(key=lambda e: -len(e[0]))
    return table


_SURFACE = ("victims", "people")
"""Kinds matched on the word as printed (lower-cased), not its stem: a stem is too coarse for who
was harmed ("villagers" and "village" share one)."""


def _key(t: Token, kind: str) -> str:
    return t.surface if kind in _SURFACE else t.stem


@cache
def _compound_heads(lang: Language) -> dict[str, list[tuple[tuple[str, ...], str, str]]]:
    """First stems of 4 letters or more → their one-word entries: the heads a German compound
    may end in ("…anschlag"). A head with no one-word entry is kept (with none): as the
    longest head a word ends in, it still hides the shorter ones."""
    return {k: [e for e in v if len(e[0]) == 1] for k, v in _lexicon(lang).items() if len(k) >= 4}


def _compound_entries(stem: str, heads: dict[str, list]) -> list[tuple[tuple[str, ...], str, str]]:
    """The entries of the longest head ``stem`` ends in, shorter than ``stem`` itself (a
    compound has a word before its head); none when it ends in no head. One dictionary look-up
    per suffix length, not one ``endswith`` per head."""
    for n in range(len(stem) - 1, 3, -1):
        entries = heads.get(stem[-n:])
        if entries is not None:
            return entries
    return []


def filter_spans(mentions: list[Mention]) -> list[Mention]:
    """The one overlap rule of the figure passes (as spaCy's ``filter_spans``): of mentions that
    overlap, the longest wins, then the earliest."""
    out: list[Mention] = []
    taken: set[int] = set()
    for m in sorted(mentions, key=lambda m: (-(m.last - m.first), m.first, _PRIORITY.get(m.kind, 9))):
        if not taken.intersection(range(m.first, m.last + 1)):
            out.append(m)
            taken.update(range(m.first, m.last + 1))
    return sorted(out, key=lambda m: m.first)


_NOUN_KINDS = ("casualty", "event", "population", "not_people")
_PRIORITY = {"event": 0, "casualty": 1, "not_people": 2, "population": 3}
"""Of two counted nouns on the same words, which one counts: ``extrajudicial executions`` is an
event category, ``abducted`` (stem of ``abductions`` too) a casualty."""


def find_mentions(tokens: list[Token], lang: Language) -> list[Mention]:
    """Every typed mention of a unit, found once. Mentions of the counted-noun kinds overlap-filter
    against each other (``civilian deaths`` is an event, not ``deaths``); the others are kept as found."""
    table = _lexicon(lang)
    heads = _compound_heads(lang) if lang.figures.compounds else None
    found: list[Mention] = []
    for i, tok in enumerate(tokens):
        by_stem, by_surface = table.get(tok.stem), table.get(tok.surface)
        if by_stem and by_surface:
            cands = by_stem + by_surface
        else:
            cands = by_stem or by_surface or ()
        if heads is not None and not cands and tok.text[:1].isupper():
            cands = _compound_entries(tok.stem, heads)
        if not cands:
            continue
        seen: set[tuple[str, str]] = set()
        for stems, kind, label in cands:
            n = len(stems)
            if (kind, label) in seen or i + n > len(tokens):
                continue
            if n == 1 or all(_key(tokens[i + k], kind) == stems[k] for k in range(1, n)):
                seen.add((kind, label))
                found.append(Mention(kind, label, i, i + n - 1, tok.start, tokens[i + n - 1].end))
    nouns = filter_spans([m for m in found if m.kind in _NOUN_KINDS])
    return sorted(nouns + [m for m in found if m.kind not in _NOUN_KINDS], key=lambda m: (m.first, m.last))


@dataclass
class Reading:
    """What one figure in a unit counts."""

    q: Quantity
    casualty: str | None = None
    event: str | None = None
    population: str | None = None
    victims: str | None = None
    inherited: bool = False
    ref: Reading | None = None
    actor: str | None = None
    back_reference: bool = False
    """``Of the 343 attacks, …``: a figure named again to refer to it, not a new count."""
    first: int = 0
    """Token index of the figure's first token; ``last`` of its last."""
    last: int = 0
    noun: Mention | None = None
    """The mention it counts, once a pass has found one."""
    change: bool = False
    """``an increase of 2,400``: a change, not a stock."""

    @property
    def kind(self) -> bool:
        return bool(self.casualty or self.event or self.population)


@dataclass
class Sentence:
    """One unit seen by the passes: its tokens, mentions and figures, indexed by token."""

    text: str
    tokens: list[Token]
    mentions: list[Mention]
    readings: list[Reading]
    lang: Language
    prev: Reading | None
    _starts: dict[int, list[Mention]] = field(default_factory=dict)
    _ends: dict[int, list[Mention]] = field(default_factory=dict)
    _numbers: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for m in sorted(self.mentions, key=lambda m: -m.last):
            self._starts.setdefault(m.first, []).append(m)
            self._ends.setdefault(m.last, []).append(m)
        for r in self.readings:
            self._numbers.update(range(r.first, r.last + 1))

    def at(self, i: int, *kinds: str) -> list[Mention]:
        """Mentions of ``kinds`` that start at token ``i``, longest first."""
        return [m for m in self._starts.get(i, ()) if not kinds or m.kind in kinds]

    def ending_at(self, i: int, *kinds: str) -> list[Mention]:
        return [m for m in self._ends.get(i, ()) if not kinds or m.kind in kinds]

    def is_number(self, i: int) -> bool:
        return i in self._numbers

    def is_and(self, i: int) -> bool:
        return self.tokens[i].text.lower() in self.lang.grammar.and_

    def is_break(self, i: int) -> bool:
        return self.tokens[i].text in ".;:()[]!?" or self.is_number(i)


def _scan_after(
    s: Sentence, r: Reading, kinds: tuple[str, ...], gap: int, start: int | None = None, stop_at_and: bool = False
) -> Mention | None:
    """The first mention of ``kinds`` after the figure, past at most ``gap`` other words (filler
    words are free), stopping at punctuation, another figure or a counted noun of another kind."""
    i = r.last + 1 if start is None else start
    skipped = 0
    while i < len(s.tokens) and not s.is_break(i):
        hit = s.at(i, *kinds)
        if hit:
            return hit[0]
        if stop_at_and and s.is_and(i):
            return None
        others = [k for k in _NOUN_KINDS if k not in kinds]
        if others and s.at(i, *others):
            return None
        filler = s.at(i, "filler")
        if filler:
            i = filler[0].last + 1
            continue
        if s.tokens[i].text == "," or s.tokens[i].text in QUOTES:
            if s.tokens[i].text == ",":
                return None
            i += 1
            continue
        skipped += 1
        if skipped > gap:
            return None
        i += 1
    return None


# ---------------------------------------------------------------- passes


def counted_noun(s: Sentence) -> None:
    """``17 sicherheitsrelevante Vorfälle``, ``248 civilians were killed``, ``plus de 300 incidents``:
    the noun after a figure says what it counts; a people noun (``civilians``, ``personnes``) names
    the victims."""
    articles = set(s.lang.numbers.article_numbers)
    for r in s.readings:
        gap = 0 if s.text[r.q.start : r.q.end].lower() in articles else MAX_GAP
        hit = _scan_after(
            s,
            r,
            ("casualty", "event", "population", "not_people", "people", "victims", "displaced"),
            gap,
            stop_at_and=True,
        )
        if hit is None:
            continue
        if hit.kind in ("people", "victims"):
            r.victims = _victims(s, hit.first) or r.victims
            r.noun = hit
            continue
        r.noun = hit
        if hit.kind == "casualty":
            r.casualty = hit.label
            r.victims = r.victims or _victims_after(s, hit.last)
        elif hit.kind in ("event", "population"):
            _take(r, hit)  # "civilian deaths" count the dead as well as being an event statistic
        elif hit.kind == "displaced":  # "37,000 of them displaced", "1.3 million displaced previously"
            r.population = "idps"


def rates(s: Sentence) -> None:
    """``3 civilian deaths per 100 000 inhabitants`` is a rate, not a count."""
    for r in s.readings:
        if r.noun is not None and r.noun.last + 1 < len(s.tokens) and s.at(r.noun.last + 1, "rate"):
            r.casualty = r.event = r.population = None
            r.change = True


def predicate(s: Sentence) -> None:
    """``46,000 people were displaced``, ``12 civilians were killed``, ``131 personnes y ont été
    enlevées``: a figure of people takes the verb after it."""
    for r in s.readings:
        if r.kind or r.noun is None or r.noun.kind not in ("people", "victims"):
            continue
        hit = _scan_after(
            s, r, ("casualty", "displaced", "returned"), MAX_PREDICATE, start=r.noun.last + 1, stop_at_and=True
        )
        if hit is None:
            continue
        if hit.kind == "casualty" and hit.label != "casualties":
            r.casualty = hit.label
        elif hit.kind == "displaced":
            r.population = "idps"
        elif hit.kind == "returned":  # people who returned, with no "refugees" named: IDPs back home
            r.population = "idp_returnees"


def verb_before(s: Sentence) -> None:
    """``killing 12 traders``, ``killed at least 37 civilians``, ``killing two``, ``displaced over two
    million people``: a verb right before a figure of people (or ending its clause)."""
    for r in s.readings:
        if r.kind:
            continue
        i = r.first - 1
        gap = 0
        while i >= 0 and gap <= MAX_BEFORE and not s.is_break(i) and not s.is_and(i):
            hit = s.ending_at(i, "casualty_before", "displaced")
            if hit:
                people = r.noun is not None and r.noun.kind in ("people", "victims")
                ends = r.last + 1 >= len(s.tokens) or s.is_break(r.last + 1) or s.tokens[r.last + 1].text == ","
                lower = r.noun is None and r.last + 1 < len(s.tokens) and s.tokens[r.last + 1].text[:1].islower()
                if hit[0].kind == "displaced" and (people or ends):
                    r.population = "idps"
                elif hit[0].kind == "casualty_before" and (people or ends or lower):
                    r.casualty = hit[0].label
                break
            if s.at(i, "filler") or s.tokens[i].text in QUOTES:
                i -= 1
                continue
            gap += 1
            i -= 1


def coordinated_victims(s: Sentence) -> None:
    """``killing 12 traders and one soldier``, ``12 soldiers, 3 police officers and 20 civilians were
    killed``: victim groups joined to a casualty figure share its verb, each with its own victims."""
    readings = s.readings
    for k, r in enumerate(readings):
        if not r.casualty:
            continue
        # backwards: the groups listed before the one the verb follows
        for j in range(k - 1, -1, -1):
            other = readings[j]
            if other.kind or not other.victims or not _joined(s, other, readings[j + 1]):
                break
            other.casualty = r.casualty
        # forwards: "killing 12 traders and one soldier"
        for j in range(k + 1, len(readings)):
            other = readings[j]
            if other.kind or not other.victims or not _joined(s, readings[j - 1], other):
                break
            other.casualty = readings[j - 1].casualty


def _joined(s: Sentence, a: Reading, b: Reading) -> bool:
    """Only a people noun and ``and``/``,`` between two figures."""
    i = (a.noun.last if a.noun is not None else a.last) + 1
    while i < b.first:
        t = s.tokens[i]
        if not (t.text == "," or s.at(i, "elliptical_before") and t.text.lower() in s.lang.grammar.and_):
            return False
        i += 1
    return True


def together(s: Sentence) -> None:
    """``killing 5 and injuring 8 people``: the figures of one clause share the victims named last."""
    for a, b in zip(s.readings, s.readings[1:], strict=False):
        if a.casualty and b.casualty and a.victims is None and b.victims and a.casualty != b.casualty:
            a.victims = b.victims


def from_to(s: Sentence) -> None:
    """``civilian casualties, which reduced from 818 to 439``: the two ends of a change each count
    what the noun before them counts."""
    for k, r in enumerate(s.readings):
        if r.kind or r.noun is not None or r.first == 0:
            continue
        word = s.tokens[r.first - 1].text.lower()
        nxt = s.readings[k + 1] if k + 1 < len(s.readings) else None
        opens = (
            word in s.lang.grammar.change_from
            and nxt is not None
            and nxt.first == r.last + 2
            and s.tokens[r.last + 1].text.lower() in s.lang.grammar.change_to
        )
        closes = (
            word in s.lang.grammar.change_to and k and s.readings[k - 1].last == r.first - 2 and s.readings[k - 1].ref
        )
        if not (opens or closes):
            continue
        if closes:
            opener = s.readings[k - 1]
            r.casualty, r.event, r.population, r.victims, r.noun, r.ref = (
                opener.casualty,
                opener.event,
                opener.population,
                opener.victims,
                opener.noun,
                opener,
            )
            continue
        hit = _counted_noun_before(s, r.first - 2)
        if hit:
            _take(r, hit[0])
            r.ref = Reading(r.q)
            r.victims = _victims_after(s, hit[0].last)


def _counted_noun_before(s: Sentence, i: int) -> list[Mention]:
    """The nearest casualty, event or population word ending at or before token ``i`` in the
    same clause (no figure, full stop, semicolon, colon or bracket between)."""
    while i >= 0 and not s.is_number(i) and s.tokens[i].text not in ".;:()":
        hit = s.ending_at(i, "casualty", "event", "population")
        if hit:
            return hit
        i -= 1
    return []


def copula(s: Sentence) -> None:
    """``deaths resulting from the violence were approximately 17 000``, ``déplacés internes, estimés
    à plus de 486 000``: a bare figure after a copula counts the noun that is its subject."""
    for r in s.readings:
        if r.kind or r.noun is not None or r.first == 0:
            continue
        verb = s.ending_at(r.first - 1, "copula")
        if not verb:
            continue
        hit = _counted_noun_before(s, verb[0].first - 1)
        if hit:
            _take(r, hit[0])
            r.noun = hit[0]
            if r.casualty:
                r.victims = _victims_after(s, hit[0].last)


def apposition(s: Sentence) -> None:
    """``attacks (14)``, ``the most incidents, 141``, ``attaques de groupes armés : 21 en août``: a
    figure that follows its noun after a bracket, comma or colon."""
    for r in s.readings:
        if r.kind or r.noun is not None or r.first == 0:
            continue
        mark = s.tokens[r.first - 1].text
        if mark not in "(,:":
            continue
        i = r.first - 2
        if mark in "(,":
            hit = s.ending_at(i, "casualty", "event", "population")
        else:
            hit = []
            while i >= 0 and not s.is_break(i):
                hit = s.ending_at(i, "casualty", "event", "population")
                if hit:
                    break
                i -= 1
        if hit:
            _take(r, hit[0])
            r.noun = hit[0]


def elliptical(s: Sentence) -> None:
    """``15 in May and 21 in June``, ``21 en août, 25 en septembre``, ``compared to 322 in the
    previous period``: a bare figure between a joiner and a preposition counts what the figure
    before it counted."""
    for k, r in enumerate(s.readings):
        if r.kind or r.noun is not None:
            continue
        nxt = r.last + 1
        if nxt >= len(s.tokens) or not s.at(nxt, "elliptical_after"):
            continue
        before = s.ending_at(r.first - 1, "elliptical_before") if r.first else []
        if not before:
            continue
        earlier = [x for x in s.readings[:k] if x.kind]
        parallel = [x for x in earlier if x.last + 1 < len(s.tokens) and s.at(x.last + 1, "elliptical_after")]
        ref = (parallel or earlier or [None])[-1]
        if ref is None and s.prev is not None and s.prev.kind:
            ref = s.prev
        if ref is not None:
            r.casualty, r.event, r.population, r.ref, r.inherited = ref.casualty, ref.event, ref.population, ref, True
            if ref.population == FROM_CONTEXT:
                r.population = ref.population


def sub_count(s: Sentence) -> None:
    """``of whom 8 children``, ``dont 5 femmes``, ``darunter 4 Kinder``: part of the figure before,
    counted again with its own victims."""
    for r in s.readings:
        if r.kind or r.first == 0 or not s.ending_at(r.first - 1, "sub_count"):
            continue
        if r.noun is None or r.noun.kind not in ("victims", "people"):
            continue
        ref = next((x for x in reversed(s.readings) if x.casualty and x.q.end <= r.q.start), None)
        if ref is not None:
            r.casualty, r.ref = ref.casualty, ref


def returned(s: Sentence) -> None:
    """``16,000 Syrian refugees returned`` are returnees from abroad, ``750,000 IDPs (…) returned`` IDP
    returnees: a return verb after a population turns it into its returnees."""
    for r in s.readings:
        if r.population not in ("refugees", "idps") or r.noun is None:
            continue
        i, skipped, depth = max(r.noun.last, r.last) + 1, 0, 0
        while i < len(s.tokens) and skipped <= MAX_GAP and s.tokens[i].text not in ".;:":
            depth += {"(": 1, ")": -1}.get(s.tokens[i].text, 0)
            if depth > 0 or s.tokens[i].text == ")":
                i += 1  # "750,000 internally displaced persons (IDPs) returned"
                continue
            if s.is_number(i):
                break
            if s.at(i, "returned"):
                r.population = "returnees_from_abroad" if r.population == "refugees" else "idp_returnees"
                break
            if s.at(i, *_NOUN_KINDS, "displaced"):
                break
            skipped += 1
            i += 1


def stocks_not_changes(s: Sentence) -> None:
    """``an increase of 2,400``, ``+2,400 compared with March``: a change is not a count of people."""
    for r in s.readings:
        if r.first and s.ending_at(r.first - 1, "change") or s.text[max(0, r.q.start - 1) : r.q.start] == "+":
            r.change = True
            r.population = None


def unsplit_casualties(s: Sentence) -> None:
    """``390 casualties``, ``212 victimes civiles``: killed and injured together stay one figure,
    unless the sentence also gives the split (``540 casualties (210 killed, 330 injured)``)."""
    for k, r in enumerate(s.readings):
        if r.casualty != "casualties":
            continue
        split = [x for x in s.readings[k + 1 : k + 3] if x.casualty in ("killed", "injured")]
        if split and s.text.find("(", r.q.end) != -1 and s.text.find("(", r.q.end) < split[0].q.start:
            r.casualty = None
            for x in split:
                x.victims = x.victims or r.victims


def caused_by(s: Sentence) -> None:
    """``airstrikes, which caused 160 incidents``: a generic count of incidents whose clause names the
    kind of event that caused them takes that kind."""
    for r in s.readings:
        if r.event != "attacks" or r.first < 3:
            continue
        i = r.first - 1
        while i >= 0 and not s.at(i, "relative") and not s.is_break(i) and r.first - i <= 3:
            i -= 1
        if i >= 2 and s.at(i, "relative") and s.tokens[i - 1].text == ",":
            cause = s.ending_at(i - 2, "event")
            if cause and cause[0].label != "attacks":
                r.event = cause[0].label


TOPICAL = ("human_rights_violations",)
"""Categories a monitor keeps counting as bare "incidents" once it has named them (``23 incidents
of abuses and violations …; 13 incidents and 78 victims``)."""


def topical(s: Sentence) -> None:
    """A neutral ``incidents``/``cas`` count after a count of violations counts violations too."""
    earlier = s.prev
    for r in s.readings:
        if r.event in TOPICAL:
            earlier = r
        elif (
            r.event == "attacks"
            and r.noun is not None
            and s.at(r.noun.first, "neutral_event")
            and earlier is not None
            and earlier.event in TOPICAL
        ):
            r.event, r.ref = earlier.event, earlier


def victims_named_apart(s: Sentence) -> None:
    """``plus de 100 blessés parmi les manifestants``; ``1,223 civilians were affected (500 killed,
    299 injured)``: victims named after ``among``, or by the count a breakdown in brackets details."""
    for k, r in enumerate(s.readings):
        if not r.casualty or r.victims:
            continue
        i = (r.noun.last if r.noun is not None else r.last) + 1
        if i < len(s.tokens) and s.at(i, "among"):
            hit = _scan_after(s, Reading(r.q, first=i, last=i), ("victims", "people"), 1)
            if hit is not None:
                r.victims = _victims(s, hit.first)
                continue
        opened = s.text.rfind("(", 0, r.q.start)
        if opened != -1 and s.text.find(")", opened, r.q.start) == -1:
            head = [x for x in s.readings[:k] if x.q.end <= opened and x.victims]
            if head and not any(x.kind for x in s.readings[s.readings.index(head[-1]) + 1 : k] if x.q.end <= opened):
                r.victims = head[-1].victims


def shared_noun(s: Sentence) -> None:
    """``35,000 – 40,000 and 10,000 – 10,100 IDPs``, ``12 and 14 attacks``: figures joined by ``and``
    before one noun all count it."""
    for k in range(len(s.readings) - 2, -1, -1):
        r, nxt = s.readings[k], s.readings[k + 1]
        if r.kind or r.noun is not None or nxt.noun is None or nxt.noun.kind not in ("population", "event", "casualty"):
            continue
        between = range(r.last + 1, nxt.first)
        if between and all(s.tokens[i].text == "," or s.is_and(i) for i in between):
            _take(r, nxt.noun)
            r.noun, r.victims = nxt.noun, nxt.victims


def _take(r: Reading, m: Mention) -> None:
    if m.kind == "casualty":
        r.casualty = m.label
    elif m.kind == "event":
        r.event = m.label
        if m.label == "civilian_deaths":
            r.casualty, r.victims = "killed", "civilians"
    elif m.kind == "population":
        r.population = m.label


def _victims(s: Sentence, i: int) -> str | None:
    hit = s.at(i, "victims")
    return hit[0].label if hit else None


def _victims_after(s: Sentence, i: int) -> str | None:
    """``killed civilians`` is rare; ``morts civils``, ``civilian deaths`` name the victims in the noun."""
    if "civilian" in s.tokens[max(0, i - 1)].text.lower() or (
        i + 1 < len(s.tokens) and _victims(s, i + 1) == "civilians"
    ):
        return "civilians"
    return None


@cache
def _events_table(lang: Language) -> tuple[tuple[str, str], ...]:
    """(phrase, category) of every event word of the language, longest phrase first (once per
    language: every sentence asks)."""
    pairs = [(phrase, cat) for cat, phrases in lang.events.items() for phrase in phrases]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@dataclass(frozen=True)
class FigurePatterns:
    """The regexes the figure passes apply to a sentence's text, one per cue family, compiled
    once per language (:func:`patterns`) rather than per sentence or per figure."""

    recorded: re.Pattern[str]
    """``registered``, ``recorded`` as a word (text lower-cased)."""
    comparison_before: re.Pattern[str]
    """``compared to`` right before a figure."""
    anaphora_before: re.Pattern[str]
    """``of which``, ``of the 343 attacks,`` right before a figure (text lower-cased)."""
    anaphora_lead: re.Pattern[str]
    """An anaphora word at the start of the text before a figure."""
    and_between: re.Pattern[str]
    """Text between two figures that ends in ``and``."""
    coordinated_after: re.Pattern[str]
    """``in``, ``at``, ``were`` right after a figure."""
    back_reference_before: re.Pattern[str]
    """``of the`` right before a figure."""
    stock_verb: re.Pattern[str]
    """A verb that records or reaches a stock of people."""
    both_after_comma: re.Pattern[str]
    """``, both`` before a second category."""
    clause_break: re.Pattern[str]
    """Where a figure's clause ends: ``;``, ``(`` or a clause-break word."""
    as_of_before: re.Pattern[str]
    """``as of``, ``of``, ``in`` right before a date."""
    as_of: re.Pattern[str]
    """``as of`` anywhere (case-insensitive)."""
    origin_before: re.Pattern[str]
    """``from`` right before a place: where people came from."""
    not_perpetrator_before: re.Pattern[str]
    """``against (the)`` right before an actor: not the perpetrator."""
    of_before: re.Pattern[str]
    """``of (the)`` right before an actor: the event's actor."""


@cache
def patterns(lang: Language) -> FigurePatterns:
    g = lang.grammar
    return FigurePatterns(
        recorded=word_pattern(g.recorded),
        comparison_before=re.compile(rf"(?<!\w)(?:{alternation(g.comparison_before)})\s*$"),
        anaphora_before=re.compile(
            rf"(?<!\w)(?:{alternation(g.anaphora)}|(?:{alternation(g.back_reference)}) \d[\d ]*\s*\w*)\W*$"
        ),
        anaphora_lead=re.compile(rf"^\W*(?:{alternation(g.anaphora)})(?!\w)"),
        and_between=re.compile(rf"[^.;]*?,?\s*(?:{alternation(g.and_)})\s*"),
        coordinated_after=re.compile(rf"\s*(?:{alternation(g.coordinated_after)})(?!\w)"),
        back_reference_before=re.compile(rf"(?<!\w)(?:{alternation(g.back_reference)})\s*$"),
        stock_verb=re.compile(
            rf"(?<!\w)(?:{alternation(g.recorded)}|{alternation(lang.displacement.stock_verbs)})(?!\w)", re.I
        ),
        both_after_comma=re.compile(rf",\s*(?:{alternation(g.both)})\s+"),
        clause_break=re.compile(rf"[;(]|(?<!\w)(?:{alternation(g.clause_breaks)})(?!\w)"),
        as_of_before=re.compile(
            rf"(?<!\w)(?:{alternation(g.as_of)}|{alternation(g.of)}|{alternation(g.coordinated_after)})\s*$"
        ),
        as_of=re.compile(rf"(?<!\w)(?:{alternation(g.as_of)})\s+", re.I),
        origin_before=re.compile(rf"(?<!\w)(?:{alternation(g.origin_before)})\s+$", re.I),
        not_perpetrator_before=re.compile(
            rf"(?<!\w)(?:{alternation(g.not_perpetrator_before)})\s+(?:(?:{alternation(g.articles)})\s+)?[‘'’]?$"
        ),
        of_before=re.compile(rf"(?<!\w)(?:{alternation(g.of)})\s+(?:(?:{alternation(g.articles)})\s+)?$"),
    )


def _after_phrase(after: str, table, lang: Language) -> str | None:
    low = after.lower().lstrip(" " + QUOTES)
    for phrase, cat in table:
        if low.startswith(phrase) and (len(low) == len(phrase) or not low[len(phrase)].isalnum()):
            return cat
    return None


def read_unit(unit: Unit, lang: Language, prev: Reading | None, passes=None) -> list[Reading]:
    """Classify every figure of a unit: typed mentions once, then the passes in order."""
    text = unit.text
    figures = [q for q in find_quantities(text, lang) if not any(a <= q.start < b for a, b in unit.entries)]
    if not figures:
        return []  # the passes only classify figures: a unit without one is not tokenised
    tokens = tokenize(text, lang)
    token_ends = [t.end for t in tokens]
    token_starts = [t.start for t in tokens]
    readings: list[Reading] = []
    for q in figures:
        first = bisect_right(token_ends, q.start)  # the first token that ends after the figure starts
        last = max(first, bisect_left(token_starts, q.end) - 1)  # the last token that starts before it ends
        readings.append(Reading(q, first=first, last=last))
    if not_prose(tokens, readings):
        return []
    s = Sentence(text, tokens, find_mentions(tokens, lang), readings, lang, prev)
    for p in PASSES if passes is None else passes:
        p(s)
    return readings


_NUMBER_RUN = re.compile(r"\d[\d,.]*(?:\s+\d[\d,.]*){3,}")


def not_prose(tokens: list[Token], readings: list[Reading]) -> bool:
    """A unit that is a flattened table or chart: longer than any sentence and full of figures, or
    with a run of four bare numbers that is not one grouped number (``2 1051 193 496``)."""
    words = sum(1 for t in tokens if t.text[:1].isalpha())
    if words > MAX_SENTENCE and len(readings) >= 6:
        return True
    if sum(1 for t in tokens if t.text[:1].isdecimal()) < 4:
        return False  # a run of four numbers starts four digit tokens
    digits = " ".join(t.text for t in tokens)
    return any(any(len(g) != 3 for g in m.group().split()[1:]) for m in _NUMBER_RUN.finditer(digits))


def _between(s: Sentence, i: int) -> tuple[str, str]:
    """The text from the figure before reading ``i`` to it, and from it to the figure after."""
    readings, text, q = s.readings, s.text, s.readings[i].q
    before = text[(readings[i - 1].q.end if i else 0) : q.start]
    after = text[q.end : (readings[i + 1].q.start if i + 1 < len(readings) else len(text))]
    return before, after


def executions(s: Sentence) -> None:
    """``summarily executed 15``: the executed are civilians unless the text names others."""
    for r in s.readings:
        if r.casualty == "executed":
            r.victims = r.victims or "civilians"


def recorded_stock(s: Sentence) -> None:
    """``113 043 registered in July``, ``compared to 113 043``: a bare figure recorded or compared
    counts the population the text is about (weakly: a reference may still override it)."""
    P = patterns(s.lang)
    for i, r in enumerate(s.readings):
        if r.kind or r.change or r.q.printed is None:
            continue
        before, after = _between(s, i)
        nxt = s.tokens[r.last + 1] if r.last + 1 < len(s.tokens) else None
        bare = nxt is None or not nxt.text[:1].isalpha() or s.at(r.last + 1, "filler", "elliptical_after")
        if P.recorded.search(after[:30].lower()) or (bare and P.comparison_before.search(before.lower())):
            r.population = WEAK_CONTEXT


def anaphora(s: Sentence) -> None:
    """``of which 124 were …``, ``Of those, 209 …``, ``Of the 343 attacks, 165 were …``, ``and 57 in
    …``: a figure with no kind of its own takes its referent's (keeping victims it names itself)."""
    text, prev = s.text, s.prev
    P = patterns(s.lang)
    for i, r in enumerate(s.readings):
        if r.casualty or r.event or r.population not in (None, WEAK_CONTEXT):
            continue
        before, after = _between(s, i)
        lead = text[max(0, r.q.start - 60) : r.q.start].lower()
        coordinated = P.and_between.fullmatch(before) and P.coordinated_after.match(after)
        if not (P.anaphora_before.search(lead) or P.anaphora_lead.search(lead) or coordinated):
            continue
        ref = next((x for x in reversed(s.readings[:i]) if x.casualty or x.event), None) or prev
        if ref is not None:
            victims = r.victims
            r.casualty, r.event, r.victims, r.inherited, r.ref = ref.casualty, ref.event, ref.victims, True, ref
            if victims and r.casualty:
                r.victims = victims
            if ref.population:
                r.population = ref.population


def attacks_named_again(s: Sentence) -> None:
    """``when 293 such attacks were recorded`` after ``343 targeted attacks on civilians``: a
    generic ``attacks`` after a more specific kind of attack names that kind again;
    ``incidents of violence against civilians`` names its kind after ``of``."""
    lang, prev = s.lang, s.prev
    for i, r in enumerate(s.readings):
        if r.event != "attacks":
            continue
        done = s.readings[:i]
        specific = next((x for x in reversed(done) if x.event and x.event != "attacks" and "attacks" in x.event), None)
        if specific is None and prev is not None and prev.event and prev.event != "attacks" and "attacks" in prev.event:
            specific = prev
        if specific is not None:
            r.event, r.ref = specific.event, specific
        elif r.noun is not None:
            k = r.noun.last + 1
            if k < len(s.tokens) and s.tokens[k].text.lower().rstrip("'’") in lang.grammar.of:
                more = _scan_after(s, Reading(r.q, first=k, last=k), ("event",), 1)
                if more is not None and more.label != "attacks":
                    r.event = more.label


def back_references(s: Sentence) -> None:
    """``Of the 343 attacks, 165 were …``: the first figure is named again, not counted again."""
    for i, r in enumerate(s.readings):
        before, after = _between(s, i)
        if patterns(s.lang).back_reference_before.search(before.lower()) and re.match(r"\s*[^\W\d]+\s*,", after):
            r.back_reference = True


def people_of_the_context(s: Sentence) -> None:
    """``IOM reported 581 550 individuals``, ``has reached 2,613,036 individuals``: a bare count of
    people that is recorded or reached counts the population the section is about."""
    lang = s.lang
    for i, r in enumerate(s.readings):
        before, after = _between(s, i)
        if (
            not r.kind
            and r.noun is not None
            and r.noun.kind == "people"
            and not r.change
            and r.q.printed is not None
            and patterns(lang).stock_verb.search(before + after)
        ):
            r.population = FROM_CONTEXT
        if r.population == WEAK_CONTEXT:
            r.population = FROM_CONTEXT


def both_categories(s: Sentence) -> None:
    """``2 violent events, both incidents of violence against civilians``: a second category for
    the same count."""
    events = _events_table(s.lang)
    for m in patterns(s.lang).both_after_comma.finditer(s.text):
        cat = _after_phrase(s.text[m.end() :], events, s.lang)
        before_q = [r for r in s.readings if r.q.end <= m.start()]
        if cat and before_q:
            base = before_q[-1]
            s.readings.append(Reading(Quantity(m.start(), m.end(), base.q.count, base.q.printed), event=cat))


PASSES = [
    counted_noun,
    rates,
    verb_before,
    predicate,
    from_to,
    copula,
    apposition,
    shared_noun,
    coordinated_victims,
    together,
    sub_count,
    elliptical,
    returned,
    stocks_not_changes,
    unsplit_casualties,
    caused_by,
    topical,
    victims_named_apart,
    executions,
    recorded_stock,
    anaphora,
    attacks_named_again,
    back_references,
    people_of_the_context,
    both_categories,
]
"""The passes that turn a unit's mentions into readings, in order; each is a small named rule."""


# ---------------------------------------------------------------- context


@dataclass
class Context:
    """What the text has said so far in a section: carried over to figures that do not say it."""

    section: tuple[str, ...] = ()
    period: str | None = None
    date: str | None = None
    as_of: str | None = None
    area: tuple[str, str] | None = None
    region: tuple[str, str] | None = None
    """The last country or first-level area named: where an incident with no place of its own happened."""
    source: str | None = None
    population: str | None = None
    last: Reading | None = None
    block_id: str | None = None


def _sources(bibliography_orgs: list[str]) -> list[str]:
    """The acronyms the report's sources go by: a leading acronym (``ACLED (Armed …)``) or
    one in brackets (``United Nations (UN) Security Council``)."""
    acronyms = set()
    for org in bibliography_orgs:
        for token in re.findall(r"^[A-Z][A-Za-z]{1,9}\b|(?<=\()[A-Z][A-Za-z]{1,9}(?=\))", org):
            if token.isupper():
                acronyms.add(token)
    return sorted(acronyms, key=len, reverse=True)


@lru_cache(maxsize=64)
def _sources_pattern(sources: tuple[str, ...]) -> GatedPattern:
    """The report's source names as words, behind their gate (most sentences name none)."""
    return gated_word_pattern(sources, before=r"(?<![\w-])", after=r"(?![\w-])")


def _source_in(
    text: str, sources: list[str] | tuple[str, ...], pos: int, named: dict[str, list[tuple[int, str]]] | None = None
) -> str | None:
    """The source named last before ``pos`` in ``text``; else the first of ``sources`` it names.
    ``named`` keeps, per text, where it names which source: a text asked about again (a list's
    sentence, once per entry; a sentence, once per figure and once for the context) is read once."""
    found = None if named is None else named.get(text)
    if found is None:
        found = [(m.start(), m.group()) for m in _sources_pattern(tuple(sources)).finditer(text)]
        if named is not None:
            if len(named) >= 64:  # only the last few texts are asked about again
                named.clear()
            named[text] = found
    before = [f for f in found if f[0] <= pos]
    if before:
        return max(before, key=lambda f: f[0])[1]
    named = {name for _, name in found}
    return next((s for s in sources if s in named), None)


def _places_in(unit: Unit, places: PlaceIndex) -> list[tuple[int, int, str, str]]:
    """(start, end, name as printed, type) of the place mentions inside a unit."""
    return sorted(places.by_unit.get(unit.index, []))


def _actors_in(unit: Unit, actors: ActorIndex) -> list[tuple[int, int, dict]]:
    return sorted(actors.by_unit.get(unit.index, []), key=lambda x: x[0])


_RANK = {"populated_place": 0, "admin3": 1, "other": 3, "admin2": 2, "admin1": 4, "country": 5}


# ---------------------------------------------------------------- facts


@dataclass
class Figures:
    casualty_figures: list[CasualtyFigure] = field(default_factory=list)
    event_counts: list[EventCount] = field(default_factory=list)
    displacement_figures: list[DisplacementFigure] = field(default_factory=list)


def extract_figures(
    units: list[Unit],
    lang: Language,
    doc_id: str,
    places: PlaceIndex,
    actors: ActorIndex,
    bibliography_orgs: list[str],
    reference_period: str | None,
    country_name: str | None,
    event_datasets: tuple[str, ...] | None = None,
    footnote_texts: dict[int, str] | None = None,
) -> Figures:
    out = Figures()
    event_datasets = kb.event_datasets() if event_datasets is None else event_datasets
    sources = tuple(sorted({*_sources(bibliography_orgs), *event_datasets}, key=len, reverse=True))
    ctx = Context()
    country_phrases = lang.areas.country_level
    disp_words = {
        k: gated_word_pattern(getattr(lang.displacement, k), re.I)
        for k in ("idp_returnees", "returnees_from_abroad", "refugees", "idps")
    }  # most specific first
    displaced = gated_word_pattern(lang.displacement.displaced, re.I)
    same_period_re = gated_word_pattern(lang.grammar.same_period, re.I)
    reference_period_re = gated_word_pattern(lang.grammar.reference_period, re.I)
    prev_reading: Reading | None = None
    dates_in = dates_memo(lang)
    named_sources: dict[str, list[tuple[int, str]]] = {}
    kinds: dict[str, tuple | None] = {}  # a list's sentence head, read once for all its entries
    for unit in units:
        text = unit.text
        section = tuple(unit.block.section)
        if section != ctx.section:
            ctx = Context(section=section)
            prev_reading = None
        holder = unit.sentence or unit
        dates = dates_in(holder.text if unit.sentence else text, reference_period)
        unit_places = _places_in(unit, places)
        unit_actors = _actors_in(unit, actors)
        lowered = caseless(text)
        if unit.sentence is None:
            for pop, words in disp_words.items():
                if words.search(text, lowered):
                    ctx.population = pop
                    break
            else:
                if ctx.population is None and displaced.search(text, lowered):
                    ctx.population = "idps"
        if unit.block.id != ctx.block_id:
            ctx.block_id = unit.block.id
            block_units: list[Unit] = []
        block_place = None
        block_date = None
        block_actors: list[dict] = []
        for earlier in reversed(block_units):
            ep = _places_in(earlier, places)
            if ep and block_place is None:
                best = min(ep, key=lambda p: (_RANK.get(p[3], 9), p[0]))
                block_place = (best[2], best[3])
            if not block_actors:
                block_actors = _perpetrators(_actors_in(earlier, actors), len(earlier.text), earlier.text, lang)
            if block_date is None:
                block_date = _nearest(dates_in(earlier.text), len(earlier.text), prefer=("day", "month", "interval"))
            if block_place is not None and block_actors and block_date is not None:
                break  # all three found: the units further back would change nothing
        if unit.sentence is None:
            block_units.append(unit)
        readings = read_unit(unit, lang, prev_reading)
        if unit.sentence is not None:
            # list entries: "Koro (57)" takes its kind from the sentence or the first entry
            own = [r for r in readings if r.casualty or r.event]
            if not own and readings:
                head = (
                    unit.sentence.text[: unit.sentence.text.find(unit.text)]
                    if unit.text in unit.sentence.text
                    else unit.sentence.text
                )
                if head not in kinds:
                    if len(kinds) >= 64:  # the entries of one list follow each other
                        kinds.clear()
                    kinds[head] = _sentence_kind(head, lang)
                ref = kinds[head] or (
                    prev_reading and (prev_reading.casualty, prev_reading.event, prev_reading.population)
                )
                if ref:
                    readings[0].casualty, readings[0].event, readings[0].population = ref
        for r in readings:
            if r.population == FROM_CONTEXT:
                r.population = ctx.population
        # figures of one sentence that count people harmed in one event go together
        groups: list[dict[str, Reading]] = []
        for r in readings:
            if r.casualty and not r.back_reference and r.q.printed is not None:  # "dozens" is no figure
                if r.casualty == "executed":
                    r2 = Reading(r.q, casualty="killed", victims=r.victims)
                    key = "killed"
                else:
                    r2, key = r, r.casualty
                if not groups or key in groups[-1]:
                    groups.append({})
                groups[-1][key] = r2
        for group in groups:
            first = min(group.values(), key=lambda x: x.q.start)
            pos = first.q.start
            place = (
                _best_place(unit_places, pos, text, country_phrases, country_name, lang) or block_place or ctx.region
            )
            since = max(
                (x.q.end for x in readings if x.casualty and x.q.end <= pos and x not in group.values()), default=0
            )
            own_date = _nearest(dates, pos, prefer=("day", "month", "interval"))
            perps = (
                _perpetrators([x for x in unit_actors if x[0] >= since], pos, text, lang)
                or _perpetrators(unit_actors, pos, text, lang)
                or ([] if own_date else block_actors)
            )  # a sentence with its own date tells another incident
            same_period = same_period_re.search(text, lowered)
            date = own_date or (ctx.period if same_period else None) or (block_date or ctx.period)
            evidence_unit = unit
            counts = {k: v.q.count for k, v in group.items()}
            fig = CasualtyFigure(
                id=fact_id(doc_id, "casualty_figures", evidence_unit.text, f"{unit.start}:{pos}"),
                provenance=_prov(doc_id, evidence_unit),
                killed=counts.get("killed"),
                injured=counts.get("injured"),
                abducted=counts.get("abducted"),
                disappeared=counts.get("disappeared"),
                casualties=counts.get("casualties"),
                victims=first.victims or ("civilians" if first.event == "civilian_deaths" else None),
                perpetrators=[e["name"] for e in perps],
                date=date,
                location=place[0] if place else None,
                admin1=_admin1(place, places),
                admin2=_admin2(place, places),
            )
            out.casualty_figures.append(fig)
        for r in readings:
            if r.event is None or r.back_reference or r.q.printed is None:
                continue
            pos = r.q.start
            src = (
                _source_in(text, sources, pos, named_sources)
                or (
                    _source_in(unit.sentence.text, sources, len(unit.sentence.text), named_sources)
                    if unit.sentence
                    else None
                )
                or ctx.source
            )
            if r.event == "civilian_deaths" and src not in event_datasets:
                continue
            place = (
                _best_place(
                    unit_places, pos, text, country_phrases, country_name, lang, entry=unit.sentence is not None
                )
                or ctx.area
            )
            actor = _event_actor(unit_actors, pos, text, unit.sentence is not None, lang)
            if (
                actor is not None
                and src
                and kb.fold(src) in {kb.fold(n) for n in [actor[2]["name"], *actor[2]["aliases"]]}
            ):
                actor = None  # the organisation that counted is not an actor of the events it counts
            r.actor = actor[3] if actor else None
            if r.actor is None and r.ref is not None:
                r.actor = r.ref.actor
            if r.actor is None and not r.inherited:
                # "committed 119 executions, 32 disappearances and 116 arrests": one actor for the list
                earlier = [x for x in readings if x is not r and x.event and x.q.end <= pos and x.actor]
                if earlier:
                    gap = text[earlier[-1].q.end : pos]
                    if re.fullmatch(r"[^.;]*", gap) and not any(earlier[-1].q.end < a < pos for a, _, _ in unit_actors):
                        r.actor = earlier[-1].actor
            nxt = min((x.q.start for x in readings if x.q.start > pos), default=len(text))
            month = next(
                (d[1] for d in dates if d[2] == "month" and pos < d[0] < nxt), None
            )  # "15 attacks … in January 2022"
            period = _nearest(dates, pos, prefer=("interval",)) or month or ctx.period or reference_period
            out.event_counts.append(
                EventCount(
                    id=fact_id(doc_id, "event_counts", unit.text, f"{unit.start}:{pos}:{r.event}"),
                    provenance=_prov(doc_id, unit, src, footnote_texts),
                    category=r.event,
                    count=r.q.number,
                    source_org=src,
                    area=place[0] if place else None,
                    period=period,
                    actor=r.actor,
                )
            )
            if r.event == "civilian_deaths" and not r.casualty:
                out.casualty_figures.append(
                    CasualtyFigure(
                        id=fact_id(doc_id, "casualty_figures", unit.text, f"{unit.start}:{pos}"),
                        provenance=_prov(doc_id, unit),
                        killed=r.q.count,
                        victims="civilians",
                        date=period,
                        location=place[0] if place else None,
                        admin1=_admin1(place, places),
                    )
                )
        for r in readings:
            if r.population not in POPULATIONS or r.casualty or r.event or r.q.printed is None:
                continue  # "thousands have been displaced" is no figure
            pos = r.q.start
            place = (
                _best_place(
                    unit_places, pos, text, country_phrases, country_name, lang, after_only=True, skip_origin=True
                )
                or ctx.area
            )
            own = _nearest(
                [d for d in dates if d[0] < pos], pos, prefer=("day", "month")
            )  # "Im Mai 2022 wurden 43.750 … vertrieben"
            as_of = (
                _as_of(text, pos, lang, dates)
                or own
                or _as_of_ahead(unit, units, lang, dates_in)
                or ctx.as_of
                or ctx.date
            )
            out.displacement_figures.append(
                DisplacementFigure(
                    id=fact_id(doc_id, "displacement_figures", unit.text, f"{unit.start}:{pos}"),
                    provenance=_prov(doc_id, unit.sentence or unit),
                    population=r.population,
                    count=r.q.number,
                    area=place[0] if place else None,
                    as_of=as_of,
                )
            )
        if readings:
            prev_reading = next((r for r in reversed(readings) if r.casualty or r.event), prev_reading)
        if unit.sentence is None:
            # what this sentence said, for the figures after it that do not say it
            if dates:
                iv = [d for d in dates if d[2] == "interval"]
                if iv:
                    ctx.period = iv[0][1]
                days = [d for d in dates if d[2] != "interval"]
                if days:
                    ctx.date = days[0][1]
            stated = _as_of(text, len(text), lang, dates)
            if stated:
                ctx.as_of = stated
            if reference_period_re.search(text, lowered) and reference_period and not dates:
                ctx.period = reference_period
            src = _source_in(text, sources, len(text), named_sources)
            if src:
                ctx.source = src
            place = _best_place(unit_places, len(text), text, country_phrases, country_name, lang)
            if place:
                ctx.area = place
            wide = [p for p in unit_places if p[3] in ("admin1", "country")]
            if wide:
                ctx.region = (wide[-1][2], wide[-1][3])
    return out


def _sentence_kind(text: str, lang: Language) -> tuple[str | None, str | None, str | None] | None:
    """(casualty field, event category, population) a list's sentence names before its entries: the
    first event word, else casualty word, else population it mentions (``the largest IDP communities are``)."""
    mentions = find_mentions(tokenize(text, lang), lang)
    for kind in ("event", "casualty", "population"):
        m = next((m for m in mentions if m.kind == kind and m.label not in ("casualties", FROM_CONTEXT)), None)
        if m is not None:
            if kind == "event":
                return ("killed" if m.label == "civilian_deaths" else None), m.label, None
            return (m.label, None, None) if kind == "casualty" else (None, None, m.label)
    return None


def _prov(
    doc_id: str, unit: Unit, source: str | None = None, footnote_texts: dict[int, str] | None = None
) -> Provenance:
    """Provenance of a fact; a footnote borrowed from later in the paragraph is kept only
    when it cites the fact's source (a figure is never credited to a source that does not
    give it)."""
    notes = unit.footnotes
    if unit.footnote_inherited and source and footnote_texts is not None:
        notes = [
            n
            for n in notes
            if word_pattern((source,), before=r"(?<![\w-])", after=r"(?![\w-])").search(footnote_texts.get(n, ""))
        ]
    return Provenance(
        document_id=doc_id,
        block_id=unit.block.id,
        page=unit.page,
        start=unit.start,
        end=unit.end,
        evidence=unit.text,
        footnotes=notes,
        ocr=unit.block.ocr,
        ocr_confidence=unit.block.ocr_confidence,
    )


def _nearest(dates, pos: int, prefer=("day",)) -> str | None:
    for kind in prefer:
        cands = [d for d in dates if d[2] == kind]
        if cands:
            before = [d for d in cands if d[0] <= pos]
            return (before[-1] if before else cands[0])[1]
    return None


def _as_of(text: str, pos: int, lang: Language, dates) -> str | None:
    """``as of 31 October 2020`` in the sentence, or the date printed right after the figure."""
    P = patterns(lang)
    after = [d for d in dates if d[0] > pos and d[0] - pos < 60 and not P.clause_break.search(text[pos : d[0]])]
    if after and P.as_of_before.search(text[: after[0][0]]):
        return after[0][1]
    m = P.as_of.search(text)
    if m:
        for d in dates:
            if d[0] == m.end():
                return d[1]
    return None


def _as_of_ahead(unit: Unit, units: list[Unit], lang: Language, dates_in=None) -> str | None:
    """The ``as of`` date stated later in the same paragraph (a figure's date may follow it).
    ``dates_in`` is the caller's :func:`~extractors.dates.dates_memo`, when it has one."""
    dates_in = dates_in or dates_memo(lang)
    for later in units[unit.index + 1 :]:
        if later.block.id != unit.block.id:
            break
        if later.sentence is None:
            found = _as_of(later.text, len(later.text), lang, dates_in(later.text))
            if found:
                return found
    return None


def _best_place(
    unit_places,
    pos: int,
    text: str,
    country_phrases,
    country_name,
    lang: Language,
    after_only: bool = False,
    entry: bool = False,
    skip_origin: bool = False,
):
    """The place a figure is for: the first place after it in its clause, else the most
    specific place before it; ``at national level`` is the country. With ``skip_origin`` a
    place named as where people came from (``returned from Cameroon``) is not the figure's."""
    if skip_origin:
        origin = patterns(lang).origin_before
        unit_places = [p for p in unit_places if not origin.search(text[max(0, p[0] - 30) : p[0]])]
    if entry and unit_places:
        return unit_places[0][2], unit_places[0][3]
    clause_end = len(text)
    m = patterns(lang).clause_break.search(text[pos:])
    if m:
        clause_end = pos + m.start()
    low = text.lower()
    for phrase in country_phrases:
        i = low.find(phrase, pos)
        if 0 <= i < clause_end and country_name:
            return country_name, "country"
    after = [p for p in unit_places if pos <= p[0] < clause_end]
    if after:
        return after[0][2], after[0][3]
    if after_only:
        before = [p for p in unit_places if p[0] < pos]
        return (before[-1][2], before[-1][3]) if before else None
    before = [p for p in unit_places if p[0] < pos]
    if before:
        best = min(before, key=lambda p: (_RANK.get(p[3], 9), p[0]))
        return best[2], best[3]
    if any(p in low for p in country_phrases) and country_name:
        return country_name, "country"
    return None


def _admin1(place, places: PlaceIndex) -> str | None:
    if not place:
        return None
    e = places.entries.get((kb.fold(place[0]), place[1]))
    return e["admin1"] if e else None


def _admin2(place, places: PlaceIndex) -> str | None:
    if not place:
        return None
    if place[1] == "admin2":
        return place[0]
    e = places.entries.get((kb.fold(place[0]), place[1]))
    return e.get("admin2") if e else None


def _perpetrators(unit_actors, pos: int, text: str, lang: Language) -> list[dict]:
    """Actors named before the figure (the victims come after it: ``members of the JNIM``),
    not those attacked (``against the JNIM``) or accused only (``accused of``)."""
    out = []
    not_perpetrator = patterns(lang).not_perpetrator_before
    for a, _b, e in unit_actors:
        if a < pos and e not in out and not not_perpetrator.search(text[max(0, a - 24) : a]):
            out.append(e)
    return out


def _event_actor(unit_actors, pos: int, text: str, entry: bool, lang: Language) -> tuple | None:
    """(start, end, actor record, name as printed) of the actor of an event count."""

    def named(x):
        return (*x, text[x[0] : x[1]])

    if entry:
        return named(unit_actors[0]) if unit_actors and unit_actors[0][0] == 0 else None
    of_before = patterns(lang).of_before
    after = [x for x in unit_actors if pos < x[0] <= pos + 60 and of_before.search(text[: x[0]])]
    if after:
        return named(after[0])
    before = [x for x in unit_actors if pos - 90 <= x[1] <= pos and not re.search(r"[,;]\s", text[x[1] : pos])]
    return named(before[-1]) if before else None
