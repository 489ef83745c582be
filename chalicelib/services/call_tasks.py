"""The call team's worklist and the outcome of a call.

The worklist shows only calls that may be made now (inside the contact window, DOMAIN.md §8),
with what a caller needs: the debtor, the amount due, the invoices and what was sent so far.
An outcome feeds back into the dossier (`Dossier.record_call_outcome`): a dispute through the
transition table stops the reminders; a promise to pay postpones the next step to the day after
the promised date, inside the contact window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.call_tasks import CallOutcome, CallTask
from chalicelib.domain.contact_window import is_contact_allowed, next_contact_moment
from chalicelib.domain.errors import DossierNotFound, InvalidRequest
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.services.ports import DossierRepository
from chalicelib.services.retry import on_conflict_retry

MAX_NOTE = 1000


@dataclass(frozen=True)
class CallReport:
    outcome: CallOutcome
    promised_on: date | None = None
    note: str = ""
    caller: str = "call-team"

    @classmethod
    def from_json(cls, body: Any) -> CallReport:
        if not isinstance(body, dict):
            raise InvalidRequest('send a JSON object such as {"outcome": "no_answer"}')
        try:
            outcome = CallOutcome(str(body.get("outcome")))
        except ValueError as error:
            choices = ", ".join(o.value for o in CallOutcome)
            raise InvalidRequest(f'"outcome" must be one of: {choices}') from error
        promised_on = None
        if outcome is CallOutcome.PROMISE_TO_PAY:
            try:
                promised_on = date.fromisoformat(str(body.get("promised_on")))
            except ValueError as error:
                raise InvalidRequest('a promise to pay needs "promised_on" as YYYY-MM-DD') from error
        note = body.get("note", "")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise InvalidRequest(f'"note" must be text of at most {MAX_NOTE} characters')
        caller = body.get("caller", "call-team")
        if not isinstance(caller, str) or not caller or len(caller) > 100:
            raise InvalidRequest('"caller" must be a short name')
        return cls(outcome, promised_on, note, caller)


def record_call_outcome(
    client_id: str,
    debtor_id: str,
    task_id: str,
    report: CallReport,
    now: datetime,
    dossiers: DossierRepository,
) -> CallTask:
    def attempt() -> CallTask:
        dossier = dossiers.get(client_id, debtor_id)
        if dossier is None:
            raise DossierNotFound(client_id, debtor_id)
        task = dossier.record_call_outcome(
            task_id,
            report.outcome,
            at=now,
            actor=report.caller,
            promised_on=report.promised_on,
            note=report.note,
        )
        if report.promised_on is not None and dossier.next_action_at is not None:
            # Give the promise its chance: no reminder before the day after the promised date.
            after = datetime.combine(report.promised_on + timedelta(days=1), time(8, 30), tzinfo=AMSTERDAM)
            dossier.next_action_at = max(dossier.next_action_at, next_contact_moment(after))
        dossiers.save(dossier)
        return task

    return on_conflict_retry(attempt)


def worklist(client_id: str, now: datetime, dossiers: DossierRepository) -> list[dict[str, Any]]:
    """Open call tasks of a client that may be called now; empty outside the contact window."""
    if not is_contact_allowed(now):
        return []
    items: list[dict[str, Any]] = []
    for dossier in dossiers.list_for_client(client_id):
        if not dossier.is_active:
            continue
        for task in dossier.call_tasks:
            if not task.is_open or task.call_from > now:
                continue
            items.append(
                {
                    "task_id": task.task_id,
                    "debtor_id": dossier.debtor_id,
                    "name": dossier.debtor.name,
                    "phone": dossier.debtor.phone_e164,
                    "due": format_eur(dossier.due_cents),
                    "due_cents": dossier.due_cents,
                    "invoices": [
                        {"number": i.number, "due_date": i.due_date.isoformat(), "open_cents": i.open_cents}
                        for i in dossier.invoices.values()
                        if i.is_open
                    ],
                    "history": [
                        {"at": m.sent_at.isoformat(), "channel": m.channel, "template": m.template}
                        for m in dossier.messages
                    ],
                    "previous_calls": [
                        {"at": t.outcome_at.isoformat() if t.outcome_at else None, "outcome": t.outcome.value}
                        for t in dossier.call_tasks
                        if t.outcome is not None
                    ],
                }
            )
    return items
