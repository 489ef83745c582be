"""The call team's worklist and the outcome of a call.

The worklist shows only calls that may be made now (inside the contact window, DOMAIN.md §8),
with what a caller needs: the debtor, the amount due, the invoices and what was sent so far.
An outcome feeds back into the dossier (`Dossier.record_call_outcome`): a dispute is filed about
the invoices the caller named (the others are still chased); a promise to pay postpones the next
step to the day after the promised date, inside the contact window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain import schedule
from chalicelib.domain.call_backs import call_back_rules, call_back_slots, chosen_slot
from chalicelib.domain.call_tasks import CallOutcome, CallTask
from chalicelib.domain.clients import Client
from chalicelib.domain.contact_window import default_window, is_contact_allowed
from chalicelib.domain.dossier import DisputeReason
from chalicelib.domain.errors import DossierNotFound, InvalidRequest, UnknownClient
from chalicelib.domain.money import format_eur
from chalicelib.services.disputes import DisputeRequest, file_dispute
from chalicelib.services.dossier_actions import ActionDeps, policy_for
from chalicelib.services.ports import DossierRepository

MAX_NOTE = 1000
MAX_CALLER = 100


@dataclass(frozen=True)
class CallReport:
    outcome: CallOutcome
    promised_on: date | None = None
    note: str = ""
    # The name the person on the phone gave themselves: kept with the note as a detail. Who the
    # outcome is recorded as (the actor) is the authenticated caller of the route, never this.
    caller: str | None = None
    # A dispute on the phone: which invoices (none named: everything still chased) and why.
    invoices: tuple[str, ...] = ()
    reason: DisputeReason = DisputeReason.OTHER

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
        caller = body.get("caller")
        if caller is not None and (not isinstance(caller, str) or not caller or len(caller) > MAX_CALLER):
            raise InvalidRequest(f'"caller" must be a name of at most {MAX_CALLER} characters')
        invoices = body.get("invoices", [])
        if not isinstance(invoices, list) or not all(isinstance(n, str) and n for n in invoices):
            raise InvalidRequest('"invoices" must be a list of invoice numbers')
        try:
            reason = DisputeReason(str(body.get("reason", DisputeReason.OTHER.value)))
        except ValueError as error:
            choices = ", ".join(r.value for r in DisputeReason)
            raise InvalidRequest(f'"reason" must be one of: {choices}') from error
        return cls(outcome, promised_on, note, caller, tuple(invoices), reason)

    @property
    def recorded_note(self) -> str:
        """The note as it goes into the dossier, naming who made the call when the body said so."""
        if self.caller is None:
            return self.note
        return f"[{self.caller}] {self.note}".rstrip()


def latest_promise(today: date, client: Client) -> date:
    """The last day a promise to pay may name: the client's `promise_max_days` ahead."""
    try:
        return today + timedelta(days=max(client.promise_max_days, 0))
    except OverflowError:
        # A setting beyond the calendar: no bound but the calendar's own.
        return date.max


def record_call_outcome(
    client_id: str,
    debtor_id: str,
    task_id: str,
    report: CallReport,
    now: datetime,
    deps: ActionDeps,
    *,
    actor: str,
) -> CallTask:
    """Record what came of a call. A promise to pay holds the next reminder until the day after
    the promised date; a dispute on the phone is filed like any other (services/disputes.py),
    about the invoices the caller named or else everything still chased."""
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    today = schedule.local_day(now)
    latest = latest_promise(today, client)
    # Checked before any date arithmetic: 9999-12-31 plus the day after it overflows.
    if report.promised_on is not None and not today <= report.promised_on <= latest:
        raise InvalidRequest(
            f'"promised_on" must be between today ({today.isoformat()}) and {latest.isoformat()}, '
            f"at most {client.promise_max_days} days ahead; a later date is an arrangement, not a promise"
        )
    then = schedule.planner(client, policy_for(client), now)
    task = deps.uow.change(
        client_id,
        debtor_id,
        lambda dossier: dossier.record_call_outcome(
            task_id,
            report.outcome,
            then,
            at=now,
            actor=actor,
            promised_on=report.promised_on,
            note=report.recorded_note,
        ),
    )
    if report.outcome is CallOutcome.DISPUTE:
        dossier = deps.dossiers.get(client_id, debtor_id)
        assert dossier is not None
        invoices = report.invoices or tuple(i.number for i in dossier.chased_invoices)
        if invoices:
            file_dispute(
                client_id,
                debtor_id,
                DisputeRequest(invoices, report.reason, report.recorded_note),
                now,
                deps,
                actor=actor,
            )
    return task


class CallBackRefused(InvalidRequest):
    """The time asked for is not one the page offered: outside the contact window, past, or
    further ahead than the page plans."""


def request_call_back(client_id: str, debtor_id: str, slot: str, now: datetime, deps: ActionDeps) -> CallTask:
    """The debtor chose a time on their page: a call task for the client's call team, shown on
    the worklist from the start of that time. Only a slot inside the contact window is taken."""
    chosen = chosen_slot(slot, call_back_slots(now, default_window(), call_back_rules()))
    if chosen is None:
        raise CallBackRefused("choose a time from the list")
    dossier = deps.dossiers.get(client_id, debtor_id)
    if dossier is None:
        raise DossierNotFound(client_id, debtor_id)
    if dossier.debtor.phone_e164 is None:
        raise InvalidRequest("there is no phone number to call")
    task = CallTask(
        task_id=f"call-back-{chosen.value}",
        step=dossier.step,
        created_at=now,
        call_from=chosen.start,
        call_until=chosen.end,
        note="asked for on the debtor's page",
    )
    deps.uow.change(client_id, debtor_id, lambda fresh: fresh.request_call_back(task, actor="debtor"))
    return task


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
                    # A call back the debtor asked for: call before this moment.
                    "call_until": task.call_until.isoformat() if task.call_until else None,
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
