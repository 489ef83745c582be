"""SMS through Amazon SNS (direct publish to a phone number).

Transactional type: reminders are not marketing, and SNS delivers transactional texts with
priority. The sender id is alphanumeric (the client's name), which Dutch networks accept.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from chalicelib.adapters.aws_clients import client
from chalicelib.adapters.send_refusals import SNS_BUSY, SNS_REFUSED, not_sent
from chalicelib.services.ports import Sms


class SnsSmsSender:
    def send(self, sms: Sms) -> str:
        try:
            response = client("sns").publish(
                PhoneNumber=sms.to,
                Message=sms.text,
                MessageAttributes={
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": sms.sender_id},
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        except ClientError as error:
            refusal = not_sent(error, "SNS", busy=SNS_BUSY, refused=SNS_REFUSED)
            if refusal is None:
                raise
            raise refusal from error
        return str(response["MessageId"])
