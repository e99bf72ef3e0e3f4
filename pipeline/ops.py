"""Operations: extract a file into the shared output layout, run a batch, watch an inbox.

Layout: ``OUT/<report stem>/<sha256[:12]>/extraction.json`` (plus ``sources.json``, the
input names that had these bytes, and ``diff.json`` against the previous extraction of
the same report name). The output is the record of finished work: a file whose bytes and
pipeline version already have an output is not extracted again, so a re-run or a restart
after a crash redoes nothing and duplicates nothing. Inputs are never modified; the
watcher moves them, whole, to ``processed/`` or ``quarantine/`` (with ``<name>.error.json``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.errors import IngestError
from pipeline.limits import DEFAULT, Limits, extract_in_child
from pipeline.run import write_atomic

TEMP_SUFFIXES = (".partial", ".part", ".tmp", ".crdownload", ".download", ".swp", "~")
MAX_STEM = 80


@dataclass
class Outcome:
    file: str
    status: str
    """``extracted``, ``skipped`` (same bytes and pipeline version done before), ``duplicate``
    (same bytes as another input of this run), ``busy`` (claimed by another process, which
    extracts it) or ``failed``."""
    sha256: str | None = None
    output: str | None = None
    pages: int = 0
    seconds: float = 0.0
    error: dict | None = None
    diff: str | None = None
    current_path: str | None = None
    """Where the input is after the run (``processed/…`` or ``quarantine/…`` for the watcher;
    ``file`` itself for a batch, which leaves inputs in place)."""

    def as_dict(self) -> dict:
        return asdict(self)


def safe_stem(name: str) -> str:
    """A folder name from a file name that cannot leave the output folder: no separators,
    no ``..``, no control characters, accents folded, at most ``MAX_STEM`` characters."""
    stem = Path(name).stem if "." in name else name
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_") or "report"
    return stem[:MAX_STEM]


def output_dir(out: Path, name: str, sha256: str) -> Path:
    return out / safe_stem(name) / sha256[:12]


def is_candidate(path: Path) -> bool:
    """A visible, finished-looking regular file (not a temp or hidden file)."""
    name = path.name
    return not name.startswith((".", "~$")) and not name.lower().endswith(TEMP_SUFFIXES)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _done(target: Path) -> bool:
    """An output exists for these bytes and this pipeline version."""
    if not target.exists():
        return False
    try:
        head = json.loads(target.read_text(encoding="utf-8"))
        return head.get("document", {}).get("pipeline_version") == __version__
    except (OSError, ValueError):
        return False


def _record_source(folder: Path, name: str) -> list[str]:
    path = folder / "sources.json"
    names = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    if name not in names:
        names.append(name)
        write_atomic(path, json.dumps(names, ensure_ascii=False, indent=1) + "\n")
    return names


def _previous_output(folder: Path) -> Path | None:
    """The newest other extraction of the same report name (for the automatic diff)."""
    others = [p / "extraction.json" for p in folder.parent.iterdir() if p.is_dir() and p != folder and (p / "extraction.json").exists()]
    return max(others, key=lambda p: p.stat().st_mtime) if others else None


def existing_output(out: Path, sha256: str) -> Path | None:
    """The output of these bytes under any report name, if one exists for this pipeline version."""
    for target in sorted(out.glob(f"*/{sha256[:12]}/extraction.json")):
        if _done(target):
            return target
    return None


def process_file(path: Path, out: Path, limits: Limits | None = None) -> Outcome:
    """Extract one file into the output layout unless its bytes already have an output. The
    extraction runs in a child process within ``limits`` (time, memory, pages, size)."""
    from pipeline.diff import diff_extractions, write_diff
    from schemas.extraction import Extraction

    start = time.perf_counter()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Outcome(str(path), "failed", error=IngestError(str(path), f"cannot be read ({exc.strerror})").as_dict())
    sha = hashlib.sha256(data).hexdigest()
    folder = output_dir(out, path.name, sha)
    target = folder / "extraction.json"
    done = existing_output(out, sha)
    if done is not None:
        names = _record_source(done.parent, path.name)
        status = "skipped" if done == target else "duplicate"
        return Outcome(str(path), status, sha, str(done), error={"duplicate_of": names[0]} if status == "duplicate" else None)
    try:
        text = extract_in_child(path, limits or DEFAULT)
        extraction = Extraction.model_validate_json(text)
    except IngestError as exc:
        return Outcome(str(path), "failed", sha, error=exc.as_dict(), seconds=time.perf_counter() - start)
    except Exception as exc:  # a bug must not stop a batch: report it as such
        error = {"error": type(exc).__name__, "code": "internal_error", "file": str(path), "reason": f"internal error: {exc}"}
        return Outcome(str(path), "failed", sha, error=error, seconds=time.perf_counter() - start)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text)
    _record_source(folder, path.name)
    outcome = Outcome(str(path), "extracted", sha, str(target), extraction.document.page_count, time.perf_counter() - start)
    previous = _previous_output(folder)
    if previous is not None:
        old = Extraction.model_validate_json(previous.read_text(encoding="utf-8"))
        outcome.diff = str(write_diff(diff_extractions(old, extraction), folder / "diff.json"))
    return outcome


def quarantine(path: Path, folder: Path, error: dict, move: bool) -> Path:
    """Put a failed input, whole, in ``folder`` with ``<name>.error.json`` saying why."""
    folder.mkdir(parents=True, exist_ok=True)
    if not move and (folder / path.name).exists() and (folder / path.name).read_bytes() == path.read_bytes():
        return folder / path.name  # quarantined by an earlier run already
    target = _free_name(folder / path.name)
    if move:
        shutil.move(str(path), target)
    else:
        shutil.copy2(path, target)
    write_atomic(folder / f"{target.name}.error.json", json.dumps({**error, "quarantined_as": target.name}, ensure_ascii=False, indent=1) + "\n")
    return target


def _free_name(path: Path) -> Path:
    if not path.exists():
        return path
    for i in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise OSError(f"no free name for {path}")


# ---------------------------------------------------------------- batch


# --- claim hook (issue 15, pipeline/claims.py) ---------------------------------------------
def process_claimed(path: Path, out: Path, limits: Limits | None = None) -> Outcome:
    """:func:`process_file` while holding the file's claim (a batch leaves it in place);
    ``busy`` when a watcher or another batch holds it (or took it away meanwhile)."""
    from pipeline.claims import claim, release

    try:
        held = claim(path)
    except PermissionError:  # a read-only input folder: no claims possible, work unclaimed
        return process_file(path, out, limits)
    if held is None:
        return Outcome(str(path), "busy", error={"reason": "taken by another process"})
    try:
        outcome = process_file(path, out, limits)
    finally:
        release(held)
    outcome.current_path = str(path) if path.exists() else None
    return outcome
# --- end claim hook -------------------------------------------------------------------------


def batch_inputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and is_candidate(p))


def run_batch(folder: Path, out: Path, workers: int = 1, progress=None, limits: Limits | None = None) -> dict:
    """Every input of ``folder`` through :func:`process_file`, ``workers`` processes wide.
    Failed inputs are copied to ``OUT/quarantine`` with their reason (the originals stay).
    ``progress(outcome)`` is called as each document finishes."""
    files = batch_inputs(folder)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    outcomes: list[Outcome] = []
    by_sha: dict[str, str] = {}
    unique: list[Path] = []
    for path in files:  # duplicates are told apart before any work, by content
        sha = _sha256(path)
        if sha in by_sha:
            outcomes.append(Outcome(str(path), "duplicate", sha, error={"duplicate_of": by_sha[sha]}))
            continue
        by_sha[sha] = path.name
        unique.append(path)
    if workers > 1 and len(unique) > 1:
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for outcome in pool.map(process_claimed, unique, [out] * len(unique), [limits] * len(unique)):
                outcomes.append(outcome)
                progress and progress(outcome)
    else:
        for path in unique:
            outcome = process_claimed(path, out, limits)
            outcomes.append(outcome)
            progress and progress(outcome)
    return settle(outcomes, out, time.perf_counter() - start)


def settle(outcomes: list[Outcome], out: Path, seconds: float) -> dict:
    """After a batch: failed inputs copied to ``OUT/quarantine`` with their reason, each
    duplicate recorded beside the output it repeats; returns the run summary."""
    for o in outcomes:
        if o.status == "failed" and Path(o.file).exists():
            quarantine(Path(o.file), out / "quarantine", o.error or {}, move=False)
        if o.status == "duplicate" and o.sha256:
            done = existing_output(out, o.sha256)
            if done is not None:
                _record_source(done.parent, Path(o.file).name)
                o.output = str(done)
    return summarize(outcomes, seconds)


def summarize(outcomes: list[Outcome], seconds: float) -> dict:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    pages = sum(o.pages for o in outcomes if o.status == "extracted")
    return {
        "pipeline_version": __version__,
        "documents": len(outcomes),
        "counts": counts,
        "pages_extracted": pages,
        "seconds": round(seconds, 3),
        "pages_per_second": round(pages / seconds, 2) if seconds and pages else 0.0,
        "outcomes": [o.as_dict() for o in outcomes],
    }


# ---------------------------------------------------------------- inbox watcher


@dataclass
class InboxWatcher:
    """Poll ``inbox``; take a file once its size and mtime held still over two polls; extract
    it into ``out``; move it to ``processed/`` or ``quarantine/``. Never deletes an input."""

    inbox: Path
    out: Path
    interval: float = 5.0
    limits: Limits | None = None
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def processed(self) -> Path:
        return self.inbox / "processed"

    @property
    def quarantined(self) -> Path:
        return self.inbox / "quarantine"

    def candidates(self) -> list[Path]:
        root = self.inbox.resolve()
        found = []
        for path in sorted(self.inbox.iterdir()):
            if not is_candidate(path) or not path.is_file():
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    continue  # never follow a link out of the inbox
            found.append(path)
        return found

    def ready(self) -> list[Path]:
        """Files whose size and mtime are the same as at the previous poll."""
        now: dict[str, tuple[int, int]] = {}
        ready = []
        for path in self.candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            now[path.name] = (st.st_size, st.st_mtime_ns)
            if self.seen.get(path.name) == now[path.name]:
                ready.append(path)
        self.seen = now
        return ready

    def poll_once(self) -> list[Outcome]:
        from pipeline.claims import recover_stale_claims  # claim hook (issue 15)

        recover_stale_claims(self.inbox)  # a killed watcher's files are taken again
        outcomes = []
        for path in self.ready():
            outcome = self.take(path)
            self.seen.pop(path.name, None)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    # --- claim hook (issue 15, pipeline/claims.py): one owner per inbox file ---------------
    def take(self, path: Path) -> Outcome | None:
        """Claim ``path``, extract it, move it to ``processed/`` or ``quarantine/``; None when
        another process holds or finished it."""
        from pipeline.claims import claim, release

        held = claim(path)
        if held is None:
            return None
        try:
            outcome = process_file(path, self.out, self.limits)
            if outcome.status == "failed":
                moved = quarantine(path, self.quarantined, outcome.error or {}, move=True)
            else:
                self.processed.mkdir(parents=True, exist_ok=True)
                moved = _free_name(self.processed / path.name)
                shutil.move(str(path), moved)
            outcome.current_path = str(moved)
        finally:
            release(held)
        return outcome
    # --- end claim hook ---------------------------------------------------------------------

    def run(self, stop_after: float | None = None, on_outcome=None) -> None:
        """Poll until stopped (SIGINT/SIGTERM end the loop between files)."""
        self.out.mkdir(parents=True, exist_ok=True)
        deadline = None if stop_after is None else time.monotonic() + stop_after
        while deadline is None or time.monotonic() < deadline:
            for outcome in self.poll_once():
                on_outcome and on_outcome(outcome)
            time.sleep(self.interval)
