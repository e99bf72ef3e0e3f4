"""The five floors (issue 20) hold: ``lint-imports`` keeps the contract in pyproject.toml,
and breaks it on a deliberately added upward import or cycle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "extractors", "schemas")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` over the packages under ``root`` (not the installed ones)."""
    exe = shutil.which("lint-imports") or pytest.skip("lint-imports is not installed: pip install -e '.[dev]'")
    return subprocess.run(
        [exe, "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": str(Path(sys.executable).parent)},
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    """The Python files of the three packages and pyproject.toml (no data files)."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns(
                "*.gz", "*.csv", "*.json", "*.toml", "*.html", "*.md", "*.txt", "__pycache__"
            ),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_floors_are_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    "module, upward, floor",
    [
        ("schemas/errors.py", "from pipeline.app import cli", "schemas is not allowed to import pipeline.app"),
        (
            "pipeline/readers/detect.py",
            "import extractors.figures",
            "pipeline.readers is not allowed to import extractors",
        ),
        (
            "extractors/dates.py",
            "from pipeline.tools import evaluate",
            "extractors is not allowed to import pipeline.tools",
        ),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward, floor):
    root = copy_of_the_code(tmp_path)
    with open(root / module, "a", encoding="utf-8") as f:
        f.write(f"\n{upward}  # deliberately upward\n")
    done = lint_imports(root)
    assert done.returncode == 1
    assert "five floors: each imports only the floors below it BROKEN" in done.stdout
    assert floor in " ".join(done.stdout.split())


def test_a_cycle_inside_a_floor_breaks_the_contract(tmp_path):
    root = copy_of_the_code(tmp_path)
    with open(root / "pipeline/readers/textutil.py", "a", encoding="utf-8") as f:
        f.write("\nfrom pipeline.readers import text  # deliberately circular\n")
    done = lint_imports(root)
    assert done.returncode == 1
    assert "no import cycles between the modules of a floor BROKEN" in done.stdout


def test_ruff_lint_and_format_are_clean():
    """``ruff check`` and ``ruff format --check`` with the configuration in pyproject.toml."""
    exe = shutil.which("ruff") or pytest.skip("ruff is not installed: pip install -e '.[dev]'")
    lint = subprocess.run([exe, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = subprocess.run([exe, "format", "--check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
