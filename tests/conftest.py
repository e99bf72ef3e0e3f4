from __future__ import annotations

import os
from pathlib import Path

# Prefect logs the shutdown of its temporary server at exit, after pytest has closed the
# streams it captured; keep its logging to warnings in tests.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect waits 20 s for its temporary server to start; on a loaded machine that is too short.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import pytest
from contract import contract_errors

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


# ---------------------------------------------------------------- the output contract
# Every JSON file a test writes under its tmp_path is checked against its published schema
# (schemas/*.schema.json, with the jsonschema library) and its pydantic type, after the test.


@pytest.fixture(autouse=True)
def _outputs_follow_the_contract(request):
    # Asked for before the test, so tmp_path is torn down after this check, not before.
    tmp = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if tmp is None:
        return
    errors = [e for p in sorted(tmp.rglob("*.json")) if p.is_file() for e in contract_errors(p)]
    assert not errors, "outputs that break their published schema:\n" + "\n".join(errors)


def children_of(pid: int) -> set[int]:
    """The live (not zombie) child processes of ``pid``, read from /proc (Linux)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found
