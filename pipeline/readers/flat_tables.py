"""Tables that arrive flattened: text exported from a PDF (``pdftotext``, a copy from a web
page) keeps a table only as words and numbers separated by single spaces.

Two shapes are read:

* **Line tables**: a header line and one line per row, each row a text label followed by the
  same count of numeric cells (``2018 (Jan – Jun) 250 198 402 600``).
* **Run tables**: the whole table poured into one paragraph, often interleaved with a table
  of contents printed beside it (ACLED overviews): rows are runs of the same count of
  numbers, each after its text label; contents entries end with a page number.

A table is rebuilt only when it is unambiguous: the same count of numeric cells per row, text
labels, and (for run tables, whose rows nothing else confirms) a total row that adds up.
Otherwise the reader says why in a :class:`NotRebuilt` and leaves the text alone. Numbers are
never changed: every cell is the printed token(s).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from schemas.lang import Language

_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?")
_LETTER = re.compile(r"[^\W\d_]")
MAX_LABEL_WORDS = 8
"""A row label longer than this is running text, not a table row."""
MAX_ROW_GAP = 30
"""Words allowed between two rows of a run table (contents entries beside the table)."""
MAX_CAPTION_WORDS = 12
MAX_RUN_ROWS = 100
"""A paragraph with more rows of figures than this is not a table poured into a page."""


@dataclass(frozen=True)
class FlatRow:
    label: str
    cells: tuple[str, ...]
    """The printed cell texts (``25 916``, ``-``), one per numeric column."""


@dataclass(frozen=True)
class FlatTable:
    header: tuple[str, ...]
    """Stub header first (may be empty), then one label per numeric column."""
    rows: tuple[FlatRow, ...]
    caption: str | None = None


@dataclass(frozen=True)
class NotRebuilt:
    """A block of figures that looks like a table but cannot be rebuilt safely."""

    reason: str
    excerpt: str


# --- numbers -------------------------------------------------------------------------------


def is_number_token(token: str, lang: Language) -> bool:
    """A token that can be (part of) a numeric cell: digits (with the language's marks), or a
    nil / not-available marker (``-``, ``N/A``)."""
    low = token.lower()
    return bool(_GROUPED.fullmatch(token)) or token in lang.tables.nil or low in lang.tables.not_available


def spaces_group_thousands(tokens: list[str], lang: Language) -> bool:
    """May a space split one figure (``25 916``) here? Not when the language never does, nor
    when the block prints figures of four digits or more without a separator (``1051``)."""
    if " " not in lang.tables.thousands_separators:
        return False
    return not any(re.fullmatch(r"\d{4,}", t) for t in tokens)


def tokens_to_cells(tokens: list[str], n_cells: int, lang: Language, space_groups: bool) -> list[list[str]]:
    """Every way to read ``tokens`` (all numeric) as exactly ``n_cells`` printed cells. A cell
    is one token, or with space grouping a 1-3 digit token followed by 3-digit tokens."""
    out: list[list[str]] = []

    def walk(i: int, cells: list[str]) -> None:
        if len(out) > MAX_READINGS:
            return
        if i == len(tokens):
            if len(cells) == n_cells:
                out.append(list(cells))
            return
        if len(cells) >= n_cells:
            return
        first = tokens[i]
        cells.append(first)
        walk(i + 1, cells)
        cells.pop()
        if space_groups and re.fullmatch(r"\d{1,3}", first):
            j = i + 1
            while j < len(tokens) and re.fullmatch(r"\d{3}", tokens[j]):
                j += 1
                cells.append(" ".join(tokens[i:j]))
                walk(j, cells)
                cells.pop()

    walk(0, [])
    return out


def greedy_cells(tokens: list[str], space_groups: bool) -> list[str]:
    """Cells read by joining each 1-3 digit token with the 3-digit tokens after it."""
    cells: list[str] = []
    for token in tokens:
        if space_groups and cells and re.fullmatch(r"\d{3}", token) and re.fullmatch(r"\d{1,3}(?: \d{3})*", cells[-1]):
            cells[-1] += " " + token
        else:
            cells.append(token)
    return cells


def _value(cell: str, lang: Language) -> int | None:
    """The figure of a rebuilt cell (digits with the language's thousands separators), 0 for
    a nil marker, None otherwise. Only used to check totals while rebuilding."""
    if cell in lang.tables.nil:
        return 0
    body = cell
    for sep in lang.tables.thousands_separators:
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", body):
            body = body.replace(sep, "")
            break
    return int(body) if body.isdigit() else None


def totals_add_up(rows: list[list[str]], lang: Language, total_row: bool, total_col: bool) -> bool:
    """Do the printed totals equal the sums of the figures they total (rows and/or column)?"""
    values = [[_value(c, lang) for c in row] for row in rows]
    if any(v is None for row in values for v in row):
        return False
    if total_col and any(sum(row[:-1]) != row[-1] for row in values):
        return False
    if total_row:
        body, total = values[:-1], values[-1]
        if any(sum(row[c] for row in body) != total[c] for c in range(len(total))):
            return False
    return True


# --- header words ---------------------------------------------------------------------------


def known_headers(lang: Language) -> list[tuple[str, ...]]:
    """Column layouts printed by recurring publications (the ACLED overviews), from the
    language file: stub header first, then the numeric columns."""
    return list(lang.text_renditions.table_headers)


def header_words_to_columns(lines: list[list[str]], n_cols: int, lang: Language) -> tuple[str, ...] | None:
    """A header of ``n_cols`` numeric columns from its printed words, one list per line:
    a known layout with the same words, one word per column, or two lines wrapped column by
    column. None when the words cannot be assigned to columns."""
    words = [w for line in lines for w in line]
    for layout in known_headers(lang):
        if len(layout) == n_cols + 1 and Counter(_fold_words(" ".join(layout))) == Counter(
            _fold_words(" ".join(words))
        ):
            return layout
    last = lines[-1] if lines else []
    if len(lines) == 1 and len(last) in (n_cols, n_cols + 1):
        return tuple(([""] if len(last) == n_cols else []) + last)
    if len(lines) == 2 and len(last) == n_cols + 1 and len(lines[0]) == n_cols:
        return (last[0],) + tuple(f"{a} {b}" for a, b in zip(lines[0], last[1:], strict=False))
    return None


def _fold_words(text: str) -> list[str]:
    return [w for w in re.split(r"\s+", text.lower()) if w]


# --- line tables ------------------------------------------------------------------------------


def line_to_label_and_numbers(line: str, lang: Language) -> tuple[list[str], list[str]]:
    """Split a printed row into its label words and its trailing numeric tokens."""
    tokens = line.split()
    i = len(tokens)
    while i > 0 and is_number_token(tokens[i - 1], lang):
        i -= 1
    return tokens[:i], tokens[i:]


def lines_to_numeric_rows(lines: list[str], lang: Language) -> list[tuple[int, list[str], list[str]]]:
    """(line index, label words, numeric tokens) for every line that ends in two or more
    numeric tokens after a label that has a letter in it."""
    rows = []
    for i, line in enumerate(lines):
        label, numbers = line_to_label_and_numbers(line, lang)
        if len(numbers) >= 2 and label and _LETTER.search(" ".join(label)) and len(label) <= MAX_LABEL_WORDS:
            rows.append((i, label, numbers))
    return rows


def rows_to_table(
    header: tuple[str, ...], rows: list[tuple[list[str], list[str]]], lang: Language, caption: str | None = None
) -> FlatTable | NotRebuilt:
    """Rows of (label words, numeric tokens) under a header of k numeric columns. Each row's
    tokens must read as exactly k cells in one way only (a printed total decides between
    readings of space-grouped thousands); labels may end in numbers (``2018 (Jan – Jun)``)."""
    n = len(header) - 1
    # a year that ends a label (``January 2020``) says nothing about how figures are grouped
    all_tokens = [t for _, nums in rows for t in (nums[1:] if re.fullmatch(r"(?:19|20)\d{2}", nums[0]) else nums)]
    space_groups = spaces_group_thousands(all_tokens, lang)
    total_col = _is_total(header[-1], lang)
    choices: list[list[tuple[list[str], list[str]]]] = []
    for label, numbers in rows:
        readings = []
        for split in range(len(numbers)):
            absorbed = numbers[:split]
            if (
                absorbed
                and not (len(absorbed) == 1 and re.fullmatch(r"(?:19|20)\d{2}", absorbed[0]))
                and _LETTER.search(" ".join(label))
            ):
                continue  # a label may end in a year, not in figures
            for cells in tokens_to_cells(numbers[split:], n, lang, space_groups):
                readings.append((label + absorbed, cells))
        if len(readings) > 1 and total_col:
            readings = [r for r in readings if totals_add_up([r[1]], lang, total_row=False, total_col=True)] or readings
        if not readings:
            return NotRebuilt(f"row '{' '.join(label)}' does not read as {n} cells", " ".join(label + numbers))
        choices.append(readings)
    # rows that read one way only show each column's figures; a row whose printed total does
    # not add up is read the way closest to them (the total check then warns about it)
    sure = [c[0][1] for c in choices if len(c) == 1]
    if sure and total_col:
        widths = [sorted(len(re.sub(r"\D", "", row[col])) for row in sure)[len(sure) // 2] for col in range(n)]

        def distance(reading: tuple[list[str], list[str]]) -> int:
            return sum(
                abs(len(re.sub(r"\D", "", cell)) - w)
                for cell, w in zip(reading[1], widths, strict=False)
                if re.search(r"\d", cell)
            )

        for i, readings in enumerate(choices):
            if len(readings) > 1:
                best = min(distance(r) for r in readings)
                choices[i] = [r for r in readings if distance(r) == best]
    chosen = _one_reading(choices, lang)
    if isinstance(chosen, NotRebuilt):
        return chosen
    return FlatTable(
        header=header, rows=tuple(FlatRow(" ".join(words), tuple(cells)) for words, cells in chosen), caption=caption
    )


MAX_READINGS = 5000
"""Most combinations of row readings a total row is asked to decide between."""


def _one_reading(
    choices: list[list[tuple[list[str], list[str]]]], lang: Language
) -> list[tuple[list[str], list[str]]] | NotRebuilt:
    """One reading per row: the only one, or, where rows read in several ways (``312 481 324
    920`` as two cells), the only combination whose total row adds up."""
    ambiguous = [i for i, c in enumerate(choices) if len(c) > 1]
    if not ambiguous:
        return [c[0] for c in choices]
    first = choices[ambiguous[0]][0]
    excerpt = " ".join(first[0] + first[1])
    combos = 1
    for c in choices:
        combos *= len(c)
    if not _is_total(" ".join(choices[-1][0][0]), lang) or combos > MAX_READINGS:
        return NotRebuilt(
            f"row '{' '.join(choices[ambiguous[0]][0][0])}' reads as {len(choices[ambiguous[0]])} different sets of cells and no total row decides",
            excerpt,
        )
    from itertools import product

    fits = [
        combo
        for combo in product(*choices)
        if totals_add_up([cells for _, cells in combo], lang, total_row=True, total_col=False)
    ]
    if len(fits) != 1:
        return NotRebuilt(f"the rows read in {len(fits) or 'no'} ways that the total row confirms", excerpt)
    return list(fits[0])


def _is_total(label: str, lang: Language) -> bool:
    return re.sub(r"\s+", " ", label).strip().lower() in lang.tables.total


def merge_wrapped_labels(lines: list[str], lang: Language) -> tuple[list[str], list[int]]:
    """Lines with a row label wrapped above its figures (``January`` / ``2020`` / ``20 437 …``)
    joined into one; with, for each merged line, the index of its last original line."""
    out: list[str] = []
    ends: list[int] = []
    for i, line in enumerate(lines):
        tokens = line.split()
        numeric_only = len(tokens) >= 2 and all(is_number_token(t, lang) for t in tokens)
        if numeric_only:
            take = 0
            while (
                take < min(2, len(out))
                and len(out[-1 - take].split()) <= 2
                and not lines_to_numeric_rows([out[-1 - take]], lang)
            ):
                take += 1
            labels = out[len(out) - take :]
            if take and _LETTER.search(" ".join(labels)):
                del out[len(out) - take :]
                del ends[len(ends) - take :]
                line = " ".join([*(label.strip() for label in labels), line.strip()])
        out.append(line)
        ends.append(i)
    return out, ends


def lines_to_flat_table(lines: list[str], lang: Language) -> tuple[int, int, FlatTable | NotRebuilt] | None:
    """The first line table in a chunk's lines: (first line, end line, table or reason).
    Needs a header line (or two) above at least two rows with the same count of tokens;
    a row label wrapped above its figures is joined to them first."""
    merged, ends = merge_wrapped_labels(lines, lang)
    found = _merged_lines_to_flat_table(merged, lang)
    if found is None:
        return None
    start, end, table = found
    first = ends[start - 1] + 1 if start else 0
    return first, ends[end - 1] + 1, table


def _merged_lines_to_flat_table(lines: list[str], lang: Language) -> tuple[int, int, FlatTable | NotRebuilt] | None:
    rows = lines_to_numeric_rows(lines, lang)
    if len(rows) < 2:
        return None
    # the longest run of consecutive lines that are rows
    runs: list[list[tuple[int, list[str], list[str]]]] = []
    for row in rows:
        if runs and row[0] == runs[-1][-1][0] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    run = max(runs, key=len)
    if len(run) < 2:
        return None
    first = run[0][0]
    widths = Counter(len(nums) for _, _, nums in run)
    header_lines: list[list[str]] = []
    for i in (first - 1, first - 2):
        if i >= 0 and not lines_to_numeric_rows([lines[i]], lang) and len(lines[i].split()) <= 3 * max(widths) + 2:
            header_lines.insert(0, lines[i].split())
        else:
            break
    start = first - len(header_lines)
    end = run[-1][0] + 1
    excerpt = " / ".join(lines[start:end])[:120]
    if not header_lines:
        return start, end, NotRebuilt("no header line above the rows", excerpt)
    reasons: list[NotRebuilt] = []
    for k in dict.fromkeys(
        [len(header_lines[-1]) - 1, len(header_lines[-1]), *(len(h) - 1 for h in known_headers(lang))]
    ):
        header = header_words_to_columns(header_lines, k, lang) if k >= 2 else None
        if header is None or any(len(nums) < k for _, _, nums in run):
            continue
        table = rows_to_table(header, [(label, nums) for _, label, nums in run], lang)
        if isinstance(table, FlatTable):
            return start, end, table
        reasons.append(table)
    if len(header_lines) == 2:
        # the header may be one of two lines only
        found = _merged_lines_to_flat_table(lines[first - 1 :], lang)
        if found is not None and (isinstance(found[2], FlatTable) or not reasons):
            return found[0] + first - 1, found[1] + first - 1, found[2]
    if reasons:
        return start, end, reasons[0]
    return start, end, NotRebuilt("header words cannot be assigned to the numeric columns", excerpt)


# --- run tables (a table poured into a paragraph) ----------------------------------------------


@dataclass(frozen=True)
class RunTable:
    start: int
    """Character offset in the paragraph where the table (with its caption) begins."""
    end: int
    table: FlatTable


def _phrase_printed_elsewhere(phrase: str, document: str) -> bool:
    folded = " ".join(phrase.split())
    if len(folded) < 4:
        return False
    first = document.find(folded)
    return first >= 0 and document.find(folded, first + 1) >= 0


def paragraph_to_run_table(text: str, lang: Language, document: str) -> RunTable | NotRebuilt | None:
    """A table poured into one paragraph (see the module doc). ``document`` is the whole
    text, whitespace-folded, where the titles of contents entries are printed again."""
    spans = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
    tokens = [s[2] for s in spans]
    numeric = [bool(_DIGITS.fullmatch(t) or _GROUPED.fullmatch(t) and re.search(r"\d[.,]\d{3}$", t)) for t in tokens]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if numeric[i]:
            j = i
            while j < len(tokens) and numeric[j]:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    lengths = Counter(b - a for a, b in runs if b - a >= 2)
    if not lengths:
        return None
    k, count = max(lengths.items(), key=lambda kv: (kv[1], kv[0]))
    if count < 3:
        return None
    # rows: runs of k numbers (a longer run may carry contents page numbers in front)
    chains: list[list[tuple[int, int]]] = []
    broken = True  # a longer run of figures stands between the last row and the next
    for a, b in runs:
        if b - a > k + 1:
            broken = True
        elif b - a >= k:
            run = (max(a, b - k), b)
            if chains and not broken and run[0] - chains[-1][-1][1] <= MAX_ROW_GAP:
                chains[-1].append(run)
            else:
                chains.append([run])
            broken = False
    chain = max(chains, key=len)
    if len(chain) < 3 or len(chain) > MAX_RUN_ROWS:
        return None
    run_tokens = [tokens[i] for a, b in chain for i in range(a, b)]
    if spaces_group_thousands(run_tokens, lang) and sum(
        len(greedy_cells(tokens[a:b], True)) == 1 for a, b in chain
    ) * 2 >= len(chain):
        return None  # figures in running text printed with a space between thousands (``12 438``)
    excerpt = " ".join(tokens[chain[0][0] : chain[-1][1]])[:120]
    # contents entries: a title printed elsewhere in the document, then a page number
    toc = [False] * len(tokens)
    boundary = [False] * len(tokens)
    in_row = {i for a, b in chain for i in range(a, b)}
    in_chain = set(chain)
    near = [(a, b) for a, b in runs if chain[0][0] - 4 * MAX_ROW_GAP <= a < chain[-1][1]]
    for a, b in near:
        candidates = [b - 1] if b - a < k or (a, b) not in in_chain else []
        candidates += [i for i in range(a, b) if i < b - k and b - a > k]
        for p in candidates:
            if p in in_row or not re.fullmatch(r"\d{1,3}", tokens[p]):
                continue
            toc[p] = boundary[p] = True
            for length in range(min(14, p), 0, -1):
                phrase = tokens[p - length : p]
                if (
                    any(i in in_row for i in range(p - length, p))
                    or not phrase[0][:1].isupper()
                    or not _LETTER.search(phrase[0])
                ):
                    continue
                if _phrase_printed_elsewhere(" ".join(phrase), document):
                    for i in range(p - length, p):
                        toc[i] = True
                    break
    # labels
    labels: list[list[str]] = []
    tails: list[list[str]] = [[] for _ in chain]
    for n_row, (a, _b) in enumerate(chain):
        prev_end = chain[n_row - 1][1] if n_row else 0
        segments: list[list[str]] = [[]]
        for i in range(prev_end, a):
            if boundary[i]:
                segments.append([])
            elif not toc[i]:
                segments[-1].append(tokens[i])
        segments = [s for s in segments if s] or [[]]
        if n_row and len(segments) >= 2 and segments[0][0][:1].islower():
            tails[n_row - 1] = segments[0]  # the second line of a wrapped label, printed after the figures
            segments = segments[1:]
        labels.append(segments[-1] if n_row else [t for i, t in enumerate(tokens[:a]) if not toc[i]])
    rows = [[tokens[i] for i in range(a, b)] for a, b in chain]
    # the header (a known layout) stands right before the first row's label
    items = [-1 if boundary[i] else i for i in range(chain[0][0]) if boundary[i] or not toc[i]]
    found = first_row_header(items, tokens, k, lang)
    if found is None:
        return NotRebuilt(
            f"{len(chain)} rows of {k} figures, but the header words match no known column layout", excerpt
        )
    header, header_start, label0 = found
    labels[0] = label0
    labels = [label + tail for label, tail in zip(labels, tails, strict=False)]
    if any(not lab or not _LETTER.search(" ".join(lab)) or len(lab) > MAX_LABEL_WORDS for lab in labels):
        return NotRebuilt(f"a row of {k} figures has no text label", excerpt)
    if not _is_total(" ".join(labels[-1]), lang):
        return NotRebuilt(f"{len(chain)} rows of {k} figures but no total row to confirm them", excerpt)
    if not totals_add_up(rows, lang, total_row=True, total_col=False):
        return NotRebuilt("the total row does not add up, so the rows cannot be confirmed", excerpt)
    # caption: the short title right before the header, and a note on the table right after
    start_tok = header_start
    caption_words: list[str] = []
    contents = {w.lower() for w in lang.text_renditions.contents_headings}
    i = header_start - 1
    while i >= 0 and len(caption_words) < MAX_CAPTION_WORDS:
        if toc[i]:
            i -= 1
            continue
        t = tokens[i]
        if t.lower() in contents or t.endswith((".", ":", ";", ")")) or t.isupper() or _DIGITS.fullmatch(t):
            break
        caption_words.insert(0, t)
        start_tok = i
        i -= 1
    if len(caption_words) >= MAX_CAPTION_WORDS:
        caption_words, start_tok = [], header_start
    end_tok = chain[-1][1]
    note_start = _table_note(tokens, end_tok, lang)
    if note_start is not None:
        j = note_start
        while j < len(tokens) and not (re.search(r"[.!?]$", tokens[j]) and not re.fullmatch(r"\d{1,2}\.", tokens[j])):
            j += 1
        caption_words += tokens[note_start : j + 1]
        end_tok = min(j + 1, len(tokens))
    table = FlatTable(
        header=header,
        rows=tuple(FlatRow(" ".join(lab), tuple(r)) for lab, r in zip(labels, rows, strict=False)),
        caption=" ".join(caption_words) or None,
    )
    return RunTable(start=spans[start_tok][0], end=spans[end_tok - 1][1], table=table)


def first_row_header(
    items: list[int], tokens: list[str], k: int, lang: Language
) -> tuple[tuple[str, ...], int, list[str]] | None:
    """(layout, index of its first word, first row's label) for the words before a run
    table's first row. ``items`` are token indices, -1 where a contents entry's page number
    stood. The header is a known layout whose words fill a window right before the label;
    a window may also hold what is left of a contents entry whose title was not printed
    elsewhere (a capitalised tail of a line, right before a page number)."""
    while items and items[-1] == -1:
        items = items[:-1]
    for layout in known_headers(lang):
        if len(layout) != k + 1:
            continue
        want = Counter(_fold_words(" ".join(layout)))
        size = sum(want.values())
        for n_label in range(1, MAX_LABEL_WORDS + 1):
            label_items = items[len(items) - n_label :]
            if len(label_items) < n_label or -1 in label_items:
                break
            end = len(items) - n_label
            for start in range(end - 1, max(-1, end - size - 40), -1):
                if items[start] == -1:
                    continue
                window = items[start:end]
                have = Counter(tokens[i].lower() for i in window if i >= 0)
                if sum(have.values()) < size or have & want != want:
                    continue
                if _leftovers_fit(window, tokens, have - want):
                    return layout, items[start], [tokens[i] for i in label_items]
    return None


def _leftovers_fit(window: list[int], tokens: list[str], extra: Counter) -> bool:
    """Can ``extra`` be covered exactly by one capitalised tail per line that ends at a
    page number (-1) in ``window``? A search over the tail length of each line, which met
    again the same line with the same words left to cover (answered once, from a cache) and
    went on down lines that no longer held those words (cut short): without either, a window
    of a few dozen contents lines took a quarter of a second."""
    segments: list[list[int]] = [[]]
    for i in window:
        if i == -1:
            segments.append([])
        else:
            segments[-1].append(i)
    closed = segments[:-1]  # only a segment followed by a page number can end a contents entry
    held = [Counter()]  # held[n]: the words of closed[n:]
    for seg in reversed(closed):
        held.append(held[-1] + Counter(tokens[i].lower() for i in seg))
    held.reverse()

    @cache
    def cover(n: int, left: tuple[tuple[str, int], ...]) -> bool:
        if not left:
            return True
        need = Counter(dict(left))
        if need & held[n] != need:  # the lines from n on lack some of the words (none left: n == len(closed))
            return False
        seg = closed[n]
        for length in range(len(seg) + 1):
            tail = [tokens[i] for i in seg[len(seg) - length :]]
            if length and not tail[0][:1].isupper():
                continue
            used = Counter(t.lower() for t in tail)
            if used & need == used and cover(n + 1, _words_key(need - used)):
                return True
        return False

    return cover(0, _words_key(extra))


def _words_key(words: Counter) -> tuple[tuple[str, int], ...]:
    """A multiset of words as a hashable key: its words with a positive count, sorted."""
    return tuple(sorted((+words).items()))


def _table_note(tokens: list[str], after: int, lang: Language, window: int = 6) -> int | None:
    """Index of a note on the table (``This table is based on …``) starting within a few
    words after it, or None."""
    notes = [_fold_words(n) for n in lang.text_renditions.table_notes]
    for i in range(after, min(after + window, len(tokens))):
        for note in notes:
            if [t.lower() for t in tokens[i : i + len(note)]] == note:
                return i
    return None


# --- label tables (a two-column cover table printed line by line) --------------------------------


def lines_to_label_rows(
    lines: list[str], lang: Language, min_rows: int = 3
) -> tuple[int, int, list[tuple[str, str]]] | None:
    """(first line, end line, [(label, value)]) for a cover table flattened to lines: each
    row starts with a label of the language file's ``metadata_labels`` and its value may
    wrap over the next lines; a short title line (``Disclaimer``) ends it. None when fewer
    than ``min_rows`` labels start lines near the top."""
    from pipeline.readers.textutil import looks_like_heading

    labels = sorted({label for _, ls in lang.metadata_labels.items() for label in ls}, key=len, reverse=True)
    rows: list[tuple[str, str]] = []
    start = end = None
    for i, line in enumerate(lines):
        text = line.strip()
        low = text.lower()
        label = next(
            (x for x in labels if low.startswith(x) and (len(low) == len(x) or not low[len(x)].isalnum())), None
        )
        if label:
            if start is None:
                if i > 3:
                    return None
                start = i
            rows.append((text[: len(label)], text[len(label) :].strip()))
            end = i + 1
        elif rows:
            if looks_like_heading(text) and len(text.split()) <= 4 and not re.search(r"\d", text):
                break
            rows[-1] = (rows[-1][0], f"{rows[-1][1]} {text}".strip())
            end = i + 1
    if len(rows) < min_rows or start is None:
        return None
    return start, end, rows


# --- chart labels run into a sentence ------------------------------------------------------------

MIN_TICKS = 3
"""Evenly spaced numbers in a row that read as a chart's axis (``0 50 100 150``)."""


def chart_labels_end(text: str, lang: Language, max_title_words: int = 6) -> int:
    """Where the labels of a chart that a text export ran into the start of a paragraph end
    (``Fatalities by month 0 50 100 150 Jan Feb Mar In March, …``), or 0 when there are
    none: a short title, evenly spaced axis ticks, optional category labels (months,
    quarters, years), then a capital that starts the sentence."""
    spans = [(m.start(), m.group()) for m in re.finditer(r"\S+", text[:2000])]
    tokens = [t for _, t in spans]
    for title in range(max_title_words + 1):
        if title > len(tokens) or title and re.search(r"\d", tokens[title - 1]):
            break  # the title is words only
        i = title
        ticks = []
        while i < len(tokens) and re.fullmatch(r"\d{1,7}", tokens[i]):
            ticks.append(int(tokens[i]))
            i += 1
        steps = {b - a for a, b in pairwise(ticks)}
        if len(ticks) < MIN_TICKS or len(steps) != 1 or steps.pop() <= 0:
            continue
        while i < len(tokens) and (lang.month_number(tokens[i]) or re.fullmatch(r"Q[1-4]|(?:19|20)\d{2}", tokens[i])):
            i += 1
        if i < len(tokens) and tokens[i][:1].isupper():
            return spans[i][0]
    return 0
