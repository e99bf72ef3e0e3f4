"""Dates and intervals from short spans, with the month words of the report's language.

The regexes find and split the span; ``dateparser`` is only asked about forms they do not
know (numeric dates and the like), never run over whole sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

from schemas.lang import Language, WordStarts, alternation, word_starts


@dataclass(frozen=True)
class DateValue:
    iso: str
    """``2020-06-05`` (day), ``2020-07`` (month) or ``2020`` (year)."""
    granularity: str
    year_inferred: bool = False


@cache
def _patterns(lang: Language) -> dict[str, re.Pattern[str]]:
    month = f"(?P<month>{lang.month_pattern})\\.?"
    seps = alternation(lang.interval.separators)
    return {
        # a day's first digit, then its word boundary (``(?<!\w.)``): the engine skips to digits
        "day": re.compile(rf"(?P<day>\d(?<!\w.)\d?)(?:st|nd|rd|th|er|\.)?\s+{month}(?:\s+(?P<year>\d{{4}}))?\b", re.I),
        "month_first": re.compile(rf"\b{month}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
        "month": re.compile(rf"\b{month}\s+(?P<year>\d{{4}})\b", re.I),
        "year": re.compile(r"\b(?P<year>(?:19|20)\d{2})\b"),
        "interval": re.compile(
            rf"(?P<d1>\d(?<!\w.)\d?)\.?\s*(?:(?P<m1>{lang.month_pattern})\.?\s*(?P<y1>\d{{4}})?)?\s*(?:{seps})\s*"
            rf"(?P<d2>\d{{1,2}})\.?\s+(?P<m2>{lang.month_pattern})\.?\s+(?P<y2>\d{{4}})\b",
            re.I,
        ),
        # "the first three months of 2020", "die letzten sechs Monate 2019"
        "months_span": re.compile(
            rf"(?<!\w)({alternation(lang.grammar.first)}|{alternation(lang.grammar.last)})\s+(\w+)\s+"
            rf"(?:{alternation(lang.grammar.months_of)})\s+(\d{{4}})\b",
            re.I,
        ),
    }


@cache
def _starts(lang: Language) -> dict[str, WordStarts | None]:
    """Where a match of the patterns that start with a word may start (see :class:`WordStarts`):
    a month word, or ``first``/``last``."""
    return {
        "month": word_starts(lang.month_table, digits=False),
        "months_span": word_starts((*lang.grammar.first, *lang.grammar.last), digits=False),
    }


def _matches(key: str, text: str, lang: Language) -> Iterator[re.Match[str]]:
    """``_patterns(lang)[key].finditer(text)``, tried only where its first word may start."""
    starts, pattern = _starts(lang)[key], _patterns(lang)[key]
    return pattern.finditer(text) if starts is None else starts.finditer(pattern, text)


@lru_cache(maxsize=4096)
def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """``2020-06-03``, ``2020-06`` or ``2020``; None for a day that does not exist. Cached: a
    report names the same few hundred dates tens of thousands of times (a table's periods, the
    source list's access dates), and each then shares one string."""
    try:
        if day is not None and month is not None:
            return date(year, month, day).isoformat()
    except ValueError:
        return None
    if month is not None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def parse_date(text: str, lang: Language, default_year: int | None = None) -> DateValue | None:
    """The first date in ``text``: a day, else a month, else a year.

    A day and month printed without a year take ``default_year`` (``year_inferred``).
    """
    p = _patterns(lang)
    m = p["day"].search(text) or p["month_first"].search(text)
    if m:
        month = lang.month_number(m.group("month"))
        year = m.group("year")
        inferred = False
        if year is None:
            if default_year is None:
                return None
            year, inferred = default_year, True
        iso = _iso(int(year), month, int(m.group("day")))
        if iso:
            return DateValue(iso, "day", inferred)
    m = p["month"].search(text)
    if m:
        return DateValue(_iso(int(m.group("year")), lang.month_number(m.group("month"))), "month")
    if re.search(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", text):
        parsed = _dateparser(text, lang.code)
        if parsed:
            return DateValue(parsed, "day")
    m = p["year"].search(text)
    if m:
        return DateValue(m.group("year"), "year")
    return None


def parse_interval(text: str, lang: Language) -> str | None:
    """``1 June-30 November 2020`` → ``2020-06-01/2020-11-30`` (the first interval in ``text``)."""
    m = _patterns(lang)["interval"].search(text)
    if not m:
        return None
    y2, m2 = int(m.group("y2")), lang.month_number(m.group("m2"))
    m1 = lang.month_number(m.group("m1")) if m.group("m1") else m2
    y1 = int(m.group("y1")) if m.group("y1") else (y2 if m1 <= m2 else y2 - 1)
    start, end = _iso(y1, m1, int(m.group("d1"))), _iso(y2, m2, int(m.group("d2")))
    if not start or not end or start > end:
        return None
    return f"{start}/{end}"


def _dateparser(text: str, language: str) -> str | None:
    import dateparser  # slow to import; only needed for numeric forms

    found = dateparser.parse(text, languages=[language], settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True})
    return found.date().isoformat() if found else None


def year_in_period(month: int, period: str | None) -> int | None:
    """The year a day-and-month printed without a year falls in, read from the report's
    reference period (``7 Jan`` in a report on ``2022-12-01/2023-01-31`` is 2023); None when
    the period does not say, or holds that month in more than one year."""
    if not period:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?(?:/(\d{4})-(\d{2})(?:-\d{2})?)?", period)
    if not m:
        return None
    y1, m1 = int(m.group(1)), int(m.group(2))
    y2, m2 = (int(m.group(3)), int(m.group(4))) if m.group(3) else (y1, m1)
    years = [y for y in range(y1, y2 + 1) if (y, month) >= (y1, m1) and (y, month) <= (y2, m2)]
    return years[0] if len(years) == 1 else None


_DIGIT = re.compile(r"\d")
_FOUR_DIGITS = re.compile(r"\d{4}")


def number_before(text: str, pos: int) -> bool:
    """True when a number, maybe with a full stop, ends right before ``pos``, white space aside
    (as the regex ``\\d\\.?\\s*$`` on ``text[:pos]``). Read backwards from ``pos``, so that a long
    text is not scanned again from its start for every month it names."""
    i = pos
    while i and text[i - 1].isspace():
        i -= 1
    if i and text[i - 1] == ".":
        i -= 1
    return bool(i) and text[i - 1].isdecimal()


def find_dates(text: str, lang: Language, period: str | None = None) -> list[tuple[int, str, str]]:
    """(position, ISO value, kind) of every interval, day and month printed in ``text``, in
    order; kind is ``interval``, ``day`` or ``month``. A day or month inside an interval is
    not repeated; ``the first three months of 2020`` is an interval too. A day printed without
    a year (``7 Jan``) counts only when the report's reference ``period`` fixes its year."""
    return _dates(text, lang, period)[0]


def _dates(text: str, lang: Language, period: str | None) -> tuple[list[tuple[int, str, str]], bool]:
    """:func:`find_dates`, and whether ``period`` was read (a day printed without a year):
    when it was not, the dates are the same for any period."""
    if not _DIGIT.search(text):
        return [], False  # every form below holds a number
    period_read = False
    p = _patterns(lang)
    out: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    # Every form but a day ("7 Jan") ends in a four-digit year: a text without one (a
    # sentence whose only numbers are figures) is not scanned for them, each scan trying the
    # month words at every word.
    has_year = _FOUR_DIGITS.search(text) is not None
    for m in p["interval"].finditer(text) if has_year else ():
        iv = parse_interval(m.group(), lang)
        if iv:
            out.append((m.start(), iv, "interval"))
            taken.append((m.start(), m.end()))
    for m in p["day"].finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        month = lang.month_number(m.group("month"))
        period_read = period_read or bool(month and not m.group("year"))
        year = int(m.group("year")) if m.group("year") else year_in_period(month, period) if month else None
        if year:
            iso = _iso(year, month, int(m.group("day")))
            if iso:
                out.append((m.start(), iso, "day"))
                taken.append((m.start(), m.end()))
    for m in _matches("month", text, lang) if has_year else ():
        if not any(a <= m.start() < b for a, b in taken) and not number_before(text, m.start()):
            out.append((m.start(), _iso(int(m.group("year")), lang.month_number(m.group("month"))), "month"))
    words = lang.numbers.words
    firsts = {w.lower() for w in lang.grammar.first}
    for m in _matches("months_span", text, lang) if has_year else ():
        n = words.get(m.group(2).lower()) or (int(m.group(2)) if m.group(2).isdigit() else None)
        if n and 1 <= n <= 12:
            year = int(m.group(3))
            first, last = (1, n) if m.group(1).lower() in firsts else (13 - n, 12)
            end = (date(year + (last == 12), last % 12 + 1, 1) - timedelta(days=1)).day
            out.append((m.start(), f"{year:04d}-{first:02d}-01/{year:04d}-{last:02d}-{end:02d}", "interval"))
    return sorted(out), period_read


DatesIn = Callable[..., list[tuple[int, str, str]]]
"""``dates_in(text, period=None)``: :func:`find_dates` in the report's language."""


def dates_memo(lang: Language) -> DatesIn:
    """:func:`find_dates` for one report, each text read once: a sentence's dates are asked for
    again by every later sentence of its paragraph (the paragraph's date) and by the figures
    before it (a date stated later); the report's head by the date and the period readers.
    A text whose dates did not depend on the period is not read again for another period.
    Kept only as long as the caller keeps it (a batch does not grow)."""
    memo: dict[tuple[str, str | None], list[tuple[int, str, str]]] = {}
    any_period: dict[str, list[tuple[int, str, str]]] = {}

    def dates_in(text: str, period: str | None = None) -> list[tuple[int, str, str]]:
        if text in any_period:
            return any_period[text]
        key = (text, period)
        if key not in memo:
            found, period_read = _dates(text, lang, period)
            if not period_read:
                any_period[text] = found
                return found
            memo[key] = found
        return memo[key]

    return dates_in
