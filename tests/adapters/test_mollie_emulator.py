"""The Mollie emulator, exercised through the real mollie-api-python client."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    RequestError,
    ResponseError,
    UnauthorizedError,
    UnprocessableEntityError,
)

from infra.local.mollie_emulator import MollieEmulator

KEY_A = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
KEY_B = "test_Bq9xLm2PzR7vWc4NtYk8HsJd3FgA5e"
LIVE_KEY = "live_Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff9Dd"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WebhookReceiver:
    """A merchant endpoint that records Mollie's webhook calls."""

    url: str
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    answer_status: int = 200


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    state = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            state.calls.append((self.path, self.headers.get("Content-Type", ""), body))
            self.send_response(state.answer_status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/mollie"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def emu() -> Iterator[MollieEmulator]:
    with MollieEmulator() as emulator:
        emulator.add_account(KEY_A, name="Sportclub De Ster", profile_id="pfl_DeSter0001")
        emulator.add_account(KEY_B, name="Bakkerij Bol")
        emulator.add_account(LIVE_KEY, name="Live BV")
        yield emulator


@pytest.fixture(autouse=True)
def _reset_emulator(emu: MollieEmulator) -> None:
    emu.clear_faults()
    emu.deliver_webhooks_synchronously = True


def make_client(emu: MollieEmulator, key: str = KEY_A, **kwargs: Any) -> Client:
    client = Client(api_endpoint=emu.base_url, **kwargs)
    client.set_api_key(key)
    return client


@pytest.fixture
def client(emu: MollieEmulator) -> Client:
    return make_client(emu)


def payment_data(value: str = "12.34", **extra: Any) -> dict[str, Any]:
    return {
        "amount": {"currency": "EUR", "value": value},
        "description": "Contributie 2024 lid 42",
        "redirectUrl": "https://debtflow.example/thanks",
        **extra,
    }


# ------------------------------------------------------------------------------------------- payments


def test_create_and_get_payment_has_mollie_fields(emu: MollieEmulator, client: Client) -> None:
    created = client.payments.create(
        payment_data(metadata={"invoice": "F2024-001"}, method="ideal", webhookUrl="https://x.example/h")
    )
    fetched = client.payments.get(created.id)

    assert fetched == created
    assert created.id.startswith("tr_") and len(created.id) == 13
    assert created.resource == "payment"
    assert created.mode == "test"
    assert created.amount == {"currency": "EUR", "value": "12.34"}
    assert created.description == "Contributie 2024 lid 42"
    assert created.method == "ideal"
    assert created.metadata == {"invoice": "F2024-001"}
    assert created.status == "open" and created.is_open()
    assert created.is_cancelable is True
    assert created.profile_id == "pfl_DeSter0001"
    assert created.sequence_type == "oneoff"
    assert created.redirect_url == "https://debtflow.example/thanks"
    assert created.webhook_url == "https://x.example/h"
    assert created.paid_at is None and not created.is_paid()
    assert created.amount_remaining is None
    created_at = datetime.fromisoformat(created.created_at)
    assert (datetime.fromisoformat(created.expires_at) - created_at).total_seconds() == 900
    assert created.checkout_url == f"{emu.public_url}/checkout/{created.id}"
    assert created["_links"]["self"]["href"] == f"{emu.base_url}/v2/payments/{created.id}"
    assert "paymentLink" not in created["_links"]


def test_live_key_payments_are_live_mode(emu: MollieEmulator) -> None:
    payment = make_client(emu, LIVE_KEY).payments.create(payment_data())
    assert payment.mode == "live"


@pytest.mark.parametrize(
    ("amount", "field", "detail"),
    [
        ({"currency": "EUR", "value": "12.3"}, "amount.value", "The amount contains an invalid value"),
        ({"currency": "EUR", "value": "12"}, "amount.value", "The amount contains an invalid value"),
        ({"currency": "EUR", "value": 12.34}, "amount.value", "The amount contains an invalid value"),
        ({"currency": "EUR", "value": "1,00"}, "amount.value", "The amount contains an invalid value"),
        (
            {"currency": "EUR", "value": "0.00"},
            "amount.value",
            "The amount is lower than the minimum of € 0.01",
        ),
        ({"currency": "USD", "value": "1.00"}, "amount.currency", "The currency 'USD' is not supported"),
        (None, "amount", "The amount is required"),
    ],
)
def test_invalid_amount_is_422_with_field(client: Client, amount: Any, field: str, detail: str) -> None:
    data = payment_data()
    data["amount"] = amount
    with pytest.raises(UnprocessableEntityError) as caught:
        client.payments.create(data)
    assert caught.value.status == 422
    assert caught.value.field == field
    assert str(caught.value) == detail


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"description": ""}, "description"),
        ({"redirectUrl": None}, "redirectUrl"),
        ({"redirectUrl": "not a url"}, "redirectUrl"),
        ({"webhookUrl": "ftp://x"}, "webhookUrl"),
        ({"method": "bitcoin"}, "method"),
    ],
)
def test_invalid_fields_are_422(client: Client, override: dict[str, Any], field: str) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.payments.create(payment_data(**override))
    assert caught.value.field == field


def test_error_json_matches_mollie_format(emu: MollieEmulator) -> None:
    response = requests.post(
        f"{emu.base_url}/v2/payments",
        json=payment_data(value="-1.00"),
        headers={"Authorization": f"Bearer {KEY_A}"},
        timeout=5,
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/hal+json"
    assert response.json() == {
        "status": 422,
        "title": "Unprocessable Entity",
        "detail": "The amount contains an invalid value",
        "field": "amount.value",
        "_links": {
            "documentation": {"href": "https://docs.mollie.com/overview/handling-errors", "type": "text/html"}
        },
    }


def test_list_is_newest_first_and_paginates_with_cursor(emu: MollieEmulator) -> None:
    key = "test_PaginationAccount0000000000001"
    emu.add_account(key)
    client = make_client(emu, key)
    created = [client.payments.create(payment_data(value=f"{i}.00")).id for i in range(1, 8)]

    page = client.payments.list(limit=3)
    seen: list[str] = []
    sizes = []
    while True:
        sizes.append(len(page))
        seen.extend(p.id for p in page)
        if not page.has_next():
            break
        page = page.get_next()

    assert seen == list(reversed(created))
    assert sizes == [3, 3, 1]
    assert page.has_previous()
    assert [p.id for p in page.get_previous()] == list(reversed(created))[3:6]
    assert client.payments.list(limit=3)["_links"]["previous"] is None
    assert [p.id for p in client.payments.list(limit=2, **{"from": created[3]})] == [created[3], created[2]]


def test_list_rejects_limit_above_250(client: Client) -> None:
    with pytest.raises(BadRequestError) as caught:
        client.payments.list(limit=251)
    assert caught.value.field == "limit"


def test_cancel_open_payment(client: Client) -> None:
    payment = client.payments.create(payment_data())
    canceled = client.payments.delete(payment.id)
    assert canceled["status"] == "canceled"
    assert canceled["canceledAt"] is not None
    assert "checkout" not in canceled["_links"]


# ------------------------------------------------------------------------------ accounts and auth


def test_other_accounts_payment_is_not_found(emu: MollieEmulator, client: Client) -> None:
    payment = client.payments.create(payment_data())
    other = make_client(emu, KEY_B)
    with pytest.raises(NotFoundError) as caught:
        other.payments.get(payment.id)
    assert caught.value.status == 404
    assert str(caught.value) == f"No payment exists with token {payment.id}."
    assert payment.id not in [p.id for p in other.payments.list(limit=250)]
    assert payment.id not in [p["id"] for p in emu.payments_of(KEY_B)]
    assert emu.payments_of(KEY_A)[0]["id"] == payment.id


def test_unknown_key_is_unauthorized(emu: MollieEmulator) -> None:
    with pytest.raises(UnauthorizedError) as caught:
        make_client(emu, "test_UnknownKey000000000000000000000").payments.list()
    assert caught.value.status == 401
    assert str(caught.value) == "Missing authentication, or failed to authenticate"


def test_missing_bearer_is_401_json(emu: MollieEmulator) -> None:
    response = requests.get(f"{emu.base_url}/v2/payments", timeout=5)
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized Request"


def test_unknown_route_and_unknown_id_are_404(emu: MollieEmulator, client: Client) -> None:
    response = requests.get(
        f"{emu.base_url}/v2/invoices-xyz", headers={"Authorization": f"Bearer {KEY_A}"}, timeout=5
    )
    assert response.status_code == 404
    assert response.json()["status"] == 404
    with pytest.raises(NotFoundError) as caught:
        client.payments.get("tr_doesnotexist")
    assert str(caught.value) == "No payment exists with token tr_doesnotexist."


# ------------------------------------------------------------------------------------- idempotency


def test_same_idempotency_key_returns_same_payment(emu: MollieEmulator) -> None:
    key = "test_IdempotencyAccount00000000000001"
    emu.add_account(key)
    client = make_client(emu, key)
    first = client.payments.create(payment_data(), idempotency_key="invoice-77-attempt-1")
    second = client.payments.create(payment_data(), idempotency_key="invoice-77-attempt-1")
    assert second.id == first.id
    assert len(client.payments.list()) == 1

    with pytest.raises(BadRequestError) as caught:
        client.payments.create(payment_data(value="99.99"), idempotency_key="invoice-77-attempt-1")
    assert caught.value.status == 400

    # Other accounts have their own key space.
    other = make_client(emu, KEY_B).payments.create(payment_data(), idempotency_key="invoice-77-attempt-1")
    assert other.id != first.id

    emu.advance_time(24 * 3600 + 1)
    third = client.payments.create(payment_data(), idempotency_key="invoice-77-attempt-1")
    assert third.id != first.id
    assert len(client.payments.list()) == 2


def test_replayed_response_carries_mollie_header(emu: MollieEmulator) -> None:
    headers = {"Authorization": f"Bearer {KEY_A}", "Idempotency-Key": "replay-header-check"}
    first = requests.post(f"{emu.base_url}/v2/payments", json=payment_data(), headers=headers, timeout=5)
    second = requests.post(f"{emu.base_url}/v2/payments", json=payment_data(), headers=headers, timeout=5)
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]


def test_failed_validation_does_not_burn_idempotency_key(client: Client) -> None:
    with pytest.raises(UnprocessableEntityError):
        client.payments.create(payment_data(value="1"), idempotency_key="fix-and-retry")
    assert client.payments.create(payment_data(), idempotency_key="fix-and-retry").status == "open"


# ------------------------------------------------------------------------------ checkout and webhooks


def test_checkout_page_shows_dutch_amount_and_merchant(client: Client) -> None:
    payment = client.payments.create(payment_data(value="1234.56"))
    page = requests.get(payment.checkout_url, timeout=5)
    assert page.status_code == 200
    assert "€ 1.234,56" in page.text
    assert "Sportclub De Ster" in page.text
    assert "Contributie 2024 lid 42" in page.text
    assert "TEST MODE" in page.text
    for status in ("paid", "failed", "canceled", "expired", "open"):
        assert f"value='{status}'" in page.text


def test_paying_at_checkout_calls_webhook_and_redirects(
    emu: MollieEmulator, client: Client, receiver: WebhookReceiver
) -> None:
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    response = requests.post(payment.checkout_url, data={"status": "paid"}, allow_redirects=False, timeout=5)

    assert response.status_code == 303
    assert response.headers["Location"] == "https://debtflow.example/thanks"
    assert receiver.calls == [("/webhooks/mollie", "application/x-www-form-urlencoded", f"id={payment.id}")]
    paid = client.payments.get(payment.id)
    assert paid.status == "paid" and paid.is_paid()
    assert paid.paid_at is not None
    assert paid.method == "ideal"
    assert paid.is_cancelable is False
    assert paid.checkout_url is None
    assert paid.amount_refunded == {"currency": "EUR", "value": "0.00"}
    assert paid.amount_remaining == {"currency": "EUR", "value": "12.34"}
    deliveries = [d for d in emu.webhook_log if d.payment_id == payment.id]
    assert [(d.url, d.status_code, d.attempt, d.ok) for d in deliveries] == [(receiver.url, 200, 1, True)]
    # A finished payment cannot be paid again.
    again = requests.post(payment.checkout_url, data={"status": "failed"}, allow_redirects=False, timeout=5)
    assert again.status_code == 409
    assert client.payments.get(payment.id).status == "paid"


@pytest.mark.parametrize(
    ("status", "stamp"), [("failed", "failedAt"), ("canceled", "canceledAt"), ("expired", "expiredAt")]
)
def test_other_checkout_outcomes_set_their_timestamp(
    client: Client, receiver: WebhookReceiver, status: str, stamp: str
) -> None:
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    requests.post(payment.checkout_url, data={"status": status}, allow_redirects=False, timeout=5)
    after = client.payments.get(payment.id)
    assert after.status == status
    assert after[stamp] is not None
    assert after.paid_at is None
    assert len(receiver.calls) == 1


def test_leaving_payment_open_does_not_call_webhook(client: Client, receiver: WebhookReceiver) -> None:
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    response = requests.post(payment.checkout_url, data={"status": "open"}, allow_redirects=False, timeout=5)
    assert response.status_code == 303
    assert client.payments.get(payment.id).status == "open"
    assert receiver.calls == []


def test_failed_webhook_is_pending_and_retried(
    emu: MollieEmulator, client: Client, receiver: WebhookReceiver
) -> None:
    receiver.answer_status = 500
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    emu.set_payment_status(payment.id, "paid")

    pending = [p for p in emu.pending_webhooks if p.payment_id == payment.id]
    assert [(p.url, p.attempts) for p in pending] == [(receiver.url, 1)]
    # Mollie waits before its first retry; nothing is due yet on the emulator clock.
    assert [d for d in emu.retry_failed_webhooks(only_due=True) if d.payment_id == payment.id] == []

    receiver.answer_status = 200
    emu.advance_time(61)
    retried = [d for d in emu.retry_failed_webhooks(only_due=True) if d.payment_id == payment.id]
    assert [(d.status_code, d.attempt) for d in retried] == [(200, 2)]
    assert [p for p in emu.pending_webhooks if p.payment_id == payment.id] == []
    assert len(receiver.calls) == 2


def test_unreachable_webhook_is_recorded_and_given_up_after_ten_attempts(
    emu: MollieEmulator, client: Client
) -> None:
    payment = client.payments.create(payment_data(webhookUrl="http://127.0.0.1:9/unreachable"))
    emu.set_payment_status(payment.id, "paid")
    first = [d for d in emu.webhook_log if d.payment_id == payment.id]
    assert len(first) == 1 and first[0].status_code is None and first[0].error
    for _ in range(9):
        emu.retry_failed_webhooks()
    attempts = [d.attempt for d in emu.webhook_log if d.payment_id == payment.id]
    assert attempts == list(range(1, 11))
    assert all(p.payment_id != payment.id for p in emu.pending_webhooks)


def test_redeliver_webhook_simulates_duplicate_call(
    emu: MollieEmulator, client: Client, receiver: WebhookReceiver
) -> None:
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    emu.set_payment_status(payment.id, "paid")
    delivery = emu.redeliver_webhook(payment.id)
    assert delivery is not None and delivery.status_code == 200
    assert [body for _, _, body in receiver.calls] == [f"id={payment.id}"] * 2


def test_background_webhook_delivery(emu: MollieEmulator, client: Client, receiver: WebhookReceiver) -> None:
    emu.deliver_webhooks_synchronously = False
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    emu.set_payment_status(payment.id, "failed")
    assert emu.wait_for_webhooks(timeout=5)
    assert receiver.calls == [("/webhooks/mollie", "application/x-www-form-urlencoded", f"id={payment.id}")]


def test_expire_open_payments(emu: MollieEmulator, receiver: WebhookReceiver) -> None:
    key = "test_ExpiryAccount000000000000000000001"
    emu.add_account(key)
    client = make_client(emu, key)
    old = client.payments.create(payment_data(webhookUrl=receiver.url))
    emu.advance_time(16 * 60)
    fresh = client.payments.create(payment_data())
    assert emu.expire_open_payments(key, only_due=True) == [old.id]
    assert client.payments.get(old.id).status == "expired"
    assert receiver.calls == [("/webhooks/mollie", "application/x-www-form-urlencoded", f"id={old.id}")]
    assert emu.expire_open_payments(key) == [fresh.id]
    assert [p["status"] for p in emu.payments_of(key)] == ["expired", "expired"]


def test_set_payment_status_rejects_unknown_status(emu: MollieEmulator, client: Client) -> None:
    payment = client.payments.create(payment_data())
    with pytest.raises(ValueError, match="unknown payment status"):
        emu.set_payment_status(payment.id, "refunded")


# ---------------------------------------------------------------------------------- payment links


def test_payment_link_flow_end_to_end(emu: MollieEmulator, client: Client, receiver: WebhookReceiver) -> None:
    link = client.payment_links.create(
        {
            "amount": {"currency": "EUR", "value": "45.00"},
            "description": "Herinnering factuur F2024-009",
            "redirectUrl": "https://debtflow.example/paid",
            "webhookUrl": receiver.url,
            "expiresAt": "2099-01-01T00:00:00+00:00",
        }
    )
    assert link.id.startswith("pl_")
    assert link.resource == "payment-link"
    assert link.expires_at == "2099-01-01T00:00:00+00:00"
    assert link.paid_at is None and not link.is_paid()
    assert link.id in [pl.id for pl in client.payment_links.list()]

    opened = requests.get(link.payment_link, allow_redirects=False, timeout=5)
    assert opened.status_code == 302
    checkout_url = opened.headers["Location"]
    payment_id = checkout_url.rsplit("/", 1)[1]
    assert "€ 45,00" in requests.get(checkout_url, timeout=5).text

    payment = client.payments.get(payment_id)
    assert payment.description == "Herinnering factuur F2024-009"
    assert payment.amount == {"currency": "EUR", "value": "45.00"}
    assert payment["_links"]["paymentLink"]["href"] == f"{emu.base_url}/v2/payment-links/{link.id}"
    assert payment_id in [p.id for p in client.payments.list()]

    done = requests.post(checkout_url, data={"status": "paid"}, allow_redirects=False, timeout=5)
    assert done.headers["Location"] == "https://debtflow.example/paid"
    # Mollie calls the link's webhook with the id of the payment made through it.
    assert receiver.calls == [("/webhooks/mollie", "application/x-www-form-urlencoded", f"id={payment_id}")]
    paid_link = client.payment_links.get(link.id)
    assert paid_link.paid_at == client.payments.get(payment_id).paid_at
    assert [p.id for p in paid_link.payments.list()] == [payment_id]
    assert "already been paid" in requests.get(link.payment_link, timeout=5).text


def test_payment_link_of_other_account_is_not_found(emu: MollieEmulator, client: Client) -> None:
    link = client.payment_links.create({"amount": {"currency": "EUR", "value": "1.00"}, "description": "x"})
    with pytest.raises(NotFoundError):
        make_client(emu, KEY_B).payment_links.get(link.id)


def test_payment_link_expiry_in_the_past_is_422(client: Client) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        client.payment_links.create(
            {
                "amount": {"currency": "EUR", "value": "1.00"},
                "description": "x",
                "expiresAt": "2001-01-01T00:00:00+00:00",
            }
        )
    assert caught.value.field == "expiresAt"


# ---------------------------------------------------------------------------- refunds, chargebacks


def test_refund_updates_payment_amounts(emu: MollieEmulator, client: Client) -> None:
    payment = client.payments.create(payment_data())
    with pytest.raises(UnprocessableEntityError):
        payment.refunds.create({"amount": {"currency": "EUR", "value": "1.00"}})
    emu.set_payment_status(payment.id, "paid")

    refund = payment.refunds.create(
        {"amount": {"currency": "EUR", "value": "5.00"}, "description": "Dubbel betaald"}
    )
    assert refund.id.startswith("re_")
    assert refund.amount == {"currency": "EUR", "value": "5.00"}
    assert refund.status == "pending"
    assert refund.payment_id == payment.id
    assert refund.description == "Dubbel betaald"

    after = client.payments.get(payment.id)
    assert after.amount_refunded == {"currency": "EUR", "value": "5.00"}
    assert after.amount_remaining == {"currency": "EUR", "value": "7.34"}
    assert after.has_refunds()
    assert [r.id for r in after.refunds.list()] == [refund.id]
    assert after.refunds.get(refund.id).amount == refund.amount

    with pytest.raises(UnprocessableEntityError) as caught:
        after.refunds.create({"amount": {"currency": "EUR", "value": "7.35"}})
    assert caught.value.field == "amount.value"

    assert emu.process_refunds() == [refund.id]
    assert after.refunds.get(refund.id).status == "refunded"


def test_chargeback_updates_payment_and_calls_webhook(
    emu: MollieEmulator, client: Client, receiver: WebhookReceiver
) -> None:
    payment = client.payments.create(payment_data(webhookUrl=receiver.url))
    with pytest.raises(ValueError, match="only paid payments"):
        emu.chargeback(payment.id)
    emu.set_payment_status(payment.id, "paid")

    record = emu.chargeback(payment.id, amount_cents=1000)

    after = client.payments.get(payment.id)
    assert after.status == "paid"
    assert after.amount_chargedback == {"currency": "EUR", "value": "10.00"}
    assert after.amount_remaining == {"currency": "EUR", "value": "2.34"}
    assert after.has_chargebacks()
    chargebacks = after.chargebacks.list()
    assert [(c.id, c.amount) for c in chargebacks] == [(record.id, {"currency": "EUR", "value": "10.00"})]
    assert after.chargebacks.get(record.id)["paymentId"] == payment.id
    assert [body for _, _, body in receiver.calls] == [f"id={payment.id}"] * 2


# -------------------------------------------------------------------------------- fault injection


def test_fail_next_answers_error_json_then_recovers(emu: MollieEmulator, client: Client) -> None:
    emu.fail_next(1, status=503)
    with pytest.raises(ResponseError) as caught:
        client.payments.list()
    assert type(caught.value) is ResponseError
    assert caught.value.status == 503
    assert len(client.payments.list(limit=1)) == 1

    emu.fail_next(2, status=404)
    with pytest.raises(NotFoundError):
        client.payments.list()
    with pytest.raises(NotFoundError):
        client.payments.list()


def test_delay_next_triggers_client_timeout(emu: MollieEmulator) -> None:
    slow_client = make_client(emu, timeout=(1, 0.2))
    emu.delay_next(1, 0.6)
    with pytest.raises(RequestError, match="Unable to communicate with Mollie"):
        slow_client.payments.list()
    assert slow_client.payments.list(limit=1).count == 1


def test_timed_out_create_retried_with_same_key_never_doubles(emu: MollieEmulator) -> None:
    key = "test_TimeoutRetryAccount000000000001"
    emu.add_account(key)
    slow_client = make_client(emu, key, timeout=(1, 0.2))
    emu.delay_next(1, 0.8)
    with pytest.raises(RequestError):
        slow_client.payments.create(payment_data(), idempotency_key="retry-after-timeout")
    # The original request is still being executed: Mollie answers 409 to the retry.
    with pytest.raises(ConflictError) as caught:
        slow_client.payments.create(payment_data(), idempotency_key="retry-after-timeout")
    assert caught.value.status == 409
    client = make_client(emu, key)
    deadline = time.monotonic() + 5
    while True:
        try:
            replayed = client.payments.create(payment_data(), idempotency_key="retry-after-timeout")
            break
        except ConflictError:
            assert time.monotonic() < deadline, "original request never finished"
            time.sleep(0.05)
    assert [p["id"] for p in emu.payments_of(key)] == [replayed.id]


# ----------------------------------------------------------------------------------- admin, runner


def test_admin_page_lists_payments_with_checkout_links(emu: MollieEmulator, client: Client) -> None:
    payment = client.payments.create(payment_data(value="77.70"))
    page = requests.get(f"{emu.base_url}/", timeout=5)
    assert page.status_code == 200
    assert "Sportclub De Ster" in page.text and "Bakkerij Bol" in page.text
    assert f"href='/checkout/{payment.id}'" in page.text
    assert "€ 77,70" in page.text

    emu.set_payment_status(payment.id, "paid")
    response = requests.post(
        f"{emu.base_url}/admin/payments/{payment.id}/chargeback", allow_redirects=False, timeout=5
    )
    assert response.status_code == 303
    assert client.payments.get(payment.id).amount_chargedback == {"currency": "EUR", "value": "77.70"}


def test_runs_standalone_and_prints_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.mollie_emulator", "--port", "0", "--account", f"{KEY_A}=Demo"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Mollie emulator listening on http://127.0.0.1:")
        base_url = line.split()[4]
        client = Client(api_endpoint=base_url)
        client.set_api_key(KEY_A)
        assert client.payments.create(payment_data()).status == "open"
    finally:
        process.terminate()
        process.wait(timeout=5)
