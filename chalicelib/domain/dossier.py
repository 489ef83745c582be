"""The dossier: one file per debtor per client, holding the debtor's open invoices.

Every change goes through `Dossier.apply`, which consults the single transition table below and
records an audit event, so the file a collection agency receives explains every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.debtor_list import DebtorDetails
from chalicelib.domain.errors import TransitionNotAllowed


class Status(StrEnum):
    OPEN = "open"
    REMINDED = "reminded"
    AWAITING_HANDOVER_DECISION = "awaiting_handover_decision"
    HANDED_OVER = "handed_over"
    PAID = "paid"
    SETTLED_BY_CLIENT = "settled_by_client"
    WITHDRAWN = "withdrawn"
    IN_ARRANGEMENT = "in_arrangement"
    DISPUTED = "disputed"


class Trigger(StrEnum):
    REMINDER_SENT = "reminder_sent"
    HANDOVER_DECISION_REQUESTED = "handover_decision_requested"
    CLIENT_APPROVED_HANDOVER = "client_approved_handover"
    CLIENT_DECLINED_HANDOVER = "client_declined_handover"
    FULLY_PAID = "fully_paid"
    SETTLED_BY_CLIENT = "settled_by_client"
    WITHDRAWN_BY_CLIENT = "withdrawn_by_client"
    ARRANGEMENT_AGREED = "arrangement_agreed"
    ARRANGEMENT_COMPLETED = "arrangement_completed"
    ARRANGEMENT_DEFAULTED = "arrangement_defaulted"
    DISPUTE_FILED = "dispute_filed"
    DISPUTE_RESOLVED = "dispute_resolved"
    REOPENED = "reopened"


_DUNNING = (Status.OPEN, Status.REMINDED)
_ACTIVE = (*_DUNNING, Status.AWAITING_HANDOVER_DECISION, Status.IN_ARRANGEMENT, Status.DISPUTED)
_CLOSED = (Status.PAID, Status.SETTLED_BY_CLIENT, Status.WITHDRAWN)

# The whole life of a dossier in one table. A pair that is missing is not allowed.
TRANSITIONS: dict[tuple[Status, Trigger], Status] = {
    (Status.OPEN, Trigger.REMINDER_SENT): Status.REMINDED,
    (Status.REMINDED, Trigger.REMINDER_SENT): Status.REMINDED,
    **{(s, Trigger.HANDOVER_DECISION_REQUESTED): Status.AWAITING_HANDOVER_DECISION for s in _DUNNING},
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_APPROVED_HANDOVER): Status.HANDED_OVER,
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_DECLINED_HANDOVER): Status.REMINDED,
    **{(s, Trigger.FULLY_PAID): Status.PAID for s in (*_ACTIVE,)},
    **{(s, Trigger.SETTLED_BY_CLIENT): Status.SETTLED_BY_CLIENT for s in (*_ACTIVE, Status.HANDED_OVER)},
    **{(s, Trigger.WITHDRAWN_BY_CLIENT): Status.WITHDRAWN for s in _ACTIVE},
    **{(s, Trigger.ARRANGEMENT_AGREED): Status.IN_ARRANGEMENT for s in (*_DUNNING, Status.DISPUTED)},
    (Status.AWAITING_HANDOVER_DECISION, Trigger.ARRANGEMENT_AGREED): Status.IN_ARRANGEMENT,
    (Status.IN_ARRANGEMENT, Trigger.ARRANGEMENT_COMPLETED): Status.PAID,
    (Status.IN_ARRANGEMENT, Trigger.ARRANGEMENT_DEFAULTED): Status.REMINDED,
    **{(s, Trigger.DISPUTE_FILED): Status.DISPUTED for s in (*_DUNNING, Status.AWAITING_HANDOVER_DECISION)},
    (Status.DISPUTED, Trigger.DISPUTE_RESOLVED): Status.REMINDED,
    # A refund, chargeback or a reappearing invoice undoes a closure.
    **{(s, Trigger.REOPENED): Status.REMINDED for s in _CLOSED},
}


@dataclass(frozen=True)
class Invoice:
    number: str
    due_date: date
    amount_cents: int
    open_cents: int
    invoice_date: date | None = None

    @property
    def is_open(self) -> bool:
        return self.open_cents != 0


@dataclass(frozen=True)
class AuditEvent:
    """One line of the dossier's legal record: what happened, when, why, and who or what did it."""

    at: datetime
    what: str
    actor: str
    reason: str
    from_status: Status | None = None
    to_status: Status | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SentMessage:
    step: int
    channel: str
    template: str
    sent_at: datetime
    amount_cents: int
    payment_id: str | None
    provider_id: str | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class PaymentLink:
    payment_id: str
    checkout_url: str
    amount_cents: int
    step: int


@dataclass
class Dossier:
    client_id: str
    debtor: DebtorDetails
    opened_on: date
    status: Status = Status.OPEN
    step: int = 0
    invoices: dict[str, Invoice] = field(default_factory=dict)
    next_action_at: datetime | None = None
    payment_link: PaymentLink | None = None
    received_payment_ids: tuple[str, ...] = ()
    paid_cents: int = 0
    overpaid_cents: int = 0
    messages: tuple[SentMessage, ...] = ()
    version: int | None = None
    new_events: list[AuditEvent] = field(default_factory=list)

    @property
    def debtor_id(self) -> str:
        return self.debtor.debtor_id

    @property
    def open_cents(self) -> int:
        return sum(invoice.open_cents for invoice in self.invoices.values())

    @property
    def is_active(self) -> bool:
        return self.status in _ACTIVE

    @property
    def is_closed(self) -> bool:
        return self.status in _CLOSED

    @property
    def accepts_dunning(self) -> bool:
        return self.status in _DUNNING

    def record(self, event: AuditEvent) -> None:
        self.new_events.append(event)

    def apply(self, trigger: Trigger, *, at: datetime, actor: str, reason: str, **details: Any) -> None:
        new_status = TRANSITIONS.get((self.status, trigger))
        if new_status is None:
            raise TransitionNotAllowed(self.status.value, trigger.value)
        self.record(
            AuditEvent(
                at=at,
                what=trigger.value,
                actor=actor,
                reason=reason,
                from_status=self.status,
                to_status=new_status,
                details=details,
            )
        )
        self.status = new_status

    # --- invoices, as the client's list shows them -------------------------------------------

    def take_invoice(self, invoice: Invoice, *, at: datetime, actor: str) -> bool:
        """Add a new invoice or update an existing one; True when anything changed."""
        known = self.invoices.get(invoice.number)
        if known == invoice:
            return False
        self.invoices[invoice.number] = invoice
        if known is None:
            self.record(
                AuditEvent(
                    at=at,
                    what="invoice_added",
                    actor=actor,
                    reason="invoice on the client's list",
                    details={"invoice": invoice.number, "open_cents": invoice.open_cents},
                )
            )
        elif invoice.open_cents != known.open_cents:
            self.record(
                AuditEvent(
                    at=at,
                    what="invoice_amount_changed",
                    actor=actor,
                    reason=(
                        "partly paid to the client directly"
                        if abs(invoice.open_cents) < abs(known.open_cents)
                        else "open amount raised on the client's list"
                    ),
                    details={
                        "invoice": invoice.number,
                        "from_cents": known.open_cents,
                        "to_cents": invoice.open_cents,
                    },
                )
            )
        if self.is_closed and self.open_cents > 0:
            self.apply(Trigger.REOPENED, at=at, actor=actor, reason="an open invoice appeared again")
        return True

    def settle_invoice_by_client(self, number: str, *, at: datetime, actor: str, reason: str) -> bool:
        """The client was paid directly: stop chasing this invoice. True when anything changed."""
        known = self.invoices.get(number)
        if known is None or not known.is_open:
            return False
        self.invoices[number] = replace(known, open_cents=0)
        self.record(
            AuditEvent(
                at=at,
                what="invoice_settled_by_client",
                actor=actor,
                reason=reason,
                details={"invoice": number, "settled_cents": known.open_cents},
            )
        )
        if self.is_active and self.open_cents <= 0:
            self.apply(
                Trigger.SETTLED_BY_CLIENT,
                at=at,
                actor=actor,
                reason="nothing is left open on the client's list",
            )
            self.next_action_at = None
        return True

    # --- dunning ---------------------------------------------------------------------------

    def record_message(self, message: SentMessage, *, actor: str) -> None:
        self.messages = (*self.messages, message)
        self.record(
            AuditEvent(
                at=message.sent_at,
                what="message_sent",
                actor=actor,
                reason=f"dunning step {message.step}",
                details={
                    "step": message.step,
                    "channel": message.channel,
                    "template": message.template,
                    "amount_cents": message.amount_cents,
                    "payment_id": message.payment_id,
                },
            )
        )

    def confirm_message(self, step: int, channel: str, provider_id: str, *, at: datetime, actor: str) -> None:
        self.messages = tuple(
            replace(m, provider_id=provider_id, confirmed=True)
            if (m.step, m.channel) == (step, channel)
            else m
            for m in self.messages
        )
        self.record(
            AuditEvent(
                at=at,
                what="message_delivered_to_provider",
                actor=actor,
                reason="the provider accepted the message",
                details={"step": step, "channel": channel, "provider_id": provider_id},
            )
        )

    # --- payments ----------------------------------------------------------------------------

    def receive_payment(self, payment_id: str, amount_cents: int, *, at: datetime, actor: str) -> bool:
        """Apply a paid Mollie payment, oldest invoice first (BW 6:44). False if already applied.

        Costs and interest come first in the allocation once they are due on the dossier; until
        then the whole payment goes to principal.
        """
        if payment_id in self.received_payment_ids:
            return False
        self.received_payment_ids = (*self.received_payment_ids, payment_id)
        remaining = amount_cents
        allocated: dict[str, int] = {}
        for invoice in sorted(self.invoices.values(), key=lambda i: (i.due_date, i.number)):
            if remaining <= 0:
                break
            if invoice.open_cents <= 0:
                continue
            share = min(invoice.open_cents, remaining)
            self.invoices[invoice.number] = replace(invoice, open_cents=invoice.open_cents - share)
            allocated[invoice.number] = share
            remaining -= share
        self.paid_cents += amount_cents
        self.overpaid_cents += remaining
        self.record(
            AuditEvent(
                at=at,
                what="payment_received",
                actor=actor,
                reason="payment reported paid by Mollie",
                details={
                    "payment_id": payment_id,
                    "amount_cents": amount_cents,
                    "allocated": allocated,
                    "overpaid_cents": remaining,
                },
            )
        )
        if self.payment_link and self.payment_link.payment_id == payment_id:
            self.payment_link = None
        if self.open_cents <= 0 and self.is_active:
            self.apply(Trigger.FULLY_PAID, at=at, actor=actor, reason="everything open has been paid")
            self.next_action_at = None
        return True
