"""A real distributed run on one machine: PostgreSQL, a Prefect server, a process work pool and
two workers, all on loopback, started here and stopped here (also on failure or Ctrl-C).

    python deploy/distributed_run.py [--documents 40] [--keep-dir]

Steps, each as an operator would do them by hand:

1. a private PostgreSQL cluster (``initdb`` + ``pg_ctl``, Debian's ``postgresql`` package) in a
   temp folder on 127.0.0.1 and a free port (as the ``postgres`` user when run as root);
2. ``prefect server start`` on 127.0.0.1 with ``PREFECT_API_DATABASE_CONNECTION_URL`` pointing
   at it, telemetry off (``PREFECT_SERVER_ANALYTICS_ENABLED=false``, ``DO_NOT_TRACK=1``);
3. ``prefect work-pool create --type process`` and two ``prefect worker start`` processes;
4. ``extract_batch`` and ``watch_inbox`` deployed from this checkout (``flow.from_source`` on
   the local folder: no image, no remote storage);
5. N documents (distinct texts made from the fixtures) in one folder, and two ``extract_batch``
   flow runs on it: the claims (``pipeline.app.claims``) split the documents between the two
   workers while they run;
6. checks: both flow runs Completed, on two different workers; every document has exactly one
   ``extracted`` outcome over both runs and a valid ``extraction.json``;
7. the same documents through the single-process ``coi batch`` into another folder, and the
   throughput of both printed (documents/s and pages/s).

Exit code 0 when every check passed. Prints one JSON line of figures last.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
POOL = "coi-local"
TELEMETRY_OFF = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<major>/bin."""
    for folder in PG_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(work: Path, stack: ExitStack) -> str:
    pg = work / "postgres"  # data, socket and log, owned by the user the server runs as
    data, sockets, logfile = pg / "data", pg, pg / "postgres.log"
    pg.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chmod(work, 0o755)
        shutil.chown(pg, "postgres")
    port = free_port()
    subprocess.run(
        as_postgres(
            [pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        as_postgres(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(logfile),
                "-w",
                "-o",
                f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    stack.callback(
        lambda: subprocess.run(
            as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    subprocess.run(
        as_postgres(
            [pg_bin("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "prefect"]
        ),
        check=True,
    )
    log(f"PostgreSQL on 127.0.0.1:{port} (data in {data})")
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"


def spawn(cmd: list[str], env: dict, logfile: Path, stack: ExitStack) -> subprocess.Popen:
    """A background process in its own process group, stopped (group-wide) when we leave."""
    out = logfile.open("w")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def stop() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.close()

    stack.callback(stop)
    return proc


def wait_healthy(api: str, server: subprocess.Popen, seconds: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {server.returncode}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server did not answer within {seconds:.0f} s")


def make_documents(folder: Path, n: int) -> list[str]:
    """``n`` distinct reports (different bytes) from the fixture reports."""
    folder.mkdir(parents=True)
    sources = [ROOT / "fixtures" / "fake_report.txt", ROOT / "fixtures" / "burkina_report.txt"]
    names = []
    for i in range(n):
        source = sources[i % len(sources)]
        name = f"{source.stem}-{i:03d}.txt"
        text = source.read_text(encoding="utf-8")
        (folder / name).write_text(f"{text}\nCopy {i} of this report for the distributed run.\n", encoding="utf-8")
        names.append(name)
    return names


def ran_here(worker_log: str, run_id: str) -> bool:
    """The worker submitted the run and did not abort it (a worker that loses the race for a
    run logs 'submitting' and then 'Aborted submission')."""
    return (
        f"submitting flow run '{run_id}'" in worker_log
        and f"Aborted submission of flow run '{run_id}'" not in worker_log
    )


def check_outputs(out: Path, names: list[str], outcomes: list[dict]) -> list[str]:
    """Problems found: a document not extracted exactly once, or a missing/invalid output."""
    from schemas.files import load_extraction

    problems = []
    extracted = [Path(o["file"]).name for o in outcomes if o["status"] == "extracted"]
    for name in names:
        if extracted.count(name) != 1:
            problems.append(f"{name}: extracted {extracted.count(name)} times")
    for o in outcomes:
        if o["status"] == "extracted":
            try:
                load_extraction(Path(o["output"]))
            except Exception as exc:  # any unreadable output is a failed check
                problems.append(f"{o['output']}: {exc}")
        elif o["status"] not in ("busy", "skipped"):
            problems.append(f"{Path(o['file']).name}: {o['status']} {o.get('error')}")
    return problems


def run(documents: int, work: Path) -> dict:
    prefect = str(Path(sys.executable).parent / "prefect")
    with ExitStack() as stack:
        db_url = start_postgres(work, stack)
        port = free_port()
        api = f"http://127.0.0.1:{port}/api"
        env = {
            **os.environ,
            **TELEMETRY_OFF,
            "PREFECT_HOME": str(work / "prefect-home"),
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_API_DATABASE_CONNECTION_URL": db_url,
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            # results kept on (shared) disk, so the flow runs' summaries can be read back
            "PREFECT_WORKER_QUERY_SECONDS": "2",  # workers look for new runs every 2 s (default 10)
            "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
            "PREFECT_LOCAL_STORAGE_PATH": str(work / "results"),
        }
        env.pop("PREFECT_API_URL", None)
        server = spawn(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, work / "server.log", stack
        )
        wait_healthy(api, server)
        log(f"Prefect server on {api} (PostgreSQL)")
        env["PREFECT_API_URL"] = api
        subprocess.run(
            [prefect, "work-pool", "create", POOL, "--type", "process"],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        workers = [
            spawn(
                [prefect, "worker", "start", "--pool", POOL, "--name", f"worker-{i}", "--limit", "1"],
                env,
                work / f"worker-{i}.log",
                stack,
            )
            for i in (1, 2)
        ]
        deployed = subprocess.run([sys.executable, "-c", DEPLOY], env=env, cwd=ROOT, capture_output=True, text=True)
        if deployed.returncode:
            raise RuntimeError(f"deploy failed: {deployed.stderr[-2000:]}")
        log("deployed extract-batch/local and watch-inbox/local to pool " + POOL)
        inbox, out = work / "documents", work / "out-distributed"
        names = make_documents(inbox, documents)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", TRIGGER, str(inbox), str(out)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        distributed_seconds = time.perf_counter() - started
        if done.returncode:
            raise RuntimeError(f"flow runs failed: {done.stderr[-3000:]}")
        runs = json.loads(done.stdout.strip().splitlines()[-1])
        if any(p.poll() is not None for p in workers):
            raise RuntimeError("a worker died during the run")
        worker_logs = [(work / f"worker-{i}.log").read_text(encoding="utf-8", errors="replace") for i in (1, 2)]
    outcomes = [o for r in runs for o in r["outcomes"]]
    problems = check_outputs(out, names, outcomes)
    states = [r["state"] for r in runs]
    if states != ["COMPLETED", "COMPLETED"]:
        problems.append(f"flow run states {states}")
    ran_on = [[i + 1 for i, text in enumerate(worker_logs) if ran_here(text, r["id"])] for r in runs]
    if any(len(ws) != 1 for ws in ran_on):  # each run executed by exactly one worker
        problems.append(f"a flow run was not executed by exactly one worker: {ran_on}")
    if sorted(w for ws in ran_on for w in ws) != [1, 2]:  # Prefect decides; usually one each
        log(f"note: both flow runs went to one worker: {ran_on}")
    pages = sum(o["pages"] for o in outcomes if o["status"] == "extracted")
    running_seconds = max(r["end"] for r in runs) - min(r["start"] for r in runs)
    log(
        f"distributed: {documents} documents, {pages} pages in {distributed_seconds:.1f} s from the trigger "
        f"({running_seconds:.1f} s from the first flow run's start to the last one's end); "
        f"extracted per run {[sum(o['status'] == 'extracted' for o in r['outcomes']) for r in runs]}"
    )
    single_out = work / "out-single"
    started = time.perf_counter()
    single = subprocess.run(
        [sys.executable, "-m", "pipeline.app.cli", "batch", str(inbox), "--out", str(single_out)],
        cwd=ROOT,
        env={**os.environ, **TELEMETRY_OFF},
        capture_output=True,
        text=True,
    )
    single_seconds = time.perf_counter() - started
    if single.returncode:
        problems.append(f"coi batch exited {single.returncode}: {single.stderr[-1000:]}")
    log(f"single process coi batch: {documents} documents in {single_seconds:.1f} s")
    figures = {
        "documents": documents,
        "pages": pages,
        "problems": problems,
        "distributed_seconds": round(distributed_seconds, 1),
        "flow_runs_seconds": round(running_seconds, 1),
        "single_seconds": round(single_seconds, 1),
        "distributed_docs_per_s": round(documents / distributed_seconds, 2),
        "single_docs_per_s": round(documents / single_seconds, 2),
        "speedup": round(single_seconds / distributed_seconds, 2),
        "cpus": os.cpu_count(),
    }
    return figures


DEPLOY = f"""
from prefect import flow
import os
for entry, name in (("pipeline/app/flows.py:extract_batch", "local"), ("pipeline/app/flows.py:watch_inbox", "local")):
    flow.from_source(source=os.getcwd(), entrypoint=entry).deploy(name=name, work_pool_name={POOL!r}, print_next_steps=False)
"""

TRIGGER = """
import json, sys
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.states import StateType
import anyio

async def main(folder, out):
    runs = [await run_deployment("extract-batch/local", parameters={"folder": folder, "out": out}, timeout=0)
            for _ in range(2)]
    async with get_client() as client:
        while True:
            runs = [await client.read_flow_run(r.id) for r in runs]
            if all(r.state and r.state.is_final() for r in runs):
                break
            await anyio.sleep(1)
        result = []
        for r in runs:
            summary = await r.state.aresult(raise_on_failure=False) if r.state.type == StateType.COMPLETED else {}
            result.append({"id": str(r.id), "state": r.state.type.value, "outcomes": summary.get("outcomes", []),
                           "start": r.start_time.timestamp(), "end": r.end_time.timestamp()})
    print(json.dumps(result))

anyio.run(main, sys.argv[1], sys.argv[2])
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--keep-dir", action="store_true", help="Keep the temp folder (logs, outputs) for inspection.")
    args = parser.parse_args()
    if pg_bin("initdb") is None or pg_bin("pg_ctl") is None:
        print("PostgreSQL server programs not found: apt-get install -y postgresql", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="coi-distributed-"))
    try:
        figures = run(args.documents, work)
    finally:
        if args.keep_dir:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for problem in figures["problems"]:
        print(f"PROBLEM {problem}", file=sys.stderr)
    print(json.dumps(figures))
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
