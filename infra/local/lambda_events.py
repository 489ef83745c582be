"""Lambda events shaped as AWS delivers them, for the local stack and the end-to-end tests."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

REGION = "eu-west-1"
ACCOUNT = "123456789012"


@dataclass
class LambdaContext:
    """The attributes handlers and powertools read from a real Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


def sqs_event(queue_arn: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """`messages` as returned by sqs.receive_message (Body, MessageId, ReceiptHandle, Attributes)."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(m["Body"].encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def scheduled_event(rule: str, at: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def sns_event(topic_arn: str, message: str, subject: str, at: datetime) -> dict[str, Any]:
    """One SNS notification as Lambda receives it from a topic subscription."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService.pem",
                    "UnsubscribeUrl": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {},
                },
            }
        ]
    }


def ses_permanent_bounce(message_id: str, address: str, source: str, at: datetime) -> str:
    """SES's bounce event for one sent e-mail, as a configuration set publishes it to SNS."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return json.dumps(
        {
            "eventType": "Bounce",
            "bounce": {
                "feedbackId": f"{uuid.uuid4().hex}-000000",
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
                "timestamp": stamp,
                "reportingMTA": f"dsn; a1-2.smtp-out.{REGION}.amazonses.com",
            },
            "mail": {
                "timestamp": stamp,
                "source": source,
                "sendingAccountId": ACCOUNT,
                "messageId": message_id,
                "destination": [address],
            },
        }
    )


def ses_complaint(message_id: str, address: str, source: str, at: datetime) -> str:
    """SES's complaint event for one sent e-mail (the recipient pressed "spam")."""
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return json.dumps(
        {
            "eventType": "Complaint",
            "complaint": {
                "feedbackId": f"{uuid.uuid4().hex}-000000",
                "complainedRecipients": [{"emailAddress": address}],
                "complaintFeedbackType": "abuse",
                "complaintSubType": None,
                "timestamp": stamp,
                "userAgent": "ExampleCorp Feedback Loop (V0.01)",
                "arrivalDate": stamp,
            },
            "mail": {
                "timestamp": stamp,
                "source": source,
                "sendingAccountId": ACCOUNT,
                "messageId": message_id,
                "destination": [address],
            },
        }
    )
