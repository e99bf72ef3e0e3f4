"""Word documents (DOCX) into draft pages, with python-docx and the footnote parts.

python-docx reads the body, the styles and the core properties; it does not expose Word's
footnotes and endnotes, so ``word/footnotes.xml`` and ``word/endnotes.xml`` are read from
the ZIP with lxml (entities never resolved, nothing fetched). A Word body has no pages:
everything stands on page 1, each block's ``locator`` says where it was (``body/p[12]``).

Word numbers its footnotes in the order their references appear, whatever their ids, so the
number a reader sees is the rank of a note's first reference. Endnotes go on after the
last footnote number. Macros are never run and external links (hyperlinks, linked images
or templates) never followed: both are only counted into a warning.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

from lxml import etree

from pipeline.readers.structured import MARK, CorruptDocumentError, Read, marked_text
from pipeline.readers.text import table_to_block
from pipeline.readers.textutil import draft_block
from schemas.document import Block, BlockKind, Cell, Page, Table
from schemas.errors import TooLargeError, UnsupportedFormatError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f"{{{W}}}"
_REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")

MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""A DOCX whose parts unpack to more than this is refused (a ZIP bomb, not a report)."""

CONVERT_TIMEOUT = 120
"""Seconds LibreOffice may take to convert a legacy ``.doc``."""

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre)\s*(\d)$", re.I)
_LIST_STYLE = re.compile(r"^list\b|\blist (?:bullet|number|paragraph)", re.I)
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def open_docx_zip(data: bytes, path: str) -> zipfile.ZipFile:
    """The DOCX container, checked: a real ZIP, with its main parts, that unpacks to a sane size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError) as exc:
        raise CorruptDocumentError(
            path, f"the Word document is damaged: its ZIP container cannot be opened ({exc})"
        ) from None
    names = set(archive.namelist())
    missing = [name for name in _REQUIRED_PARTS if name not in names]
    if missing:
        raise CorruptDocumentError(path, f"the Word document is damaged: part(s) {', '.join(missing)} missing")
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise TooLargeError(
            path,
            f"the Word document unpacks to {unpacked / 1024 / 1024:.0f} MB, more than the limit of "
            f"{MAX_UNPACKED_BYTES / 1024 / 1024:.0f} MB (a ZIP bomb?)",
            "max_unpacked_bytes",
        )
    return archive


def docx_risks(archive: zipfile.ZipFile) -> list[str]:
    """Warnings for macros (never run) and external links (never followed)."""
    warnings = []
    names = archive.namelist()
    macros = [n for n in names if n.lower().endswith("vbaproject.bin") or "/activex/" in n.lower()]
    if macros:
        warnings.append(
            f"the Word document holds macros ({', '.join(sorted(macros))}): they were not run, only the text was read"
        )
    external = 0
    for name in names:
        if name.endswith(".rels"):
            external += len(re.findall(rb'TargetMode\s*=\s*"External"', archive.read(name)))
    if external:
        warnings.append(
            f"the Word document has {external} external link(s) (hyperlinks, linked images or templates): none was followed"
        )
    return warnings


def docx_to_pages(data: bytes, path: str) -> Read:
    """A DOCX as one draft page of blocks (headings by style, paragraphs, list items,
    tables with merged cells resolved, footnotes and endnotes) and its core properties."""
    from docx.opc.exceptions import OpcError
    from docx.package import Package

    archive = open_docx_zip(data, path)
    try:
        warnings = docx_risks(archive)
        document = Package.open(io.BytesIO(data)).main_document_part.document
        notes = {kind: notes_part_to_texts(archive, f"word/{kind}s.xml", kind) for kind in ("footnote", "endnote")}
        numbering = _NoteNumbers(document.element.body)
        blocks = body_to_blocks(document, numbering)
        properties = core_properties(document)
    except (
        KeyError,
        IndexError,
        AttributeError,
        TypeError,
        ValueError,
        EOFError,
        NotImplementedError,
        zlib.error,
        etree.XMLSyntaxError,
        zipfile.BadZipFile,
        OpcError,
    ) as exc:
        raise CorruptDocumentError(
            path, f"the Word document is damaged and cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    for kind, number in numbering.order():
        text = notes[kind].get(number[1])
        if text is None:
            warnings.append(f"{kind} {number[1]} is referenced but not in the document's {kind}s part")
            continue
        clean, refs = marked_text(text, [])
        blocks.append(
            draft_block(
                BlockKind.footnote,
                clean,
                1,
                footnote_number=number[0],
                locator=f"{kind}s/{kind}[@id={number[1]}]",
                footnote_refs=refs,
            )
        )
    plain = "\n".join(b.text for b in blocks)
    return Read(pages=[Page(number=1, blocks=blocks)], text=plain, properties=properties, warnings=warnings)


class _NoteNumbers:
    """The number a reader sees for each footnote/endnote id: footnotes 1, 2, … in order of
    first reference, then endnotes after the last footnote."""

    def __init__(self, body: etree._Element) -> None:
        self.seen: dict[tuple[str, str], int] = {}
        for kind in ("footnote", "endnote"):
            for ref in body.iter(f"{_W}{kind}Reference"):
                self.seen.setdefault((kind, ref.get(f"{_W}id")), len(self.seen) + 1)

    def number(self, kind: str, note_id: str) -> int:
        return self.seen.setdefault((kind, note_id), len(self.seen) + 1)

    def order(self) -> list[tuple[str, tuple[int, str]]]:
        return [
            (kind, (number, note_id)) for (kind, note_id), number in sorted(self.seen.items(), key=lambda item: item[1])
        ]


def notes_part_to_texts(archive: zipfile.ZipFile, part: str, kind: str) -> dict[str, str]:
    """Note id → its text, from ``word/footnotes.xml`` or ``word/endnotes.xml`` (separators skipped)."""
    if part not in archive.namelist():
        return {}
    root = etree.fromstring(archive.read(part), _SAFE_XML)
    out = {}
    for note in root.iter(f"{_W}{kind}"):
        if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paragraphs = [paragraph_text(p, None)[0] for p in note.iter(f"{_W}p")]
        out[note.get(f"{_W}id")] = " ".join(t for t in paragraphs if t.strip())
    return out


def paragraph_text(p: etree._Element, numbering: _NoteNumbers | None) -> tuple[str, list[int]]:
    """The raw text of a ``w:p`` with a :data:`MARK` where each footnote/endnote reference
    stands, and their numbers. Deleted revisions and field codes are not text; a
    superscript run of digits is a typed marker."""
    parts: list[str] = []
    numbers: list[int] = []
    for el in p.iter():
        tag = el.tag
        if tag == f"{_W}t":
            text = el.text or ""
            run = el.getparent()
            if (
                text.strip().isdigit()
                and run is not None
                and run.find(f"{_W}rPr/{_W}vertAlign[@{_W}val='superscript']") is not None
            ):
                parts.append(MARK)
                numbers.append(int(text.strip()))
            else:
                parts.append(text)
        elif tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference") and numbering is not None:
            kind = "footnote" if tag.endswith("footnoteReference") else "endnote"
            parts.append(MARK)
            numbers.append(numbering.number(kind, el.get(f"{_W}id")))
    return "".join(parts), numbers


def body_to_blocks(document, numbering: _NoteNumbers) -> list[Block]:
    """Blocks of the body in reading order (content controls opened, tables in place)."""
    blocks: list[Block] = []
    styles = {s.style_id: s for s in document.styles}
    lists = _ListNumbers(document)
    counts = {"p": 0, "tbl": 0}

    def walk(parent: etree._Element) -> None:
        for el in parent:
            if el.tag == f"{_W}p":
                counts["p"] += 1
                block = paragraph_to_block(el, styles, numbering, lists)
                if block is not None:
                    block.locator = f"body/p[{counts['p']}]"
                    blocks.append(block)
            elif el.tag == f"{_W}tbl":
                counts["tbl"] += 1
                table = docx_table_to_table(el, numbering, f"t{counts['tbl']}")
                if table.cells:
                    blocks.append(table_to_block(table, 1, locator=f"body/tbl[{counts['tbl']}]"))
            elif el.tag == f"{_W}sdt":
                content = el.find(f"{_W}sdtContent")
                if content is not None:
                    walk(content)

    walk(document.element.body)
    return blocks


class _ListNumbers:
    """The numbers Word prints before auto-numbered paragraphs (``1.``, ``1.2.``): from the
    numbering part's level formats and a counter per list, as Word counts them."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(f"{_W}abstractNumId"): a for a in numbering.iter(f"{_W}abstractNum")}
        for num in numbering.iter(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            source = abstract.get(ref.get(f"{_W}val")) if ref is not None else None
            if source is None:
                continue
            levels = {}
            for lvl in source.iter(f"{_W}lvl"):
                fmt, text, start = (lvl.find(f"{_W}{name}") for name in ("numFmt", "lvlText", "start"))
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    fmt.get(f"{_W}val", "") if fmt is not None else "",
                    text.get(f"{_W}val", "") if text is not None else "",
                    int(start.get(f"{_W}val", "1")) if start is not None else 1,
                )
            self.levels[num.get(f"{_W}numId")] = levels

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The printed number of the next paragraph of list ``num_id`` at level ``ilvl``;
        None for bullets and lists with no numbers."""
        levels = self.levels.get(num_id, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl][2] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if levels[ilvl][0] not in ("decimal", "decimalZero"):
            return None
        text = levels[ilvl][1]
        for k in range(ilvl + 1):
            text = text.replace(f"%{k + 1}", str(counters.get(k, levels.get(k, ("", "", 1))[2])))
        return text.strip() or None


def _num_pr(ppr: etree._Element | None, chain_styles: list) -> tuple[str, int] | None:
    """(numId, level) of a paragraph's numbering: its own, else its style's."""
    for holder in [ppr] + [style.element.find(f"{_W}pPr") for style in chain_styles]:
        num = holder.find(f"{_W}numPr") if holder is not None else None
        if num is not None and num.find(f"{_W}numId") is not None:
            level = num.find(f"{_W}ilvl")
            return num.find(f"{_W}numId").get(f"{_W}val"), int(level.get(f"{_W}val", "0")) if level is not None else 0
    return None


def _style_chain(style_id: str | None, styles: dict) -> list:
    """The paragraph's style and the styles it is based on (at most 10: no loops)."""
    chain = []
    style = styles.get(style_id) if style_id else None
    while style is not None and len(chain) < 10:
        chain.append(style)
        style = style.base_style
    return chain


def paragraph_to_block(p: etree._Element, styles: dict, numbering: _NoteNumbers, lists: _ListNumbers) -> Block | None:
    """A heading (by its style or outline level, with the number Word prints before it), a
    list item (numbered or list-styled) or a paragraph."""
    raw, numbers = paragraph_text(p, numbering)
    ppr = p.find(f"{_W}pPr")
    style_id = (
        ppr.find(f"{_W}pStyle").get(f"{_W}val") if ppr is not None and ppr.find(f"{_W}pStyle") is not None else None
    )
    styled = _style_chain(style_id, styles)
    num = _num_pr(ppr, styled)
    label = lists.label(*num) if num is not None else None
    text, refs = marked_text(raw, numbers)
    if not text:
        return None
    chain = [style.name or "" for style in styled] or [style_id or ""]
    kind, level = BlockKind.paragraph, None
    outline = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    for name in chain:
        m = _HEADING_STYLE.match(name)
        if m:
            kind, level = BlockKind.heading, int(m.group(1))
            break
        if name.lower() in ("title", "subtitle"):
            kind, level = BlockKind.heading, 1
            break
    if (
        kind is BlockKind.paragraph
        and outline is not None
        and (outline.get(f"{_W}val") or "9").isdigit()
        and int(outline.get(f"{_W}val")) < 9
    ):
        kind, level = BlockKind.heading, int(outline.get(f"{_W}val")) + 1
    if kind is BlockKind.paragraph and (num is not None or any(_LIST_STYLE.search(n) for n in chain)):
        kind = BlockKind.list_item
    if any(n.lower() == "caption" for n in chain):
        kind, level = BlockKind.caption, None
    if kind is BlockKind.heading and label and not text.startswith(label):
        text = f"{label} {text}"
        refs = [r.model_copy(update={"offset": r.offset + len(label) + 1}) for r in refs]
    return draft_block(kind, text, 1, level=level, footnote_refs=refs)


def docx_table_to_table(tbl: etree._Element, numbering: _NoteNumbers, table_id: str) -> Table:
    """A ``w:tbl`` as a grid: ``gridSpan`` takes several columns (the text in the first),
    a ``vMerge`` continuation repeats the text of the cell it continues (a label that
    spans rows labels each of them)."""
    cells: list[Cell] = []
    above: dict[int, Cell] = {}
    n_cols = 0
    rows = [tr for tr in tbl if tr.tag == f"{_W}tr"]
    for r, tr in enumerate(rows):
        col = 0
        for tc in tr:
            if tc.tag == f"{_W}sdt":
                tc = tc.find(f".//{_W}tc")
                if tc is None:
                    continue
            if tc.tag != f"{_W}tc":
                continue
            tcpr = tc.find(f"{_W}tcPr")
            span_el = tcpr.find(f"{_W}gridSpan") if tcpr is not None else None
            span = int(span_el.get(f"{_W}val", "1")) if span_el is not None else 1
            vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            if vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue" and col in above:
                origin = above[col]
                cell = Cell(row=r, col=col, text=origin.text, raw=origin.raw, page=1, footnote_refs=[])
            else:
                texts, numbers = [], []
                for p in tc.iter(f"{_W}p"):
                    t, n = paragraph_text(p, numbering)
                    texts.append(t)
                    numbers += n
                text, refs = marked_text(" ".join(texts), numbers)
                raw = "\n".join(re.sub(r"\s+", " ", t.replace(MARK, "")).strip() for t in texts if t.strip())
                cell = Cell(row=r, col=col, text=text, raw=raw, page=1, footnote_refs=refs)
            cells.append(cell)
            above[col] = cell
            col += span
        n_cols = max(n_cols, col)
    return Table(id=table_id, page=1, pages=[1], n_rows=len(rows), n_cols=n_cols, cells=cells, ruled=True)


def core_properties(document) -> dict[str, str]:
    """Title, author and dates of the core properties, where set."""
    props = document.core_properties
    out = {}
    for key, value in (
        ("title", props.title),
        ("author", props.author),
        ("subject", props.subject),
        ("created", props.created),
        ("modified", props.modified),
    ):
        if value:
            out[key] = value.date().isoformat() if hasattr(value, "date") else str(value).strip()
    return out


def doc_to_docx(data: bytes, path: str) -> bytes:
    """A legacy ``.doc`` converted to DOCX by LibreOffice (headless), or a clear error
    when LibreOffice is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UnsupportedFormatError(
            path,
            "a legacy Word document (.doc): LibreOffice is needed to convert it and is not "
            "installed (Debian: apt-get install libreoffice-writer); or save it as DOCX or PDF",
        )
    with tempfile.TemporaryDirectory(prefix="coi-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [
                    soffice,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    tmp,
                    str(source),
                ],
                capture_output=True,
                text=True,
                timeout=CONVERT_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise CorruptDocumentError(
                path, f"LibreOffice did not convert the .doc within {CONVERT_TIMEOUT} s"
            ) from None
        out = Path(tmp) / "input.docx"
        if done.returncode != 0 or not out.exists():
            raise CorruptDocumentError(path, f"LibreOffice could not convert the .doc: {done.stderr.strip()[:200]}")
        return out.read_bytes()
