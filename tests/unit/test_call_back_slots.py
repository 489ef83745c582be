"""Call-back times on the debtor's page lie inside the contact window (DOMAIN.md §8): working
days and Saturday, 08:30-20:00 in Amsterdam, never Sundays or holidays."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.call_backs import CallBackRules, call_back_rules, call_back_slots, chosen_slot
from chalicelib.domain.contact_window import default_window

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WINDOW = default_window()


def local(slot_start: datetime) -> str:
    return f"{slot_start.astimezone(AMSTERDAM):%a %d %H:%M}"


def test_monday_morning_offers_the_rest_of_monday_then_the_next_working_days() -> None:
    # Monday 30 November 2026, 10:15 in Amsterdam.
    slots = call_back_slots(datetime(2026, 11, 30, 9, 15, tzinfo=UTC), WINDOW, call_back_rules())
    starts = [local(s.start) for s in slots]
    assert starts[:4] == ["Mon 30 12:30", "Mon 30 14:30", "Mon 30 16:30", "Mon 30 18:30"]
    assert {s[:6] for s in starts} == {"Mon 30", "Tue 01", "Wed 02", "Thu 03", "Fri 04"}
    last = slots[3]
    assert f"{last.end.astimezone(AMSTERDAM):%H:%M}" == "20:00"


def test_christmas_and_sunday_are_skipped() -> None:
    # Thursday 24 December 2026, 19:30: nothing is left today; 25, 26 and 27 are closed.
    slots = call_back_slots(datetime(2026, 12, 24, 18, 30, tzinfo=UTC), WINDOW, CallBackRules(2, 120, 60))
    assert {local(s.start)[:6] for s in slots} == {"Mon 28", "Tue 29"}


def test_a_time_outside_the_offered_slots_is_not_chosen() -> None:
    now = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    offered = call_back_slots(now, WINDOW, call_back_rules())
    assert chosen_slot(offered[0].value, offered) == offered[0]
    for outside in ("20261206T0930Z", "20261130T1900Z", "20261130T0830Z", "20261230T1130Z", "tomorrow", ""):
        assert chosen_slot(outside, offered) is None
