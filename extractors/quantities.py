"""Figures in running text: ``at least 37``, ``Between 30-33``, ``some 375``, ``311 193``,
``one``, ``dozens``, each as ``{min, max, qualifier}``; years, dates, percentages,
resolution and page numbers are not figures. Words come from the language file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.lang import Language
from schemas.extraction import Count

_QUOTES = "'\"‘’“”"


@dataclass(frozen=True)
class Quantity:
    start: int
    """Start of the figure (including its qualifier) in the unit text."""
    end: int
    count: Count

    @property
    def value(self) -> int:
        return self.count.min if self.count.min is not None else (self.count.max or 0)


@cache
def _pattern(lang: Language) -> re.Pattern[str]:
    words = lang.section("numbers", "words")
    vague = lang.section("numbers", "vague")
    quals = [q for key in ("at_least", "more_than", "approx", "up_to") for q in lang.words("numbers", key)]
    never = "(?!x)x"
    qual = "|".join(re.escape(q) for q in sorted(quals, key=len, reverse=True)) or never
    word_alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or never
    vague_alt = "|".join(re.escape(w) for w in sorted(vague, key=len, reverse=True)) or never
    between = lang.alt("numbers", "range_words")
    # "30-33" and "30 to 33" are ranges; "30 and 33" is one only after "between"
    conjunctions = {w.lower() for w in lang.words("grammar", "and")}
    joiners = _alt_words([w for w in lang.words("numbers", "range_joiners") if w.lower() not in conjunctions])
    joiners_after_between = lang.alt("numbers", "range_joiners")
    digits = r"\d{1,3}(?:[ \u00a0\u202f\u2009,]\d{3})+(?![\d])|\d+(?:\.\d+)?"
    num = rf"(?:{digits}|(?:{word_alt})\b)"
    return re.compile(
        rf"(?<![\w.])(?:(?P<qual>{qual})\s*[{_QUOTES}]?\s*(?P<n1>{num})(?:\s*(?:{joiners})\s*(?P<n2>{digits}))?"
        rf"|(?P<between>{between})\s+(?P<b1>{num})\s*(?:{joiners_after_between})\s*(?P<b2>{digits})"
        rf"|(?P<n0>{num})(?:\s*(?:{joiners})\s*(?P<n3>{digits}))?)(?![\w])"
        rf"|(?<![\w])(?P<vague>{vague_alt})\b",
        re.I,
    )


def _alt_words(words: list[str]) -> str:
    words = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) if words else "(?!x)x"


def _to_int(text: str, lang: Language) -> int | None:
    words = lang.section("numbers", "words")
    t = text.strip().lower()
    if t in words:
        return int(words[t])
    digits = re.sub(r"[ \u00a0\u202f\u2009,]", "", t)
    if re.fullmatch(r"\d+", digits):
        return int(digits)
    return None


def _is_excluded(text: str, m: re.Match, n1: str, n2: str | None, lang: Language) -> bool:
    before = text[: m.start()].rstrip(" " + _QUOTES)
    after = text[m.end() :]
    # dates: a number next to a month word, or a year
    month = lang.month_pattern()
    if re.match(rf"\s*(?:{month})\b", after, re.I) or re.search(rf"\b(?:{month})\.?\s*$", before, re.I):
        return True
    people = lang.alt("casualties", "victims") + "|" + "|".join(
        lang.alt("displacement", k) for k in ("idps", "refugees", "returnees", "generic"))
    if n1 and re.fullmatch(r"(?:1[89]|20)\d{2}", n1.replace(" ", "")) and not n2:
        return not re.match(rf"\s*(?:{people})(?!\w)", after, re.I)
    if re.match(rf"\s*(?:{lang.alt('grammar', 'percent')})", after, re.I):
        return True
    if re.search(rf"(?<!\w)(?:{lang.alt('grammar', 'not_figure_before')})\.?\s*$", before, re.I):
        return True
    if re.match(rf"\s*(?:{lang.alt('grammar', 'not_figure_after')})(?!\w)", after, re.I):
        return True
    if re.search(r"[-/]$", before) or re.match(r"[-/]\d", after):
        return True  # codes like Q28-2020 and ranges of dates
    if re.match(rf"(?:{lang.alt('grammar', 'ordinal_suffixes')})(?!\w)", after):
        return True
    return False


def find_quantities(text: str, lang: Language) -> list[Quantity]:
    out = []
    vague = lang.section("numbers", "vague")
    for m in _pattern(lang).finditer(text):
        if m.group("vague"):
            out.append(Quantity(m.start(), m.end(), Count(min=int(vague[m.group("vague").lower()]), max=None, qualifier="at_least")))
            continue
        first = m.group("n1") or m.group("b1") or m.group("n0")
        second = m.group("n2") or m.group("b2") or m.group("n3")
        if first is None or _is_excluded(text, m, first, second, lang):
            continue
        low = _to_int(first, lang)
        if low is None:
            continue
        high = _to_int(second, lang) if second else None
        qual = (m.group("qual") or "").lower()
        if high is not None and high > low:
            count = Count(min=low, max=high, qualifier="range")
        elif qual in lang.words("numbers", "at_least"):
            count = Count(min=low, max=None, qualifier="at_least")
        elif qual in lang.words("numbers", "more_than"):
            count = Count(min=low + 1, max=None, qualifier="more_than")
        elif qual in lang.words("numbers", "up_to"):
            count = Count(min=None, max=low, qualifier="up_to")
        elif qual:
            count = Count(min=low, max=low, qualifier="approx")
        else:
            count = Count(min=low, max=low, qualifier="exact")
        out.append(Quantity(m.start(), m.end(), count))
    return out
