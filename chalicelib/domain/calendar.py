"""The Dutch holiday calendar of the Algemene termijnenwet (Atw), used for legal terms and for the
days on which debtors may not be contacted.

The `holidays` package does not follow the Atw (5 May only every fifth year, no Good Friday, no
decree days), so the calendar is our own: fixed days, Easter offsets and decree days are data in
`chalicelib/data/holidays.json`; only the Easter date itself is computed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

SATURDAY = 5
SUNDAY = 6


@dataclass(frozen=True)
class FixedHoliday:
    """A holiday on the same calendar day each year, e.g. 5 May (Atw art. 3 lid 1)."""

    name: str
    month: int
    day: int
    # Koningsdag: celebrated on 26 April when 27 April is a Sunday (Wet viering Koningsdag).
    if_sunday_offset_days: int = 0
    from_year: int | None = None
    until_year: int | None = None

    def in_year(self, year: int) -> date | None:
        if self.from_year is not None and year < self.from_year:
            return None
        if self.until_year is not None and year > self.until_year:
            return None
        day = date(year, self.month, self.day)
        if day.weekday() == SUNDAY and self.if_sunday_offset_days:
            day += timedelta(days=self.if_sunday_offset_days)
        return day


@dataclass(frozen=True)
class HolidayCalendar:
    fixed: tuple[FixedHoliday, ...]
    easter_offsets: tuple[tuple[str, int], ...]
    decree_days: tuple[tuple[date, str], ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> HolidayCalendar:
        return cls(
            fixed=tuple(
                FixedHoliday(
                    name=str(item["name"]),
                    month=int(item["month"]),
                    day=int(item["day"]),
                    if_sunday_offset_days=int(item.get("if_sunday_offset_days", 0)),
                    from_year=item.get("from_year"),
                    until_year=item.get("until_year"),
                )
                for item in data["fixed"]
            ),
            easter_offsets=tuple((str(i["name"]), int(i["offset_days"])) for i in data["easter_relative"]),
            decree_days=tuple((date.fromisoformat(i["date"]), str(i["name"])) for i in data["decree_days"]),
        )


@cache
def holiday_calendar() -> HolidayCalendar:
    """The packaged calendar; read once per process (a Lambda container keeps it warm)."""
    text = resources.files("chalicelib").joinpath("data").joinpath("holidays.json").read_text("utf-8")
    return HolidayCalendar.from_data(json.loads(text))


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian computus (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def holidays_in_year(year: int) -> Mapping[date, str]:
    """All Atw holidays and decree days of `year`, date -> Dutch name."""
    calendar = holiday_calendar()
    found: dict[date, str] = {}
    for fixed in calendar.fixed:
        day = fixed.in_year(year)
        if day is not None:
            found[day] = fixed.name
    easter = easter_sunday(year)
    for name, offset in calendar.easter_offsets:
        found[easter + timedelta(days=offset)] = name
    for day, name in calendar.decree_days:
        if day.year == year:
            found.setdefault(day, name)
    # Read-only: the mapping is cached and shared by every caller.
    return MappingProxyType(dict(sorted(found.items())))


def holiday_name(day: date) -> str | None:
    return holidays_in_year(day.year).get(day)


def is_holiday(day: date) -> bool:
    """An algemeen erkende feestdag or a day equated to one by decree (Atw art. 3)."""
    return day in holidays_in_year(day.year)


def is_working_day(day: date) -> bool:
    """Not a Saturday, Sunday or holiday: the days on which an Atw term may end (Atw art. 1)."""
    return day.weekday() not in (SATURDAY, SUNDAY) and not is_holiday(day)


def next_working_day_on_or_after(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it (Atw art. 1 lid 1)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
