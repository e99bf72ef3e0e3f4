"""The output contract: strict, documented, published schemas that refuse what they should."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from contract import ROOT, contract_errors
from pydantic import ValidationError
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.app.run import extract_file
from schemas import json_schema_text, published
from schemas.extraction import SCHEMA_VERSION, CasualtyFigure, Count, Extraction
from schemas.files import to_json

runner = CliRunner()


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def valid() -> dict:
    """A valid extraction (of the project's own fixture report) as JSON data."""
    data = json.loads(to_json(extract_file(ROOT / "fixtures" / "burkina_report.txt")))
    assert data["facts"]["casualty_figures"] and data["facts"]["event_counts"] and data["facts"]["actors"]
    return data


def _set(data: dict, path: str, value) -> dict:
    """A copy of ``data`` with the value at ``a.b.0.c`` replaced (``+name`` adds a key)."""
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[last.lstrip("+")] = value
    return data


INVALID = {
    "date yesterday": ("facts.casualty_figures.0.date", "yesterday"),
    "month 13": ("facts.casualty_figures.0.date", "2020-13"),
    "interval of words": ("metadata.reference_period", "June/November"),
    "negative killed": ("facts.casualty_figures.0.killed", {"min": -3, "max": -3, "qualifier": "exact"}),
    "negative event count": ("facts.event_counts.0.count", -1),
    "negative page": ("facts.event_counts.0.provenance.page", 0),
    "unknown top-level field": ("+comment", "hello"),
    "unknown fact field": ("facts.casualty_figures.0.+confidence", 0.9),
    "unknown document field": ("document.+author", "me"),
    "schema_version 9.9": ("schema_version", "9.9"),
    "bad qualifier": ("facts.casualty_figures.0.killed", {"min": 3, "max": 3, "qualifier": "roughly"}),
    "bad event category": ("facts.event_counts.0.category", "picnics"),
    "bad actor kind": ("facts.actors.0.kind", "warlord"),
    "bad place type": ("facts.places.0.type", "planet"),
    "bad date precision": ("facts.casualty_figures.0.date_precision", "week"),
    "bad input kind": ("document.kind", "fax"),
    "bad bbox": ("blocks.0.bbox", [1, 2, 3]),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_every_kind_of_invalid_value_is_rejected_by_jsonschema_and_pydantic(valid, case):
    path, value = INVALID[case]
    bad = _set(valid, path, value)
    assert list(jsonschema.Draft202012Validator(_schema("extraction.schema.json")).iter_errors(bad)), (
        f"jsonschema accepted {case}"
    )
    with pytest.raises(ValidationError):
        Extraction.model_validate(bad)


def test_the_valid_extraction_passes_both(valid):
    jsonschema.Draft202012Validator(_schema("extraction.schema.json")).validate(valid)
    assert Extraction.model_validate(valid).schema_version == SCHEMA_VERSION


def test_pydantic_also_checks_the_calendar_and_the_precision(valid):
    """What a pattern cannot say: 30 February, an interval that ends before it starts, a
    precision that contradicts its date."""
    for path, value in [
        ("facts.casualty_figures.0.date", "2021-02-30"),
        ("metadata.reference_period", "2020-11-30/2020-06-01"),
        ("facts.casualty_figures.0.date_precision", "month"),
    ]:
        with pytest.raises(ValidationError):
            Extraction.model_validate(_set(valid, path, value))


def test_date_precision_is_computed_from_the_iso_string():
    prov = {"document_id": "d", "block_id": "p1-b0", "page": 1, "start": 0, "end": 1, "evidence": "x"}
    forms = {"2020-06-03": "day", "2019-03": "month", "2019": "year", "2020-06-02/2020-09-29": "interval", None: None}
    for date, precision in forms.items():
        assert CasualtyFigure(id="f", provenance=prov, date=date).date_precision == precision
    fig = CasualtyFigure(id="f", provenance=prov, date="2019-03", killed=Count(min=4, max=4))
    assert CasualtyFigure.model_validate(fig.model_dump()).date_precision == "month"  # a round trip keeps it


def test_pages_carry_their_size_and_the_bbox_origin_is_stated():
    schema = _schema("extraction.schema.json")
    info = schema["$defs"]["DocumentInfo"]["properties"]
    assert info["bbox_origin"]["const"] == "top-left" and "pages" in info
    assert "top-left" in schema["$defs"]["BlockInfo"]["properties"]["bbox"]["anyOf"][0]["description"]


def test_a_pdf_extraction_has_page_sizes(shared):
    ex = extract_file(shared / "corpus" / "mali-mopti-2020-q28.pdf")
    assert len(ex.document.pages) == ex.document.page_count
    assert all(round(p.width) == 595 and round(p.height) == 842 for p in ex.document.pages)  # A4 in points
    assert all(0 <= b.bbox[0] < b.bbox[2] <= 595.4 and 0 <= b.bbox[1] < b.bbox[3] <= 842 for b in ex.blocks if b.bbox)


def test_every_field_of_every_published_schema_is_described():
    missing = []
    for name, model in published().items():
        schema = json.loads(json_schema_text(model))
        for def_name, definition in [(name, schema), *schema.get("$defs", {}).items()]:
            if "description" not in definition:
                missing.append(f"{name}: {def_name}")
            for field, prop in definition.get("properties", {}).items():
                if not prop.get("description"):
                    missing.append(f"{name}: {def_name}.{field}")
    assert missing == []


def test_unknown_fields_are_forbidden_everywhere():
    for name, model in published().items():
        schema = json.loads(json_schema_text(model))
        for def_name, definition in [(name, schema), *schema.get("$defs", {}).items()]:
            if definition.get("type") == "object" and "properties" in definition:
                assert definition.get("additionalProperties") is False, f"{name}: {def_name}"


def test_the_published_schemas_are_up_to_date(tmp_path):
    result = runner.invoke(app, ["schema", "--all", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(published())
    for path in tmp_path.iterdir():
        assert (ROOT / "schemas" / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"schemas/{path.name} is stale: run `coi schema --all`"
        )
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_the_closed_enumerations_cover_the_language_data():
    """Adding an event category or a table population to a language file is a schema change."""
    import tomllib

    schema = _schema("extraction.schema.json")["$defs"]
    categories = set(schema["EventCount"]["properties"]["category"]["enum"])
    populations = set(schema["Table"]["properties"]["population"]["anyOf"][0]["enum"])
    for path in (ROOT / "extractors" / "lang").glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(data.get("events", {})) <= categories, path.name
        assert set(data.get("tables", {}).get("population", {})) <= populations, path.name


def test_every_ingest_error_code_is_in_the_error_schema():
    from schemas import errors

    codes = set(_schema("error.schema.json")["properties"]["code"]["enum"])
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.IngestError)]
    assert {c.code for c in classes} | {"internal_error"} <= codes


def test_every_writer_writes_what_its_schema_says(tmp_path, fake_report):
    """Extraction, batch summary, error file, sources and diff, written by the pipeline's own
    writers, each validate against the published schema (jsonschema) and the pydantic type."""
    from pipeline.app.ops import run_batch, write_atomic

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = fake_report.read_text(encoding="utf-8")
    (inbox / "report.txt").write_text(text, encoding="utf-8")
    (inbox / "z-copy.txt").write_text(text, encoding="utf-8")  # after report.txt: a duplicate
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    out = tmp_path / "out"
    summary = run_batch(inbox, out)
    write_atomic(out / "batch-summary.json", json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    (inbox / "report.txt").write_text(text.replace("1,200", "1,300"), encoding="utf-8")
    run_batch(inbox, out)  # a new version of report.txt: diff.json against the first
    written = {p.name for p in out.rglob("*.json")}
    assert {"batch-summary.json", "extraction.json", "sources.json", "diff.json", "broken.pdf.error.json"} <= written
    for path in out.rglob("*.json"):
        assert contract_errors(path) == [], path
    assert contract_errors(out / "batch-summary.json") == []


def test_a_broken_side_file_is_caught(tmp_path):
    bad = tmp_path / "batch-summary.json"
    bad.write_text(
        json.dumps(
            {
                "pipeline_version": "x",
                "documents": -1,
                "counts": {"exploded": 1},
                "pages_extracted": 0,
                "seconds": 0,
                "pages_per_second": 0,
                "outcomes": [],
            }
        ),
        encoding="utf-8",
    )
    errors = contract_errors(bad)
    bad.unlink()  # not an output of the pipeline: keep it out of the after-test check
    assert any("documents" in e for e in errors) and any("pydantic" in e for e in errors)
