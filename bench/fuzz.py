"""A longer fuzz run of text ingest and table parsing (not part of CI; report its length and
result), then the known slow-input patterns timed at doubling sizes.

Usage: python bench/fuzz.py --examples 20000 [--slow-budget 10]

The slow patterns (issue 14, item 10) are inputs whose run time grew faster than their
size: a markdown heading line with thousands of spaces (``'# x' + 4000 spaces + 'y'``) and
one very long line with many numbers and no full stop (200 KB). Each size is extracted in
a child process under a time limit of ``--slow-budget`` seconds, so the run stays bounded
even where a pattern is still slow; the printed times show how each grows (a doubling of
the size should double the time, not quadruple it)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.figures import read_unit
from extractors.sentences import Unit
from extractors.tables import annotate_table, check_totals, table_records
from pipeline.app.limits import extract_in_child, warm_up
from pipeline.readers.detect import sniff
from pipeline.readers.text import pipe_table, text_to_pages
from schemas import lang
from schemas.document import Block, BlockKind
from schemas.errors import IngestError, TimeLimitError
from schemas.limits import Limits

EN = lang.load("en")
WORDS = st.sampled_from(
    [
        "killed",
        "injured",
        "at least",
        "some",
        "civilians",
        "violent events",
        "battles",
        "IDPs",
        "in",
        "Mopti",
        "region",
        "(",
        ")",
        ";",
        ",",
        "1 200",
        "2020",
        "June",
        "between",
        "-",
        "and",
        "of which",
        "¹²",
        "N/A",
    ]
)


def heading_with_spaces(spaces: int) -> str:
    """A markdown heading line whose title is followed by a long run of spaces and one more
    word: the pattern that made the heading regex of ``pipeline/readers/text.py`` cubic."""
    return "# x" + " " * spaces + "y\n\nThe text under the heading has words enough to be read as a report.\n"


def long_line_without_full_stop(size: int) -> str:
    """One line of ``size`` characters full of figures and never a full stop: the pattern that
    made the figure check of ``extractors/quantities.py`` quadratic (one sentence, many numbers)."""
    unit = "in 2021 some 12 people fled and 3 were killed near Mopti, "
    return (unit * (size // len(unit) + 1))[:size] + "\n"


SLOW_PATTERNS = {
    "heading + spaces": (heading_with_spaces, [500, 1000, 2000, 4000]),
    "long line, no full stop": (long_line_without_full_stop, [25_000, 50_000, 100_000, 200_000]),
}


def time_slow_patterns(budget: float) -> list[tuple[str, int, float | None]]:
    """Seconds to extract each pattern at each size (None: over ``budget``, stopped). Sizes
    past one that ran over are not tried."""
    rows = []
    warm_up()  # the model is loaded once, before the clock starts
    with tempfile.TemporaryDirectory(prefix="coi-fuzz-") as tmp:
        for name, (make, sizes) in SLOW_PATTERNS.items():
            for size in sizes:
                path = Path(tmp) / "slow.txt"
                path.write_text(make(size), encoding="utf-8")
                start = time.perf_counter()
                try:
                    extract_in_child(path, Limits(seconds=budget))
                    seconds = time.perf_counter() - start
                except TimeLimitError:
                    seconds = None
                except IngestError:
                    seconds = time.perf_counter() - start
                rows.append((name, size, seconds))
                print(
                    f"slow input {name!r} at {size}: "
                    + (f"{seconds:.2f} s" if seconds is not None else f"> {budget:g} s (stopped)")
                )
                if seconds is None:
                    break
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20000)
    ap.add_argument(
        "--slow-budget", type=float, default=10.0, help="Seconds each slow input may take before it is stopped."
    )
    ap.add_argument("--slow-only", action="store_true", help="Time the slow-input patterns only.")
    args = ap.parse_args()
    n = args.examples
    if args.slow_only:
        time_slow_patterns(args.slow_budget)
        return
    cfg = settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    counts = {"ingest": 0, "tables": 0, "figures": 0}

    @cfg
    @given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))
    def ingest(data):
        counts["ingest"] += 1
        try:
            sniffed = sniff(data, "fuzz")
        except IngestError:
            return
        text_to_pages(sniffed.text or "", EN)

    @cfg
    @given(st.lists(st.lists(st.text(max_size=10) | WORDS, min_size=1, max_size=8), min_size=1, max_size=10))
    def tables(rows):
        counts["tables"] += 1
        table = pipe_table(["| " + " | ".join(r) + " |" for r in rows], "t1")
        if annotate_table(table, EN):
            check_totals(table, table_records(table, EN, "fuzz"))

    @cfg
    @given(st.lists(WORDS | st.text(max_size=6), max_size=40).map(" ".join))
    def figures(text):
        counts["figures"] += 1
        block = Block(id="b", kind=BlockKind.paragraph, text=text, page=1, start=0, end=len(text))
        read_unit(Unit(text, 0, len(text), block, 0), EN, None)

    for name, fn in (("ingest", ingest), ("tables", tables), ("figures", figures)):
        start = time.perf_counter()
        fn()
        print(f"{name}: {counts[name]} examples in {time.perf_counter() - start:.1f} s, no failure")
    time_slow_patterns(args.slow_budget)


if __name__ == "__main__":
    main()
