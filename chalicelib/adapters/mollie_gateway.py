"""Payments through the client's own Mollie account, with the real mollie-api-python client."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mollie.api.client import Client as MollieClient
from mollie.api.error import NotFoundError

from chalicelib.domain.clients import Client
from chalicelib.domain.money import from_mollie_value, to_mollie_value
from chalicelib.services.ports import CreatedPayment, PaymentFacts

# The client library puts an id into the URL path unchecked ("tr_../../v2/customers" walked out of
# /v2/payments/); only ids of Mollie's own shape may reach it.
PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{1,64}$")


class MollieGateway:
    def __init__(self, api_key_of: Callable[[str], str], api_endpoint: str | None = None) -> None:
        self._api_key_of = api_key_of
        self._api_endpoint = api_endpoint or ""

    def _mollie(self, client: Client) -> MollieClient:
        mollie = MollieClient(api_endpoint=self._api_endpoint, timeout=(3, 10))
        mollie.set_api_key(self._api_key_of(client.mollie_key_parameter))
        return mollie

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
        payment = self._mollie(client).payments.create(
            {
                "amount": {"currency": "EUR", "value": to_mollie_value(amount_cents)},
                "description": description,
                "redirectUrl": redirect_url,
                "webhookUrl": webhook_url,
                "method": "ideal",
                "metadata": metadata,
            },
            # Mollie's client would send a fresh random key; ours makes a redelivered action
            # get the same payment back instead of a second one.
            idempotency_key=idempotency_key,
        )
        return CreatedPayment(
            payment_id=payment.id,
            checkout_url=payment.checkout_url,
            amount_cents=from_mollie_value(payment.amount["value"]),
        )

    def get_payment(self, client: Client, payment_id: str) -> PaymentFacts | None:
        if not PAYMENT_ID.match(payment_id):
            return None
        try:
            payment = self._mollie(client).payments.get(payment_id)
        except NotFoundError:
            return None
        metadata: Any = payment.metadata or {}
        paid_at = payment.paid_at
        return PaymentFacts(
            payment_id=payment.id,
            status=payment.status,
            amount_cents=from_mollie_value(payment.amount["value"]),
            metadata=metadata if isinstance(metadata, dict) else {},
            paid_at=datetime.fromisoformat(paid_at) if paid_at else None,
        )
