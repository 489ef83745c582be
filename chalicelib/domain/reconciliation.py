"""How a client's debtor list changes the dossiers: the reconciliation rules, as pure functions.

The daily list is a snapshot of everything the client still has open. Read against the dossiers:
- a new debtor with something open gets a dossier; one with only credit notes (or only paid rows)
  does not;
- a new invoice of a known debtor joins the debtor's dossier;
- a lower open amount means the debtor paid part of it to the client directly (audit event);
- an invoice missing from the next *full* list was paid to the client directly: settled;
- a dossier with nothing left open closes as settled by the client, also when credit notes bring
  the balance to zero or below;
- a "paid items" list (the `paid/` prefix, or a paid column) settles the invoices it names;
- a closed dossier that gets a new open invoice is reopened (transition table) and its dunning
  starts again from the first step, because the new invoice has never been reminded;
- a list far shorter than the open dossiers is held: nothing is closed until the client confirms.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType, InvoiceLine
from chalicelib.domain.dossier import Dossier, Invoice
from chalicelib.domain.policies import Policy
from chalicelib.domain.reversals import ReversedDebit

ACTOR = "import"
STORNO_ACTOR = "storno import"
PAID_DIRECTLY = "no longer on the client's list: paid to the client directly"
# A full list with less than this share of the debtors open before looks like a mistake
# (an export with a filter left on): nothing is closed until the client confirms.
PARTIAL_LIST_SHARE = 0.5
PARTIAL_LIST_MIN_OPEN = 10


class Outcome(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    CLOSED = "closed"
    UNCHANGED = "unchanged"
    NOT_OPENED = "not_opened"  # nothing open (credit notes only, paid rows) or not a full list


@dataclass
class Reconciled:
    outcome: Outcome
    dossier: Dossier | None
    invoices_settled: int = 0

    @property
    def changed(self) -> bool:
        return self.outcome in (Outcome.OPENED, Outcome.UPDATED, Outcome.CLOSED)


def is_partial_list(listed_debtors: int, open_before: int) -> bool:
    """True when a full list names fewer than half the debtors that have an open dossier."""
    return open_before >= PARTIAL_LIST_MIN_OPEN and listed_debtors < open_before * PARTIAL_LIST_SHARE


def debtor_digest(lines: list[InvoiceLine]) -> str:
    """A fingerprint of what the list says about one debtor, independent of row order and line
    numbers: the same rows tomorrow give the same digest, so an unchanged debtor needs no read."""
    parts = sorted(
        repr(
            (
                line.invoice_number,
                line.due_date,
                line.open_cents,
                line.amount_cents,
                line.invoice_date,
                line.paid,
            )
        )
        for line in lines
    )
    parts.append(repr(lines[-1].debtor))
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=10).hexdigest()


def reconcile(
    client_id: str,
    dossier: Dossier | None,
    lines: list[InvoiceLine],
    *,
    paid_items: bool,
    hold: bool,
    today: date,
    now: datetime,
    policy: Policy,
) -> Reconciled:
    """What one debtor's rows on today's list mean for the debtor's dossier (None: none yet)."""
    if dossier is None:
        if paid_items:
            return Reconciled(Outcome.NOT_OPENED, None)
        opened = open_dossier(client_id, lines, today, now, policy)
        return Reconciled(Outcome.OPENED if opened else Outcome.NOT_OPENED, opened)

    was_closed = dossier.is_closed
    changed = False
    settled = 0
    listed: set[str] = set()
    for line in lines:
        listed.add(line.invoice_number)
        if paid_items or line.paid:
            if dossier.settle_invoice_by_client(
                line.invoice_number, at=now, actor=ACTOR, reason="on the client's list of paid items"
            ):
                changed, settled = True, settled + 1
        else:
            changed |= dossier.take_invoice(_listed_amount(dossier, line), at=now, actor=ACTOR)
    if not paid_items and dossier.update_debtor(lines[-1].debtor):
        changed = True
    if not paid_items and not hold:
        for number in [n for n, i in dossier.invoices.items() if _from_list(i) and n not in listed]:
            dossier.settle_invoice_by_client(number, at=now, actor=ACTOR, reason=PAID_DIRECTLY)
            changed, settled = True, settled + 1
    if dossier.is_active and dossier.open_cents <= 0 and changed:
        # Credit notes can bring the balance to zero without any invoice being settled.
        dossier.settle(
            at=now, actor=ACTOR, reason="the credit notes on the client's list cover everything open"
        )
    if was_closed and dossier.is_active:
        restart_dunning(dossier, today, now, policy)
    if not changed:
        return Reconciled(Outcome.UNCHANGED, dossier)
    return Reconciled(Outcome.CLOSED if dossier.is_closed else Outcome.UPDATED, dossier, settled)


def reconcile_reversal(
    client_id: str,
    dossier: Dossier | None,
    reversal: ReversedDebit,
    *,
    debtor_type: DebtorType,
    today: date,
    now: datetime,
    policy: Policy,
) -> Reconciled:
    """A direct debit the member's bank reversed: the member's dossier is opened (with the name and
    account the bank gave) or gets the reversed amount as an item of its own, and a closed one
    starts dunning again from the first step. The same reversal twice changes nothing."""
    if dossier is None:
        debtor = DebtorDetails(
            debtor_id=reversal.debtor_id,
            name=reversal.name or reversal.debtor_id,
            debtor_type=debtor_type,
            email=reversal.email,
            iban=reversal.iban,
        )
        first = policy.step_after(0)
        opened = Dossier.open(
            client_id,
            debtor,
            [],
            today=today,
            at=now,
            actor=STORNO_ACTOR,
            first_action_at=policy.due_at(today, first) if first else now,
            reason="a direct debit of a member without a dossier was reversed",
        )
        opened.record_reversed_debit(reversal, at=now, actor=STORNO_ACTOR)
        return Reconciled(Outcome.OPENED, opened)
    was_closed = dossier.is_closed
    if not dossier.record_reversed_debit(reversal, at=now, actor=STORNO_ACTOR):
        return Reconciled(Outcome.UNCHANGED, dossier)
    if was_closed and dossier.is_active:
        restart_dunning(dossier, today, now, policy)
    return Reconciled(Outcome.UPDATED, dossier)


def close_missing(dossier: Dossier, now: datetime) -> int:
    """A debtor with an open dossier is absent from a full list: the client was paid directly.
    Returns the number of invoices settled."""
    if not dossier.is_active:
        return 0
    numbers = [n for n, i in dossier.invoices.items() if _from_list(i)]
    for number in numbers:
        dossier.settle_invoice_by_client(number, at=now, actor=ACTOR, reason=PAID_DIRECTLY)
    if any(i.is_open for i in dossier.invoices.values()):
        return len(numbers)  # a reversed direct debit is not on the list and stays owed
    if dossier.is_active:  # no open invoices at all, yet active: close it all the same
        dossier.settle(at=now, actor=ACTOR, reason=PAID_DIRECTLY)
    return len(numbers)


def open_dossier(
    client_id: str, lines: list[InvoiceLine], today: date, now: datetime, policy: Policy
) -> Dossier | None:
    """A new debtor: a dossier when something is open; credit notes alone open nothing."""
    open_lines = [line for line in lines if not line.paid]
    if sum(line.open_cents for line in open_lines) <= 0:
        return None
    first = policy.step_after(0)
    return Dossier.open(
        client_id,
        open_lines[-1].debtor,
        [invoice_of(line) for line in open_lines],
        today=today,
        at=now,
        actor=ACTOR,
        first_action_at=policy.due_at(today, first) if first else now,
    )


def restart_dunning(dossier: Dossier, today: date, now: datetime, policy: Policy) -> None:
    """A reopened dossier holds an invoice nobody reminded yet: its dunning starts from step 1
    (the 14-day letter of BW 6:96 lid 6 is owed for the new invoice too)."""
    first = policy.step_after(0)
    dossier.restart_dunning(
        today=today, at=now, actor=ACTOR, first_action_at=policy.due_at(today, first) if first else now
    )


def invoice_of(line: InvoiceLine) -> Invoice:
    return Invoice(
        number=line.invoice_number,
        due_date=line.due_date,
        amount_cents=line.amount_cents,
        open_cents=line.open_cents,
        invoice_date=line.invoice_date,
    )


def _from_list(invoice: Invoice) -> bool:
    """An open item the client's list speaks for: not a reversed direct debit, which comes from
    the bank's reject file and is never on the list of open items."""
    return invoice.is_open and invoice.reversal_code is None


def _listed_amount(dossier: Dossier, line: InvoiceLine) -> Invoice:
    """The client's books lag behind payments made through us (the client books them days later):
    once a dossier has received payments, a list never raises an invoice above what we know is
    still open, or the debtor would be chased again for money already paid."""
    invoice = invoice_of(line)
    known = dossier.invoices.get(line.invoice_number)
    if known is not None and dossier.paid_cents > 0 and 0 <= known.open_cents < invoice.open_cents:
        return replace(invoice, open_cents=known.open_cents)
    return invoice


DIGEST_SHARDS = 16


def digest_shard(debtor_id: str) -> int:
    """The shard (and, for a very large list, the chunk) a debtor belongs to; stable across runs."""
    return zlib.crc32(debtor_id.encode("utf-8")) % DIGEST_SHARDS
