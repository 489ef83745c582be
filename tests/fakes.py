"""In-memory stand-ins for every port, for fast service tests. The repository fake runs the same
contract suite as the DynamoDB one (tests/adapters/test_repository_contract.py), so it cannot drift."""

from __future__ import annotations

import copy
import io
import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.ports import CreatedPayment, Email, PaymentFacts


class FakeDossierRepository:
    def __init__(self) -> None:
        self._dossiers: dict[tuple[str, str], Dossier] = {}
        self._events: dict[tuple[str, str], list[AuditEvent]] = {}
        self.saves = 0

    def get(self, client_id: str, debtor_id: str) -> Dossier | None:
        stored = self._dossiers.get((client_id, debtor_id))
        return copy.deepcopy(stored) if stored else None

    def get_many(self, client_id: str, debtor_ids: Iterable[str]) -> dict[str, Dossier]:
        found = {d: self.get(client_id, d) for d in debtor_ids}
        return {d: dossier for d, dossier in found.items() if dossier is not None}

    def save(self, dossier: Dossier) -> None:
        key = (dossier.client_id, dossier.debtor_id)
        stored = self._dossiers.get(key)
        if (stored.version if stored else None) != dossier.version:
            raise ConcurrentChange(f"dossier {key} changed meanwhile")
        dossier.version = (dossier.version or 0) + 1
        self._events.setdefault(key, []).extend(dossier.new_events)
        dossier.new_events.clear()
        self._dossiers[key] = copy.deepcopy(dossier)
        self.saves += 1

    def active_debtor_ids(self, client_id: str) -> list[str]:
        return sorted(d for (c, d), dossier in self._dossiers.items() if c == client_id and dossier.is_active)

    def list_for_client(self, client_id: str) -> list[Dossier]:
        return [copy.deepcopy(d) for (c, _), d in sorted(self._dossiers.items()) if c == client_id]

    def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (d.next_action_at, c, i)
            for (c, i), d in self._dossiers.items()
            if d.next_action_at is not None and d.next_action_at <= now
        )
        return [(c, i) for _, c, i in due[:limit]]

    def events(self, client_id: str, debtor_id: str) -> list[AuditEvent]:
        return list(self._events.get((client_id, debtor_id), []))


class FakeClientDirectory:
    def __init__(self, *clients: Client) -> None:
        self._clients = {c.client_id: c for c in clients}

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def save(self, client: Client) -> None:
        self._clients[client.client_id] = client


class FakeUploadLedger:
    def __init__(self) -> None:
        self.claims: dict[tuple[str, str, str], str] = {}

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> bool:
        if (client_id, key, etag) in self.claims:
            return False
        self.claims[(client_id, key, etag)] = "importing"
        return True

    def complete(self, client_id: str, key: str, etag: str, summary: dict[str, Any]) -> None:
        self.claims[(client_id, key, etag)] = "imported"

    def release(self, client_id: str, key: str, etag: str) -> None:
        self.claims.pop((client_id, key, etag), None)


class FakeFileStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self.files[key])

    def size(self, key: str) -> int:
        return len(self.files[key])

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.files[key] = body


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self.sent.append(email)
        return f"ses-{len(self.sent)}"


class FakePaymentGateway:
    """Behaves like Mollie where it matters here: the same idempotency key gives the same payment."""

    def __init__(self) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}
        self._ids = itertools.count(1)

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
    ) -> CreatedPayment:
        if idempotency_key in self._by_key:
            payment = self.payments[self._by_key[idempotency_key]]
        else:
            payment_id = f"tr_fake{next(self._ids)}"
            payment = {
                "id": payment_id,
                "client_id": client.client_id,
                "amount_cents": amount_cents,
                "description": description,
                "metadata": metadata,
                "status": "open",
                "webhook_url": webhook_url,
            }
            self.payments[payment_id] = payment
            self._by_key[idempotency_key] = payment_id
        return CreatedPayment(payment["id"], f"https://pay.example/{payment['id']}", payment["amount_cents"])

    def get_payment(self, client: Client, payment_id: str) -> PaymentFacts | None:
        payment = self.payments.get(payment_id)
        if payment is None or payment["client_id"] != client.client_id:
            return None
        return PaymentFacts(payment_id, payment["status"], payment["amount_cents"], payment["metadata"], None)

    def pay(self, payment_id: str) -> None:
        self.payments[payment_id]["status"] = "paid"


class FakeActionQueue:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def enqueue(self, dossiers: list[tuple[str, str]], due_at: datetime) -> int:
        self.messages.extend(dossiers)
        return len(dossiers)
