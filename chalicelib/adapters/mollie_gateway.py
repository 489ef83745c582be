"""Payments through the client's own Mollie account, with the real mollie-api-python client.

Errors: a payment that does not exist in the client's account is `None`; Mollie unreachable,
slow, answering 5xx or refusing the key is `PaymentProviderUnavailable` (the webhook answers 503
so Mollie retries). The API key never appears in a message: the client library puts it into
`RequestSetupError` texts, so its exceptions are replaced, not chained (`from None`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from mollie.api.client import Client as MollieClient
from mollie.api.error import Error as MollieError
from mollie.api.error import NotFoundError, ResponseError, UnauthorizedError

from chalicelib.domain.clients import Client
from chalicelib.domain.errors import PaymentProviderUnavailable
from chalicelib.domain.money import from_mollie_value, to_mollie_value
from chalicelib.services.ports import CreatedPayment, PaymentFacts, Reversal

# The client library puts an id into the URL path unchecked ("tr_../../v2/customers" walked out of
# /v2/payments/); only ids of Mollie's own shape may reach it. Matched with fullmatch: `$` also
# matches before a trailing newline, and "tr_abc\n" went out as /v2/payments/tr_abc%0A.
PAYMENT_ID = re.compile(r"tr_[A-Za-z0-9]{1,64}")
LINK_ID = re.compile(r"pl_[A-Za-z0-9]{1,64}")
# Mollie gives a webhook 15 s; connect + read must stay well inside it.
DEFAULT_TIMEOUT = (3, 8)
# After our read timeout, the retry (SQS redelivers at once when the batch fails) may meet the
# first request still running at Mollie: 409 for that Idempotency-Key. Waiting for it (about 4 s
# in all) returns the link it made; failing at once spent every redelivery within a second.
STILL_RUNNING_WAITS = (0.25, 0.5, 1.0, 2.0)
PAGE_SIZE = 250


class _NotFound(Exception):
    pass


@contextmanager
def _mollie_errors(client_id: str) -> Iterator[None]:
    try:
        yield
    except NotFoundError:
        raise _NotFound() from None
    except UnauthorizedError:
        raise PaymentProviderUnavailable(f"Mollie refused the API key of client {client_id!r}") from None
    except ResponseError as error:
        raise PaymentProviderUnavailable(f"Mollie answered HTTP {error.status}; try again later") from None
    except MollieError as error:
        # RequestError (timeouts, connection) and RequestSetupError (whose text holds the key).
        raise PaymentProviderUnavailable(
            f"Mollie could not be reached ({type(error).__name__}); try again later"
        ) from None


def _cents(amount: Any) -> int:
    return from_mollie_value(str(amount["value"])) if isinstance(amount, dict) else 0


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _link_id(payment: dict[str, Any]) -> str | None:
    try:
        href = str(payment["_links"]["paymentLink"]["href"])
    except (KeyError, TypeError):
        return None
    candidate = href.rstrip("/").rsplit("/", 1)[-1]
    return candidate if LINK_ID.fullmatch(candidate) else None


def _facts(payment: Any) -> PaymentFacts:
    metadata: Any = payment.metadata or {}
    return PaymentFacts(
        payment_id=payment.id,
        status=payment.status,
        amount_cents=_cents(payment.amount),
        metadata=metadata if isinstance(metadata, dict) else {},
        paid_at=_when(payment.paid_at),
        link_id=_link_id(payment),
        refunded_cents=_cents(payment.amount_refunded),
        charged_back_cents=_cents(payment.amount_chargedback),
        created_at=_when(payment.created_at),
    )


class MollieGateway:
    def __init__(
        self,
        api_key_of: Callable[[str], str],
        api_endpoint: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api_key_of = api_key_of
        self._api_endpoint = api_endpoint or ""
        self._timeout = timeout
        self._sleep = sleep
        self.requests = 0  # API calls made (the webhook benchmark counts them)

    def _mollie(self, client: Client) -> MollieClient:
        # requests takes float seconds; the library's hint says int.
        mollie = MollieClient(api_endpoint=self._api_endpoint, timeout=cast(Any, self._timeout))
        with _mollie_errors(client.client_id):
            mollie.set_api_key(self._api_key_of(client.mollie_key_parameter))
        return mollie

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
        mollie = self._mollie(client)
        request = {
            "amount": {"currency": "EUR", "value": to_mollie_value(amount_cents)},
            "description": description,
            "redirectUrl": redirect_url,
            "webhookUrl": webhook_url,
            "expiresAt": expires_at.isoformat(timespec="seconds"),
        }
        with _mollie_errors(client.client_id):
            for wait in (*STILL_RUNNING_WAITS, None):
                self.requests += 1
                try:
                    link = mollie.payment_links.create(request, idempotency_key=idempotency_key)
                    break
                except ResponseError as error:
                    if error.status != 409 or wait is None:
                        raise
                self._sleep(wait)
        return CreatedPayment(
            payment_id=link.id,
            checkout_url=str(link["_links"]["paymentLink"]["href"]),
            amount_cents=from_mollie_value(link.amount["value"]),
        )

    def get_payment(self, client: Client, payment_id: str) -> PaymentFacts | None:
        if not PAYMENT_ID.fullmatch(payment_id):
            return None
        mollie = self._mollie(client)
        self.requests += 1
        try:
            with _mollie_errors(client.client_id):
                payment = mollie.payments.get(payment_id)
        except _NotFound:
            return None
        return _facts(payment)

    def reversals(self, client: Client, payment_id: str) -> list[Reversal]:
        if not PAYMENT_ID.fullmatch(payment_id):
            return []
        mollie = self._mollie(client)
        found: list[Reversal] = []
        try:
            with _mollie_errors(client.client_id):
                self.requests += 1
                payment = mollie.payments.get(payment_id)
                for kind, listing in (("refunded", payment.refunds), ("charged_back", payment.chargebacks)):
                    self.requests += 1
                    for item in listing.list():
                        if item.get("status") == "canceled":
                            continue
                        found.append(Reversal(str(item["id"]), kind, _cents(item["amount"])))
        except _NotFound:
            return []
        return found

    def recent_payments(self, client: Client, since: datetime) -> Iterator[PaymentFacts]:
        mollie = self._mollie(client)
        with _mollie_errors(client.client_id):
            self.requests += 1
            page = mollie.payments.list(limit=PAGE_SIZE)
            while page is not None:
                for payment in page:
                    facts = _facts(payment)
                    if facts.created_at is not None and facts.created_at < since:
                        return  # newest first: everything after this is older
                    yield facts
                if not page.has_next():  # type: ignore[no-untyped-call]
                    return
                self.requests += 1
                page = page.get_next()  # type: ignore[no-untyped-call]
