"""The Algemene termijnenwet holiday calendar (DOMAIN.md §7)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.calendar import (
    easter_sunday,
    holiday_name,
    holidays_in_year,
    is_holiday,
    is_working_day,
    next_working_day_on_or_after,
)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1818, date(1818, 3, 22)),  # earliest possible
        (1943, date(1943, 4, 25)),  # latest possible
        (2000, date(2000, 4, 23)),
        (2011, date(2011, 4, 24)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday_follows_the_gregorian_computus(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_2026_calendar_is_exactly_the_atw_days_plus_the_decree_days() -> None:
    assert set(holidays_in_year(2026)) == {
        date(2026, 1, 1),  # Nieuwjaarsdag
        date(2026, 1, 2),  # decree
        date(2026, 4, 3),  # Goede Vrijdag
        date(2026, 4, 6),  # Tweede Paasdag
        date(2026, 4, 27),  # Koningsdag
        date(2026, 5, 5),  # Bevrijdingsdag
        date(2026, 5, 14),  # Hemelvaartsdag
        date(2026, 5, 15),  # decree
        date(2026, 5, 25),  # Tweede Pinksterdag
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


def test_the_2025_calendar_moves_kings_day_to_saturday_26_april() -> None:
    assert set(holidays_in_year(2025)) == {
        date(2025, 1, 1),
        date(2025, 4, 18),
        date(2025, 4, 21),
        date(2025, 4, 26),  # 27 April 2025 is a Sunday
        date(2025, 5, 5),
        date(2025, 5, 29),
        date(2025, 5, 30),  # decree
        date(2025, 6, 9),
        date(2025, 12, 25),
        date(2025, 12, 26),
    }
    assert not is_holiday(date(2025, 4, 27))


@pytest.mark.parametrize("year", [2014, 2025, 2031, 2036])
def test_kings_day_is_26_april_when_27_april_is_a_sunday(year: int) -> None:
    assert date(year, 4, 27).weekday() == 6
    assert holiday_name(date(year, 4, 26)) == "Koningsdag"


@pytest.mark.parametrize("year", [2024, 2026, 2027, 2029, 2030])
def test_liberation_day_is_a_holiday_every_year_not_only_every_fifth(year: int) -> None:
    assert is_holiday(date(year, 5, 5))


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 5, 10),
        date(2024, 12, 27),
        date(2025, 5, 30),
        date(2026, 1, 2),
        date(2026, 5, 15),
        date(2027, 5, 7),
        date(2028, 4, 28),
        date(2028, 5, 26),
    ],
)
def test_decree_days_count_as_holidays(day: date) -> None:
    assert is_holiday(day)
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2027, 3, 26), "Goede Vrijdag"),
        (date(2027, 3, 29), "Tweede Paasdag"),
        (date(2027, 5, 6), "Hemelvaartsdag"),
        (date(2027, 5, 17), "Tweede Pinksterdag"),
        (date(2012, 4, 30), "Koninginnedag"),
        (date(2006, 4, 29), "Koninginnedag"),  # 30 April 2006 was a Sunday
    ],
)
def test_easter_based_and_historic_days_are_named(day: date, name: str) -> None:
    assert holiday_name(day) == name


@pytest.mark.parametrize(
    "day", [date(2026, 4, 5), date(2026, 5, 24), date(2026, 12, 24), date(2026, 12, 31), date(2013, 4, 27)]
)
def test_days_outside_the_atw_are_not_holidays(day: date) -> None:
    assert not is_holiday(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 3), True),  # Tuesday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 4, 6), False),  # Easter Monday
    ],
)
def test_working_days_exclude_weekends_and_holidays(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 3), date(2026, 3, 3)),
        (date(2026, 3, 7), date(2026, 3, 9)),
        (date(2026, 5, 14), date(2026, 5, 18)),  # Ascension, decree Friday, weekend
        (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 5)),  # New Year, decree day, weekend
    ],
)
def test_next_working_day_on_or_after(day: date, expected: date) -> None:
    assert next_working_day_on_or_after(day) == expected


def test_the_cached_calendar_cannot_be_changed_by_a_caller() -> None:
    with pytest.raises(TypeError):
        holidays_in_year(2026)[date(2026, 3, 3)] = "x"  # type: ignore[index]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_next_working_day_is_the_first_working_day_not_before(day: date) -> None:
    found = next_working_day_on_or_after(day)
    assert found >= day
    assert is_working_day(found)
    assert all(not is_working_day(day + timedelta(days=n)) for n in range((found - day).days))
    assert (found - day).days <= 5
