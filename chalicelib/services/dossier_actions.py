"""Run what is due on a dossier: the next step of its dunning policy (messages to the debtor, a
call task, the client's hand-over decision), a follow-up reminder, a reminder to a client who has
not decided, the end of a pause, an installment of an arrangement, a disputed invoice whose fresh
term has run. `domain/schedule.py` says what is due; this module does the I/O around it.

Timing. A step is due on its policy day at 08:30 Amsterdam and never outside the contact window
(no Sundays, holidays, nights; DOMAIN.md §8), nor beyond the client's contact budget.

Exactly once? Not possible with SES or SNS (no idempotency key), so each step is *claimed* first:
the dossier is saved as "step N taken" under optimistic locking, with every message of the step
recorded unconfirmed; then the messages go out one by one, each recorded as sent (the provider's
id, confirmed) before the next goes. A redelivered action finds the step claimed and sends nothing.

Which way it errs: towards silence, never towards a second message, and never loses what
provably did not go out.
- The provider answers that it did not take a message (SES/SNS throttling, a refused address), or
  its copy could not be kept before sending: nothing went out, so the message is marked not sent
  (with the reason, on the dossier) and the step stays due; `StepUnfinished` makes SQS deliver the
  action again, which sends what did not go out and nothing else. A message refused
  `MAX_REFUSALS` times is given up (a refused e-mail address is not used again) and the retry
  takes the channel the policy uses without it, e.g. the letter.
- Crash after sending, before the confirmation is saved (or a lost answer): the debtor got the
  message once, or maybe not; the dossier shows it unconfirmed, without the provider's id, and it
  is never sent again. The messages after it were never tried: they stay due.
tests/unit/test_dunning_engine.py and tests/unit/test_interrupted_steps.py prove these.

Letters are written to S3 `outbox/<client>/<debtor>/<step>.pdf`: an S3 put of the same key is
idempotent, so even a repeated put gives one letter. For a client whose letters the print-and-
mail partner posts (`Client.print_partner`), the letter is also handed to it (`print/<date>/`
with a manifest) and the partner's posting report sets the posting date that starts a 14-day
term (services/posting.py); until then no costs become due from it. Otherwise the client prints
the outbox and the day of the step counts as the posting date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.domain import dunning, legal, schedule
from chalicelib.domain.call_tasks import CallTask
from chalicelib.domain.clients import Client
from chalicelib.domain.contact_window import next_contact_moment
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Dossier, FourteenDayLetter, Planner, Schedule, SentMessage
from chalicelib.domain.errors import StepUnfinished
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import (
    Action,
    Channel,
    Policy,
    PolicyError,
    PolicyStep,
    StepMessage,
    at_most_one_letter,
    load_policy,
)
from chalicelib.services.letter_content import FOURTEEN_DAY_LETTER, LetterOccasion, letter_for
from chalicelib.services.message_content import (
    dispute_facts,
    email_for_client,
    email_for_debtor,
    history_facts,
    language_of,
    long_date,
    sms_for_debtor,
    whatsapp_for_debtor,
)
from chalicelib.services.payments import payment_link_for
from chalicelib.services.personal_links import issue_personal_link
from chalicelib.services.ports import (
    ClientDirectory,
    DossierRepository,
    Email,
    EmailRecipient,
    FileStore,
    LetterRenderer,
    Mailer,
    MessageNotSent,
    PaymentGateway,
    PaymentLinkRegistry,
    PersonalLinkStore,
    PlanRequests,
    PrintJob,
    PrintPartner,
    SentEmailIndex,
    Sms,
    SmsSender,
    WhatsAppMessage,
    WhatsAppNotDelivered,
    WhatsAppSender,
)
from chalicelib.services.unit_of_work import DossierUnitOfWork

ACTOR = "dunning"


class ActionOutcome(StrEnum):
    SENT = "sent"
    HANDOVER_REQUESTED = "handover_requested"
    CALL_TASK_OPENED = "call_task_opened"
    CLIENT_REMINDED = "client_reminded"
    RESUMED = "resumed"
    NOT_DUE = "not_due"
    RESCHEDULED = "rescheduled"
    NOTHING_TO_DO = "nothing_to_do"
    ALREADY_CLAIMED = "already_claimed"
    NO_CONTACT_DETAILS = "no_contact_details"
    SKIPPED = "skipped"
    # The step's e-mail went in the household's one message to the payer, sent by another member.
    SENT_WITH_HOUSEHOLD = "sent_with_household"


@dataclass(frozen=True)
class ActionDeps:
    """Every port a dossier use case may reach; bootstrap wires the real ones, tests the fakes."""

    dossiers: DossierRepository
    clients: ClientDirectory
    payments: PaymentGateway
    mailer: Mailer
    sms: SmsSender
    files: FileStore
    letters: LetterRenderer
    # Which dossier a Mollie payment link belongs to (services/payments.py).
    links: PaymentLinkRegistry
    # Which dossier an SES message id belongs to, for bounces (services/email_feedback.py).
    sent_emails: SentEmailIndex
    # The debtors' personal links to their own page (services/personal_links.py).
    personal_links: PersonalLinkStore
    public_api_url: str
    # The print-and-mail partner, for clients whose letters it posts (`Client.print_partner`).
    printer: PrintPartner
    # WhatsApp (End User Messaging Social), for debtors who agreed to it; SMS when it fails.
    whatsapp: WhatsAppSender
    # Debtors' plan requests waiting for the client, for its daily digest (services/debtor_page.py).
    plan_requests: PlanRequests

    @property
    def uow(self) -> DossierUnitOfWork:
        return DossierUnitOfWork(self.dossiers)


@dataclass(frozen=True)
class _Outgoing:
    """One message of a step, rendered before the claim so a template error claims nothing."""

    channel: Channel
    template: str
    key: str
    email: Email | None = None
    sms: Sms | None = None
    pdf: bytes | None = None
    copy: str = ""
    print_job: PrintJob | None = None
    whatsapp: WhatsAppMessage | None = None


def policy_for(client: Client) -> Policy:
    try:
        return load_policy(client.policy)
    except PolicyError:
        return load_policy("default")


def decision_url(deps: ActionDeps, client_id: str, debtor_id: str) -> str:
    return f"{deps.public_api_url.rstrip('/')}/clients/{client_id}/dossiers/{debtor_id}"


def run_due_action(client_id: str, debtor_id: str, now: datetime, deps: ActionDeps) -> ActionOutcome:
    dossier = deps.dossiers.get(client_id, debtor_id)
    if dossier is None or dossier.next_action_at is None or dossier.next_action_at > now:
        return ActionOutcome.NOT_DUE
    client = deps.clients.get(client_id)
    if client is None:
        # A client removed from the directory: its files stop, visibly, instead of looping.
        dossier.reschedule(lambda _: Schedule(None), at=now, actor=ACTOR)
        return _claimed(deps, dossier, ActionOutcome.NOTHING_TO_DO)
    policy = policy_for(client)
    then = schedule.planner(client, policy, now)
    due = schedule.due_now(dossier, client, policy, now)
    match due.what:
        case schedule.Due.NOTHING:
            dossier.reschedule(then, at=now, actor=ACTOR)
            return _claimed(deps, dossier, ActionOutcome.NOTHING_TO_DO)
        case schedule.Due.NOT_YET:
            dossier.reschedule(then, at=now, actor=ACTOR)
            return _claimed(deps, dossier, ActionOutcome.RESCHEDULED)
        case schedule.Due.REINSTATE_DISPUTED:
            dossier.reinstate_disputed(then, at=now, actor=ACTOR)
            return _claimed(deps, dossier, ActionOutcome.RESUMED)
        case schedule.Due.PAUSE_ENDED:
            dossier.end_pause(then, at=now, actor=ACTOR)
            return _claimed(deps, dossier, ActionOutcome.RESUMED)
        case schedule.Due.HANDOVER_DECISION_LAPSED:
            dossier.lapse_handover_decision(then, at=now, actor=ACTOR)
            return _claimed(deps, dossier, ActionOutcome.RESUMED)
        case schedule.Due.REMIND_CLIENT_OF_HANDOVER | schedule.Due.REMIND_CLIENT_OF_DISPUTE:
            return _remind_client(client, dossier, due.what, then, now, deps)
        case schedule.Due.ARRANGEMENT:
            from chalicelib.services.arrangements import run_arrangement_step

            return run_arrangement_step(client, dossier, then, now, deps)
        case schedule.Due.DUNNING_STEP:
            assert due.step is not None
            return _dunning_step(client, policy, dossier, due.step, then, now, deps)
        case schedule.Due.FINISH_STEP:
            assert due.step is not None
            return _send_messages(client, dossier, due.step, then, now, deps, finishing=True)
    raise AssertionError(due)  # pragma: no cover


def _claimed(deps: ActionDeps, dossier: Dossier, outcome: ActionOutcome) -> ActionOutcome:
    return outcome if deps.uow.claim(dossier) else ActionOutcome.ALREADY_CLAIMED


def _dunning_step(
    client: Client,
    policy: Policy,
    dossier: Dossier,
    step: PolicyStep,
    then: Planner,
    now: datetime,
    deps: ActionDeps,
) -> ActionOutcome:
    charge_money_due(dossier, client, schedule.local_day(now), now)
    if policy.when_due(step, dossier, client) is None:
        dossier.skip_step(
            step.step,
            then,
            step_name=step.name,
            at=now,
            actor=ACTOR,
            reason="it waits for a 14-day term, but no 14-day letter was sent",
        )
        return _claimed(deps, dossier, ActionOutcome.SKIPPED)
    if step.action is Action.HANDOVER_DECISION:
        return _request_handover_decision(client, dossier, step, now, deps)
    if step.action is Action.CALL:
        task = CallTask(
            task_id=f"step-{step.step}", step=step.step, created_at=now, call_from=next_contact_moment(now)
        )
        dossier.open_call_task(task, then, step_name=step.name, actor=ACTOR)
        return _claimed(deps, dossier, ActionOutcome.CALL_TASK_OPENED)
    return _send_messages(client, dossier, step, then, now, deps)


def charge_money_due(dossier: Dossier, client: Client, today: date, now: datetime) -> None:
    """Costs and statutory interest that are due today go on the dossier before a message
    states the amount (BW 6:96, 6:119, 6:119a)."""
    costs = dunning.costs_due(dossier, client, today)
    if costs.cents:
        dossier.charge_costs(costs.cents, at=now, actor=ACTOR, reason=costs.reason)
    interest = dunning.interest_due(dossier, client, today)
    if interest.cents:
        dossier.charge_interest(interest.cents, at=now, actor=ACTOR, reason=interest.reason)


def _send_messages(
    client: Client,
    dossier: Dossier,
    step: PolicyStep,
    then: Planner,
    now: datetime,
    deps: ActionDeps,
    *,
    finishing: bool = False,
) -> ActionOutcome:
    """Take the step and send its messages; `finishing`: send only what an earlier try of the
    same step did not get out (and a channel the policy now takes instead of one given up)."""
    today = schedule.local_day(now)
    planned = list(step.messages_for(dossier, client, today))
    # The e-mail says a 14-day letter comes today also when the letter went on the first try.
    sent_letter = dossier.fourteen_day_letter if finishing else None
    letter_follows = sent_letter is not None and sent_letter.step == step.step
    if finishing:
        planned = _still_to_send(dossier, step.step, planned)
    letter: FourteenDayLetter | None = None
    if any(_is_fourteen_day_letter(m) for m in planned):
        letter = dunning.fourteen_day_letter(
            dossier, client, today, step.step, awaiting_posting=client.print_partner
        )
        if letter is None:
            # Nothing is in default yet: a 14-day letter may not be sent before the due date.
            planned = [m for m in planned if not _is_fourteen_day_letter(m)]
    planned = list(at_most_one_letter(planned))
    letter_follows = letter_follows or letter is not None
    household = _household_of(client, dossier, deps)
    if household is not None:
        # The payer gets the e-mail for every member at once (services/households.py); a letter
        # stays the member's own (the 14-day letter of BW 6:96 lid 6 is per debtor).
        planned = [m for m in planned if m.channel is Channel.LETTER]
        if not planned and finishing:
            dossier.finish_step(step.step, [], then, at=now, actor=ACTOR)
            return _claimed(deps, dossier, ActionOutcome.NOTHING_TO_DO)
        if not planned:
            dossier.take_step(step.step, [], then, step_name=step.name, at=now, actor=ACTOR)
            if not deps.uow.claim(dossier):
                return ActionOutcome.ALREADY_CLAIMED
            return _send_to_household(client, household, step, now, deps)
    if not planned and finishing:
        # Everything went out meanwhile or was given up with no other channel left.
        dossier.finish_step(step.step, [], then, at=now, actor=ACTOR)
        return _claimed(deps, dossier, ActionOutcome.NOTHING_TO_DO)
    if not planned:
        dossier.skip_step(
            step.step,
            then,
            step_name=step.name,
            at=now,
            actor=ACTOR,
            reason="no e-mail address, phone number or postal address to use",
        )
        return _claimed(deps, dossier, ActionOutcome.NO_CONTACT_DETAILS)

    amount_cents = dossier.due_cents
    payment = payment_link_for(
        client,
        dossier,
        step.step,
        now,
        gateway=deps.payments,
        links=deps.links,
        public_api_url=deps.public_api_url,
        actor=ACTOR,
    )
    # The debtor's own page: amounts, paying, a plan or a dispute, without replying by e-mail.
    page_url = issue_personal_link(dossier, now, deps.personal_links, deps.public_api_url)
    base = f"{client.client_id}/{dossier.debtor_id}/{step.step}"
    history = history_facts(dossier, today, language_of(client, dossier), step=step.step)
    outgoing: list[_Outgoing] = []
    for message in planned:
        if message.channel is Channel.EMAIL:
            email = email_for_debtor(
                client,
                dossier,
                message.template,
                payment.checkout_url,
                letter_follows=letter_follows,
                costs_reason=_costs_reason(client, dossier),
                page_url=page_url,
                **history,
                **_final_term_facts(client, dossier, step, today),
            )
            copy = f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}"
            outgoing.append(
                _Outgoing(message.channel, message.template, f"sent/{base}-email.txt", email=email, copy=copy)
            )
        elif message.channel is Channel.SMS:
            sms = sms_for_debtor(client, dossier, message.template, payment.checkout_url, page_url)
            outgoing.append(
                _Outgoing(
                    message.channel,
                    message.template,
                    f"sent/{base}-sms.txt",
                    sms=sms,
                    copy=f"To: {sms.to}\n\n{sms.text}",
                )
            )
        elif message.channel is Channel.WHATSAPP:
            # The same link as an SMS would carry (the debtor's page when there is one), and the
            # same words as an SMS, ready in case WhatsApp does not take the message.
            whatsapp = whatsapp_for_debtor(
                client, dossier, message.template, page_url or payment.checkout_url
            )
            fallback = sms_for_debtor(client, dossier, message.template, payment.checkout_url, page_url)
            outgoing.append(
                _Outgoing(
                    message.channel,
                    message.template,
                    f"sent/{base}-whatsapp.txt",
                    sms=fallback,
                    whatsapp=whatsapp,
                    copy=f"To: {whatsapp.to}\nWhatsApp template: {whatsapp.template} {list(whatsapp.parameters)}\n"
                    f"SMS if WhatsApp fails:\n\n{fallback.text}",
                )
            )
        elif message.channel is Channel.LETTER:
            occasion = LetterOccasion(
                template=message.template,
                step=step.step,
                posted_on=today,
                payment_url=payment.checkout_url,
                fourteen_day=letter if _is_fourteen_day_letter(message) else None,
                term_days=step.term_days,
                page_url=page_url,
            )
            rendered = letter_for(client, dossier, occasion)
            pdf = deps.letters.render(rendered)
            job = (
                PrintJob(
                    letter_id=base,
                    client_id=client.client_id,
                    debtor_id=dossier.debtor_id,
                    step=step.step,
                    template=message.template,
                    handed_over_on=today,
                    recipient_lines=rendered.recipient_lines,
                )
                if client.print_partner
                else None
            )
            outgoing.append(
                _Outgoing(message.channel, message.template, f"outbox/{base}.pdf", pdf=pdf, print_job=job)
            )

    # The claim: everything this step will send, recorded before anything leaves.
    claimed = [
        SentMessage(
            step.step,
            item.channel.value,
            item.template,
            now,
            amount_cents,
            payment.payment_id,
            s3_key=item.key,
        )
        for item in outgoing
    ]
    if finishing:
        dossier.finish_step(step.step, claimed, then, at=now, actor=ACTOR, letter=letter)
    else:
        dossier.take_step(step.step, claimed, then, step_name=step.name, at=now, actor=ACTOR, letter=letter)
    if not deps.uow.claim(dossier):
        return ActionOutcome.ALREADY_CLAIMED

    _send_one_by_one(deps, dossier, step.step, outgoing, now)
    if household is not None:
        return _send_to_household(client, household, step, now, deps)
    return ActionOutcome.SENT


def _send_one_by_one(
    deps: ActionDeps, dossier: Dossier, step: int, outgoing: list[_Outgoing], now: datetime
) -> None:
    """Send the claimed messages, each recorded as sent before the next goes: a retry then sends
    only what did not go out. A message the provider did not take (or whose copy could not be
    kept) is marked not sent and the step left due again; StepUnfinished then asks for the retry."""
    interrupted: list[str] = []
    for index, item in enumerate(outgoing):
        try:
            provider_id = _hand_over(deps, item)
            if item.email is not None:
                remember_email(deps, dossier, step, item.channel.value, provider_id, now)
            confirm(
                deps,
                dossier.client_id,
                dossier.debtor_id,
                step,
                [(item.channel.value, item.template, provider_id)],
                now,
            )
        except MessageNotSent as refusal:
            interrupted.append(item.channel.value)
            _not_sent(deps, dossier, step, item, refusal, now)
        except Exception:
            # Whether this one left is unknown (it stays claimed: silence, never twice); those
            # after it were never handed to anyone and stay due.
            for later in outgoing[index + 1 :]:
                _not_sent(
                    deps,
                    dossier,
                    step,
                    later,
                    MessageNotSent("not tried: an error came first", refused=False),
                    now,
                )
            raise
    if interrupted:
        raise StepUnfinished(dossier.client_id, dossier.debtor_id, step, interrupted)


def _hand_over(deps: ActionDeps, item: _Outgoing) -> str:
    """Keep the copy, then hand the message to its provider; its id."""
    if item.pdf is not None:
        _keep(deps, item.key, item.pdf, "application/pdf")
        # With a print partner the letter is "sent" once handed over; its posting date
        # follows in the partner's report (services/posting.py).
        return deps.printer.hand_over(item.print_job, item.pdf) if item.print_job else f"s3://{item.key}"
    _keep(deps, item.key, item.copy.encode("utf-8"), "text/plain; charset=utf-8")
    if item.whatsapp is not None and item.sms is not None:
        return _whatsapp_or_sms(deps, item.whatsapp, item.sms)
    if item.sms is not None:
        return deps.sms.send(item.sms)
    assert item.email is not None
    return deps.mailer.send(item.email)


def _keep(deps: ActionDeps, key: str, body: bytes, content_type: str) -> None:
    try:
        deps.files.put(key, body, content_type)
    except Exception as error:
        # Whatever the store raised, nothing was handed to a provider yet: the message stays due.
        raise MessageNotSent(
            f"its copy could not be kept ({type(error).__name__}); it is tried again", refused=False
        ) from error


def _not_sent(
    deps: ActionDeps, dossier: Dossier, step: int, item: _Outgoing, refusal: MessageNotSent, now: datetime
) -> None:
    deps.uow.change(
        dossier.client_id,
        dossier.debtor_id,
        lambda fresh: fresh.message_not_sent(
            step,
            item.channel.value,
            item.template,
            reason=refusal.reason,
            refused=refusal.refused,
            at=now,
            actor=ACTOR,
        ),
    )


def _still_to_send(dossier: Dossier, step: int, planned: list[StepMessage]) -> list[StepMessage]:
    """What a retry of `step` sends: each message of it that did not go out, as claimed (the
    policy may no longer plan it: a 14-day letter claimed but not posted counts as sent to its
    conditions), then what the policy plans now that the step does not hold yet (the channel
    taken instead of one given up)."""
    again = [
        StepMessage(Channel(m.channel), m.template)
        for m in dossier.messages
        if m.step == step
        and m.awaits_retry
        # A bounce reported meanwhile: that address is not written to again.
        and not (m.channel == Channel.EMAIL.value and dossier.usable_email is None)
    ]
    known = {(m.channel, m.template) for m in again}
    fresh = [
        m
        for m in planned
        if (m.channel, m.template) not in known and dossier.still_to_send(step, m.channel.value, m.template)
    ]
    return again + fresh


def _household_of(client: Client, dossier: Dossier, deps: ActionDeps) -> str | None:
    """The household whose payer this member's step is sent to: two or more active members with
    something chased and an address to write to. None: the member is written to alone."""
    from chalicelib.domain.households import household_key
    from chalicelib.services.households import household_members

    key = household_key(dossier.debtor, group_by_shared_contact=client.group_households_by_contact)
    if key is None:
        return None
    members = [m for m in household_members(client, key, deps) if m.chased_invoices]
    if len(members) < 2:
        return None
    if not (members[0].debtor.payer_email or any(m.usable_email for m in members)):
        return None
    return key


def _send_to_household(
    client: Client, household: str, step: PolicyStep, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    """The household's one message for this step; the member that runs it first sends it, the
    others find it on their dossiers and send nothing."""
    from chalicelib.services.households import HouseholdOutcome, send_household_reminder

    sent = send_household_reminder(client, household, step.step, now, deps)
    return ActionOutcome.SENT if sent is HouseholdOutcome.SENT else ActionOutcome.SENT_WITH_HOUSEHOLD


def _whatsapp_or_sms(deps: ActionDeps, whatsapp: WhatsAppMessage, fallback: Sms) -> str:
    """WhatsApp's message id; when WhatsApp does not take it, the SMS goes instead and the id
    recorded is `sms:<id>`, so the dossier shows which channel really carried it. Either way it
    is one contact moment of the budget."""
    try:
        return deps.whatsapp.send(whatsapp)
    except WhatsAppNotDelivered:
        return f"sms:{deps.sms.send(fallback)}"


def _is_fourteen_day_letter(message: StepMessage) -> bool:
    return message.channel is Channel.LETTER and message.template == FOURTEEN_DAY_LETTER


def _final_term_facts(client: Client, dossier: Dossier, step: PolicyStep, today: date) -> dict[str, Any]:
    """A final demand's last day to pay, as its e-mail states it (the letter computes the same)."""
    if step.term_days < 1:
        return {}
    last_day = legal.final_demand_last_day(
        today, step.term_days, receipt_offset_days=client.letter_receipt_offset_days
    )
    return {
        "final_term_last_day": long_date(last_day, language_of(client, dossier)),
        "principal": format_eur(dossier.chased_cents),
    }


def _costs_reason(client: Client, dossier: Dossier) -> str:
    if not dossier.open_costs_cents:
        return ""
    if dossier.debtor.debtor_type is DebtorType.BUSINESS:
        if language_of(client, dossier) == "en":
            return (
                f"Because the invoices were paid late, {client.name} is entitled by law (article 6:96 Dutch "
                f"Civil Code) to compensation of the collection costs: {format_eur(dossier.open_costs_cents)}."
            )
        return (
            f"Omdat de facturen te laat zijn betaald, heeft {client.name} volgens de wet (artikel 6:96 "
            f"Burgerlijk Wetboek) recht op vergoeding van de incassokosten: "
            f"{format_eur(dossier.open_costs_cents)}."
        )
    return ""


def _request_handover_decision(
    client: Client, dossier: Dossier, step: PolicyStep, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    """The dossier records that the decision was asked and waits for it; the question reaches the
    client in the next daily digest (services/daily_digest.py), with every other file that waits,
    instead of one e-mail per dossier."""
    decide_by = schedule.morning(schedule.local_day(now) + timedelta(days=client.decision_days))
    dossier.request_handover_decision(
        step.step,
        None,
        step_name=step.name,
        at=now,
        actor=ACTOR,
        reason=f"still {format_eur(dossier.due_cents)} open after the reminders; handing over is the client's call",
        decide_by=decide_by,
    )
    if not deps.uow.claim(dossier):
        return ActionOutcome.ALREADY_CLAIMED
    return ActionOutcome.HANDOVER_REQUESTED


def _remind_client(
    client: Client, dossier: Dossier, what: schedule.Due, then: Planner, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    url = decision_url(deps, client.client_id, dossier.debtor_id)
    if what is schedule.Due.REMIND_CLIENT_OF_HANDOVER:
        template = "handover_reminder"
        asked = dossier.last_step_at or now
        waiting = dossier.waiting_for
        reminded = waiting.reminders if waiting is not None else 0
        email = email_for_client(
            client,
            dossier,
            template,
            url,
            asked_on=long_date(schedule.local_day(asked), client.language),
            reminders_left=max(client.handover_reminders - reminded - 1, 0),
        )
    else:
        template = "dispute_reminder"
        waiting_disputes = [
            d for d in dossier.open_disputes if d.decide_by is not None and d.decide_by <= now
        ]
        email = email_for_client(
            client,
            dossier,
            template,
            url,
            **dispute_facts(dossier, waiting_disputes[0], client.language),
        )
    count = sum(1 for m in dossier.messages if m.template == template) + 1
    key = f"sent/{client.client_id}/{dossier.debtor_id}/{dossier.step}-{template}-{count}.txt"
    dossier.remind_client(
        SentMessage(
            dossier.step, Channel.CLIENT_EMAIL.value, template, now, dossier.due_cents, None, s3_key=key
        ),
        then,
        at=now,
        actor=ACTOR,
        again_at=schedule.morning(schedule.local_day(now) + timedelta(days=client.decision_days)),
    )
    if not deps.uow.claim(dossier):
        return ActionOutcome.ALREADY_CLAIMED
    _send_to_client(deps, dossier, dossier.step, template, key, email, now)
    return ActionOutcome.CLIENT_REMINDED


def _send_to_client(
    deps: ActionDeps, dossier: Dossier, step: int, template: str, key: str, email: Email, now: datetime
) -> None:
    deps.files.put(
        key, f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}".encode(), "text/plain; charset=utf-8"
    )
    provider_id = deps.mailer.send(email)
    confirm(
        deps,
        dossier.client_id,
        dossier.debtor_id,
        step,
        [(Channel.CLIENT_EMAIL.value, template, provider_id)],
        now,
    )


def remember_email(
    deps: ActionDeps, dossier: Dossier, step: int, channel: str, message_id: str, now: datetime
) -> None:
    """Right after SES accepted a debtor's e-mail: its message id leads a bounce back here."""
    deps.sent_emails.remember(
        message_id, EmailRecipient(dossier.client_id, dossier.debtor_id, step, channel), now
    )


def confirm(
    deps: ActionDeps,
    client_id: str,
    debtor_id: str,
    step: int,
    sent: list[tuple[str, str, str]],
    now: datetime,
) -> None:
    """Record the providers' ids of what went out: (channel, template, provider id)."""

    def change(fresh: Dossier) -> None:
        for channel, template, provider_id in sent:
            fresh.confirm_message(step, channel, provider_id, at=now, actor=ACTOR, template=template)

    deps.uow.change(client_id, debtor_id, change)
