"""Web pages (HTML) into draft pages: the main content only, its structure kept.

A saved ecoi.net, ReliefWeb or UN page is mostly furniture: navigation, cookie banners,
related links, footers. lxml parses the page (entities never resolved, nothing fetched);
the furniture is dropped by what it is (``<nav>``, ``<aside>``, ARIA landmarks, class and
id names such as ``cookie`` or ``breadcrumb``), and the main content is ``<main>``/
``<article>``/``role=main`` when the page marks it, else the element that holds most of
the page's running text. Its blocks keep their kind (``h1``-``h6`` headings, paragraphs,
list items, ``<table>`` with ``rowspan``/``colspan`` resolved) and a CSS path as locator.

Footnote markers are ``<sup>`` numbers and in-page links (``<a href="#fn3">``) to a note;
the notes (wherever the page prints them) become footnote blocks, numbered as their markers.
A page with no main text (a ``404`` page, a login wall) is refused as
:class:`~schemas.errors.NotAReportError`.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.readers.structured import MARK, NestingTooDeepError, Read, marked_text
from pipeline.readers.text import table_to_block
from pipeline.readers.textutil import draft_block
from schemas.document import Block, BlockKind, Cell, Page, Table
from schemas.errors import NotAReportError

MIN_MAIN_WORDS = 40
"""Main content with fewer words than this is no report (an error page, a cookie wall)."""

MAIN_SHARE = 0.75
"""Descend from ``<body>`` into a child while it holds at least this share of the text."""

_DROP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "nav",
    "aside",
    "dialog",
    "menu",
    "head",
    "link",
    "meta",
}
_DROP_ROLES = {
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
}
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:cookie|consent|gdpr|banner|navbar|nav|menu|breadcrumbs?|related|share|sharing|social|"
    r"sidebar|newsletter|subscribe|advert|ads?|promo|skip|popup|modal|site-header|site-footer|masthead|"
    r"pagination|toolbar|print-links)(?:$|[\s_-])",
    re.I,
)
_BLOCK_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "table",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "figcaption",
    "caption",
    "address",
    "div",
    "section",
    "article",
    "main",
    "ul",
    "ol",
    "dl",
    "figure",
    "header",
    "footer",
    "hr",
    "body",
    "details",
    "summary",
    "center",
    "fieldset",
}
_HEADING = re.compile(r"^h([1-6])$")
_NUMBER = re.compile(r"^\s*\[?\(?(\d{1,4})\)?\]?\s*$")
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "citation_publication_date",
    "citation_date",
    "dc.date",
    "dcterms.date",
    "dcterms.issued",
    "dc.date.issued",
    "date",
    "pubdate",
    "publication_date",
    "datepublished",
)


def html_to_pages(data: bytes, path: str) -> Read:
    """A web page as one draft page of main-content blocks, footnotes last, and its
    title, publication date and URL."""
    root = parse_html(data, path)
    properties = page_properties(root)
    notes = footnote_targets(root)
    drop_furniture(root, notes)
    main = main_content(root)
    if main is None:
        raise NotAReportError(
            path, f"not a report: it is {_page_name(properties)} with no main content (an error or index page?)"
        )
    blocks, numbers = element_to_blocks(main, notes)
    for note_id, element in notes.items():
        number = numbers.get(note_id) or _printed_number(element)
        if number is None:
            continue
        raw, inner = inline_text(element, notes, numbers, skip_backlinks=True)
        text, refs = marked_text(re.sub(rf"^\s*\[?{number}\]?[.)]?\s+", "", raw), inner)
        if text:
            blocks.append(
                draft_block(
                    BlockKind.footnote,
                    text,
                    1,
                    footnote_number=number,
                    footnote_refs=refs,
                    locator=css_path(element),
                )
            )
    words = sum(len(b.text.split()) for b in blocks if b.kind is not BlockKind.footnote)
    if words < MIN_MAIN_WORDS:
        raise NotAReportError(
            path,
            f"not a report: it is {_page_name(properties)} with {words} word(s) of main content, "
            f"fewer than {MIN_MAIN_WORDS} (an error or index page?)",
        )
    plain = "\n".join(b.text for b in blocks)
    return Read(pages=[Page(number=1, blocks=blocks)], text=plain, properties=properties)


def _page_name(properties: dict[str, str]) -> str:
    title = properties.get("title")
    return "an HTML page" + (f" titled '{title}'" if title else "")


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def page_encoding(data: bytes) -> str:
    """How the page's bytes are encoded: a byte-order mark, else the ``<meta>`` charset,
    else UTF-8 when the bytes are valid UTF-8 (most pages today), else Windows-1252."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return codec
    declared = _CHARSET.search(data[:4096])
    if declared:
        import codecs

        try:
            return codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            pass
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def parse_html(data: bytes, path: str) -> etree._Element:
    """The page's tree; a page nested deeper than the parser follows is refused, since the
    parser would drop all that stands below that depth without a word."""
    parser = etree.HTMLParser(
        encoding=page_encoding(data), no_network=True, remove_comments=True, remove_pis=True, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, ValueError) as exc:
        raise NotAReportError(path, f"not a report: the web page cannot be parsed ({exc})") from None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        raise NestingTooDeepError(
            path,
            "the web page is nested deeper than 255 elements: the parser would silently "
            "drop what stands below that depth",
            "html_depth",
        )
    if root is None:
        raise NotAReportError(path, "not a report: the web page is empty")
    return root


def page_properties(root: etree._Element) -> dict[str, str]:
    """``title``, ``published`` and ``url`` from ``<meta>``, ``<link rel=canonical>``, ``<time>``."""
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        if key and el.get("content") and key not in meta:
            meta[key] = el.get("content").strip()
    out: dict[str, str] = {}
    title = (
        meta.get("og:title")
        or meta.get("citation_title")
        or meta.get("dc.title")
        or "".join(root.findtext(".//title") or "").strip()
    )
    if title:
        out["title"] = re.sub(r"\s+", " ", title)
    date = next((meta[k] for k in _DATE_META if meta.get(k)), None)
    if date is None:
        stamp = next((t.get("datetime") for t in root.iter("time") if t.get("datetime")), None)
        date = stamp
    if date:
        out["published"] = date
    canonical = next(
        (link.get("href") for link in root.iter("link") if "canonical" in (link.get("rel") or "").lower().split()), None
    )
    url = canonical or meta.get("og:url")
    if url:
        out["url"] = url.strip()
    author = meta.get("author") or meta.get("citation_author") or meta.get("dc.creator")
    if author:
        out["author"] = author
    return out


def footnote_targets(root: etree._Element) -> dict[str, etree._Element]:
    """Id → element of every note an in-page link points at, down the page, from a footnote
    marker (a link whose text is a number, raised or named like a note)."""
    by_id: dict[str, etree._Element] = {}
    for el in root.iter():
        if isinstance(el.tag, str):
            for key in (el.get("id"), el.get("name") if el.tag == "a" else None):  # Word's HTML anchors by name
                if key:
                    by_id.setdefault(key, el)
    position = {el: i for i, el in enumerate(root.iter())}
    notes: dict[str, etree._Element] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href.startswith("#") or len(href) < 2:
            continue
        target = by_id.get(href[1:])
        if target is None or position[target] < position[a] or not _is_marker_link(a):
            continue  # a note's link back to its marker points up the page
        note = target
        if note.tag in ("a", "span", "sup") and note.getparent() is not None:
            note = note.getparent()  # an anchor inside the note: the note is its parent
        notes.setdefault(href[1:], note)
    return notes


_NOTE_NAME = re.compile(r"fn|ftn|edn|note|foot|endn|cite", re.I)


def _is_marker_link(a: etree._Element) -> bool:
    """A link whose text is a number, raised (``<sup>``) or named like a note
    (``#fn3``, Word's ``#_ftn3``, ``class="footnote-ref"``)."""
    text = "".join(a.itertext()).strip()
    in_sup = a.getparent() is not None and a.getparent().tag == "sup" or a.find(".//sup") is not None
    names = f"{a.get('href') or ''} {a.get('class') or ''} " + " ".join(
        d.get("class") or "" for d in a.iter() if isinstance(d.tag, str)
    )
    return bool(_NUMBER.match(text)) and (in_sup or bool(_NOTE_NAME.search(names)))


def _printed_number(note: etree._Element) -> int | None:
    """The number a note no marker in the main content points at prints: its own leading
    number, or its place in an ``<ol>``."""
    m = re.match(r"\s*\[?(\d{1,4})[.)\]]?\s", "".join(note.itertext()))
    if m:
        return int(m.group(1))
    parent = note.getparent()
    if note.tag == "li" and parent is not None and parent.tag == "ol":
        return [c for c in parent if c.tag == "li"].index(note) + int(parent.get("start", "1") or 1)
    return None


def drop_furniture(root: etree._Element, notes: dict[str, etree._Element]) -> None:
    """Remove navigation, banners, related links and footers (never an element that holds a footnote)."""
    keep = {holder for note in notes.values() for holder in (note, *note.iterancestors())}
    doomed = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            doomed.append(el)
            continue
        role = (el.get("role") or "").lower()
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if (
            el.tag in _DROP_TAGS
            or role in _DROP_ROLES
            or (el.tag not in ("body", "html", "main", "article") and _FURNITURE.search(names))
        ):
            doomed.append(el)
        elif el.tag in ("header", "footer") and not any(a.tag in ("article", "main") for a in el.iterancestors()):
            doomed.append(el)
    for el in doomed:
        if el not in keep and el.getparent() is not None:
            _remove_keep_tail(el)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _remove_keep_tail(el: etree._Element) -> None:
    """Remove ``el`` but keep the text that follows it (control characters, which lxml
    parses but will not set, are dropped)."""
    parent = el.getparent()
    if el.tail:
        el.tail = _CONTROL.sub("", el.tail)
        previous = el.getprevious()
        if previous is not None:
            previous.tail = _CONTROL.sub("", previous.tail or "") + el.tail
        else:
            parent.text = _CONTROL.sub("", parent.text or "") + el.tail
    parent.remove(el)


def _text_length(el: etree._Element) -> int:
    return sum(len(t.strip()) for t in el.itertext())


def main_content(root: etree._Element) -> etree._Element | None:
    """``<main>``, ``role=main`` or the longest ``<article>``; else, from ``<body>`` down,
    the child that holds most (:data:`MAIN_SHARE`) of the text while one does."""
    marked = root.findall(".//main") + [
        el for el in root.iter() if isinstance(el.tag, str) and (el.get("role") or "").lower() == "main"
    ]
    if not marked:
        marked = root.findall(".//article")
    if marked:
        return max(marked, key=_text_length)
    body = root.find(".//body")
    node = body if body is not None else root
    total = _text_length(node)
    if total == 0:
        return None
    while True:
        children = [c for c in node if isinstance(c.tag, str)]
        best = max(children, key=_text_length, default=None)
        if best is None or _text_length(best) < MAIN_SHARE * total or best.tag in ("p", "table", "ul", "ol"):
            return node
        node = best


def css_path(el: etree._Element) -> str:
    """``main > article > p:nth-of-type(3)``: where the element stands in the page."""
    parts = []
    while el is not None and isinstance(el.tag, str) and el.tag not in ("html",):
        parent = el.getparent()
        if el.get("id") and re.fullmatch(r"[A-Za-z][\w-]*", el.get("id")):
            parts.append(f"{el.tag}#{el.get('id')}")
            break
        if parent is not None:
            same = [s for s in parent if s.tag == el.tag]
            parts.append(el.tag if len(same) == 1 else f"{el.tag}:nth-of-type({same.index(el) + 1})")
        else:
            parts.append(el.tag)
        el = parent
    return " > ".join(reversed(parts))


def inline_text(
    el: etree._Element,
    notes: dict[str, etree._Element],
    numbers: dict[str, int],
    skip_backlinks: bool = False,
    stop_at_blocks: bool = False,
) -> tuple[str, list[int]]:
    """The raw text of ``el`` with a :data:`MARK` for each footnote marker (a ``<sup>``
    number or an in-page link to a note) and the markers' numbers."""
    parts: list[str] = []
    found: list[int] = []

    def visit(node: etree._Element, top: bool) -> None:
        if not top:
            tag = node.tag if isinstance(node.tag, str) else ""
            marker = _marker_number(node, notes, numbers)
            if marker is not None:
                parts.append(MARK)
                found.append(marker)
                return
            if skip_backlinks and tag == "a" and (node.get("href") or "").startswith("#"):
                return  # the way back to the marker (``↩``, or the note's own number as a link)
            if tag == "br":
                parts.append(" ")
            elif tag in ("td", "th", "li", "p", "div"):
                parts.append(" ")
            if stop_at_blocks and tag in _BLOCK_TAGS:
                return
            if tag in _DROP_TAGS or node.get("id") in notes:
                return
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            visit(child, False)
            if child.tail:
                parts.append(child.tail)

    visit(el, True)
    return "".join(parts), found


def _marker_number(node: etree._Element, notes: dict[str, etree._Element], numbers: dict[str, int]) -> int | None:
    """The number of a footnote marker: ``<sup>3</sup>``, ``<sup><a href="#fn3">3</a></sup>``,
    ``<a href="#fn3"><sup>[3]</sup></a>``; the number printed is the note's number."""
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag not in ("sup", "a"):
        return None
    text = "".join(node.itertext())
    m = _NUMBER.match(text)
    if not m:
        return None
    link = node if tag == "a" else node.find(".//a")
    if link is not None:
        href = (link.get("href") or "").strip()
        if href.startswith("#") and href[1:] in notes:
            numbers.setdefault(href[1:], int(m.group(1)))
            return int(m.group(1))
        if tag == "a":
            return None
    return int(m.group(1)) if tag == "sup" else None


def element_to_blocks(root: etree._Element, notes: dict[str, etree._Element]) -> tuple[list[Block], dict[str, int]]:
    """Blocks of the main content in document order, and the number each note's marker
    prints. Inline content between block elements (text straight inside a ``<div>``)
    becomes a paragraph of its own; the element holding the notes is left to the caller."""
    blocks: list[Block] = []
    numbers: dict[str, int] = {}
    note_text: dict[etree._Element, int] = {}
    for note in notes.values():
        size = _text_length(note)
        for holder in (note, *note.iterancestors()):
            note_text[holder] = note_text.get(holder, 0) + size
    n_tables = 0

    def emit(kind: BlockKind, raw: str, found: list[int], where: etree._Element, level: int | None = None) -> None:
        text, refs = marked_text(raw, found)
        if text:
            blocks.append(
                draft_block(
                    kind,
                    text,
                    1,
                    level=level,
                    footnote_refs=refs,
                    locator=css_path(where),
                )
            )

    def holds_only_notes(el: etree._Element) -> bool:
        return el in note_text and note_text[el] >= 0.8 * _text_length(el)

    def flow(container: etree._Element, children: list[etree._Element], text: str) -> None:
        pending: list[str] = [text]
        found: list[int] = []

        def flush() -> None:
            raw = "".join(pending)
            if raw.strip():
                emit(BlockKind.paragraph, raw, list(found), container)
            pending.clear()
            found.clear()

        for child in children:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and holds_only_notes(child):
                flush()
            elif tag not in _BLOCK_TAGS:
                raw, inner = inline_text(child, notes, numbers)
                pending.append(raw)
                found.extend(inner)
            else:
                flush()
                block_to_blocks(child, tag)
            pending.append(child.tail or "")
        flush()

    def block_to_blocks(child: etree._Element, tag: str) -> None:
        nonlocal n_tables
        heading = _HEADING.match(tag)
        if heading:
            raw, inner = inline_text(child, notes, numbers)
            emit(BlockKind.heading, raw, inner, child, int(heading.group(1)))
        elif tag == "table":
            n_tables += 1
            caption = child.find("caption")
            if caption is not None:
                raw, inner = inline_text(caption, notes, numbers)
                emit(BlockKind.caption, raw, inner, caption)
            table = html_table_to_table(child, notes, numbers, f"t{n_tables}")
            if table.cells:
                blocks.append(table_to_block(table, 1, locator=css_path(child)))
        elif tag == "li":
            raw, inner = inline_text(child, notes, numbers, stop_at_blocks=True)
            emit(BlockKind.list_item, raw, inner, child)
            nested = [c for c in child if isinstance(c.tag, str) and c.tag in _BLOCK_TAGS]
            if nested:
                flow(child, nested, "")
        elif tag in ("p", "blockquote", "pre", "dd", "dt", "address", "figcaption", "summary") and not _has_blocks(
            child
        ):
            raw, inner = inline_text(child, notes, numbers)
            emit(BlockKind.caption if tag == "figcaption" else BlockKind.paragraph, raw, inner, child)
        elif tag != "hr":
            flow(child, list(child), child.text or "")

    flow(root, list(root), root.text or "")
    return blocks, numbers


def _has_blocks(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el)


def html_table_to_table(
    table: etree._Element, notes: dict[str, etree._Element], numbers: dict[str, int], table_id: str
) -> Table:
    """An HTML table as a grid: a ``rowspan`` repeats its text down the rows it spans (a
    label of several rows labels each), a ``colspan`` takes its columns with the text in
    the first, and a header cell's ``colspan`` repeats across them."""
    rows = [tr for tr in table.iter("tr") if _own_table(tr, table)]
    taken: dict[tuple[int, int], Cell] = {}
    cells: list[Cell] = []
    n_cols = 0
    for r, tr in enumerate(rows):
        col = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, col) in taken:
                col += 1
            raw, found = inline_text(td, notes, numbers)
            text, refs = marked_text(raw, found)
            rowspan = _span(td.get("rowspan"))
            colspan = _span(td.get("colspan"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    if r + dr >= len(rows):
                        continue
                    repeat = dc == 0 or td.tag == "th"
                    cell = Cell(
                        row=r + dr,
                        col=col + dc,
                        text=text if repeat else "",
                        raw=raw.replace(MARK, "").strip() if repeat else "",
                        page=1,
                        footnote_refs=refs if (dr, dc) == (0, 0) else [],
                    )
                    taken[(r + dr, col + dc)] = cell
            col += colspan
            n_cols = max(n_cols, col)
    for (_, _), cell in sorted(taken.items()):
        cells.append(cell)
    caption = table.find("caption")
    return Table(
        id=table_id,
        page=1,
        pages=[1],
        n_rows=len(rows),
        n_cols=n_cols,
        cells=cells,
        ruled=True,
        caption=re.sub(r"\s+", " ", "".join(caption.itertext())).strip() if caption is not None else None,
    )


def _own_table(tr: etree._Element, table: etree._Element) -> bool:
    ancestor = tr.getparent()
    while ancestor is not None and ancestor.tag != "table":
        ancestor = ancestor.getparent()
    return ancestor is table


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
