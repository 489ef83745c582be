"""Payments end to end: Chalice handlers, moto and the Mollie emulator (with fault injection)."""

from __future__ import annotations

import json
import logging

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.domain.dossier import Status
from chalicelib.domain.errors import ConcurrentChange
from infra.local.demo_data import DEMO_CLIENT, DEMO_MOLLIE_KEY
from infra.local.lambda_events import scheduled_event
from tests.conftest import NAMES
from tests.e2e.conftest import DAY_0, REGION, Pipeline


def reminded(pipeline: Pipeline) -> str:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    link = pipeline.dossier("10001").payment_link
    assert link is not None and link.payment_id.startswith("pl_")
    return link.checkout_url


def test_mollie_answering_503_gets_a_503_and_the_redelivery_applies_the_payment_once(
    pipeline: Pipeline,
) -> None:
    payment_id = pipeline.pay_link(reminded(pipeline))
    pipeline.mollie.fail_next(1, 503)
    assert pipeline.webhook(f"id={payment_id}").status_code == 503
    assert pipeline.dossier("10001").paid_cents == 0
    for _ in range(2):
        assert pipeline.webhook(f"id={payment_id}").status_code == 200
    jan = pipeline.dossier("10001")
    assert (jan.status, jan.paid_cents) == (Status.PAID, 18_500)
    events = bootstrap.dossier_repository().events(DEMO_CLIENT.client_id, "10001")
    assert [e.what for e in events].count("payment_received") == 1


def test_mollie_slower_than_our_timeout_gets_a_503_and_nothing_is_lost(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    payment_id = pipeline.pay_link(reminded(pipeline))
    monkeypatch.setattr(bootstrap.payment_gateway(), "_timeout", (3, 0.3))
    pipeline.mollie.delay_next(1, 1.0)
    assert pipeline.webhook(f"id={payment_id}").status_code == 503
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    assert pipeline.dossier("10001").status is Status.PAID


def test_a_refused_key_never_shows_in_the_error_or_the_logs(
    pipeline: Pipeline,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.domain.errors import PaymentProviderUnavailable

    payment_id = pipeline.pay_link(reminded(pipeline))
    caplog.set_level(logging.DEBUG)
    pipeline.mollie.fail_next(1, 401)
    with pytest.raises(PaymentProviderUnavailable) as raised:
        bootstrap.payment_gateway().get_payment(DEMO_CLIENT, payment_id)
    assert "refused the API key" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    pipeline.mollie.fail_next(1, 401)
    assert pipeline.webhook(f"id={payment_id}").status_code == 503
    # A malformed key makes the client library put the key itself into its error text.
    monkeypatch.setattr(bootstrap.payment_gateway(), "_api_key_of", lambda name: "sk_SecretMalformedKey42")
    assert pipeline.webhook(f"id={payment_id}").status_code == 503
    out = capsys.readouterr()
    for text in (str(raised.value), caplog.text, out.out, out.err):
        assert DEMO_MOLLIE_KEY not in text
        assert "sk_SecretMalformedKey42" not in text


def test_a_stale_copy_saved_after_the_webhook_is_refused_not_lost(pipeline: Pipeline) -> None:
    payment_id = pipeline.pay_link(reminded(pipeline))
    stale = pipeline.dossier("10001")  # the action runner loaded it before the webhook
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    stale.step = 9
    with pytest.raises(ConcurrentChange):
        bootstrap.dossier_repository().save(stale)
    jan = pipeline.dossier("10001")
    assert (jan.status, jan.paid_cents, jan.step) == (Status.PAID, 18_500, 1)


def test_refund_and_chargeback_through_the_emulator_reopen_the_dossier(pipeline: Pipeline) -> None:
    from mollie.api.client import Client as Mollie

    payment_id = pipeline.pay_link(reminded(pipeline))
    pipeline.webhook(f"id={payment_id}")
    mollie = Mollie(api_endpoint=pipeline.mollie.base_url)
    mollie.set_api_key(DEMO_MOLLIE_KEY)
    mollie.payments.get(payment_id).refunds.create({"amount": {"currency": "EUR", "value": "50.00"}})
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    jan = pipeline.dossier("10001")
    assert (jan.status, jan.due_cents, jan.paid_cents) == (Status.REMINDED, 5_000, 13_500)
    pipeline.mollie.chargeback(payment_id, 13_500)
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    assert pipeline.webhook(f"id={payment_id}").status_code == 200
    jan = pipeline.dossier("10001")
    assert (jan.status, jan.due_cents, jan.paid_cents) == (Status.REMINDED, 18_500, 0)
    whats = [e.what for e in bootstrap.dossier_repository().events(DEMO_CLIENT.client_id, "10001")]
    assert (
        whats.count("payment_refunded"),
        whats.count("payment_charged_back"),
        whats.count("reopened"),
    ) == (1, 1, 1)


def test_the_daily_reconciliation_applies_a_payment_whose_webhook_never_arrived(pipeline: Pipeline) -> None:
    pipeline.pay_link(reminded(pipeline))  # Mollie's webhook call fails: nothing listens there
    assert pipeline.mollie.webhook_log[-1].ok is False
    # The emulator stamps payments with its own (wall) clock; reconcile "today" on that clock.
    pipeline.now = pipeline.mollie.now()
    pipeline.chalice.lambda_.invoke(
        "reconcile_payments", scheduled_event("debtflow-reconcile_payments", pipeline.now)
    )
    assert pipeline.dossier("10001").status is Status.PAID
    report = json.loads(
        boto3.client("s3", region_name=REGION)
        .get_object(
            Bucket=NAMES.bucket,
            Key=f"reports/{DEMO_CLIENT.client_id}/reconciliation-{pipeline.now.date().isoformat()}.json",
        )["Body"]
        .read()
    )
    assert [(f["debtor_id"], f["amount_cents"]) for f in report["fixed"]] == [("10001", 18_500)]


def test_an_arrangement_is_agreed_through_the_api_and_bad_requests_say_why(pipeline: Pipeline) -> None:
    reminded(pipeline)
    url = f"/clients/{DEMO_CLIENT.client_id}/dossiers/10001/arrangement"
    headers = pipeline.owner
    bad = pipeline.chalice.http.post(url, headers=headers, body=json.dumps({"installments": "drie"}))
    assert bad.status_code == 400 and b"installments must be a whole number" in bad.body
    too_small = pipeline.chalice.http.post(url, headers=headers, body=json.dumps({"installments": 12}))
    assert too_small.status_code == 400 and b"at least 2500 cents" in too_small.body
    missing = pipeline.chalice.http.post(
        f"/clients/{DEMO_CLIENT.client_id}/dossiers/99999/arrangement",
        headers=headers,
        body='{"installments": 2}',
    )
    assert missing.status_code == 404
    created = pipeline.chalice.http.post(url, headers=headers, body=json.dumps({"installments": 2}))
    assert created.status_code == 201, created.body
    assert [i["amount_cents"] for i in json.loads(created.body)["installments"]] == [9_250, 9_250]
    assert pipeline.dossier("10001").status is Status.IN_ARRANGEMENT
    assert len(pipeline.mollie.payment_links_of(DEMO_MOLLIE_KEY)) == 12
