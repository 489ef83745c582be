"""E-mail through SES v2, in the client's name."""

from __future__ import annotations

from email.message import EmailMessage

from botocore.exceptions import ClientError

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.send_refusals import SES_BUSY, SES_REFUSED, not_sent
from chalicelib.services.ports import Email


class SesMailer:
    def __init__(self, configuration_set: str | None = None) -> None:
        self.configuration_set = configuration_set

    def send(self, email: Email) -> str:
        content: dict[str, object] = (
            {"Raw": {"Data": mime_message(email)}}
            if email.attachments
            else {
                "Simple": {
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": email.text, "Charset": "UTF-8"},
                        "Html": {"Data": email.html, "Charset": "UTF-8"},
                    },
                }
            }
        )
        request: dict[str, object] = {
            "FromEmailAddress": email.sender,
            "ReplyToAddresses": [email.reply_to],
            "Destination": {"ToAddresses": [email.to]},
            "Content": content,
            "EmailTags": [{"Name": k, "Value": v} for k, v in email.tags.items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            response = client("sesv2").send_email(**request)
        except ClientError as error:
            refusal = not_sent(error, "SES", busy=SES_BUSY, refused=SES_REFUSED)
            if refusal is None:
                raise
            raise refusal from error
        return str(response["MessageId"])


def mime_message(email: Email) -> bytes:
    """SES's Simple content carries no attachments: a PDF goes in a MIME message of its own."""
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = email.to
    message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        message.add_attachment(
            attachment.body, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message.as_bytes()
