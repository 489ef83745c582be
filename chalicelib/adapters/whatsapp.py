"""WhatsApp through AWS End User Messaging Social (`socialmessaging` in boto3).

`send_whatsapp_message` takes the message as Meta's Cloud API JSON (bytes), sent from one of the
account's WhatsApp phone numbers (`phone-number-id-...`). A business may start a conversation only
with a template Meta approved, so a reminder is a template with parameters, never free text.
moto has no `socialmessaging`: tests/adapters/test_whatsapp.py checks every request with
botocore's Stubber against the real service model.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.services.ports import WhatsAppMessage, WhatsAppNotDelivered


def meta_message(message: WhatsAppMessage) -> bytes:
    """The message as Meta's Cloud API wants it: a template with its body parameters."""
    body = {
        "messaging_product": "whatsapp",
        "to": message.to.lstrip("+"),
        "type": "template",
        "template": {
            "name": message.template,
            "language": {"code": message.language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": text} for text in message.parameters],
                }
            ],
        },
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class EndUserMessagingWhatsApp:
    def __init__(self, client: Any, origination_phone_number_id: str, meta_api_version: str) -> None:
        self.client = client
        self.origination = origination_phone_number_id
        self.meta_api_version = meta_api_version

    def send(self, message: WhatsAppMessage) -> str:
        if not self.origination:
            raise WhatsAppNotDelivered("no WhatsApp number is configured")
        try:
            response = self.client.send_whatsapp_message(
                originationPhoneNumberId=self.origination,
                message=meta_message(message),
                metaApiVersion=self.meta_api_version,
            )
        except (ClientError, BotoCoreError) as error:
            # The error names the service's reason, never the number or the text.
            raise WhatsAppNotDelivered(type(error).__name__) from error
        return str(response["messageId"])
