"""The workbench's clock: what `bootstrap.clock` reads while `make local` runs.

It runs with the wall clock, shifted by what the workbench moved it; it only moves forward, as a
billing system's test clock does (a sweep that went back in time would meet dossiers it already
worked).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

# The longest single move: a policy runs its course within a year, and a bigger jump is a typo.
LONGEST_MOVE = timedelta(days=366)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"(\d{1,6})\s*([mhdw])")


class ClockRefused(ValueError):
    """A move the clock does not make; the message says why, in words."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class WorkbenchClock:
    def __init__(self, start: datetime | None = None, wall: Callable[[], datetime] = system_clock) -> None:
        self._wall = wall
        self._offset = timedelta(0) if start is None else start.astimezone(UTC) - wall()

    def __call__(self) -> datetime:
        return self._wall() + self._offset

    def set(self, moment: datetime) -> None:
        if moment < self():
            raise ClockRefused(f"the clock only moves forward; it is {self().isoformat()} already")
        self._offset = moment.astimezone(UTC) - self._wall()


def parse_duration(text: str) -> timedelta:
    """'1d', '2h', '30m', '1w', or combined ('1d2h'): how far to advance the clock."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise ClockRefused(
            f"cannot read {text!r} as a duration: use a number and a unit, e.g. '30m', '2h', '1d' or '1w'"
        )
    duration = timedelta()
    for amount, unit in parts:
        duration += timedelta(**{_UNITS[unit]: int(amount)})
    if duration <= timedelta(0):
        raise ClockRefused("advance the clock by more than nothing")
    if duration > LONGEST_MOVE:
        raise ClockRefused("advance the clock by at most 366 days at a time")
    return duration


def target_of(request: Any, now: datetime) -> datetime:
    """Where a `POST /clock` body asks the clock to go: {"advance": "1d"} or {"to": ISO time}."""
    if not isinstance(request, dict) or set(request) not in ({"advance"}, {"to"}):
        raise ClockRefused('send {"advance": "1d"} or {"to": "2026-12-01T08:30+01:00"}')
    if "advance" in request:
        if not isinstance(request["advance"], str):
            raise ClockRefused('"advance" is a duration such as "1d" or "2h"')
        return now + parse_duration(request["advance"])
    value = request["to"]
    try:
        target = datetime.fromisoformat(str(value))
    except ValueError:
        raise ClockRefused(f'cannot read "to" {value!r} as a time: use ISO 8601 with an offset') from None
    if target.tzinfo is None:
        raise ClockRefused(f'"to" {value!r} needs an offset (e.g. +01:00 for Amsterdam in winter, or Z)')
    if target < now:
        raise ClockRefused(f"the clock only moves forward; it is {now.isoformat()} already")
    if target - now > LONGEST_MOVE:
        raise ClockRefused("move the clock by at most 366 days at a time")
    return target.astimezone(UTC)
