"""`coi review`: decisions per fact and per table cell, written atomically and read back; the
gold file a review exports, scored by `coi evaluate`; the page in a real (headless) browser."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.app.cli import app
from pipeline.app.run import extract_file, write_extraction
from pipeline.tools.evaluate import evaluate_extraction
from pipeline.tools.review import (
    ReviewServer,
    accept_all,
    all_rows,
    export_gold,
    figure_spans,
    make_decision,
    record_decision,
    review_data,
    review_html,
    review_path,
)
from schemas.extraction import Extraction

runner = CliRunner()
BROWSER_INSTALL = "apt-get install -y chromium chromium-driver && pip install selenium"


@pytest.fixture(scope="module")
def burkina(fake_report) -> Extraction:
    return extract_file(fake_report.parent / "burkina_report.txt")


@pytest.fixture(scope="module")
def tables(fake_report) -> Extraction:
    return extract_file(fake_report)


def _perfect(report: dict) -> None:
    for name, s in report["categories"].items():
        assert (name, s["precision"], s["recall"], s["f1"]) == (name, 1.0, 1.0, 1.0)
        assert all(v == 1.0 for v in s["attributes"].values()), (name, s["attributes"])
    if report["table_cells"]["total"]:
        assert report["table_cells"]["accuracy"] == 1.0


def _row(ex: Extraction, category: str, words_start: str):
    return next(r for r in all_rows(ex) if r.category == category and r.words.startswith(words_start))


def test_seed_report_scores_perfectly_against_the_gold_of_its_accepted_review(shared, tmp_path):
    ex = extract_file(shared / "corpus" / "mali-mopti-2020-q28.pdf")
    gold = export_gold(ex, accept_all(ex))
    assert {
        "metadata",
        "sections",
        "tables",
        "casualty_figures",
        "event_counts",
        "displacement_figures",
        "actors",
        "places",
    } <= gold.keys()
    assert len(gold["casualty_figures"]) == len(ex.facts.casualty_figures) and gold["tables"][0]["cells"]
    _perfect(evaluate_extraction(ex, gold))
    # ... and `coi evaluate` reads the exported file as it reads hand-made gold
    out = write_extraction(ex, tmp_path / "seed.pdf.json")
    (tmp_path / "seed.review.json").write_text(json.dumps(accept_all(ex)), encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "review",
            str(out),
            "--decisions",
            str(tmp_path / "seed.review.json"),
            "--export-gold",
            str(tmp_path / "seed.gold.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    scored = runner.invoke(app, ["evaluate", str(out), "--gold", str(tmp_path / "seed.gold.json"), "--json"])
    _perfect(json.loads(scored.output)["reports"][0])


def test_corrected_values_are_in_the_gold_and_rejected_facts_are_not(burkina, tables):
    review = accept_all(burkina)
    solhan = _row(burkina, "casualty_figures", "killed at least 132")
    record_decision(review, make_decision(solhan, "correct", "tester", "the source says 133", {"killed.min": "133"}))
    battles = _row(burkina, "event_counts", "98 battles")
    record_decision(review, make_decision(battles, "reject", "tester", "not a count of battles in Sahel"))
    gold = export_gold(burkina, review)
    killed = [g["killed"] for g in gold["casualty_figures"] if g["killed"]]
    assert {"min": 133, "max": None, "qualifier": "at_least"} in killed and all(k["min"] != 132 for k in killed)
    assert [g for g in gold["event_counts"] if g["count"] == 98] == []
    scores = evaluate_extraction(burkina, gold)["categories"]
    assert (scores["casualty_figures"]["tp"], scores["casualty_figures"]["fp"], scores["casualty_figures"]["fn"]) == (
        2,
        1,
        1,
    )
    assert (scores["event_counts"]["tp"], scores["event_counts"]["fp"], scores["event_counts"]["fn"]) == (3, 1, 0)

    review = accept_all(tables)
    cell = next(r for r in all_rows(tables) if r.kind == "cell" and r.value["raw"] == "1,200")
    record_decision(review, make_decision(cell, "correct", "tester", corrected={"value": "1 210"}))
    other = next(r for r in all_rows(tables) if r.kind == "cell" and r.value["raw"] == "300")
    record_decision(review, make_decision(other, "reject", "tester"))
    cells = [c for t in export_gold(tables, review)["tables"] for c in t["cells"]]
    assert {"row": "March 2021", "period": "2021-03", "column": "Soum", "raw": "1,200", "value": 1210} in cells
    assert not any(c["raw"] == "300" for c in cells)


def test_a_correction_must_validate(burkina):
    row = _row(burkina, "displacement_figures", "1 312 071")
    with pytest.raises(ValueError, match="whole number"):
        make_decision(row, "correct", "tester", corrected={"count": "many"})
    with pytest.raises(ValueError, match="population"):
        make_decision(row, "correct", "tester", corrected={"population": "tourists"})
    with pytest.raises(ValueError, match="change at least one"):
        make_decision(row, "correct", "tester", corrected={"count": "1 312 071"})
    with pytest.raises(ValueError, match="decision"):
        make_decision(row, "approve", "tester")
    d = make_decision(row, "correct", "tester", corrected={"count": "1 312 072", "area": "Burkina Faso"})
    assert d["original"]["count"] == 1312071 and d["corrected"] == {"count": 1312072}


def test_figures_are_found_where_printed():
    value = {"count": 311193}
    assert figure_spans("there were 311 193 IDPs in 2020", value) == [(11, 18)]
    assert figure_spans("there were 311,193 IDPs", value) == [(11, 18)]
    more = {"killed": {"min": 16, "max": None, "qualifier": "more_than"}}
    assert figure_spans("more than 15 people died on 16 May", more) == [(10, 12), (28, 30)]


def test_offline_page_is_one_self_contained_file(burkina, tmp_path):
    data = review_data(burkina)
    page = review_html(data)
    assert "<script src" not in page and "<link" not in page and "http://" not in page.split('<script id="data"')[0]
    row = next(r for r in data["rows"] if r["words"].startswith("killed at least 132"))
    assert row["paragraph"].count(row["evidence"]) == 1  # a text input shows the paragraph around the fact
    assert row["evidence"][slice(*row["marks"][0])] == "132"
    assert row["citations"][0]["text"].startswith("Invented Wire") and row["places"] == ["Solhan", "Yagha", "Sahel"]
    result = runner.invoke(
        app, ["review", str(write_extraction(burkina, tmp_path / "b.txt.json")), "--html", str(tmp_path / "b.html")]
    )
    assert result.exit_code == 0 and (tmp_path / "b.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_page_against_an_older_extraction_counts_the_changes_as_coi_diff_does(burkina, fake_report, tmp_path):
    text = (
        (fake_report.parent / "burkina_report.txt").read_text(encoding="utf-8").replace("at least 132", "at least 135")
    )
    (tmp_path / "new.txt").write_text(text, encoding="utf-8")
    new = extract_file(tmp_path / "new.txt")
    data = review_data(new, against=burkina)
    old_json, new_json = write_extraction(burkina, tmp_path / "old.json"), write_extraction(new, tmp_path / "new.json")
    printed = runner.invoke(app, ["diff", str(old_json), str(new_json)]).output.strip().splitlines()[-1]
    assert data["summary_line"] == printed == "different: 1 fact(s) changed"
    assert [r["words"][:19] for r in data["rows"] if r["changed"]] == ["killed at least 135"]
    assert "<del>132</del>" in data["cards_html"] or "132</del>" in data["cards_html"]


def _post(url: str, body: dict, kind: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "api/decision", data=json.dumps(body).encode(), headers={"Content-Type": kind}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_review_server_writes_decisions_next_to_the_extraction(burkina, tmp_path):
    out = write_extraction(burkina, tmp_path / "burkina_report.txt.json")
    server = ReviewServer(out, reviewer="tester", port=0).start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        solhan = _row(burkina, "casualty_figures", "killed at least 132")
        status, d = _post(
            server.url,
            {"key": solhan.key, "decision": "correct", "comment": "typo", "corrected": {"killed.min": "133"}},
        )
        assert (
            status == 200
            and d["corrected"] == {"killed.min": 133}
            and d["who"] == "tester"
            and d["original"]["killed.min"] == 132
        )
        assert (
            _post(server.url, {"key": solhan.key, "decision": "correct", "corrected": {"killed.min": "lots"}})[0] == 400
        )
        assert _post(server.url, {"key": "nope", "decision": "accept"})[0] == 400
        assert (
            _post(server.url, {"key": solhan.key, "decision": "accept"}, kind="application/x-www-form-urlencoded")[0]
            == 415
        )
        with urllib.request.urlopen(server.url + "api/review", timeout=10) as r:
            assert json.loads(r.read())["decisions"][solhan.key]["decision"] == "correct"
        with urllib.request.urlopen(server.url, timeout=10) as r:
            assert b"coi review" in r.read()
    finally:
        server.stop()
    saved = json.loads(review_path(out).read_text(encoding="utf-8"))
    assert saved["format"] == "coi-review/1" and saved["document_id"] == burkina.document.id
    assert list(saved["decisions"]) == [solhan.key] and len(saved["history"]) == 1
    assert not list(tmp_path.glob(".*.tmp"))


def _chrome(tmp_path: Path):
    """A headless Chromium driven by Selenium through Debian's chromedriver (nothing downloaded)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip(f"selenium is not installed; to run the browser test: {BROWSER_INSTALL}")
    if chromium is None or not Path(driver_path).exists():
        pytest.skip(f"headless Chromium or chromedriver is not installed; to run the browser test: {BROWSER_INSTALL}")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1400,1600",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def _ready(driver) -> bool:
    return driver.execute_script("return document.body.dataset.ready") == "1"


def _classes(driver, key: str) -> list[str]:
    """A row's classes, read in the page (a decided row is redrawn, so a held element goes stale)."""
    return driver.execute_script(
        "const e = document.getElementById(arguments[0]); return e ? e.className : ''", f"row-{key}"
    ).split()


def _keep_screenshot(driver, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    driver.save_screenshot(str(shot))
    target = os.environ.get("COI_REVIEW_SCREENSHOT")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target)
    return shot


def test_review_page_in_headless_chromium(burkina, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    out = write_extraction(burkina, tmp_path / "burkina_report.txt.json")
    driver = _chrome(tmp_path)
    server = ReviewServer(out, reviewer="tester", port=0).start()
    try:
        driver.get(server.url)
        WebDriverWait(driver, 20).until(_ready)
        Select(driver.find_element(By.ID, "f-category")).select_by_value("event_counts")
        shown = [e for e in driver.find_elements(By.CSS_SELECTOR, "article.row") if e.is_displayed()]
        assert len(shown) == len(burkina.facts.event_counts) == 4
        first, second = shown[0], shown[1]
        first_key, second_key = first.get_attribute("data-key"), second.get_attribute("data-key")
        first.find_element(By.CSS_SELECTOR, "button.accept").click()
        WebDriverWait(driver, 10).until(lambda d: "accept" in _classes(d, first_key))
        row = driver.find_element(By.ID, f"row-{second_key}")
        row.find_element(By.CSS_SELECTOR, "button.correct").click()
        count = row.find_element(By.CSS_SELECTOR, "form.fix input[name=count]")
        original = count.get_attribute("value")
        count.clear()
        count.send_keys(str(int(original) + 1))
        row.find_element(By.CSS_SELECTOR, "input.comment").send_keys("checked against the source")
        row.find_element(By.CSS_SELECTOR, "form.fix button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "correct" in _classes(d, second_key))

        driver.refresh()
        WebDriverWait(driver, 20).until(_ready)
        Select(driver.find_element(By.ID, "f-decision")).select_by_value("correct")
        assert {"accept", "hidden"} <= set(_classes(driver, first_key))  # decided, and filtered out as not a correction
        corrected = driver.find_element(By.ID, f"row-{second_key}")
        assert corrected.is_displayed() and "correct" in corrected.get_attribute("class").split()
        assert (
            f"count: {original} → {int(original) + 1}" in corrected.text
            and "checked against the source" in corrected.text
        )
        assert driver.find_element(By.ID, "progress").text == f"2 of {len(all_rows(burkina))} decided"
        # keyboard: j moves to the first shown row, a accepts it
        Select(driver.find_element(By.ID, "f-decision")).select_by_value("none")
        driver.find_element(By.TAG_NAME, "body").click()
        driver.find_element(By.TAG_NAME, "body").send_keys("j")
        focused = driver.switch_to.active_element.get_attribute("data-key")
        driver.switch_to.active_element.send_keys("a")
        WebDriverWait(driver, 10).until(lambda d: "accept" in _classes(d, focused))
        Select(driver.find_element(By.ID, "f-decision")).select_by_value("")
        Select(driver.find_element(By.ID, "f-category")).select_by_value("event_counts")
        shot = _keep_screenshot(driver, tmp_path, "review.png")
        assert shot.stat().st_size > 10_000
    finally:
        server.stop()
        driver.quit()
    saved = json.loads(review_path(out).read_text(encoding="utf-8"))["decisions"]
    assert saved[first_key]["decision"] == "accept"
    assert saved[second_key]["corrected"] == {"count": int(original) + 1}
    assert saved[second_key]["comment"] == "checked against the source" and saved[second_key]["who"] == "tester"
    assert saved[focused]["decision"] == "accept"


def test_offline_page_keeps_decisions_in_the_browser(burkina, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = tmp_path / "review.html"
    page.write_text(review_html(review_data(burkina)), encoding="utf-8")
    driver = _chrome(tmp_path)
    try:
        driver.get(page.as_uri())
        WebDriverWait(driver, 20).until(_ready)
        row = driver.find_elements(By.CSS_SELECTOR, "article.row")[0]
        key = row.get_attribute("data-key")
        row.find_element(By.CSS_SELECTOR, "button.reject").click()
        WebDriverWait(driver, 10).until(lambda d: "reject" in _classes(d, key))
        driver.refresh()
        WebDriverWait(driver, 20).until(_ready)
        assert "reject" in driver.find_element(By.ID, f"row-{key}").get_attribute("class").split()
    finally:
        driver.quit()


def test_export_refuses_a_review_file_with_a_bad_correction(burkina, tmp_path):
    out = write_extraction(burkina, tmp_path / "b.txt.json")
    review = accept_all(burkina)
    row = _row(burkina, "displacement_figures", "1 312 071")
    review["decisions"][row.key] = {
        **review["decisions"][row.key],
        "decision": "correct",
        "corrected": {"count": "about a million"},
    }
    review_path(out).write_text(json.dumps(review), encoding="utf-8")
    result = runner.invoke(app, ["review", str(out), "--export-gold", str(tmp_path / "g.json")])
    assert result.exit_code == 2 and "not a whole number" in result.output and not (tmp_path / "g.json").exists()
