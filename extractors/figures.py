"""Casualty figures, event counts and displacement figures in running text.

Each figure is read from the words around it (``248 civilians were killed``, ``killed at
least 37 civilians``, ``73 violent events (40 battles, …)``, ``311 193 IDPs``), and its
date or period, place, source and actor from its sentence, or else from the sentences
before it in the same section (``Of those, 209 …``, ``during the same period``). All the
words come from the language file; nothing here knows a country."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from extractors import kb
from extractors.dates import find_dates
from extractors.entities import ActorIndex, PlaceIndex
from extractors.lang import Language
from extractors.quantities import Quantity, find_quantities
from extractors.sentences import Unit
from schemas.extraction import CasualtyFigure, Count, DisplacementFigure, EventCount, Provenance, fact_id

_QUOTES = "'\"‘’“”"
FROM_CONTEXT = "<context>"
"""A displacement figure whose population the sentence or the section names ("… individuals")."""
WEAK_CONTEXT = "<context?>"
"""The same, guessed from a comparison ("compared to 113 043"): a back-reference may still override it."""


def _alt(words) -> str:
    words = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w) for w in words) if words else "(?!x)x"


def _filler(lang: Language) -> str:
    """Words that may stand between a figure and what it counts ("were recorded as")."""
    return rf"(?:(?:{lang.alt('grammar', 'filler')})\s+)*"


@dataclass
class Reading:
    """What one figure in a unit counts."""

    q: Quantity
    casualty: str | None = None
    event: str | None = None
    population: str | None = None
    victims: str | None = None
    inherited: bool = False
    ref: "Reading | None" = None
    actor: str | None = None
    back_reference: bool = False
    """``Of the 343 attacks, …``: a figure named again to refer to it, not a new count."""


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


@cache
def _events_table(lang: Language) -> tuple[tuple[str, str], ...]:
    """(phrase, category) of every event word of the language, longest phrase first."""
    pairs = [(phrase, cat) for cat, phrases in lang.section("events").items() for phrase in phrases]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def _after_phrase(after: str, table: list[tuple[str, str]], lang: Language) -> str | None:
    low = after.lower().lstrip(" " + _QUOTES)
    low = re.sub(rf"^{_filler(lang)}", "", low)
    for phrase, cat in table:
        if low.startswith(phrase) and (len(low) == len(phrase) or not low[len(phrase)].isalnum()):
            return cat
    return None


def read_unit(unit: Unit, lang: Language, prev: Reading | None) -> list[Reading]:
    """Classify every figure of a unit."""
    text = unit.text
    events = _events_table(lang)
    after_words = {k: v for k, v in lang.section("casualties", "after").items()}
    before_words = {k: v for k, v in lang.section("casualties", "before").items()}
    victims = lang.words("casualties", "victims")
    not_people = lang.words("casualties", "not_people")
    disp = {k: v for k, v in lang.section("displacement").items() if k not in ("returnees", "generic")}
    returnee_words = lang.words("displacement", "returnees")
    generic_words = lang.words("displacement", "generic")
    g_and = lang.alt("grammar", "and")
    quantities = [q for q in find_quantities(text, lang) if not any(a <= q.start < b for a, b in unit.entries)]
    readings: list[Reading] = []
    for i, q in enumerate(quantities):
        nxt = quantities[i + 1].start if i + 1 < len(quantities) else len(text)
        after = text[q.end:nxt]
        after_clause = re.split(r"[;]", after)[0]
        before = text[(quantities[i - 1].end if i else 0):q.start]
        r = Reading(q)
        low_after = after_clause.lower().lstrip(" " + _QUOTES)
        # victims: the noun after the figure
        vm = re.match(rf"(?:[{_QUOTES}]\s*)?(?:[a-z\-]+\s+)?({_alt(victims)})\b", low_after)
        if vm:
            r.victims = vm.group(1)
        # event categories: "73 violent events", "237 were recorded as battles", "attacks (14)"
        r.event = _after_phrase(after_clause, events, lang)
        if r.event is None and text[q.start - 1:q.start] == "(":
            head = text[:q.start - 1].rstrip().lower()
            for phrase, cat in events:
                if head.endswith(phrase):
                    r.event = cat
                    break
        # casualties
        if not any(re.match(rf"(?:[a-z\-]+\s+)?{re.escape(w)}\b", low_after) for w in not_people):
            filler = _filler(lang)
            window = re.sub(rf"^(?:[{_QUOTES}]\s*)?(?:[\w\-]+\s+){{0,3}}?{filler}", "", low_after)
            for field_, words in after_words.items():
                if re.match(rf"(?:[{_QUOTES}]\s*)?(?:{_alt(words)})\b", window) or re.match(
                        rf"(?:[{_QUOTES}]?\s*)(?:[\w\-]+\s+){{0,3}}?{filler}(?:{_alt(words)})\b", low_after):
                    r.casualty = field_
                    break
            if r.casualty is None:
                tail = before.rstrip(" " + _QUOTES).lower()
                for field_, words in before_words.items():
                    if re.search(rf"\b(?:{_alt(words)})\s*[{_QUOTES}]?$", tail) and (r.victims or re.match(r"\s*[a-z]", low_after)):
                        r.casualty = field_
                        break
            last = readings[-1] if readings else None
            if r.casualty is None and last is not None and last.casualty and re.fullmatch(rf"\s*[^\W\d]+\s+(?:{g_and})\s*", before) and r.victims:
                r.casualty = last.casualty  # "killing 12 traders and one soldier"
        if r.casualty == "executed":
            r.victims = r.victims or "civilians"
        # displacement populations
        if r.casualty is None and r.event is None:
            for pop, words in disp.items():
                if re.match(rf"(?:[{_QUOTES}]\s*)?(?:{_alt(words)})\b", low_after):
                    r.population = pop
                    break
            if r.population is None and re.match(rf"(?:{_alt(returnee_words + generic_words)})\b", low_after):
                r.population = FROM_CONTEXT
            if r.population is None and re.match(rf"(?:{lang.alt('grammar', 'recorded')})(?!\w)", low_after):
                r.population = FROM_CONTEXT
            if r.population is None and re.search(rf"(?<!\w)(?:{lang.alt('grammar', 'comparison_before')})\s*$", before.lower()):
                r.population = WEAK_CONTEXT
        # "of which 124 were …", "Of those, 209 were …", "Of the 343 attacks, 165 were …": the referent's kind
        if r.casualty is None and r.event is None and r.population in (None, WEAK_CONTEXT):
            lead = text[:q.start][-60:].lower()
            coordinated = re.fullmatch(rf"[^.;]*?,?\s*(?:{g_and})\s*", before) and re.match(
                rf"\s*(?:{lang.alt('grammar', 'coordinated_after')})(?!\w)", after)
            anaphora = lang.alt("grammar", "anaphora")
            back = lang.alt("grammar", "back_reference")
            if (re.search(rf"(?<!\w)(?:{anaphora}|(?:{back}) \d[\d ]*\s*\w*)\W*$", lead)
                    or re.search(rf"^\W*(?:{anaphora})(?!\w)", lead) or coordinated):
                ref = next((x for x in reversed(readings) if x.casualty or x.event), None) or prev
                if ref is not None:
                    r.casualty, r.event, r.victims, r.inherited, r.ref = ref.casualty, ref.event, ref.victims, True, ref
                    if ref.population:
                        r.population = ref.population
        # a generic "attacks" after a more specific kind of attack names that kind again
        if r.event == "attacks":
            specific = next((x for x in reversed(readings) if x.event and x.event != "attacks" and "attacks" in x.event), None)
            if specific is None and prev is not None and prev.event and prev.event != "attacks" and "attacks" in prev.event:
                specific = prev
            if specific is not None:
                r.event, r.ref = specific.event, specific
        if re.search(rf"(?<!\w)(?:{lang.alt('grammar', 'back_reference')})\s*$", before.lower()) and re.match(r"\s*[^\W\d]+\s*,", after):
            r.back_reference = True
        if r.population == WEAK_CONTEXT:
            r.population = FROM_CONTEXT
        readings.append(r)
    # "2 violent events, both incidents of violence against civilians": a second category for the same count
    for m in re.finditer(rf",\s*(?:{lang.alt('grammar', 'both')})\s+", text):
        cat = _after_phrase(text[m.end():], events, lang)
        before_q = [r for r in readings if r.q.end <= m.start()]
        if cat and before_q:
            base = before_q[-1]
            readings.append(Reading(Quantity(m.start(), m.end(), base.q.count), event=cat))
    return readings


# ---------------------------------------------------------------- context


def _sources(bibliography_orgs: list[str]) -> list[str]:
    """The acronyms the report's sources go by: a leading acronym (``ACLED (Armed …)``) or
    one in brackets (``United Nations (UN) Security Council``)."""
    acronyms = set()
    for org in bibliography_orgs:
        for token in re.findall(r"^[A-Z][A-Za-z]{1,9}\b|(?<=\()[A-Z][A-Za-z]{1,9}(?=\))", org):
            if token.isupper():
                acronyms.add(token)
    return sorted(acronyms, key=len, reverse=True)


def _source_in(text: str, sources: list[str], pos: int) -> str | None:
    best = None
    for s in sources:
        for m in re.finditer(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text):
            if m.start() <= pos and (best is None or m.start() > best[0]):
                best = (m.start(), s)
    if best is None:
        for s in sources:
            if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text):
                return s
    return best[1] if best else None


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


def extract_figures(units: list[Unit], lang: Language, doc_id: str, places: PlaceIndex, actors: ActorIndex,
                    bibliography_orgs: list[str], reference_period: str | None, country_name: str | None,
                    event_datasets: tuple[str, ...] | None = None, footnote_texts: dict[int, str] | None = None) -> Figures:
    out = Figures()
    event_datasets = kb.event_datasets() if event_datasets is None else event_datasets
    sources = _sources(bibliography_orgs)
    ctx = Context()
    country_phrases = lang.words("areas", "country_level")
    disp_words = {k: v for k, v in lang.section("displacement").items() if k not in ("returnees", "generic")}
    prev_reading: Reading | None = None
    for unit in units:
        text = unit.text
        section = tuple(unit.block.section)
        if section != ctx.section:
            ctx = Context(section=section)
            prev_reading = None
        holder = unit.sentence or unit
        dates = find_dates(holder.text if unit.sentence else text, lang)
        unit_places = _places_in(unit, places)
        unit_actors = _actors_in(unit, actors)
        if unit.sentence is None:
            for pop, words in disp_words.items():
                if re.search(rf"(?<!\w)(?:{_alt(words)})(?!\w)", text, re.I):
                    ctx.population = pop
                    break
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
                block_date = _nearest(find_dates(earlier.text, lang), len(earlier.text), prefer=("day", "month", "interval"))
        if unit.sentence is None:
            block_units.append(unit)
        readings = read_unit(unit, lang, prev_reading)
        if unit.sentence is not None:
            # list entries: "Koro (57)" takes its kind from the sentence or the first entry
            own = [r for r in readings if r.casualty or r.event]
            if not own and readings:
                head = unit.sentence.text[: unit.sentence.text.find(unit.text)] if unit.text in unit.sentence.text else unit.sentence.text
                ref = _sentence_kind(head, lang) or (prev_reading and (prev_reading.casualty, prev_reading.event))
                if ref:
                    readings[0].casualty, readings[0].event = ref
        for r in readings:
            if r.population == FROM_CONTEXT:
                r.population = ctx.population
        # figures of one sentence that count people harmed in one event go together
        groups: list[dict[str, Reading]] = []
        for r in readings:
            if r.casualty and not r.back_reference:
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
            place = _best_place(unit_places, pos, text, country_phrases, country_name, lang) or block_place or ctx.region
            since = max((x.q.end for x in readings if x.casualty and x.q.end <= pos and x not in group.values()), default=0)
            own_date = _nearest(dates, pos, prefer=("day", "month", "interval"))
            perps = (_perpetrators([x for x in unit_actors if x[0] >= since], pos, text, lang) or _perpetrators(unit_actors, pos, text, lang)
                     or ([] if own_date else block_actors))  # a sentence with its own date tells another incident
            same_period = re.search(rf"(?<!\w)(?:{lang.alt('grammar', 'same_period')})(?!\w)", text, re.I)
            date = own_date or (ctx.period if same_period else None) or (block_date or ctx.period)
            evidence_unit = unit
            counts = {k: v.q.count for k, v in group.items()}
            fig = CasualtyFigure(
                id=fact_id(doc_id, "casualty_figures", evidence_unit.text, f"{unit.start}:{pos}"),
                provenance=_prov(doc_id, evidence_unit),
                killed=counts.get("killed"), injured=counts.get("injured"), abducted=counts.get("abducted"),
                disappeared=counts.get("disappeared"),
                victims=first.victims or ("civilians" if first.event == "civilian_deaths" else None),
                perpetrators=[e["name"] for e in perps], date=date,
                location=place[0] if place else None, admin1=_admin1(place, places), admin2=_admin2(place, places),
            )
            out.casualty_figures.append(fig)
        for r in readings:
            if r.event is None or r.back_reference:
                continue
            pos = r.q.start
            src = _source_in(text, sources, pos) or (_source_in(unit.sentence.text, sources, len(unit.sentence.text)) if unit.sentence else None) or ctx.source
            if r.event == "civilian_deaths" and src not in event_datasets:
                continue
            place = _best_place(unit_places, pos, text, country_phrases, country_name, lang, entry=unit.sentence is not None) or ctx.area
            actor = _event_actor(unit_actors, pos, text, unit.sentence is not None, lang)
            if actor is not None and src and kb.fold(src) in {kb.fold(n) for n in [actor[2]["name"], *actor[2]["aliases"]]}:
                actor = None  # the organisation that counted is not an actor of the events it counts
            r.actor = actor[3] if actor else None
            if r.actor is None and r.ref is not None:
                r.actor = r.ref.actor
            if r.actor is None and not r.inherited:
                # "committed 119 executions, 32 disappearances and 116 arrests": one actor for the list
                earlier = [x for x in readings if x is not r and x.event and x.q.end <= pos and x.actor]
                if earlier:
                    gap = text[earlier[-1].q.end:pos]
                    if re.fullmatch(r"[^.;]*", gap) and not any(earlier[-1].q.end < a < pos for a, _, _ in unit_actors):
                        r.actor = earlier[-1].actor
            period = _nearest(dates, pos, prefer=("interval",)) or ctx.period or reference_period
            out.event_counts.append(EventCount(
                id=fact_id(doc_id, "event_counts", unit.text, f"{unit.start}:{pos}:{r.event}"),
                provenance=_prov(doc_id, unit, src, footnote_texts), category=r.event, count=r.q.value,
                source_org=src, area=place[0] if place else None, period=period, actor=r.actor,
            ))
            if r.event == "civilian_deaths" and not r.casualty:
                out.casualty_figures.append(CasualtyFigure(
                    id=fact_id(doc_id, "casualty_figures", unit.text, f"{unit.start}:{pos}"),
                    provenance=_prov(doc_id, unit), killed=r.q.count, victims="civilians", date=period,
                    location=place[0] if place else None, admin1=_admin1(place, places)))
        for r in readings:
            if not r.population or r.casualty or r.event:
                continue
            pos = r.q.start
            place = _best_place(unit_places, pos, text, country_phrases, country_name, lang, after_only=True) or ctx.area
            as_of = _as_of(text, pos, lang, dates) or _as_of_ahead(unit, units, lang) or ctx.as_of or ctx.date
            out.displacement_figures.append(DisplacementFigure(
                id=fact_id(doc_id, "displacement_figures", unit.text, f"{unit.start}:{pos}"),
                provenance=_prov(doc_id, unit), population=r.population, count=r.q.value,
                area=place[0] if place else None, as_of=as_of,
            ))
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
            if re.search(rf"(?<!\w)(?:{lang.alt('grammar', 'reference_period')})(?!\w)", text, re.I) and reference_period and not dates:
                ctx.period = reference_period
            src = _source_in(text, sources, len(text))
            if src:
                ctx.source = src
            place = _best_place(unit_places, len(text), text, country_phrases, country_name, lang)
            if place:
                ctx.area = place
            wide = [p for p in unit_places if p[3] in ("admin1", "country")]
            if wide:
                ctx.region = (wide[-1][2], wide[-1][3])
    return out


def _sentence_kind(text: str, lang: Language) -> tuple[str | None, str | None] | None:
    low = text.lower()
    for phrase, cat in _events_table(lang):
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", low):
            casualty = "killed" if cat == "civilian_deaths" else None
            return casualty, cat
    for field_, words in lang.section("casualties", "after").items():
        if re.search(rf"(?<!\w)(?:{_alt(words)})(?!\w)", low):
            return field_, None
    return None


def _prov(doc_id: str, unit: Unit, source: str | None = None, footnote_texts: dict[int, str] | None = None) -> Provenance:
    """Provenance of a fact; a footnote borrowed from later in the paragraph is kept only
    when it cites the fact's source (a figure is never credited to a source that does not
    give it)."""
    notes = unit.footnotes
    if unit.footnote_inherited and source and footnote_texts is not None:
        notes = [n for n in notes if re.search(rf"(?<![\w-]){re.escape(source)}(?![\w-])", footnote_texts.get(n, ""))]
    return Provenance(document_id=doc_id, block_id=unit.block.id, page=unit.page, start=unit.start, end=unit.end,
                      evidence=unit.text, footnotes=notes, ocr=unit.block.ocr, ocr_confidence=unit.block.ocr_confidence)


def _nearest(dates, pos: int, prefer=("day",)) -> str | None:
    for kind in prefer:
        cands = [d for d in dates if d[2] == kind]
        if cands:
            before = [d for d in cands if d[0] <= pos]
            return (before[-1] if before else cands[0])[1]
    return None


def _as_of(text: str, pos: int, lang: Language, dates) -> str | None:
    """``as of 31 October 2020`` in the sentence, or the date printed right after the figure."""
    breaks = lang.alt("grammar", "clause_breaks")
    as_of = lang.alt("grammar", "as_of")
    after = [d for d in dates if d[0] > pos and d[0] - pos < 60 and not re.search(rf"[(;]|(?<!\w)(?:{breaks})(?!\w)", text[pos:d[0]])]
    if after and re.search(rf"(?<!\w)(?:{as_of}|{lang.alt('grammar', 'of')}|{lang.alt('grammar', 'coordinated_after')})\s*$", text[:after[0][0]]):
        return after[0][1]
    m = re.search(rf"(?<!\w)(?:{as_of})\s+", text, re.I)
    if m:
        for d in dates:
            if d[0] == m.end():
                return d[1]
    return None


def _as_of_ahead(unit: Unit, units: list[Unit], lang: Language) -> str | None:
    """The ``as of`` date stated later in the same paragraph (a figure's date may follow it)."""
    for later in units[unit.index + 1:]:
        if later.block.id != unit.block.id:
            break
        if later.sentence is None:
            found = _as_of(later.text, len(later.text), lang, find_dates(later.text, lang))
            if found:
                return found
    return None


def _best_place(unit_places, pos: int, text: str, country_phrases, country_name, lang: Language, after_only: bool = False, entry: bool = False):
    """The place a figure is for: the first place after it in its clause, else the most
    specific place before it; ``at national level`` is the country."""
    if entry and unit_places:
        return unit_places[0][2], unit_places[0][3]
    clause_end = len(text)
    m = re.search(rf"[;(]|(?<!\w)(?:{lang.alt('grammar', 'clause_breaks')})(?!\w)", text[pos:])
    if m:
        clause_end = pos + m.start()
    for phrase in country_phrases:
        i = text.lower().find(phrase, pos)
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
    if any(p in text.lower() for p in country_phrases) and country_name:
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
    before = lang.alt("grammar", "not_perpetrator_before")
    articles = lang.alt("grammar", "articles")
    for a, b, e in unit_actors:
        if a < pos and e not in out and not re.search(rf"(?<!\w)(?:{before})\s+(?:(?:{articles})\s+)?[‘'’]?$", text[max(0, a - 24):a]):
            out.append(e)
    return out


def _event_actor(unit_actors, pos: int, text: str, entry: bool, lang: Language) -> tuple | None:
    """(start, end, actor record, name as printed) of the actor of an event count."""
    def named(x):
        return (*x, text[x[0]:x[1]])

    if entry:
        return named(unit_actors[0]) if unit_actors and unit_actors[0][0] == 0 else None
    of, articles = lang.alt("grammar", "of"), lang.alt("grammar", "articles")
    after = [x for x in unit_actors if pos < x[0] <= pos + 60 and re.search(rf"(?<!\w)(?:{of})\s+(?:(?:{articles})\s+)?$", text[:x[0]])]
    if after:
        return named(after[0])
    before = [x for x in unit_actors if pos - 90 <= x[1] <= pos and not re.search(r"[,;]\s", text[x[1]:pos])]
    return named(before[-1]) if before else None
