"""The whole flow through the Chalice handlers, with events shaped as AWS delivers them: the S3
notification inside an SQS message, the scheduled sweep, the action queue, and Mollie's webhook."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.domain.dossier import Status
from infra.local.demo_data import DEMO_CLIENT, DEMO_MOLLIE_KEY
from infra.local.lambda_events import scheduled_event
from tests.conftest import NAMES
from tests.e2e.conftest import DAY_0, FORM, REGION, Pipeline, sent_emails


def test_a_list_dropped_in_the_bucket_becomes_dossiers_reminders_and_a_paid_file(pipeline: Pipeline) -> None:
    pipeline.upload()
    notifications = pipeline.import_uploads()
    # moto, like S3, announces the notification set-up with an s3:TestEvent first.
    assert any(json.loads(n).get("Event") == "s3:TestEvent" for n in notifications)

    jan = pipeline.dossier("10001")
    assert (jan.status, jan.open_cents, jan.debtor.phone_e164) == (Status.OPEN, 18_500, "+31612345678")
    report = json.loads(
        boto3.client("s3", region_name=REGION)
        .get_object(
            Bucket=NAMES.bucket,
            Key=f"reports/{DEMO_CLIENT.client_id}/openstaande posten 30-11.csv.result.json",
        )["Body"]
        .read()
    )
    assert (report["dossiers_opened"], report["accepted"], report["total_open_cents"]) == (12, 13, 793_035)

    pipeline.sweep_and_act(DAY_0)
    emails = sent_emails()
    assert len(emails) == 12
    to_jan = next(m for m in emails if m.destinations["ToAddresses"] == ["jan.devries@example.nl"])
    assert to_jan.subject == "Herinnering: openstaande betaling aan Sportpark De Zwaluwen (10001)"
    assert "Betaal € 185,00 met iDEAL" in to_jan.body
    jan = pipeline.dossier("10001")
    assert jan.payment_link is not None
    assert jan.payment_link.checkout_url in to_jan.body
    # A Mollie payment link, valid for days (docs/decisions/003-payment-links.md).
    [link] = [
        p for p in pipeline.mollie.payment_links_of(DEMO_MOLLIE_KEY) if p["id"] == jan.payment_link.payment_id
    ]
    assert link["amount"] == {"currency": "EUR", "value": "185.00"}
    assert link["webhookUrl"] == f"http://127.0.0.1:9/webhooks/mollie/{DEMO_CLIENT.client_id}"

    payment_id = pipeline.pay_link(jan.payment_link.checkout_url)
    response = pipeline.webhook(f"id={payment_id}")
    assert (response.status_code, response.body) == (200, b"")
    paid = pipeline.dossier("10001")
    assert (paid.status, paid.open_cents, paid.paid_cents) == (Status.PAID, 0, 18_500)

    pipeline.sweep_and_act(DAY_0 + timedelta(days=7))
    second = [m for m in sent_emails()[12:] if m.subject.startswith("Tweede herinnering")]
    assert len(second) == 11
    assert all(m.destinations["ToAddresses"] != ["jan.devries@example.nl"] for m in second)
    # Step numbers follow the policy file (call moments are steps too); check the letter.
    assert "reminder_2" in {m.template for m in pipeline.dossier("10003").messages}


def test_the_same_notification_and_webhook_delivered_twice_change_nothing(pipeline: Pipeline) -> None:
    pipeline.upload()
    notifications = pipeline.import_uploads()
    before = {
        d.debtor_id: d.version for d in bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id)
    }
    pipeline.deliver("import_upload", NAMES.uploads_queue, notifications)
    after = {
        d.debtor_id: d.version for d in bootstrap.dossier_repository().list_for_client(DEMO_CLIENT.client_id)
    }
    assert after == before

    pipeline.sweep_and_act(DAY_0)
    # A second sweep before the actions ran re-queues nothing that was handled; redelivering the
    # action messages sends no second e-mail and makes no second payment.
    pipeline.chalice.lambda_.invoke("sweep_due", scheduled_event("debtflow-sweep_due", DAY_0))
    pipeline.deliver(
        "process_dossier_action",
        NAMES.actions_queue,
        [json.dumps({"client_id": DEMO_CLIENT.client_id, "debtor_id": "10005", "due_at": DAY_0.isoformat()})]
        * 2,
    )
    assert len(sent_emails()) == 12
    assert len(pipeline.mollie.payment_links_of(DEMO_MOLLIE_KEY)) == 12

    payment_id = pipeline.pay_link(pipeline.dossier("10005").payment_link.checkout_url)  # type: ignore[union-attr]
    for _ in range(2):
        assert pipeline.webhook(f"id={payment_id}").status_code == 200
    sanne = pipeline.dossier("10005")
    assert (sanne.status, sanne.paid_cents, sanne.received_payment_ids) == (
        Status.PAID,
        18_500,
        (payment_id,),
    )
    events = bootstrap.dossier_repository().events(DEMO_CLIENT.client_id, "10005")
    assert [e.what for e in events].count("payment_received") == 1


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ("", FORM, 400),
        ("foo=bar", FORM, 400),
        ("id=tr_../../v2/customers", FORM, 400),
        ("id=tr_abc&id=tr_def", FORM, 400),
        ('{"id": "tr_abc"}', {"Content-Type": "application/json"}, 415),
        ("id=tr_DoesNotExist1", FORM, 200),
    ],
)
def test_a_malformed_or_forged_webhook_gets_a_clear_answer_and_changes_nothing(
    pipeline: Pipeline, body: str, headers: dict[str, str], status: int
) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    response = pipeline.webhook(body, headers)
    assert response.status_code == status
    if status == 400:
        assert b"id" in response.body
    assert pipeline.dossier("10001").status is Status.OPEN


def test_another_clients_payment_sent_to_this_clients_url_is_ignored(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    other_key = "test_OtherClubKeyAbcdefghijklmnopqrstu"
    pipeline.mollie.add_account(other_key, name="Hockeyclub")
    from mollie.api.client import Client as Mollie

    mollie = Mollie(api_endpoint=pipeline.mollie.base_url)
    mollie.set_api_key(other_key)
    foreign = mollie.payments.create(
        {
            "amount": {"currency": "EUR", "value": "185.00"},
            "description": "Hockeyclub contributie",
            "redirectUrl": "https://hockey.example/",
            "metadata": {"client_id": DEMO_CLIENT.client_id, "debtor_id": "10001"},
        }
    )
    pipeline.mollie.set_payment_status(foreign.id, "paid")
    assert pipeline.webhook(f"id={foreign.id}").status_code == 200
    assert pipeline.dossier("10001").open_cents == 18_500
