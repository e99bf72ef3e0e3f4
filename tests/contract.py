"""Checks of written outputs against the published schemas (used by conftest and test_schema)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def published_kind(path: Path, data) -> str | None:
    """Which published schema a written JSON file follows, by its name (None: not an output)."""
    if path.name == "batch-summary.json":
        return "batch-summary.schema.json"
    if path.name.endswith(".error.json"):
        return "error.schema.json"
    if path.name == "sources.json":
        return "sources.schema.json"
    if path.name == "diff.json":
        return "diff.schema.json"
    if isinstance(data, dict) and "schema_version" in data and "document" in data:
        return "extraction.schema.json"
    return None


def contract_errors(path: Path) -> list[str]:
    """Why a written output does not follow its published schema (empty when it does)."""
    import json

    import jsonschema
    from pydantic import ValidationError

    from schemas import published

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return []
    kind = published_kind(path, data)
    if kind is None:
        return []
    schema = json.loads((ROOT / "schemas" / kind).read_text(encoding="utf-8"))
    errors = [
        f"{path.name}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in jsonschema.Draft202012Validator(schema).iter_errors(data)
    ]
    try:
        published()[kind].model_validate(data)
    except ValidationError as exc:
        errors.append(f"{path.name}: pydantic: {exc}"[:2000])
    return errors
