"""A step a provider interrupts: what provably did not go out (throttled, refused, its copy not
kept) is sent by the retry, and only that; what went out is never sent twice; a refusal that
keeps coming is given up, shown on the dossier, and the step goes on by another channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.access import Caller, Role
from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorDetails
from chalicelib.domain.dossier import Dossier, Invoice
from chalicelib.domain.errors import StepUnfinished
from chalicelib.services.client_dashboard import dossier_detail
from chalicelib.services.dossier_actions import ActionOutcome, run_due_action
from chalicelib.services.ports import Email, MessageNotSent, Sms
from tests.fakes import FakeFileStore, FakeMailer, FakeSmsSender
from tests.unit.test_dunning_engine import MEMBER
from tests.unit.test_dunning_walkthrough import CLUB, Calendar, local

NOW = local(2026, 6, 1, 9, 0)
THROTTLED = MessageNotSent(
    "SES did not take it now (TooManyRequestsException); it is tried again", refused=False
)
REFUSED = MessageNotSent("SES refused it (MessageRejected)", refused=True)


class RefusingMailer(FakeMailer):
    """SES answers with `refusal` the first `times` sends, then takes the e-mails."""

    def __init__(self, refusal: MessageNotSent, times: int = 1) -> None:
        super().__init__()
        self.refusal, self.times = refusal, times

    def send(self, email: Email) -> str:
        if self.times > 0:
            self.times -= 1
            raise self.refusal
        return super().send(email)


class RefusingSms(FakeSmsSender):
    def __init__(self, refusal: MessageNotSent, times: int = 1) -> None:
        super().__init__()
        self.refusal, self.times = refusal, times

    def send(self, sms: Sms) -> str:
        if self.times > 0:
            self.times -= 1
            raise self.refusal
        return super().send(sms)


class FailingStore(FakeFileStore):
    """S3 answers 500 on the first put under `prefix` (a message's copy, a letter)."""

    def __init__(self, prefix: str = "sent/") -> None:
        super().__init__()
        self.failures, self.prefix = 1, prefix

    def put(self, key: str, body: bytes, content_type: str) -> None:
        if key.startswith(self.prefix) and self.failures:
            self.failures -= 1
            raise ConnectionError("S3 answered 500")
        super().put(key, body, content_type)


def world_with(debtor: DebtorDetails = MEMBER, client: Client = CLUB) -> Calendar:
    world = Calendar(client)
    world.open(client, debtor, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    return world


def dossier_of(world: Calendar, debtor_id: str = "L-9") -> Dossier:
    dossier = world.dossiers.get(CLUB.client_id, debtor_id)
    assert dossier is not None
    return dossier


def words(email: Email) -> tuple[str, str, str]:
    """What the debtor reads, without the links (each world makes its own personal link)."""
    text = "\n".join(line for line in email.text.splitlines() if "http" not in line)
    return email.to, email.subject, text


def clean_run(client: Client = CLUB) -> Calendar:
    world = world_with(client=client)
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.SENT
    return world


def test_a_throttled_email_leaves_the_step_due_again_and_the_retry_sends_it_once() -> None:
    world = world_with()
    world.mailer = RefusingMailer(THROTTLED)
    with pytest.raises(StepUnfinished):
        run_due_action(CLUB.client_id, "L-9", NOW, world.deps())
    # The SMS of the same step went out; the e-mail is shown as not sent, with SES's reason.
    assert [s.to for s in world.sms.sent] == ["+31622334455"]
    email = next(m for m in dossier_of(world).messages if m.channel == "email")
    assert (email.confirmed, email.not_sent) == (False, THROTTLED.reason)
    assert dossier_of(world).next_action_at == NOW

    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.SENT
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.NOT_DUE
    # The debtor got what a clean run sends: one e-mail with the same words, one SMS.
    clean = clean_run()
    assert [words(e) for e in world.mailer.sent] == [words(e) for e in clean.mailer.sent]
    assert len(world.sms.sent) == 1
    dossier = dossier_of(world)
    assert len(dossier.messages) == len(dossier_of(clean).messages) == 2
    assert all(m.confirmed and m.not_sent is None for m in dossier.messages)
    # The next step is planned as after a clean run.
    assert dossier.next_action_at == dossier_of(clean).next_action_at


def test_a_step_whose_email_went_out_and_sms_failed_sends_only_the_sms_on_retry() -> None:
    world = world_with()
    world.sms = RefusingSms(MessageNotSent("SNS did not take it now (Throttling)", refused=False))
    with pytest.raises(StepUnfinished):
        run_due_action(CLUB.client_id, "L-9", NOW, world.deps())
    assert len(world.mailer.sent) == 1 and world.sms.sent == []
    # The e-mail is on file as sent with SES's id: a bounce finds it.
    email = next(m for m in dossier_of(world).messages if m.channel == "email")
    assert (email.confirmed, email.provider_id) == (True, "ses-1")

    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.SENT
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.NOT_DUE
    assert len(world.mailer.sent) == 1
    assert [s.to for s in world.sms.sent] == ["+31622334455"]


def test_a_copy_that_could_not_be_kept_sends_the_message_on_retry() -> None:
    world = world_with()
    world.files = FailingStore()
    with pytest.raises(StepUnfinished):
        run_due_action(CLUB.client_id, "L-9", NOW, world.deps())
    assert world.mailer.sent == []  # the copy comes first: nothing left without it
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.SENT
    assert len(world.mailer.sent) == 1 and len(world.sms.sent) == 1
    assert any(key.endswith("-email.txt") for key in world.files.files)


def test_an_email_refused_again_and_again_is_given_up_shown_and_the_letter_goes_instead() -> None:
    by_post = replace(MEMBER, phone_e164=None, mobile_e164=None)
    world = world_with(by_post)
    world.mailer = RefusingMailer(REFUSED, times=99)
    for _ in range(3):
        with pytest.raises(StepUnfinished):
            run_due_action(CLUB.client_id, "L-9", NOW, world.deps())
    dossier = dossier_of(world)
    email = next(m for m in dossier.messages if m.channel == "email")
    assert (email.failed, email.refusals, email.not_sent) == (True, 3, REFUSED.reason)
    assert dossier.usable_email is None  # the address is not tried again
    # The client sees why on the dossier.
    owner = Caller("owner-1", CLUB.client_id, Role.OWNER)
    view = dossier_detail(owner, "L-9", world.dossiers)
    shown = next(m for m in view["messages"] if m["channel"] == "email")
    assert (shown["failed"], shown["not_sent"]) == (True, REFUSED.reason)

    # The retry takes the channel the policy uses without an e-mail address: the letter.
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.SENT
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.NOT_DUE
    assert world.mailer.sent == []
    letters = [key for key in world.files.files if key.startswith("outbox/")]
    assert len(letters) == 1
    assert [m.channel for m in dossier_of(world).messages if m.confirmed] == ["letter"]


def test_a_refused_sms_given_up_ends_the_step_without_looping() -> None:
    world = world_with()
    world.sms = RefusingSms(MessageNotSent("SNS refused it (InvalidParameter)", refused=True), times=99)
    for _ in range(3):
        with pytest.raises(StepUnfinished):
            run_due_action(CLUB.client_id, "L-9", NOW, world.deps())
    # Given up: no channel takes its place (the e-mail of this step went), the next step is planned.
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.NOTHING_TO_DO
    assert run_due_action(CLUB.client_id, "L-9", NOW, world.deps()) is ActionOutcome.NOT_DUE
    assert len(world.mailer.sent) == 1 and world.sms.sent == []
    dossier = dossier_of(world)
    assert dossier.unfinished_step is None
    assert dossier.next_action_at is not None and dossier.next_action_at > NOW


def test_a_later_step_sent_again_reads_as_it_would_have_the_first_time() -> None:
    day_7 = local(2026, 6, 8, 9, 0)
    no_calls = replace(CLUB, phone_contact=False)
    clean = clean_run(no_calls)
    assert run_due_action(CLUB.client_id, "L-9", day_7, clean.deps()) is ActionOutcome.SENT
    world = clean_run(no_calls)
    world.mailer = RefusingMailer(THROTTLED)
    with pytest.raises(StepUnfinished):
        run_due_action(CLUB.client_id, "L-9", day_7, world.deps())
    assert run_due_action(CLUB.client_id, "L-9", day_7, world.deps()) is ActionOutcome.SENT
    # Still the second reminder: the step's own first try is no reminder "before" it.
    [again] = world.mailer.sent
    assert again.subject.startswith("Tweede herinnering")
    assert words(again) == words(clean.mailer.sent[-1])
    letters = sorted(key for key in world.files.files if key.startswith("outbox/"))
    assert letters == sorted(key for key in clean.files.files if key.startswith("outbox/"))
    assert len(world.sms.sent) == len(clean.sms.sent) == 2


def test_a_fourteen_day_letter_that_could_not_be_posted_goes_on_the_retry() -> None:
    day_7 = local(2026, 6, 8, 9, 0)
    world = clean_run(replace(CLUB, phone_contact=False))
    world.files = FailingStore("outbox/")
    with pytest.raises(StepUnfinished):
        run_due_action(CLUB.client_id, "L-9", day_7, world.deps())
    assert not any(key.startswith("outbox/") for key in world.files.files)
    assert run_due_action(CLUB.client_id, "L-9", day_7, world.deps()) is ActionOutcome.SENT
    assert len([key for key in world.files.files if key.startswith("outbox/")]) == 1
    dossier = dossier_of(world)
    assert dossier.fourteen_day_letter is not None and dossier.fourteen_day_letter.step == dossier.step
    assert all(m.confirmed for m in dossier.messages if m.step == dossier.step)
    assert len(world.mailer.sent) == 2 and len(world.sms.sent) == 2  # day 0 and day 7, once each
