"""Pydantic types that cross rooms: the document model and the extraction contract."""

from schemas.document import Block, BlockKind, Cell, Document, FootnoteRef, InputKind, Page, Table

__all__ = ["Block", "BlockKind", "Cell", "Document", "FootnoteRef", "InputKind", "Page", "Table"]
