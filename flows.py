"""Prefect flows: thin wrappers over ``pipeline.run``.

``extract_report`` extracts one file; ``extract_batch`` runs one task per document over a
folder and never stops on a bad file. Both run in Prefect's local mode with no server.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from pipeline.errors import IngestError
from pipeline.run import extract_file, output_path, write_extraction


@task(name="extract-document", retries=0)
def extract_document_task(path: str, out_dir: str) -> dict:
    try:
        extraction = extract_file(path)
    except IngestError as exc:
        return {"file": path, "ok": False, "reason": exc.reason, "error": type(exc).__name__}
    target = write_extraction(extraction, output_path(Path(out_dir), Path(path)))
    return {"file": path, "ok": True, "output": str(target), "pages": extraction.document.page_count}


@flow(name="extract-report")
def extract_report(path: str, out_dir: str = "out") -> dict:
    """Extract one report to ``out_dir``."""
    return extract_document_task(path, out_dir)


@flow(name="extract-batch")
def extract_batch(folder: str, out_dir: str = "out") -> dict:
    """Extract every visible file of ``folder``; returns ``{"done": [...], "failed": [...]}``."""
    files = sorted(str(p) for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith("."))
    futures = [extract_document_task.submit(f, out_dir) for f in files]
    results = [f.result() for f in futures]
    return {"done": [r for r in results if r["ok"]], "failed": [r for r in results if not r["ok"]]}
