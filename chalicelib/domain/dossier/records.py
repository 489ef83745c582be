"""The values a dossier is made of: its invoices, the messages and letters sent, payment links and
payments, disputes, and the audit events that explain every change. Immutable; the aggregate
(`aggregate.py`) replaces them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.dossier.lifecycle import Status


@dataclass(frozen=True)
class Invoice:
    number: str
    due_date: date
    amount_cents: int
    open_cents: int
    invoice_date: date | None = None
    # The bank's reason code when this item is a direct debit the member's bank reversed (storno):
    # it does not come from the client's list, so a list without it does not settle it.
    reversal_code: str | None = None

    @property
    def is_open(self) -> bool:
        return self.open_cents != 0


@dataclass(frozen=True)
class CostCharge:
    """Collection costs put on the dossier on one day (negative when lowered), and the 14-day
    letter they fall under (its posting date; None for a business, whose costs need no letter).
    Dated so that the [open] cap for small recurring claims can count a member's costs over any
    six months (DOMAIN.md §3), and per letter so that a new letter's costs are not compared with
    what an earlier letter charged."""

    charged_on: date
    cents: int
    letter_posted_on: date | None = None


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

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON values: how the table stores it and the agency receives it."""
        return {
            "at": self.at.isoformat(),
            "what": self.what,
            "actor": self.actor,
            "reason": self.reason,
            "from_status": self.from_status.value if self.from_status else None,
            "to_status": self.to_status.value if self.to_status else None,
            "details": self.details,
        }


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
    # A letter: the day the print partner reports having posted it (None until it does).
    posted_on: date | None = None
    # Nothing went out: the provider throttled or refused it, or its copy could not be kept (the
    # reason, as the client sees it). A retry of the step sends it again, unless `failed`.
    not_sent: str | None = None
    # How often the provider refused it (throttling does not count): see `MAX_REFUSALS`.
    refusals: int = 0
    # Given up after too many refusals: the channel failed for this step, for the reason above.
    failed: bool = False

    @property
    def awaits_retry(self) -> bool:
        return self.not_sent is not None and not self.failed and not self.confirmed


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
    # False while a letter handed to the print partner waits for its posting report: until then
    # the dates above are provisional (from the day of the step) and no costs become due.
    posting_reported: bool = True


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
    # The one invoice the debtor chose to pay through this link (BW 6:43: the debtor names the debt).
    invoice: str | None = None


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


class DisputeReason(StrEnum):
    ALREADY_PAID = "already_paid"
    NEVER_RECEIVED = "never_received"
    AMOUNT_WRONG = "amount_wrong"
    NOT_DELIVERED = "not_delivered"
    OTHER = "other"


class DisputeState(StrEnum):
    # The client decides: uphold (chasing resumes) or credit (the invoice closes).
    WITH_CLIENT = "with_client"
    # A copy of the invoice went out: the invoice rejoins the chase once its new term has run.
    COPY_SENT = "copy_sent"
    # Our records show it paid: the debtor was told so and nothing is chased for it.
    CONFIRMED_PAID = "confirmed_paid"
    UPHELD = "upheld"
    CREDITED = "credited"
    REINSTATED = "reinstated"


OPEN_DISPUTE_STATES = (DisputeState.WITH_CLIENT, DisputeState.COPY_SENT)


@dataclass(frozen=True)
class DisputeProof:
    """A file the debtor sent to show that an invoice was paid. Attached only after its content
    (not its name or the type the browser claimed) proved it a PDF, JPEG or PNG of allowed size."""

    key: str
    content_type: str
    size_bytes: int
    received_at: datetime


@dataclass(frozen=True)
class Dispute:
    """The debtor objects to some invoices. Those invoices drop out of what is chased (amounts,
    links, messages) while the dispute is open; the rest of the file goes on (DOMAIN.md §11)."""

    dispute_id: str
    invoices: tuple[str, ...]
    reason: DisputeReason
    opened_at: datetime
    state: DisputeState
    note: str = ""
    actor: str = ""
    # WITH_CLIENT: the client is reminded when it has not decided by then.
    decide_by: datetime | None = None
    client_reminders: int = 0
    # COPY_SENT: the invoice is chased again from then (a fresh term after the copy).
    resume_at: datetime | None = None
    closed_at: datetime | None = None
    # Proof of payment the debtor uploaded (checked files only), and the keys of files refused.
    proofs: tuple[DisputeProof, ...] = ()
    refused_proofs: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DISPUTE_STATES

    @property
    def takes_proof(self) -> bool:
        """Only "already paid" needs a proof; the client reads it before deciding."""
        return self.reason is DisputeReason.ALREADY_PAID and self.is_open


class Party(StrEnum):
    CLIENT = "client"
    DEBTOR = "debtor"


@dataclass(frozen=True)
class Waiting:
    """The dossier waits on a person; `until` is when that person is reminded or the dossier moves
    on by itself. A dossier never waits without such a date."""

    who: Party
    until: datetime
    about: str
    reminders: int = 0


@dataclass(frozen=True)
class Schedule:
    """When the dossier is next looked at, and on whom it waits meanwhile (if anyone)."""

    at: datetime | None
    waiting: Waiting | None = None
