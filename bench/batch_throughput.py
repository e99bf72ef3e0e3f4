"""Batch throughput with 1 and N workers, direct (`coi batch`) and through the Prefect flow
(figures only); how each is timed is in :mod:`pipeline.app.throughput`.

    python bench/batch_throughput.py REPORT_OR_FOLDER [...] --copies 1 --workers 2 [--rounds 3] [--json]"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.app.throughput import batch_figures, figure_lines, row_line  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3, help="Runs of each configuration, in turns (median shown).")
    ap.add_argument("--no-prefect", action="store_true", help="Time the direct batch only.")
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON instead.")
    args = ap.parse_args()
    show = None if args.json else (lambda name, row: print(row_line(name, row), flush=True))
    figures = batch_figures(
        args.inputs, args.workers, args.copies, prefect=not args.no_prefect, on_row=show, rounds=args.rounds
    )
    if args.json:
        print(json.dumps(figures, indent=1))
    else:
        print("\n".join(figure_lines(figures)))


if __name__ == "__main__":
    main()
