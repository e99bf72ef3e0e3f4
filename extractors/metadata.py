"""Query metadata from the cover table of a COI query response."""

from __future__ import annotations

import re

from extractors.dates import parse_date, parse_interval
from extractors.lang import Language
from schemas.document import BlockKind, Document, Table
from schemas.extraction import Metadata, Warning

_QUESTION_START = re.compile(r"(?:(?<=^)|(?<=[\s?.!:;]))(\d{1,2})[.)]\s+(?=\S)")
_SMALL_WORDS = {"of", "the", "and", "de", "du", "la", "le", "des", "der", "die", "und"}


def _fold_label(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower().rstrip(":").strip()


def cover_pairs(table: Table) -> dict[str, str]:
    """Label → value for a two-column table (label in the first column)."""
    pairs: dict[str, str] = {}
    for row in table.grid():
        cells = [c for c in row if c.strip()]
        if len(cells) >= 2:
            pairs[cells[0].strip()] = " ".join(cells[1:]).strip()
    return pairs


def _field_for(label: str, lang: Language) -> str | None:
    folded = _fold_label(label)
    for field, labels in lang.metadata_labels.items():
        if folded in labels:
            return field
    for field, labels in lang.metadata_labels.items():  # wrapped or decorated labels
        if any(folded.startswith(l) for l in labels if len(l) > 6):
            return field
    return None


def split_questions(text: str) -> list[str]:
    """``1. What …? 2. What …?`` → one string per question."""
    starts = list(_QUESTION_START.finditer(text))
    if len(starts) < 2 and not (starts and starts[0].start() == 0):
        return [text.strip()] if text.strip() else []
    out = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        q = text[m.end() : end].strip()
        if q:
            out.append(q)
    return out


def country_name(printed: str) -> str:
    words = printed.strip().split()
    if printed.isupper():
        return " ".join(w.lower() if w.lower() in _SMALL_WORDS and i else w.capitalize() for i, w in enumerate(words))
    return printed.strip()


def extract_metadata(doc: Document, lang: Language) -> tuple[Metadata, list[Warning]]:
    """Read the first table whose first-column labels are cover-table labels."""
    warnings: list[Warning] = []
    best: dict[str, str] = {}
    for block in doc.blocks():
        if block.kind is BlockKind.table and block.table is not None:
            pairs = cover_pairs(block.table)
            known = {l: v for l, v in pairs.items() if _field_for(l, lang)}
            if len(known) >= 2:
                best = pairs
                break
    meta = Metadata(fields=best)
    for label, value in best.items():
        field = _field_for(label, lang)
        if field is None or getattr(meta, field, None):
            continue
        if field == "questions":
            meta.questions = split_questions(value)
        elif field == "date_of_completion":
            parsed = parse_date(value, lang)
            meta.date_of_completion = parsed.iso if parsed else None
            if parsed is None:
                warnings.append(Warning(code="metadata_unparsed", message=f"date of completion '{value}' is not a date"))
        elif field == "country":
            meta.country = country_name(value)
        else:
            setattr(meta, field, value)
    for key, value in doc.properties.items():  # a web page's or Word file's own title, date, URL
        meta.fields.setdefault(key, value)
    if meta.main_subject:
        meta.reference_period = parse_interval(meta.main_subject, lang)
    if not best:
        warnings.append(Warning(code="metadata_missing", message="no COI cover table found: country, questions and date of completion are unknown"))
    return meta, warnings
