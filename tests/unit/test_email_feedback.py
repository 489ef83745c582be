"""SES bounces and complaints: the address is marked unusable and the next step takes the
next channel; transient bounces are only noted; redelivered notifications change nothing; a list
re-import does not revive the address unless the client supplies another one."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from chalicelib.adapters.ses_events import feedback_from_sns_message
from chalicelib.domain.debtor_list import InvoiceLine
from chalicelib.domain.dossier import Invoice, Status
from chalicelib.domain.policies import default_policy
from chalicelib.domain.reconciliation import reconcile
from chalicelib.services.dossier_actions import ActionDeps
from chalicelib.services.email_feedback import (
    EmailFeedback,
    FeedbackDeps,
    FeedbackKind,
    FeedbackOutcome,
    on_email_feedback,
)
from chalicelib.services.ports import EmailRecipient
from tests.fakes import FakeSentEmailIndex
from tests.unit.test_dunning_engine import MEMBER
from tests.unit.test_dunning_walkthrough import CLUB, Calendar, local

BOUNCED_AT = datetime(2026, 6, 1, 7, 5, tzinfo=UTC)


class World(Calendar):
    def __init__(self) -> None:
        super().__init__(CLUB)
        self.sent_emails = FakeSentEmailIndex()

    def deps(self) -> ActionDeps:
        return replace(super().deps(), sent_emails=self.sent_emails)

    def feedback(self) -> FeedbackDeps:
        return FeedbackDeps(self.dossiers, self.sent_emails)


def ses_bounce(
    message_id: str,
    bounce_type: str = "Permanent",
    sub_type: str = "General",
    address: str = "Lotte@Example.nl",
) -> str:
    """The configuration set's event as SES publishes it to SNS (the `Message` of the envelope)."""
    return json.dumps(
        {
            "eventType": "Bounce",
            "bounce": {
                "feedbackId": "0102017ee0a1b2c3-feedback-000000",
                "bounceType": bounce_type,
                "bounceSubType": sub_type,
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
                "timestamp": "2026-06-01T07:05:00.000Z",
                "reportingMTA": "dsn; a1-2.smtp-out.eu-west-1.amazonses.com",
            },
            "mail": {
                "timestamp": "2026-06-01T07:00:01.000Z",
                "source": "Hockeyclub De IJsvogels <noreply@debtflow.example>",
                "sendingAccountId": "123456789012",
                "messageId": message_id,
                "destination": [address.lower()],
                "tags": {
                    "client": ["hc-de-ijsvogels"],
                    "template": ["reminder_1"],
                    "ses:configuration-set": ["debtflow-prod"],
                },
            },
        }
    )


def first_reminder_sent() -> World:
    world = World()
    world.open(CLUB, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    world.run(local(2026, 6, 1, 8, 0), local(2026, 6, 1, 9, 0))
    assert [e.to for e in world.mailer.sent] == ["lotte@example.nl"]
    return world


def test_sending_an_email_remembers_whose_it_was_by_its_ses_message_id() -> None:
    world = first_reminder_sent()

    assert world.sent_emails.recipients == {"ses-1": EmailRecipient(CLUB.client_id, "L-9", 1, "email")}


def test_a_permanent_bounce_marks_the_address_and_the_next_step_goes_by_sms_and_post() -> None:
    world = first_reminder_sent()

    feedback = feedback_from_sns_message(ses_bounce("ses-1"), BOUNCED_AT)
    outcome = on_email_feedback(feedback, world.feedback())

    assert outcome is FeedbackOutcome.ADDRESS_REJECTED
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert dossier.undeliverable_emails == ("lotte@example.nl",)
    assert dossier.usable_email is None
    assert dossier.status is Status.REMINDED
    email = next(m for m in dossier.messages if m.channel == "email")
    assert email.feedback == "bounce:Permanent/General"
    events = world.dossiers.events(CLUB.client_id, "L-9")
    rejected = [e for e in events if e.what == "email_address_rejected"]
    assert len(rejected) == 1
    assert (rejected[0].actor, rejected[0].from_status, rejected[0].to_status) == (
        "ses",
        Status.REMINDED,
        Status.REMINDED,
    )
    assert rejected[0].details == {"feedback": "bounce:Permanent/General", "provider_id": "ses-1"}

    # Day 7: the second reminder reaches the debtor by text and the 14-day letter, not by e-mail.
    world.run(local(2026, 6, 8, 8, 0), local(2026, 6, 8, 9, 0))
    assert len(world.mailer.sent) == 1
    assert [s.to for s in world.sms.sent] == ["+31622334455", "+31622334455"]
    assert any(key.startswith("outbox/hc-de-ijsvogels/L-9/") for key in world.files.files)
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert [(m.step, m.channel) for m in dossier.messages if m.step > 1 and m.channel != "call"] == [
        (dossier.step, "letter"),
        (dossier.step, "sms"),
    ]


def test_a_redelivered_notification_changes_nothing() -> None:
    world = first_reminder_sent()
    feedback = feedback_from_sns_message(ses_bounce("ses-1"), BOUNCED_AT)
    on_email_feedback(feedback, world.feedback())
    events = len(world.dossiers.events(CLUB.client_id, "L-9"))

    assert on_email_feedback(feedback, world.feedback()) is FeedbackOutcome.ALREADY_RECORDED
    assert len(world.dossiers.events(CLUB.client_id, "L-9")) == events


def test_a_transient_bounce_is_recorded_and_the_address_stays_in_use() -> None:
    world = first_reminder_sent()

    feedback = feedback_from_sns_message(ses_bounce("ses-1", "Transient", "MailboxFull"), BOUNCED_AT)
    assert feedback.kind is FeedbackKind.TRANSIENT_BOUNCE
    assert on_email_feedback(feedback, world.feedback()) is FeedbackOutcome.RECORDED

    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert dossier.usable_email == "lotte@example.nl"
    assert (
        next(m for m in dossier.messages if m.channel == "email").feedback == "bounce:Transient/MailboxFull"
    )
    (noted,) = [e for e in world.dossiers.events(CLUB.client_id, "L-9") if e.what == "email_feedback"]
    assert noted.reason == "the e-mail bounced temporarily (e.g. a full mailbox): the address stays in use"


def test_a_complaint_marks_the_address_like_a_permanent_bounce() -> None:
    world = first_reminder_sent()
    complaint = json.dumps(
        {
            "eventType": "Complaint",
            "complaint": {
                "complainedRecipients": [{"emailAddress": "lotte@example.nl"}],
                "timestamp": "2026-06-02T10:00:00.000Z",
                "feedbackId": "0102017ee0a1b2c3-complaint",
                "complaintFeedbackType": "abuse",
            },
            "mail": {"messageId": "ses-1", "destination": ["lotte@example.nl"]},
        }
    )

    feedback = feedback_from_sns_message(complaint, BOUNCED_AT)
    assert (feedback.kind, feedback.at) == (FeedbackKind.COMPLAINT, datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    assert on_email_feedback(feedback, world.feedback()) is FeedbackOutcome.ADDRESS_REJECTED
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert next(m for m in dossier.messages if m.channel == "email").feedback == "complaint:abuse"


def test_a_late_bounce_of_an_address_the_client_replaced_marks_nothing() -> None:
    world = first_reminder_sent()
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    dossier.debtor = replace(dossier.debtor, email="lotte.bakker@example.nl")
    world.dossiers.save(dossier)

    feedback = feedback_from_sns_message(ses_bounce("ses-1"), BOUNCED_AT)
    assert on_email_feedback(feedback, world.feedback()) is FeedbackOutcome.RECORDED

    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert (dossier.undeliverable_emails, dossier.usable_email) == ((), "lotte.bakker@example.nl")


def test_feedback_on_an_unknown_message_or_a_rejected_send_changes_nothing() -> None:
    world = first_reminder_sent()
    unknown = feedback_from_sns_message(ses_bounce("not-ours"), BOUNCED_AT)
    rejected = EmailFeedback(FeedbackKind.OTHER, "ses-1", BOUNCED_AT, (), "Reject")

    assert on_email_feedback(unknown, world.feedback()) is FeedbackOutcome.UNKNOWN_MESSAGE
    assert on_email_feedback(rejected, world.feedback()) is FeedbackOutcome.IGNORED
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    assert dossier.undeliverable_emails == ()


def test_a_reimport_keeps_the_address_unusable_until_the_client_supplies_another() -> None:
    world = first_reminder_sent()
    on_email_feedback(feedback_from_sns_message(ses_bounce("ses-1"), BOUNCED_AT), world.feedback())
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None

    def listed(email: str) -> list[InvoiceLine]:
        debtor = replace(MEMBER, email=email)
        return [InvoiceLine(2, debtor, "C-9", date(2026, 5, 1), 7_500, 7_500)]

    now = datetime(2026, 6, 3, 5, 0, tzinfo=UTC)
    for email, usable in (
        ("LOTTE@example.nl ", None),
        ("lotte.bakker@example.nl", "lotte.bakker@example.nl"),
    ):
        reconcile(
            CLUB.client_id,
            dossier,
            listed(email),
            paid_items=False,
            hold=False,
            today=now.date(),
            now=now,
            policy=default_policy(),
        )
        assert dossier.usable_email == usable, email
    assert dossier.undeliverable_emails == ("lotte@example.nl",)
