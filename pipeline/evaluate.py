"""Score an extraction against a hand-made gold file (``shared/eval/GOLD_FORMAT.md``).

The ``--json`` shape is a contract other tools read::

    {"reports": [{"report": PATH, "gold": PATH,
                  "categories": {NAME: {"tp", "fp", "fn", "precision", "recall", "f1",
                                        "attributes": {ATTR: accuracy}}},
                  "table_cells": {"correct", "total", "accuracy"}}],
     "summary": {NAME: {"f1": x}}}

NAME is each category key of the gold file. Categories the extractor does not produce
score recall 0; categories absent from a gold file are skipped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

from extractors import kb, lang as languages
from extractors.tables import parse_number
from schemas.extraction import Extraction, normalize_evidence

CATEGORIES = ["metadata", "sections", "footnotes", "bibliography", "tables", "table_checks",
              "casualty_figures", "event_counts", "displacement_figures", "actors", "places"]
SCORED_METADATA = ["country", "query_code", "date_of_completion", "reference_period", "questions"]


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
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4), "attributes": attributes or {}}


def _accuracy(results: dict[str, list[bool]]) -> dict[str, float]:
    return {k: round(sum(v) / len(v), 4) for k, v in results.items() if v}


def match_one_to_one(gold: list[Any], pred: list[Any], same: Callable[[Any, Any], bool]) -> list[tuple[Any, Any]]:
    """Greedy one-to-one matching in gold order."""
    used: set[int] = set()
    pairs = []
    for g in gold:
        for i, p in enumerate(pred):
            if i not in used and same(g, p):
                used.add(i)
                pairs.append((g, p))
                break
    return pairs


def _names_match(gold_names: list[str], pred_names: list[str]) -> bool:
    g = {fold_name(n) for n in gold_names if n}
    return any(fold_name(p) in g for p in pred_names if p)


# ---------------------------------------------------------------- categories


def score_metadata(gold: dict, ex: Extraction) -> dict:
    meta = ex.metadata
    attrs: dict[str, float] = {}
    tp = fp = fn = 0
    for field in SCORED_METADATA:
        if field not in gold:
            continue
        want = gold[field]
        if field == "questions":
            preds = [fold_evidence(q) for q in meta.questions]
            ok = all(any(fold_evidence(q)[:40] in p for p in preds) for q in want) and bool(want) == bool(preds)
            got = bool(preds)
        else:
            value = getattr(meta, field)
            got = value is not None
            ok = fold_name(value) == fold_name(want) if field == "country" else (value or None) == want
        attrs[field] = 1.0 if ok else 0.0
        tp += ok
        fn += not ok
        fp += (not ok) and got
    return score(tp, fp, fn, attrs)


def score_sections(gold: list, ex: Extraction) -> dict:
    want = {(s["number"], fold_title(s["title"])) for s in gold}
    got = {(s.number, fold_title(s.title)) for s in ex.sections if s.number}
    return score(len(want & got), len(got - want), len(want - got))


def score_footnotes(gold: dict, ex: Extraction) -> dict:
    ok = len(ex.footnotes) == gold.get("count")
    texts = {f.number: fold_name(f.text) for f in ex.footnotes}
    links = [all(fold_name(c) in texts.get(link["number"], "") for c in link["cites"]) for link in gold.get("links", [])]
    return score(int(ok), int(not ok), int(not ok), _accuracy({"links": links}))


def score_bibliography(gold: dict, ex: Extraction) -> dict:
    counts: dict[str, int] = {}
    for e in ex.bibliography:
        counts[fold_name(e.section)] = counts.get(fold_name(e.section), 0) + 1
    tp = fp = fn = 0
    for section, n in gold.get("sections", {}).items():
        got = counts.get(fold_name(section))
        if got == n:
            tp += 1
        else:
            fn += 1
            fp += got is not None
    results: dict[str, list[bool]] = {"sample_found": [], "org": [], "accessed": []}
    for sample in gold.get("samples", []):
        want_title = fold_title(sample["title_contains"])
        entry = next((e for e in ex.bibliography
                      if ("section" not in sample or fold_name(e.section) == fold_name(sample["section"]))
                      and want_title in fold_title(e.title)), None)
        results["sample_found"].append(entry is not None)
        results["org"].append(entry is not None and fold_name(sample["org"]) in fold_name(entry.organisation))
        if "accessed" in sample:
            results["accessed"].append(entry is not None and entry.accessed == sample["accessed"])
    return score(tp, fp, fn, _accuracy(results))


def parse_cell_value(text: str, language: str = "en") -> tuple[bool, int | float | None]:
    """(is a figure, value) for a printed cell, read by the extractor's own number parser:
    ``20 437`` → 20437, ``-`` → 0, ``N/A`` → None, ``Koro`` → not a figure."""
    parsed = parse_number(text, languages.load(language))
    return parsed.status != "text", parsed.value


def _table_index(ex: Extraction) -> list[tuple[str, dict[tuple[str, str], int | None]]]:
    """(caption, {(row label, column label): value}) per predicted table."""
    out = []
    for table in ex.tables:
        grid = table.grid()
        if not grid:
            continue
        header = grid[0]
        cells: dict[tuple[str, str], int | None] = {}
        for row in grid[1:]:
            for c in range(1, len(row)):
                ok, value = parse_cell_value(row[c], ex.document.language)
                if ok:
                    cells[(fold_name(row[0]), fold_name(header[c] if c < len(header) else ""))] = value
        out.append((fold_evidence(table.caption or ""), cells))
    return out


def _match_table(gold_table: dict, index) -> dict | None:
    want = fold_evidence(gold_table.get("caption_contains", ""))
    for caption, cells in index:
        if want and want in caption:
            return cells
    return None


def score_tables(gold: list, ex: Extraction) -> tuple[dict, dict]:
    index = _table_index(ex)
    tp = fn = 0
    correct = total = 0
    matched_captions = set()
    for gt in gold:
        cells = _match_table(gt, index)
        tp += cells is not None
        fn += cells is None
        if cells is not None:
            matched_captions.add(fold_evidence(gt.get("caption_contains", "")))
        for cell in gt.get("cells", []):
            total += 1
            if cells is None:
                continue
            key = (fold_name(cell["row"]), fold_name(cell["column"]))
            if key in cells and cells[key] == cell.get("value"):
                correct += 1
    fp = sum(1 for caption, _ in index if caption and not any(m in caption for m in matched_captions))
    table_cells = {"correct": correct, "total": total, "accuracy": round(correct / total, 4) if total else 0.0}
    return score(tp, fp, fn), table_cells


def score_table_checks(gold: list, ex: Extraction) -> dict:
    kinds = {"row_total_mismatch", "column_total_mismatch"}
    pred = [w for w in ex.warnings if w.code in kinds]

    def same(g: dict, w) -> bool:
        d = w.details
        label = d.get("row") if "row" in g else d.get("column")
        return (g["kind"] == w.code and fold_name(str(label)) == fold_name(str(g.get("row", g.get("column"))))
                and d.get("printed") == g["printed"] and d.get("computed") == g["computed"])

    pairs = match_one_to_one(gold, pred, same)
    return score(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs))


def _count_eq(gold_count: dict | None, pred) -> bool:
    if gold_count is None:
        return pred is None
    if pred is None:
        return False
    return gold_count.get("min") == pred.min and gold_count.get("max") == pred.max


def _footnote_ok(gold_fn, prov) -> bool:
    closing = prov.footnotes[-1] if prov.footnotes else None
    return gold_fn == closing or (gold_fn is not None and gold_fn in prov.footnotes)


def _evidence_in(gold_ev: str, pred_ev: str) -> bool:
    return bool(gold_ev) and fold_evidence(gold_ev) in fold_evidence(pred_ev)


def score_facts(category: str, gold: list, ex: Extraction) -> dict:
    pred = list(getattr(ex.facts, category))
    attrs: dict[str, list[bool]] = {}
    if category == "casualty_figures":
        def same(g, p):
            return (_evidence_in(g["evidence"], p.provenance.evidence)
                    and all(_count_eq(g.get(k), getattr(p, k)) for k in ("killed", "injured", "abducted")))
        pairs = match_one_to_one(gold, pred, same)
        for g, p in pairs:
            attrs.setdefault("date", []).append(g.get("date") == p.date)
            attrs.setdefault("location", []).append(_names_match(g.get("location") or [], [p.location or ""]))
            want = g.get("perpetrators") or []
            attrs.setdefault("perpetrators", []).append(
                len(want) == len(p.perpetrators) and all(_names_match(names, p.perpetrators) for names in want))
            attrs.setdefault("victims", []).append(fold_name(g.get("victims")) == fold_name(p.victims))
            attrs.setdefault("footnote", []).append(_footnote_ok(g.get("footnote"), p.provenance))
    elif category == "event_counts":
        def same(g, p):
            return _evidence_in(g["evidence"], p.provenance.evidence) and g["category"] == p.category and g["count"] == p.count
        pairs = match_one_to_one(gold, pred, same)
        for g, p in pairs:
            attrs.setdefault("area", []).append(_names_match(g.get("area") or [], [p.area or ""]) or (not g.get("area") and not p.area))
            attrs.setdefault("period", []).append(g.get("period") == p.period)
            actor = g.get("actor") or []
            attrs.setdefault("actor", []).append(_names_match(actor, [p.actor or ""]) if actor else p.actor is None)
            attrs.setdefault("source_org", []).append(fold_name(g.get("source_org")) == fold_name(p.source_org))
            attrs.setdefault("footnote", []).append(_footnote_ok(g.get("footnote"), p.provenance))
    else:  # displacement_figures
        def same(g, p):
            return _evidence_in(g["evidence"], p.provenance.evidence) and g["population"] == p.population and g["count"] == p.count
        pairs = match_one_to_one(gold, pred, same)
        for g, p in pairs:
            attrs.setdefault("area", []).append(_names_match(g.get("area") or [], [p.area or ""]))
            attrs.setdefault("as_of", []).append(g.get("as_of") == p.as_of)
            attrs.setdefault("footnote", []).append(_footnote_ok(g.get("footnote"), p.provenance))
    return score(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs), _accuracy(attrs))


def score_actors(gold: list, ex: Extraction) -> dict:
    pred = ex.facts.actors
    pairs = match_one_to_one(gold, pred, lambda g, p: _names_match(g["names"], [p.name, *p.aliases]))
    attrs = _accuracy({"kind": [g.get("kind") == p.kind for g, p in pairs]})
    return score(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs), attrs)


def score_places(gold: list, ex: Extraction) -> dict:
    pred = ex.facts.places
    pairs = match_one_to_one(gold, pred, lambda g, p: g.get("type") == p.type and _names_match(g["names"], [p.name, *p.aliases]))
    attrs: dict[str, list[bool]] = {}
    for g, p in pairs:
        if "admin1" in g:
            attrs.setdefault("admin1", []).append(fold_name(g["admin1"]) == fold_name(p.admin1))
        if "pcode" in g:
            attrs.setdefault("pcode", []).append(g["pcode"] == p.pcode)
    return score(len(pairs), len(pred) - len(pairs), len(gold) - len(pairs), _accuracy(attrs))


# ---------------------------------------------------------------- reports


def evaluate_extraction(ex: Extraction, gold: dict, report: str = "", gold_path: str = "") -> dict:
    categories: dict[str, dict] = {}
    table_cells = {"correct": 0, "total": 0, "accuracy": 0.0}
    for name in CATEGORIES:
        if name not in gold:
            continue
        g = gold[name]
        if name == "metadata":
            categories[name] = score_metadata(g, ex)
        elif name == "sections":
            categories[name] = score_sections(g, ex)
        elif name == "footnotes":
            categories[name] = score_footnotes(g, ex)
        elif name == "bibliography":
            categories[name] = score_bibliography(g, ex)
        elif name == "tables":
            categories[name], table_cells = score_tables(g, ex)
        elif name == "table_checks":
            categories[name] = score_table_checks(g, ex)
        elif name in ("casualty_figures", "event_counts", "displacement_figures"):
            categories[name] = score_facts(name, g, ex)
        elif name == "actors":
            categories[name] = score_actors(g, ex)
        elif name == "places":
            categories[name] = score_places(g, ex)
    return {"report": report, "gold": gold_path, "categories": categories, "table_cells": table_cells}


def summarize(reports: list[dict]) -> dict[str, dict[str, float]]:
    """Mean F1 per category over the reports that score it."""
    sums: dict[str, list[float]] = {}
    for r in reports:
        for name, s in r["categories"].items():
            sums.setdefault(name, []).append(s["f1"])
    return {name: {"f1": round(sum(v) / len(v), 4)} for name, v in sums.items()}


def load_gold(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format", "coi-gold/1") != "coi-gold/1":
        raise ValueError(f"{path}: unknown gold format {data.get('format')!r}")
    return data


def pair_corpus(corpus: Path, gold_dir: Path) -> list[tuple[Path, Path]]:
    """(report, gold) pairs: ``X.gold.json`` applies to every report whose name starts with ``X``."""
    golds = sorted(gold_dir.glob("*.gold.json"))
    pairs = []
    for report in sorted(p for p in corpus.iterdir() if p.is_file() and not p.name.startswith(".")):
        for gold in golds:
            stem = gold.name[: -len(".gold.json")]
            if report.name.startswith(stem):
                pairs.append((report, gold))
                break
    return pairs
