"""Take the next step of a due dossier's dunning policy: a reminder with a payment link, or the
client's hand-over decision request.

Exactly-once is impossible with SES (no idempotency key), so the step is *claimed* first: the
dossier is saved as "step N sent" under optimistic locking, then the e-mail goes out, then the
provider's message id is recorded. A redelivered action finds the step claimed and sends nothing.
A crash between the claim and the send errs on the side of silence: the message stays
unconfirmed in the dossier (visible to the client) instead of reaching the debtor twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import AuditEvent, Dossier, PaymentLink, SentMessage, Trigger
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import Policy, PolicyStep, default_policy
from chalicelib.services.message_content import email_for_client, email_for_debtor
from chalicelib.services.ports import ClientDirectory, DossierRepository, Mailer, PaymentGateway
from chalicelib.services.retry import on_conflict_retry

ACTOR = "dunning"


class ActionOutcome(StrEnum):
    SENT = "sent"
    HANDOVER_REQUESTED = "handover_requested"
    NOT_DUE = "not_due"
    NOTHING_TO_DO = "nothing_to_do"
    ALREADY_CLAIMED = "already_claimed"
    NO_CONTACT_DETAILS = "no_contact_details"


@dataclass(frozen=True)
class ActionDeps:
    dossiers: DossierRepository
    clients: ClientDirectory
    payments: PaymentGateway
    mailer: Mailer
    public_api_url: str
    policy: Policy | None = None


def run_due_action(client_id: str, debtor_id: str, now: datetime, deps: ActionDeps) -> ActionOutcome:
    dossier = deps.dossiers.get(client_id, debtor_id)
    if dossier is None or dossier.next_action_at is None or dossier.next_action_at > now:
        return ActionOutcome.NOT_DUE
    client = deps.clients.get(client_id)
    policy = deps.policy or default_policy()
    step = policy.step_after(dossier.step)
    if client is None or step is None or not dossier.accepts_dunning or dossier.open_cents <= 0:
        dossier.next_action_at = None
        _save_quietly(deps, dossier)
        return ActionOutcome.NOTHING_TO_DO
    if step.action == "handover_decision":
        return _request_handover_decision(client, dossier, step, now, deps)
    return _send_reminder(client, dossier, step, policy, now, deps)


def _send_reminder(
    client: Client, dossier: Dossier, step: PolicyStep, policy: Policy, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    following = policy.step_after(step.step)
    if not dossier.debtor.email:
        dossier.step = step.step
        dossier.next_action_at = policy.due_at(dossier.opened_on, following) if following else None
        dossier.record(_skipped(step, now, "the debtor has no e-mail address on the client's list"))
        return (
            ActionOutcome.NO_CONTACT_DETAILS
            if _save_quietly(deps, dossier)
            else ActionOutcome.ALREADY_CLAIMED
        )

    amount_cents = dossier.open_cents
    payment = deps.payments.create_payment(
        client,
        amount_cents=amount_cents,
        description=f"{client.name} - {', '.join(sorted(i.number for i in dossier.invoices.values() if i.is_open))}"[
            :255
        ],
        redirect_url=client.redirect_url,
        webhook_url=f"{deps.public_api_url.rstrip('/')}/webhooks/mollie/{client.client_id}",
        metadata={"client_id": client.client_id, "debtor_id": dossier.debtor_id, "step": str(step.step)},
        # Same dossier, step and amount: Mollie hands back the payment it already made.
        idempotency_key=f"{client.client_id}:{dossier.debtor_id}:step{step.step}:{amount_cents}",
    )
    email = email_for_debtor(client, dossier, step.template, payment.checkout_url)

    dossier.step = step.step
    dossier.apply(
        Trigger.REMINDER_SENT, at=now, actor=ACTOR, reason=f"dunning step {step.step}", step=step.step
    )
    dossier.payment_link = PaymentLink(
        payment.payment_id, payment.checkout_url, payment.amount_cents, step.step
    )
    dossier.record_message(
        SentMessage(step.step, step.channel, step.template, now, amount_cents, payment.payment_id),
        actor=ACTOR,
    )
    dossier.next_action_at = policy.due_at(dossier.opened_on, following) if following else None
    if not _save_quietly(deps, dossier):
        return ActionOutcome.ALREADY_CLAIMED

    provider_id = deps.mailer.send(email)
    _confirm(deps, dossier.client_id, dossier.debtor_id, step, provider_id, now)
    return ActionOutcome.SENT


def _request_handover_decision(
    client: Client, dossier: Dossier, step: PolicyStep, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    decision_url = (
        f"{deps.public_api_url.rstrip('/')}/clients/{client.client_id}/dossiers/{dossier.debtor_id}"
    )
    email = email_for_client(client, dossier, step.template, decision_url)
    dossier.step = step.step
    dossier.apply(
        Trigger.HANDOVER_DECISION_REQUESTED,
        at=now,
        actor=ACTOR,
        reason=f"still {format_eur(dossier.open_cents)} open after the reminders; handing over is the client's call",
    )
    dossier.record_message(
        SentMessage(step.step, "email-client", step.template, now, dossier.open_cents, None), actor=ACTOR
    )
    dossier.next_action_at = None
    if not _save_quietly(deps, dossier):
        return ActionOutcome.ALREADY_CLAIMED
    provider_id = deps.mailer.send(email)
    _confirm(deps, dossier.client_id, dossier.debtor_id, step, provider_id, now, channel="email-client")
    return ActionOutcome.HANDOVER_REQUESTED


def _save_quietly(deps: ActionDeps, dossier: Dossier) -> bool:
    """Save; False when another worker saved first (it claimed this step, so we stand back)."""
    try:
        deps.dossiers.save(dossier)
    except ConcurrentChange:
        return False
    return True


def _confirm(
    deps: ActionDeps,
    client_id: str,
    debtor_id: str,
    step: PolicyStep,
    provider_id: str,
    now: datetime,
    channel: str | None = None,
) -> None:
    def confirm() -> None:
        fresh = deps.dossiers.get(client_id, debtor_id)
        if fresh is None:
            return
        fresh.confirm_message(step.step, channel or step.channel, provider_id, at=now, actor=ACTOR)
        deps.dossiers.save(fresh)

    on_conflict_retry(confirm)


def _skipped(step: PolicyStep, now: datetime, reason: str) -> AuditEvent:
    return AuditEvent(at=now, what="step_skipped", actor=ACTOR, reason=reason, details={"step": step.step})
