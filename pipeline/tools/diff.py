"""What changed between two extractions of a report, for a reviewer.

Facts are lined up by a key that survives edits of the figures themselves: category,
evidence with its digits masked, and the fact's rank among facts of the same masked
evidence; a fact id (which hashes the document bytes) would change with any edit. Facts
left over on both sides whose sentences are still alike are the same fact reworded. Table
cells line up by (table caption, row label, column label). Field changes are computed with
DeepDiff.

Text is compared too, so a change no fact carries (a reworded sentence without a figure, a
new heading, a metadata field) is never reported as "identical". Everything a reviewer is
shown comes from :func:`change_cards`, which the CLI and the HTML page both render, so
the two always report the same set of changes."""

from __future__ import annotations

import difflib
import html
import json
import re
from collections import Counter
from pathlib import Path

from deepdiff import DeepDiff

from schemas.extraction import Extraction, normalize_evidence
from schemas.files import write_json

FACT_CATEGORIES = ("casualty_figures", "event_counts", "displacement_figures")
SET_CATEGORIES = ("actors", "places")
TEXT_BLOCK_KINDS = ("paragraph", "list_item", "caption")
"""Blocks whose wording is compared (headings are sections; tables are cells; footnotes by number)."""
REWORDED_MIN_SIMILARITY = 0.6
"""How alike two sentences (digits masked) must be to count as one sentence reworded."""
MAX_PAIRINGS = 40_000
"""Most sentence pairs compared when looking for reworded ones (the comparison is quadratic)."""
_IGNORED = {"id", "provenance"}
_LAYOUT_DETAILS = {"page", "location", "block_id"}


def _mask(evidence: str) -> str:
    return re.sub(r"\d+", "#", normalize_evidence(evidence))


def _fold_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def layout_key(text: str) -> str:
    """Text as it reads, whatever the layout did to it: NFKC, quotes straightened and all
    white space dropped (a line break inside a URL or a word is layout, not wording)."""
    return re.sub(r"\s+", "", normalize_evidence(text))


# ---------------------------------------------------------------- facts in words


def number_words(n: float | None) -> str:
    """``311193`` → ``311 193`` (the grouping COI reports print)."""
    if n is None:
        return "?"
    return f"{n:,}".replace(",", " ")


def count_words(count: dict | None) -> str:
    """A ``{min, max, qualifier}`` count as a reviewer reads it: ``at least 37``, ``30–33``."""
    if not count:
        return ""
    lo, hi, q = count.get("min"), count.get("max"), count.get("qualifier", "exact")
    if q == "more_than" and lo is not None:
        return f"more than {number_words(lo - 1)}"
    if q == "at_least" or (hi is None and lo is not None):
        return f"at least {number_words(lo)}"
    if q == "up_to" or lo is None:
        return f"up to {number_words(hi)}"
    if lo != hi:
        return f"{number_words(lo)}–{number_words(hi)}"
    return f"about {number_words(lo)}" if q == "approx" else number_words(lo)


_OUTCOMES = ("killed", "injured", "casualties", "abducted", "executed", "disappeared")


def fact_words(category: str, fact: dict) -> str:
    """One line saying what a fact states, in words, e.g.
    ``killed at least 37 · victims: civilians · by Malian Armed Forces · 2020-06-05 · in Binedama``."""
    parts: list[str] = []
    if category == "casualty_figures":
        parts.append(", ".join(f"{k} {count_words(fact[k])}" for k in _OUTCOMES if fact.get(k)) or "no count")
        if fact.get("victims"):
            parts.append(f"victims: {fact['victims']}")
        if fact.get("perpetrators"):
            parts.append("by " + ", ".join(fact["perpetrators"]))
        if fact.get("date"):
            parts.append(fact["date"])
        place = ", ".join(x for x in (fact.get("location"), fact.get("admin2"), fact.get("admin1")) if x)
        if place:
            parts.append(f"in {place}")
    elif category == "event_counts":
        parts.append(f"{number_words(fact.get('count'))} {str(fact.get('category', '')).replace('_', ' ')}")
        for key, label in (("source_org", "source"), ("area", "in"), ("period", "period"), ("actor", "actor")):
            if fact.get(key):
                parts.append(f"{label} {fact[key]}")
    elif category == "displacement_figures":
        parts.append(f"{number_words(fact.get('count'))} {str(fact.get('population', '')).replace('_', ' ')}")
        if fact.get("area"):
            parts.append(f"in {fact['area']}")
        if fact.get("as_of"):
            parts.append(f"as of {fact['as_of']}")
    else:  # actors, places
        parts.append(str(fact.get("name", "")))
        for key in ("kind", "type", "admin1", "pcode"):
            if fact.get(key):
                parts.append(f"{key} {fact[key]}")
    return " · ".join(parts)


def citations_of(provenance: dict, bibliography: dict[str, dict]) -> list[dict]:
    """The footnotes a fact's sentence cites, each with the title, organisation and date of
    the sources it names (the extraction resolves them in ``provenance.citations``)."""
    out = []
    for c in provenance.get("citations") or []:
        sources = [
            {k: bibliography[b].get(k) for k in ("organisation", "title", "date", "url")}
            for b in c.get("bibliography", [])
            if b in bibliography
        ]
        out.append({"footnote": c["footnote"], "text": c["text"], "sources": sources})
    if not out:
        out = [{"footnote": n, "text": "", "sources": []} for n in provenance.get("footnotes") or []]
    return out


# ---------------------------------------------------------------- the diff


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
        for _r, row in enumerate(grid[1:], start=1):
            for c, text in enumerate(row[1:], start=1):
                cells[(name, row[0], grid[0][c] if c < len(grid[0]) else str(c))] = text
    return cells


def _changes(old: dict, new: dict) -> dict[str, list]:
    dd = DeepDiff(
        {k: v for k, v in old.items() if k not in _IGNORED},
        {k: v for k, v in new.items() if k not in _IGNORED},
        ignore_order=True,
        verbose_level=2,
    )
    changes: dict[str, list] = {}
    for kind in ("values_changed", "type_changes"):
        for path, change in dd.get(kind, {}).items():
            changes[path.replace("root", "", 1)] = [change.get("old_value"), change.get("new_value")]
    for kind, side in (
        ("dictionary_item_added", 1),
        ("dictionary_item_removed", 0),
        ("iterable_item_added", 1),
        ("iterable_item_removed", 0),
    ):
        for path, value in dd.get(kind, {}).items():
            changes[path.replace("root", "", 1)] = [None, value] if side else [value, None]
    return changes


def _brief(category: str, fact: dict, bibliography: dict[str, dict]) -> dict:
    p = fact["provenance"]
    return {
        "evidence": p["evidence"],
        "page": p["page"],
        "footnotes": p["footnotes"],
        "block_id": p["block_id"],
        "words": fact_words(category, fact),
        "citations": citations_of(p, bibliography),
        "values": {k: v for k, v in fact.items() if k not in _IGNORED and v not in (None, [], {})},
    }


def _alike(a: str, b: str) -> float:
    """Similarity of two texts, 0 when the cheap upper bounds already fall short."""
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if m.real_quick_ratio() < REWORDED_MIN_SIMILARITY or m.quick_ratio() < REWORDED_MIN_SIMILARITY:
        return 0.0
    return m.ratio()


def _reworded_pairs(removed: dict[tuple, dict], added: dict[tuple, dict]) -> list[tuple[tuple, tuple]]:
    """(old key, new key) of facts that are one sentence reworded: greedily the most alike
    pairs whose masked sentences are at least ``REWORDED_MIN_SIMILARITY`` alike. Beyond
    ``MAX_PAIRINGS`` comparisons (two unrelated reports) nothing is paired: all is added
    and removed."""
    if len(removed) * len(added) > MAX_PAIRINGS:
        return []
    scored = sorted(((_alike(a[1], b[1]), a, b) for a in removed for b in added), key=lambda t: -t[0])
    pairs, used_a, used_b = [], set(), set()
    for ratio, a, b in scored:
        if ratio < REWORDED_MIN_SIMILARITY:
            break
        if a not in used_a and b not in used_b:
            used_a.add(a)
            used_b.add(b)
            pairs.append((a, b))
    return pairs


def word_diff(old: str, new: str) -> list[list[str]]:
    """``[[op, text], ...]`` with op ``=`` (kept), ``-`` (removed) or ``+`` (added), word by word."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    ops: list[list[str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(["=", "".join(a[i1:i2])])
            continue
        if i2 > i1:
            ops.append(["-", "".join(a[i1:i2])])
        if j2 > j1:
            ops.append(["+", "".join(b[j1:j2])])
    return ops


def _paragraphs(ex: Extraction) -> list[str]:
    return [_fold_space(ex.text[b.start : b.end]) for b in ex.blocks if b.kind.value in TEXT_BLOCK_KINDS]


def _text_changes(old: Extraction, new: Extraction) -> list[dict]:
    """Paragraphs whose wording changed (compared as a multiset, so the same paragraph on
    another page or in another order is no change), paired old → new where still alike,
    and footnotes whose text changed (by number)."""
    pa, pb = _paragraphs(old), _paragraphs(new)
    a, b = Counter(layout_key(t) for t in pa), Counter(layout_key(t) for t in pb)
    gone_keys, came_keys = a - b, b - a
    gone = [t for t in pa if gone_keys[layout_key(t)] > 0 and not gone_keys.subtract([layout_key(t)])]
    came = [t for t in pb if came_keys[layout_key(t)] > 0 and not came_keys.subtract([layout_key(t)])]
    out: list[dict] = []
    pairs = _reworded_pairs(
        {(i, _mask(t)): t for i, t in enumerate(gone)}, {(j, _mask(t)): t for j, t in enumerate(came)}
    )
    paired_a = {p[0][0] for p in pairs}
    paired_b = {p[1][0] for p in pairs}
    for (i, _), (j, _) in pairs:
        out.append({"where": "paragraph", "old": gone[i], "new": came[j], "words": word_diff(gone[i], came[j])})
    out += [
        {"where": "paragraph", "old": t, "new": None, "words": [["-", t]]}
        for i, t in enumerate(gone)
        if i not in paired_a
    ]
    out += [
        {"where": "paragraph", "old": None, "new": t, "words": [["+", t]]}
        for j, t in enumerate(came)
        if j not in paired_b
    ]
    fa = {f.number: _fold_space(f.text) for f in old.footnotes}
    fb = {f.number: _fold_space(f.text) for f in new.footnotes}
    for n in sorted(fa.keys() | fb.keys()):
        if layout_key(fa.get(n) or "") != layout_key(fb.get(n) or ""):
            out.append(
                {
                    "where": f"footnote {n}",
                    "old": fa.get(n),
                    "new": fb.get(n),
                    "words": word_diff(fa.get(n) or "", fb.get(n) or ""),
                }
            )
    return out


def _told_by_facts(change: dict, changed_evidence: list[str]) -> bool:
    """A paragraph whose only edits are figures that changed facts already show (its
    wording otherwise the same), so it is not reported a second time."""
    if not (change["old"] and change["new"]) or _mask(change["old"]) != _mask(change["new"]):
        return False
    inside = [ev for ev in changed_evidence if ev in change["new"]]
    return all(any(text.strip() in ev for ev in inside) for op, text in change["words"] if op == "+")


def _warning_key(w) -> tuple:
    """A warning as it reads, without what only the layout changes (line breaks, page, block)."""
    details = {k: v for k, v in w.details.items() if k not in _LAYOUT_DETAILS}
    return (
        w.code,
        _fold_space(re.sub(r"\bp\d+-b\d+\b", "", w.message)),
        json.dumps(details, sort_keys=True, default=str),
    )


def diff_extractions(old: Extraction, new: Extraction) -> dict:
    """Added, removed and changed facts per category, changed table cells, metadata,
    sections (headings) and wording, and warnings that appeared or went away; plus the
    counts (``summary``) and one line saying them (``summary_line``)."""
    result: dict = {"old": old.document.source_path, "new": new.document.source_path, "facts": {}}
    bib_old = {e.id: e.model_dump(mode="json") for e in old.bibliography}
    bib_new = {e.id: e.model_dump(mode="json") for e in new.bibliography}
    for category in FACT_CATEGORIES:
        a, b = _keyed_facts(old, category), _keyed_facts(new, category)
        only_a = {k: a[k] for k in a if k not in b}
        only_b = {k: b[k] for k in b if k not in a}
        pairs = _reworded_pairs(only_a, only_b)
        entry = {
            "added": [_brief(category, b[k], bib_new) for k in b if k not in a and k not in {p[1] for p in pairs}],
            "removed": [_brief(category, a[k], bib_old) for k in a if k not in b and k not in {p[0] for p in pairs}],
            "changed": [],
        }
        for ka, kb in [(k, k) for k in a.keys() & b.keys()] + pairs:
            changes = _changes(a[ka], b[kb])
            old_ev, new_ev = a[ka]["provenance"]["evidence"], b[kb]["provenance"]["evidence"]
            if ka != kb:
                changes["['evidence']"] = [old_ev, new_ev]
            if changes:
                entry["changed"].append(
                    {
                        **_brief(category, b[kb], bib_new),
                        "old_evidence": old_ev,
                        "changes": changes,
                        "old_words": fact_words(category, a[ka]),
                        "words_diff": word_diff(old_ev, new_ev),
                    }
                )
        entry["changed"].sort(key=lambda c: c["evidence"])
        result["facts"][category] = entry
    for category in SET_CATEGORIES:
        a = {(x.name, getattr(x, "type", None)) for x in getattr(old.facts, category)}
        b = {(x.name, getattr(x, "type", None)) for x in getattr(new.facts, category)}
        result["facts"][category] = {
            "added": sorted(n for n, _ in b - a),
            "removed": sorted(n for n, _ in a - b),
            "changed": [],
        }
    ca, cb = _cells(old), _cells(new)
    result["table_cells"] = [
        {"table": k[0], "row": k[1], "column": k[2], "old": ca.get(k), "new": cb.get(k)}
        for k in sorted(ca.keys() | cb.keys())
        if layout_key(ca.get(k) or "") != layout_key(cb.get(k) or "") or (k in ca) != (k in cb)
    ]
    result["metadata"] = {
        k: v
        for k, v in _changes(old.metadata.model_dump(mode="json"), new.metadata.model_dump(mode="json")).items()
        if not (isinstance(v[0], str) and isinstance(v[1], str) and layout_key(v[0]) == layout_key(v[1]))
    }
    result["sections"] = _section_changes(old, new)
    changed_evidence = [c["evidence"] for c in (result["facts"][k]["changed"] for k in FACT_CATEGORIES) for c in c]
    result["text"] = [t for t in _text_changes(old, new) if not _told_by_facts(t, changed_evidence)]
    wa = {_warning_key(w): w.message for w in old.warnings}
    wb = {_warning_key(w): w.message for w in new.warnings}
    layout_only = sum(1 for w in old.warnings if _warning_key(w) in wb and w.message != wb[_warning_key(w)])
    result["warnings"] = {
        "appeared": [wb[k] for k in sorted(wb.keys() - wa.keys())],
        "gone": [wa[k] for k in sorted(wa.keys() - wb.keys())],
        "layout_only": layout_only,
    }
    result["summary"] = summarize_diff(result)
    result["identical"] = not change_cards(result)
    result["summary_line"] = summary_line(result)
    return result


def _section_changes(old: Extraction, new: Extraction) -> dict:
    """Headings added, removed, and renamed (same number, other title)."""
    sa = [(s.number, s.title) for s in old.sections]
    sb = [(s.number, s.title) for s in new.sections]
    ka = {(n, layout_key(t)) for n, t in sa}
    kb = {(n, layout_key(t)) for n, t in sb}
    added = [s for s in sb if (s[0], layout_key(s[1])) not in ka]
    removed = [s for s in sa if (s[0], layout_key(s[1])) not in kb]
    renamed = []
    for s in list(removed):
        twin = next((t for t in added if t[0] is not None and t[0] == s[0]), None)
        if twin is not None:
            renamed.append({"number": s[0], "old": s[1], "new": twin[1], "words": word_diff(s[1], twin[1])})
            removed.remove(s)
            added.remove(twin)
    return {"added": added, "removed": removed, "renamed": renamed}


def summarize_diff(diff: dict) -> dict[str, int]:
    """The counts a reviewer sees first (the review page shows the same ones)."""
    facts = [e for c, e in diff["facts"].items() if c in FACT_CATEGORIES]
    sets = [e for c, e in diff["facts"].items() if c in SET_CATEGORIES]
    s = diff["sections"]
    return {
        "facts_added": sum(len(e["added"]) for e in facts),
        "facts_removed": sum(len(e["removed"]) for e in facts),
        "facts_changed": sum(len(e["changed"]) for e in facts),
        "names_added": sum(len(e["added"]) for e in sets),
        "names_removed": sum(len(e["removed"]) for e in sets),
        "cells_changed": len(diff["table_cells"]),
        "metadata_changed": len(diff["metadata"]),
        "headings_changed": len(s["added"]) + len(s["removed"]) + len(s.get("renamed", [])),
        "paragraphs_changed": sum(1 for t in diff.get("text", []) if t["where"] == "paragraph"),
        "footnotes_changed": sum(1 for t in diff.get("text", []) if t["where"] != "paragraph"),
        "warnings_appeared": len(diff["warnings"]["appeared"]),
        "warnings_gone": len(diff["warnings"]["gone"]),
        "warnings_layout_only": diff["warnings"].get("layout_only", 0),
    }


_SUMMARY_WORDS = [
    ("facts_changed", "fact(s) changed"),
    ("facts_added", "added"),
    ("facts_removed", "removed"),
    ("names_added", "name(s) added"),
    ("names_removed", "name(s) removed"),
    ("cells_changed", "table cell(s) changed"),
    ("metadata_changed", "metadata field(s) changed"),
    ("headings_changed", "heading(s) changed"),
    ("paragraphs_changed", "paragraph(s) changed"),
    ("footnotes_changed", "footnote(s) changed"),
    ("warnings_appeared", "warning(s) appeared"),
    ("warnings_gone", "warning(s) gone"),
]


def summary_line(diff: dict) -> str:
    """``different: 3 fact(s) changed, 1 heading(s) changed`` or ``identical`` (with the
    warnings that only moved, which are not changes)."""
    s = diff["summary"]
    said = [f"{s[k]} {words}" for k, words in _SUMMARY_WORDS if s.get(k)]
    moved = (
        f" ({s['warnings_layout_only']} warning(s) differ only in page or line breaks, not counted)"
        if s.get("warnings_layout_only")
        else ""
    )
    return ("different: " + ", ".join(said) if said else "identical") + moved


def write_diff(diff: dict, path: Path) -> Path:
    write_json(path, diff)
    return path


def field_label(path: str) -> str:
    """``['killed']['min']`` → ``killed › min`` (for people, not machines)."""
    parts = re.findall(r"\['([^']+)'\]|\[(\d+)\]", path)
    return " › ".join(a or b for a, b in parts) or path


# ---------------------------------------------------------------- cards: what a reviewer is shown


def change_cards(diff: dict) -> list[dict]:
    """Every change as one card, the same list for the CLI and the HTML page. Facts added
    or removed from one sentence (e.g. one per victim group) share one card.

    A card: ``{"kind", "status", "title", "page", "evidence", "words_diff", "facts": [...],
    "fields": [[label, old, new], ...], "citations"}`` (keys a kind does not use are absent)."""
    cards: list[dict] = []
    for category, entry in diff["facts"].items():
        if category in SET_CATEGORIES:
            for status in ("added", "removed"):
                for name in entry[status]:
                    cards.append({"kind": "name", "status": status, "title": f"{category[:-1]} {status}", "text": name})
            continue
        for change in entry["changed"]:
            fields = [[field_label(k), v[0], v[1]] for k, v in change["changes"].items() if k != "['evidence']"]
            cards.append(
                {
                    "kind": "fact",
                    "status": "changed",
                    "title": f"{category}: changed",
                    "page": change["page"],
                    "evidence": change["evidence"],
                    "old_evidence": change["old_evidence"],
                    "words_diff": change["words_diff"] if "['evidence']" in change["changes"] else None,
                    "facts": [{"category": category, "old_words": change["old_words"], "words": change["words"]}],
                    "fields": fields,
                    "citations": change["citations"],
                }
            )
    for status in ("added", "removed"):
        by_sentence: dict[tuple, dict] = {}
        for category in FACT_CATEGORIES:
            for fact in diff["facts"].get(category, {}).get(status, []):
                key = (fact["page"], normalize_evidence(fact["evidence"]))
                card = by_sentence.setdefault(
                    key,
                    {
                        "kind": "fact",
                        "status": status,
                        "title": f"sentence with facts {status}",
                        "page": fact["page"],
                        "evidence": fact["evidence"],
                        "facts": [],
                        "citations": fact["citations"],
                    },
                )
                card["facts"].append({"category": category, "words": fact["words"]})
        cards += by_sentence.values()
    for cell in diff["table_cells"]:
        cards.append(
            {
                "kind": "cell",
                "status": "changed",
                "title": f"table cell: {cell['table']}",
                "fields": [[f"{cell['row']} × {cell['column']}", cell["old"], cell["new"]]],
            }
        )
    for key, (a, b) in diff["metadata"].items():
        cards.append(
            {"kind": "metadata", "status": "changed", "title": "metadata", "fields": [[field_label(key), a, b]]}
        )
    s = diff["sections"]
    for r in s.get("renamed", []):
        cards.append(
            {
                "kind": "heading",
                "status": "changed",
                "title": f"heading {r['number']} renamed",
                "words_diff": r["words"],
            }
        )
    for status in ("added", "removed"):
        for number, title in s[status]:
            cards.append(
                {
                    "kind": "heading",
                    "status": status,
                    "title": f"heading {status}",
                    "text": " ".join(x for x in (number, title) if x),
                }
            )
    for t in diff.get("text", []):
        status = "changed" if t["old"] and t["new"] else ("added" if t["new"] else "removed")
        cards.append(
            {
                "kind": "text",
                "status": status,
                "title": f"{t['where']} {'reworded' if status == 'changed' else status}",
                "words_diff": t["words"],
            }
        )
    for status in ("appeared", "gone"):
        for message in diff["warnings"][status]:
            cards.append({"kind": "warning", "status": status, "title": f"warning {status}", "text": message})
    return cards


def _plain(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _words_html(ops: list[list[str]]) -> str:
    tag = {"=": "span", "-": "del", "+": "ins"}
    return "".join(f"<{tag[op]}>{html.escape(text)}</{tag[op]}>" for op, text in ops)


def _highlight(evidence: str, values: list) -> str:
    """The evidence with the printed forms of the changed numbers marked."""
    text = html.escape(evidence)
    for v in values:
        for number in re.findall(r"\d+", json.dumps(v)):
            pretty = f"{int(number):,}".replace(",", " ")
            for form in {number, pretty}:
                text = re.sub(rf"(?<![\d<]){re.escape(form)}(?![\d])", f"<mark>{form}</mark>", text)
    return text


def _citations_html(citations: list[dict]) -> str:
    items = []
    for c in citations or []:
        sources = "; ".join(
            " — ".join(html.escape(str(s[k])) for k in ("organisation", "title", "date") if s.get(k))
            for s in c["sources"]
        )
        items.append(
            f"<li><b>fn {c['footnote']}</b> {html.escape(c['text'])}{f' <span class=src>[{sources}]</span>' if sources else ''}</li>"
        )
    return f"<ul class='cites'>{''.join(items)}</ul>" if items else ""


def card_html(card: dict, pdf_url: str | None = None) -> str:
    """One card as HTML (the diff page and the review page both use it)."""
    page = card.get("page")
    where = ""
    if page is not None:
        where = f" (<a href='{html.escape(pdf_url)}#page={page}'>p. {page}</a>)" if pdf_url else f" (p. {page})"
    parts = [f"<h3>{html.escape(card['title'])}{where}</h3>"]
    if card.get("words_diff"):
        parts.append(f"<p class='wd'>{_words_html(card['words_diff'])}</p>")
    elif card.get("evidence"):
        olds = [f[1] for f in card.get("fields", [])]
        news = [f[2] for f in card.get("fields", [])]
        if card["status"] == "changed":
            parts.append(f"<p class='old'>{_highlight(card['old_evidence'], olds)}</p>")
        parts.append(f"<p class='ev'>{_highlight(card['evidence'], news)}</p>")
    if card.get("text"):
        parts.append(f"<p>{html.escape(card['text'])}</p>")
    for fact in card.get("facts", []):
        old = (
            f"<del>{html.escape(fact['old_words'])}</del> → "
            if fact.get("old_words") and fact["old_words"] != fact["words"]
            else ""
        )
        parts.append(
            f"<p class='fact'><b>{html.escape(fact['category'])}</b>: {old}<ins>{html.escape(fact['words'])}</ins></p>"
        )
    if card.get("fields"):
        parts.append(
            "<ul>"
            + "".join(
                f"<li><b>{html.escape(label)}</b>: <del>{html.escape(_plain(a))}</del> → <ins><mark>{html.escape(_plain(b))}</mark></ins></li>"
                for label, a, b in card["fields"]
            )
            + "</ul>"
        )
    parts.append(_citations_html(card.get("citations")))
    return f"<section class='card {card['status']} {card['kind']}'>{''.join(parts)}</section>"


CARD_CSS = """
.card{border-left:4px solid #999;padding:.3rem 1rem;margin:1rem 0;background:#fafafa}
.card.changed{border-color:#d08c00} .card.added,.card.appeared{border-color:#2a8f3a} .card.removed,.card.gone{border-color:#b3261e}
.card.warning{border-left-style:dashed}
mark{background:#ffe08a} del{color:#b3261e;background:#fde7e7} ins{color:#1d6b2a;background:#e3f5e1;text-decoration:none}
.card .old{color:#666} .cites{font-size:.85em;color:#444} .src{color:#666}
"""


def diff_html(diff: dict) -> str:
    """One self-contained page: the summary line, then every change card (the same cards the
    CLI prints), each with its evidence, the changed values marked and its citations."""
    cards = change_cards(diff)
    pdf_url = Path(diff["new"]).resolve().as_uri() if str(diff["new"]).lower().endswith(".pdf") else None
    body = "\n".join(card_html(c, pdf_url) for c in cards) or "<p>The two extractions are identical.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coi diff</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
{CARD_CSS}
</style></head><body>
<h1>What changed</h1><p><b>old</b> {html.escape(diff["old"])}<br><b>new</b> {html.escape(diff["new"])}</p>
<p class='summary'><b>{html.escape(diff["summary_line"])}</b></p>
{body}
</body></html>
"""


def card_lines(card: dict) -> list[str]:
    """One card as plain text lines for the terminal (no markup: the caller escapes)."""
    head = card["title"] + (f" p.{card['page']}" if card.get("page") is not None else "")
    lines = [f"{card['status']:>9}  {head}"]
    if card.get("words_diff"):
        lines.append(
            "   "
            + "".join(t if op == "=" else f"[-{t}-]" if op == "-" else f"{{+{t}+}}" for op, t in card["words_diff"])
        )
    elif card.get("evidence"):
        lines.append(f"   {card['evidence']}")
    if card.get("text"):
        lines.append(f"   {card['text']}")
    for fact in card.get("facts", []):
        old = f"{fact['old_words']} → " if fact.get("old_words") and fact["old_words"] != fact["words"] else ""
        lines.append(f"   {fact['category']}: {old}{fact['words']}")
    for label, a, b in card.get("fields", []):
        lines.append(f"   {label}: {_plain(a)} → {_plain(b)}")
    for c in card.get("citations") or []:
        lines.append(f"   fn {c['footnote']}: {c['text']}")
    return lines
