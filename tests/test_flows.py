"""The Prefect flows in local mode (Prefect starts its own temporary server; no setup)."""

from __future__ import annotations

import logging
import os
import shutil
import sys

import pytest

from flows import extract_batch


@pytest.fixture(scope="module")
def prefect_server():
    """One temporary Prefect server (SQLite in a temp folder) for this module's flow runs; a
    generous start-up timeout, as the test machines are shared."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=240):
        yield


def test_batch_flow_extracts_good_files_and_reports_bad_ones(tmp_path, fake_report, prefect_server):
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
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [str(prefect_cli), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
        code = (
            "import json, sys; from flows import extract_batch; "
            "print(json.dumps(extract_batch(sys.argv[1], sys.argv[2])['counts']))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(inbox), str(tmp_path / "out")],
            env={**env, "PREFECT_API_URL": api},
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout.strip().splitlines()[-1]) == {"extracted": 1, "failed": 1}
        runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json()
        assert [(r["name"] != "", r["state_type"]) for r in runs] == [(True, "COMPLETED")]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _runs_and_artifacts(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return runs, artifacts, logs


def test_a_bad_document_is_a_failed_task_run_named_after_it_and_listed_in_the_artifact(
    tmp_path, fake_report, prefect_server
):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "one.txt")
    (inbox / "empty.pdf").write_bytes(b"")
    task_logger = logging.getLogger("prefect.task_runs")  # the tests keep Prefect at WARNING
    level = task_logger.level
    task_logger.setLevel(logging.INFO)
    try:
        state = extract_batch(str(inbox), str(tmp_path / "out"), return_state=True)
    finally:
        task_logger.setLevel(level)
    assert state.type.value == "COMPLETED" and state.name == "Completed with failures"
    assert state.message == "1 of 2 document(s) failed: empty.pdf"
    assert state.result()["counts"] == {"extracted": 1, "failed": 1}
    runs, artifacts, logs = _runs_and_artifacts(state.state_details.flow_run_id)
    assert sorted((r.name, r.state.type.value, r.tags) for r in runs) == [
        ("extract · 1 document: empty.pdf", "COMPLETED", []),  # a run of documents (issue 17), untagged
        ("extract · 1 document: one.txt", "COMPLETED", []),
        ("extract · empty.pdf", "FAILED", ["kind:pdf"]),  # and each failed document, red on its own
    ]
    [artifact] = artifacts
    assert artifact.key == "extract-batch" and artifact.type == "markdown"
    assert "| empty.pdf | failed | 0 |  |  | the file is empty |" in artifact.data
    assert "| one.txt | extracted |" in artifact.data and "extraction.json](file://" in artifact.data
    lines = [line for log in logs for line in log.message.splitlines()]
    assert any(m.startswith("one.txt: ") and " fact(s), " in m for m in lines)
    assert any(m.startswith("empty.pdf failed after ") for m in lines)


def test_a_poll_that_found_nothing_leaves_no_artifact_and_one_that_did_lists_its_files(
    tmp_path, fake_report, prefect_server
):
    from flows import watch_inbox

    inbox = tmp_path / "in"
    inbox.mkdir()
    quiet = watch_inbox(str(inbox), str(tmp_path / "out"), settle_seconds=0.1, return_state=True)
    assert quiet.result() == []
    assert _runs_and_artifacts(quiet.state_details.flow_run_id)[:2] == ([], [])
    shutil.copy(fake_report, inbox / "one.txt")
    busy = watch_inbox(str(inbox), str(tmp_path / "out"), settle_seconds=0.1, return_state=True)
    [outcome] = busy.result()
    assert outcome["status"] == "extracted" and outcome["current_path"] == str(inbox / "processed" / "one.txt")
    assert (inbox / "processed" / "one.txt").exists() and not (inbox / ".processing" / "one.txt").exists()
    runs, [artifact], _ = _runs_and_artifacts(busy.state_details.flow_run_id)
    assert [r.name for r in runs] == ["extract · one.txt"] and artifact.key == "watch-inbox"
    assert "| one.txt | extracted |" in artifact.data and str(inbox / "processed" / "one.txt") in artifact.data


def test_the_task_runner_set_with_options_is_the_one_used(tmp_path, fake_report, prefect_server):
    from prefect.task_runners import ThreadPoolTaskRunner

    class CountingRunner(ThreadPoolTaskRunner):
        submitted = 0

        def submit(self, *args, **kwargs):
            CountingRunner.submitted += 1
            return super().submit(*args, **kwargs)

        def duplicate(self):
            return CountingRunner(max_workers=self._max_workers)

    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(fake_report, inbox / "one.txt")
    shutil.copy(fake_report.parent / "burkina_report.txt", inbox / "two.txt")
    summary = extract_batch.with_options(task_runner=CountingRunner(max_workers=2))(str(inbox), str(tmp_path / "out"))
    assert summary["counts"] == {"extracted": 2} and CountingRunner.submitted == 2


def test_local_prefect_sets_heartbeats_and_certificates_only_on_the_temporary_server(monkeypatch):
    """Heartbeats serve a long-lived server that marks crashed runs; a temporary server dies
    with the process, so local runs go without them (and without their wait at the end of
    each run); it speaks plain HTTP, so its clients trust one certificate that vouches for
    nothing instead of loading certifi's bundle. Against a real server (PREFECT_API_URL)
    nothing changes."""
    import ssl

    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    import pipeline.app.flows as flows_module
    from flows import local_prefect

    started = []
    monkeypatch.setattr(flows_module, "_start_temporary_server", lambda: started.append(1))  # none here
    default = get_current_settings().flows.heartbeat_frequency
    certificates = get_current_settings().api.ssl_cert_file
    assert default is not None
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with local_prefect():
            assert get_current_settings().flows.heartbeat_frequency is None
            cafile = get_current_settings().api.ssl_cert_file
            assert cafile.endswith("no-authority.pem")
            assert len(ssl.create_default_context(cafile=cafile).get_ca_certs()) == 1  # a file TLS can load
        assert get_current_settings().flows.heartbeat_frequency == default
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}), local_prefect():
        assert get_current_settings().flows.heartbeat_frequency == default
        assert get_current_settings().api.ssl_cert_file == certificates
        assert get_current_settings().api.url == "http://127.0.0.1:4200/api"
    assert started == [1]  # the temporary server is started by local_prefect, not against a real one


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="no CPU priorities (nice) on this system")
def test_the_temporary_server_gets_a_lower_cpu_priority_never_a_higher_one():
    import subprocess

    from pipeline.app.flows import TEMPORARY_SERVER_NICENESS, lower_priority

    mine = os.getpriority(os.PRIO_PROCESS, 0)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lower_priority(child.pid, TEMPORARY_SERVER_NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(19, mine + TEMPORARY_SERVER_NICENESS)
        lower_priority(child.pid, 1)  # already lower: left as it is
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(19, mine + TEMPORARY_SERVER_NICENESS)
    finally:
        child.kill()
        child.wait()
    lower_priority(child.pid, TEMPORARY_SERVER_NICENESS)  # a process that is gone: nothing to do


def test_a_run_ships_its_documents_lines_together_and_a_failure_at_once(monkeypatch):
    """One log record for the documents of a run (each document one line of it), shipped when
    the run ends or its oldest line has waited long enough; a failure as an error of its own,
    after the lines before it."""
    import logging

    import pipeline.app.flows as flows_module

    records = []

    class Recorder:
        def log(self, level, message):
            records.append((level, message))

        def info(self, message):
            records.append((logging.INFO, message))

    monkeypatch.setattr(flows_module, "get_run_logger", lambda: Recorder())

    def outcome(name, status, **kw):
        return {"file": f"/in/{name}".encode(), "status": status, "seconds": 0.5, "pages": 2, **kw}

    found = {"facts": 3, "warnings": 1, "country": "Mali", "language": "en"}
    log = flows_module.RunLog(every=3600)
    log.add(outcome("a.txt", "extracted", output="/out/a/x/extraction.json", found=found))
    log.add(outcome("b.txt", "skipped", output="/out/b/y/extraction.json"))
    assert records == []
    log.add(outcome("c.pdf", "failed", error={"reason": "the file is empty"}))
    log.add(outcome("d.txt", "extracted", output="/out/d/z/extraction.json", found=found))
    log.flush()
    log.flush()
    assert records == [
        (
            logging.INFO,
            "a.txt: 2 page(s), 3 fact(s), 1 warning(s), country Mali, language en, 0.5 s → /out/a/x/extraction.json\n"
            "b.txt: skipped (/out/b/y/extraction.json)",
        ),
        (logging.ERROR, "c.pdf failed after 0.5 s: the file is empty"),
        (
            logging.INFO,
            "d.txt: 2 page(s), 3 fact(s), 1 warning(s), country Mali, language en, 0.5 s → /out/d/z/extraction.json",
        ),
    ]
    records.clear()
    at_once = flows_module.RunLog(every=0)
    at_once.add(outcome("e.txt", "busy", error={"reason": "taken by another process"}))
    assert records == [(logging.INFO, "e.txt: busy (taken by another process)")]
