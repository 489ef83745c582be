"""SES feedback on a debtor's e-mail: a permanent bounce or a complaint marks the address
unusable, so the next step of the dossier goes by its next channel (SMS when a mobile number is on
file; see the `has_usable_email` conditions of the policies). A transient bounce is only recorded:
the mailbox may be full today and fine tomorrow.

SES names the message, not the dossier: the message id is looked up in the `SentEmailIndex`
written when the send was confirmed (services/dossier_actions.py, services/arrangements.py).
A late bounce of an address the client has since replaced is recorded but marks nothing: the new
address has not failed. The mark stays on the dossier (`Dossier.undeliverable_emails`), so a re-import
of the same address does not revive it; a different address from the client is used again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import DossierNotFound
from chalicelib.services.ports import DossierRepository, SentEmailIndex
from chalicelib.services.unit_of_work import DossierUnitOfWork

ACTOR = "ses"


class FeedbackKind(StrEnum):
    PERMANENT_BOUNCE = "permanent_bounce"
    TRANSIENT_BOUNCE = "transient_bounce"
    COMPLAINT = "complaint"
    # Reject, rendering failure and the like: SES did not deliver, but not because of the address.
    OTHER = "other"


@dataclass(frozen=True)
class EmailFeedback:
    kind: FeedbackKind
    message_id: str
    at: datetime
    recipients: tuple[str, ...]
    # SES's words for it: "Permanent/General", "Transient/MailboxFull", "abuse"...
    detail: str = ""

    @property
    def label(self) -> str:
        prefix = "complaint" if self.kind is FeedbackKind.COMPLAINT else "bounce"
        return f"{prefix}:{self.detail}" if self.detail else prefix


class FeedbackOutcome(StrEnum):
    ADDRESS_REJECTED = "address_rejected"
    RECORDED = "recorded"
    ALREADY_RECORDED = "already_recorded"
    UNKNOWN_MESSAGE = "unknown_message"
    IGNORED = "ignored"


@dataclass(frozen=True)
class FeedbackDeps:
    dossiers: DossierRepository
    sent_emails: SentEmailIndex


def on_email_feedback(feedback: EmailFeedback, deps: FeedbackDeps) -> FeedbackOutcome:
    if feedback.kind is FeedbackKind.OTHER:
        return FeedbackOutcome.IGNORED
    recipient = deps.sent_emails.find(feedback.message_id)
    if recipient is None:
        return FeedbackOutcome.UNKNOWN_MESSAGE
    bounced = {address.strip().lower() for address in feedback.recipients}

    def change(dossier: Dossier) -> FeedbackOutcome:
        current = (dossier.debtor.email or "").strip().lower()
        permanent = feedback.kind in (FeedbackKind.PERMANENT_BOUNCE, FeedbackKind.COMPLAINT)
        noted = dossier.record_email_feedback(
            recipient.step,
            recipient.channel,
            feedback.label,
            at=feedback.at,
            actor=ACTOR,
            reason=_reason(feedback.kind, current in bounced),
            provider_id=feedback.message_id,
        )
        rejected = (
            permanent
            and current in bounced
            and dossier.reject_email_address(
                current,
                at=feedback.at,
                actor=ACTOR,
                reason="SES reported a permanent bounce or a complaint: later messages take the "
                "next channel of each step",
                feedback=feedback.label,
                provider_id=feedback.message_id,
            )
        )
        if not (noted or rejected):
            return FeedbackOutcome.ALREADY_RECORDED
        return FeedbackOutcome.ADDRESS_REJECTED if rejected else FeedbackOutcome.RECORDED

    try:
        return DossierUnitOfWork(deps.dossiers).change(recipient.client_id, recipient.debtor_id, change)
    except DossierNotFound:
        return FeedbackOutcome.UNKNOWN_MESSAGE


def _reason(kind: FeedbackKind, current_address: bool) -> str:
    if not current_address:
        return "SES feedback on an address the client has replaced since: the new address stays in use"
    match kind:
        case FeedbackKind.TRANSIENT_BOUNCE:
            return "the e-mail bounced temporarily (e.g. a full mailbox): the address stays in use"
        case FeedbackKind.COMPLAINT:
            return "the debtor marked the e-mail as spam"
        case _:
            return "the e-mail bounced permanently"
