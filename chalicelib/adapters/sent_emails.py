"""Which dossier an e-mail was for, by SES message id (the `SESMSG#<id>` items of the table).

Why an item and not an SES tag: tags travel with every SES event to whoever reads the topic, and a
debtor number can identify a person; the message id SES gives back is already on the dossier
(`SentMessage.provider_id`). The item expires through the table's TTL once SES feedback can no
longer arrive (bounces come within hours or days, complaints within weeks).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta

from chalicelib.adapters.table import SentEmailItem
from chalicelib.services.ports import EmailRecipient

KEEP = timedelta(days=180)


class DynamoSentEmailIndex:
    def remember(self, message_id: str, recipient: EmailRecipient, now: datetime) -> None:
        # Unconditional and idempotent: a retried confirmation writes the same item again.
        SentEmailItem(
            f"SESMSG#{message_id}",
            "MESSAGE",
            body=json.dumps(asdict(recipient), separators=(",", ":")),
            expires_at=int((now + KEEP).timestamp()),
        ).save()

    def find(self, message_id: str) -> EmailRecipient | None:
        try:
            item = SentEmailItem.get(f"SESMSG#{message_id}", "MESSAGE")
        except SentEmailItem.DoesNotExist:
            return None
        return EmailRecipient(**json.loads(item.body))
