"""SES event notifications (bounce, complaint...) as SNS delivers them, turned into EmailFeedback.

Two shapes reach the topic: configuration-set event publishing (`eventType`, what our
configuration set sends) and identity notifications (`notificationType`, if someone turns those on
for the domain). Both carry `mail.messageId`, the id `SendEmail` returned.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import InvalidRequest
from chalicelib.services.email_feedback import EmailFeedback, FeedbackKind


def feedback_from_sns_message(message: str, received_at: datetime) -> EmailFeedback:
    try:
        event: dict[str, Any] = json.loads(message)
        kind = str(event.get("eventType") or event.get("notificationType") or "")
        message_id = str(event["mail"]["messageId"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidRequest(f"not an SES event notification: {error}") from error
    if kind == "Bounce":
        bounce = event.get("bounce", {})
        bounce_type = str(bounce.get("bounceType", ""))
        return EmailFeedback(
            kind=FeedbackKind.PERMANENT_BOUNCE
            if bounce_type == "Permanent"
            else FeedbackKind.TRANSIENT_BOUNCE,
            message_id=message_id,
            at=_when(bounce.get("timestamp"), received_at),
            recipients=_addresses(bounce.get("bouncedRecipients")),
            detail=f"{bounce_type}/{bounce.get('bounceSubType', '')}".rstrip("/"),
        )
    if kind == "Complaint":
        complaint = event.get("complaint", {})
        return EmailFeedback(
            kind=FeedbackKind.COMPLAINT,
            message_id=message_id,
            at=_when(complaint.get("timestamp"), received_at),
            recipients=_addresses(complaint.get("complainedRecipients")),
            detail=str(complaint.get("complaintFeedbackType", "")),
        )
    return EmailFeedback(FeedbackKind.OTHER, message_id, received_at, (), kind)


def _addresses(recipients: Any) -> tuple[str, ...]:
    return tuple(
        str(r["emailAddress"]) for r in recipients or () if isinstance(r, dict) and "emailAddress" in r
    )


def _when(timestamp: Any, fallback: datetime) -> datetime:
    try:
        return datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
    except ValueError:
        return fallback
