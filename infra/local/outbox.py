"""Everything the local stack sent, like a mail catcher: e-mails (text and HTML), SMS texts and
letters (PDF), each with its client and dossier.

What went out is read where the providers keep it: moto's SES and SNS backends (the moto server
runs in this process) hold each e-mail as SES accepted it and each SMS as SNS published it, and
letters are the PDFs in the bucket's `outbox/` for the print-and-post partner. The dossier's own
record of each message (`Dossier.messages`: provider id, step, template, the S3 copy of its text)
names the client and debtor it belongs to.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import boto3

from chalicelib import bootstrap
from chalicelib.domain.dossier import Dossier, SentMessage

REGION = "eu-west-1"


@dataclass(frozen=True)
class Recipient:
    """Whose dossier a message belongs to, from the dossier's record of it."""

    client_id: str
    client_name: str
    debtor_id: str
    debtor_name: str
    message: SentMessage


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    channel: str  # email | sms | letter
    to: str
    subject: str
    text: str
    html: str
    recipient: Recipient | None
    letter_key: str = ""

    @property
    def sent_at(self) -> datetime | None:
        return self.recipient.message.sent_at if self.recipient else None

    def summary(self) -> dict[str, Any]:
        """The entry without its bodies: what a move of the clock reports as sent."""
        r = self.recipient
        return {
            "id": self.id,
            "channel": self.channel,
            "to": self.to,
            "subject": self.subject,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "client_id": r.client_id if r else None,
            "debtor_id": r.debtor_id if r else None,
            "debtor_name": r.debtor_name if r else None,
            "template": r.message.template if r else None,
            "step": r.message.step if r else None,
            "feedback": r.message.feedback if r else None,
        }

    def as_json(self) -> dict[str, Any]:
        data = self.summary()
        data["client_name"] = self.recipient.client_name if self.recipient else None
        if self.channel == "letter":
            data["pdf"] = f"/outbox/{self.id}.pdf"
            data["s3_key"] = self.letter_key
        else:
            data["text"] = self.text
        if self.channel == "email":
            data["html"] = self.html
        return data


class Outbox:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def entries(self) -> list[OutboxEntry]:
        """Every message sent, oldest first (in the order the providers accepted them)."""
        recipients = _recipients()
        entries = self._emails(recipients) + self._texts(recipients) + self._letters(recipients)
        order = {id(entry): position for position, entry in enumerate(entries)}
        return sorted(entries, key=lambda e: (e.sent_at is None, e.sent_at or datetime.min, order[id(e)]))

    def find(self, entry_id: str) -> OutboxEntry | None:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def letter_pdf(self, entry: OutboxEntry) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=entry.letter_key)["Body"].read()
        return body

    @property
    def _s3(self) -> Any:
        return boto3.client("s3", region_name=REGION)

    def _emails(self, recipients: dict[str, Recipient]) -> list[OutboxEntry]:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        entries = []
        for sent in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
            recipient = recipients.get(sent.id)
            if hasattr(sent, "body"):
                # SES's Simple content: moto keeps the HTML; the text is the copy the stack filed.
                html, text = str(sent.body), self._filed_text(recipient)
                subject, to = str(sent.subject), ", ".join(sent.destinations.get("ToAddresses", []))
            else:
                parsed = _mime(sent.raw_data)
                html, text = _part(parsed, "html"), _part(parsed, "plain")
                subject, to = str(parsed["Subject"] or ""), str(parsed["To"] or "")
            entries.append(OutboxEntry(f"email-{sent.id}", "email", to, subject, text, html, recipient))
        return entries

    def _texts(self, recipients: dict[str, Recipient]) -> list[OutboxEntry]:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        return [
            OutboxEntry(f"sms-{message_id}", "sms", phone, "", text, "", recipients.get(message_id))
            for message_id, (phone, text) in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.items()
        ]

    def _letters(self, recipients: dict[str, Recipient]) -> list[OutboxEntry]:
        entries = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="outbox/"):
            for item in page.get("Contents", []):
                key = str(item["Key"])
                recipient = recipients.get(f"s3://{key}")
                to = recipient.debtor_name if recipient else key.split("/")[2]
                digest = hashlib.sha256(key.encode()).hexdigest()[:16]
                entries.append(OutboxEntry(f"letter-{digest}", "letter", to, "", "", "", recipient, key))
        return entries

    def _filed_text(self, recipient: Recipient | None) -> str:
        key = recipient.message.s3_key if recipient else None
        if not key or not key.endswith(".txt"):
            return ""
        copy = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode("utf-8")
        # The copy starts with To: and Subject: lines; the text is what follows the blank line.
        return str(copy.split("\n\n", 1)[-1])


def _recipients() -> dict[str, Recipient]:
    """Each sent message's provider id (SES/SNS message id, or s3://key of a letter) -> its dossier."""
    found: dict[str, Recipient] = {}
    repository = bootstrap.dossier_repository()
    for client in bootstrap.client_directory().all():
        for dossier in repository.list_for_client(client.client_id):
            for message in dossier.messages:
                if message.provider_id:
                    found[message.provider_id] = _recipient(client.client_id, client.name, dossier, message)
    return found


def _recipient(client_id: str, client_name: str, dossier: Dossier, message: SentMessage) -> Recipient:
    return Recipient(client_id, client_name, dossier.debtor_id, dossier.debtor.name, message)


def _mime(raw: str | bytes) -> EmailMessage:
    parsed = email.message_from_bytes(
        raw.encode() if isinstance(raw, str) else raw, policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else ""
