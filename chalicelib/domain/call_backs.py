"""Call-back times a debtor may choose on their page: only inside the contact window.

The window (DOMAIN.md §8, `contact_window.json`) says on which days and between which hours a
debtor may be called, never on Sundays or holidays. The page offers blocks of time on the next
few days the window allows (`call_back_slots.json`); a time that is not one of those blocks is
refused, whatever the form said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources

from chalicelib.domain.contact_window import ContactWindow

SLOT_FORMAT = "%Y%m%dT%H%MZ"


@dataclass(frozen=True)
class CallBackRules:
    working_days_ahead: int
    slot_minutes: int
    lead_minutes: int


@cache
def call_back_rules() -> CallBackRules:
    raw = json.loads(resources.files("chalicelib.data").joinpath("call_back_slots.json").read_text("utf-8"))
    return CallBackRules(int(raw["working_days_ahead"]), int(raw["slot_minutes"]), int(raw["lead_minutes"]))


@dataclass(frozen=True)
class CallBackSlot:
    """From `start` up to `end`, both aware UTC times."""

    start: datetime
    end: datetime

    @property
    def value(self) -> str:
        """How the form names the slot: its start in UTC, e.g. 20261201T1330Z."""
        return self.start.astimezone(UTC).strftime(SLOT_FORMAT)


def _blocks(day: date, window: ContactWindow, minutes: int) -> list[CallBackSlot]:
    zone = window.zone
    start = datetime.combine(day, window.start, tzinfo=zone)
    end = datetime.combine(day, window.end, tzinfo=zone)
    blocks = []
    while start < end:
        stop = min(start + timedelta(minutes=minutes), end)
        blocks.append(CallBackSlot(start.astimezone(UTC), stop.astimezone(UTC)))
        start = stop
    return blocks


def call_back_slots(now: datetime, window: ContactWindow, rules: CallBackRules) -> tuple[CallBackSlot, ...]:
    """The blocks a debtor may choose now: on the next `working_days_ahead` days the window
    allows (today included), each starting at least `lead_minutes` from now."""
    earliest = now + timedelta(minutes=rules.lead_minutes)
    day = now.astimezone(window.zone).date()
    slots: list[CallBackSlot] = []
    days = 0
    # A year bounds the search; closed stretches last a few days at most (Christmas, Sundays).
    for _ in range(366):
        if days >= rules.working_days_ahead:
            break
        if window.allows_day(day):
            offered = [s for s in _blocks(day, window, rules.slot_minutes) if s.start >= earliest]
            slots.extend(offered)
            days += 1 if offered else 0
        day += timedelta(days=1)
    return tuple(slots)


def chosen_slot(value: str, offered: tuple[CallBackSlot, ...]) -> CallBackSlot | None:
    """The offered slot the form named, or None for anything else (outside the window, past,
    too far ahead, or not a time at all)."""
    return next((s for s in offered if s.value == value), None)
