"""Figures in running text: ``at least 37``, ``Between 30-33``, ``some 375``, ``311 193``,
``43.750``, ``2.6 million``, ``1,5 Millionen``, ``one``, ``twenty-two``, ``a dozen``,
``dozens``, each as ``{min, max, qualifier}``; years, dates, percentages, resolution and page
numbers are not figures. Words come from the language file; runs of number words are read by
``text2num`` (English, French and German).

Every check looks at a bounded window around the figure, so a long line with thousands of
numbers is read in linear time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from schemas.extraction import QUOTES, Count
from schemas.lang import Language, WordStarts, alternation, word_starts

_WINDOW = 80
"""Characters on either side of a figure that the exclusion rules read (bounded: linear time; the
words before a figure that matter, a month or ``para.``, are read in its last 24)."""


@dataclass(frozen=True)
class Quantity:
    start: int
    """Start of the figure (including its qualifier) in the unit text."""
    end: int
    count: Count
    printed: int | None = None
    """The number as printed, before ``more than`` adds one (event and displacement counts use it)."""

    @property
    def value(self) -> int:
        return self.count.min if self.count.min is not None else (self.count.max or 0)

    @property
    def number(self) -> int:
        """The printed number: 500 for ``more than 500``."""
        return self.printed if self.printed is not None else self.value


@cache
def _pattern(lang: Language) -> re.Pattern[str]:
    words = lang.numbers.words
    vague = lang.numbers.vague
    quals = [q for key in ("at_least", "more_than", "approx", "up_to") for q in getattr(lang.numbers, key)]
    qual = alternation(quals)
    word_alt = alternation(words)
    vague_alt = alternation(vague)
    mult = alternation(lang.numbers.multipliers)
    between = alternation(lang.numbers.range_words)
    # "30-33" and "30 to 33" are ranges; "30 and 33" is one only after "between"
    conjunctions = {w.lower() for w in lang.grammar.and_}
    joiners = alternation([w for w in lang.numbers.range_joiners if w.lower() not in conjunctions])
    joiners_after_between = alternation(lang.numbers.range_joiners)
    seps = "".join(re.escape(s) for s in lang.numbers.thousands_separators)
    dec = re.escape(lang.numbers.decimal_mark)
    grouped = rf"\d{{1,3}}(?:[{seps}]\d{{3}})+(?![\d])" if seps else r"(?!x)x"
    digits = rf"(?:\d+{dec}\d+|\d+)\s+(?:{mult})(?!\w)|{grouped}|\d+(?:\.\d+)?"
    word_run = rf"(?:{word_alt})(?:[\s-]+(?:{word_alt}))*(?:\s+(?:{mult}))?"
    num = rf"(?:{digits}|{word_run}(?!\w))"
    return re.compile(
        rf"(?<![\w.,])(?:(?P<qual>{qual})\s*[{QUOTES}]?\s*(?P<n1>{num})(?:\s*(?:{joiners})\s*(?P<n2>{digits}))?"
        rf"|(?P<between>{between})\s+(?P<b1>{num})\s*(?:{joiners_after_between})\s*(?P<b2>{digits})"
        rf"|(?P<n0>{num})(?:\s*(?:{joiners})\s*(?P<n3>{digits}))?)(?![\w])"
        rf"|(?<![\w])(?P<vague>{vague_alt})\b",
        re.I,
    )


@cache
def _starts(lang: Language) -> WordStarts | None:
    """Where a figure may start: a digit, or a qualifier, range, number or vague word (every
    branch of :func:`_pattern` starts with one, at the start of a word)."""
    n = lang.numbers
    quals = [q for key in ("at_least", "more_than", "approx", "up_to") for q in getattr(n, key)]
    return word_starts([*quals, *n.range_words, *n.words, *n.vague])


def _figure_matches(text: str, lang: Language) -> Iterator[re.Match[str]]:
    """``_pattern(lang).finditer(text)``, tried only where a word could start a figure."""
    starts = _starts(lang)
    return _pattern(lang).finditer(text) if starts is None else starts.finditer(_pattern(lang), text)


def to_int(text: str, lang: Language) -> int | None:
    """The value of a printed figure: ``311 193``, ``43.750``, ``2.6 million``, ``zwei Millionen``,
    ``twenty-two``; None for a decimal without a multiplier (``3.5`` is not a count)."""
    if text.isdigit():
        return int(text)
    words, mults, multiplied, grouped = _number_forms(lang)
    t = " ".join(text.lower().split())  # stripped, white space runs as one space
    factor = 1
    m = multiplied.fullmatch(t)
    if m:
        t, factor = m.group(1), int(mults[m.group(2)])
    if t in words:
        return int(words[t]) * factor
    if grouped.fullmatch(t):
        return int(re.sub(r"\D", "", t)) * factor
    if re.fullmatch(r"\d+", t):
        return int(t) * factor
    dec = m and re.fullmatch(r"(\d+)[.,](\d+)", t)
    if dec:
        return round(float(f"{dec.group(1)}.{dec.group(2)}") * factor)
    if re.fullmatch(r"[^\W\d_]+(?:[\s-]+[^\W\d_]+)*", t):
        return _words_to_int(t, lang.code)
    return None


@cache
def _number_forms(lang: Language) -> tuple[dict, dict, re.Pattern[str], re.Pattern[str]]:
    """Number words, multipliers, and the patterns of a multiplied and a grouped figure, once per language."""
    mults = {k.lower(): v for k, v in lang.numbers.multipliers.items()}
    seps = "".join(re.escape(s) for s in lang.numbers.thousands_separators)
    grouped = re.compile(rf"\d{{1,3}}(?:[{seps}]\d{{3}})+" if seps else r"(?!x)x")
    return lang.numbers.words, mults, re.compile(rf"(.+?)\s+({alternation(mults)})"), grouped


def _words_to_int(text: str, code: str) -> int | None:
    from text_to_num import text2num

    try:
        return int(text2num(text, code))
    except (ValueError, TypeError):
        return None


@cache
def _exclusions(lang: Language) -> dict[str, re.Pattern[str]]:
    """The patterns that tell a number is no figure, compiled once per language."""
    month = lang.month_pattern
    people = (
        alternation(lang.casualties.victims)
        + "|"
        + "|".join(alternation(getattr(lang.displacement, k)) for k in ("idps", "refugees", "returnees", "generic"))
    )
    return {
        "month_after": re.compile(rf"\s*(?:{month})\b", re.I),
        "month_word": re.compile(rf"\b(?:{month})\.?(?!\w)", re.I),
        "word_after": re.compile(r"\s+[^\W\d_]"),
        "year": re.compile(r"(?:1[89]|20)\d{2}"),
        "people_after": re.compile(rf"\s*(?:{people})(?!\w)", re.I),
        "hyphen_word": re.compile(r"-[^\W\d_]"),
        "percent": re.compile(rf"\s*(?:{alternation(lang.grammar.percent)})", re.I),
        "not_before": re.compile(rf"(?<!\w)(?:{alternation(lang.grammar.not_figure_before)})\.?(?!\w)", re.I),
        "not_after": re.compile(rf"\s*(?:{alternation(lang.grammar.not_figure_after)})(?!\w)", re.I),
        "code_after": re.compile(r"[-/]\d"),
        "ordinal": re.compile(rf"(?:{alternation(lang.grammar.ordinal_suffixes)})(?!\w)"),
    }


@cache
def _exclusion_starts(lang: Language) -> dict[str, WordStarts | None]:
    """Where the word lists of the exclusions read over a whole text may start."""
    return {
        "month_word": word_starts(lang.month_table, digits=False),
        "not_before": word_starts(lang.grammar.not_figure_before, digits=False),
    }


def _exclusion_matches(key: str, text: str, lang: Language) -> Iterator[re.Match[str]]:
    """``_exclusions(lang)[key].finditer(text)``, tried only where one of its words may start."""
    starts, pattern = _exclusion_starts(lang)[key], _exclusions(lang)[key]
    return pattern.finditer(text) if starts is None else starts.finditer(pattern, text)


def _is_excluded(
    text: str, m: re.Match, n1: str, n2: str | None, lang: Language, month_ends: set[int], not_figure_ends: set[int]
) -> bool:
    """Whether a matched number is no figure. The words before it are looked up by where they end
    (``month_ends``, ``not_figure_ends``: found once per text), so each check is bounded."""
    p = _exclusions(lang)
    before = text[max(0, m.start() - _WINDOW) : m.start()].rstrip(" " + QUOTES)
    word_end = m.start() - (min(m.start(), _WINDOW) - len(before))
    after = text[m.end() : m.end() + _WINDOW]
    # dates: a number next to a month word ("5 June", "June 5, 2020"), or a year; "in May 15 attacks" is a figure
    if p["month_after"].match(after):
        return True
    if word_end in month_ends and not p["word_after"].match(after):
        return True
    if n1 and p["year"].fullmatch(n1.replace(" ", "")) and (not n2 or p["year"].fullmatch(n2)):
        return bool(n2) or not p["people_after"].match(after)
    if p["hyphen_word"].match(after):
        return True  # "two-thirds", "one-off"
    if p["percent"].match(after) or word_end in not_figure_ends or p["not_after"].match(after):
        return True
    if before.endswith(("-", "/")) or p["code_after"].match(after):
        return True  # codes like Q28-2020 and ranges of dates
    return bool(p["ordinal"].match(after))


@cache
def _vague(lang: Language) -> dict[str, int]:
    """Vague figure words (lower case) → the least they mean (``dozens``: 24)."""
    return {k.lower(): v for k, v in lang.numbers.vague.items()}


def find_quantities(text: str, lang: Language) -> list[Quantity]:
    out = []
    vague = _vague(lang)
    ends: tuple[set[int], set[int]] | None = None  # where month and not-a-figure words end: read at the first number
    for m in _figure_matches(text, lang):
        if m.group("vague"):
            n = int(vague[" ".join(m.group("vague").lower().split())])
            out.append(Quantity(m.start(), m.end(), Count(min=n, max=None, qualifier="at_least")))
            continue
        first = m.group("n1") or m.group("b1") or m.group("n0")
        second = m.group("n2") or m.group("b2") or m.group("n3")
        if first is None:
            continue
        if ends is None:
            ends = (
                {w.end() for w in _exclusion_matches("month_word", text, lang)},
                {w.end() for w in _exclusion_matches("not_before", text, lang)},
            )
        if _is_excluded(text, m, first, second, lang, *ends):
            continue
        low = to_int(first, lang)
        if low is None:
            continue
        high = to_int(second, lang) if second else None
        qual = " ".join((m.group("qual") or "").lower().split())  # its words hold no space at either end
        if high is not None and high <= low and not m.group("between"):
            # "reduced from 818 to 439": two figures, not a range
            key = "n2" if m.group("n2") else "n3"
            end1 = m.end("n1") if m.group("n1") else m.end("n0")
            out.append(Quantity(m.start(), end1, _count(low, qual, lang), printed=low))
            out.append(Quantity(m.start(key), m.end(key), Count(min=high, max=high, qualifier="exact"), printed=high))
            continue
        count = (
            Count(min=low, max=high, qualifier="range") if high is not None and high > low else _count(low, qual, lang)
        )
        out.append(Quantity(m.start(), m.end(), count, printed=low))
    return out


def _count(n: int, qual: str, lang: Language) -> Count:
    """``{min, max, qualifier}`` of a figure and the qualifier printed before it."""
    if qual in lang.numbers.at_least:
        return Count(min=n, max=None, qualifier="at_least")
    if qual in lang.numbers.more_than:
        return Count(min=n + 1, max=None, qualifier="more_than")
    if qual in lang.numbers.up_to:
        return Count(min=None, max=n, qualifier="up_to")
    if qual:
        return Count(min=n, max=n, qualifier="approx")
    return Count(min=n, max=n, qualifier="exact")
