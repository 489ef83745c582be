"""What the use cases need from the outside world. Adapters implement these; tests use fakes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, BinaryIO, Protocol

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier
from chalicelib.domain.households import HouseholdItem
from chalicelib.domain.personal_links import PersonalLink


class UnstorableDossier(Exception):
    """The store refuses this dossier for what it is (not for a race): e.g. larger than the
    database can hold. Retrying changes nothing; the import reports the debtor instead."""

    def __init__(self, client_id: str, debtor_id: str, reason: str) -> None:
        super().__init__(f"dossier {client_id}/{debtor_id} cannot be stored: {reason}")
        self.client_id = client_id
        self.debtor_id = debtor_id
        self.reason = reason


class DossierRepository(Protocol):
    def get(self, client_id: str, debtor_id: str) -> Dossier | None: ...

    def get_many(self, client_id: str, debtor_ids: Iterable[str]) -> dict[str, Dossier]: ...

    def save(self, dossier: Dossier) -> None:
        """Write the dossier and its new audit events atomically; ConcurrentChange if stale (or,
        for a new one, if it exists already); UnstorableDossier if the store refuses it as such."""
        ...

    def save_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        """Save many dossiers, each atomically with its new events and under its own condition
        (version read, or not existing yet); returns the refused ones, unsaved. A dossier the
        store cannot hold is among the refused: saving it alone raises UnstorableDossier."""
        ...

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        """Create new dossiers with their events, each only if it does not exist yet (never an
        overwrite); returns the ones that exist already (or cannot be stored), unsaved."""
        ...

    def debtor_index(self, client_id: str) -> dict[str, bool]:
        """Debtor id -> dossier is active, for every dossier of the client (may lag a moment)."""
        ...

    def active_debtor_ids(self, client_id: str) -> list[str]: ...

    def list_for_client(self, client_id: str) -> list[Dossier]: ...

    def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(client_id, debtor_id) of dossiers whose next action is at or before `now`."""
        ...

    def events(self, client_id: str, debtor_id: str) -> list[AuditEvent]: ...


class ClientDirectory(Protocol):
    def get(self, client_id: str) -> Client | None: ...

    def save(self, client: Client) -> None: ...

    def all(self) -> list[Client]:
        """Every registered client (for daily jobs such as payment reconciliation)."""
        ...


class SecretStore(Protocol):
    """Per-client secrets (a Mollie API key), stored encrypted; a value is never read back here."""

    def put(self, name: str, value: str) -> None: ...

    def exists(self, name: str) -> bool: ...


class Claim(StrEnum):
    CLAIMED = "claimed"  # this invocation imports the file
    DONE = "done"  # imported before: a redelivery, nothing to do
    BUSY = "busy"  # another invocation is importing it right now: try again later


# Longer than Lambda's 15-minute maximum: a claim older than this belongs to an invocation that
# timed out or crashed, and the redelivered message may take the file over.
CLAIM_LEASE = timedelta(minutes=16)


class UploadLedger(Protocol):
    """Remembers which file versions were imported: S3 and SQS deliver at least once."""

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> Claim:
        """Claim a file version for import; a stale claim (older than CLAIM_LEASE) is taken over."""
        ...

    def complete(self, client_id: str, key: str, etag: str, summary: dict[str, Any]) -> None: ...

    def release(self, client_id: str, key: str, etag: str) -> None:
        """Give up a claim after a crash-worthy failure so the retry can import the file."""
        ...

    # --- a large list imported in shards (services/import_chunks.py) ---------------------------

    def split(self, client_id: str, key: str, etag: str) -> None:
        """The list was split into shard chunks and they are queued: a redelivered upload message
        finds the file DONE (claim), the chunk handlers finish the import."""
        ...

    def shard_done(self, client_id: str, key: str, etag: str, shard: int) -> frozenset[int]:
        """Add `shard` to the file's set of finished shards (adding it twice changes nothing);
        returns the set after the update."""
        ...

    def shards(self, client_id: str, key: str, etag: str) -> tuple[str | None, frozenset[int]]:
        """(status, finished shards) of a file version; status None when there is no claim."""
        ...


class ListDigests(Protocol):
    """A fingerprint per debtor of the client's last full list, in shards (see
    `domain.reconciliation.digest_shard`): an unchanged debtor needs no read and no write."""

    def load(self, client_id: str, shards: Iterable[int]) -> dict[str, str]: ...

    def save(self, client_id: str, shard: int, digests: dict[str, str]) -> None: ...


class ChunkWriter(Protocol):
    def add(self, shard: int, record: list[Any]) -> None: ...

    def close(self) -> None:
        """Store every shard's chunk (an empty one too)."""
        ...


class ChunkStore(Protocol):
    """Where a large list waits, split by debtor shard, for the chunk handlers; plus the small
    JSON documents of that import (manifest, per-shard context and results). `prefix` names one
    import (`state/<client>/imports/<upload id>`)."""

    def writer(self, prefix: str) -> ChunkWriter: ...

    def records(self, prefix: str, shard: int) -> Iterator[list[Any]]: ...

    def put_json(self, prefix: str, name: str, data: Any) -> None: ...

    def get_json(self, prefix: str, name: str) -> Any:
        """FileNotFoundError when it was never written."""
        ...


class ChunkQueue(Protocol):
    def enqueue(self, messages: list[dict[str, Any]]) -> None: ...


class FileStore(Protocol):
    def open(self, key: str) -> BinaryIO:
        """FileNotFoundError when there is no such file."""
        ...

    def size(self, key: str) -> int: ...

    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None:
        """Removes the file; nothing happens when there is none."""
        ...


@dataclass(frozen=True)
class UploadForm:
    """A form the browser posts straight to the bucket: `url` is its action, `fields` its hidden
    inputs in order (the file input comes after them)."""

    url: str
    fields: tuple[tuple[str, str], ...]


class ProofUploads(Protocol):
    def form(
        self, key: str, content_type: str, max_bytes: int, redirect_url: str, valid_seconds: int
    ) -> UploadForm:
        """A signed form for one file at exactly `key`, of exactly `content_type`, at most
        `max_bytes`; after the upload the browser is sent to `redirect_url`."""
        ...

    def head(self, key: str, size: int) -> tuple[bytes, int]:
        """The first `size` bytes of the uploaded file and its whole size; FileNotFoundError when
        it is gone."""
        ...

    def discard(self, key: str) -> None:
        """Remove the file with every stored version of it (the bucket keeps versions)."""
        ...


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Email:
    sender: str
    reply_to: str
    to: str
    subject: str
    text: str
    html: str
    tags: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


class MessageNotSent(Exception):
    """The provider answered that it did not take the message, so nothing went out: it throttled
    the request (`refused` False: try again soon) or refused the message (`refused` True: the
    address or the content; a retry may not cure it). `reason` is shown to the client."""

    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Hand the e-mail to the provider; returns its message id, or raises MessageNotSent."""
        ...


@dataclass(frozen=True)
class CreatedPayment:
    payment_id: str
    checkout_url: str
    amount_cents: int


@dataclass(frozen=True)
class PaymentFacts:
    payment_id: str
    status: str
    amount_cents: int
    metadata: dict[str, Any]
    paid_at: datetime | None
    # The payment link it was paid through (pl_...), when it came from one.
    link_id: str | None = None
    # What Mollie reports undone so far (amountRefunded, amountChargedBack).
    refunded_cents: int = 0
    charged_back_cents: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class Reversal:
    """A refund or chargeback of a payment, as Mollie lists it."""

    reversal_id: str
    kind: str  # "refunded" or "charged_back"
    amount_cents: int


class PaymentGateway(Protocol):
    def get_payment(self, client: Client, payment_id: str) -> PaymentFacts | None:
        """None when the payment does not exist in that client's Mollie account.
        Raises PaymentProviderUnavailable when Mollie cannot answer now."""
        ...

    def create_payment_link(
        self,
        client: Client,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str,
        webhook_url: str,
        expires_at: datetime,
        idempotency_key: str,
    ) -> CreatedPayment:
        """A Mollie payment link (pl_...): stays payable until `expires_at`."""
        ...

    def reversals(self, client: Client, payment_id: str) -> list[Reversal]:
        """The refunds and chargebacks of a payment."""
        ...

    def recent_payments(self, client: Client, since: datetime) -> Iterator[PaymentFacts]:
        """The client's payments created at or after `since`, newest first, all pages."""
        ...


@dataclass(frozen=True)
class LinkOwner:
    client_id: str
    debtor_id: str
    installment: int | None = None
    # A household's link: what it asked for of each member, oldest first; a payment through it is
    # divided over these (domain/households.py). `debtor_id` is then the household's key.
    household: tuple[HouseholdItem, ...] = ()


class PaymentLinkRegistry(Protocol):
    """Which dossier a payment link belongs to. Mollie's payment links carry no metadata, and the
    payments made through them carry none either, so the link id is our key."""

    def remember(self, link_id: str, owner: LinkOwner) -> None: ...

    def find(self, client_id: str, link_id: str) -> LinkOwner | None: ...


@dataclass(frozen=True)
class EmailRecipient:
    """Whose e-mail an SES message id was: SES feedback names only the message id and the address."""

    client_id: str
    debtor_id: str
    step: int
    channel: str


class SentEmailIndex(Protocol):
    """SES message id -> the dossier the e-mail was sent for, remembered when the send is
    confirmed, so a bounce or complaint can be traced without personal data in SES tags."""

    def remember(self, message_id: str, recipient: EmailRecipient, now: datetime) -> None: ...

    def find(self, message_id: str) -> EmailRecipient | None: ...


class ActionQueue(Protocol):
    def enqueue(self, dossiers: list[tuple[str, str]], due_at: datetime) -> int: ...


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    text: str
    # Alphanumeric sender the debtor sees (at most 11 characters): the client's name.
    sender_id: str
    tags: dict[str, str] = field(default_factory=dict)


class SmsSender(Protocol):
    def send(self, sms: Sms) -> str:
        """Hand the text to the provider; returns its message id, or raises MessageNotSent."""
        ...


@dataclass(frozen=True)
class Letterhead:
    """Who a letter is from, as printed at the top and in the footer (the client's settings)."""

    name: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    kvk: str = ""
    iban: str = ""
    # Labels in the letter's language: {"kvk": "KvK", "iban": "IBAN", "phone": "Tel."}.
    labels: dict[str, str] = field(default_factory=dict, hash=False)

    def details(self) -> list[str]:
        """The lines under the name: address, phone, e-mail, then KvK and IBAN, each labelled."""
        lines = list(self.address_lines)
        if self.phone:
            lines.append(f"{self.labels.get('phone', 'Tel.')} {self.phone}")
        if self.email:
            lines.append(self.email)
        for key, value in (("kvk", self.kvk), ("iban", self.iban)):
            if value:
                lines.append(f"{self.labels.get(key, key.upper())} {value}")
        return lines


@dataclass(frozen=True)
class PaymentInstructions:
    """How to pay, in the letter's words (first line a heading), beside a QR code of `url`."""

    text: str
    url: str


@dataclass(frozen=True)
class Letter:
    """A letter as the reader sees it, ready to be laid out on paper."""

    sender: Letterhead
    recipient_lines: tuple[str, ...]
    place_and_date: str
    subject: str
    body: str  # paragraphs separated by blank lines
    title: str = ""
    # The reference line above the subject: (label, value), e.g. ("Ons kenmerk", "ZW-10023").
    references: tuple[tuple[str, str], ...] = ()
    payment: PaymentInstructions | None = None
    footer: str = ""
    # "Pagina {page} van {pages}" in the letter's language; empty for none.
    page_label: str = ""


class LetterRenderer(Protocol):
    def render(self, letter: Letter) -> bytes:
        """The letter as a PDF document."""
        ...


class PersonalLinkStore(Protocol):
    """The debtors' personal links, by the SHA-256 of their token (the token is never stored)."""

    def add(self, digest: str, link: PersonalLink) -> None: ...

    def find(self, digest: str) -> PersonalLink | None: ...

    def revoke(self, digest: str) -> None: ...


class BadTokenCounter(Protocol):
    """Failed personal-link visits per source and minute, so guessing tokens is slowed down."""

    def add(self, source: str, now: datetime) -> int:
        """Count one failed visit; returns the count of this source's minute so far."""
        ...

    def current(self, source: str, now: datetime) -> int: ...


@dataclass(frozen=True)
class ListFilters:
    """What the client's dossier list is narrowed to; None = any."""

    status: str | None = None
    query: str | None = None  # part of the debtor's name or number
    oldest_due_from: str | None = None  # ISO dates bounding the oldest open invoice's due date
    oldest_due_to: str | None = None
    disputed: bool | None = None
    in_arrangement: bool | None = None
    channel: str | None = None


@dataclass(frozen=True)
class ListPage:
    lines: list[dict[str, Any]]
    next_page: str | None  # an opaque cursor; None on the last page
    requests: int  # database requests this page took


class ClientViews(Protocol):
    """What the dashboard reads without touching every dossier of a client."""

    def counts(self, client_id: str) -> tuple[dict[str, int], dict[str, Any] | None]:
        """The client's counters (dossier_counts) and its stored profile (or None)."""
        ...

    def dossier_page(self, client_id: str, filters: ListFilters, after: str | None, size: int) -> ListPage:
        """One page of the client's list, in list order, after the cursor `after`.
        InvalidRequest for a cursor that is not one of ours."""
        ...


@dataclass(frozen=True)
class PrintJob:
    """A letter handed to the print-and-mail partner. `letter_id` (`<client>/<debtor>/<step>`)
    is what the partner quotes back in its posting report."""

    letter_id: str
    client_id: str
    debtor_id: str
    step: int
    template: str
    handed_over_on: date
    recipient_lines: tuple[str, ...]


class PrintPartner(Protocol):
    def hand_over(self, job: PrintJob, pdf: bytes) -> str:
        """Give the partner the letter to print and post; returns where the hand-over is recorded
        (the manifest). Handing the same letter over again replaces it (same keys)."""
        ...


@dataclass(frozen=True)
class WhatsAppMessage:
    """A pre-approved WhatsApp template with its parameters: creditor, reference, link, never an
    amount (a WhatsApp preview shows on a lock screen, DOMAIN.md §8)."""

    to: str  # E.164
    template: str
    language: str  # the template's language code as approved at Meta ("nl", "en")
    parameters: tuple[str, ...]
    tags: dict[str, str] = field(default_factory=dict)


class WhatsAppNotDelivered(Exception):
    """WhatsApp did not take the message (no WhatsApp on that number, template refused, the
    service unavailable): the step falls back to SMS."""


class WhatsAppSender(Protocol):
    def send(self, message: WhatsAppMessage) -> str:
        """Hand the message to WhatsApp; returns its message id, or raises WhatsAppNotDelivered."""
        ...


class SignIn(Protocol):
    """The dashboard's sign-in with e-mail and password (Cognito's USER_PASSWORD_AUTH)."""

    def id_token(self, email: str, password: str) -> str | None:
        """The user's ID token, or None when the e-mail and password do not open an account
        (unknown, wrong, or a user who must still set a password): the caller never learns which."""
        ...


class WaitingDossiers(Protocol):
    """The debtor numbers of a client's dossiers that may wait for the client (a hand-over
    decision, a dispute, a plan request), read from the client's list, not from every dossier."""

    def waiting_debtor_ids(self, client_id: str) -> list[str]: ...


class PlanRequests(Protocol):
    """The debtors who asked their client for a plan outside its rules (the client decides): found
    by the daily digest without reading every dossier; an answered one drops out there."""

    def add(self, client_id: str, debtor_id: str, now: datetime) -> None: ...

    def debtor_ids(self, client_id: str) -> list[str]: ...


class ClientOwners(Protocol):
    """The e-mail addresses of the users with the owner role of a client (the login pool)."""

    def owner_emails(self, client_id: str) -> list[str]: ...


class DigestLedger(Protocol):
    """One digest per client per day: the claim is taken before anything is sent."""

    def claim(self, client_id: str, day: date, now: datetime) -> bool:
        """True when this run may send the day's digest; False when another run took it."""
        ...

    def release(self, client_id: str, day: date) -> None:
        """Give the day back after a failure before anything was sent, so a retry may send."""
        ...


class ImportReports(Protocol):
    """The import reports beside each upload in `reports/<client>/`."""

    def recent(self, client_id: str, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """(file name, result.json) of the client's latest uploads, newest first."""
        ...
