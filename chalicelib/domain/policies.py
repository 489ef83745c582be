"""Dunning policies as data: which step comes next, on which day, through which channel."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class PolicyStep:
    step: int
    day: int
    action: str  # "message" or "handover_decision"
    channel: str
    template: str


@dataclass(frozen=True)
class Policy:
    name: str
    steps: tuple[PolicyStep, ...]
    # The moment of day a step becomes due; the contact window may push it further.
    send_at: time = time(8, 30)

    def step_after(self, done_step: int) -> PolicyStep | None:
        return next((s for s in self.steps if s.step > done_step), None)

    def due_at(self, opened_on: date, step: PolicyStep) -> datetime:
        local = datetime.combine(opened_on + timedelta(days=step.day), self.send_at, tzinfo=AMSTERDAM)
        return local.astimezone(UTC)


def policy_from_dict(data: dict[str, Any]) -> Policy:
    steps = tuple(
        PolicyStep(
            step=int(s["step"]),
            day=int(s["day"]),
            action=str(s["action"]),
            channel=str(s["channel"]),
            template=str(s["template"]),
        )
        for s in data["steps"]
    )
    if [s.step for s in steps] != sorted({s.step for s in steps}):
        raise ValueError("policy steps must be numbered in increasing order without repeats")
    if [s.day for s in steps] != sorted(s.day for s in steps):
        raise ValueError("policy steps must not go back in time")
    return Policy(name=str(data["name"]), steps=steps)


@cache
def default_policy() -> Policy:
    text = resources.files("chalicelib.data").joinpath("policy_default.json").read_text("utf-8")
    return policy_from_dict(json.loads(text))
