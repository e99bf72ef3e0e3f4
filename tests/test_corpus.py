"""The shared seed reports (skipped with a message when ../shared is absent)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.app.run import extract_file
from pipeline.tools.evaluate import evaluate_extraction, load_gold

RENDITIONS = ["mali-mopti-2020-q28.txt", "mali-mopti-2020-q28.pdf", "mali-mopti-2020-q28-narrow.pdf"]


@pytest.fixture(scope="module")
def extractions(shared):
    return {name: extract_file(shared / "corpus" / name) for name in RENDITIONS}


@pytest.fixture(scope="module")
def gold(shared):
    return load_gold(shared / "eval" / "gold" / "mali-mopti-2020-q28.gold.json")


@pytest.mark.parametrize("name", RENDITIONS)
def test_structure_equals_the_gold(extractions, gold, name):
    scores = evaluate_extraction(extractions[name], gold)["categories"]
    for category in ("metadata", "sections", "footnotes", "bibliography"):
        assert scores[category]["f1"] == 1.0, (category, scores[category])
    assert all(v == 1.0 for v in scores["bibliography"]["attributes"].values())
    assert scores["footnotes"]["attributes"]["links"] == 1.0


@pytest.mark.parametrize("name", RENDITIONS)
def test_seed_facts_found_missed_and_wrong_are_pinned(extractions, gold, name):
    """Exact counts per category (tp, fp, fn), the same for the three renditions."""
    scores = evaluate_extraction(extractions[name], gold)["categories"]
    facts = ("tables", "table_checks", "casualty_figures", "event_counts", "displacement_figures", "actors", "places")
    assert {c: (scores[c]["tp"], scores[c]["fp"], scores[c]["fn"]) for c in facts} == {
        "tables": (2, 0, 0),
        "table_checks": (5, 0, 0),
        "casualty_figures": (24, 0, 0),
        "event_counts": (73, 0, 0),
        "displacement_figures": (11, 0, 1),
        "actors": (26, 0, 0),
        "places": (37, 1, 6),
    }


def test_text_and_pdf_renditions_agree(extractions):
    def key(ex):
        return (
            [(s.number, s.title.replace("’", "'")) for s in ex.sections],
            [(f.number, len(f.cited_by) > 0) for f in ex.footnotes],
            ex.metadata.model_dump(exclude={"fields"}),
        )

    base = key(extractions[RENDITIONS[0]])
    for name in RENDITIONS[1:]:
        assert key(extractions[name]) == base, name


def test_evaluate_command_over_the_corpus(shared):
    result = CliRunner().invoke(
        app, ["evaluate", "--corpus", str(shared / "corpus"), "--gold-dir", str(shared / "eval" / "gold"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["reports"]) == 3
    report = data["reports"][0]
    assert set(report) == {"report", "gold", "categories", "table_cells"}
    assert set(report["categories"]["sections"]) == {
        "tp",
        "fp",
        "fn",
        "precision",
        "recall",
        "f1",
        "attributes",
        "attribute_counts",
    }
    assert data["summary"]["micro"]["sections"]["f1"] == 1.0
    assert data["summary"]["macro"]["sections"]["f1"] == 1.0
    assert data["summary"]["table_cells"]["micro"] == {"correct": 432, "total": 432, "accuracy": 1.0}


def test_pooled_scores_over_the_excerpts_are_the_sums_of_the_reports(shared):
    """The excerpts are the yardstick: the pooled figures are the per-report counts summed,
    and --misses lists every false negative and false positive those counts stand for."""
    args = [
        "evaluate",
        "--corpus",
        str(shared / "excerpts"),
        "--gold-dir",
        str(shared / "eval" / "gold-excerpts"),
        "--json",
        "--misses",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["reports"]) == 28
    for name, pooled in data["summary"]["micro"].items():
        scored = [r["categories"][name] for r in data["reports"] if name in r["categories"]]
        for key in ("tp", "fp", "fn"):
            assert pooled[key] == sum(s[key] for s in scored), (name, key)
    for name in ("casualty_figures", "event_counts", "displacement_figures", "actors", "places"):
        scored = [r["categories"][name] for r in data["reports"] if name in r["categories"]]
        assert sum(len(s["misses"]["false_negatives"]) for s in scored) == data["summary"]["micro"][name]["fn"]
        assert sum(len(s["misses"]["false_positives"]) for s in scored) == data["summary"]["micro"][name]["fp"]
    assert data["summary"]["country"]["total"] == 28
    # the yardstick itself, pinned: any change of what is found or missed fails here and is looked at
    assert {name: (s["tp"], s["fp"], s["fn"]) for name, s in data["summary"]["micro"].items()} == {
        "metadata": (52, 1, 2),
        "tables": (2, 0, 0),
        "table_checks": (0, 0, 0),
        "casualty_figures": (28, 1, 1),
        "event_counts": (33, 1, 1),
        "displacement_figures": (32, 1, 6),
        "actors": (61, 1, 3),
        "places": (210, 5, 41),
    }
