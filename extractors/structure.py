"""Sections and footnotes from the document model."""

from __future__ import annotations

from pipeline.readers.assemble import heading_number
from schemas.document import BlockKind, Document
from schemas.extraction import Footnote, Section, Warning


def extract_sections(doc: Document) -> list[Section]:
    """Every heading, numbered (``1.4``) or not (``Recruitment``), with its parent section."""
    sections: list[Section] = []
    for block in doc.blocks():
        if block.kind is not BlockKind.heading:
            continue
        number, title = heading_number(block.text)
        path = block.section
        parent = path[-2] if len(path) >= 2 else None
        sections.append(
            Section(
                number=number, title=title, level=block.level or 1, parent=parent, page=block.page, block_id=block.id
            )
        )
    return sections


def extract_footnotes(doc: Document) -> tuple[list[Footnote], list[Warning]]:
    """Footnote number → text, with the blocks that cite each one; gaps, duplicates and
    markers that point at no footnote become warnings."""
    notes: dict[int, Footnote] = {}
    warnings: list[Warning] = []
    for block in doc.blocks():
        if block.kind is BlockKind.footnote and block.footnote_number is not None:
            if block.footnote_number in notes:
                warnings.append(
                    Warning(
                        code="footnote_duplicate",
                        message=f"footnote {block.footnote_number} is printed twice",
                        location=block.id,
                    )
                )
                continue
            notes[block.footnote_number] = Footnote(
                number=block.footnote_number, text=block.text, page=block.page, block_id=block.id
            )
    for block in doc.blocks():
        if block.kind is BlockKind.footnote:
            continue
        refs = list(block.footnote_refs)
        if block.table is not None:
            refs += [r for cell in block.table.cells for r in cell.footnote_refs]
        for ref in refs:
            note = notes.get(ref.number)
            if note is None:
                warnings.append(
                    Warning(
                        code="footnote_missing", message=f"marker {ref.number} has no footnote text", location=block.id
                    )
                )
            elif block.id not in note.cited_by:
                note.cited_by.append(block.id)
    numbers = sorted(notes)
    if numbers:
        missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
        if missing:
            warnings.append(
                Warning(
                    code="footnote_gap",
                    message=f"footnote numbers missing: {missing[:20]}",
                    details={"missing": missing},
                )
            )
    for note in notes.values():
        if not note.cited_by:
            warnings.append(
                Warning(
                    code="footnote_uncited",
                    message=f"footnote {note.number} is cited by no marker in the text",
                    location=note.block_id,
                )
            )
    return [notes[n] for n in numbers], warnings


def link_captions(doc: Document) -> None:
    """Give each table the caption block printed right after it (or, failing that, right before).
    A flattened table the text reader rebuilt with its caption keeps that one."""
    blocks = [b for b in doc.blocks() if b.kind not in (BlockKind.footnote, BlockKind.header, BlockKind.footer)]
    taken: set[str] = set()
    for i, block in enumerate(blocks):
        if block.kind is not BlockKind.table or block.table is None:
            continue
        if block.table.flattened and block.table.caption:
            if i > 0 and blocks[i - 1].kind is BlockKind.caption and blocks[i - 1].id not in taken:
                block.table.caption_block_id = blocks[i - 1].id
                taken.add(blocks[i - 1].id)
            continue
        for j in (i + 1, i - 1):
            if 0 <= j < len(blocks) and blocks[j].kind is BlockKind.caption and blocks[j].id not in taken:
                block.table.caption = blocks[j].text
                block.table.caption_block_id = blocks[j].id
                taken.add(blocks[j].id)
                break
