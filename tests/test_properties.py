"""Property-based tests: the parsers never raise on arbitrary text and round-trip what they print."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.dates import parse_date, parse_interval
from extractors.quantities import find_quantities
from extractors.tables import parse_number
from pipeline.readers.detect import sniff
from pipeline.readers.text import pipe_table, text_to_pages
from schemas import lang
from schemas.errors import IngestError

EN = lang.load("en")
MONTHS = [m.capitalize() for m in EN.months]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_parsers_never_raise(text):
    parse_number(text, EN)
    find_quantities(text, EN)
    parse_date(text, EN, 2020)
    parse_interval(text, EN)


@FAST
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([" ", "\u00a0", "\u202f", ","]))
def test_numbers_round_trip(n, sep):
    printed = f"{n:,}".replace(",", sep)
    assert parse_number(printed, EN).value == n
    (q,) = find_quantities(f"there were {printed} people", EN) or [None]
    assert q is not None and q.count.min == n  # a year-like figure before "people" is a figure too


@FAST
@given(st.integers(min_value=1, max_value=5000), st.sampled_from(["at least", "more than", "around", "some", "up to"]))
def test_qualified_figures_round_trip(n, qualifier):
    (q,) = find_quantities(f"{qualifier} {n} civilians were killed", EN)
    expected = {"at least": (n, None), "more than": (n + 1, None), "around": (n, n), "some": (n, n), "up to": (None, n)}
    assert (q.count.min, q.count.max) == expected[qualifier]


@FAST
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_dates_round_trip(day):
    printed = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    assert parse_date(printed, EN).iso == day.isoformat()
    assert parse_date(f"{MONTHS[day.month - 1]} {day.year}", EN).iso == f"{day.year:04d}-{day.month:02d}"


@FAST
@given(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)), st.integers(min_value=0, max_value=400)
)
def test_intervals_round_trip(start, days):
    end = start + dt.timedelta(days=days)
    printed = f"{start.day} {MONTHS[start.month - 1]} {start.year}-{end.day} {MONTHS[end.month - 1]} {end.year}"
    assert parse_interval(printed, EN) == f"{start.isoformat()}/{end.isoformat()}"


@FAST
@given(st.binary(max_size=400))
def test_text_ingest_never_crashes(data):
    try:
        sniffed = sniff(data, "fuzz")
    except IngestError:
        return
    if sniffed.text is not None:
        text_to_pages(sniffed.text, EN)


@FAST
@given(
    st.lists(st.lists(st.text(alphabet="ab1 2-|\\N/A,.", max_size=8), min_size=1, max_size=5), min_size=1, max_size=6)
)
def test_pipe_tables_never_crash(rows):
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    table = pipe_table(lines, "t1")
    assert table.n_rows <= len(rows)
