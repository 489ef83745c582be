"""What one dossier contributes to its client's counters, and its line in the client's list.

The dashboard's overview must not read every dossier of a client, so each save adds the
difference between what the dossier counted before and after (`count_changes`) to a few counter
items of its client, in the same transaction. Counters are named by strings:

- `dossiers`, `with_open`, `open_cents`, `status:<status>`: how many dossiers, with something open;
- `due:<YYYY-MM-DD>`: open principal by due date (aging and days beyond terms are computed from it);
- `cohort:<YYYY-MM>:principal` and `cohort:<YYYY-MM>:paid<30|60|90|late>`: invoices by the month
  they fall due, and how soon after due their principal was paid;
- `collected:<YYYY-MM>`: money received in a month;
- `arrangements:kept|broken`;
- `waiting:handover|dispute|arrangement`: decisions waiting for the client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.dossier import AuditEvent, DisputeState, Dossier, Status, Trigger
from chalicelib.domain.kpis import PAYMENT_WINDOWS, month_of

KEPT = {Trigger.ARRANGEMENT_COMPLETED.value, Trigger.ARRANGEMENT_FULFILLED.value}
BROKEN = {Trigger.ARRANGEMENT_DEFAULTED.value, Trigger.ARRANGEMENT_DEFAULTED_TO_DECISION.value}


@dataclass(frozen=True)
class DossierFacts:
    """The part of a dossier the counters depend on (small: kept per loaded dossier)."""

    status: Status
    open_by_due: tuple[tuple[date, int], ...]
    invoices: tuple[tuple[str, date, int], ...]  # number, due date, amount
    payment_ids: frozenset[str]
    waiting_for_handover: bool
    disputes_with_client: int
    arrangement_waiting: bool

    @property
    def open_cents(self) -> int:
        return sum(cents for _, cents in self.open_by_due)


def facts_of(dossier: Dossier) -> DossierFacts:
    open_by_due: Counter[date] = Counter()
    for invoice in dossier.invoices.values():
        if invoice.open_cents:
            open_by_due[invoice.due_date] += invoice.open_cents
    awaiting = dossier.status is Status.AWAITING_HANDOVER_DECISION
    return DossierFacts(
        status=dossier.status,
        open_by_due=tuple(sorted(open_by_due.items())),
        invoices=tuple(sorted((i.number, i.due_date, i.amount_cents) for i in dossier.invoices.values())),
        payment_ids=frozenset(dossier.payments),
        waiting_for_handover=awaiting and dossier.arrangement is None,
        disputes_with_client=sum(1 for d in dossier.disputes if d.state is DisputeState.WITH_CLIENT),
        # A broken arrangement puts the file back before the client: hand over or not.
        arrangement_waiting=awaiting and dossier.arrangement is not None,
    )


def _state_counts(facts: DossierFacts | None) -> Counter[str]:
    counts: Counter[str] = Counter()
    if facts is None:
        return counts
    counts["dossiers"] += 1
    counts[f"status:{facts.status.value}"] += 1
    counts["open_cents"] += facts.open_cents
    counts["with_open"] += 1 if facts.open_cents > 0 else 0
    for due_date, cents in facts.open_by_due:
        counts[f"due:{due_date.isoformat()}"] += cents
    for _, due_date, amount in facts.invoices:
        counts[f"cohort:{month_of(due_date)}:principal"] += amount
    counts["waiting:handover"] += int(facts.waiting_for_handover)
    counts["waiting:arrangement"] += int(facts.arrangement_waiting)
    counts["waiting:dispute"] += facts.disputes_with_client
    return counts


def _paid_window(due_date: date, paid_on: date) -> str:
    days = (paid_on - due_date).days
    for window in PAYMENT_WINDOWS:
        if days <= window:
            return f"paid{window}"
    return "paidlate"


def count_changes(
    before: DossierFacts | None, after: Dossier, events: Iterable[AuditEvent], at: datetime | None
) -> dict[str, int]:
    """What to add to the client's counters for this save: the difference of the dossier's state
    counts, plus what its new events and new payments happened to (money collected, payments by
    how soon after due, arrangements kept or broken). Zero entries are left out."""
    now_facts = facts_of(after)
    changes = _state_counts(now_facts)
    changes.subtract(_state_counts(before))
    new_payments = [p for pid, p in after.payments.items() if before is None or pid not in before.payment_ids]
    if at is not None and new_payments:
        paid_on = at.date()
        due_of = {number: due for number, due, _ in now_facts.invoices}
        for payment in new_payments:
            changes[f"collected:{month_of(paid_on)}"] += payment.amount_cents
            for number, cents in payment.invoices:
                due_date = due_of.get(number)
                if due_date is not None:
                    changes[f"cohort:{month_of(due_date)}:{_paid_window(due_date, paid_on)}"] += cents
    for event in events:
        if event.what in KEPT:
            changes["arrangements:kept"] += 1
        elif event.what in BROKEN:
            changes["arrangements:broken"] += 1
    return {name: value for name, value in changes.items() if value}


@dataclass(frozen=True)
class ListLine:
    """A dossier as one line of its client's list, with what the list filters on."""

    debtor_id: str
    name: str
    status: Status
    open_cents: int
    owed_cents: int
    oldest_due: date | None
    disputed: bool
    in_arrangement: bool
    channel: str  # the channel of the last message to the debtor, "none" before any

    @property
    def search_text(self) -> str:
        return f"{self.debtor_id} {self.name}".casefold()


DEBTOR_CHANNELS = ("email", "sms", "letter")


def list_line(dossier: Dossier) -> ListLine:
    open_invoices = [i for i in dossier.invoices.values() if i.open_cents > 0]
    to_debtor = [m for m in dossier.messages if m.channel in DEBTOR_CHANNELS]
    return ListLine(
        debtor_id=dossier.debtor_id,
        name=dossier.debtor.name,
        status=dossier.status,
        open_cents=dossier.open_cents,
        owed_cents=dossier.owed_cents,
        oldest_due=min((i.due_date for i in open_invoices), default=None),
        disputed=bool(dossier.open_disputes),
        in_arrangement=dossier.arrangement is not None and dossier.status is Status.IN_ARRANGEMENT,
        channel=max(to_debtor, key=lambda m: m.sent_at).channel if to_debtor else "none",
    )


# The list shows first what waits for the client, then what is being chased, then what left.
LIST_ORDER: dict[Status, int] = {
    Status.AWAITING_HANDOVER_DECISION: 1,
    Status.DISPUTED: 1,
    Status.OPEN: 2,
    Status.REMINDED: 2,
    Status.IN_ARRANGEMENT: 2,
    Status.PAUSED: 2,
    Status.HANDED_OVER: 3,
    Status.PAID: 4,
    Status.SETTLED_BY_CLIENT: 4,
    Status.WITHDRAWN: 4,
}
