"""Take the next step of a due dossier's dunning policy: messages to the debtor (e-mail, SMS, a
letter for print-and-post), a call task for the call team, or the client's hand-over decision.

Timing. A step is due on its policy day at 08:30 Amsterdam and never outside the contact window
(`contact_window.next_contact_moment`: no Sundays, holidays, nights; DOMAIN.md §8). A step that
waits for the 14-day term (`not_before`) is due from the day costs are due.

Exactly once? Not possible with SES or SNS (no idempotency key), so each step is *claimed* first:
the dossier is saved as "step N sent" under optimistic locking, with every message of the step
recorded unconfirmed; then the messages go out; then the providers' ids are recorded (confirmed).
A redelivered action finds the step claimed (its next action moved on) and sends nothing.

Which way it errs: towards silence, never towards a second message.
- Crash after the claim, before or during sending: the unsent messages stay unconfirmed on the
  dossier (the client sees them as such); nothing is sent again automatically.
- Crash after sending, before the confirmation is saved (the provider accepted the message but we
  lost the answer or the save failed): the debtor got the message once; the dossier shows it
  unconfirmed, without the provider's id. The retry sends nothing.
tests/unit/test_dunning_engine.py proves both.

Letters are written to S3 `outbox/<client>/<debtor>/<step>.pdf` for the print-and-post partner:
an S3 put of the same key is idempotent, so even a repeated put gives one letter. The posting
date recorded on the dossier is the day of the step; it starts the consumer's 14-day term.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from chalicelib.adapters.letters import PdfLetterRenderer
from chalicelib.domain import dunning
from chalicelib.domain.call_tasks import CallTask
from chalicelib.domain.clients import Client
from chalicelib.domain.contact_window import is_contact_allowed, next_contact_moment
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import (
    AuditEvent,
    Dossier,
    FourteenDayLetter,
    SentMessage,
    Status,
    Trigger,
)
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import (
    AMSTERDAM,
    Action,
    Channel,
    Policy,
    PolicyError,
    PolicyStep,
    load_policy,
)
from chalicelib.services.email_feedback import NO_SENT_EMAIL_INDEX
from chalicelib.services.message_content import (
    email_for_client,
    email_for_debtor,
    fourteen_day_letter_for,
    language_of,
    sms_for_debtor,
)
from chalicelib.services.payments import UNTRACKED_LINKS, payment_link_for
from chalicelib.services.ports import (
    ClientDirectory,
    DossierRepository,
    Email,
    EmailRecipient,
    FileStore,
    LetterRenderer,
    Mailer,
    PaymentGateway,
    PaymentLinkRegistry,
    SentEmailIndex,
    Sms,
    SmsSender,
)
from chalicelib.services.retry import on_conflict_retry, saved_first

ACTOR = "dunning"


class ActionOutcome(StrEnum):
    SENT = "sent"
    HANDOVER_REQUESTED = "handover_requested"
    CALL_TASK_OPENED = "call_task_opened"
    NOT_DUE = "not_due"
    RESCHEDULED = "rescheduled"
    NOTHING_TO_DO = "nothing_to_do"
    ALREADY_CLAIMED = "already_claimed"
    NO_CONTACT_DETAILS = "no_contact_details"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ActionDeps:
    dossiers: DossierRepository
    clients: ClientDirectory
    payments: PaymentGateway
    mailer: Mailer
    public_api_url: str
    policy: Policy | None = None
    sms: SmsSender | None = None
    files: FileStore | None = None
    letters: LetterRenderer = field(default_factory=PdfLetterRenderer)
    # Issue 5: which dossier a Mollie payment link belongs to (services/payments.py).
    links: PaymentLinkRegistry = UNTRACKED_LINKS
    # Issue 4: which dossier an SES message id belongs to, for bounces (services/email_feedback.py).
    sent_emails: SentEmailIndex = NO_SENT_EMAIL_INDEX


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


def local_day(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def policy_for(client: Client, deps: ActionDeps) -> Policy:
    if deps.policy is not None:
        return deps.policy
    try:
        return load_policy(client.policy)
    except PolicyError:
        return load_policy("default")


def run_due_action(client_id: str, debtor_id: str, now: datetime, deps: ActionDeps) -> ActionOutcome:
    dossier = deps.dossiers.get(client_id, debtor_id)
    if dossier is None or dossier.next_action_at is None or dossier.next_action_at > now:
        return ActionOutcome.NOT_DUE
    client = deps.clients.get(client_id)
    # --- issue 5 hook: an arrangement follows its own plan (services/arrangements.py) ---
    if client is not None and dossier.status is Status.IN_ARRANGEMENT:
        from chalicelib.services.arrangements import run_arrangement_step

        return run_arrangement_step(client, dossier, now, deps)
    # --- end of issue 5 hook ---
    today = local_day(now)
    if client is None or not dossier.accepts_dunning or dossier.due_cents <= 0:
        # In arrangement, disputed, paused, awaiting the client, closed or handed over: no dunning.
        dossier.next_action_at = None
        saved_first(deps.dossiers, dossier)
        return ActionOutcome.NOTHING_TO_DO
    policy = policy_for(client, deps)
    step = policy.next_step(dossier, client, today)
    if step is None:
        dossier.next_action_at = None
        saved_first(deps.dossiers, dossier)
        return ActionOutcome.NOTHING_TO_DO

    due = policy.when_due(step, dossier, client)
    if due is None:
        dossier.step = step.step
        dossier.record(_skipped(step, now, "it waits for a 14-day term, but no 14-day letter was sent"))
        dossier.next_action_at = _next_moment(policy, dossier, client, now)
        return ActionOutcome.SKIPPED if saved_first(deps.dossiers, dossier) else ActionOutcome.ALREADY_CLAIMED
    due = next_contact_moment(due)
    if due > now or not is_contact_allowed(now):
        # Not yet (a later step after a skipped one, a term still running), or outside the contact
        # window (a retried message arriving at night): try again at the next allowed moment.
        dossier.next_action_at = max(due, next_contact_moment(now))
        return (
            ActionOutcome.RESCHEDULED
            if saved_first(deps.dossiers, dossier)
            else ActionOutcome.ALREADY_CLAIMED
        )

    _charge_costs_due(dossier, client, today, now)
    if step.action is Action.HANDOVER_DECISION:
        return _request_handover_decision(client, dossier, step, now, deps)
    if step.action is Action.CALL:
        return _open_call_task(client, dossier, step, policy, now, deps)
    return _send_messages(client, dossier, step, policy, now, deps)


def _charge_costs_due(dossier: Dossier, client: Client, today: date, now: datetime) -> None:
    costs = dunning.costs_due(dossier, client, today)
    if costs.cents:
        dossier.charge_costs(costs.cents, at=now, actor=ACTOR, reason=costs.reason)


def _next_moment(policy: Policy, dossier: Dossier, client: Client, now: datetime) -> datetime | None:
    """When the step after the dossier's current one is due, inside the contact window."""
    following = policy.next_step(dossier, client, local_day(now))
    if following is None:
        return None
    due = policy.when_due(following, dossier, client)
    # A step that can never become due is handled (skipped with a record) at the next moment.
    return next_contact_moment(max(due, now) if due is not None else now)


def _send_messages(
    client: Client, dossier: Dossier, step: PolicyStep, policy: Policy, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    today = local_day(now)
    planned = list(step.messages_for(dossier, client, today))
    letter: FourteenDayLetter | None = None
    if any(m.channel is Channel.LETTER for m in planned):
        letter = dunning.fourteen_day_letter(dossier, client, today, step.step)
        if letter is None:
            # Nothing is in default yet: a 14-day letter may not be sent before the due date.
            planned = [m for m in planned if m.channel is not Channel.LETTER]
    if not planned:
        dossier.step = step.step
        dossier.last_step_at = now
        dossier.record(_skipped(step, now, "no e-mail address, phone number or postal address to use"))
        dossier.next_action_at = _next_moment(policy, dossier, client, now)
        return (
            ActionOutcome.NO_CONTACT_DETAILS
            if saved_first(deps.dossiers, dossier)
            else ActionOutcome.ALREADY_CLAIMED
        )

    amount_cents = dossier.due_cents
    # Issue 5: one open Mollie payment link per dossier for the amount due, issued on the
    # dossier (the old one retired); see services/payments.py.
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
    base = f"{client.client_id}/{dossier.debtor_id}/{step.step}"
    letter_follows = letter is not None
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
            )
            copy = f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}"
            outgoing.append(
                _Outgoing(message.channel, message.template, f"sent/{base}-email.txt", email=email, copy=copy)
            )
        elif message.channel is Channel.SMS:
            sms = sms_for_debtor(client, dossier, message.template, payment.checkout_url)
            outgoing.append(
                _Outgoing(
                    message.channel,
                    message.template,
                    f"sent/{base}-sms.txt",
                    sms=sms,
                    copy=f"To: {sms.to}\n\n{sms.text}",
                )
            )
        elif message.channel is Channel.LETTER and letter is not None:
            pdf = deps.letters.render(
                fourteen_day_letter_for(client, dossier, letter, message.template, payment.checkout_url)
            )
            outgoing.append(_Outgoing(message.channel, message.template, f"outbox/{base}.pdf", pdf=pdf))
    if any(o.sms for o in outgoing) and deps.sms is None:
        raise RuntimeError("an SMS step needs an SMS sender")
    if any(o.pdf for o in outgoing) and deps.files is None:
        raise RuntimeError("a letter needs the file store: the outbox is where the post picks it up")
    if deps.files is None:
        # Without a file store (some tests) no copies are kept; production always has one.
        outgoing = [_Outgoing(o.channel, o.template, "", o.email, o.sms, o.pdf, o.copy) for o in outgoing]

    # The claim: everything this step will send, recorded before anything leaves.
    dossier.step = step.step
    dossier.last_step_at = now
    dossier.apply(
        Trigger.REMINDER_SENT, at=now, actor=ACTOR, reason=f"dunning step {step.step}", step=step.step
    )
    for item in outgoing:
        dossier.record_message(
            SentMessage(
                step.step,
                item.channel.value,
                item.template,
                now,
                amount_cents,
                payment.payment_id,
                s3_key=item.key or None,
            ),
            actor=ACTOR,
        )
    if letter is not None:
        dossier.record_fourteen_day_letter(letter, at=now, actor=ACTOR)
    dossier.next_action_at = _next_moment(policy, dossier, client, now)
    if not saved_first(deps.dossiers, dossier):
        return ActionOutcome.ALREADY_CLAIMED

    confirmed: list[tuple[str, str]] = []
    for item in outgoing:
        if item.pdf is not None and deps.files is not None:
            deps.files.put(item.key, item.pdf, "application/pdf")
            confirmed.append((item.channel.value, f"s3://{item.key}"))
            continue
        if deps.files is not None:
            deps.files.put(item.key, item.copy.encode("utf-8"), "text/plain; charset=utf-8")
        if item.sms is not None and deps.sms is not None:
            confirmed.append((item.channel.value, deps.sms.send(item.sms)))
        elif item.email is not None:
            message_id = deps.mailer.send(item.email)
            remember_email(deps, dossier, step.step, item.channel.value, message_id, now)
            confirmed.append((item.channel.value, message_id))
    _confirm(deps, dossier.client_id, dossier.debtor_id, step.step, confirmed, now)
    return ActionOutcome.SENT


def _costs_reason(client: Client, dossier: Dossier) -> str:
    if not dossier.open_costs_cents:
        return ""
    if dossier.debtor.debtor_type is DebtorType.BUSINESS:
        if language_of(client, dossier) == "en":
            return (
                f"Because the invoices were paid late, {client.name} is entitled by law (article 6:96(4) "
                f"Dutch Civil Code) to compensation of at least € 40,00 per invoice: {format_eur(dossier.open_costs_cents)}."
            )
        return (
            f"Omdat de facturen te laat zijn betaald, heeft {client.name} volgens de wet (artikel 6:96 lid 4 "
            f"Burgerlijk Wetboek) recht op een vergoeding van ten minste € 40,00 per factuur: "
            f"{format_eur(dossier.open_costs_cents)}."
        )
    return ""


def _open_call_task(
    client: Client, dossier: Dossier, step: PolicyStep, policy: Policy, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    task = CallTask(
        task_id=f"step-{step.step}", step=step.step, created_at=now, call_from=next_contact_moment(now)
    )
    dossier.step = step.step
    dossier.last_step_at = now
    dossier.open_call_task(task, actor=ACTOR)
    dossier.next_action_at = _next_moment(policy, dossier, client, now)
    return (
        ActionOutcome.CALL_TASK_OPENED
        if saved_first(deps.dossiers, dossier)
        else ActionOutcome.ALREADY_CLAIMED
    )


def _request_handover_decision(
    client: Client, dossier: Dossier, step: PolicyStep, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    decision_url = (
        f"{deps.public_api_url.rstrip('/')}/clients/{client.client_id}/dossiers/{dossier.debtor_id}"
    )
    email = email_for_client(client, dossier, step.template, decision_url)
    key = f"sent/{client.client_id}/{dossier.debtor_id}/{step.step}-email-client.txt"
    dossier.step = step.step
    dossier.last_step_at = now
    dossier.apply(
        Trigger.HANDOVER_DECISION_REQUESTED,
        at=now,
        actor=ACTOR,
        reason=f"still {format_eur(dossier.due_cents)} open after the reminders; handing over is the client's call",
    )
    dossier.record_message(
        SentMessage(
            step.step, Channel.CLIENT_EMAIL.value, step.template, now, dossier.due_cents, None, s3_key=key
        ),
        actor=ACTOR,
    )
    dossier.next_action_at = None
    if not saved_first(deps.dossiers, dossier):
        return ActionOutcome.ALREADY_CLAIMED
    if deps.files is not None:
        deps.files.put(
            key,
            f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}".encode(),
            "text/plain; charset=utf-8",
        )
    provider_id = deps.mailer.send(email)
    _confirm(
        deps,
        dossier.client_id,
        dossier.debtor_id,
        step.step,
        [(Channel.CLIENT_EMAIL.value, provider_id)],
        now,
    )
    return ActionOutcome.HANDOVER_REQUESTED


def remember_email(
    deps: ActionDeps, dossier: Dossier, step: int, channel: str, message_id: str, now: datetime
) -> None:
    """Right after SES accepted a debtor's e-mail: its message id leads a bounce back here."""
    deps.sent_emails.remember(
        message_id, EmailRecipient(dossier.client_id, dossier.debtor_id, step, channel), now
    )


def _confirm(
    deps: ActionDeps, client_id: str, debtor_id: str, step: int, sent: list[tuple[str, str]], now: datetime
) -> None:
    def confirm() -> None:
        fresh = deps.dossiers.get(client_id, debtor_id)
        if fresh is None:
            return
        for channel, provider_id in sent:
            fresh.confirm_message(step, channel, provider_id, at=now, actor=ACTOR)
        deps.dossiers.save(fresh)

    on_conflict_retry(confirm)


def _skipped(step: PolicyStep, now: datetime, reason: str) -> AuditEvent:
    return AuditEvent(at=now, what="step_skipped", actor=ACTOR, reason=reason, details={"step": step.step})
