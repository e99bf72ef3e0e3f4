"""Knowledge the fact extractors look names up in: actors with aliases, countries, and
admin units with P-codes. Plain files beside this module (see PROVENANCE.md); a country or
actor list is added by adding a file."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

_HERE = Path(__file__).parent

# Actor kinds of the seed files → the kinds of the output contract.
_KIND = {
    "peacekeeping": "international_force",
    "foreign_forces": "international_force",
    "regional_force": "international_force",
    "state_forces": "state_forces",
}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive key with ``-'’.`` and white space folded."""
    out = fold_chars(text)
    return _fold_text(text) if out is None else " ".join(out.split())


def fold_chars(text: str) -> str | None:
    """``fold`` before it squeezes white space, one character at a time (accents dropped,
    lower case, ``-'’‘.``` as spaces; a character may give none or several), or None for
    the rare text in which a character's folding depends on its neighbours."""
    out = text.translate(_FOLD_CHARS)
    return None if _UNSURE in out else out


def _fold_text(text: str) -> str:
    """``fold`` as its definition reads, on the whole text (the per-character table of
    ``fold`` gives the same, shown over every name of every knowledge file in the tests)."""
    return " ".join(_fold_decomposed(unicodedata.normalize("NFKD", text)).split())


def _fold_decomposed(text: str) -> str:
    """A decomposed text without its combining marks, in lower case, ``-'’‘.``` as spaces."""
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    for ch in "-'’‘.`":
        text = text.replace(ch, " ")
    return text


_UNSURE = "\U0010ffff"
"""What ``_FOLD_CHARS`` gives a character whose folding depends on its neighbours: a Greek
capital sigma (``Σ``, or a character that decomposes into one) lowers to ``ς`` at a word's
end and ``σ`` elsewhere. (The character itself is given it too, and ``fold`` then takes the
whole-text way.)"""


class _FoldChars(dict):
    """``str.translate`` table of what ``fold`` makes of each character on its own, filled on
    first sight. Every step of ``fold`` but the sigma's lower case and the final squeeze of
    spaces works character by character (a normalisation reorders only combining marks,
    which ``fold`` drops), so one ``translate`` does what a normalisation, a filter and
    six replacements did, about three times faster per name."""

    def __missing__(self, code: int) -> str:
        ch = unicodedata.normalize("NFKD", chr(code))
        out = _UNSURE if "\u03a3" in ch or ch == _UNSURE else _fold_decomposed(ch)
        self[code] = out
        return out


_FOLD_CHARS = _FoldChars()


ANY_COUNTRY = "*"
"""``countries`` of a national body named alike in many states (``Gendarmerie nationale``):
tied to the report's country."""


@dataclass(frozen=True)
class ActorEntry:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    countries: tuple[str, ...] = ()
    """ISO 3166 alpha-2 codes of the states whose conflict the actor belongs to (``("*",)``:
    the report's state; empty: a global network)."""
    local_aliases: tuple[str, ...] = ()
    """Names that mean this actor only in a report on one of ``countries`` (``FAN`` is Niger's
    army in a report on Niger, Burkina Faso's in one on Burkina Faso; ``de facto authorities``)."""
    source: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def belongs_to(self, iso2: str | None) -> bool:
        return iso2 is not None and iso2 in self.countries


@dataclass(frozen=True)
class PlaceEntry:
    name: str
    type: str
    """``country``, ``admin1`` or ``admin2``."""
    pcode: str
    country: str
    """ISO 3166 alpha-2."""
    admin1: str | None = None
    parent_pcode: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (cell or "").split("|") if a.strip())


@cache
def actors() -> tuple[ActorEntry, ...]:
    """Every actor of ``actors/<region>.csv``, in file order (``states.csv`` is not an actor list)."""
    out = []
    for path in sorted((_HERE / "actors").glob("*.csv")):
        if path.name == "states.csv":
            continue
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                kind = _KIND.get(row["actor_type"], row["actor_type"])
                out.append(
                    ActorEntry(
                        row["actor_id"],
                        row["canonical_name"],
                        kind,
                        _split(row.get("aliases")),
                        row.get("parent_or_umbrella") or None,
                        _split(row.get("countries")),
                        _split(row.get("local_aliases")),
                        row.get("source") or "",
                    )
                )
    return tuple(out)


@cache
def actor(actor_id: str) -> ActorEntry | None:
    return next((a for a in actors() if a.id == actor_id), None)


@dataclass(frozen=True)
class State:
    """A state as the actor list knows it: the entry its generic labels (``security forces``,
    ``the army``) resolve to, and the adjectives that tie a label to it (``Nigerian``,
    ``malienne``, ``afghanische``), base forms only (see ``adjective_forms``)."""

    iso2: str
    forces: str
    adjectives: tuple[str, ...]


@cache
def states() -> dict[str, State]:
    with (_HERE / "actors" / "states.csv").open(encoding="utf-8") as f:
        return {r["iso2"]: State(r["iso2"], r["forces"], _split(r["adjectives"])) for r in csv.DictReader(f)}


# Inflections added to an adjective's base form: German strong/weak endings, French plurals.
_ADJECTIVE_ENDINGS = {"isch": ("e", "en", "er", "es", "em"), "": ("s", "es")}


@cache
def adjective_forms() -> dict[str, str]:
    """Folded adjective form → ISO2 (``afghanischen`` → AF, ``maliennes`` → ML)."""
    table: dict[str, str] = {}
    for st in states().values():
        for adj in st.adjectives:
            forms = [adj, *(adj + e for e in _ADJECTIVE_ENDINGS[""])]
            if adj.endswith("isch"):
                forms += [adj + e for e in _ADJECTIVE_ENDINGS["isch"]]
            for form in forms:
                table.setdefault(fold(form), st.iso2)
    return table


@cache
def _countries() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    with (_HERE / "countries.csv").open(encoding="utf-8") as f:
        return tuple(
            (r["iso2"], r["iso3"], r["name"], tuple(a for a in r["aliases"].split("|") if a)) for r in csv.DictReader(f)
        )


@cache
def countries() -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    """(ISO2, ISO3, English name, other names) of every country, French and German names included."""
    return _countries()


@cache
def neighbours(iso2: str) -> tuple[str, ...]:
    """ISO2 codes of the countries that share a border with ``iso2`` (GeoNames)."""
    with (_HERE / "countries.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["iso2"] == iso2:
                return tuple(r.get("neighbours", "").split())
    return ()


@lru_cache(maxsize=1024)
def country(name: str) -> tuple[str, str, str] | None:
    """(ISO2, ISO3, English name) for a country name or alias, case- and accent-insensitive."""
    return _country_index().get(fold(name))


@cache
def _country_index() -> dict[str, tuple[str, str, str]]:
    """Every folded name, alias and code of every country → (ISO2, ISO3, English name); where
    two countries share one, the first in the file's order (built once, not a scan of every
    country's names for each name asked about)."""
    index: dict[str, tuple[str, str, str]] = {}
    for iso2, iso3, cname, aliases in _countries():
        for key in (fold(cname), *(fold(a) for a in aliases), iso2.lower(), iso3.lower()):
            index.setdefault(key, (iso2, iso3, cname))
    return index


PCODES = _HERE / "gazetteer" / "global_pcodes_adm_1_2.csv"


@cache
def _pcode_table() -> tuple[list[str], str]:
    """The OCHA table's column names, and its rows as one text in which each line follows a
    newline (the header's), so that a country's lines are found as ``\n<ISO3>,``."""
    text = PCODES.read_text(encoding="utf-8")
    end = text.index("\n")
    return next(csv.reader([text[:end]])), text[end:]


@cache
def _pcode_rows_of(iso3: str) -> list[dict]:
    """One country's rows of the OCHA table, parsed from its own lines only (those that start
    with its ISO3 code, the first column): a report needs a few countries' units, and parsing
    all 156 countries' rows for them took ten times as long."""
    fields, body = _pcode_table()
    return [dict(zip(fields, row, strict=True)) for row in rows_starting(body, f"\n{iso3},")]


def rows_starting(body: str, start: str) -> list[list[str]]:
    """The CSV rows of ``body`` (a file's lines, each after a newline) whose line starts with
    ``start`` (a newline and a prefix), in file order: one country's rows, parsed alone."""
    lines, i = [], body.find(start)
    while i != -1:
        end = body.find("\n", i + 1)
        lines.append(body[i + 1 : end if end != -1 else len(body)])
        i = body.find(start, i + 1)
    return list(csv.reader(lines))


@cache
def _exonyms() -> dict[str, dict[str, list[str]]]:
    """``gazetteer/exonyms.csv`` by ISO3, then P-code: the names in file order (read once, not
    once for each country's gazetteer)."""
    out: dict[str, dict[str, list[str]]] = {}
    with (_HERE / "gazetteer" / "exonyms.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["iso3"], {}).setdefault(r["pcode"], []).append(r["name"])
    return out


@cache
def gazetteer(iso3: str) -> tuple[PlaceEntry, ...]:
    """The country and its admin 1–2 units: OCHA's P-coded units where the table has the
    country (with the ISO 3166-2 English, French and German names of the first-level units
    as aliases), else the ISO 3166-2 subdivisions (their codes in ``pcode``). Empty for an
    unknown country. (Coordinates: ``places.unit_coords``.)"""
    from schemas.kb import places

    found = country(iso3)
    if found is None:
        return ()
    iso2, iso3, cname = found
    rows = _pcode_rows_of(iso3)
    exonyms = _exonyms().get(iso3, {})
    subs = places.subdivisions(iso2)
    iso_names = {places.usable_key(n) or fold(n): s for s in subs if not s.parent for n in (s.name, *s.aliases)}
    out = [PlaceEntry(cname, "country", iso2, iso2)]
    if rows:
        admin1 = {r["P-Code"]: r["Name"] for r in rows if r["Admin Level"] == "1"}
        for r in rows:
            level = "admin1" if r["Admin Level"] == "1" else "admin2"
            a1 = r["Name"] if level == "admin1" else admin1.get(r["Parent P-Code"])
            aliases = list(exonyms.get(r["P-Code"], ()))
            sub = iso_names.get(places.usable_key(r["Name"]) or fold(r["Name"])) if level == "admin1" else None
            if sub is not None:
                aliases += [n for n in (sub.name, *sub.aliases) if n != r["Name"] and n not in aliases]
            out.append(PlaceEntry(r["Name"], level, r["P-Code"], iso2, a1, r["Parent P-Code"], tuple(aliases)))
        return tuple(out)
    top = {s.code: s.name for s in subs if not s.parent}
    for s in subs:
        level = "admin2" if s.parent else "admin1"
        parent = f"{iso2}-{s.parent}" if s.parent and "-" not in s.parent else s.parent
        out.append(PlaceEntry(s.name, level, s.code, iso2, top.get(parent) if s.parent else s.name, parent, s.aliases))
    return tuple(out)


@cache
def event_datasets() -> tuple[str, ...]:
    """Names of event datasets (``event_datasets.txt``): their civilian-death counts are event statistics."""
    lines = (_HERE / "event_datasets.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def publishers() -> tuple[tuple[str, ...], ...]:
    """Publishers of COI reports (``publishers.csv``), each as (name, *other names)."""
    with (_HERE / "publishers.csv").open(encoding="utf-8") as f:
        return tuple((r["name"], *(a for a in r["aliases"].split("|") if a)) for r in csv.DictReader(f))


@dataclass(frozen=True)
class RegionalWords:
    """Words of one region or country (``regional/<name>.toml``) that reports print whatever
    their language: mission names, one country's administrative units, armed groups' own terms."""

    source: str
    countries: tuple[str, ...]
    """ISO 3166 alpha-2 codes of the states whose reports use these words."""
    missions: tuple[str, ...] = ()
    """Peacekeeping missions by the name reports give them (lower case)."""
    extends: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Language-file list (dotted path, ``places.admin2``) → the words it gains in every language."""


def read_regional(path: Path) -> RegionalWords:
    """One ``regional/<name>.toml``; an unknown key, or a value that is not a list of strings,
    is a ``ValueError`` naming the file and the key."""
    import tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - {"countries", "missions", "extends"}
    if unknown:
        raise ValueError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; a regional file has countries, missions, extends"
        )

    def words(key: str, value) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise ValueError(f"{path}: {key} must be a list of strings")
        return tuple(value)

    countries = words("countries", data.get("countries"))
    if not countries or not all(len(c) == 2 and c.isupper() for c in countries):
        raise ValueError(f"{path}: countries must list ISO 3166 alpha-2 codes")
    extends = data.get("extends", {})
    if not isinstance(extends, dict):
        raise ValueError(f"{path}: extends must be a table")
    return RegionalWords(
        source=str(path),
        countries=countries,
        missions=words("missions", data.get("missions", [])),
        extends={k: words(f"extends.{k!r}", v) for k, v in extends.items()},
    )


@cache
def regional_words() -> tuple[RegionalWords, ...]:
    """Every ``regional/*.toml`` beside this module, in file-name order."""
    return tuple(read_regional(path) for path in sorted((_HERE / "regional").glob("*.toml")))
