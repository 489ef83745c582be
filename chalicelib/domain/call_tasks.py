"""Call tasks: a phone contact moment for the call team (DOMAIN.md §1.3), and what came of it.

A task is created by the dunning policy and lives on the dossier until the call team records an
outcome. The outcome feeds back into the dossier (a dispute through the transition table, a
promise to pay postponing the next step); see `Dossier.record_call_outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class CallOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    PROMISE_TO_PAY = "promise_to_pay"
    ARRANGEMENT_WANTED = "arrangement_wanted"
    DISPUTE = "dispute"


@dataclass(frozen=True)
class CallTask:
    task_id: str  # "<step>", unique within the dossier: a redelivered action creates no second task
    step: int
    created_at: datetime
    # The team may call from this moment, always inside the contact window (DOMAIN.md §8).
    call_from: datetime
    outcome: CallOutcome | None = None
    outcome_at: datetime | None = None
    promised_on: date | None = None
    note: str = ""
    caller: str = ""
    # A call back the debtor asked for: call between `call_from` and this moment.
    call_until: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome is None
