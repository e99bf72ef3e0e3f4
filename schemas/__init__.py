"""Pydantic types that cross rooms: the document model and the extraction contract."""

from schemas.document import Block, BlockKind, Cell, Document, FootnoteRef, InputKind, Page, Table

__all__ = ["Block", "BlockKind", "Cell", "Document", "FootnoteRef", "InputKind", "Page", "Table"]


def json_schema() -> dict:
    """The JSON Schema of :class:`schemas.extraction.Extraction` (what ``coi schema`` prints)."""
    from schemas.extraction import Extraction

    return Extraction.model_json_schema()


def json_schema_text() -> str:
    import json

    return json.dumps(json_schema(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
