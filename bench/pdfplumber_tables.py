"""Cell accuracy of pdfplumber's default ``extract_tables()`` against a gold file, for
comparison with ``coi evaluate``'s table-cell accuracy. Figures only.

    python bench/pdfplumber_tables.py REPORT.pdf GOLD.json
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pdfplumber

from pipeline.tools.evaluate import fold_name, load_gold, parse_cell_value


def grid_cells(grid: list[list[str | None]]) -> dict[tuple[str, str], int | None]:
    rows = [[(c or "").replace("\n", " ") for c in row] for row in grid]
    header = rows[0]
    cells = {}
    for row in rows[1:]:
        for c in range(1, len(row)):
            ok, value = parse_cell_value(row[c])
            if ok:
                cells[(fold_name(row[0]), fold_name(header[c] if c < len(header) else ""))] = value
    return cells


def main(pdf_path: str, gold_path: str) -> None:
    gold = load_gold(Path(gold_path))
    start = time.perf_counter()
    with pdfplumber.open(pdf_path) as pdf:
        grids = [g for page in pdf.pages for g in page.extract_tables() if g]
    seconds = time.perf_counter() - start
    indexes = [grid_cells(g) for g in grids]
    correct = total = 0
    for table in gold["tables"]:
        best = 0
        for cells in indexes:
            hits = sum(
                1
                for cell in table["cells"]
                if cells.get((fold_name(cell["row"]), fold_name(cell["column"])), "missing") == cell["value"]
            )
            best = max(best, hits)
        correct += best
        total += len(table["cells"])
    print(
        f"{Path(pdf_path).name}: pdfplumber found {len(grids)} table(s); gold cells right {correct}/{total} "
        f"({correct / total:.2%}); {seconds:.2f} s for all pages"
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
