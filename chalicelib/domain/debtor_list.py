"""What one row of a client's debtor list means, once read: the contract between the import
parser (chalicelib/importing) and the import service that reconciles it with the dossiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DebtorType(StrEnum):
    """BW 6:96: costs, letters and interest differ for consumers and businesses."""

    CONSUMER = "consumer"
    BUSINESS = "business"


@dataclass(frozen=True)
class DebtorDetails:
    debtor_id: str
    name: str
    debtor_type: DebtorType
    email: str | None = None
    phone_e164: str | None = None
    # Only a mobile number can receive a text message; a landline can still be called.
    mobile_e164: str | None = None
    iban: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    language: str = "nl"
    # A club member's team, when the club's list has one: messages name it.
    team: str | None = None
    # Who pays for this member (a parent or guardian, Sportlink's "ouder/verzorger"): members with
    # the same payer form one household (domain/households.py).
    payer: str | None = None
    payer_email: str | None = None
    # The debtor agreed to WhatsApp messages (a column of the client's list, or the portal).
    # Without it nothing goes by WhatsApp (AVG/GDPR: a messaging app is opt-in).
    whatsapp_consent: bool = False


@dataclass(frozen=True)
class DroppedField:
    """An optional detail of a row (phone, e-mail, IBAN, postcode, KvK) that could not be used: it
    is left out and reported, and the row still lands. An optional field never costs an invoice."""

    line: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice as the client's list shows it today.

    `open_cents` is what is still unpaid; a credit note has a negative amount and lowers the
    debtor's balance. `paid` marks a row of a "paid items" list: the client was paid directly.
    """

    line: int
    debtor: DebtorDetails
    invoice_number: str
    due_date: date
    open_cents: int
    amount_cents: int
    invoice_date: date | None = None
    paid: bool = False
    dropped: tuple[DroppedField, ...] = ()


@dataclass(frozen=True)
class RejectedRow:
    """A row the import could not use, reported back to the client with its line number."""

    line: int
    column: str | None
    reason: str
