"""Pages without a text layer, read by the ``tesseract`` command, each block with the mean
confidence of its words."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from schemas.document import Block, Page
from schemas.errors import CorruptPDFError, NoTextLayerError

from .settings import PDF_SETTINGS, PdfSettings

_TESSERACT_CODES = {"en": "eng", "fr": "fra", "de": "deu"}


def ocr_language(tesseract: str, sample: str) -> str:
    """The ``-l`` argument for a report whose first page read in English is ``sample``: its
    own language first (French, German) when tesseract has that language's data."""
    import subprocess

    from schemas import lang as languages

    code = _TESSERACT_CODES.get(languages.detect(sample), "eng")
    if code == "eng":
        return "eng"
    done = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=60)
    return f"{code}+eng" if code in done.stdout.split() else "eng"


def tsv_to_paragraphs(tsv: str) -> list[tuple[str, float]]:
    """Tesseract's TSV (one row per word with its block, paragraph, line and confidence) as
    paragraphs: their lines joined by newlines, and the mean confidence of their words (0-1)."""
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    confidence: dict[tuple[int, int], list[float]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]))
        paragraphs.setdefault(key, {}).setdefault(int(cols[4]), []).append(cols[11])
        confidence.setdefault(key, []).append(max(0.0, float(cols[10])) / 100)
    out = []
    for key, lines in paragraphs.items():
        text = "\n".join(" ".join(words) for _, words in sorted(lines.items()))
        out.append((text, round(sum(confidence[key]) / len(confidence[key]), 3)))
    return out


def ocr_pages(
    pdf: pdfium.PdfDocument, path: str, language: str | None = None, settings: PdfSettings = PDF_SETTINGS
) -> tuple[list[Page], str, list[str]]:
    """Pages with no text layer read by the ``tesseract`` command, one page at a time (at
    ``ocr_dpi``); every block is marked ``ocr`` with the mean confidence of its words.
    Without tesseract: a clear error that says how to enable it."""
    import shutil
    import subprocess
    import tempfile

    from pipeline.readers.text import chunks_to_blocks, text_to_chunks
    from schemas.errors import OCRNeededError

    tesseract = shutil.which("tesseract")
    if tesseract is None:
        raise OCRNeededError(
            path,
            "the PDF has no text layer (a scan or images of text): OCR is needed. "
            "Install tesseract (Debian: apt-get install tesseract-ocr) and run again",
        )
    from schemas import lang as languages

    lang = languages.load("en")
    pages: list[Page] = []
    texts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="coi-ocr-") as tmp:

        def read(i: int, codes: str) -> list[tuple[str, float]]:
            image = Path(tmp) / f"page-{i + 1}.png"
            if not image.exists():
                pdf[i].render(scale=settings.ocr_dpi / 72).to_pil().save(image)
            done = subprocess.run(
                [tesseract, str(image), "stdout", "-l", codes, "tsv"], capture_output=True, text=True, timeout=300
            )
            if done.returncode != 0:
                raise CorruptPDFError(path, f"OCR of page {i + 1} failed: {done.stderr.strip()[:200]}")
            return tsv_to_paragraphs(done.stdout)

        first = read(0, language or "eng")
        if language is None:  # read in English first; a French or German report again in its language
            language = ocr_language(tesseract, "\n".join(t for t, _ in first))
            if language != "eng":
                first = read(0, language)
        for i in range(len(pdf)):
            blocks: list[Block] = []
            page_text: list[str] = []
            for text, confidence in first if i == 0 else read(i, language):
                page_text.append(text)
                for block in chunks_to_blocks(text_to_chunks(text), lang):
                    block.page, block.ocr, block.ocr_confidence = i + 1, True, confidence
                    blocks.append(block)
            texts.append("\n\n".join(page_text))
            width, height = pdf[i].get_size()
            pages.append(Page(number=i + 1, width=width, height=height, blocks=blocks))
    if not any(t.strip() for t in texts):
        raise NoTextLayerError(
            path, "the PDF has no text layer, and OCR found no text on any page (blank pages or pictures only)"
        )
    return (
        pages,
        "\n".join(texts),
        ["the PDF has no text layer: its text was read by OCR (tesseract); check figures against the page images"],
    )
