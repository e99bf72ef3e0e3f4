"""What changed between two extractions of a report, for a reviewer.

Facts are lined up by a key that survives edits of the figures themselves: category,
evidence with its digits masked, and the fact's rank among facts of the same masked
evidence; a fact id (which hashes the document bytes) would change with any edit.
Table cells line up by (table caption, row label, column label). Field changes are
computed with DeepDiff."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from deepdiff import DeepDiff

from pipeline.run import write_atomic
from schemas.extraction import Extraction, normalize_evidence

FACT_CATEGORIES = ("casualty_figures", "event_counts", "displacement_figures")
_IGNORED = {"id", "provenance"}


def _mask(evidence: str) -> str:
    return re.sub(r"\d+", "#", normalize_evidence(evidence))


def _keyed_facts(ex: Extraction, category: str) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    ranks: dict[tuple, int] = {}
    for fact in getattr(ex.facts, category):
        base = (category, _mask(fact.provenance.evidence))
        rank = ranks.get(base, 0)
        ranks[base] = rank + 1
        out[(*base, rank)] = fact.model_dump(mode="json")
    return out


def _cells(ex: Extraction) -> dict[tuple, str]:
    cells = {}
    for table in ex.tables:
        grid = table.grid()
        name = table.caption or table.id
        for r, row in enumerate(grid[1:], start=1):
            for c, text in enumerate(row[1:], start=1):
                cells[(name, row[0], grid[0][c] if c < len(grid[0]) else str(c))] = text
    return cells


def _changes(old: dict, new: dict) -> dict[str, list]:
    dd = DeepDiff({k: v for k, v in old.items() if k not in _IGNORED}, {k: v for k, v in new.items() if k not in _IGNORED},
                  ignore_order=True, verbose_level=2)
    changes: dict[str, list] = {}
    for kind in ("values_changed", "type_changes"):
        for path, change in dd.get(kind, {}).items():
            changes[path.replace("root", "", 1)] = [change.get("old_value"), change.get("new_value")]
    for kind, side in (("dictionary_item_added", 1), ("dictionary_item_removed", 0), ("iterable_item_added", 1), ("iterable_item_removed", 0)):
        for path, value in dd.get(kind, {}).items():
            changes[path.replace("root", "", 1)] = [None, value] if side else [value, None]
    return changes


def _brief(fact: dict) -> dict:
    p = fact["provenance"]
    return {"evidence": p["evidence"], "page": p["page"], "footnotes": p["footnotes"],
            "values": {k: v for k, v in fact.items() if k not in _IGNORED and v not in (None, [], {})}}


def diff_extractions(old: Extraction, new: Extraction) -> dict:
    """Added, removed and changed facts per category, changed table cells, metadata and
    sections that changed, and warnings that appeared or went away."""
    result: dict = {"old": old.document.source_path, "new": new.document.source_path, "facts": {}}
    for category in FACT_CATEGORIES:
        a, b = _keyed_facts(old, category), _keyed_facts(new, category)
        entry = {
            "added": [_brief(b[k]) for k in b if k not in a],
            "removed": [_brief(a[k]) for k in a if k not in b],
            "changed": [],
        }
        for k in a.keys() & b.keys():
            changes = _changes(a[k], b[k])
            if changes:
                entry["changed"].append({**_brief(b[k]), "old_evidence": a[k]["provenance"]["evidence"], "changes": changes})
        entry["changed"].sort(key=lambda c: c["evidence"])
        result["facts"][category] = entry
    for category in ("actors", "places"):
        a = {(x.name, getattr(x, "type", None)) for x in getattr(old.facts, category)}
        b = {(x.name, getattr(x, "type", None)) for x in getattr(new.facts, category)}
        result["facts"][category] = {"added": sorted(n for n, _ in b - a), "removed": sorted(n for n, _ in a - b), "changed": []}
    ca, cb = _cells(old), _cells(new)
    result["table_cells"] = [{"table": k[0], "row": k[1], "column": k[2], "old": ca.get(k), "new": cb.get(k)}
                             for k in sorted(ca.keys() | cb.keys()) if ca.get(k) != cb.get(k)]
    result["metadata"] = _changes(old.metadata.model_dump(mode="json"), new.metadata.model_dump(mode="json"))
    sa = [(s.number, s.title) for s in old.sections]
    sb = [(s.number, s.title) for s in new.sections]
    result["sections"] = {"added": [s for s in sb if s not in sa], "removed": [s for s in sa if s not in sb]}
    wa = {(w.code, w.message) for w in old.warnings}
    wb = {(w.code, w.message) for w in new.warnings}
    result["warnings"] = {"appeared": [m for _, m in sorted(wb - wa)], "gone": [m for _, m in sorted(wa - wb)]}
    result["identical"] = not (
        any(v["added"] or v["removed"] or v["changed"] for v in result["facts"].values())
        or result["table_cells"] or result["metadata"] or result["sections"]["added"] or result["sections"]["removed"]
        or result["warnings"]["appeared"] or result["warnings"]["gone"]
    )
    return result


def write_diff(diff: dict, path: Path) -> Path:
    write_atomic(path, json.dumps(diff, ensure_ascii=False, indent=1) + "\n")
    return path


def field_label(path: str) -> str:
    """``['killed']['min']`` → ``killed › min`` (for people, not machines)."""
    parts = re.findall(r"\['([^']+)'\]|\[(\d+)\]", path)
    return " › ".join(a or b for a, b in parts) or path


def _highlight(evidence: str, values: list) -> str:
    """The evidence with the printed forms of the changed numbers marked."""
    text = html.escape(evidence)
    for v in values:
        for number in re.findall(r"\d+", json.dumps(v)):
            pretty = f"{int(number):,}".replace(",", " ")
            for form in {number, pretty}:
                text = re.sub(rf"(?<![\d<]){re.escape(form)}(?![\d])", f"<mark>{form}</mark>", text)
    return text


def diff_html(diff: dict) -> str:
    """One self-contained page: every change with its evidence, the changed values marked."""
    rows = []
    for category, entry in diff["facts"].items():
        for change in entry["changed"]:
            olds = [v[0] for v in change["changes"].values()]
            news = [v[1] for v in change["changes"].values()]
            fields = "".join(f"<li><b>{html.escape(field_label(k))}</b>: <del>{html.escape(json.dumps(v[0], ensure_ascii=False))}</del> → "
                             f"<ins>{html.escape(json.dumps(v[1], ensure_ascii=False))}</ins></li>" for k, v in change["changes"].items())
            rows.append(f"<section class='changed'><h3>{category}: changed (p. {change['page']}, fn {change['footnotes']})</h3>"
                        f"<p class='old'>{_highlight(change['old_evidence'], olds)}</p><p class='new'>{_highlight(change['evidence'], news)}</p>"
                        f"<ul>{fields}</ul></section>")
        for kind in ("added", "removed"):
            for fact in entry[kind]:
                if isinstance(fact, str):
                    rows.append(f"<section class='{kind}'><h3>{category}: {kind}</h3><p>{html.escape(fact)}</p></section>")
                else:
                    rows.append(f"<section class='{kind}'><h3>{category}: {kind} (p. {fact['page']})</h3><p>{html.escape(fact['evidence'])}</p>"
                                f"<pre>{html.escape(json.dumps(fact['values'], ensure_ascii=False, indent=1))}</pre></section>")
    for cell in diff["table_cells"]:
        rows.append(f"<section class='changed'><h3>table cell: {html.escape(str(cell['table']))}</h3><p>{html.escape(str(cell['row']))} × "
                    f"{html.escape(str(cell['column']))}: <del>{html.escape(str(cell['old']))}</del> → <ins><mark>{html.escape(str(cell['new']))}</mark></ins></p></section>")
    for kind in ("appeared", "gone"):
        for message in diff["warnings"][kind]:
            rows.append(f"<section class='warning'><h3>warning {kind}</h3><p>{html.escape(message)}</p></section>")
    body = "\n".join(rows) or "<p>The two extractions are identical.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coi diff</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
section{{border-left:4px solid #999;padding:.3rem 1rem;margin:1rem 0;background:#fafafa}}
.changed{{border-color:#d08c00}} .added{{border-color:#2a8f3a}} .removed{{border-color:#b3261e}} .warning{{border-color:#555}}
mark{{background:#ffe08a}} del{{color:#b3261e}} ins{{color:#2a8f3a;text-decoration:none}} .old{{color:#666}}
</style></head><body>
<h1>What changed</h1><p><b>old</b> {html.escape(diff['old'])}<br><b>new</b> {html.escape(diff['new'])}</p>
{body}
</body></html>
"""
