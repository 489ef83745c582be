"""The dossier: one file per debtor per client, holding the debtor's open invoices.

Every change goes through `Dossier.apply`, which consults the single transition table below and
records an audit event, so the file a collection agency receives explains every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.arrangements import Arrangement
from chalicelib.domain.call_tasks import CallOutcome, CallTask
from chalicelib.domain.debtor_list import DebtorDetails
from chalicelib.domain.errors import CallTaskClosed, TransitionNotAllowed, UnknownCallTask
from chalicelib.domain.legal import allocate_payment


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
    # The client declined a hand-over and asked to stop the messages for now.
    PAUSED = "paused"


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
    CLIENT_PAUSED_DUNNING = "client_paused_dunning"
    CLIENT_RESUMED_DUNNING = "client_resumed_dunning"
    PAYMENT_PROMISED = "payment_promised"
    # SES reported a permanent bounce or a complaint: the address is not used again.
    EMAIL_ADDRESS_REJECTED = "email_address_rejected"


_DUNNING = (Status.OPEN, Status.REMINDED)
_ACTIVE = (
    *_DUNNING,
    Status.AWAITING_HANDOVER_DECISION,
    Status.IN_ARRANGEMENT,
    Status.DISPUTED,
    Status.PAUSED,
)
_CLOSED = (Status.PAID, Status.SETTLED_BY_CLIENT, Status.WITHDRAWN)

# The whole life of a dossier in one table. A pair that is missing is not allowed.
TRANSITIONS: dict[tuple[Status, Trigger], Status] = {
    (Status.OPEN, Trigger.REMINDER_SENT): Status.REMINDED,
    (Status.REMINDED, Trigger.REMINDER_SENT): Status.REMINDED,
    **{(s, Trigger.HANDOVER_DECISION_REQUESTED): Status.AWAITING_HANDOVER_DECISION for s in _DUNNING},
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_APPROVED_HANDOVER): Status.HANDED_OVER,
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_DECLINED_HANDOVER): Status.REMINDED,
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_PAUSED_DUNNING): Status.PAUSED,
    (Status.PAUSED, Trigger.CLIENT_RESUMED_DUNNING): Status.REMINDED,
    # A debtor's promise on the phone changes no status; the next step waits for the promised day.
    **{(s, Trigger.PAYMENT_PROMISED): s for s in _DUNNING},
    # A bounce may arrive in any state (the last reminder bounces after the debtor paid); the status
    # stays, the address is marked unusable so later messages take the next channel.
    **{(s, Trigger.EMAIL_ADDRESS_REJECTED): s for s in Status},
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
    # Where the rendered text or PDF is kept (S3 key), so the file shows exactly what was sent.
    s3_key: str | None = None
    # What the provider reported afterwards, e.g. "bounce:Permanent/General" or "complaint:abuse".
    feedback: str | None = None


@dataclass(frozen=True)
class FourteenDayLetter:
    """The consumer's 14-day letter (BW 6:96 lid 6) as it was posted: the term it started and the
    exact costs it announced. Costs may be charged only from `costs_due_from`, and only these."""

    posted_on: date
    presumed_receipt: date
    last_day: date
    costs_due_from: date
    principal_cents: int  # the summed principals the costs were computed over (BW 6:96 lid 7)
    costs_cents: int  # including VAT when the client declared it
    invoices: tuple[str, ...]
    step: int


@dataclass(frozen=True)
class PaymentLink:
    # The Mollie id the debtor pays through: a payment link (pl_...) or a payment (tr_...).
    payment_id: str
    checkout_url: str
    amount_cents: int
    step: int
    installment: int | None = None
    expires_at: datetime | None = None
    retired_at: datetime | None = None


@dataclass(frozen=True)
class ReceivedPayment:
    """How one Mollie payment was applied (BW 6:44), kept so a refund or chargeback can undo it."""

    payment_id: str
    amount_cents: int
    costs_cents: int
    interest_cents: int
    invoices: tuple[tuple[str, int], ...]  # (invoice number, cents) in the order paid
    overpaid_cents: int
    link_id: str | None = None
    reversed_cents: int = 0  # refunded + charged back, as Mollie last reported it
    reversal_ids: tuple[str, ...] = ()


OVERPAID_FLAG = "overpaid"


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
    # Collection costs and statutory interest charged to the debtor and still open; a payment pays
    # these before principal (BW 6:44). Dunning sets them when they become due.
    open_costs_cents: int = 0
    open_interest_cents: int = 0
    payments: dict[str, ReceivedPayment] = field(default_factory=dict)
    retired_links: tuple[PaymentLink, ...] = ()
    # Things the client must look at on the dashboard (e.g. "overpaid": money to refund or set off).
    flags: tuple[str, ...] = ()
    arrangement: Arrangement | None = None
    # Dunning: when the last policy step ran (steps may count from it), the 14-day letter that
    # started the consumer's term, and the call team's tasks.
    last_step_at: datetime | None = None
    fourteen_day_letter: FourteenDayLetter | None = None
    call_tasks: tuple[CallTask, ...] = ()
    # E-mail addresses SES reported as bouncing permanently or complaining (lower case). Kept on the
    # dossier, not on the debtor details the client's list overwrites: a re-import of the same
    # address leaves it unusable; a different address from the client is used again.
    undeliverable_emails: tuple[str, ...] = ()
    version: int | None = None
    new_events: list[AuditEvent] = field(default_factory=list)

    @property
    def debtor_id(self) -> str:
        return self.debtor.debtor_id

    @property
    def open_cents(self) -> int:
        return sum(invoice.open_cents for invoice in self.invoices.values())

    @property
    def due_cents(self) -> int:
        """What the debtor owes now: open principal plus open costs and interest."""
        return self.open_cents + self.open_costs_cents + self.open_interest_cents

    @property
    def usable_email(self) -> str | None:
        """The debtor's e-mail address, unless it bounced permanently or drew a complaint."""
        email = self.debtor.email
        if not email or email.strip().lower() in self.undeliverable_emails:
            return None
        return email

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
                    "s3_key": message.s3_key,
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

    def record_email_feedback(
        self, step: int, channel: str, feedback: str, *, at: datetime, actor: str, reason: str, **details: Any
    ) -> bool:
        """Note SES's report on the e-mail of (step, channel); False when it was noted already
        (SNS delivers at least once)."""
        known = next((m for m in self.messages if (m.step, m.channel) == (step, channel)), None)
        if known is not None and known.feedback == feedback:
            return False
        self.messages = tuple(
            replace(m, feedback=feedback) if (m.step, m.channel) == (step, channel) else m
            for m in self.messages
        )
        self.record(
            AuditEvent(
                at=at,
                what="email_feedback",
                actor=actor,
                reason=reason,
                details={"step": step, "channel": channel, "feedback": feedback, **details},
            )
        )
        return True

    def reject_email_address(
        self, address: str, *, at: datetime, actor: str, reason: str, **details: Any
    ) -> bool:
        """SES reported `address` as bouncing permanently or complaining: stop using it. True when
        the address was newly marked; a repeated notification changes nothing."""
        normalised = address.strip().lower()
        if not normalised or normalised in self.undeliverable_emails:
            return False
        self.apply(Trigger.EMAIL_ADDRESS_REJECTED, at=at, actor=actor, reason=reason, **details)
        self.undeliverable_emails = (*self.undeliverable_emails, normalised)
        return True

    # --- payments ----------------------------------------------------------------------------

    def receive_payment(
        self,
        payment_id: str,
        amount_cents: int,
        *,
        at: datetime,
        actor: str,
        link_id: str | None = None,
        named_invoice: str | None = None,
    ) -> bool:
        """Apply a paid Mollie payment: costs, then interest, then principal oldest invoice first
        (BW 6:44, legal.allocate_payment). False if this payment was already applied.

        A payment through an old (retired) link is credited like any other: what counts is the
        money, not the link. Money beyond everything owed is kept as an overpayment and flagged
        for the client; it is never dropped.
        """
        if payment_id in self.payments or payment_id in self.received_payment_ids:
            return False
        open_invoices = [
            (i.number, i.due_date, i.open_cents)
            for i in sorted(self.invoices.values(), key=lambda i: (i.due_date, i.number))
            if i.open_cents > 0
        ]
        allocation = allocate_payment(
            amount_cents,
            self.open_costs_cents,
            self.open_interest_cents,
            open_invoices,
            named_invoice if named_invoice in self.invoices else None,
        )
        for paid in allocation.invoices:
            invoice = self.invoices[paid.invoice_number]
            self.invoices[paid.invoice_number] = replace(invoice, open_cents=paid.remaining_cents)
        self.open_costs_cents -= allocation.costs_cents
        self.open_interest_cents -= allocation.interest_cents
        self.payments[payment_id] = ReceivedPayment(
            payment_id=payment_id,
            amount_cents=amount_cents,
            costs_cents=allocation.costs_cents,
            interest_cents=allocation.interest_cents,
            invoices=tuple((p.invoice_number, p.amount_cents) for p in allocation.invoices),
            overpaid_cents=allocation.overpayment_cents,
            link_id=link_id,
        )
        self.received_payment_ids = (*self.received_payment_ids, payment_id)
        self.paid_cents += amount_cents
        self.overpaid_cents += allocation.overpayment_cents
        self.record(
            AuditEvent(
                at=at,
                what="payment_received",
                actor=actor,
                reason="payment reported paid by Mollie",
                details={
                    "payment_id": payment_id,
                    "link_id": link_id,
                    "amount_cents": amount_cents,
                    "costs_cents": allocation.costs_cents,
                    "interest_cents": allocation.interest_cents,
                    "allocated": {p.invoice_number: p.amount_cents for p in allocation.invoices},
                    "overpaid_cents": allocation.overpayment_cents,
                },
            )
        )
        if allocation.overpayment_cents:
            if OVERPAID_FLAG not in self.flags:
                self.flags = (*self.flags, OVERPAID_FLAG)
            self.record(
                AuditEvent(
                    at=at,
                    what="overpayment_flagged",
                    actor=actor,
                    reason="the debtor paid more than was owed: refund or set off, the client decides",
                    details={
                        "payment_id": payment_id,
                        "overpaid_cents": allocation.overpayment_cents,
                        "total_overpaid_cents": self.overpaid_cents,
                    },
                )
            )
        if self.arrangement is not None and self.status is Status.IN_ARRANGEMENT:
            self.arrangement = self.arrangement.credit(amount_cents - allocation.overpayment_cents)
        if self.payment_link and self.payment_link.payment_id in (payment_id, link_id):
            self.retire_payment_link(at=at, actor=actor, reason="paid")
        elif (
            self.payment_link
            and self.payment_link.installment is None
            and self.payment_link.amount_cents != self.due_cents
        ):
            self.retire_payment_link(at=at, actor=actor, reason="the amount due changed")
        if self.due_cents <= 0 and self.is_active:
            if self.status is Status.IN_ARRANGEMENT:
                self.apply(
                    Trigger.ARRANGEMENT_COMPLETED,
                    at=at,
                    actor=actor,
                    reason="every installment has been paid",
                )
            else:
                self.apply(Trigger.FULLY_PAID, at=at, actor=actor, reason="everything open has been paid")
            self.next_action_at = None
        return True

    def reverse_payment(
        self,
        payment_id: str,
        reversed_total_cents: int,
        *,
        at: datetime,
        actor: str,
        kind: str,
        reversal_ids: tuple[str, ...] = (),
    ) -> int:
        """Mollie reports `reversed_total_cents` of a paid payment refunded or charged back.

        Idempotent by comparing with the amount recorded before: only the difference is undone,
        in the reverse order of the allocation (overpayment, newest principal, interest, costs).
        A closed dossier that owes money again is reopened through the transition table.
        Returns the cents newly undone (0 when nothing changed).
        """
        applied = self.payments.get(payment_id)
        if applied is None:
            return 0
        delta = min(reversed_total_cents, applied.amount_cents) - applied.reversed_cents
        if delta <= 0:
            return 0
        left = delta
        undone_overpaid = min(left, applied.overpaid_cents)
        left -= undone_overpaid
        undo: dict[str, int] = {}
        for number, cents in reversed(applied.invoices):
            share = min(left, cents)
            if share > 0:
                invoice = self.invoices[number]
                self.invoices[number] = replace(invoice, open_cents=invoice.open_cents + share)
                undo[number] = share
                left -= share
        undone_interest = min(left, applied.interest_cents)
        left -= undone_interest
        undone_costs = min(left, applied.costs_cents)
        self.open_interest_cents += undone_interest
        self.open_costs_cents += undone_costs
        self.overpaid_cents -= undone_overpaid
        self.paid_cents -= delta
        self.payments[payment_id] = replace(
            applied,
            overpaid_cents=applied.overpaid_cents - undone_overpaid,
            invoices=tuple((number, cents - undo.get(number, 0)) for number, cents in applied.invoices),
            interest_cents=applied.interest_cents - undone_interest,
            costs_cents=applied.costs_cents - undone_costs,
            reversed_cents=applied.reversed_cents + delta,
            reversal_ids=tuple(dict.fromkeys((*applied.reversal_ids, *reversal_ids))),
        )
        if self.arrangement is not None:
            self.arrangement = self.arrangement.credit(-(delta - undone_overpaid))
        self.record(
            AuditEvent(
                at=at,
                what=f"payment_{kind}",
                actor=actor,
                reason=f"Mollie reports a {kind.replace('_', ' ')} of an applied payment",
                details={
                    "payment_id": payment_id,
                    "reversal_ids": list(reversal_ids),
                    "undone_cents": delta,
                    "reopened_invoices": undo,
                    "interest_cents": undone_interest,
                    "costs_cents": undone_costs,
                    "overpaid_cents": undone_overpaid,
                },
            )
        )
        if self.payment_link and self.payment_link.installment is None:
            self.retire_payment_link(at=at, actor=actor, reason="the amount due changed")
        if self.is_closed and self.due_cents > 0:
            self.apply(
                Trigger.REOPENED,
                at=at,
                actor=actor,
                reason=f"the {kind.replace('_', ' ')} of payment {payment_id} undid a payment: "
                "money is owed again",
                payment_id=payment_id,
                undone_cents=delta,
            )
            # Dunning resumes at the step where it stood.
            self.next_action_at = at
        return delta

    def retire_payment_link(self, *, at: datetime, actor: str, reason: str) -> None:
        """The current link no longer matches what is due: the next message carries a new one.
        A debtor who still pays the old link is credited all the same (see receive_payment)."""
        link = self.payment_link
        if link is None:
            return
        self.retired_links = (*self.retired_links, replace(link, retired_at=at))
        self.payment_link = None
        self.record(
            AuditEvent(
                at=at,
                what="payment_link_retired",
                actor=actor,
                reason=reason,
                details={"link_id": link.payment_id, "amount_cents": link.amount_cents},
            )
        )

    def issue_payment_link(self, link: PaymentLink, *, at: datetime, actor: str) -> None:
        """Make `link` the one open link of this dossier, retiring the one it replaces."""
        if self.payment_link == link:
            return
        if self.payment_link is not None:
            self.retire_payment_link(at=at, actor=actor, reason="replaced by a link for the amount due now")
        self.payment_link = link
        self.record(
            AuditEvent(
                at=at,
                what="payment_link_issued",
                actor=actor,
                reason="a link for the amount due now",
                details={
                    "link_id": link.payment_id,
                    "amount_cents": link.amount_cents,
                    "step": link.step,
                    "installment": link.installment,
                },
            )
        )

    # --- dunning: the 14-day letter, costs, call tasks ------------------------------------------

    def record_fourteen_day_letter(self, letter: FourteenDayLetter, *, at: datetime, actor: str) -> None:
        """The posting date starts the consumer's term (BW 6:96 lid 6); a later letter replaces an
        earlier one only as a new, correct letter would (HR 25-11-2016)."""
        self.fourteen_day_letter = letter
        self.record(
            AuditEvent(
                at=at,
                what="fourteen_day_letter_posted",
                actor=actor,
                reason="BW 6:96 lid 6: the term starts the day after presumed receipt",
                details={
                    "posted_on": letter.posted_on.isoformat(),
                    "presumed_receipt": letter.presumed_receipt.isoformat(),
                    "last_day": letter.last_day.isoformat(),
                    "costs_due_from": letter.costs_due_from.isoformat(),
                    "principal_cents": letter.principal_cents,
                    "costs_cents": letter.costs_cents,
                    "invoices": list(letter.invoices),
                },
            )
        )

    def charge_costs(self, costs_cents: int, *, at: datetime, actor: str, reason: str) -> bool:
        """Put collection costs on the dossier once they are due; True when the amount changed.

        Never lowers what was charged (a payment lowers it through receive_payment) and never
        charges on a dossier that no longer collects."""
        already = self.open_costs_cents + sum(p.costs_cents for p in self.payments.values())
        extra = costs_cents - already
        if extra <= 0 or not self.is_active:
            return False
        self.open_costs_cents += extra
        self.record(
            AuditEvent(
                at=at,
                what="costs_charged",
                actor=actor,
                reason=reason,
                details={"costs_cents": extra, "open_costs_cents": self.open_costs_cents},
            )
        )
        return True

    def open_call_task(self, task: CallTask, *, actor: str) -> bool:
        """Put a call on the team's worklist; False when this step's task already exists."""
        if any(t.task_id == task.task_id for t in self.call_tasks):
            return False
        self.call_tasks = (*self.call_tasks, task)
        self.record(
            AuditEvent(
                at=task.created_at,
                what="call_task_opened",
                actor=actor,
                reason=f"phone contact moment of dunning step {task.step}",
                details={"task_id": task.task_id, "call_from": task.call_from.isoformat()},
            )
        )
        return True

    def record_call_outcome(
        self,
        task_id: str,
        outcome: CallOutcome,
        *,
        at: datetime,
        actor: str,
        promised_on: date | None = None,
        note: str = "",
    ) -> CallTask:
        """What came of a call. A dispute goes through the transition table (DISPUTE_FILED); a
        promise to pay is recorded as PAYMENT_PROMISED and the caller postpones the next step."""
        task = next((t for t in self.call_tasks if t.task_id == task_id), None)
        if task is None:
            raise UnknownCallTask(task_id)
        if not task.is_open:
            raise CallTaskClosed(task_id)
        done = replace(task, outcome=outcome, outcome_at=at, promised_on=promised_on, note=note, caller=actor)
        self.call_tasks = tuple(done if t.task_id == task_id else t for t in self.call_tasks)
        self.record(
            AuditEvent(
                at=at,
                what="call_outcome_recorded",
                actor=actor,
                reason=f"call: {outcome.value}",
                details={
                    "task_id": task_id,
                    "outcome": outcome.value,
                    "promised_on": promised_on.isoformat() if promised_on else None,
                    "note": note,
                },
            )
        )
        if outcome is CallOutcome.DISPUTE:
            self.apply(
                Trigger.DISPUTE_FILED, at=at, actor=actor, reason="the debtor disputes the claim on the phone"
            )
            self.next_action_at = None
        elif outcome is CallOutcome.PROMISE_TO_PAY:
            self.apply(
                Trigger.PAYMENT_PROMISED,
                at=at,
                actor=actor,
                reason="the debtor promised on the phone to pay",
                promised_on=promised_on.isoformat() if promised_on else None,
            )
        return done
