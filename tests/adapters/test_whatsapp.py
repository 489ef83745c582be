"""The WhatsApp adapter against End User Messaging Social's real service model: botocore's
Stubber refuses any request that does not match it (moto has no `socialmessaging`)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.whatsapp import EndUserMessagingWhatsApp, meta_message
from chalicelib.services.ports import WhatsAppMessage, WhatsAppNotDelivered

NUMBER = "phone-number-id-0123456789abcdef"
MESSAGE = WhatsAppMessage(
    to="+31612345678",
    template="debtflow_betaalherinnering",
    language="nl",
    parameters=("Voetbalvereniging De Zwaluwen", "10023", "https://pay.example/pl_abc"),
)


def adapter() -> tuple[EndUserMessagingWhatsApp, Stubber]:
    client = boto3.client("socialmessaging", region_name="eu-west-1")
    return EndUserMessagingWhatsApp(client, NUMBER, "v20.0"), Stubber(client)


def test_a_template_message_is_sent_from_the_accounts_number_as_meta_json() -> None:
    whatsapp, stub = adapter()
    stub.add_response(
        "send_whatsapp_message",
        {"messageId": "wamid.HBgL"},
        {"originationPhoneNumberId": NUMBER, "message": meta_message(MESSAGE), "metaApiVersion": "v20.0"},
    )
    with stub:
        assert whatsapp.send(MESSAGE) == "wamid.HBgL"
    stub.assert_no_pending_responses()

    body = json.loads(meta_message(MESSAGE))
    assert body["to"] == "31612345678" and body["type"] == "template"
    assert body["template"]["name"] == "debtflow_betaalherinnering"
    assert body["template"]["language"] == {"code": "nl"}
    texts = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert texts == ["Voetbalvereniging De Zwaluwen", "10023", "https://pay.example/pl_abc"]
    assert "€" not in json.dumps(body, ensure_ascii=False)  # never an amount on a lock screen


def test_a_refusal_by_the_service_becomes_not_delivered() -> None:
    whatsapp, stub = adapter()
    stub.add_client_error(
        "send_whatsapp_message", service_error_code="ValidationException", http_status_code=400
    )
    with stub, pytest.raises(WhatsAppNotDelivered, match="ValidationException"):
        whatsapp.send(MESSAGE)


def test_without_a_configured_number_nothing_is_called() -> None:
    client = boto3.client("socialmessaging", region_name="eu-west-1")
    with Stubber(client), pytest.raises(WhatsAppNotDelivered):
        EndUserMessagingWhatsApp(client, "", "v20.0").send(MESSAGE)
