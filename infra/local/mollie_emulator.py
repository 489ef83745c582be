"""In-process emulator of the Mollie API v2 for tests, the local stack and the demo.

It is driven by the real ``mollie-api-python`` client (``Client(api_endpoint=emulator.base_url)``) and
speaks the subset of Mollie that Debtflow uses: payments, payment links, refunds, chargebacks, Mollie's
error JSON, cursor pagination, idempotency keys, the hosted (test-mode) checkout and webhooks.

Run standalone with ``python -m infra.local.mollie_emulator --port 8100``.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import re
import secrets
import string
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, cast

from infra.local import mollie_pages as pages

__all__ = [
    "ChargebackRecord",
    "MollieEmulator",
    "PendingWebhook",
    "WebhookDelivery",
    "main",
]

log = logging.getLogger(__name__)

JSONObject = dict[str, Any]

HOST: Final = "127.0.0.1"
HAL_JSON: Final = "application/hal+json"
ERROR_DOCS: Final = "https://docs.mollie.com/overview/handling-errors"
# Mollie expires an unfinished hosted checkout; 15 minutes is what iDEAL and cards use in practice.
PAYMENT_EXPIRY: Final = timedelta(minutes=15)
# Mollie only replays an Idempotency-Key for a limited period; afterwards the key is free again.
IDEMPOTENCY_TTL: Final = timedelta(hours=24)
# Mollie calls a webhook 10 times in total with growing intervals, spanning roughly 26 hours.
WEBHOOK_MAX_ATTEMPTS: Final = 10
WEBHOOK_RETRY_DELAYS: Final = tuple(timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 120, 240, 480, 600))
MAX_LIST_LIMIT: Final = 250
DEFAULT_LIST_LIMIT: Final = 50
KNOWN_METHODS: Final = frozenset(
    {
        "applepay",
        "bancontact",
        "banktransfer",
        "belfius",
        "creditcard",
        "directdebit",
        "eps",
        "giftcard",
        "ideal",
        "kbc",
        "paypal",
        "paysafecard",
        "przelewy24",
        "trustly",
        "twint",
    }
)
FINAL_STATUSES: Final = frozenset({"paid", "failed", "canceled", "expired"})
SETTABLE_STATUSES: Final = frozenset({"open", "pending", *FINAL_STATUSES})
_ERROR_TITLES: Final = {
    401: "Unauthorized Request",
    422: "Unprocessable Entity",
}
_ALPHANUMERIC: Final = string.ascii_letters + string.digits
_API_KEY_RE: Final = re.compile(r"^(live|test)_\w+$")
_AMOUNT_VALUE_RE: Final = re.compile(r"^\d{1,10}\.\d{2}$")


def _iso(moment: datetime | None) -> str | None:
    # Mollie renders timestamps as ISO 8601 with seconds precision and an explicit offset.
    return None if moment is None else moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _money(cents: int, currency: str = "EUR") -> JSONObject:
    # Mollie always sends amounts as strings with exactly two decimals, never as numbers.
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return {"currency": currency, "value": f"{sign}{euros}.{rest:02d}"}


def _new_id(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


def _link(href: str, media_type: str = HAL_JSON) -> JSONObject:
    return {"href": href, "type": media_type}


class ApiError(Exception):
    """An error answered to the API client in Mollie's error JSON format."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    def to_json(self) -> JSONObject:
        title = _ERROR_TITLES.get(self.status) or HTTPStatus(self.status).phrase
        body: JSONObject = {"status": self.status, "title": title, "detail": self.detail}
        if self.field is not None:
            body["field"] = self.field
        body["_links"] = {"documentation": _link(ERROR_DOCS, "text/html")}
        return body


# --------------------------------------------------------------------------------------------- state


@dataclass
class _Account:
    api_key: str
    profile_id: str
    name: str

    @property
    def mode(self) -> str:
        return "live" if self.api_key.startswith("live_") else "test"


@dataclass
class _Refund:
    id: str
    payment_id: str
    amount_cents: int
    description: str
    metadata: Any
    created_at: datetime
    status: str = "pending"


@dataclass(frozen=True)
class ChargebackRecord:
    id: str
    payment_id: str
    amount_cents: int
    created_at: datetime


@dataclass
class _Payment:
    id: str
    account_key: str
    seq: int
    amount_cents: int
    description: str
    redirect_url: str | None
    webhook_url: str | None
    metadata: Any
    method: str | None
    created_at: datetime
    expires_at: datetime
    status: str = "open"
    paid_at: datetime | None = None
    canceled_at: datetime | None = None
    expired_at: datetime | None = None
    failed_at: datetime | None = None
    payment_link_id: str | None = None
    refunds: list[_Refund] = field(default_factory=list)
    chargebacks: list[ChargebackRecord] = field(default_factory=list)

    @property
    def refunded_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds if r.status != "canceled")

    @property
    def charged_back_cents(self) -> int:
        return sum(c.amount_cents for c in self.chargebacks)

    @property
    def remaining_cents(self) -> int:
        return self.amount_cents - self.refunded_cents - self.charged_back_cents


@dataclass
class _PaymentLink:
    id: str
    account_key: str
    seq: int
    amount_cents: int
    description: str
    redirect_url: str | None
    webhook_url: str | None
    created_at: datetime
    expires_at: datetime | None
    reusable: bool
    paid_at: datetime | None = None
    updated_at: datetime | None = None
    payment_ids: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return self.id.removeprefix("pl_")


@dataclass
class _IdempotencyRecord:
    fingerprint: str
    created_at: datetime
    response: _Response | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to call a webhook, as Mollie would have made it."""

    payment_id: str
    url: str
    attempt: int
    status_code: int | None
    error: str | None
    at: datetime

    @property
    def ok(self) -> bool:
        # Mollie treats any 2xx answer as delivered and retries everything else (including redirects).
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class PendingWebhook:
    payment_id: str
    url: str
    attempts: int
    next_attempt_at: datetime


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: JSONObject) -> _Response:
        return cls(status, json.dumps(payload).encode(), {"Content-Type": HAL_JSON})

    @classmethod
    def html(cls, status: int, page: str) -> _Response:
        return cls(status, page.encode(), {"Content-Type": "text/html; charset=utf-8"})

    @classmethod
    def redirect(cls, status: int, location: str) -> _Response:
        return cls(status, b"", {"Location": location})


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes

    @property
    def api_base(self) -> str:
        # Pagination links must start with the exact endpoint the client was configured with, otherwise
        # the client prepends its endpoint again; the Host header is what the client used.
        host = self.headers.get("Host")
        return f"http://{host}" if host else ""


_Route = Callable[[_Account, _Request, "re.Match[str]"], _Response]


# -------------------------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int, emulator: MollieEmulator) -> None:
        super().__init__((HOST, port), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    server_version = "MollieEmulator/1.0"
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = _Request(
            method=self.command,
            path=parsed.path,
            query=dict(urllib.parse.parse_qsl(parsed.query)),
            headers={k: v for k, v in self.headers.items()},
            body=body,
        )
        emulator = cast(_Server, self.server).emulator
        try:
            response = emulator._dispatch(request)
        except Exception:  # the emulator must answer like a server, never drop the connection
            log.exception("Mollie emulator failed on %s %s", self.command, self.path)
            response = _Response.json(500, ApiError(500, "Internal emulator error").to_json())
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (e.g. its timeout hit during delay_next); Mollie would just log this.
            self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("mollie-emulator %s - %s", self.address_string(), format % args)


# ------------------------------------------------------------------------------------------ emulator


class MollieEmulator:
    """A Mollie API v2 look-alike on 127.0.0.1, one isolated Mollie account per API key."""

    def __init__(
        self,
        *,
        port: int = 0,
        public_url: str | None = None,
        auto_register_accounts: bool = False,
        webhook_timeout: float = 5.0,
    ) -> None:
        self.deliver_webhooks_synchronously: bool = True
        self.auto_register_accounts = auto_register_accounts
        self.webhook_timeout = webhook_timeout
        self._requested_port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clock_offset = timedelta()
        self._seq = 0
        self._accounts: dict[str, _Account] = {}
        self._payments: dict[str, _Payment] = {}
        self._links: dict[str, _PaymentLink] = {}
        self._refunds: dict[str, _Refund] = {}
        self._idempotency: dict[tuple[str, str], _IdempotencyRecord] = {}
        self._webhook_log: list[WebhookDelivery] = []
        self._pending: dict[tuple[str, str], PendingWebhook] = {}
        self._webhook_threads: list[threading.Thread] = []
        self._faults: list[int] = []
        self._delays: list[float] = []
        self._routes: list[tuple[str, re.Pattern[str], _Route]] = [
            ("GET", re.compile(r"/v2/payments"), self._list_payments),
            ("POST", re.compile(r"/v2/payments"), self._create_payment),
            ("GET", re.compile(r"/v2/payments/([^/]+)"), self._get_payment),
            ("DELETE", re.compile(r"/v2/payments/([^/]+)"), self._cancel_payment),
            ("GET", re.compile(r"/v2/payments/([^/]+)/refunds"), self._list_refunds),
            ("POST", re.compile(r"/v2/payments/([^/]+)/refunds"), self._create_refund),
            ("GET", re.compile(r"/v2/payments/([^/]+)/refunds/([^/]+)"), self._get_refund),
            ("GET", re.compile(r"/v2/payments/([^/]+)/chargebacks"), self._list_chargebacks),
            ("GET", re.compile(r"/v2/payments/([^/]+)/chargebacks/([^/]+)"), self._get_chargeback),
            ("GET", re.compile(r"/v2/payment-links"), self._list_links),
            ("POST", re.compile(r"/v2/payment-links"), self._create_link),
            ("GET", re.compile(r"/v2/payment-links/([^/]+)"), self._get_link),
            ("GET", re.compile(r"/v2/payment-links/([^/]+)/payments"), self._list_link_payments),
        ]

    # ---------------------------------------------------------------------------------- lifecycle

    def start(self) -> MollieEmulator:
        if self._server is not None:
            return self
        self._server = _Server(self._requested_port, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.wait_for_webhooks(timeout=self.webhook_timeout + 1)

    def __enter__(self) -> MollieEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("MollieEmulator is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """API endpoint for ``Client(api_endpoint=...)``; the client appends ``/v2/...`` itself."""
        return f"http://{HOST}:{self.port}"

    @property
    def public_url(self) -> str:
        """Where browsers reach the checkout and payment-link pages (same server unless configured)."""
        return self._public_url or self.base_url

    # ---------------------------------------------------------------------------------- accounts

    def add_account(
        self, api_key: str, *, profile_id: str | None = None, name: str = "Test merchant"
    ) -> None:
        if not _API_KEY_RE.match(api_key):
            raise ValueError("Mollie API keys start with 'test_' or 'live_' followed by word characters")
        with self._lock:
            self._accounts[api_key] = _Account(api_key, profile_id or _new_id("pfl_", 10), name)

    # ------------------------------------------------------------------------------------- clock

    def now(self) -> datetime:
        """Emulator time: wall-clock UTC plus whatever :meth:`advance_time` added."""
        return datetime.now(UTC) + self._clock_offset

    def advance_time(self, seconds: float) -> None:
        with self._lock:
            self._clock_offset += timedelta(seconds=seconds)

    # ------------------------------------------------------------------------------ test helpers

    def set_payment_status(self, payment_id: str, status: str) -> None:
        """Same effect as choosing ``status`` on the checkout page, webhook included."""
        if self._transition(payment_id, status):
            self._trigger_webhook(payment_id)

    def expire_open_payments(self, api_key: str | None = None, *, only_due: bool = False) -> list[str]:
        """Expire open payments (of one account or all; all, or only those past ``expiresAt``).

        Webhooks are called as Mollie does for expiry. Returns the expired ids, oldest first.
        """
        with self._lock:
            now = self.now()
            due = [
                p.id
                for p in sorted(self._payments.values(), key=lambda p: p.seq)
                if p.status in ("open", "pending")
                and (api_key is None or p.account_key == api_key)
                and (not only_due or p.expires_at <= now)
            ]
        expired = [pid for pid in due if self._transition(pid, "expired")]
        for pid in expired:
            self._trigger_webhook(pid)
        return expired

    def payments_of(self, api_key: str) -> list[JSONObject]:
        """The account's payments as GET /v2/payments/{id} would return them, newest first."""
        with self._lock:
            return [self._payment_json(p, self.base_url) for p in self._sorted_payments(api_key)]

    def payment_links_of(self, api_key: str) -> list[JSONObject]:
        with self._lock:
            links = sorted(
                (pl for pl in self._links.values() if pl.account_key == api_key), key=lambda pl: -pl.seq
            )
            return [self._link_json(pl, self.base_url) for pl in links]

    def chargeback(self, payment_id: str, amount_cents: int | None = None) -> ChargebackRecord:
        """Register a chargeback on a paid payment and call its webhook, as Mollie does."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                raise KeyError(payment_id)
            if payment.status != "paid":
                raise ValueError(f"only paid payments can be charged back, {payment_id} is {payment.status}")
            available = payment.amount_cents - payment.charged_back_cents
            amount = available if amount_cents is None else amount_cents
            if not 0 < amount <= available:
                raise ValueError(f"chargeback amount must be between 1 and {available} cents")
            record = ChargebackRecord(_new_id("chb_", 6), payment_id, amount, self.now())
            payment.chargebacks.append(record)
        self._trigger_webhook(payment_id)
        return record

    def process_refunds(self) -> list[str]:
        """Move pending refunds to ``refunded`` (Mollie does this when it pays out) and call webhooks."""
        with self._lock:
            done = [r for r in self._refunds.values() if r.status in ("queued", "pending")]
            for refund in done:
                refund.status = "refunded"
        for payment_id in dict.fromkeys(r.payment_id for r in done):
            self._trigger_webhook(payment_id)
        return [r.id for r in done]

    # ------------------------------------------------------------------------------ fault injection

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next ``n`` API requests answer ``status`` with Mollie's error JSON."""
        with self._lock:
            self._faults.extend([status] * n)

    def delay_next(self, n: int, seconds: float) -> None:
        """The next ``n`` API requests are held ``seconds`` before being processed (client timeouts)."""
        with self._lock:
            self._delays.extend([seconds] * n)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    # -------------------------------------------------------------------------------------- webhooks

    @property
    def webhook_log(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._webhook_log)

    @property
    def pending_webhooks(self) -> list[PendingWebhook]:
        """Failed deliveries Mollie would still retry (fewer than 10 attempts so far)."""
        with self._lock:
            return list(self._pending.values())

    def redeliver_webhook(self, payment_id: str) -> WebhookDelivery | None:
        """Call the payment's webhook once more, like Mollie's duplicate or retried calls (synchronous)."""
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                raise KeyError(payment_id)
            url = payment.webhook_url
            pending = self._pending.get((payment_id, url)) if url else None
        if url is None:
            return None
        return self._deliver(payment_id, url, pending.attempts + 1 if pending else 1)

    def retry_failed_webhooks(self, *, only_due: bool = False) -> list[WebhookDelivery]:
        """Re-attempt failed deliveries (all, or only those due on the emulator clock)."""
        with self._lock:
            now = self.now()
            todo = [p for p in self._pending.values() if not only_due or p.next_attempt_at <= now]
        return [self._deliver(p.payment_id, p.url, p.attempts + 1) for p in todo]

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait for background deliveries (when ``deliver_webhooks_synchronously`` is False)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [t for t in self._webhook_threads if t.is_alive()]
                self._webhook_threads = threads
            if not threads:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            threads[0].join(remaining)

    def _trigger_webhook(self, payment_id: str) -> None:
        with self._lock:
            url = self._payments[payment_id].webhook_url
        if not url:
            return
        if self.deliver_webhooks_synchronously:
            self._deliver(payment_id, url, 1)
            return
        thread = threading.Thread(target=self._deliver, args=(payment_id, url, 1), daemon=True)
        with self._lock:
            self._webhook_threads.append(thread)
        thread.start()

    def _deliver(self, payment_id: str, url: str, attempt: int) -> WebhookDelivery:
        # Mollie posts only the id, form-encoded, so the receiver must fetch the object over the API.
        data = urllib.parse.urlencode({"id": payment_id}).encode()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "Mollie HTTP client/1.0",
                "Accept": "*/*",
            },
        )
        status: int | None = None
        error: str | None = None
        try:
            with _NO_REDIRECT_OPENER.open(request, timeout=self.webhook_timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        delivery = WebhookDelivery(payment_id, url, attempt, status, error, self.now())
        with self._lock:
            self._webhook_log.append(delivery)
            key = (payment_id, url)
            if delivery.ok or attempt >= WEBHOOK_MAX_ATTEMPTS:
                self._pending.pop(key, None)
            else:
                delay = WEBHOOK_RETRY_DELAYS[min(attempt, len(WEBHOOK_RETRY_DELAYS)) - 1]
                self._pending[key] = PendingWebhook(payment_id, url, attempt, delivery.at + delay)
        if not delivery.ok:
            log.info("webhook %s for %s failed (attempt %d): %s", url, payment_id, attempt, error)
        return delivery

    # -------------------------------------------------------------------------------- state changes

    def _transition(self, payment_id: str, status: str) -> bool:
        """Apply a checkout outcome; returns whether Mollie would call the webhook for it."""
        if status not in SETTABLE_STATUSES:
            raise ValueError(f"unknown payment status {status!r}")
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                raise KeyError(payment_id)
            if payment.status in FINAL_STATUSES:
                if payment.status == status:
                    return False
                raise ValueError(f"payment {payment_id} is already {payment.status}")
            if status in ("open", "pending"):
                # Mollie does not call webhooks for open or pending.
                payment.status = status
                return False
            now = self.now()
            payment.status = status
            if status == "paid":
                payment.paid_at = now
                payment.method = payment.method or "ideal"
                link = self._links.get(payment.payment_link_id or "")
                if link is not None and link.paid_at is None:
                    link.paid_at = now
                    link.updated_at = now
            elif status == "canceled":
                payment.canceled_at = now
            elif status == "expired":
                payment.expired_at = now
            else:
                payment.failed_at = now
            return True

    def _new_payment(
        self,
        account: _Account,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str | None,
        webhook_url: str | None,
        metadata: Any,
        method: str | None,
        payment_link_id: str | None = None,
    ) -> _Payment:
        with self._lock:
            self._seq += 1
            now = self.now()
            payment = _Payment(
                id=_new_id("tr_", 10),
                account_key=account.api_key,
                seq=self._seq,
                amount_cents=amount_cents,
                description=description,
                redirect_url=redirect_url,
                webhook_url=webhook_url,
                metadata=metadata,
                method=method,
                created_at=now,
                expires_at=now + PAYMENT_EXPIRY,
                payment_link_id=payment_link_id,
            )
            self._payments[payment.id] = payment
            return payment

    # ------------------------------------------------------------------------------------ dispatch

    def _dispatch(self, request: _Request) -> _Response:
        if request.path.startswith("/v2/") or request.path == "/v2":
            return self._dispatch_api(request)
        return self._dispatch_public(request)

    def _take_fault(self) -> tuple[int | None, float]:
        with self._lock:
            status = self._faults.pop(0) if self._faults else None
            delay = self._delays.pop(0) if self._delays else 0.0
        return status, delay

    def _dispatch_api(self, request: _Request) -> _Response:
        status, delay = self._take_fault()
        if status is not None:
            if delay:
                time.sleep(delay)
            detail = "The service is temporarily unavailable, please try again later"
            if status < 500:
                detail = "Injected failure"
            return _Response.json(status, ApiError(status, detail).to_json())
        try:
            account = self._authenticate(request)
            for method, pattern, handler in self._routes:
                match = pattern.fullmatch(request.path.rstrip("/"))
                if match and method == request.method:
                    run = functools.partial(self._run_handler, delay, handler, account, request, match)
                    if method == "POST" and request.headers.get("Idempotency-Key"):
                        return self._idempotent(account, request, run)
                    return run()
            if delay:
                time.sleep(delay)
            raise ApiError(404, "The requested resource does not exist")
        except ApiError as exc:
            return _Response.json(exc.status, exc.to_json())

    @staticmethod
    def _run_handler(
        delay: float, handler: _Route, account: _Account, request: _Request, match: re.Match[str]
    ) -> _Response:
        # The delay sits inside the execution (after an Idempotency-Key is registered), so a client that
        # times out and retries meets a request that is still running, as it would at Mollie.
        if delay:
            time.sleep(delay)
        return handler(account, request, match)

    def _authenticate(self, request: _Request) -> _Account:
        header = request.headers.get("Authorization", "")
        key = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        with self._lock:
            account = self._accounts.get(key)
            if account is None and self.auto_register_accounts and _API_KEY_RE.match(key):
                account = _Account(key, _new_id("pfl_", 10), "Local merchant")
                self._accounts[key] = account
        if account is None:
            raise ApiError(401, "Missing authentication, or failed to authenticate")
        return account

    def _idempotent(self, account: _Account, request: _Request, run: Callable[[], _Response]) -> _Response:
        key = (account.api_key, request.headers["Idempotency-Key"])
        try:
            canonical = json.dumps(json.loads(request.body or b"null"), sort_keys=True)
        except ValueError:
            canonical = request.body.decode("utf-8", "replace")
        fingerprint = f"{request.method} {request.path} {canonical}"
        with self._lock:
            now = self.now()
            for stale in [k for k, r in self._idempotency.items() if now - r.created_at > IDEMPOTENCY_TTL]:
                del self._idempotency[stale]
            record = self._idempotency.get(key)
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise ApiError(
                        400, "The Idempotency-Key was already used for a request with other parameters"
                    )
                if record.response is None:
                    raise ApiError(409, "A request with this Idempotency-Key is still being processed")
                replay = record.response
                return _Response(
                    replay.status, replay.body, {**replay.headers, "Idempotent-Replayed": "true"}
                )
            record = _IdempotencyRecord(fingerprint, now)
            self._idempotency[key] = record
        response: _Response | None = None
        try:
            try:
                response = run()
            except ApiError as exc:
                response = _Response.json(exc.status, exc.to_json())
            return response
        finally:
            with self._lock:
                # Only executed requests are remembered, so a corrected request may reuse the key.
                if response is not None and 200 <= response.status < 300:
                    record.response = response
                else:
                    self._idempotency.pop(key, None)

    # ----------------------------------------------------------------------------------- validation

    @staticmethod
    def _body(request: _Request) -> JSONObject:
        if not request.body:
            return {}
        try:
            data = json.loads(request.body)
        except ValueError as exc:
            raise ApiError(400, "The request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object")
        return data

    @staticmethod
    def _amount(raw: Any, field_name: str = "amount") -> int:
        if raw is None:
            raise ApiError(422, "The amount is required", field_name)
        if not isinstance(raw, dict):
            raise ApiError(422, "The amount is invalid", field_name)
        currency = raw.get("currency")
        if currency != "EUR":
            raise ApiError(422, f"The currency '{currency}' is not supported", f"{field_name}.currency")
        value = raw.get("value")
        if not isinstance(value, str) or not _AMOUNT_VALUE_RE.match(value):
            raise ApiError(422, "The amount contains an invalid value", f"{field_name}.value")
        cents = int(value.replace(".", ""))
        if cents <= 0:
            raise ApiError(422, "The amount is lower than the minimum of € 0.01", f"{field_name}.value")
        return cents

    @staticmethod
    def _url(data: JSONObject, name: str, *, required: bool, label: str) -> str | None:
        value = data.get(name)
        if value is None or value == "":
            if required:
                raise ApiError(422, f"The {label} is missing", name)
            return None
        if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
            raise ApiError(422, f"The {label} is invalid", name)
        return value

    @staticmethod
    def _description(data: JSONObject) -> str:
        value = data.get("description")
        if not isinstance(value, str) or not value.strip():
            raise ApiError(422, "The description is invalid", "description")
        if len(value) > 255:
            raise ApiError(422, "The description can be at most 255 characters", "description")
        return value

    # --------------------------------------------------------------------------------- rendering

    def _payment_json(self, p: _Payment, api_base: str) -> JSONObject:
        account = self._accounts[p.account_key]
        public = self._public_url or api_base or self.base_url
        body: JSONObject = {
            "resource": "payment",
            "id": p.id,
            "mode": account.mode,
            "createdAt": _iso(p.created_at),
            "amount": _money(p.amount_cents),
            "description": p.description,
            "method": p.method,
            "metadata": p.metadata,
            "status": p.status,
            "isCancelable": p.status == "open",
            "profileId": account.profile_id,
            "sequenceType": "oneoff",
            "redirectUrl": p.redirect_url,
        }
        if p.webhook_url:
            body["webhookUrl"] = p.webhook_url
        if p.status in ("open", "pending"):
            body["expiresAt"] = _iso(p.expires_at)
        for name, moment in (
            ("paidAt", p.paid_at),
            ("canceledAt", p.canceled_at),
            ("expiredAt", p.expired_at),
            ("failedAt", p.failed_at),
        ):
            if moment is not None:
                body[name] = _iso(moment)
        if p.status == "paid":
            # Mollie only reports refund figures for payments that can (still) be refunded.
            body["amountRefunded"] = _money(p.refunded_cents)
            body["amountRemaining"] = _money(p.remaining_cents)
        if p.chargebacks:
            body["amountChargedBack"] = _money(p.charged_back_cents)
        links: JSONObject = {"self": _link(f"{api_base}/v2/payments/{p.id}")}
        if p.status == "open":
            links["checkout"] = _link(f"{public}/checkout/{p.id}", "text/html")
        links["dashboard"] = _link(f"{public}/#{p.id}", "text/html")
        if p.refunds:
            links["refunds"] = _link(f"{api_base}/v2/payments/{p.id}/refunds")
        if p.chargebacks:
            links["chargebacks"] = _link(f"{api_base}/v2/payments/{p.id}/chargebacks")
        if p.payment_link_id:
            links["paymentLink"] = _link(f"{api_base}/v2/payment-links/{p.payment_link_id}")
        links["documentation"] = _link("https://docs.mollie.com/reference/get-payment", "text/html")
        body["_links"] = links
        return body

    def _link_json(self, pl: _PaymentLink, api_base: str) -> JSONObject:
        account = self._accounts[pl.account_key]
        public = self._public_url or api_base or self.base_url
        return {
            "resource": "payment-link",
            "id": pl.id,
            "mode": account.mode,
            "description": pl.description,
            "amount": _money(pl.amount_cents),
            "archived": False,
            "redirectUrl": pl.redirect_url,
            "webhookUrl": pl.webhook_url,
            "profileId": account.profile_id,
            "createdAt": _iso(pl.created_at),
            "paidAt": _iso(pl.paid_at),
            "updatedAt": _iso(pl.updated_at),
            "expiresAt": _iso(pl.expires_at),
            "reusable": pl.reusable,
            "allowedMethods": None,
            "sequenceType": "oneoff",
            "_links": {
                "self": _link(f"{api_base}/v2/payment-links/{pl.id}"),
                "paymentLink": _link(f"{public}/payment/{pl.token}", "text/html"),
                "documentation": _link("https://docs.mollie.com/reference/get-payment-link", "text/html"),
            },
        }

    def _refund_json(self, r: _Refund, api_base: str) -> JSONObject:
        return {
            "resource": "refund",
            "id": r.id,
            "mode": self._accounts[self._payments[r.payment_id].account_key].mode,
            "amount": _money(r.amount_cents),
            "status": r.status,
            "createdAt": _iso(r.created_at),
            "description": r.description,
            "metadata": r.metadata,
            "paymentId": r.payment_id,
            "settlementAmount": _money(-r.amount_cents),
            "_links": {
                "self": _link(f"{api_base}/v2/payments/{r.payment_id}/refunds/{r.id}"),
                "payment": _link(f"{api_base}/v2/payments/{r.payment_id}"),
                "documentation": _link("https://docs.mollie.com/reference/get-refund", "text/html"),
            },
        }

    @staticmethod
    def _chargeback_json(c: ChargebackRecord, api_base: str) -> JSONObject:
        return {
            "resource": "chargeback",
            "id": c.id,
            "amount": _money(c.amount_cents),
            "settlementAmount": _money(-c.amount_cents),
            "createdAt": _iso(c.created_at),
            "reason": None,
            "reversedAt": None,
            "paymentId": c.payment_id,
            "_links": {
                "self": _link(f"{api_base}/v2/payments/{c.payment_id}/chargebacks/{c.id}"),
                "payment": _link(f"{api_base}/v2/payments/{c.payment_id}"),
                "documentation": _link("https://docs.mollie.com/reference/get-chargeback", "text/html"),
            },
        }

    @staticmethod
    def _page(request: _Request, embed: str, items: Sequence[JSONObject]) -> JSONObject:
        """Mollie's cursor pagination: ``from`` is the id of the first item of the page, newest first."""
        raw_limit = request.query.get("limit", str(DEFAULT_LIST_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIST_LIMIT:
            raise ApiError(400, f"The limit must be between 1 and {MAX_LIST_LIMIT}", "limit")
        limit = int(raw_limit)
        ids = [item["id"] for item in items]
        start = 0
        cursor = request.query.get("from")
        if cursor:
            if cursor not in ids:
                raise ApiError(400, f"Invalid cursor {cursor}", "from")
            start = ids.index(cursor)
        page = list(items[start : start + limit])
        url = f"{request.api_base}{request.path}"

        def href(first: str | None) -> JSONObject:
            query = {"from": first, "limit": limit} if first else {"limit": limit}
            return _link(f"{url}?{urllib.parse.urlencode(query)}")

        return {
            "count": len(page),
            "_embedded": {embed: page},
            "_links": {
                "self": href(cursor),
                "previous": href(ids[max(0, start - limit)]) if start > 0 else None,
                "next": href(ids[start + limit]) if start + limit < len(ids) else None,
                "documentation": _link("https://docs.mollie.com/reference/pagination", "text/html"),
            },
        }

    # ------------------------------------------------------------------------------- API: payments

    def _sorted_payments(self, api_key: str) -> list[_Payment]:
        return sorted((p for p in self._payments.values() if p.account_key == api_key), key=lambda p: -p.seq)

    def _owned_payment(self, account: _Account, payment_id: str) -> _Payment:
        payment = self._payments.get(payment_id)
        if payment is None or payment.account_key != account.api_key:
            # Another account's payment is indistinguishable from a non-existing one.
            raise ApiError(404, f"No payment exists with token {payment_id}.")
        return payment

    def _create_payment(self, account: _Account, request: _Request, _: re.Match[str]) -> _Response:
        data = self._body(request)
        amount = self._amount(data.get("amount"))
        description = self._description(data)
        redirect_url = self._url(data, "redirectUrl", required=True, label="redirect URL")
        webhook_url = self._url(data, "webhookUrl", required=False, label="webhook URL")
        metadata = data.get("metadata")
        if metadata is not None and len(json.dumps(metadata)) > 1024:
            raise ApiError(422, "The metadata is too large, at most 1024 bytes are allowed", "metadata")
        method_raw = data.get("method")
        methods = method_raw if isinstance(method_raw, list) else [method_raw] if method_raw else []
        for method in methods:
            if method not in KNOWN_METHODS:
                raise ApiError(422, f"The payment method '{method}' is invalid", "method")
        with self._lock:
            payment = self._new_payment(
                account,
                amount_cents=amount,
                description=description,
                redirect_url=redirect_url,
                webhook_url=webhook_url,
                metadata=metadata,
                # A list of methods lets the customer choose, so Mollie reports no method until paid.
                method=methods[0] if len(methods) == 1 else None,
            )
            return _Response.json(201, self._payment_json(payment, request.api_base))

    def _get_payment(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            return _Response.json(200, self._payment_json(payment, request.api_base))

    def _cancel_payment(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            if payment.status != "open":
                raise ApiError(422, f"The payment cannot be canceled from status {payment.status}")
            payment.status = "canceled"
            payment.canceled_at = self.now()
            return _Response.json(200, self._payment_json(payment, request.api_base))

    def _list_payments(self, account: _Account, request: _Request, _: re.Match[str]) -> _Response:
        with self._lock:
            items = [self._payment_json(p, request.api_base) for p in self._sorted_payments(account.api_key)]
        return _Response.json(200, self._page(request, "payments", items))

    # -------------------------------------------------------------------- API: refunds, chargebacks

    def _create_refund(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        data = self._body(request)
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            amount = self._amount(data.get("amount"))
            if payment.status != "paid":
                raise ApiError(
                    422, f"The payment {payment.id} cannot be refunded, its status is {payment.status}"
                )
            if amount > payment.remaining_cents:
                raise ApiError(
                    422,
                    "The amount is higher than the amount that can be refunded "
                    f"({_money(payment.remaining_cents)['value']})",
                    "amount.value",
                )
            description = data.get("description")
            refund = _Refund(
                id=_new_id("re_", 10),
                payment_id=payment.id,
                amount_cents=amount,
                description=description if isinstance(description, str) else "",
                metadata=data.get("metadata"),
                created_at=self.now(),
            )
            payment.refunds.append(refund)
            self._refunds[refund.id] = refund
            return _Response.json(201, self._refund_json(refund, request.api_base))

    def _list_refunds(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            items = [self._refund_json(r, request.api_base) for r in reversed(payment.refunds)]
        return _Response.json(200, self._page(request, "refunds", items))

    def _get_refund(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            for refund in payment.refunds:
                if refund.id == match.group(2):
                    return _Response.json(200, self._refund_json(refund, request.api_base))
        raise ApiError(404, f"No refund exists with token {match.group(2)}.")

    def _list_chargebacks(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            items = [self._chargeback_json(c, request.api_base) for c in reversed(payment.chargebacks)]
        return _Response.json(200, self._page(request, "chargebacks", items))

    def _get_chargeback(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            payment = self._owned_payment(account, match.group(1))
            for chargeback in payment.chargebacks:
                if chargeback.id == match.group(2):
                    return _Response.json(200, self._chargeback_json(chargeback, request.api_base))
        raise ApiError(404, f"No chargeback exists with token {match.group(2)}.")

    # -------------------------------------------------------------------------- API: payment links

    def _owned_link(self, account: _Account, link_id: str) -> _PaymentLink:
        link = self._links.get(link_id)
        if link is None or link.account_key != account.api_key:
            raise ApiError(404, f"No payment link exists with token {link_id}.")
        return link

    def _create_link(self, account: _Account, request: _Request, _: re.Match[str]) -> _Response:
        data = self._body(request)
        amount = self._amount(data.get("amount"))
        description = self._description(data)
        redirect_url = self._url(data, "redirectUrl", required=False, label="redirect URL")
        webhook_url = self._url(data, "webhookUrl", required=False, label="webhook URL")
        expires_at: datetime | None = None
        if data.get("expiresAt") is not None:
            try:
                expires_at = datetime.fromisoformat(str(data["expiresAt"]))
            except ValueError as exc:
                raise ApiError(422, "The expiry date is invalid", "expiresAt") from exc
            if expires_at.tzinfo is None:
                raise ApiError(422, "The expiry date must contain a timezone offset", "expiresAt")
            if expires_at <= self.now():
                raise ApiError(422, "The expiry date must be in the future", "expiresAt")
        reusable = data.get("reusable", False)
        if not isinstance(reusable, bool):
            raise ApiError(422, "The reusable flag must be a boolean", "reusable")
        with self._lock:
            self._seq += 1
            link = _PaymentLink(
                id=_new_id("pl_", 21),
                account_key=account.api_key,
                seq=self._seq,
                amount_cents=amount,
                description=description,
                redirect_url=redirect_url,
                webhook_url=webhook_url,
                created_at=self.now(),
                expires_at=expires_at,
                reusable=reusable,
            )
            self._links[link.id] = link
            return _Response.json(201, self._link_json(link, request.api_base))

    def _get_link(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            link = self._owned_link(account, match.group(1))
            return _Response.json(200, self._link_json(link, request.api_base))

    def _list_links(self, account: _Account, request: _Request, _: re.Match[str]) -> _Response:
        with self._lock:
            links = sorted(
                (pl for pl in self._links.values() if pl.account_key == account.api_key),
                key=lambda pl: -pl.seq,
            )
            items = [self._link_json(pl, request.api_base) for pl in links]
        # The client (PaymentLink.get_object_name) and Mollie both embed these as "payment_links".
        return _Response.json(200, self._page(request, "payment_links", items))

    def _list_link_payments(self, account: _Account, request: _Request, match: re.Match[str]) -> _Response:
        with self._lock:
            link = self._owned_link(account, match.group(1))
            payments = sorted((self._payments[pid] for pid in link.payment_ids), key=lambda p: -p.seq)
            items = [self._payment_json(p, request.api_base) for p in payments]
        return _Response.json(200, self._page(request, "payments", items))

    # ------------------------------------------------------------------------------- public pages

    def _dispatch_public(self, request: _Request) -> _Response:
        path = request.path.rstrip("/") or "/"
        if request.method in ("GET", "HEAD") and path == "/":
            return _Response.html(200, self._admin_page())
        if match := re.fullmatch(r"/checkout/(tr_\w+)", path):
            if request.method == "POST":
                return self._submit_checkout(match.group(1), request)
            if request.method in ("GET", "HEAD"):
                return self._checkout(match.group(1))
        if (match := re.fullmatch(r"/payment/(\w+)", path)) and request.method in ("GET", "HEAD"):
            return self._open_payment_link(match.group(1), request)
        if request.method == "POST":
            if match := re.fullmatch(r"/admin/payments/(tr_\w+)/chargeback", path):
                try:
                    self.chargeback(match.group(1))
                except (KeyError, ValueError) as exc:
                    return _Response.html(409, pages.notice_page("Chargeback not possible", str(exc)))
                return _Response.redirect(303, "/")
            if path == "/admin/expire-open":
                self.expire_open_payments()
                return _Response.redirect(303, "/")
        return _Response.html(404, pages.notice_page("Not found", "This page does not exist."))

    def _checkout(self, payment_id: str) -> _Response:
        with self._lock:
            payment = self._payments.get(payment_id)
            if payment is None:
                return _Response.html(404, pages.notice_page("Not found", f"No payment {payment_id}."))
            account = self._accounts[payment.account_key]
            if payment.status != "open":
                return _Response.html(
                    200, pages.notice_page("Payment finished", f"This payment is {payment.status}.")
                )
            page = pages.checkout_page(
                payment_id=payment.id,
                merchant=account.name,
                amount_cents=payment.amount_cents,
                description=payment.description,
                test_mode=account.mode == "test",
            )
        return _Response.html(200, page)

    def _submit_checkout(self, payment_id: str, request: _Request) -> _Response:
        form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace")))
        status = form.get("status", "")
        if status not in SETTABLE_STATUSES:
            return _Response.html(400, pages.notice_page("Invalid choice", f"Unknown status {status!r}."))
        try:
            notify = self._transition(payment_id, status)
        except KeyError:
            return _Response.html(404, pages.notice_page("Not found", f"No payment {payment_id}."))
        except ValueError as exc:
            return _Response.html(409, pages.notice_page("Payment finished", str(exc)))
        if notify:
            # Mollie calls the webhook before the customer is sent back, so the merchant usually knows
            # the outcome by the time the redirect lands (not guaranteed in async mode).
            self._trigger_webhook(payment_id)
        with self._lock:
            redirect_url = self._payments[payment_id].redirect_url
        if redirect_url:
            return _Response.redirect(303, redirect_url)
        return _Response.html(200, pages.notice_page("Done", f"Payment {payment_id} is now {status}."))

    def _open_payment_link(self, token: str, request: _Request) -> _Response:
        with self._lock:
            link = self._links.get(f"pl_{token}")
            if link is None:
                return _Response.html(
                    404, pages.notice_page("Not found", "This payment link does not exist.")
                )
            if link.expires_at is not None and link.expires_at <= self.now():
                return _Response.html(410, pages.notice_page("Expired", "This payment link has expired."))
            if link.paid_at is not None and not link.reusable:
                return _Response.html(
                    200, pages.notice_page("Paid", "This payment link has already been paid.")
                )
            account = self._accounts[link.account_key]
            # Mollie creates the payment only when the customer starts paying, with the link's settings.
            payment = self._new_payment(
                account,
                amount_cents=link.amount_cents,
                description=link.description,
                redirect_url=link.redirect_url,
                webhook_url=link.webhook_url,
                metadata=None,
                method=None,
                payment_link_id=link.id,
            )
            link.payment_ids.append(payment.id)
            public = self._public_url or request.api_base or self.base_url
        return _Response.redirect(302, f"{public}/checkout/{payment.id}")

    def _admin_page(self) -> str:
        with self._lock:
            accounts = []
            for account in self._accounts.values():
                rows = [
                    pages.AdminPaymentRow(
                        payment_id=p.id,
                        created_at=_iso(p.created_at) or "",
                        amount_cents=p.amount_cents,
                        description=p.description,
                        status=p.status,
                        checkout_href=f"/checkout/{p.id}" if p.status == "open" else None,
                        refunded_cents=p.refunded_cents,
                        charged_back_cents=p.charged_back_cents,
                        payment_link_id=p.payment_link_id,
                    )
                    for p in self._sorted_payments(account.api_key)
                ]
                links = [
                    pages.AdminLinkRow(
                        pl.id, pl.amount_cents, pl.description, f"/payment/{pl.token}", bool(pl.paid_at)
                    )
                    for pl in sorted(self._links.values(), key=lambda pl: -pl.seq)
                    if pl.account_key == account.api_key
                ]
                hint = f"{account.api_key[:9]}…{account.api_key[-4:]}"
                accounts.append(pages.AdminAccount(account.name, hint, account.profile_id, rows, links))
            hooks = [
                f"{_iso(d.at)} {d.payment_id} -> {d.url}: {d.status_code or d.error} (attempt {d.attempt})"
                for d in self._webhook_log
            ]
        return pages.admin_page(accounts, hooks)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Mollie does not follow redirects on webhook calls; a 3xx counts as a failed delivery.
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_NO_REDIRECT_OPENER: Final = urllib.request.build_opener(_NoRedirect)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mollie API v2 emulator (binds to 127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="API_KEY[=NAME]",
        help="register an account; without any, every well-formed test_/live_ key is accepted",
    )
    parser.add_argument("--public-url", default=None, help="base URL browsers use for checkout pages")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    emulator = MollieEmulator(port=args.port, public_url=args.public_url)
    for spec in args.account:
        key, _, name = str(spec).partition("=")
        emulator.add_account(key, name=name or "Test merchant")
    emulator.auto_register_accounts = not args.account
    emulator.start()
    print(f"Mollie emulator listening on {emulator.base_url} (admin: {emulator.public_url}/)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
