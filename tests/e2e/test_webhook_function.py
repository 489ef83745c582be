"""The webhook's own Lambda function (chalicelib/mollie_webhook.py): the Chalice app it runs serves
Mollie's webhook and nothing else, through the same code as the main API."""

from __future__ import annotations

from chalice.test import Client as ChaliceClient

from chalicelib import bootstrap
from chalicelib.domain.dossier import Status
from chalicelib.mollie_webhook import app as webhook_app
from infra.local.demo_data import DEMO_CLIENT
from tests.e2e.conftest import DAY_0, FORM, Pipeline


def test_the_webhook_function_alone_applies_a_paid_link_once(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    link = pipeline.dossier("10001").payment_link
    assert link is not None
    payment_id = pipeline.pay_link(link.checkout_url)

    with ChaliceClient(webhook_app, stage_name="local") as function:
        for _ in range(2):  # Mollie retries; the second call changes nothing
            answer = function.http.post(
                f"/webhooks/mollie/{DEMO_CLIENT.client_id}", headers=FORM, body=f"id={payment_id}"
            )
            assert (answer.status_code, answer.body) == (200, b"")
        refused = function.http.post(f"/webhooks/mollie/{DEMO_CLIENT.client_id}", headers=FORM, body="id=x")
        assert refused.status_code == 400

    jan = pipeline.dossier("10001")
    assert (jan.status, jan.paid_cents) == (Status.PAID, 18_500)
    events = bootstrap.dossier_repository().events(DEMO_CLIENT.client_id, "10001")
    assert [e.what for e in events].count("payment_received") == 1


def test_the_webhook_function_has_no_other_route() -> None:
    assert {path: sorted(route) for path, route in webhook_app.routes.items()} == {
        "/webhooks/mollie/{client_id}": ["POST"]
    }
    assert (webhook_app.event_sources, webhook_app.pure_lambda_functions) == ([], [])
