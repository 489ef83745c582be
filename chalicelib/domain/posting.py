"""When a letter handed to the print partner is overdue for its posting report.

A letter's legal effect (the 14-day term, BW 6:96 lid 6) starts from the day it is posted, which
only the partner knows. A report that does not come within a few working days means a letter
may not have gone out: someone must look (`chalicelib/data/posting.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from chalicelib.domain.calendar import is_working_day
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.policies import AMSTERDAM

PRINT_DROP_PREFIX = "print/"


@cache
def report_within_working_days() -> int:
    data = json.loads(resources.files("chalicelib.data").joinpath("posting.json").read_text("utf-8"))
    return int(data["report_within_working_days"])


def report_due_by(handed_over_on: date, working_days: int | None = None) -> date:
    """The last day a posting report may come: `working_days` working days after the hand-over."""
    left = report_within_working_days() if working_days is None else working_days
    day = handed_over_on
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


@dataclass(frozen=True)
class UnreportedLetter:
    client_id: str
    debtor_id: str
    step: int
    template: str
    handed_over_on: date
    report_due_by: date


def unreported_letters(dossier: Dossier, today: date) -> list[UnreportedLetter]:
    """The dossier's letters that went to the print partner (their provider id is the drop's
    manifest), have no posting date, and whose report is overdue on `today` (a local date)."""
    overdue = []
    for message in dossier.messages:
        if message.channel != "letter" or message.posted_on is not None:
            continue
        if not (message.provider_id or "").startswith(PRINT_DROP_PREFIX):
            continue
        handed = message.sent_at.astimezone(AMSTERDAM).date()
        due_by = report_due_by(handed)
        if today > due_by:
            overdue.append(
                UnreportedLetter(
                    dossier.client_id, dossier.debtor_id, message.step, message.template, handed, due_by
                )
            )
    return overdue
