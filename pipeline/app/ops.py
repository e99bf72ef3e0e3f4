"""Operations: extract a file into the shared output layout, run a batch, watch an inbox.

Layout: ``OUT/<report stem>/<sha256[:12]>/extraction.json`` (plus ``sources.json``, the
input names that had these bytes, and ``diff.json`` against the previous extraction of
the same report name, extension included). The output is the record of finished work: a
file whose bytes and pipeline version already have an output is not extracted again, so a
re-run or a restart after a crash redoes nothing and duplicates nothing. Inputs are never modified; the
watcher moves them, whole, to ``processed/`` or ``quarantine/`` (with ``<name>.error.json``).

Crash safety: every file we write goes through a temp name and a rename (a reason is
written before the input it explains is moved), and temp files left by a killed process
are removed by the next run. File names are bytes: a name that is not UTF-8 or holds a
newline is handled as it is and shown escaped (:func:`schemas.errors.shown`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from pipeline import __version__
from pipeline.app.claims import claim, has_ended, recover_stale_claims, release
from pipeline.app.limits import Cancelled, Job, Pool, Written, extract_many, names_pdf, sweep_child_temp_dirs
from pipeline.readers.ingest import read_input
from schemas.errors import (
    DiskFullError,
    FileError,
    InboxError,
    IngestError,
    SymlinkRefusedError,
    shown,
)
from schemas.files import fit_name, json_text, load_extraction, temp_beside, write_atomic
from schemas.limits import DEFAULT, Limits

TEMP_SUFFIXES = (".partial", ".part", ".tmp", ".crdownload", ".download", ".swp", "~")
MAX_STEM_BYTES = 120
RESERVED_STEMS = frozenset({"quarantine"})
"""Folder names of the output layout itself: a report named like one gets a leading ``_``
(which :func:`safe_stem` otherwise never produces)."""
NO_SPACE = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


@dataclass(frozen=True)
class Counted:
    """What an extraction holds, as the worker that wrote it counted it (not
    :class:`extractors.stages.Found`, the stages' working record)."""

    facts: int
    warnings: int
    country: str | None
    language: str | None


@dataclass
class Outcome:
    file: str
    """The input's path as the OS gave it (a name that is not UTF-8 keeps its bytes as
    surrogates); :meth:`as_dict` shows it escaped."""
    status: str
    """``extracted``, ``skipped`` (same bytes and pipeline version done before), ``duplicate``
    (same bytes as another input of this run), ``failed``, ``busy`` (claimed by another
    process, which extracts it), ``interrupted`` (a batch stopped by Ctrl-C or SIGTERM before
    this document), or, in the watcher only, ``changed`` (the file changed while it was
    extracted: left in the inbox to be taken again) and ``deferred`` (the disk is full: left
    in the inbox, retried after a pause)."""
    sha256: str | None = None
    output: str | None = None
    pages: int = 0
    seconds: float = 0.0
    error: dict | None = None
    diff: str | None = None
    current_path: str | None = None
    """Where the input is after the run (``processed/…`` or ``quarantine/…`` for the watcher;
    ``file`` itself for a batch, which leaves inputs in place)."""
    found: Counted | None = None
    """What the extraction found, as its worker counted it (for the flow's log and artifact;
    not part of the batch summary)."""

    def as_dict(self) -> dict:
        """For JSON and people: every name shown escaped."""
        data = asdict(self)
        del data["found"]
        return {
            **data,
            "file": shown(self.file),
            "current_path": shown(self.current_path) if self.current_path else None,
        }

    def raw(self) -> dict:
        """For another process of ours (the Prefect flow): the path as it is. (Shallow, not
        ``asdict``: its deep copy took a tenth of the flow's own CPU on small reports.)"""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["found"] = None if self.found is None else asdict(self.found)
        return data


def safe_stem(name: str) -> str:
    """A folder name from a file name that cannot leave the output folder: letters of any
    script kept (NFC), no separators, no ``..``, no control characters, at most
    ``MAX_STEM_BYTES`` bytes (longer names are cut and get a hash of the whole name), never a
    folder name of the layout itself. A name with no letter or digit gets ``report-<hash>``."""
    text = unicodedata.normalize("NFC", shown(name))
    stem = Path(text).stem if "." in text else text
    stem = re.sub(r"[^\w.-]+", "-", stem).strip(".-_")
    if not stem:
        return "report-" + hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    if stem.lower() in RESERVED_STEMS:
        return "_" + stem
    return fit_name(stem, MAX_STEM_BYTES)


def output_dir(out: Path, name: str, sha256: str) -> Path:
    return out / safe_stem(name) / sha256[:12]


def is_candidate(path: Path) -> bool:
    """A visible, finished-looking file name (not a temp or hidden file)."""
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
    name = shown(name)
    if name not in names:
        names.append(name)
        write_atomic(path, json_text(names))
    return names


def _previous_output(folder: Path, name: str) -> Path | None:
    """The newest other extraction of the same report name, extension included (for the
    automatic diff): ``x.txt`` and ``x.pdf`` share the folder ``x/`` but are not versions of
    each other."""

    def same_name(p: Path) -> bool:
        sources = p / "sources.json"
        return sources.exists() and name in json.loads(sources.read_text(encoding="utf-8"))

    others = [
        p / "extraction.json"
        for p in folder.parent.iterdir()
        if p.is_dir() and p != folder and (p / "extraction.json").exists() and same_name(p)
    ]
    return max(others, key=lambda p: p.stat().st_mtime) if others else None


def output_index(out: Path) -> dict[str, list[Path]]:
    """The place of every extraction in ``out`` (``<stem>/<sha256[:12]>/extraction.json``, done
    or not) by its folder's 12 hex digits, from one pass over the layout. A batch looks its
    inputs up in it: one glob of ``out`` per input walked every report's folder, so a batch of
    N inputs into a layout of M reports cost N x M look-ups."""
    index: dict[str, list[Path]] = {}
    try:
        stems = list(os.scandir(out))
    except OSError:  # no layout yet
        return index
    for stem in stems:
        try:
            if not stem.is_dir():
                continue
            with os.scandir(stem.path) as versions:
                for version in versions:
                    if version.is_dir():
                        index.setdefault(version.name, []).append(Path(version.path) / "extraction.json")
        except OSError:
            continue
    return index


def existing_output(out: Path, sha256: str, index: dict[str, list[Path]] | None = None) -> Path | None:
    """The output of these bytes under any report name, if one exists for this pipeline
    version; looked up in ``index`` (:func:`output_index` of ``out``) when given."""
    found = index.get(sha256[:12], []) if index is not None else out.glob(f"*/{sha256[:12]}/extraction.json")
    for target in sorted(found):
        if _done(target):
            return target
    return None


def _no_space(exc: OSError, path: Path) -> DiskFullError | None:
    if exc.errno in NO_SPACE:
        return DiskFullError(str(path), f"the disk is full: cannot write {shown(path)} ({exc.strerror})")
    return None


def _prepare(
    path: Path, out: Path, keep_bytes: bool, index: dict[str, list[Path]] | None = None
) -> tuple[Outcome, bytes | None]:
    """Hash the input and look for an earlier output (in ``index`` when given, see
    :func:`existing_output`). Returns its outcome and, when it still needs extracting, its
    bytes (``b""`` when ``keep_bytes`` is false: the child reads them)."""
    if path.is_symlink():
        target = shown(os.readlink(path))
        error = SymlinkRefusedError(
            str(path), f"a symbolic link (to {target}), not a file: put the file itself here"
        ).as_dict()
        return Outcome(str(path), "failed", error={**error, "link_target": target}), None
    try:
        if keep_bytes:
            data = read_input(path)
            sha = hashlib.sha256(data).hexdigest()
        else:
            data = b""
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                read_input(path)  # raises the typed refusal
            sha = _sha256(path)
    except IngestError as exc:
        return Outcome(str(path), "failed", error=exc.as_dict()), None
    except OSError as exc:
        from schemas.errors import UnreadableFileError

        return Outcome(
            str(path),
            "failed",
            error=UnreadableFileError(str(path), f"cannot be read ({exc.strerror or exc})").as_dict(),
        ), None
    done = existing_output(out, sha, index)
    if done is not None:
        return _already_done(path, out, sha, done), None
    return Outcome(str(path), "pending", sha), data


def _already_done(path: Path, out: Path, sha: str, done: Path) -> Outcome:
    """The outcome of an input whose bytes have an output ``done`` already, recorded as one of
    its sources: ``skipped`` under its own name, else a ``duplicate`` of the first source."""
    names = _record_source(done.parent, path.name)
    if done == output_dir(out, path.name, sha) / "extraction.json":
        return Outcome(str(path), "skipped", sha, str(done))
    return Outcome(str(path), "duplicate", sha, str(done), error={"duplicate_of": names[0]})


def _finish(outcome: Outcome, answer: Written | IngestError | OSError, out: Path, start: float) -> Outcome:
    """Record a worker's answer in the output layout (the worker wrote the JSON itself, at
    :func:`target_of`), or record its failure. The JSON is never read back here, except for
    the automatic diff against an earlier extraction of the same report name."""
    path = Path(outcome.file)
    outcome.seconds = time.perf_counter() - start
    folder = output_dir(out, path.name, outcome.sha256)
    target = folder / "extraction.json"
    if isinstance(answer, OSError):
        full = _no_space(answer, target)
        if full:
            raise full from answer
        raise answer
    if isinstance(answer, IngestError):
        outcome.status, outcome.error = "failed", answer.as_dict()
        return outcome
    if answer.document_id != outcome.sha256 or answer.path is None:
        outcome.status = "failed"
        outcome.error = {
            "error": "ChangedWhileReadError",
            "code": "changed",
            "file": shown(path),
            "reason": "the file changed while it was being extracted; run again once it is complete",
        }
        return outcome
    try:
        _record_source(folder, path.name)
        outcome.status, outcome.output, outcome.pages = "extracted", str(target), answer.pages
        outcome.found = Counted(answer.facts, answer.warnings, answer.country, answer.language)
        previous = _previous_output(folder, path.name)
        if previous is not None:
            from pipeline.tools.diff import diff_extractions, write_diff

            old, new = load_extraction(previous), load_extraction(target)
            outcome.diff = str(write_diff(diff_extractions(old, new), folder / "diff.json"))
    except OSError as exc:
        if not (folder / "sources.json").exists():  # an output nobody can tell the source of: not done
            target.unlink(missing_ok=True)
        full = _no_space(exc, target)
        if full:
            raise full from exc
        raise
    outcome.seconds = time.perf_counter() - start
    return outcome


def target_of(out: Path, outcome: Outcome) -> str:
    """Where a document's worker writes its JSON: ``OUT/<stem>/<sha256[:12]>/extraction.json``."""
    return str(output_dir(out, Path(outcome.file).name, outcome.sha256) / "extraction.json")


def process_file(
    path: Path, out: Path, limits: Limits | None = None, cancelled=None, pool: Pool | None = None
) -> Outcome:
    """Extract one file into the output layout unless its bytes already have an output. The
    extraction runs in a worker process within ``limits`` (time, memory, pages, size), on the
    very bytes that were hashed: on ``pool``'s workers (a flow's), or on a worker forked for
    this file alone (a watcher's, which then warms this process for the next file, see
    :func:`pipeline.app.limits.extract_many`). Raises :class:`DiskFullError` when the output
    cannot be written for want of space, :class:`~pipeline.app.limits.Cancelled` when
    ``cancelled()`` turned true."""
    start = time.perf_counter()
    outcome, data = _prepare(path, out, keep_bytes=True)
    if data is None:
        return outcome
    job = Job(str(path), data, target=target_of(out, outcome), sha256=outcome.sha256)
    if pool is not None:
        answer = pool.extract(job, cancelled)
    else:
        ((_, answer),) = list(extract_many([job], limits or DEFAULT, 1, cancelled, warm=True))
    return _finish(outcome, answer, out, start)


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and _sha256(a) == _sha256(b)
    except OSError:
        return False


def quarantine(path: Path, folder: Path, error: dict, move: bool) -> Path:
    """Put a failed input, whole, in ``folder`` with ``<name>.error.json`` saying why. The
    reason is written first; the input is then renamed (``move``) or copied to a temp name
    and renamed, so a kill at any point leaves either no copy or a whole one, never a copy
    without its reason. An input that cannot be copied (unreadable) gets its reason alone."""
    folder.mkdir(parents=True, exist_ok=True)
    name = fit_name(path.name)
    if not move and _same_bytes(folder / name, path) and (folder / f"{name}.error.json").exists():
        return folder / name  # quarantined by an earlier run already
    target = folder / name if not move and _same_bytes(folder / name, path) else _free_name(folder / name)
    reason = {**error, "quarantined_as": shown(target.name)}
    try:
        write_atomic(folder / f"{target.name}.error.json", json_text(reason))
        if move:
            try:
                os.rename(path, target)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.move(str(path), target)
        elif not target.exists():
            fd, tmp = temp_beside(target)
            os.close(fd)
            try:
                if path.is_symlink():
                    os.unlink(tmp)
                    os.symlink(os.readlink(path), tmp)
                else:
                    shutil.copy2(path, tmp)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except OSError as exc:
        full = _no_space(exc, target)
        if full:
            raise full from exc
        if move:
            raise
        # a batch keeps its input; a copy that cannot be made (unreadable file) is said, not fatal
        write_atomic(
            folder / f"{target.name}.error.json",
            json_text({**reason, "quarantined_as": None, "copy_error": exc.strerror or str(exc)}),
        )
    return target


def _free_name(path: Path) -> Path:
    """``path``, or ``<stem>-<n><suffix>`` when taken (by a file, a link or a folder)."""
    if not os.path.lexists(path):
        return path
    stem, suffix = (path.stem, path.suffix) if len(os.fsencode(path.suffix)) <= 16 else (path.name, "")
    for i in range(1, 10_000):
        candidate = path.with_name(fit_name(f"{stem}-{i}{suffix}"))
        if not os.path.lexists(candidate):
            return candidate
    raise OSError(f"no free name for {shown(path)}")


_TEMP = re.compile(r"~(\d+)~\w+\.tmp$")


def sweep_temps(*folders: Path) -> list[Path]:
    """Remove the temp files (``.<name>~<pid>~….tmp``) that a killed process of ours left in
    ``folders``; those of a process still running are left alone. Returns what was removed."""
    removed = []
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            m = _TEMP.search(entry.name)
            if not (entry.name.startswith(".") and m):
                continue
            pid = int(m.group(1))
            if pid == os.getpid() or not has_ended(pid):
                continue  # alive
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def _sweep_output(out: Path) -> None:
    """What killed runs left: temp files in the output layout, temp folders of their children."""
    if out.is_dir():
        sweep_temps(out, out / "quarantine", *(d for d in out.glob("*/*") if d.is_dir()))
    sweep_child_temp_dirs()


# ---------------------------------------------------------------- batch


def _entry_kind(path: Path) -> str | None:
    """``file``, ``link`` or None (a folder, pipe, socket or device: never an input)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return "file" if stat.S_ISREG(mode) else "link" if stat.S_ISLNK(mode) else None


# --- claim hook (issue 15, pipeline/app/claims.py) ---------------------------------------------
def process_claimed(path: Path, out: Path, limits: Limits | None = None, pool: Pool | None = None) -> Outcome:
    """:func:`process_file` (on ``pool``'s workers when given) while holding the file's claim
    (a batch leaves it in place); ``busy`` when a watcher or another batch holds it (or took
    it away meanwhile)."""

    held = _take(path)
    if held is UNCLAIMED:
        return process_file(path, out, limits, pool=pool)
    if held is None:
        return Outcome(str(path), "busy", error={"reason": "taken by another process"})
    try:
        outcome = process_file(path, out, limits, pool=pool)
    finally:
        release(held)
    outcome.current_path = str(path) if path.exists() else None
    return outcome


# --- end claim hook -------------------------------------------------------------------------


def batch_inputs(folder: Path) -> list[Path]:
    """The visible files of ``folder``, and its symbolic links (refused one by one, so that
    none goes missing without a word)."""
    return sorted(p for p in folder.iterdir() if is_candidate(p) and _entry_kind(p))


UNCLAIMED = object()
"""The claim of a file in a folder where no claim can be written (read-only input)."""


def _take(path: Path):
    """``claim(path)`` (a claim, or None when another process holds the file), or
    :data:`UNCLAIMED` in a folder where no claim can be written (no write permission, a
    read-only mount): the work is done unclaimed. Any other ``OSError`` (a full disk) is raised."""
    try:
        return claim(path)
    except OSError as exc:
        if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
            return UNCLAIMED
        raise


def _release(held) -> None:
    if held is not UNCLAIMED:
        release(held)


def _recover_claims(folder: Path) -> None:
    try:
        recover_stale_claims(folder)
    except PermissionError:
        pass


class _Claimed(Iterator[Job]):
    """The jobs of a batch's inputs, each made as it is asked for (see :func:`extract_inputs`),
    with the inputs not yet looked at as its length hint (PEP 424): a pool forks no more
    workers than there may be jobs."""

    def __init__(self, jobs: Iterator[Job], left: Callable[[], int]):
        self._jobs, self._left = jobs, left

    def __next__(self) -> Job:
        return next(self._jobs)

    def __length_hint__(self) -> int:
        return self._left()


def extract_inputs(
    files: list[Path],
    out: Path,
    extract: Callable[[Iterator[Job]], Iterator[tuple[int, Written | IngestError | OSError]]],
    seen: dict[str, str] | None = None,
    start: float | None = None,
) -> Iterator[tuple[int, Outcome]]:
    """``(index in files, outcome)`` of every input of a batch, as each is settled: an input
    that needs no work (refused, skipped, a duplicate of an earlier input by content, ``busy``
    under another process's claim) with the next answer, the others as ``extract`` (a pool's
    :meth:`~pipeline.app.limits.Pool.map`, or :func:`~pipeline.app.limits.extract_many`)
    answers for them. ``extract`` takes the jobs lazily: each input is hashed and claimed, in
    order, when the pool asks for its next job, one ahead of its workers, so that the first
    document starts at once (not after every input of the batch was read) and the hashing
    and claiming of one is done while the workers extract the ones before. A claim is
    released once its input is recorded, or when the generator is closed; an input whose
    output appeared meanwhile (another batch on the same folder, which held the claim until it
    had recorded it) is ``skipped`` once claimed. ``seen``: sha256 →
    name of the inputs already taken by this batch (shared by a flow's runs of documents, so
    that a copy in another run is a duplicate too)."""
    seen = {} if seen is None else seen
    start = time.perf_counter() if start is None else start
    settled: deque[tuple[int, Outcome]] = deque()  # needed no work: yielded with the next answer
    todo: list[tuple[int, Outcome]] = []
    claims: dict[int, object] = {}
    looked = 0

    def claimed(index: dict) -> Iterator[Job]:
        nonlocal looked
        for i, path in enumerate(files):  # duplicates are told apart before any work, by content
            looked = i + 1
            outcome, data = _prepare(path, out, keep_bytes=False, index=index)
            if data is not None and outcome.sha256 in seen:
                outcome = Outcome(str(path), "duplicate", outcome.sha256, error={"duplicate_of": seen[outcome.sha256]})
            if data is None or outcome.status == "duplicate":
                settled.append((i, outcome))
                continue
            try:  # one owner per file (issue 15): a watcher or another batch may hold it
                held = _take(path)
            except OSError as exc:  # no claim can be written (a full disk): this input fails, the batch goes on
                reason = f"cannot be claimed for work: {exc.strerror or exc}"
                error = _no_space(exc, path) or FileError(str(path), reason)
                settled.append((i, Outcome(str(path), "failed", outcome.sha256, error=error.as_dict())))
                continue
            if held is None:
                settled.append(
                    (i, Outcome(str(path), "busy", outcome.sha256, error={"reason": "taken by another process"}))
                )
                continue
            claims[i] = held
            done = output_dir(out, path.name, outcome.sha256) / "extraction.json"
            if _done(done):  # another batch on this folder extracted it after this one read the layout
                _release(claims.pop(i))
                settled.append((i, _already_done(path, out, outcome.sha256, done)))
                continue
            seen[outcome.sha256] = shown(path.name)
            todo.append((i, outcome))
            yield Job(str(path), target=target_of(out, outcome), sha256=outcome.sha256)

    try:
        jobs = _Claimed(claimed(output_index(out)), lambda: len(files) - looked)
        for j, answer in extract(jobs):
            while settled:
                yield settled.popleft()
            i, outcome = todo[j]
            try:
                outcome = _finish(outcome, answer, out, start)
            except DiskFullError as exc:
                outcome.status, outcome.error = "failed", exc.as_dict()
            finally:
                _release(claims.pop(i))
            outcome.current_path = str(files[i])
            yield i, outcome
        while settled:
            yield settled.popleft()
    finally:
        for held in claims.values():
            _release(held)


def run_batch(folder: Path, out: Path, workers: int = 1, progress=None, limits: Limits | None = None) -> dict:
    """Every input of ``folder`` through the extraction, ``workers`` child processes at once.
    Failed inputs are copied to ``OUT/quarantine`` with their reason (the originals stay).
    ``progress(outcome)`` is called as each document finishes. A child that dies is replaced
    and its document retried once, then failed with the reason. Interrupted (Ctrl-C, SIGTERM
    turned into KeyboardInterrupt), the documents not done are ``interrupted`` and the summary
    says so: a summary is always returned."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    _recover_claims(folder)  # a batch or watcher killed here left claims: take them back
    files = batch_inputs(folder)
    out.mkdir(parents=True, exist_ok=True)
    _sweep_output(out)
    pdf = names_pdf(files)  # a batch of text files need not warm the PDF reader
    start = time.perf_counter()
    outcomes: list[Outcome | None] = [None] * len(files)
    interrupted = False
    try:
        with closing(
            extract_inputs(
                files, out, lambda jobs: extract_many(jobs, limits or DEFAULT, workers, pdf=pdf), start=start
            )
        ) as settled:
            for i, outcome in settled:
                outcomes[i] = outcome
                progress and progress(outcome)
    except KeyboardInterrupt:
        interrupted = True
    done = [o if o is not None else Outcome(str(files[i]), "interrupted") for i, o in enumerate(outcomes)]
    summary = settle(done, out, time.perf_counter() - start)
    if interrupted:
        summary["interrupted"] = True
    return summary


def settle(outcomes: list[Outcome], out: Path, seconds: float) -> dict:
    """After a batch: failed inputs copied to ``OUT/quarantine`` with their reason, each
    duplicate recorded beside the output it repeats; returns the run summary. A copy that
    cannot be made is noted in the outcome, never fatal."""
    for o in outcomes:
        try:
            if o.status == "failed" and os.path.lexists(o.file):
                quarantine(Path(o.file), out / "quarantine", o.error or {}, move=False)
            if o.status == "duplicate" and o.sha256:
                done = existing_output(out, o.sha256)
                if done is not None:
                    _record_source(done.parent, Path(o.file).name)
                    o.output = str(done)
        except (OSError, DiskFullError) as exc:
            o.error = {**(o.error or {}), "quarantine_error": str(exc)}
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


def own_folder(path: Path) -> Path:
    """``path`` as a real folder of ours: made when missing; a symbolic link or a file in its
    place is an :class:`InboxError` (checked with ``lstat``: a link is never followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        path.mkdir()
        return path
    if stat.S_ISLNK(mode):
        raise InboxError(
            f"{shown(path)} is a symbolic link: the watcher moves inputs only into real folders it made. "
            "Remove the link (the watcher makes the folder)"
        )
    if not stat.S_ISDIR(mode):
        raise InboxError(f"{shown(path)} is a file, but the watcher needs that name for its folder. Rename the file")
    return path


@dataclass
class InboxWatcher:
    """Poll ``inbox``; take a file once its size and mtime held still over two polls; extract
    it into ``out``; check its bytes did not change meanwhile; move it to ``processed/`` or
    ``quarantine/``. Never deletes an input. Symbolic links are refused (moved, as links,
    to ``quarantine/`` with their target recorded). :meth:`stop` (SIGTERM/SIGINT in
    :meth:`run`) abandons the file in hand, which stays in the inbox, and ends the loop."""

    inbox: Path
    out: Path
    interval: float = 5.0
    limits: Limits | None = None
    disk_pause: float = 30.0
    """Seconds to wait after the disk was found full before trying again."""
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    stopping: bool = False
    paused_until: float = 0.0

    @property
    def processed(self) -> Path:
        return self.inbox / "processed"

    @property
    def quarantined(self) -> Path:
        return self.inbox / "quarantine"

    def start(self) -> None:
        """Check (or make) the watcher's own folders and clear what a killed run left behind.
        Raises :class:`InboxError` when a folder name is taken by a file or a link."""
        own_folder(self.processed)
        own_folder(self.quarantined)
        self.out.mkdir(parents=True, exist_ok=True)
        sweep_temps(self.quarantined, self.processed)
        _sweep_output(self.out)

    def stop(self, *_args) -> None:
        self.stopping = True

    def candidates(self) -> list[Path]:
        found = []
        for path in sorted(self.inbox.iterdir()):
            if path.name in ("processed", "quarantine") or not is_candidate(path):
                continue
            if _entry_kind(path):
                found.append(path)
        return found

    def ready(self) -> list[Path]:
        """Files whose size and mtime are the same as at the previous poll."""
        now: dict[str, tuple[int, int]] = {}
        ready = []
        for path in self.candidates():
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            now[path.name] = (st.st_size, st.st_mtime_ns)
            if self.seen.get(path.name) == now[path.name]:
                ready.append(path)
        self.seen = now
        return ready

    def take(self, path: Path, pool: Pool | None = None) -> Outcome | None:
        """Claim one ready file, extract it (on ``pool``'s worker, else on one forked for it)
        and move it; None when stopped meanwhile (the file stays) or when another process holds
        or finished it (issue 15: one owner per file)."""

        held = claim(path)
        if held is None:
            return None
        try:
            return self._take(path, pool)
        finally:
            release(held)

    def _take(self, path: Path, pool: Pool | None) -> Outcome | None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        try:
            outcome = process_file(path, self.out, self.limits, cancelled=lambda: self.stopping, pool=pool)
            if not os.path.lexists(path):  # taken meanwhile by another watcher of this inbox: its move stands
                outcome.error = {
                    **(outcome.error or {}),
                    "gone": "the file was moved away while it was being extracted",
                }
            elif outcome.status == "failed":
                outcome.current_path = str(
                    quarantine(path, own_folder(self.quarantined), outcome.error or {}, move=True)
                )
            elif _changed(path, st, outcome.sha256):
                if outcome.status == "extracted" and outcome.output:
                    shutil.rmtree(Path(outcome.output).parent, ignore_errors=True)  # bytes that never were a whole file
                outcome.status, outcome.output = "changed", None
                outcome.error = {
                    "code": "changed",
                    "file": shown(path),
                    "reason": "the file changed while it was being extracted; it stays in the inbox and is taken again once still",
                }
            else:
                target = _free_name(own_folder(self.processed) / path.name)
                try:
                    os.rename(path, target)
                    outcome.current_path = str(target)
                except FileNotFoundError:  # taken by another watcher between the check and the move
                    outcome.error = {
                        **(outcome.error or {}),
                        "gone": "the file was moved away while it was being extracted",
                    }
        except Cancelled:
            return None
        except DiskFullError as exc:
            self.paused_until = time.monotonic() + self.disk_pause
            outcome = Outcome(str(path), "deferred", error={**exc.as_dict(), "retry_in_seconds": self.disk_pause})
        except OSError as exc:
            if exc.errno not in NO_SPACE:
                raise
            self.paused_until = time.monotonic() + self.disk_pause
            full = DiskFullError(str(path), f"the disk is full ({exc.strerror})")
            outcome = Outcome(str(path), "deferred", error={**full.as_dict(), "retry_in_seconds": self.disk_pause})
        self.seen.pop(path.name, None)
        return outcome

    def poll_once(self) -> list[Outcome]:
        """Take every ready file, one after the other, on one worker forked for this poll
        (:meth:`pool`) and ended with it, so that nothing waits between polls."""
        recover_stale_claims(self.inbox)  # a killed watcher's files are taken again
        outcomes = []
        if time.monotonic() < self.paused_until:
            return outcomes
        ready = self.ready()
        if not ready:
            return outcomes
        with self.pool(ready) as pool:
            for path in ready:
                if self.stopping or time.monotonic() < self.paused_until:
                    break
                outcome = self.take(path, pool)
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    def pool(self, ready: list[Path]) -> Pool:
        """The worker pool of one poll over ``ready``: one worker, forked when the first file
        needs it and serving the poll's files in turn (each within the limits). A worker per
        file cost 69-75 ms per small report on a warm watcher, one per poll 26-33 ms
        (``bench/watch_polls.py``, 50 files, 2026-11-26); what each file needed (language,
        country, model) is built in this process at once, so that the next poll's worker
        inherits it."""
        return Pool(self.limits or DEFAULT, 1, learn_at_once=True, pdf=names_pdf(ready))

    def run(self, stop_after: float | None = None, on_outcome=None, handle_signals: bool = True) -> None:
        """Poll until stopped. With ``handle_signals`` (in the main thread), SIGTERM and SIGINT
        call :meth:`stop`: the file in hand is abandoned cleanly (its child killed, the file
        left in the inbox, nothing half-moved) and the loop ends."""
        self.start()
        previous = {}
        if handle_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self.stop)
        try:
            deadline = None if stop_after is None else time.monotonic() + stop_after
            while not self.stopping and (deadline is None or time.monotonic() < deadline):
                for outcome in self.poll_once():
                    on_outcome and on_outcome(outcome)
                wake = time.monotonic() + self.interval
                while not self.stopping and time.monotonic() < wake:
                    time.sleep(min(0.1, max(0.0, wake - time.monotonic())))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _changed(path: Path, before: os.stat_result, sha256: str | None) -> bool:
    """The file is not the one that was extracted: other size or mtime, or other bytes."""
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        return True
    if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return True
    if stat.S_ISLNK(now.st_mode) or sha256 is None:
        return False
    try:
        return _sha256(path) != sha256
    except OSError:
        return True
