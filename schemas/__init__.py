"""Pydantic types that cross rooms: the document model and the extraction contract."""

__all__ = ["Block", "BlockKind", "Cell", "Document", "FootnoteRef", "InputKind", "Page", "Table"]


def __getattr__(name: str):
    """The document model's types, imported on first use: ``import schemas.limits`` (which the
    CLI does at start) need not load pydantic."""
    if name in __all__:
        from schemas import document

        return getattr(document, name)
    raise AttributeError(f"module 'schemas' has no attribute {name!r}")


DIALECT = "https://json-schema.org/draft/2020-12/schema"


def published() -> dict:
    """File name → model of every published JSON Schema (``coi schema --all`` writes them all
    beside this module): the extraction and the side files the pipeline writes."""
    from schemas.extraction import Extraction
    from schemas.sidefiles import BatchSummary, Diff, ErrorFile, SourceNames

    return {
        "extraction.schema.json": Extraction,
        "batch-summary.schema.json": BatchSummary,
        "error.schema.json": ErrorFile,
        "sources.schema.json": SourceNames,
        "diff.schema.json": Diff,
    }


def json_schema(model=None) -> dict:
    """The JSON Schema (draft 2020-12) of ``model``, by default :class:`schemas.extraction.Extraction`
    (what ``coi schema`` prints)."""
    if model is None:
        model = published()["extraction.schema.json"]
    return {"$schema": DIALECT, **model.model_json_schema()}


def json_schema_text(model=None) -> str:
    import json

    return json.dumps(json_schema(model), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
