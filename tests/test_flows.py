"""The Prefect flows in local mode (Prefect starts its own temporary server; no setup)."""

from __future__ import annotations

import shutil

from flows import extract_batch


def test_batch_flow_extracts_good_files_and_reports_bad_ones(tmp_path, fake_report):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "one.txt")
    shutil.copy(fake_report.parent / "burkina_report.txt", inbox / "two.md")
    (inbox / "empty.pdf").write_bytes(b"")
    (inbox / ".hidden").write_text("ignored")
    summary = extract_batch(str(inbox), str(tmp_path / "out"))
    statuses = sorted((o["file"].rsplit("/", 1)[1], o["status"]) for o in summary["outcomes"])
    assert statuses == [("empty.pdf", "failed"), ("one.txt", "extracted"), ("two.md", "extracted")]
    failed = next(o for o in summary["outcomes"] if o["status"] == "failed")
    assert failed["error"]["code"] == "empty_file" and "empty" in failed["error"]["reason"]
    assert (tmp_path / "out" / "quarantine" / "empty.pdf.error.json").exists()
    assert (inbox / "empty.pdf").exists()  # a batch copies failures to quarantine, the input stays
    again = extract_batch(str(inbox), str(tmp_path / "out"))
    assert again["counts"] == {"skipped": 2, "failed": 1}


def test_batch_flow_through_a_real_prefect_server(tmp_path, fake_report):
    """A real `prefect server start` on loopback (SQLite in a temp PREFECT_HOME); the batch flow
    runs against it and the server records the completed flow run."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx
    import pytest

    prefect_cli = Path(sys.executable).parent / "prefect"
    if not prefect_cli.exists():
        pytest.skip(f"no prefect command beside {sys.executable}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([str(prefect_cli), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("prefect server did not answer within 90 s")
        inbox = tmp_path / "in"
        inbox.mkdir()
        shutil.copy(fake_report, inbox / "one.txt")
        (inbox / "empty.txt").write_bytes(b"")
        code = ("import json, sys; from flows import extract_batch; "
                "print(json.dumps(extract_batch(sys.argv[1], sys.argv[2])['counts']))")
        done = subprocess.run([sys.executable, "-c", code, str(inbox), str(tmp_path / "out")], env={**env, "PREFECT_API_URL": api},
                              cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout.strip().splitlines()[-1]) == {"extracted": 1, "failed": 1}
        runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json()
        assert [(r["name"] != "", r["state_type"]) for r in runs] == [(True, "COMPLETED")]
    finally:
        server.terminate()
        server.wait(timeout=30)
