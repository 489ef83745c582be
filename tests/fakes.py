"""In-memory stand-ins for every port, for fast service tests. The repository fake runs the same
contract suite as the DynamoDB one (tests/adapters/test_repository_contract.py), so it cannot drift."""

from __future__ import annotations

import copy
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any, BinaryIO

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier
from chalicelib.domain.errors import ConcurrentChange, PaymentProviderUnavailable
from chalicelib.domain.personal_links import PersonalLink
from chalicelib.services.ports import (
    CLAIM_LEASE,
    Claim,
    CreatedPayment,
    Email,
    LinkOwner,
    PaymentFacts,
    Reversal,
)


class FakeDossierRepository:
    def __init__(self) -> None:
        self._dossiers: dict[tuple[str, str], Dossier] = {}
        self._events: dict[tuple[str, str], list[AuditEvent]] = {}
        self.saves = 0
        self.bulk_saves = 0

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

    def save_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        refused: list[Dossier] = []
        for dossier in dossiers:
            try:
                self.save(dossier)
            except ConcurrentChange:
                refused.append(dossier)
        self.bulk_saves += 1
        return refused

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        assert all(d.version is None for d in dossiers), "create_many is for new dossiers"
        return self.save_many(dossiers)

    def debtor_index(self, client_id: str) -> dict[str, bool]:
        return {d: dossier.is_active for (c, d), dossier in self._dossiers.items() if c == client_id}

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

    def all(self) -> list[Client]:
        return [self._clients[c] for c in sorted(self._clients)]


class FakeUploadLedger:
    def __init__(self) -> None:
        self.claims: dict[tuple[str, str, str], str] = {}
        self.claimed_at: dict[tuple[str, str, str], datetime] = {}
        self.done_shards: dict[tuple[str, str, str], set[int]] = {}

    def claim(self, client_id: str, key: str, etag: str, now: datetime) -> Claim:
        held = self.claims.get((client_id, key, etag))
        if held in ("imported", "split"):
            return Claim.DONE
        if held is not None and now - self.claimed_at[(client_id, key, etag)] < CLAIM_LEASE:
            return Claim.BUSY
        self.claims[(client_id, key, etag)] = "importing"
        self.claimed_at[(client_id, key, etag)] = now
        return Claim.CLAIMED

    def complete(self, client_id: str, key: str, etag: str, summary: dict[str, Any]) -> None:
        self.claims[(client_id, key, etag)] = "imported"

    def release(self, client_id: str, key: str, etag: str) -> None:
        self.claims.pop((client_id, key, etag), None)

    def split(self, client_id: str, key: str, etag: str) -> None:
        assert (client_id, key, etag) in self.claims
        self.claims[(client_id, key, etag)] = "split"

    def shard_done(self, client_id: str, key: str, etag: str, shard: int) -> frozenset[int]:
        assert (client_id, key, etag) in self.claims
        done = self.done_shards.setdefault((client_id, key, etag), set())
        done.add(shard)
        return frozenset(done)

    def shards(self, client_id: str, key: str, etag: str) -> tuple[str | None, frozenset[int]]:
        return self.claims.get((client_id, key, etag)), frozenset(
            self.done_shards.get((client_id, key, etag), ())
        )


class FakeFileStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def open(self, key: str) -> BinaryIO:
        if key not in self.files:
            raise FileNotFoundError(key)
        return io.BytesIO(self.files[key])

    def size(self, key: str) -> int:
        return len(self.files[key])

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.files[key] = body

    def delete(self, key: str) -> None:
        self.files.pop(key, None)


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
        self.links: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._failures = 0
        self.requests = 0

    def get_payment(self, client: Client, payment_id: str) -> PaymentFacts | None:
        self.requests += 1
        self._maybe_fail()
        payment = self.payments.get(payment_id)
        if payment is None or payment["client_id"] != client.client_id:
            return None
        return PaymentFacts(
            payment_id,
            payment["status"],
            payment["amount_cents"],
            payment["metadata"],
            payment.get("paid_at"),
            link_id=payment.get("link_id"),
            refunded_cents=sum(r.amount_cents for r in payment.get("reversals", []) if r.kind == "refunded"),
            charged_back_cents=sum(
                r.amount_cents for r in payment.get("reversals", []) if r.kind == "charged_back"
            ),
            created_at=payment.get("created_at"),
        )

    def pay(self, payment_id: str) -> None:
        self.payments[payment_id]["status"] = "paid"

    # --- payment links, refunds, chargebacks, outages ---------------------------------

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
        self.requests += 1
        self._maybe_fail()
        if idempotency_key in self._by_key:
            link = self.links[self._by_key[idempotency_key]]
        else:
            link_id = f"pl_fake{next(self._ids)}"
            link = {
                "id": link_id,
                "client_id": client.client_id,
                "amount_cents": amount_cents,
                "description": description,
                "redirect_url": redirect_url,
                "webhook_url": webhook_url,
                "expires_at": expires_at,
            }
            self.links[link_id] = link
            self._by_key[idempotency_key] = link_id
        return CreatedPayment(link["id"], f"https://pay.example/{link['id']}", link["amount_cents"])

    def pay_link(self, link_id: str, amount_cents: int | None = None, *, at: datetime | None = None) -> str:
        """The debtor opens the link and pays (Mollie makes a payment without metadata)."""
        link = self.links[link_id]
        payment_id = f"tr_fake{next(self._ids)}"
        self.payments[payment_id] = {
            "id": payment_id,
            "client_id": link["client_id"],
            "amount_cents": link["amount_cents"] if amount_cents is None else amount_cents,
            "metadata": {},
            "status": "paid",
            "link_id": link_id,
            "paid_at": at,
            "created_at": at,
        }
        return payment_id

    def refund(self, payment_id: str, amount_cents: int) -> None:
        reversals = self.payments[payment_id].setdefault("reversals", [])
        reversals.append(Reversal(f"re_fake{next(self._ids)}", "refunded", amount_cents))

    def charge_back(self, payment_id: str, amount_cents: int) -> None:
        reversals = self.payments[payment_id].setdefault("reversals", [])
        reversals.append(Reversal(f"chb_fake{next(self._ids)}", "charged_back", amount_cents))

    def fail_next(self, n: int) -> None:
        self._failures += n

    def _maybe_fail(self) -> None:
        if self._failures:
            self._failures -= 1
            raise PaymentProviderUnavailable("Mollie answered HTTP 503; try again later")

    def reversals(self, client: Client, payment_id: str) -> list[Reversal]:
        self.requests += 1
        self._maybe_fail()
        return list(self.payments.get(payment_id, {}).get("reversals", []))

    def recent_payments(self, client: Client, since: datetime) -> Iterator[PaymentFacts]:
        self.requests += 1
        self._maybe_fail()
        for payment_id in reversed(list(self.payments)):
            payment = self.payments[payment_id]
            if payment["client_id"] != client.client_id:
                continue
            created = payment.get("created_at")
            if created is not None and created < since:
                return
            facts = self.get_payment(client, payment_id)
            if facts is not None:
                yield facts


class FakePaymentLinkRegistry:
    def __init__(self) -> None:
        self.owners: dict[tuple[str, str], LinkOwner] = {}

    def remember(self, link_id: str, owner: LinkOwner) -> None:
        self.owners[(owner.client_id, link_id)] = owner

    def find(self, client_id: str, link_id: str) -> LinkOwner | None:
        return self.owners.get((client_id, link_id))


class FakeActionQueue:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def enqueue(self, dossiers: list[tuple[str, str]], due_at: datetime) -> int:
        self.messages.extend(dossiers)
        return len(dossiers)


class FakeListDigests:
    def __init__(self) -> None:
        self.shards: dict[tuple[str, int], dict[str, str]] = {}

    def load(self, client_id: str, shards: Iterable[int]) -> dict[str, str]:
        found: dict[str, str] = {}
        for shard in shards:
            found.update(self.shards.get((client_id, shard), {}))
        return found

    def save(self, client_id: str, shard: int, digests: dict[str, str]) -> None:
        self.shards[(client_id, shard)] = dict(digests)


class FakeSmsSender:
    def __init__(self) -> None:
        from chalicelib.services.ports import Sms

        self.sent: list[Sms] = []

    def send(self, sms: Any) -> str:
        self.sent.append(sms)
        return f"sns-{len(self.sent)}"


class FakeChunkWriter:
    def __init__(self, store: FakeChunkStore, prefix: str) -> None:
        self.store, self.prefix = store, prefix
        self.pending: dict[int, list[list[Any]]] = {}

    def add(self, shard: int, record: list[Any]) -> None:
        # Through JSON, as the S3 adapter stores them.
        self.pending.setdefault(shard, []).append(json.loads(json.dumps(record)))

    def close(self) -> None:
        for shard in range(16):
            self.store.chunks[(self.prefix, shard)] = self.pending.get(shard, [])


class FakeChunkStore:
    def __init__(self) -> None:
        self.chunks: dict[tuple[str, int], list[list[Any]]] = {}
        self.documents: dict[str, str] = {}

    def writer(self, prefix: str) -> FakeChunkWriter:
        return FakeChunkWriter(self, prefix)

    def records(self, prefix: str, shard: int) -> Iterator[list[Any]]:
        return iter(self.chunks[(prefix, shard)])

    def put_json(self, prefix: str, name: str, data: Any) -> None:
        self.documents[f"{prefix}/{name}"] = json.dumps(data)

    def get_json(self, prefix: str, name: str) -> Any:
        if f"{prefix}/{name}" not in self.documents:
            raise FileNotFoundError(name)
        return json.loads(self.documents[f"{prefix}/{name}"])


class FakeChunkQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def enqueue(self, messages: list[dict[str, Any]]) -> None:
        self.messages.extend(messages)


class FakeSentEmailIndex:
    def __init__(self) -> None:
        self.recipients: dict[str, Any] = {}

    def remember(self, message_id: str, recipient: Any, now: datetime) -> None:
        self.recipients[message_id] = recipient

    def find(self, message_id: str) -> Any:
        return self.recipients.get(message_id)


class FakePersonalLinkStore:
    def __init__(self) -> None:
        self.links: dict[str, PersonalLink] = {}

    def add(self, digest: str, link: PersonalLink) -> None:
        self.links[digest] = link

    def find(self, digest: str) -> PersonalLink | None:
        return self.links.get(digest)

    def revoke(self, digest: str) -> None:
        if digest in self.links:
            self.links[digest] = replace(self.links[digest], revoked=True)


class FakeBadTokenCounter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def add(self, source: str, now: datetime) -> int:
        key = (source, now.strftime("%Y%m%dT%H%M"))
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def current(self, source: str, now: datetime) -> int:
        return self.counts.get((source, now.strftime("%Y%m%dT%H%M")), 0)


class FakePrintPartner:
    """The print-and-mail partner at its port: remembers what it was handed."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Any, bytes]] = []

    def hand_over(self, job: Any, pdf: bytes) -> str:
        self.jobs.append((job, pdf))
        return (
            f"print/{job.handed_over_on.isoformat()}/{job.client_id}/{job.debtor_id}-{job.step}.manifest.json"
        )


class FakeWhatsApp:
    """WhatsApp at its port: records what it accepted; `refuse` makes it fail like a number
    without WhatsApp, so the step falls back to SMS."""

    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[Any] = []
        self.refuse = refuse

    def send(self, message: Any) -> str:
        from chalicelib.services.ports import WhatsAppNotDelivered

        if self.refuse:
            raise WhatsAppNotDelivered("no WhatsApp on this number")
        self.sent.append(message)
        return f"wamid.fake{len(self.sent)}"


def fake_action_deps(
    dossiers: FakeDossierRepository,
    clients: FakeClientDirectory,
    payments: FakePaymentGateway,
    mailer: FakeMailer,
    *,
    sms: FakeSmsSender | None = None,
    files: FakeFileStore | None = None,
    links: FakePaymentLinkRegistry | None = None,
    sent_emails: FakeSentEmailIndex | None = None,
    personal_links: FakePersonalLinkStore | None = None,
    printer: FakePrintPartner | None = None,
    whatsapp: FakeWhatsApp | None = None,
) -> Any:
    """Every port of a dossier use case, the ones a test does not look at made fresh."""
    from chalicelib.adapters.letters import PdfLetterRenderer
    from chalicelib.services.dossier_actions import ActionDeps

    return ActionDeps(
        plan_requests=FakePlanRequests(),
        dossiers=dossiers,
        clients=clients,
        payments=payments,
        mailer=mailer,
        sms=sms or FakeSmsSender(),
        files=files or FakeFileStore(),
        letters=PdfLetterRenderer(),
        links=links or FakePaymentLinkRegistry(),
        sent_emails=sent_emails or FakeSentEmailIndex(),
        personal_links=personal_links or FakePersonalLinkStore(),
        public_api_url="https://api.debtflow.example",
        printer=printer or FakePrintPartner(),
        whatsapp=whatsapp or FakeWhatsApp(),
    )


class FakePlanRequests:
    def __init__(self) -> None:
        self.asked: dict[tuple[str, str], datetime] = {}

    def add(self, client_id: str, debtor_id: str, now: datetime) -> None:
        self.asked[(client_id, debtor_id)] = now

    def debtor_ids(self, client_id: str) -> list[str]:
        return sorted(d for c, d in self.asked if c == client_id)
