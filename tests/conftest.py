from __future__ import annotations

import os
from pathlib import Path

# Prefect logs the shutdown of its temporary server at exit, after pytest has closed the
# streams it captured; keep its logging to warnings in tests.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect waits 20 s for its temporary server to start; on a loaded machine that is too short.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "corpus").is_dir() or not (SHARED / "eval" / "gold").is_dir():
        pytest.skip(f"../shared (corpus and gold) not found at {SHARED}: the corpus tests need it beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def fake_report() -> Path:
    return FIXTURES / "fake_report.txt"
