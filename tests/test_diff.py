"""`coi diff` on edits of the tests' own report: every change a reviewer must see, once,
the same in the terminal and in the HTML page, with the exit code saying whether anything changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.app.run import extract_file
from pipeline.tools.diff import diff_extractions

runner = CliRunner()

TWO_GROUPS = "On 9 June 2021, gunmen killed 12 soldiers and 3 civilians in an ambush near Djibo.⁵ "


@pytest.fixture(scope="module")
def burkina(fake_report) -> str:
    return (fake_report.parent / "burkina_report.txt").read_text(encoding="utf-8")


def _extract(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / f"{name}.json"
    out.write_text(extract_file(path).model_dump_json(), encoding="utf-8")
    return out


def _diff(tmp_path: Path, old_text: str, new_text: str) -> tuple[int, str, str, dict]:
    """(exit code, terminal output, HTML page, JSON) of ``coi diff`` between two renditions."""
    old, new = _extract(tmp_path, "old", old_text), _extract(tmp_path, "new", new_text)
    page = tmp_path / "diff.html"
    result = runner.invoke(app, ["diff", str(old), str(new), "--html", str(page)])
    as_json = runner.invoke(app, ["diff", str(old), str(new), "--json"])
    assert as_json.exit_code == result.exit_code
    return result.exit_code, result.output, page.read_text(encoding="utf-8"), json.loads(as_json.output)


def _card_titles_in_html(page: str) -> list[str]:
    return re.findall(r"<section class='card [^']*'><h3>([^<(]*)", page)


def test_wording_only_change_is_a_change(tmp_path, burkina):
    edited = burkina.replace(
        "JNIM keeps a strong presence in Soum province.", "JNIM keeps a weak presence in Soum province."
    )
    code, out, page, diff = _diff(tmp_path, burkina, edited)
    assert code == 1
    assert "identical" not in out and "identical" not in page
    assert diff["summary"]["paragraphs_changed"] == 1
    (text,) = diff["text"]
    assert ["-", "strong"] in text["words"] and ["+", "weak"] in text["words"]
    assert "[-strong-]{+weak+}" in out
    assert "<del>strong</del><ins>weak</ins>" in page
    assert out.strip().splitlines()[-1] == "different: 1 paragraph(s) changed"


def test_reworded_fact_sentence_is_one_changed_fact_not_added_and_removed(tmp_path, burkina):
    edited = burkina.replace(
        "unidentified gunmen attacked the village of Solhan", "unidentified gunmen raided the village of Solhan"
    )
    code, out, page, diff = _diff(tmp_path, burkina, edited)
    assert code == 1
    casualties = diff["facts"]["casualty_figures"]
    assert casualties["added"] == [] and casualties["removed"] == []
    (changed,) = casualties["changed"]
    assert changed["changes"] == {"['evidence']": [changed["old_evidence"], changed["evidence"]]}
    assert ["-", "attacked"] in changed["words_diff"] and ["+", "raided"] in changed["words_diff"]
    assert "killed at least 132" in changed["words"]
    assert "[-attacked-]{+raided+}" in out and "<del>attacked</del><ins>raided</ins>" in page


def test_heading_only_change_shows_in_html_and_terminal(tmp_path, burkina):
    edited = burkina.replace(
        "1.2. Volunteers for the Defence of the Homeland (VDP)", "1.2. Volunteers for Defence of the Homeland (VDP)"
    )
    code, out, page, diff = _diff(tmp_path, burkina, edited)
    assert code == 1
    assert "identical" not in page
    assert diff["sections"]["renamed"][0]["number"] == "1.2"
    assert "heading 1.2 renamed" in out and "heading 1.2 renamed" in page
    assert "<del> the</del>" in page
    assert "heading(s) changed" in out.strip().splitlines()[-1]


def test_metadata_only_change_shows_in_html_and_terminal(tmp_path, burkina):
    code, out, page, diff = _diff(
        tmp_path, burkina, burkina.replace("| Query Code | Q7-2021 |", "| Query Code | Q8-2021 |")
    )
    assert code == 1
    assert "identical" not in page
    assert diff["metadata"]["['query_code']"] == ["Q7-2021", "Q8-2021"]
    assert "query_code: Q7-2021 → Q8-2021" in out
    assert "<b>query_code</b>: <del>Q7-2021</del>" in page


def test_sic_and_other_editorial_marks_are_kept_in_evidence(tmp_path, burkina):
    marked = burkina.replace("killed at least 132 civilians.", "killed at least 132 civilians [sic] [emphasis added].")
    code, out, page, diff = _diff(tmp_path, marked, marked.replace("at least 132", "at least 135"))
    assert code == 1
    (changed,) = diff["facts"]["casualty_figures"]["changed"]
    assert "civilians [sic] [emphasis added]" in changed["evidence"]
    assert "[sic] [emphasis added]" in out
    assert "[sic] [emphasis added]" in page


def test_removed_sentence_with_two_victim_groups_is_one_card_in_words(tmp_path, burkina):
    from pipeline.tools.diff import change_cards

    old = burkina.replace("On 17 May 2021, an attack", TWO_GROUPS + "On 17 May 2021, an attack")
    code, out, page, diff = _diff(tmp_path, old, burkina)
    assert code == 1
    removed = diff["facts"]["casualty_figures"]["removed"]
    assert sorted(f["values"]["killed"]["min"] for f in removed) == [3, 12]
    cards = [c for c in change_cards(diff) if c["kind"] == "fact"]
    assert len(cards) == 1 and cards[0]["status"] == "removed" and len(cards[0]["facts"]) == 2
    assert sorted(f["words"].split(" · ")[0] for f in cards[0]["facts"]) == ["killed 12", "killed 3"]
    assert page.count("sentence with facts removed") == 1 and out.count("sentence with facts removed") == 1
    assert "<pre>" not in page  # values in words, not raw JSON
    assert "Invented Wire" in page and "Invented Wire" in out  # the cited footnote's text


def test_html_and_terminal_report_the_same_changes(tmp_path, burkina):
    from pipeline.tools.diff import change_cards

    edited = (
        burkina.replace("at least 132 civilians", "at least 135 civilians")
        .replace("1.2. Volunteers for the Defence", "1.2. Volunteers for Defence")
        .replace("JNIM keeps a strong presence", "JNIM keeps a weak presence")
        .replace("| Query Code | Q7-2021 |", "| Query Code | Q8-2021 |")
    )
    _, out, page, diff = _diff(tmp_path, burkina, edited)
    cards = change_cards(diff)
    html_titles = [t.strip() for t in _card_titles_in_html(page)]
    assert html_titles == [c["title"] for c in cards]
    for card in cards:
        assert card["title"] in out
    assert diff["summary_line"] in page and diff["summary_line"] in out


def test_warnings_that_only_moved_are_collapsed(fake_report):
    ex = extract_file(fake_report.parent / "burkina_report.txt")
    moved = ex.model_copy(deep=True)
    if not moved.warnings:
        from schemas.extraction import Warning

        ex.warnings.append(
            Warning(
                code="row_total_mismatch",
                message="t1 row 'March': printed total 99 598 but the figures add up to 99527",
                location="t1",
                details={"page": 3, "printed": 99598},
            )
        )
        moved = ex.model_copy(deep=True)
    for w in moved.warnings:
        w.message = w.message.replace(" ", "\n", 1)
        w.location = "p99-b1"
        w.details = {**w.details, "page": 99}
    diff = diff_extractions(ex, moved)
    assert diff["identical"] and diff["warnings"]["appeared"] == [] and diff["warnings"]["gone"] == []
    assert diff["warnings"]["layout_only"] == len(ex.warnings)
    assert "differ only in page or line breaks" in diff["summary_line"]
    other = moved.model_copy(deep=True)
    other.warnings[0].code = "something_else"
    assert len(diff_extractions(ex, other)["warnings"]["appeared"]) == 1


def test_counts_and_word_diff_read_as_words():
    from pipeline.tools.diff import count_words, word_diff

    assert count_words({"min": 37, "max": None, "qualifier": "at_least"}) == "at least 37"
    assert count_words({"min": 16, "max": None, "qualifier": "more_than"}) == "more than 15"
    assert count_words({"min": 30, "max": 33, "qualifier": "range"}) == "30–33"
    assert count_words({"min": 311193, "max": 311193, "qualifier": "exact"}) == "311 193"
    assert count_words({"min": 30, "max": 30, "qualifier": "approx"}) == "about 30"
    assert word_diff("a b c", "a x c") == [["=", "a "], ["-", "b"], ["+", "x"], ["=", " c"]]


def test_identical_extractions_exit_zero(tmp_path, burkina):
    path = _extract(tmp_path, "same", burkina)
    result = runner.invoke(app, ["diff", str(path), str(path), "--html", str(tmp_path / "same.html")])
    assert result.exit_code == 0 and result.output.strip() == "identical"
    assert "identical" in (tmp_path / "same.html").read_text(encoding="utf-8")


def test_two_layouts_of_one_report_differ_in_no_warning(shared):
    """The A4 and the narrow PDF of the seed report: their warnings read the same once line
    breaks and pages are set aside, so none 'appeared' or went 'gone'."""
    a4 = extract_file(shared / "corpus" / "mali-mopti-2020-q28.pdf")
    narrow = extract_file(shared / "corpus" / "mali-mopti-2020-q28-narrow.pdf")
    diff = diff_extractions(a4, narrow)
    assert diff["warnings"]["appeared"] == [] and diff["warnings"]["gone"] == []
    assert diff["warnings"]["layout_only"] == 5
    assert not [
        c for c in diff["text"] if c["where"] != "paragraph" or (c["old"] and c["new"])
    ]  # no footnote or paragraph reworded
