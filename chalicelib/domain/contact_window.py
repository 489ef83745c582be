"""When a debtor may be contacted (phone, SMS, e-mail sent by the system).

Registered collection agencies do not contact debtors between 20:00 and 07:00, nor on Sundays or
the holidays of the Algemene termijnenwet (DOMAIN.md §8, practice of the Wet kwaliteit
incassodienstverlening). The product's default window is narrower (Mon-Sat 08:30-20:00 in
Europe/Amsterdam, `chalicelib/data/contact_window.json`); a client may configure another window,
but only inside those outer limits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain import calendar

# The outer limits no configuration may cross: no contact before 07:00 or from 20:00 local time,
# never on a Sunday (DOMAIN.md §8). These are the rule itself, so they are code, not data.
EARLIEST_START = time(7, 0)
LATEST_END = time(20, 0)
SUNDAY = 6
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ContactWindowOutOfBounds(ValueError):
    """A configured contact window that would allow contact the rules forbid, or is malformed."""


@dataclass(frozen=True)
class ContactWindow:
    """Contact is allowed on `weekdays` (0 = Monday) from `start` up to, not including, `end`,
    local time in `timezone`, except on holidays."""

    weekdays: frozenset[int]
    start: time
    end: time
    timezone: str = "Europe/Amsterdam"

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise ContactWindowOutOfBounds("a contact window needs at least one weekday")
        if not self.weekdays <= set(range(7)):
            raise ContactWindowOutOfBounds(f"weekdays must be 0 (Monday) to 6, got {sorted(self.weekdays)}")
        if SUNDAY in self.weekdays:
            raise ContactWindowOutOfBounds("debtors may not be contacted on Sundays")
        if self.start < EARLIEST_START or self.end > LATEST_END:
            raise ContactWindowOutOfBounds(
                f"contact window {self.start:%H:%M}-{self.end:%H:%M} must lie within "
                f"{EARLIEST_START:%H:%M}-{LATEST_END:%H:%M}"
            )
        if self.start >= self.end:
            raise ContactWindowOutOfBounds(
                f"contact window start {self.start:%H:%M} must be before its end {self.end:%H:%M}"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ContactWindowOutOfBounds(f"unknown time zone {self.timezone!r}") from error

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def allows_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and not calendar.is_holiday(day)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ContactWindow:
        """Build a window from configuration like `contact_window.json`; raises
        ContactWindowOutOfBounds with a readable reason for anything outside the rules."""
        try:
            weekdays = _parse_weekdays(config["weekdays"])
            start = time.fromisoformat(str(config["start"]))
            end = time.fromisoformat(str(config["end"]))
        except KeyError as error:
            raise ContactWindowOutOfBounds(f"contact window configuration lacks {error.args[0]!r}") from error
        except ValueError as error:
            raise ContactWindowOutOfBounds(f"contact window configuration: {error}") from error
        return cls(
            weekdays=weekdays, start=start, end=end, timezone=str(config.get("timezone", "Europe/Amsterdam"))
        )


def _parse_weekdays(names: Iterable[str]) -> frozenset[int]:
    if isinstance(names, str):
        raise ContactWindowOutOfBounds(f"weekdays must be a list like ['mon', 'tue'], got {names!r}")
    days: set[int] = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in _WEEKDAY_NAMES:
            raise ContactWindowOutOfBounds(f"unknown weekday {name!r}")
        days.add(_WEEKDAY_NAMES.index(key))
    return frozenset(days)


@cache
def default_window() -> ContactWindow:
    text = resources.files("chalicelib").joinpath("data").joinpath("contact_window.json").read_text("utf-8")
    return ContactWindow.from_config(json.loads(text))


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (UTC)")


def is_contact_allowed(now: datetime, window: ContactWindow | None = None) -> bool:
    """Whether a debtor may be contacted at the instant `now` (aware; compared in local time)."""
    _require_aware(now)
    window = window or default_window()
    local = now.astimezone(window.zone)
    return window.allows_day(local.date()) and window.start <= local.time() < window.end


def next_contact_moment(now: datetime, window: ContactWindow | None = None) -> datetime:
    """`now` (in UTC) when contact is allowed, else the start of the next allowed window in UTC.

    Window times are wall-clock times in Europe/Amsterdam, so 08:30 is 06:30 UTC in summer and
    07:30 UTC in winter; the conversion goes through zoneinfo for the actual date.
    """
    _require_aware(now)
    window = window or default_window()
    if is_contact_allowed(now, window):
        return now.astimezone(UTC)
    local = now.astimezone(window.zone)
    day = local.date()
    if local.time() >= window.start:
        day += timedelta(days=1)
    # At most a few consecutive days are closed (Christmas, a Sunday, Boxing Day); a year is a
    # generous bound that still guarantees termination.
    for _ in range(366):
        if window.allows_day(day):
            return datetime.combine(day, window.start, tzinfo=window.zone).astimezone(UTC)
        day += timedelta(days=1)
    raise AssertionError("no allowed contact day within a year")  # pragma: no cover
