"""The action queue: one message per due dossier, worked by process_dossier_action."""

from __future__ import annotations

import json
from datetime import datetime

from chalicelib.adapters.aws_clients import client

_SQS_BATCH = 10


class SqsActionQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def enqueue(self, dossiers: list[tuple[str, str]], due_at: datetime) -> int:
        sent = 0
        for start in range(0, len(dossiers), _SQS_BATCH):
            chunk = dossiers[start : start + _SQS_BATCH]
            response = client("sqs").send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "MessageBody": json.dumps(
                            {"client_id": c, "debtor_id": d, "due_at": due_at.isoformat()}
                        ),
                    }
                    for i, (c, d) in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                raise RuntimeError(f"{len(response['Failed'])} dossiers could not be queued")
            sent += len(chunk)
        return sent
