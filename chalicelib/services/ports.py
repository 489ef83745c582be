"""What the use cases need from the outside world. Adapters implement these; tests use fakes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier


class DossierRepository(Protocol):
    def get(self, client_id: str, debtor_id: str) -> Dossier | None: ...

    def get_many(self, client_id: str, debtor_ids: Iterable[str]) -> dict[str, Dossier]: ...

    def save(self, dossier: Dossier) -> None:
        """Write the dossier and its new audit events atomically; ConcurrentChange if stale."""
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


class UploadLedger(Protocol):
    """Remembers which file versions were imported: S3 and SQS deliver at least once."""

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> bool:
        """True for the first claim of this file version, False if it was already claimed."""
        ...

    def complete(self, client_id: str, key: str, etag: str, summary: dict[str, Any]) -> None: ...

    def release(self, client_id: str, key: str, etag: str) -> None:
        """Give up a claim after a crash-worthy failure so the retry can import the file."""
        ...


class FileStore(Protocol):
    def open(self, key: str) -> BinaryIO: ...

    def size(self, key: str) -> int: ...

    def put(self, key: str, body: bytes, content_type: str) -> None: ...


@dataclass(frozen=True)
class Email:
    sender: str
    reply_to: str
    to: str
    subject: str
    text: str
    html: str
    tags: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    def send(self, email: Email) -> str:
        """Hand the e-mail to the provider; returns its message id."""
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


class PaymentGateway(Protocol):
    def create_payment(
        self,
        client: Client,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str,
        webhook_url: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> CreatedPayment: ...

    def get_payment(self, client: Client, payment_id: str) -> PaymentFacts | None:
        """None when the payment does not exist in that client's Mollie account."""
        ...


class ActionQueue(Protocol):
    def enqueue(self, dossiers: list[tuple[str, str]], due_at: datetime) -> int: ...
