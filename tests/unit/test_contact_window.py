"""When debtors may be contacted (DOMAIN.md §8)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.contact_window import (
    ContactWindow,
    ContactWindowOutOfBounds,
    default_window,
    is_contact_allowed,
    next_contact_moment,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_the_default_window_is_monday_to_saturday_0830_to_2000() -> None:
    assert default_window() == ContactWindow(
        frozenset(range(6)), time(8, 30), time(20, 0), "Europe/Amsterdam"
    )


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (utc(2026, 3, 3, 7, 29), False),  # Tue 08:29 CET
        (utc(2026, 3, 3, 7, 30), True),  # Tue 08:30 CET
        (utc(2026, 3, 3, 18, 59, 59), True),  # Tue 19:59:59 CET
        (utc(2026, 3, 3, 19, 0), False),  # Tue 20:00 CET: the window is half-open
        (utc(2026, 7, 7, 6, 29), False),  # Tue 08:29 CEST
        (utc(2026, 7, 7, 6, 30), True),  # Tue 08:30 CEST
        (utc(2026, 7, 7, 17, 59), True),  # Tue 19:59 CEST
        (utc(2026, 7, 7, 18, 0), False),  # Tue 20:00 CEST
        (utc(2026, 3, 7, 12, 0), True),  # Saturday
        (utc(2026, 3, 8, 12, 0), False),  # Sunday
        (utc(2026, 5, 14, 10, 0), False),  # Ascension Day
        (utc(2026, 5, 15, 10, 0), False),  # decree day
        (utc(2026, 5, 5, 10, 0), False),  # Liberation Day
        (utc(2026, 3, 7, 23, 30), False),  # Saturday in UTC, already Sunday 00:30 in Amsterdam
    ],
)
def test_contact_is_allowed_only_inside_the_window(now: datetime, allowed: bool) -> None:
    assert is_contact_allowed(now) is allowed


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # allowed: now itself
        (utc(2026, 3, 3, 12, 0), utc(2026, 3, 3, 12, 0)),
        # early morning: today 08:30 CET
        (utc(2026, 3, 3, 5, 0), utc(2026, 3, 3, 7, 30)),
        # evening: tomorrow 08:30
        (utc(2026, 3, 3, 19, 0), utc(2026, 3, 4, 7, 30)),
        # Saturday evening before the switch to summer time: Monday 08:30 CEST = 06:30 UTC
        (utc(2026, 3, 28, 19, 30), utc(2026, 3, 30, 6, 30)),
        # Saturday evening before the switch to winter time: Monday 08:30 CET = 07:30 UTC
        (utc(2026, 10, 24, 19, 0), utc(2026, 10, 26, 7, 30)),
        # Christmas Eve evening: 25th, 26th (Saturday) and Sunday closed -> Monday 28th
        (utc(2026, 12, 24, 19, 0), utc(2026, 12, 28, 7, 30)),
        # Ascension Thursday -> decree Friday -> Saturday 16 May 08:30 CEST
        (utc(2026, 5, 14, 8, 0), utc(2026, 5, 16, 6, 30)),
    ],
)
def test_next_contact_moment(now: datetime, expected: datetime) -> None:
    got = next_contact_moment(now)
    assert got == expected
    assert got.tzinfo is UTC


def test_the_next_moment_is_returned_in_utc_for_a_non_utc_input() -> None:
    now = datetime(2026, 3, 3, 13, 0, tzinfo=AMSTERDAM)
    got = next_contact_moment(now)
    assert got == now
    assert got.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_contact_allowed(datetime(2026, 3, 3, 12, 0))
    with pytest.raises(ValueError, match="aware"):
        next_contact_moment(datetime(2026, 3, 3, 12, 0))


def test_a_client_window_inside_the_limits_is_used() -> None:
    weekdays_only = ContactWindow.from_config(
        {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "start": "07:00", "end": "20:00"}
    )
    assert is_contact_allowed(utc(2026, 3, 3, 6, 0), weekdays_only)  # 07:00 CET
    assert not is_contact_allowed(utc(2026, 3, 7, 12, 0), weekdays_only)  # Saturday
    assert next_contact_moment(utc(2026, 3, 6, 19, 0), weekdays_only) == utc(2026, 3, 9, 6, 0)


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"weekdays": ["mon"], "start": "06:59", "end": "20:00"}, "within 07:00-20:00"),
        ({"weekdays": ["mon"], "start": "08:00", "end": "20:01"}, "within 07:00-20:00"),
        ({"weekdays": ["mon"], "start": "08:00", "end": "21:00"}, "within 07:00-20:00"),
        ({"weekdays": ["sat", "sun"], "start": "08:00", "end": "20:00"}, "Sundays"),
        ({"weekdays": ["mon"], "start": "12:00", "end": "12:00"}, "before its end"),
        ({"weekdays": [], "start": "08:00", "end": "20:00"}, "at least one weekday"),
        ({"weekdays": ["maandag"], "start": "08:00", "end": "20:00"}, "unknown weekday"),
        ({"weekdays": "mon", "start": "08:00", "end": "20:00"}, "must be a list"),
        ({"weekdays": ["mon"], "start": "8h", "end": "20:00"}, "configuration"),
        ({"weekdays": ["mon"], "end": "20:00"}, "lacks 'start'"),
        ({"weekdays": ["mon"], "start": "08:00", "end": "20:00", "timezone": "Mars/Olympus"}, "time zone"),
    ],
)
def test_a_window_outside_the_rules_is_refused_with_a_reason(config: dict[str, Any], reason: str) -> None:
    with pytest.raises(ContactWindowOutOfBounds, match=reason):
        ContactWindow.from_config(config)


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@given(instants)
def test_the_next_moment_is_allowed_and_never_in_the_past(now: datetime) -> None:
    moment = next_contact_moment(now)
    assert moment >= now
    assert is_contact_allowed(moment)
    if moment != now:
        # it is the start of a window: one minute earlier was not allowed, and it is 08:30 local
        assert not is_contact_allowed(moment - timedelta(minutes=1))
        assert moment.astimezone(AMSTERDAM).time() == time(8, 30)
        assert moment - now < timedelta(days=5)
