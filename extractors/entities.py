"""Actors and places named in the report's running text.

Actors: the knowledge base's names and aliases, aliases the report defines itself
(``Long Name (ACRONYM)``), groups named after a community (``Fulani armed groups``), and
the names of ``Name (figure)`` lists of event statistics. Places: the report country's
admin units (P-codes) with the cue word beside them (``Koro cercle``, ``Mopti region``),
villages, towns and communes the report introduces (``the village of X``, ``communes of A
and B``), and areas (``central Mali``, ``the Dogon plateau``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from extractors import kb
from extractors.lang import Language


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

from extractors.sentences import Unit
from schemas.extraction import Actor, Place, Provenance

_NAME = r"[A-Z](?:[\w\-]|['’](?=\w))*(?:[ \-][A-Z](?:[\w\-]|['’](?=\w))*)*"
_QUOTES = "'\"‘’“”"


def _prov(doc_id: str, unit: Unit, start: int, end: int) -> Provenance:
    return Provenance(document_id=doc_id, block_id=unit.block.id, page=unit.page, start=unit.start + start,
                      end=unit.start + end, evidence=unit.text, footnotes=unit.footnotes, ocr=unit.block.ocr, ocr_confidence=unit.block.ocr_confidence)


def _id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- actors


@dataclass
class ActorIndex:
    """Actor names found in a report, resolved to one record per actor."""

    entries: list[dict] = field(default_factory=list)

    def find(self, name: str) -> dict | None:
        """The actor with this name, compared case-, accent- and plural-insensitively
        (``Dogon Ethnic Militia`` is ``Dogon ethnic militias``)."""
        key = _singular(kb.fold(name))
        for e in self.entries:
            if key in {_singular(k) for k in e["keys"]}:
                return e
        return None

    by_unit: dict[int, list[tuple[int, int, dict]]] = field(default_factory=dict)

    def mention(self, e: dict, unit: Unit, doc_id: str, start: int, end: int) -> None:
        e["mentions"].append(_prov(doc_id, unit, start, end))
        self.by_unit.setdefault(unit.index, []).append((start, end, e))

    def add(self, name: str, kind: str | None, aliases: list[str] = (), kb_id: str | None = None) -> dict:
        found = None
        for n in [name, *aliases]:
            found = found or self.find(n)
        if found is None:
            found = {"name": name, "aliases": [], "kind": kind, "kb_id": kb_id, "keys": {kb.fold(name)}, "mentions": []}
            self.entries.append(found)
        for n in [name, *aliases]:
            if kb.fold(n) not in found["keys"]:
                found["keys"].add(kb.fold(n))
                found["aliases"].append(n)
        found["kind"] = found["kind"] or kind
        return found


def _singular(key: str) -> str:
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in key.split())


def _kind_from_cues(name: str, lang: Language, prefer: tuple[str, ...] = ()) -> str | None:
    low = name.lower()
    sections = lang.section("actor_kinds")
    order = [k for k in prefer if k in sections] + [k for k in sections if k not in prefer]
    for kind in order:
        cues = sections[kind]
        if kind == "heads":
            continue
        if any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", low) for c in cues):
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


def find_actors(units: list[Unit], lang: Language, doc_id: str, source_orgs: list[str] = (), place_names: set[str] = frozenset(),
                country_iso2: str | None = None) -> ActorIndex:
    index = ActorIndex()
    sources = _source_names(source_orgs)
    kb_names: list[tuple[str, kb.ActorEntry]] = sorted(((n, a) for a in kb.actors() for n in a.names), key=lambda x: -len(x[0]))
    heads = lang.words("actor_kinds", "heads")
    communal = lang.words("actor_kinds", "communal_militia")
    communities = community_words(units, lang, actors=True)
    armed = lang.alt("grammar", "armed_people")
    community_group = re.compile(
        rf"\b(?P<who>[A-Z][\w’'-]+)\s+(?:(?:{lang.alt('grammar', 'group_adjectives')})\s+)*(?:{_alt(communal)}|{armed})(?!\w)"
        rf"|(?<!\w)(?:{armed})\s+(?:\w+\s+){{0,2}}?(?:{lang.alt('grammar', 'of')}|from)\s+(?:(?:{lang.alt('grammar', 'articles')})\s+)?"
        rf"(?P<who2>[A-Z][\w’'-]+)\s+(?:{lang.alt('grammar', 'community')})(?!\w)")
    particles = lang.alt("grammar", "name_particles")
    group_word = lang.alt("grammar", "group_word")
    articles = lang.alt("grammar", "articles")
    event_words = _alt(p for ps in lang.section("events").values() for p in ps)

    acronyms = [(n, a) for n, a in kb_names if n.isupper() and len(n) <= 6]
    words = [(n, a) for n, a in kb_names if not (n.isupper() and len(n) <= 6)]
    kb_by_key = {n: a for n, a in acronyms}
    kb_by_key.update({kb.fold(n): a for n, a in reversed(words)})
    kb_patterns = [
        re.compile(rf"(?<![\w-])(?:{_alt(n for n, _ in acronyms)})(?![\w-])"),
        re.compile(rf"(?<![\w-])(?:{_alt(n for n, _ in words)})(?![\w-])", re.I),
    ]

    def kb_lookup(name: str) -> kb.ActorEntry | None:
        key = kb.fold(name)
        return next((a for n, a in kb_names if kb.fold(n) == key), None)
    for unit in units:
        if unit.sentence is not None:
            continue
        text = unit.text
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return all(b <= x or a >= y for x, y in taken)

        # 1. groups named after a community: "Fulani armed groups", "armed men from the Dogon community"
        for m in community_group.finditer(text):
            who = m.group("who") or m.group("who2")
            if kb.fold(who) not in communities or not free(m.start(), m.end()):
                continue
            entry = next((kb_lookup(n) for n in (m.group(), f"{who} militia", f"{who} militias", f"{who} ethnic militia") if kb_lookup(n)), None)
            name = entry.name if entry else f"{who} ethnic militias"
            e = index.add(name, "communal_militia", [m.group().strip()], entry.id if entry else None)
            index.mention(e, unit, doc_id, m.start(), m.end())
            taken.append((m.start(), m.end()))
        # 2. names and aliases from the knowledge base (acronyms in capitals only), longest first
        for pattern in kb_patterns:
            for m in pattern.finditer(text):
                entry = kb_by_key.get(m.group() if pattern is kb_patterns[0] else kb.fold(m.group()))
                if entry is not None and free(m.start(), m.end()):
                    taken.append((m.start(), m.end()))
                    e = index.add(entry.name, entry.kind, [m.group()], entry.id)
                    index.mention(e, unit, doc_id, m.start(), m.end())
        # 3. aliases the report defines: Long Name (ACRONYM) / (the Long Name - ACRONYM)
        for m in re.finditer(rf"(?P<long>{_NAME}(?: (?:{particles})(?: {_NAME}| [a-z][\w'’\-]*)*)*)"
                             rf"\s*\((?:the\s+)?(?:(?P<alt>[^()]*?)\s+[-–]\s+)?(?P<acr>[A-Z][A-Za-z0-9]{{1,9}})\)", text):
            long, acr = m.group("long").strip(), m.group("acr")
            if kb.fold(long) in sources or kb.fold(acr) in sources:
                continue
            known = index.find(acr) or index.find(long)
            names = [n for n in (long, m.group("alt"), acr) if n]
            if known:
                index.add(known["name"], known["kind"], names)
            elif any(re.search(rf"(?<!\w){re.escape(h)}(?!\w)", long.lower()) for h in heads):
                e = index.add(acr, _kind_from_cues(long + " " + (m.group("alt") or ""), lang), names)
                index.mention(e, unit, doc_id, m.start(), m.end())
        # 4. "the Sékou Bolly group": a named group, kind from the sentence's words
        for m in re.finditer(rf"(?<!\w)(?:{articles})\s+({_NAME})\s+(?:{group_word})(?!\w)", text):
            if not free(m.start(1), m.end()) or index.find(m.group(1)) or kb.fold(m.group(1)) in place_names:
                continue
            siblings = [e["kind"] for a, b, e in index.by_unit.get(unit.index, []) if e.get("kind")]
            window = text[max(0, m.start() - 200): m.end() + 80]
            kind = (max(set(siblings), key=siblings.count) if siblings
                    else _kind_from_cues(window, lang, prefer=("communal_militia", "jihadist_group", "unidentified")))
            if kind:
                e = index.add(f"{m.group(1)} group", kind, [m.group(1)])
                index.mention(e, unit, doc_id, m.start(1), m.end())
    # 5. names of event-statistics lists: "Unidentified armed groups (50)"
    for unit in units:
        if unit.sentence is None:
            continue
        m = re.match(r"(?P<name>[^()]+?)\s*\(\s*\d", unit.text)
        if not m or not re.search(rf"(?<!\w)(?:{event_words})(?!\w)", unit.sentence.text, re.I):
            continue
        name = m.group("name").strip()
        if kb.fold(name) in place_names:
            continue
        known = index.find(name) or _by_leading_alias(index, name)
        kind = known["kind"] if known else _kind_from_cues(name, lang)
        if known is None and kind is None and not any(h in name.lower() for h in heads):
            continue
        if kind == "state_forces" and _foreign(name, country_iso2):
            kind = "international_force"
        e = index.add(known["name"] if known else name, kind, [name])
        index.mention(e, unit, doc_id, 0, len(name))
    return index


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
        out.append(Actor(id=_id(e.get("kb_id") or kb.fold(e["name"])), name=e["name"], aliases=e["aliases"],
                         kind=e["kind"], mentions=e["mentions"][:50]))
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

    def add(self, name: str, type_: str, unit: Unit | None, doc_id: str, start: int = 0, end: int = 0,
            admin1: str | None = None, pcode: str | None = None, admin2: str | None = None, aliases: tuple[str, ...] = ()) -> dict:
        key = (kb.fold(name), type_)
        if type_ == "other" and self.same_area is not None:
            key = (self.same_area(kb.fold(name)), type_)
        e = self.entries.get(key)
        if e is not None and kb.fold(name) != kb.fold(e["name"]) and name not in e["aliases"]:
            e["aliases"].append(name)
        if e is None:
            e = self.entries[key] = {"name": name, "type": type_, "admin1": admin1, "pcode": pcode, "admin2": admin2,
                                     "aliases": list(aliases), "mentions": []}
        e["admin1"] = e["admin1"] or admin1
        e["admin2"] = e["admin2"] or admin2
        if unit is not None:
            e["mentions"].append(_prov(doc_id, unit, start, end))
            self.by_unit.setdefault(unit.index, []).append((start, end, unit.text[start:end], type_))
        return e


def _enumeration(text: str, stop_cues: tuple[str, ...] = (), lang: Language | None = None) -> list[tuple[int, int]]:
    """Spans of the capitalised names in ``A, B, C and D`` at the start of ``text``; a
    name followed by one of ``stop_cues`` (``Bankass cercle``) belongs to another phrase."""
    spans = []
    pos = 0
    while True:
        m = re.match(rf"({_NAME})", text[pos:])
        if not m:
            break
        rest = text[pos + m.end(1):].lstrip(" *_")
        if spans and any(re.match(rf"{re.escape(c)}\b", rest) for c in stop_cues):
            break
        spans.append((pos + m.start(1), pos + m.end(1)))
        pos += m.end(1)
        conj = f"{lang.alt('grammar', 'and')}|{lang.alt('grammar', 'or')}" if lang else "and|or"
        sep = re.match(rf"\s*(?:,\s*(?:(?:{conj})\s+)?|\s+(?:{conj})\s+)\s*", text[pos:])
        if not sep or not re.match(r"[A-Z]", text[pos + sep.end():]):
            break
        pos += sep.end()
    return spans


def find_places(units: list[Unit], lang: Language, doc_id: str, iso3: str | None,
                ner: dict[int, list[tuple[int, int, str]]] | None = None,
                actor_spans: dict[int, list[tuple[int, int]]] | None = None) -> PlaceIndex:
    """Places of the report's country. ``ner`` optionally maps a unit index to statistical
    entities (start, end, label) used to confirm names after ``near``."""
    index = PlaceIndex()
    fillers = {kb.fold(w) for w in lang.words("places", "river")}
    index.same_area = lambda key: " ".join(w for w in key.split() if w not in fillers)
    gaz = kb.gazetteer(iso3) if iso3 else ()
    by_name: dict[str, list[kb.PlaceEntry]] = {}
    for p in gaz:
        for n in (p.name, *p.aliases):
            by_name.setdefault(kb.fold(n), []).append(p)
    country = next((p for p in gaz if p.type == "country"), None)
    cues = {t: lang.words("places", t) for t in ("admin1", "admin2", "admin3", "populated_place", "other")}
    directions = lang.words("places", "directions")
    all_cues = tuple(w for t in ("admin1", "admin2", "admin3", "populated_place") for w in cues[t])
    place_of = lang.alt("places", "of")
    near = lang.alt("places", "near")
    other_prefixes = lang.alt("places", "other_prefixes")
    river = lang.alt("places", "river")
    g_and = lang.alt("grammar", "and")
    # The patterns, built once per report (types in the order of the language file).
    cue_before = [(t, re.compile(rf"\b{re.escape(w)}\s+(?:(?:{place_of})\s+)?(?=[A-Z])"))
                  for t in ("admin1", "admin2", "admin3", "populated_place") for w in cues[t]]
    enumeration = rf"((?:{_NAME})(?:(?:,\s*|\s+(?:{g_and})\s+|,\s+(?:{g_and})\s+)(?:{_NAME}))*)"
    cue_after = [(t, re.compile(rf"{enumeration}\s+[*_]?{re.escape(w)}\b"))
                 for t in ("admin1", "admin2", "admin3", "populated_place") for w in cues[t]]
    other = _alt(cues["other"])
    country_areas = [] if country is None else [
        re.compile(rf"\b(?:{_alt(directions)})\s+{re.escape(country.name)}\b", re.I),
        re.compile(rf"\b{re.escape(country.name)}-[A-Z][a-z]+\s+(?:{other})\b"),
    ]
    named_area = re.compile(rf"\b((?:(?:{other_prefixes})\s+)?(?:[A-Z][\w'’\-]+\s+)+(?:(?:{river})\s+)?)(?:{other})\b")
    borrowed_area = re.compile(rf"\b(?:{other})\s+[^\W\d_]*[^\x00-\x7f][^\W\d_]*\b")
    admin_names = [n for p in gaz if p.type != "country" for n in (p.name, *p.aliases)]
    admin_pattern = re.compile(rf"(?<![\w-])(?:{_alt(admin_names)})(?![\w-])", re.I) if admin_names else None
    communities = community_words(units, lang)
    section: tuple[str, ...] = ()

    def lookup(name: str, type_: str) -> kb.PlaceEntry | None:
        return next((p for p in by_name.get(kb.fold(name), []) if p.type == type_), None)

    def add_admin(entry: kb.PlaceEntry, unit: Unit, a: int, b: int) -> None:
        index.add(entry.name, entry.type, unit, doc_id, a, b, admin1=entry.admin1, pcode=entry.pcode,
                  aliases=tuple(n for n in entry.aliases))

    for unit in units:
        if unit.sentence is not None:
            # "Koro (57)" in a sentence about "cercles": the entry names an admin unit of that level
            m = re.match(rf"({_NAME})\s*\(", unit.text)
            level = next((t for t in ("admin2", "admin1") if any(re.search(rf"\b{re.escape(w)}\b", unit.sentence.text) for w in cues[t])), None)
            if m and level:
                entry = lookup(m.group(1), level)
                if entry is not None:
                    add_admin(entry, unit, m.start(1), m.end(1))
            continue
        text = unit.text
        claimed: list[tuple[int, int]] = list((actor_spans or {}).get(unit.index, []))
        if tuple(unit.block.section) != section:
            section, index.current_admin1 = tuple(unit.block.section), None
        for m in (admin_pattern.finditer(text) if admin_pattern else ()):
            named = [p.admin1 for p in by_name.get(kb.fold(m.group()), []) if p.type in ("admin1", "admin2")]
            if named and m.group()[0].isupper():
                index.current_admin1 = named[0]
                break

        def claim(a: int, b: int) -> bool:
            if any(not (b <= x or a >= y) for x, y in claimed):
                return False
            claimed.append((a, b))
            return True

        # cue word BEFORE an enumeration: "the cercles of A, B and C", "villages of A and B"
        for type_, pattern in cue_before:
            for m in pattern.finditer(text):
                for a, b in _enumeration(text[m.end():], all_cues, lang):
                    a, b = a + m.end(), b + m.end()
                    _place(index, lookup, add_admin, type_, text[a:b], unit, doc_id, a, b, claim, text, communities, lang)
        # cue word AFTER a name or an enumeration: "Koro cercle", "Bandiagara and Bankass cercles", "Mopti region"
        for type_, pattern in cue_after:
            for m in pattern.finditer(text):
                for a, b in _enumeration(m.group(1), (), lang):
                    a, b = a + m.start(1), b + m.start(1)
                    _place(index, lookup, add_admin, type_, text[a:b], unit, doc_id, a, b, claim, text, communities, lang)
        # areas: "central Mali", "Mali-Niger borderlands", "the Dogon plateau", "inner Niger delta"
        for pattern in country_areas:
            for m in pattern.finditer(text):
                if claim(m.start(), m.end()):
                    index.add(m.group(), "other", unit, doc_id, m.start(), m.end())
        for m in named_area.finditer(text):
            if claim(m.start(1), m.end()):
                index.add(m.group().strip(), "other", unit, doc_id, m.start(1), m.end(), admin1=index.current_admin1)
        # an area named by a borrowed term after the cue word: "zone inondée" in an English report
        for m in borrowed_area.finditer(text):
            if claim(m.start(), m.end()):
                index.add(m.group(), "other", unit, doc_id, m.start(), m.end(), admin1=index.current_admin1)
        # "near X": a place the report introduces, confirmed by the statistical model when there is one
        for m in re.finditer(rf"(?<!\w)(?:{near})\s+({_NAME})", text):
            name = m.group(1)
            ents = None if ner is None else ner.get(unit.index, [])
            confirmed = ents is None or any(a <= m.start(1) < b and label in ("GPE", "LOC", "FAC") for a, b, label in ents)
            if confirmed and lookup(name, "admin2") is None and lookup(name, "admin1") is None:
                _place(index, lookup, add_admin, "populated_place", name, unit, doc_id, m.start(1), m.end(1), claim, text, communities, lang)
        # bare names of admin units (admin1 before admin2 when both bear the name)
        for m in (admin_pattern.finditer(text) if admin_pattern else ()):
            entries = [p for p in by_name.get(kb.fold(m.group()), []) if p.type != "country"]
            if entries and m.group()[0].isupper() and claim(m.start(), m.end()):
                add_admin(min(entries, key=lambda p: p.type), unit, m.start(), m.end())
        if country is not None:
            for m in re.finditer(rf"(?<![\w-]){re.escape(country.name)}(?![\w-])", text):
                if claim(m.start(), m.end()):
                    index.add(country.name, "country", unit, doc_id, m.start(), m.end(), pcode=country.pcode)
    return index


def _place(index: PlaceIndex, lookup, add_admin, type_: str, name: str, unit: Unit, doc_id: str, a: int, b: int, claim, text: str,
           communities: set[str] = frozenset(), lang: Language | None = None) -> None:
    if kb.fold(name) in communities:
        return
    if type_ in ("admin1", "admin2"):
        # only a known admin unit is taken here: "near Niaki, Koro cercle" leaves Niaki to its own cue
        entry = lookup(name, type_) or lookup(name, "admin2" if type_ == "admin1" else "admin1")
        if entry is not None and claim(a, b):
            add_admin(entry, unit, a, b)
        return
    if not claim(a, b):
        return
    parent = None
    admin1_cues, admin2_cues = lang.words("places", "admin1"), lang.words("places", "admin2")
    m = re.search(rf"({_NAME})\s+[*_]?({_alt(admin1_cues + admin2_cues)})\b", text[b:b + 80])
    if m:
        level = "admin1" if m.group(2) in admin1_cues else "admin2"
        other = "admin2" if level == "admin1" else "admin1"
        parent = lookup(m.group(1), level) or lookup(m.group(1), other)
    if parent is None:
        # the admin unit named with the town itself: a town that shares its cercle's name
        parent = lookup(name, "admin2") if type_ == "populated_place" else None
    index.add(name, type_, unit, doc_id, a, b, admin1=parent.admin1 if parent else index.current_admin1,
              admin2=parent.name if parent and parent.type == "admin2" else None)


def community_words(units: list[Unit], lang: Language, actors: bool = False) -> set[str]:
    """Folded names the report uses for communities (``Fulani`` in ``the Fulani community``,
    ``Dogon villages``): never place names on their own. With ``actors``, only the words
    used for people (not ``Islamist groups``)."""
    nouns = lang.alt("grammar", "community_nouns")
    if not actors:
        nouns += "|" + _alt([*lang.words("actor_kinds", "communal_militia"), *lang.words("grammar", "group_adjectives"),
                             "groups", "fighters"])
    words = set()
    for unit in units:
        for m in re.finditer(rf"\b([A-Z][a-z]+)s?\s+(?:{nouns})\b", unit.text):
            words.add(kb.fold(m.group(1)))
    return words


def actor_spans(index: ActorIndex) -> dict[int, list[tuple[int, int]]]:
    """Spans of actor mentions per unit index (places must not be found inside them)."""
    return {i: [(a, b) for a, b, _ in found] for i, found in index.by_unit.items()}


def places_output(index: PlaceIndex) -> list[Place]:
    out = []
    for (key, type_), e in index.entries.items():
        out.append(Place(id=_id(key, type_), name=e["name"], aliases=e["aliases"], type=type_,
                         country=index.country, admin1=e["admin1"], pcode=e["pcode"], mentions=e["mentions"][:50]))
    return out
