"""Score an extraction against a hand-made gold file (``shared/eval/GOLD_FORMAT.md``).

The ``--json`` shape is a contract other tools read::

    {"reports": [{"report": PATH, "gold": PATH,
                  "categories": {NAME: {"tp", "fp", "fn", "precision", "recall", "f1",
                                        "attributes": {ATTR: accuracy},
                                        "attribute_counts": {ATTR: [right, scored]},
                                        "misses": {...}}},          # only with misses=True
                  "table_cells": {"correct", "total", "accuracy"}}],
     "summary": {"micro": {NAME: {"tp", "fp", "fn", "precision", "recall", "f1", "attributes"}},
                 "macro": {NAME: {"tp", "fp", "fn", "precision", "recall", "f1", "reports"}},
                 "table_cells": {"micro": {...}, "macro": {...}},
                 "country": {"correct", "total"}}}

``micro`` pools tp/fp/fn over all reports (the "F1 on the corpus"); ``macro`` is the mean of
the per-report precision/recall/F1 over the reports whose gold has the category.

NAME is each category key of the gold file. Categories the extractor does not produce
score recall 0; categories absent from a gold file are skipped. An attribute whose gold
value is null (or absent) is not scored.

``misses`` lists, per category, every false negative (gold evidence and expected values),
every false positive (predicted evidence, page and values) and every attribute mismatch
(expected against got): the work list a developer reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.tables import parse_number
from schemas import kb
from schemas import lang as languages
from schemas.extraction import Extraction, normalize_evidence

CATEGORIES = [
    "metadata",
    "sections",
    "footnotes",
    "bibliography",
    "tables",
    "table_checks",
    "casualty_figures",
    "event_counts",
    "displacement_figures",
    "actors",
    "places",
]
SCORED_METADATA = ["country", "query_code", "date_of_completion", "reference_period", "questions"]
COUNT_FIELDS = ("killed", "injured", "abducted", "casualties")
"""The counts a casualty figure is matched on (``casualties``: killed and injured not split)."""
FACT_CATEGORIES = ("casualty_figures", "event_counts", "displacement_figures")


# ---------------------------------------------------------------- normalization


def fold_name(text: str | None) -> str:
    """Names: case- and accent-insensitive, ``-'’.`` and white space folded to one space
    (the knowledge base's own fold, so matching and scoring agree)."""
    return kb.fold(str(text)) if text is not None else ""


def fold_evidence(text: str | None) -> str:
    """Evidence as the extractor normalizes it, after removing what a rendition adds:
    footnote markers, emphasis marks and line-break hyphenation."""
    if not text:
        return ""
    text = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", text)  # before NFKC, which would make them digits
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text).replace("*", "").replace("_", "")
    return normalize_evidence(text)


def fold_title(text: str | None) -> str:
    return fold_name(fold_evidence(text))


# ---------------------------------------------------------------- scoring helpers


def score(tp: int, fp: int, fn: int, attributes: dict[str, float] | None = None) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else (1.0 if tp + fp + fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if tp + fp + fn == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "attributes": attributes or {},
    }


@dataclass
class Tally:
    """What one category of one report found: counts, attribute results and the misses."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    attributes: dict[str, list[bool]] = field(default_factory=dict)
    false_negatives: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    attribute_mismatches: list[dict] = field(default_factory=list)

    def attribute(self, name: str, expected: Any, got: Any, ok: bool, about: dict) -> None:
        """Score one attribute of a matched pair; a null expected value is not scored."""
        if expected is None:
            return
        self.attributes.setdefault(name, []).append(ok)
        if not ok:
            self.attribute_mismatches.append({**about, "attribute": name, "expected": expected, "got": got})

    def result(self) -> dict[str, Any]:
        out = score(self.tp, self.fp, self.fn, {k: round(sum(v) / len(v), 4) for k, v in self.attributes.items() if v})
        out["attribute_counts"] = {k: [sum(v), len(v)] for k, v in self.attributes.items() if v}
        out["misses"] = {
            "false_negatives": self.false_negatives,
            "false_positives": self.false_positives,
            "attribute_mismatches": self.attribute_mismatches,
        }
        return out


def match_one_to_one(gold: list[Any], pred: list[Any], same: Callable[[Any, Any], bool]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching in gold order: (gold index, predicted index) pairs."""
    used: set[int] = set()
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if pi not in used and same(g, p):
                used.add(pi)
                pairs.append((gi, pi))
                break
    return pairs


def _tally_matching(gold: list, pred: list, same, describe_gold, describe_pred) -> tuple[Tally, list[tuple[Any, Any]]]:
    """Match, count, and list what stayed unmatched on either side."""
    pairs = match_one_to_one(gold, pred, same)
    t = Tally(tp=len(pairs), fp=len(pred) - len(pairs), fn=len(gold) - len(pairs))
    got_g = {gi for gi, _ in pairs}
    got_p = {pi for _, pi in pairs}
    t.false_negatives = [describe_gold(g) for i, g in enumerate(gold) if i not in got_g]
    t.false_positives = [describe_pred(p) for i, p in enumerate(pred) if i not in got_p]
    return t, [(gold[gi], pred[pi]) for gi, pi in pairs]


def _names_match(gold_names: list[str], pred_names: list[str]) -> bool:
    g = {fold_name(n) for n in gold_names if n}
    return any(fold_name(p) in g for p in pred_names if p)


def _all_names(name: str | None, entities) -> list[str]:
    """A predicted name with the aliases of the entity (actor or place) it names."""
    if not name:
        return []
    key = fold_name(name)
    for e in entities:
        names = [e.name, *e.aliases]
        if any(fold_name(n) == key for n in names):
            return names
    return [name]


# ---------------------------------------------------------------- categories


def score_metadata(gold: dict, ex: Extraction) -> Tally:
    """Field by field, only the fields the gold gives (reports without a cover table give
    ``country`` and what is printed)."""
    meta = ex.metadata
    t = Tally()
    for name in SCORED_METADATA:
        if name not in gold:
            continue
        want = gold[name]
        if want is None:
            continue
        if name == "questions":
            preds = [fold_evidence(q) for q in meta.questions]
            ok = all(any(fold_evidence(q)[:40] in p for p in preds) for q in want) and bool(want) == bool(preds)
            value = meta.questions
            got = bool(preds)
        else:
            value = getattr(meta, name)
            got = value is not None
            ok = fold_name(value) == fold_name(want) if name == "country" else (value or None) == want
        t.attributes.setdefault(name, []).append(ok)
        t.tp += ok
        t.fn += not ok
        t.fp += (not ok) and got
        if not ok:
            t.attribute_mismatches.append({"attribute": name, "expected": want, "got": value})
    return t


def score_sections(gold: list, ex: Extraction) -> Tally:
    want = {(s["number"], fold_title(s["title"])): s for s in gold}
    got = {(s.number, fold_title(s.title)): s for s in ex.sections if s.number}
    t = Tally(tp=len(want.keys() & got.keys()), fp=len(got.keys() - want.keys()), fn=len(want.keys() - got.keys()))
    t.false_negatives = [{"number": k[0], "title": want[k]["title"]} for k in want if k not in got]
    t.false_positives = [{"number": k[0], "title": got[k].title, "page": got[k].page} for k in got if k not in want]
    return t


def score_footnotes(gold: dict, ex: Extraction) -> Tally:
    ok = len(ex.footnotes) == gold.get("count")
    t = Tally(tp=int(ok), fp=int(not ok), fn=int(not ok))
    if not ok:
        t.attribute_mismatches.append({"attribute": "count", "expected": gold.get("count"), "got": len(ex.footnotes)})
    texts = {f.number: f.text for f in ex.footnotes}
    for link in gold.get("links", []):
        text = texts.get(link["number"], "")
        t.attribute(
            "links",
            link["cites"],
            text,
            all(fold_name(c) in fold_name(text) for c in link["cites"]),
            {"footnote": link["number"]},
        )
    return t


def score_bibliography(gold: dict, ex: Extraction) -> Tally:
    counts: dict[str, int] = {}
    for e in ex.bibliography:
        counts[fold_name(e.section)] = counts.get(fold_name(e.section), 0) + 1
    t = Tally()
    for section, n in gold.get("sections", {}).items():
        got = counts.get(fold_name(section))
        if got == n:
            t.tp += 1
        else:
            t.fn += 1
            t.fp += got is not None
            t.attribute_mismatches.append({"section": section, "attribute": "entries", "expected": n, "got": got})
    for sample in gold.get("samples", []):
        want_title = fold_title(sample["title_contains"])
        entry = next(
            (
                e
                for e in ex.bibliography
                if ("section" not in sample or fold_name(e.section) == fold_name(sample["section"]))
                and want_title in fold_title(e.title)
            ),
            None,
        )
        about = {"title_contains": sample["title_contains"]}
        t.attribute("sample_found", True, entry is not None, entry is not None, about)
        t.attribute(
            "org",
            sample["org"],
            entry and entry.organisation,
            entry is not None and fold_name(sample["org"]) in fold_name(entry.organisation),
            about,
        )
        t.attribute(
            "accessed",
            sample.get("accessed"),
            entry and entry.accessed,
            entry is not None and entry.accessed == sample.get("accessed"),
            about,
        )
    return t


def parse_cell_value(text: str, language: str = "en") -> tuple[bool, int | float | None]:
    """(is a figure, value) for a printed cell, read by the extractor's own number parser:
    ``20 437`` → 20437, ``-`` → 0, ``N/A`` → None, ``Koro`` → not a figure."""
    parsed = parse_number(text, languages.load(language))
    return parsed.status != "text", parsed.value


@dataclass
class PredictedTable:
    """A predicted table as the scorer sees it: its caption and its figures under every key a
    gold cell may use (row label or period; the whole column header or one of its rows)."""

    id: str
    caption: str
    page: int
    cells: dict[tuple[str, str], int | float | None]


def _column_keys(grid: list[list[str]], header_rows: int, col: int) -> list[str]:
    """A column's names: its header rows joined (a header wrapped over rows), then each row."""
    parts = [grid[r][col] for r in range(header_rows) if col < len(grid[r]) and grid[r][col].strip()]
    keys = [fold_name(" ".join(parts))] + [fold_name(p) for p in parts]
    return list(dict.fromkeys(k for k in keys if k)) or [""]


def predicted_tables(ex: Extraction) -> list[PredictedTable]:
    """The tables that hold figures (a table with no figure, such as a cover table, is not a
    candidate for the gold's tables), with their cells keyed as gold cells are."""
    periods: dict[tuple[str, int, int], str] = {}
    with_figures: set[str] = set()
    for rec in ex.table_records:
        with_figures.add(rec.table_id)
        if rec.period:
            periods[(rec.table_id, rec.provenance.row, rec.provenance.col)] = rec.period
    out = []
    for table in ex.tables:
        grid = table.grid()
        if not grid or table.id not in with_figures:
            continue
        header_rows = max(table.header_rows, 1)
        cells: dict[tuple[str, str], int | float | None] = {}
        for r in range(header_rows, len(grid)):
            row = grid[r]
            for c in range(1, len(row)):
                ok, value = parse_cell_value(row[c], ex.document.language)
                if not ok:
                    continue
                row_keys = [fold_name(row[0])]
                if (table.id, r, c) in periods:
                    row_keys.append("period:" + periods[(table.id, r, c)])
                for rk in row_keys:
                    for ck in _column_keys(grid, header_rows, c):
                        cells.setdefault((rk, ck), value)
        out.append(PredictedTable(table.id, fold_evidence(table.caption or ""), table.page, cells))
    return out


def match_tables(gold: list, tables: list[PredictedTable]) -> dict[str, PredictedTable]:
    """Gold table id → the predicted table whose caption contains the gold's caption text."""
    pairs = match_one_to_one(
        gold,
        tables,
        lambda g, p: (
            bool(fold_evidence(g.get("caption_contains", "")))
            and fold_evidence(g.get("caption_contains", "")) in p.caption
        ),
    )
    return {gold[gi].get("id", str(gi)): tables[pi] for gi, pi in pairs}


def score_tables(gold: list, ex: Extraction) -> tuple[Tally, dict]:
    tables = predicted_tables(ex)
    matched = match_tables(gold, tables)
    t = Tally(tp=len(matched), fn=len(gold) - len(matched), fp=len(tables) - len(matched))
    matched_ids = {p.id for p in matched.values()}
    t.false_positives = [
        {"table": p.id, "caption": p.caption, "page": p.page} for p in tables if p.id not in matched_ids
    ]
    correct = total = 0
    for gi, gt in enumerate(gold):
        table = matched.get(gt.get("id", str(gi)))
        if table is None:
            t.false_negatives.append(
                {
                    "table": gt.get("id"),
                    "caption_contains": gt.get("caption_contains"),
                    "cells": len(gt.get("cells", [])),
                }
            )
        for cell in gt.get("cells", []):
            total += 1
            if table is None:
                continue
            row = "period:" + cell["period"] if cell.get("period") else fold_name(cell["row"])
            key = (row, fold_name(cell["column"]))
            got = table.cells.get(key, "(no such cell)")
            if got == cell.get("value"):
                correct += 1
            else:
                t.attribute_mismatches.append(
                    {
                        "table": gt.get("id"),
                        "row": cell["row"],
                        "column": cell["column"],
                        "attribute": "cell",
                        "expected": cell.get("value"),
                        "got": got,
                    }
                )
    table_cells = {"correct": correct, "total": total, "accuracy": round(correct / total, 4) if total else 0.0}
    return t, table_cells


def score_table_checks(gold: list, ex: Extraction, tables_gold: list) -> Tally:
    """A check belongs to its table: a gold check of table T1 matches a warning on the
    predicted table matched to T1; a warning on any other table is a false positive."""
    kinds = {"row_total_mismatch", "column_total_mismatch"}
    pred = [w for w in ex.warnings if w.code in kinds]
    matched = {gid: p.id for gid, p in match_tables(tables_gold, predicted_tables(ex)).items()}

    def same(g: dict, w) -> bool:
        d = w.details
        label = d.get("row") if "row" in g else d.get("column")
        return (
            g["kind"] == w.code
            and matched.get(g.get("table")) == d.get("table")
            and fold_name(str(label)) == fold_name(str(g.get("row", g.get("column"))))
            and d.get("printed") == g["printed"]
            and d.get("computed") == g["computed"]
        )

    t, _ = _tally_matching(
        gold, pred, same, dict, lambda w: {"table": w.details.get("table"), "kind": w.code, "message": w.message}
    )
    return t


def _count_eq(gold_count: dict | None, pred) -> bool:
    if gold_count is None:
        return pred is None
    if pred is None:
        return False
    return gold_count.get("min") == pred.min and gold_count.get("max") == pred.max


def closing_footnote(prov) -> int | None:
    """The marker that closes the fact's sentence (not any marker inside it)."""
    return prov.footnotes[-1] if prov.footnotes else None


def _evidence_in(gold_ev: str, pred_ev: str) -> bool:
    return bool(gold_ev) and fold_evidence(gold_ev) in fold_evidence(pred_ev)


def _gold_fact(category: str, g: dict) -> dict:
    return {
        "evidence": g.get("evidence"),
        "expected": {k: v for k, v in g.items() if k not in ("evidence",) and v is not None},
    }


def _pred_fact(p) -> dict:
    values = p.model_dump(exclude={"id", "provenance"}, exclude_none=True, exclude_defaults=True)
    return {"evidence": p.provenance.evidence, "page": p.provenance.page, "values": values}


def _same_fact(category: str) -> Callable[[dict, Any], bool]:
    if category == "casualty_figures":
        return lambda g, p: (
            _evidence_in(g["evidence"], p.provenance.evidence)
            and all(_count_eq(g.get(k), getattr(p, k, None)) for k in COUNT_FIELDS)
        )
    if category == "event_counts":
        return lambda g, p: (
            _evidence_in(g["evidence"], p.provenance.evidence) and g["category"] == p.category and g["count"] == p.count
        )
    return lambda g, p: (
        _evidence_in(g["evidence"], p.provenance.evidence) and g["population"] == p.population and g["count"] == p.count
    )


def victim_group(text: str | None, language: str = "en") -> str | None:
    """The normalised victim group (``[victim_groups]`` of the language file) a gold label
    names: its words outside brackets, the longest listed phrase first (``traders`` →
    civilians, ``JNIM members`` → fighters, ``civilians (Dogon villagers)`` → civilians)."""
    if not text:
        return None
    head = fold_name(re.sub(r"\([^)]*\)", " ", text))
    found: list[tuple[int, int, str]] = []
    for group, words in languages.load(language).victim_groups.items():
        if fold_name(group) == head:
            return group
        for w in words:
            m = re.search(rf"(?<!\w){re.escape(fold_name(w))}(?!\w)", head)
            if m:
                found.append((-len(w), m.start(), group))
    return min(found)[2] if found else None


def _victims_ok(want: str | None, got: str | None, language: str) -> bool:
    """The extractor writes normalised victim groups; the gold writes the report's own noun.
    Equal when folded, or when the gold's noun belongs to the predicted group."""
    if fold_name(want) == fold_name(got):
        return True
    return got is not None and victim_group(want, language) == fold_name(got)


def _perpetrators_ok(want: list[list[str]], got: list[str], actors) -> bool:
    """Each gold perpetrator (a list of acceptable names) matches one predicted perpetrator
    by any of that actor's names or aliases; the counts need not be equal."""
    got_names = [_all_names(p, actors) for p in got]
    return all(any(_names_match(names, g) for g in got_names) for names in want)


def score_facts(category: str, gold: list, ex: Extraction) -> Tally:
    pred = list(getattr(ex.facts, category))
    t, pairs = _tally_matching(gold, pred, _same_fact(category), lambda g: _gold_fact(category, g), _pred_fact)
    places, actors = ex.facts.places, ex.facts.actors
    for g, p in pairs:
        about = {"evidence": g["evidence"], "page": p.provenance.page}
        t.attribute(
            "footnote",
            g.get("footnote"),
            closing_footnote(p.provenance),
            g.get("footnote") == closing_footnote(p.provenance),
            about,
        )
        if category == "casualty_figures":
            t.attribute("date", g.get("date"), p.date, g.get("date") == p.date, about)
            t.attribute(
                "location",
                g.get("location"),
                p.location,
                _names_match(g.get("location") or [], _all_names(p.location, places)),
                about,
            )
            t.attribute(
                "perpetrators",
                g.get("perpetrators"),
                p.perpetrators,
                _perpetrators_ok(g.get("perpetrators") or [], p.perpetrators, actors),
                about,
            )
            t.attribute(
                "victims",
                g.get("victims"),
                p.victims,
                _victims_ok(g.get("victims"), p.victims, ex.document.language),
                about,
            )
        elif category == "event_counts":
            t.attribute(
                "area", g.get("area"), p.area, _names_match(g.get("area") or [], _all_names(p.area, places)), about
            )
            t.attribute("period", g.get("period"), p.period, g.get("period") == p.period, about)
            t.attribute(
                "actor", g.get("actor"), p.actor, _names_match(g.get("actor") or [], _all_names(p.actor, actors)), about
            )
            t.attribute(
                "source_org",
                g.get("source_org"),
                p.source_org,
                fold_name(g.get("source_org")) == fold_name(p.source_org),
                about,
            )
        else:  # displacement_figures
            t.attribute(
                "area", g.get("area"), p.area, _names_match(g.get("area") or [], _all_names(p.area, places)), about
            )
            t.attribute("as_of", g.get("as_of"), p.as_of, g.get("as_of") == p.as_of, about)
    return t


def score_actors(gold: list, ex: Extraction) -> Tally:
    t, pairs = _tally_matching(
        gold,
        ex.facts.actors,
        lambda g, p: _names_match(g["names"], [p.name, *p.aliases]),
        lambda g: {"names": g["names"], "kind": g.get("kind")},
        lambda p: {
            "name": p.name,
            "aliases": p.aliases,
            "kind": p.kind,
            "evidence": p.mentions[0].evidence if p.mentions else None,
            "page": p.mentions[0].page if p.mentions else None,
        },
    )
    for g, p in pairs:
        t.attribute("kind", g.get("kind"), p.kind, g.get("kind") == p.kind, {"names": g["names"]})
    return t


def _place_type_ok(g: dict, p) -> bool:
    return p.type in (g.get("type"), g.get("also_ok_type"))


def score_places(gold: list, ex: Extraction) -> Tally:
    t, pairs = _tally_matching(
        gold,
        ex.facts.places,
        lambda g, p: _place_type_ok(g, p) and _names_match(g["names"], [p.name, *p.aliases]),
        lambda g: {
            "names": g["names"],
            "type": g.get("type"),
            "also_ok_type": g.get("also_ok_type"),
            "admin1": g.get("admin1"),
        },
        lambda p: {
            "name": p.name,
            "type": p.type,
            "admin1": p.admin1,
            "evidence": p.mentions[0].evidence if p.mentions else None,
            "page": p.mentions[0].page if p.mentions else None,
        },
    )
    for g, p in pairs:
        about = {"names": g["names"]}
        t.attribute("admin1", g.get("admin1"), p.admin1, fold_name(g.get("admin1")) == fold_name(p.admin1), about)
        t.attribute("pcode", g.get("pcode"), p.pcode, g.get("pcode") == p.pcode, about)
    return t


# ---------------------------------------------------------------- reports


def evaluate_extraction(
    ex: Extraction, gold: dict, report: str = "", gold_path: str = "", misses: bool = False
) -> dict:
    """One report's scores per category of its gold file; with ``misses`` each category also
    lists its false negatives, false positives and attribute mismatches."""
    categories: dict[str, dict] = {}
    table_cells = {"correct": 0, "total": 0, "accuracy": 0.0}
    for name in CATEGORIES:
        if name not in gold:
            continue
        g = gold[name]
        if name == "metadata":
            tally = score_metadata(g, ex)
        elif name == "sections":
            tally = score_sections(g, ex)
        elif name == "footnotes":
            tally = score_footnotes(g, ex)
        elif name == "bibliography":
            tally = score_bibliography(g, ex)
        elif name == "tables":
            tally, table_cells = score_tables(g, ex)
        elif name == "table_checks":
            tally = score_table_checks(g, ex, gold.get("tables", []))
        elif name in FACT_CATEGORIES:
            tally = score_facts(name, g, ex)
        elif name == "actors":
            tally = score_actors(g, ex)
        else:
            tally = score_places(g, ex)
        categories[name] = tally.result()
        if not misses:
            del categories[name]["misses"]
    return {"report": report, "gold": gold_path, "categories": categories, "table_cells": table_cells}


def summarize(reports: list[dict]) -> dict[str, Any]:
    """Pooled (micro) and per-report mean (macro) scores per category, table cells both
    ways, and in how many reports the main country is right."""
    micro: dict[str, dict] = {}
    macro: dict[str, dict] = {}
    counts: dict[str, list[int]] = {}
    per_report: dict[str, list[dict]] = {}
    attr_counts: dict[str, dict[str, list[int]]] = {}
    for r in reports:
        for name, s in r["categories"].items():
            c = counts.setdefault(name, [0, 0, 0])
            c[0] += s["tp"]
            c[1] += s["fp"]
            c[2] += s["fn"]
            per_report.setdefault(name, []).append(s)
            for attr, (right, scored) in s.get("attribute_counts", {}).items():
                a = attr_counts.setdefault(name, {}).setdefault(attr, [0, 0])
                a[0] += right
                a[1] += scored
    for name, (tp, fp, fn) in counts.items():
        attrs = {k: round(right / scored, 4) for k, (right, scored) in attr_counts.get(name, {}).items() if scored}
        micro[name] = score(tp, fp, fn, attrs)
        scores = per_report[name]
        macro[name] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "reports": len(scores),
            **{k: round(sum(s[k] for s in scores) / len(scores), 4) for k in ("precision", "recall", "f1")},
        }
    cells = [r["table_cells"] for r in reports if r["table_cells"]["total"]]
    correct, total = sum(c["correct"] for c in cells), sum(c["total"] for c in cells)
    table_cells = {
        "micro": {"correct": correct, "total": total, "accuracy": round(correct / total, 4) if total else 0.0},
        "macro": {
            "reports": len(cells),
            "accuracy": round(sum(c["accuracy"] for c in cells) / len(cells), 4) if cells else 0.0,
        },
    }
    country = [
        r["categories"]["metadata"]["attributes"]["country"]
        for r in reports
        if "country" in r["categories"].get("metadata", {}).get("attributes", {})
    ]
    return {
        "micro": micro,
        "macro": macro,
        "table_cells": table_cells,
        "country": {"correct": int(sum(country)), "total": len(country)},
    }


def load_gold(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format", "coi-gold/1") != "coi-gold/1":
        raise ValueError(f"{path}: unknown gold format {data.get('format')!r}")
    return data


def pair_corpus(corpus: Path, gold_dir: Path) -> list[tuple[Path, Path]]:
    """(report, gold) pairs: ``X.gold.json`` applies to every report whose name starts with ``X``
    (the longest such X, so ``a-2`` is not taken for ``a-20``)."""
    golds = sorted(gold_dir.glob("*.gold.json"), key=lambda g: -len(g.name))
    pairs = []
    for report in sorted(p for p in corpus.iterdir() if p.is_file() and not p.name.startswith(".")):
        for gold in golds:
            stem = gold.name[: -len(".gold.json")]
            if report.name.startswith(stem):
                pairs.append((report, gold))
                break
    return pairs
