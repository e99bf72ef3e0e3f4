"""Make a folder of small text reports for batch figures (``coi bench --batch FOLDER``).

    python bench/small_texts.py ../shared/excerpts /tmp/small200 --count 200

The i-th file is a slice of about ``--chars`` characters of the (i mod n)-th text of the
source folder, the (i div n)-th slice of it (wrapping round), cut at paragraph breaks: short
reports of real wording, different from each other (so that the batch's skipping of content
already seen does not count them as duplicates). Written outside the repository; the source
texts are only read."""

from __future__ import annotations

import argparse
from pathlib import Path


def paragraphs_to_slices(text: str, chars: int) -> list[str]:
    """``text`` cut at blank lines into slices of about ``chars`` characters (a paragraph longer
    than that is a slice of its own)."""
    slices, current = [], ""
    for paragraph in text.split("\n\n"):
        if current and len(current) + len(paragraph) > chars:
            slices.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current.strip():
        slices.append(current)
    return slices or [text]


def small_texts(source: Path, out: Path, count: int, chars: int = 4000) -> list[Path]:
    texts = sorted(p for p in source.glob("*.txt"))
    if not texts:
        raise SystemExit(f"{source}: no .txt files")
    pieces = [paragraphs_to_slices(p.read_text(encoding="utf-8"), chars) for p in texts]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        slices = pieces[i % len(texts)]
        path = out / f"doc{i:03d}.txt"
        path.write_text(slices[(i // len(texts)) % len(slices)] + f"\n\n(slice {i})\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="Folder of .txt reports to slice.")
    ap.add_argument("out", type=Path, help="Folder to write the small reports to.")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--chars", type=int, default=4000)
    args = ap.parse_args()
    written = small_texts(args.source, args.out, args.count, args.chars)
    print(f"{len(written)} files in {args.out}, {sum(p.stat().st_size for p in written) // 1024} KiB")


if __name__ == "__main__":
    main()
