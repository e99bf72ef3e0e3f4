"""Bibliography entries from the source lists (``SOURCES USED``, ``SOURCES CONSULTED``).

An entry reads ``Organisation (Expansion), Title, Date, URL, accessed Date``. Titles may
hold commas, so the entry is read from both ends: the organisation up to the first comma,
the access date and URL from the end, the publication date as the last date-like piece
before the URL, and the title as what is left.
"""

from __future__ import annotations

import re

from extractors.dates import parse_date
from schemas.document import Block, BlockKind, Document
from schemas.extraction import BibliographyEntry, Warning, stable_id
from schemas.lang import Language, alternation

_URL = re.compile(r"<?\b((?:https?|ftp)://[^\s<>]+|www\.[^\s<>]+)>?")
_ACRONYM = re.compile(r"^(?P<acr>[A-Z][A-Za-z0-9&.\-]{0,14})\s*\((?P<exp>[^)]+)\)")
_STARTS_CONTINUATION = re.compile(r"^\s*(?:<?(?:https?|ftp)://|www\.|,)", re.I)


def bibliography_blocks(doc: Document, lang: Language) -> list[tuple[str, list[Block]]]:
    """(heading, entry blocks) for every source-list heading, entries split across two
    blocks (title, then a line starting with the URL) joined back."""
    out: list[tuple[str, list[Block]]] = []
    current: list[Block] | None = None
    for block in doc.blocks():
        if block.kind is BlockKind.heading:
            if block.text.strip().lower() in lang.bibliography_headings:
                current = []
                out.append((block.text.strip(), current))
            else:
                current = None
            continue
        if current is None or block.kind in (BlockKind.footnote, BlockKind.header, BlockKind.footer):
            continue
        if current and _STARTS_CONTINUATION.match(block.text):
            prev = current[-1]
            current[-1] = prev.model_copy(
                update={"text": prev.text.rstrip() + " " + block.text.strip(), "end": block.end}
            )
            continue
        current.append(block)
    return out


def parse_entry(text: str, lang: Language, default_year: int | None) -> dict:
    """Split one entry's text into its fields."""
    text = " ".join(text.split())
    fields: dict = {"text": text}
    body = text
    accessed_re = re.compile(r",?\s*(?:" + alternation(lang.accessed) + r")\s+(?P<d>[^,;]+?)\s*\.?\s*$", re.I)
    # a match holds no "," (but for its first character) and no ";", so none starts before the
    # last of them: the search starts there, not at every character of the entry
    cut = 0 if any(c in w for w in lang.accessed for c in ",;") else max(body.rfind(","), body.rfind(";"), 0)
    m = accessed_re.search(body, cut)
    if m:
        fields["accessed_text"] = m.group("d").strip()
        value = parse_date(m.group("d"), lang, default_year)
        if value:
            fields["accessed"] = value.iso
            fields["accessed_year_inferred"] = value.year_inferred
        body = body[: m.start()]
    urls = list(_URL.finditer(body))
    if urls:
        fields["url"] = urls[-1].group(1).rstrip(".,;")
        body = body[: urls[0].start()]
    body = body.strip().rstrip(",").strip()
    org, _, rest = body.partition(", ")
    fields["organisation"] = org.strip()
    am = _ACRONYM.match(org.strip())
    if am:
        fields["acronym"] = am.group("acr")
    pieces = [p.strip() for p in rest.split(", ")] if rest else []
    if pieces and _is_date_piece(pieces[-1], lang):
        date_text = pieces.pop()
        fields["date_text"] = date_text
        value = parse_date(date_text, lang)
        fields["date"] = value.iso if value else None
    fields["title"] = ", ".join(pieces).strip() or rest.strip()
    return fields


def _is_date_piece(piece: str, lang: Language) -> bool:
    low = piece.lower().strip()
    if low in lang.no_date or low.rstrip(".") + "." in lang.no_date:
        return True
    if len(piece) > 40:
        return False
    return parse_date(piece, lang) is not None and not re.search(
        r"[a-z]{3,}\s+[a-z]{3,}\s+[a-z]{3,}", low.replace("last updated", "")
    )


def extract_bibliography(
    doc: Document, lang: Language, default_year: int | None = None
) -> tuple[list[BibliographyEntry], list[Warning]]:
    entries: list[BibliographyEntry] = []
    warnings: list[Warning] = []
    for heading, blocks in bibliography_blocks(doc, lang):
        for block in blocks:
            fields = parse_entry(block.text, lang, default_year)
            entry_id = stable_id(doc.id, heading, fields["text"])
            entry = BibliographyEntry(id=entry_id, section=heading, page=block.page, block_id=block.id, **fields)
            entries.append(entry)
            if entry.accessed_year_inferred:
                warnings.append(
                    Warning(
                        code="accessed_year_inferred",
                        message=f"source accessed '{entry.accessed_text}' has no year; {entry.accessed[:4]} taken from the report",
                        location=block.id,
                    )
                )
    return entries, warnings
