"""Per-document limits: pages, input size, wall time and memory.

Pages and size are checked before any work. Time and memory are enforced by running the
extraction in a child process with an address-space limit, killed when it runs past its
time; either way the caller gets a typed :class:`LimitExceededError`, never a hang."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import IngestError, MemoryLimitError, TimeLimitError, TooLargeError


@dataclass(frozen=True)
class Limits:
    max_pages: int = 1000
    """PDFs with more pages are refused (compilations of thousands of pages: raise it)."""
    max_bytes: int = 100 * 1024 * 1024
    max_text_bytes: int = 20 * 1024 * 1024
    """Text inputs larger than this are refused (about 10 000 pages of prose)."""
    seconds: float = 600.0
    memory_mb: int = 2048
    """Memory one document may take on top of the loaded pipeline and model (address space)."""

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT = Limits()


def check_size(data: bytes, path: str, is_pdf: bool, limits: Limits) -> None:
    cap = limits.max_bytes if is_pdf else limits.max_text_bytes
    if len(data) > cap:
        mb = len(data) / 1024 / 1024
        raise TooLargeError(path, f"the file is {mb:.0f} MB, more than the limit of {cap / 1024 / 1024:.0f} MB "
                                  "(raise it with --max-mb if the report is really this long)", "max_bytes")


def _address_space() -> int:
    """Bytes of address space this process already has (the forked pipeline and model)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


MEMORY_EXIT = 86
"""Exit code of a child that ran out of its memory allowance."""


def _child(conn, path: str, limits: Limits) -> None:
    """Run in the child: cap memory, extract, send back JSON or a typed error. Running out
    of memory anywhere (even while reporting) ends the child with ``MEMORY_EXIT``."""
    try:
        try:
            cap = _address_space() + limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        except (ValueError, OSError):
            pass
        try:
            from pipeline.run import extract_file, to_json

            result = ("ok", to_json(extract_file(path, limits=limits)))
        except IngestError as exc:
            result = ("ingest", exc)
        except MemoryError:
            os._exit(MEMORY_EXIT)
        except (ImportError, OSError) as exc:
            if "map" in str(exc) or "allocate" in str(exc):
                os._exit(MEMORY_EXIT)
            result = ("error", f"{type(exc).__name__}: {exc}")
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as an internal error
            result = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(result)
        conn.close()
    except MemoryError:
        os._exit(MEMORY_EXIT)


def warm_up() -> None:
    """Import the pipeline and load the model in the parent, once: forked children share them."""
    from extractors import nlp
    from pipeline import pdf, run  # noqa: F401  (pdfium's library is mapped here, not in each child)

    nlp.pipeline("en")


def extract_in_child(path: str | Path, limits: Limits = DEFAULT) -> str:
    """The extraction JSON of ``path``, computed in a child process within ``limits``."""
    path = str(path)
    warm_up()
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, path, limits), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limits.seconds):
            raise TimeLimitError(path, f"extraction took longer than {limits.seconds:g} s and was stopped", "seconds")
        try:
            kind, payload = parent.recv()
        except EOFError:
            proc.join(5)
            code = proc.exitcode
            if code == MEMORY_EXIT:
                raise MemoryLimitError(path, f"extraction needed more than {limits.memory_mb} MB of memory and was stopped", "memory_mb") from None
            if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
                raise MemoryLimitError(path, f"extraction was killed (signal {-code}); it probably needed more than "
                                             f"{limits.memory_mb} MB", "memory_mb") from None
            raise IngestError(path, f"the extraction process ended without an answer (exit code {code})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if kind == "ok":
        return payload
    if kind == "ingest":
        raise payload
    if kind == "memory":
        raise MemoryLimitError(path, f"extraction needed more than {limits.memory_mb} MB of memory and was stopped", "memory_mb")
    raise IngestError(path, f"internal error while extracting: {payload}")
