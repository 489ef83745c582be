"""E-mail through SES v2, in the client's name."""

from __future__ import annotations

from email.utils import formataddr

from chalicelib.adapters.aws_clients import client
from chalicelib.services.ports import Email


class SesMailer:
    def __init__(self, configuration_set: str | None = None) -> None:
        self.configuration_set = configuration_set

    def send(self, email: Email) -> str:
        request: dict[str, object] = {
            "FromEmailAddress": email.sender,
            "ReplyToAddresses": [email.reply_to],
            "Destination": {"ToAddresses": [email.to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": email.text, "Charset": "UTF-8"},
                        "Html": {"Data": email.html, "Charset": "UTF-8"},
                    },
                }
            },
            "EmailTags": [{"Name": k, "Value": v} for k, v in email.tags.items()],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        response = client("sesv2").send_email(**request)
        return str(response["MessageId"])


def sender_address(display_name: str, address: str) -> str:
    """`"Voetbalclub De Zwaluwen" <noreply@...>`: the debtor sees the client's name."""
    return formataddr((display_name, address))
