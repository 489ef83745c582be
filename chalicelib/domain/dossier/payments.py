"""How money moves through a dossier, as pure functions over its values: a payment pays costs,
then interest, then principal oldest invoice first (BW 6:44, `legal.allocate_payment`); a refund or
chargeback undoes a payment in the reverse order. The aggregate applies what these compute."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from chalicelib.domain.dossier.records import Invoice, ReceivedPayment
from chalicelib.domain.legal import allocate_payment


@dataclass(frozen=True)
class Allocation:
    invoices: dict[str, Invoice]  # the invoices that changed, with their new open amounts
    costs_cents: int
    interest_cents: int
    received: ReceivedPayment


def allocate(
    payment_id: str,
    amount_cents: int,
    *,
    invoices: Mapping[str, Invoice],
    disputed: frozenset[str],
    open_costs_cents: int,
    open_interest_cents: int,
    link_id: str | None,
    named_invoice: str | None,
) -> Allocation:
    """Costs, interest, then principal: the invoices still chased oldest first, and only then the
    disputed ones (a debtor paying the link pays what the link asked for)."""

    def order(i: Invoice) -> tuple[bool, object, str]:
        return (i.number in disputed, i.due_date, i.number)

    open_invoices = [
        (i.number, i.due_date, i.open_cents) for i in sorted(invoices.values(), key=order) if i.open_cents > 0
    ]
    result = allocate_payment(
        amount_cents,
        open_costs_cents,
        open_interest_cents,
        open_invoices,
        named_invoice if named_invoice in invoices else None,
    )
    changed = {
        paid.invoice_number: replace(invoices[paid.invoice_number], open_cents=paid.remaining_cents)
        for paid in result.invoices
    }
    return Allocation(
        invoices=changed,
        costs_cents=result.costs_cents,
        interest_cents=result.interest_cents,
        received=ReceivedPayment(
            payment_id=payment_id,
            amount_cents=amount_cents,
            costs_cents=result.costs_cents,
            interest_cents=result.interest_cents,
            invoices=tuple((p.invoice_number, p.amount_cents) for p in result.invoices),
            overpaid_cents=result.overpayment_cents,
            link_id=link_id,
        ),
    )


@dataclass(frozen=True)
class Undo:
    invoices: dict[str, Invoice]  # reopened invoices with their new open amounts
    reopened: dict[str, int]  # invoice number -> cents owed again
    interest_cents: int
    costs_cents: int
    overpaid_cents: int
    received: ReceivedPayment  # the payment as it stands after the reversal


def undo(
    applied: ReceivedPayment,
    delta_cents: int,
    invoices: Mapping[str, Invoice],
    reversal_ids: tuple[str, ...],
) -> Undo:
    """Undo `delta_cents` of an applied payment: overpayment first, then the newest principal,
    then interest, then costs (the reverse of the allocation)."""
    left = delta_cents
    undone_overpaid = min(left, applied.overpaid_cents)
    left -= undone_overpaid
    reopened: dict[str, int] = {}
    changed: dict[str, Invoice] = {}
    for number, cents in reversed(applied.invoices):
        share = min(left, cents)
        if share > 0:
            invoice = changed.get(number, invoices[number])
            changed[number] = replace(invoice, open_cents=invoice.open_cents + share)
            reopened[number] = reopened.get(number, 0) + share
            left -= share
    undone_interest = min(left, applied.interest_cents)
    left -= undone_interest
    undone_costs = min(left, applied.costs_cents)
    return Undo(
        invoices=changed,
        reopened=reopened,
        interest_cents=undone_interest,
        costs_cents=undone_costs,
        overpaid_cents=undone_overpaid,
        received=replace(
            applied,
            overpaid_cents=applied.overpaid_cents - undone_overpaid,
            invoices=tuple((number, cents - reopened.get(number, 0)) for number, cents in applied.invoices),
            interest_cents=applied.interest_cents - undone_interest,
            costs_cents=applied.costs_cents - undone_costs,
            reversed_cents=applied.reversed_cents + delta_cents,
            reversal_ids=tuple(dict.fromkeys((*applied.reversal_ids, *reversal_ids))),
        ),
    )
