"""A bounce as AWS delivers it: SES's event, inside the SNS envelope, through the Chalice handler."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.dossier import Status
from tests.e2e.conftest import DAY_0, Pipeline, sent_emails
from tests.unit.test_email_feedback import ses_bounce


def test_a_permanent_bounce_through_sns_moves_the_next_reminder_to_sms(pipeline: Pipeline) -> None:
    pipeline.upload()
    pipeline.import_uploads()
    pipeline.sweep_and_act(DAY_0)
    lotte = pipeline.dossier("10008")
    (email,) = [m for m in lotte.messages if m.channel == "email"]
    assert email.confirmed and email.provider_id is not None

    event = pipeline.chalice.events.generate_sns_event(
        message=ses_bounce(email.provider_id, address="lotte.bakker@example.nl"),
        subject="Amazon SES Email Event Notification",
    )
    pipeline.chalice.lambda_.invoke("ses_feedback", event)
    # SNS delivers at least once: the same notification again changes nothing.
    version = pipeline.dossier("10008").version
    pipeline.chalice.lambda_.invoke("ses_feedback", event)

    lotte = pipeline.dossier("10008")
    assert lotte.version == version
    assert (lotte.status, lotte.undeliverable_emails, lotte.usable_email) == (
        Status.REMINDED,
        ("lotte.bakker@example.nl",),
        None,
    )
    before = len(sent_emails())
    pipeline.sweep_and_act(DAY_0 + timedelta(days=7))
    day_7 = [m.destinations["ToAddresses"] for m in sent_emails()[before:]]
    assert ["lotte.bakker@example.nl"] not in day_7
    assert ["eva.mulder@example.nl"] in day_7
    lotte = pipeline.dossier("10008")
    # No postal address on the list, so no 14-day letter: the text is the one message of the step.
    assert [m.channel for m in lotte.messages if m.step == lotte.step] == ["sms"]
