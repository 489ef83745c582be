"""Which answers of SES and SNS prove that a message did not go out.

Only an error the provider gives *instead of* accepting the message counts: a throttle, a paused
account, a refused address or content. Anything else (a 500, a timeout) leaves it unknown whether
the message left, and the dunning engine then errs towards silence (services/dossier_actions.py).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from chalicelib.services.ports import MessageNotSent

# SES v2 SendEmail. An account paused or a sender domain not verified is ours to fix, not the
# debtor's address: retried like a throttle, never counted against the address.
SES_BUSY = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "SendingPausedException",
        "AccountSuspendedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",
    }
)
SES_REFUSED = frozenset({"MessageRejected", "BadRequestException"})

# SNS Publish to a phone number.
SNS_BUSY = frozenset({"Throttling", "ThrottledException", "KMSThrottlingException"})
SNS_REFUSED = frozenset({"InvalidParameter", "InvalidParameterValue"})


def not_sent(
    error: ClientError, provider: str, *, busy: frozenset[str], refused: frozenset[str]
) -> MessageNotSent | None:
    """The MessageNotSent that `error` proves, or None when it proves nothing."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code in busy:
        return MessageNotSent(f"{provider} did not take it now ({code}); it is tried again", refused=False)
    if code in refused:
        return MessageNotSent(f"{provider} refused it ({code})", refused=True)
    return None
