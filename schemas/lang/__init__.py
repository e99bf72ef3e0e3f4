"""Per-language word lists (``<code>.toml`` beside this file) and language detection.

The sections the figure rules read (``numbers``, ``casualties``, ``victim_groups``, ``events``,
``displacement``, the figure words of ``grammar``, ``figures``) are checked against a schema when
a file is loaded: a missing or misspelt key is an error there, never a rule that silently matches
nothing."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

_HERE = Path(__file__).parent

Words = list[str]
CasualtyField = Literal["killed", "injured", "abducted", "executed", "disappeared"]
EventCategory = Literal["violent_events", "battles", "violence_against_civilians", "explosions_remote_violence",
                        "civilian_deaths", "human_rights_violations", "attacks_on_peacekeepers",
                        "targeted_attacks_on_civilians", "extrajudicial_executions", "enforced_disappearances",
                        "arbitrary_arrests", "attacks"]
VictimGroup = Literal["civilians", "people", "soldiers", "police", "children", "women", "men", "fighters", "peacekeepers",
                      "protesters", "idps"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NumberWords(_Strict):
    at_least: Words
    more_than: Words
    approx: Words
    up_to: Words
    range_words: Words
    range_joiners: Words
    thousands_separators: Words
    decimal_mark: str
    article_numbers: Words
    words: dict[str, int]
    vague: dict[str, int] = {}
    multipliers: dict[str, int]


class CasualtyWords(_Strict):
    after: dict[CasualtyField, Words]
    before: dict[CasualtyField, Words]
    unsplit: Words
    not_people: Words
    victims: Words


class DisplacementWords(_Strict):
    idp_returnees: Words
    returnees_from_abroad: Words
    refugees: Words
    idps: Words
    returnees: Words
    generic: Words
    displaced: Words
    returned: Words
    change: Words
    stock_verbs: Words


class FigureGrammar(BaseModel):
    """The small words the figure passes read; other extractors keep their own words here too."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    filler: Words
    of: Words
    articles: Words
    recorded: Words
    comparison_before: Words
    coordinated_after: Words
    anaphora: Words
    sub_count: Words
    elliptical_after: Words
    elliptical_before: Words
    change_from: Words
    change_to: Words
    copula: Words
    rate: Words
    relative: Words
    neutral_events: Words
    among: Words
    back_reference: Words
    both: Words
    same_period: Words
    reference_period: Words
    clause_breaks: Words
    as_of: Words
    not_perpetrator_before: Words
    percent: Words
    not_figure_before: Words
    not_figure_after: Words
    ordinal_suffixes: Words


class FigureSettings(_Strict):
    stemmer: Literal["english", "french", "german"]
    compounds: bool


class LanguageFile(BaseModel):
    """The schema of a language file's figure sections (other sections pass through)."""

    model_config = ConfigDict(extra="allow")
    language: str
    numbers: NumberWords
    casualties: CasualtyWords
    victim_groups: dict[VictimGroup, Words]
    events: dict[EventCategory, Words]
    displacement: DisplacementWords
    grammar: FigureGrammar
    figures: FigureSettings


@dataclass(frozen=True, eq=False)  # hashed by identity: one instance per language (load is cached)
class Language:
    code: str
    function_words: tuple[str, ...]
    months: tuple[str, ...]
    month_aliases: tuple[tuple[str, ...], ...]
    bibliography_headings: tuple[str, ...]
    accessed: tuple[str, ...]
    no_date: tuple[str, ...]
    metadata_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    captions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    interval_separators: tuple[str, ...] = ()
    table_total: tuple[str, ...] = ("total",)
    table_nil: tuple[str, ...] = ("-",)
    table_not_available: tuple[str, ...] = ("n/a",)
    thousands_separators: tuple[str, ...] = (" ", ",")
    decimal_mark: str = "."
    population_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    """The whole file, for the fact extractors' word lists (``section``)."""

    def section(self, *path: str) -> dict:
        """A table of the language file (``section("casualties", "after")``), empty when absent."""
        node = self.data
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}

    @cache
    def alt(self, *path: str) -> str:
        """A regex alternation of a word list (escaped, longest first; white space in a phrase
        matches any run of it). An absent list gives a pattern that never matches."""
        words = self.words(*path)
        if not words:
            return "(?!x)x"
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)

    @cache
    def words(self, *path: str) -> tuple[str, ...]:
        """A word list of the language file, longest first (empty when absent)."""
        parent = self.section(*path[:-1])
        value = parent.get(path[-1], [])
        return tuple(sorted(value, key=len, reverse=True)) if isinstance(value, list) else ()

    def month_number(self, word: str) -> int | None:
        """1-12 for a month name or alias of this language (case-insensitive, trailing dot ok)."""
        return self.month_table().get(word.lower().rstrip("."))

    @cache
    def month_table(self) -> dict[str, int]:
        table = {name: i + 1 for i, name in enumerate(self.months)}
        for i, aliases in enumerate(self.month_aliases):
            for alias in aliases:
                table.setdefault(alias, i + 1)
        return table

    @cache
    def month_pattern(self) -> str:
        """A regex alternation matching every month word, longest first."""
        words = sorted(self.month_table(), key=len, reverse=True)
        return "|".join(re.escape(w) for w in words)


def validate(data: dict, path: Path | str = "language file") -> None:
    """Check a language file against :class:`LanguageFile`; ValueError naming every bad key."""
    if "and" not in data.get("grammar", {}):
        raise ValueError(f"{path}: grammar.and is missing")
    try:
        LanguageFile.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise ValueError(f"{path}: {problems}") from None


def available() -> list[str]:
    return sorted(p.stem for p in _HERE.glob("*.toml"))


@cache
def load(code: str) -> Language:
    path = _HERE / f"{code}.toml"
    if not path.exists():
        raise ValueError(f"no language data for {code!r}; have {', '.join(available())}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    validate(data, path)
    interval = data.get("interval", {})
    tables = data.get("tables", {})
    return Language(
        code=data["language"],
        function_words=tuple(data["function_words"]),
        months=tuple(data["months"]),
        month_aliases=tuple(tuple(a) for a in data.get("month_aliases", [])),
        bibliography_headings=tuple(data["bibliography_headings"]),
        accessed=tuple(data["accessed"]),
        no_date=tuple(data["no_date"]),
        metadata_labels={k: tuple(v) for k, v in data["metadata_labels"].items()},
        captions={k: tuple(v) for k, v in data.get("captions", {}).items()},
        interval_separators=tuple(interval.get("separators", ["-"])),
        table_total=tuple(tables.get("total", ["total"])),
        table_nil=tuple(tables.get("nil", ["-"])),
        table_not_available=tuple(tables.get("not_available", ["n/a"])),
        thousands_separators=tuple(tables.get("thousands_separators", [" ", ","])),
        decimal_mark=tables.get("decimal_mark", "."),
        population_words={k: tuple(v) for k, v in tables.get("population", {}).items()},
        data=data,
    )


_WORD = re.compile(r"[^\W\d_]+")


def detect(text: str, sample: int = 20000) -> str:
    """The language code whose function words are most frequent in ``text`` (default ``en``)."""
    counts: dict[str, int] = {}
    words = _WORD.findall(text[:sample].lower())
    for code in available():
        vocab = set(load(code).function_words)
        counts[code] = sum(1 for w in words if w in vocab)
    best = max(counts, key=lambda c: counts[c], default="en")
    return best if counts.get(best) else "en"
