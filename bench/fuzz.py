"""A longer fuzz run of text ingest and table parsing (not part of CI; report its length and
result). Usage: python bench/fuzz.py --examples 20000"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import lang
from extractors.figures import read_unit
from extractors.sentences import Unit
from extractors.tables import annotate_table, check_totals, table_records
from pipeline.detect import sniff
from pipeline.errors import IngestError
from pipeline.text import pipe_table, text_to_pages
from schemas.document import Block, BlockKind

EN = lang.load("en")
WORDS = st.sampled_from(["killed", "injured", "at least", "some", "civilians", "violent events", "battles", "IDPs", "in", "Mopti",
                         "region", "(", ")", ";", ",", "1 200", "2020", "June", "between", "-", "and", "of which", "¹²", "N/A"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20000)
    n = ap.parse_args().examples
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


if __name__ == "__main__":
    main()
