"""What an AWS answer proves, on moto: an upload claim whose answer was lost is still ours, and
SES/SNS errors that prove a message did not go out become MessageNotSent (the rest stay errors)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from chalicelib.adapters.dynamodb_repository import DynamoUploadLedger
from chalicelib.adapters.ses_mailer import SesMailer
from chalicelib.adapters.sms import SnsSmsSender
from chalicelib.services.ports import Claim, Email, MessageNotSent, Sms
from infra.local.provision import Provisioned
from tests.builders import NOW


@contextmanager
def next_call(
    operation: str, *, lost_answer: bool = False, code: str = "", status: int = 400
) -> Iterator[None]:
    """The next `operation` is applied and its answer lost, or answered with error `code`."""
    original = botocore.client.BaseClient._make_api_call
    armed = [True]

    def call(client: Any, name: str, params: dict[str, Any]) -> Any:
        if name != operation or not armed[0]:
            return original(client, name, params)
        armed[0] = False
        if lost_answer:
            original(client, name, params)
            raise ReadTimeoutError(endpoint_url="https://aws.example")
        raise ClientError(
            {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}},
            name,
        )

    botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def test_an_upload_claim_whose_answer_was_lost_is_still_ours(aws: Provisioned) -> None:
    ledger = DynamoUploadLedger()
    with next_call("PutItem", lost_answer=True):
        assert ledger.claim("club-42", "incoming/club-42/leden.csv", "e1", NOW) is Claim.CLAIMED
    # Another invocation still finds it held.
    assert ledger.claim("club-42", "incoming/club-42/leden.csv", "e1", NOW) is Claim.BUSY


EMAIL = Email(
    sender="Club <noreply@debtflow.example>",
    reply_to="club@example.nl",
    to="lotte@example.nl",
    subject="Herinnering",
    text="Beste Lotte",
    html="<p>Beste Lotte</p>",
)
SMS = Sms(to="+31622334455", text="Herinnering", sender_id="Club")


@pytest.mark.parametrize(
    ("code", "status", "refused"),
    [("TooManyRequestsException", 429, False), ("MessageRejected", 400, True)],
)
def test_ses_throttling_and_refusals_say_nothing_went_out(
    aws: Provisioned, code: str, status: int, refused: bool
) -> None:
    with next_call("SendEmail", code=code, status=status), pytest.raises(MessageNotSent) as caught:
        SesMailer().send(EMAIL)
    assert caught.value.refused is refused and code in caught.value.reason


def test_an_ses_server_error_proves_nothing_and_stays_an_error(aws: Provisioned) -> None:
    with next_call("SendEmail", code="InternalFailure", status=500), pytest.raises(ClientError):
        SesMailer().send(EMAIL)


@pytest.mark.parametrize(("code", "refused"), [("Throttling", False), ("InvalidParameter", True)])
def test_sns_throttling_and_refusals_say_nothing_went_out(aws: Provisioned, code: str, refused: bool) -> None:
    with next_call("Publish", code=code), pytest.raises(MessageNotSent) as caught:
        SnsSmsSender().send(SMS)
    assert caught.value.refused is refused
