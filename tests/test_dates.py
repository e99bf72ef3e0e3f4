"""Dates printed in sentences, and the year a day printed without one takes from the report."""

from __future__ import annotations

import pytest

from extractors.dates import find_dates, year_in_period
from schemas import lang as languages


@pytest.mark.parametrize(
    "month, period, year",
    [
        (1, "2023-01-01/2023-01-31", 2023),
        (1, "2022-12-01/2023-01-31", 2023),  # December-January: January is the later year
        (12, "2022-12-01/2023-01-31", 2022),
        (6, "2022-12-01/2023-01-31", None),  # outside the period: no year is invented
        (3, "2019-01-01/2020-12-31", None),  # March of two years: ambiguous
        (5, "2021-05", 2021),
        (5, None, None),
    ],
)
def test_the_year_of_a_day_without_one_comes_from_the_period(month, period, year):
    assert year_in_period(month, period) == year


def test_a_day_without_a_year_counts_only_when_the_period_fixes_it():
    en = languages.load("en")
    text = "Gunmen 7 Jan killed four herders; on 12 March 2022 a second attack followed."
    assert find_dates(text, en) == [(37, "2022-03-12", "day")]
    assert find_dates(text, en, "2022-12-01/2023-01-31") == [(7, "2023-01-07", "day"), (37, "2022-03-12", "day")]
    fr = languages.load("fr")
    assert find_dates("Le 3 février, 12 civils ont été tués.", fr, "2021-01-01/2021-03-31") == [
        (3, "2021-02-03", "day")
    ]


def test_a_text_without_a_four_digit_year_is_read_for_days_only():
    """Intervals, months and spans of months end in a year: a text without one gives days alone."""
    en = languages.load("en")
    text = "On 7 Jan, 12 died; on 3 Feb, 4 more."
    assert find_dates(text, en, "2023-01-01/2023-03-31") == [(3, "2023-01-07", "day"), (22, "2023-02-03", "day")]
    assert find_dates(text, en) == []
    assert find_dates("From 3 to 9 May 2021 and in June 2021, and in the first three months of 2020.", en) == [
        (5, "2021-05-03/2021-05-09", "interval"),
        (28, "2021-06", "month"),
        (50, "2020-01-01/2020-03-31", "interval"),
    ]
