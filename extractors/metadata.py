"""Report metadata: from the cover table of a COI query response, else read from the text.

Most reports (situation reports, ACLED overviews, UN reports, country guidance) have no
cover table. Their main country is inferred from the title and first headings, the country
names and adjectives of the text and the admin units it names, each weighted, with the
evidence kept (``Metadata.inferred``, ``Metadata.evidence``); their date and reference period
from what the first lines print (``Latest update: 24/03/2017``, ``Stand: 12.04.2019``,
``du 1er au 30 septembre 2021``, ``second quarter 2020``, a month in the title)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

from extractors.dates import DatesIn, dates_memo, parse_date, parse_interval
from schemas import kb
from schemas.document import BlockKind, Document, Table
from schemas.extraction import Metadata, Warning
from schemas.kb import places as kb_places
from schemas.lang import Language, WordGate, alternation, open_gates, word_gate

_QUESTION_START = re.compile(r"(?:(?<=^)|(?<=[\s?.!:;]))(\d{1,2})[.)]\s+(?=\S)")
_SMALL_WORDS = {"of", "the", "and", "de", "du", "la", "le", "des", "der", "die", "und"}


def _fold_label(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower().rstrip(":").strip()


def cover_pairs(table: Table) -> dict[str, str]:
    """Label → value for a two-column table (label in the first column)."""
    pairs: dict[str, str] = {}
    for row in table.grid():
        cells = [c for c in row if c.strip()]
        if len(cells) >= 2:
            pairs[cells[0].strip()] = " ".join(cells[1:]).strip()
    return pairs


def _field_for(label: str, lang: Language) -> str | None:
    folded = _fold_label(label)
    for field, labels in lang.metadata_labels.items():
        if folded in labels:
            return field
    for field, labels in lang.metadata_labels.items():  # wrapped or decorated labels
        if any(folded.startswith(label) for label in labels if len(label) > 6):
            return field
    return None


def split_questions(text: str) -> list[str]:
    """``1. What …? 2. What …?`` → one string per question."""
    starts = list(_QUESTION_START.finditer(text))
    if len(starts) < 2 and not (starts and starts[0].start() == 0):
        return [text.strip()] if text.strip() else []
    out = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        q = text[m.end() : end].strip()
        if q:
            out.append(q)
    return out


def country_name(printed: str) -> str:
    words = printed.strip().split()
    if printed.isupper():
        return " ".join(w.lower() if w.lower() in _SMALL_WORDS and i else w.capitalize() for i, w in enumerate(words))
    return printed.strip()


def extract_metadata(doc: Document, lang: Language) -> tuple[Metadata, list[Warning]]:
    """Read the first table whose first-column labels are cover-table labels."""
    warnings: list[Warning] = []
    best: dict[str, str] = {}
    for block in doc.blocks():
        if block.kind is BlockKind.table and block.table is not None:
            pairs = cover_pairs(block.table)
            known = {label: v for label, v in pairs.items() if _field_for(label, lang)}
            if len(known) >= 2:
                best = pairs
                break
    meta = Metadata(fields=best)
    for label, value in best.items():
        field = _field_for(label, lang)
        if field is None or getattr(meta, field, None):
            continue
        if field == "questions":
            meta.questions = split_questions(value)
        elif field == "date_of_completion":
            parsed = parse_date(value, lang)
            meta.date_of_completion = parsed.iso if parsed else None
            if parsed is None:
                warnings.append(
                    Warning(code="metadata_unparsed", message=f"date of completion '{value}' is not a date")
                )
        elif field == "country":
            meta.country = country_name(value)
        else:
            setattr(meta, field, value)
    for key, value in doc.properties.items():  # a web page's or Word file's own title, date, URL
        meta.fields.setdefault(key, value)
    if meta.main_subject:
        meta.reference_period = parse_interval(meta.main_subject, lang)
    read_from_text(doc, lang, meta)
    if not best and not (meta.country or meta.date_of_completion or meta.reference_period):
        warnings.append(
            Warning(code="metadata_missing", message="no COI cover table and no country or date in the text")
        )
    return meta, warnings


# ---------------------------------------------------------------- metadata read from the text

HEAD_CHARS = 1500
"""How much of the text counts as the report's head (title, dateline, first headings)."""
LABEL_CHARS = 4000
"""How far a labelled date (``Latest update: …``) is looked for."""
MAX_TITLE = 250
TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT = 5.0, 2.0, 1.0
ADJECTIVE_FACTOR = 0.7
"""An adjective ("Malian refugees") says a little less about the report's country than its name."""
PLACE_WEIGHT = 0.6
"""Each distinct admin unit the text names, shared among the countries that have a unit of that name."""
MAX_MENTIONS = 8
"""Mentions in the running text beyond this count add nothing (one long list does not outvote the title)."""


def read_from_text(doc: Document, lang: Language, meta: Metadata) -> None:
    """Fill what the cover table left empty from the report's own text (``meta.inferred``
    lists the fields read this way; ``meta.evidence`` says from what)."""
    text = doc.text
    blocks = list(doc.blocks())
    first = next((b for b in blocks if doc.text[b.start : b.end].strip()), None)
    title = doc.text[first.start : first.end].strip().split("\n")[0] if first is not None else ""
    if first is not None and first.kind is not BlockKind.heading and len(title) > MAX_TITLE:
        title = ""  # a report that opens with running text has no title line
    if not meta.title and title:
        meta.title = title[:300]
    if not meta.country:
        found = infer_country(doc, lang, title)
        if found:
            meta.country, meta.evidence["country"] = found
            meta.inferred.append("country")
    head = text[:HEAD_CHARS]
    dates_in = dates_memo(lang)  # the date and the period are both read from the head's dates
    if not meta.publisher:
        meta.publisher = publisher(head)
    if not meta.date_of_completion:
        found_date = report_date(head, lang, text[:LABEL_CHARS], dates_in)
        if found_date:
            meta.date_of_completion, meta.evidence["date_of_completion"] = found_date
            meta.inferred.append("date_of_completion")
    if not meta.reference_period:
        year = int(meta.date_of_completion[:4]) if meta.date_of_completion else None
        headings = " \n ".join(doc.text[b.start : b.end] for b in blocks[:8] if b.kind is BlockKind.heading)
        period = reference_period(head, title + " \n " + headings, lang, year, dates_in)
        if period:
            meta.reference_period, meta.evidence["reference_period"] = period
            meta.inferred.append("reference_period")


@lru_cache(maxsize=8)
def _adjectives(lang: Language) -> tuple[re.Pattern[str], dict[str, str]] | None:
    table = lang.countries.adjectives
    stems = {kb.fold(stem): iso2 for iso2, words in table.items() for stem in words}
    if not stems:
        return None
    alt = "|".join(re.escape(s).replace(r"\ ", " ") for s in sorted(stems, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])({alt})[a-z]{{0,4}}(?![a-z])"), stems


def country_scores(doc: Document, lang: Language, title: str = "") -> tuple[Counter, dict[str, list[str]]]:
    """Weighted evidence for each country (ISO2): its names and adjectives in the title, the
    first headings and the text, and the admin units of it the text names."""
    scores: Counter = Counter()
    evidence: dict[str, list[str]] = {}
    headings = " ".join(doc.text[b.start : b.end] for b in list(doc.blocks())[:6] if b.kind is BlockKind.heading)
    adjectives = _adjectives(lang)
    for zone, text, weight in (
        ("title", title, TITLE_WEIGHT),
        ("headings", headings, HEADING_WEIGHT),
        ("text", doc.text, TEXT_WEIGHT),
    ):
        counts: Counter = Counter()
        names: dict[str, str] = {}
        for a, b, iso2 in kb_places.country_mentions(text):
            counts[iso2] += 1
            names.setdefault(iso2, text[a:b])
        if adjectives:
            pattern, stems = adjectives
            folded = kb.fold(text).replace(" ", " ")
            for m in pattern.finditer(folded):
                if kb.country(m.group()) is not None:
                    continue  # "Somalia" is the name, counted above, not the adjective "Somali"
                iso2 = stems[m.group(1)]
                counts[iso2] += ADJECTIVE_FACTOR
                names.setdefault(iso2, m.group())
        for iso2, n in counts.items():
            scores[iso2] += weight * min(n, MAX_MENTIONS)
            evidence.setdefault(iso2, []).append(f"{zone}: '{names[iso2]}' x{n:g}")
    seen: Counter = Counter()
    units_of: dict[str, list] = {}
    for a, b, units in kb_places.admin_automaton().find(kb_places.char_fold(doc.text)):
        if doc.text[a].isupper() and b - a > 3:
            seen[doc.text[a:b]] += 1
            units_of[doc.text[a:b]] = units
    for name, n in seen.items():
        codes = {iso2 for iso2, _level in units_of[name]}
        for iso2 in codes:
            scores[iso2] += PLACE_WEIGHT * min(n, MAX_MENTIONS) / len(codes)
            evidence.setdefault(iso2, []).append(f"place: '{name}' x{n}")
    return scores, evidence


def infer_country(doc: Document, lang: Language, title: str = "") -> tuple[str, str] | None:
    """(English short name, evidence) of the country the report is mainly about, or None."""
    scores, evidence = country_scores(doc, lang, title)
    if not scores:
        return None
    iso2, score = scores.most_common(1)[0]
    found = kb.country(iso2)
    if found is None or score < TEXT_WEIGHT:
        return None
    return found[2], f"score {score:.1f}: " + "; ".join(evidence[iso2][:6])


@lru_cache(maxsize=1)
def _publisher_patterns() -> tuple[tuple[str, WordGate, re.Pattern[str]], ...]:
    """(the publisher's first name, gate, pattern) of every publisher name: a name in capitals
    matched as printed, any other in any case. The gate (a substring test) skips the regex
    scan of a head that cannot hold the name."""
    return tuple(
        (
            names[0],
            word_gate((n,), ignore_case=not n.isupper()),
            re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])", 0 if n.isupper() else re.I),
        )
        for names in kb.publishers()
        for n in names
    )


def publisher(head: str) -> str | None:
    """The first publisher of the knowledge base's list the report's head names (a name in
    capitals, as printed, or a long name in any case)."""
    best: tuple[int, str] | None = None
    patterns = _publisher_patterns()
    opens = open_gates(tuple(gate for _first, gate, _pattern in patterns), head)
    for (first, _gate, pattern), may in zip(patterns, opens, strict=True):
        m = pattern.search(head) if may else None
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), first)
    return best[1] if best else None


def _ordinals(text: str) -> str:
    """``1er``, ``1st``, ``2nd`` → ``1``, ``2`` (interval and date patterns expect bare days)."""
    return re.sub(r"\b(\d{1,2})(?:er|ère|st|nd|rd|th)\b", r"\1", text)


def report_date(
    head: str, lang: Language, labelled_zone: str = "", dates_in: DatesIn | None = None
) -> tuple[str, str] | None:
    """The date a report was published or last updated: a labelled date (``Latest update:``,
    ``Stand:``), else a numeric date standing alone in the head, else the first day (not part
    of an interval) in the head. ``dates_in`` is the caller's :func:`dates_memo`, if any."""
    dates_in = dates_in or dates_memo(lang)
    head, zone = _ordinals(head), _ordinals(labelled_zone or head)
    labels = alternation(lang.report.date_labels)
    for m in re.finditer(rf"(?<!\w)(?:{labels})\s*:?\s*", zone, re.I):
        rest = zone[m.end() : m.end() + 40]
        numeric = re.match(r"(\d{1,2})[./](\d{1,2})[./](\d{4})\b", rest)
        if numeric:
            iso = _numeric(numeric)
            if iso:
                return iso, m.group().strip() + " " + numeric.group()
        parsed = parse_date(rest, lang)
        if parsed and parsed.granularity in ("day", "month") and re.match(r"\W*\d|\W*[^\W\d]+\s+\d", rest):
            return parsed.iso, (m.group() + rest).strip()
    for m in re.finditer(r"(?<![\d./])(\d{1,2})[./](\d{1,2})[./](\d{4})(?![\d./])", head):
        iso = _numeric(m)
        if iso:
            return iso, m.group()
    event = re.compile(rf"(?<!\w)(?i:{alternation(lang.report.event_date_words)})\s*$")
    for pos, iso, kind in dates_in(head):
        if kind == "day" and not event.search(
            head[max(0, pos - 12) : pos]
        ):  # "took Kabul on 15 August 2021" dates an event
            return iso, head[pos : pos + 30].split("\n")[0]
    return None


def _numeric(m: re.Match) -> str | None:
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _month_end(year: int, month: int) -> int:
    return (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day


def reference_period(
    head: str, title: str, lang: Language, year: int | None = None, dates_in: DatesIn | None = None
) -> tuple[str, str] | None:
    """The period a report covers, as printed in its head: an interval of days, ``between
    October 2020 and February 2021``, a quarter, ``Jahr 2020``, or a month in the title.
    ``dates_in`` is the caller's :func:`dates_memo`, if any."""
    dates_in = dates_in or dates_memo(lang)
    head = _ordinals(head)
    months = lang.month_pattern
    sep = alternation(lang.interval.separators)
    for pos, iso, kind in dates_in(head):
        if kind == "interval":
            return iso, head[pos : pos + 60].split("\n")[0]
    if year:  # "from 24 April to 24 May", the year of the report
        m = re.search(rf"\b(\d{{1,2}})\s+({months})\.?\s+(?:{sep})\s+(\d{{1,2}})\s+({months})\b(?!\s+\d)", head, re.I)
        if m:
            iso = parse_interval(f"{m.group(1)} {m.group(2)} - {m.group(3)} {m.group(4)} {year}", lang)
            if iso:
                return iso, m.group()
    between = alternation(lang.report.between)
    m = re.search(
        rf"(?<!\w)(?:{between})\s+(?:\w+\s+){{0,3}}?({months})\s+(\d{{4}})\s+(?:{alternation(lang.grammar.and_)}|{sep})\s+({months})\s+(\d{{4}})",
        head,
        re.I,
    )
    if m:
        y1, m1, y2, m2 = int(m.group(2)), lang.month_number(m.group(1)), int(m.group(4)), lang.month_number(m.group(3))
        if (y1, m1) <= (y2, m2):
            return f"{y1:04d}-{m1:02d}-01/{y2:04d}-{m2:02d}-{_month_end(y2, m2):02d}", m.group()
    ordinals = {kb.fold(k): v for k, v in lang.report.quarter_ordinals.items()}
    quarter = alternation(lang.report.quarter_words)
    if ordinals:
        alt = "|".join(re.escape(o) for o in sorted(ordinals, key=len, reverse=True))
        folded = kb.fold(head)
        m = re.search(
            rf"\b({alt})\s+(?:{quarter})\b(?:\s*\(?q\d\)?)?\s*(?:of\s+|de\s+|des\s+jahres\s+)?(\d{{4}})", folded
        )
        if m:
            q, y = ordinals[m.group(1)], int(m.group(2))
            return f"{y:04d}-{3 * q - 2:02d}-01/{y:04d}-{3 * q:02d}-{_month_end(y, 3 * q):02d}", m.group()
    m = re.search(rf"(?<!\w)(?:{alternation(lang.report.year_words)})\s+(\d{{4}})\b", head, re.I)
    if m:
        return f"{m.group(1)}-01-01/{m.group(1)}-12-31", m.group()
    m = re.search(rf"(?<![\d.])\b({months})\s+(\d{{4}})\b", title, re.I)
    if m and not re.search(r"\d\.?\s*$", title[: m.start()]):
        y, mo = int(m.group(2)), lang.month_number(m.group(1))
        return f"{y:04d}-{mo:02d}-01/{y:04d}-{mo:02d}-{_month_end(y, mo):02d}", m.group()
    return None
