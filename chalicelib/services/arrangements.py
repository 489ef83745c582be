"""Payment arrangements: agree a plan, then follow it up installment by installment.

The dunning action runner hands a dossier that is IN_ARRANGEMENT to `run_arrangement_step`
(a marked hook in services/dossier_actions.py). Each installment gets its own Mollie payment link
some days before it is due; a missed installment gets a reminder; the second miss ends the
arrangement (ARRANGEMENT_DEFAULTED) and dunning resumes at the step where it stood, with what was
paid already credited. Paying everything completes it (ARRANGEMENT_COMPLETED, in the dossier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.domain.arrangements import (
    Arrangement,
    Installment,
    explicit_plan,
    plan_installments,
)
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import TRANSITIONS, AuditEvent, Dossier, SentMessage, Trigger
from chalicelib.domain.errors import (
    DossierNotFound,
    TransitionNotAllowed,
    UnknownClient,
)
from chalicelib.domain.money import format_eur
from chalicelib.services.dossier_actions import ActionDeps, ActionOutcome, remember_email
from chalicelib.services.message_content import email_for_debtor, language_of, long_date
from chalicelib.services.payments import payment_link_for
from chalicelib.services.ports import ClientDirectory, DossierRepository
from chalicelib.services.retry import on_conflict_retry, saved_first

ACTOR = "arrangement"
# The installment's link goes out this many days before it is due (the first one right away).
LINK_LEAD_DAYS = 7
# The first installment falls due this many days after the plan is agreed.
FIRST_DUE_DAYS = 14
# Messages go out in the morning (UTC); the dunning runner applies the contact window.
SEND_AT = time(8, 0)
# templates/email/<language>/installment_*.{txt,html}: the installment's amount, due date and link.
INSTALLMENT_TEMPLATE = "installment_due"
MISSED_TEMPLATE = "installment_missed"


@dataclass(frozen=True)
class ArrangementRequest:
    installments: int | None = None
    plan: tuple[tuple[date, int], ...] = ()
    approved_by_client: bool = False
    first_due: date | None = None


def create_arrangement(
    client_id: str,
    debtor_id: str,
    request: ArrangementRequest,
    now: datetime,
    *,
    clients: ClientDirectory,
    dossiers: DossierRepository,
    actor: str = "client",
) -> Dossier:
    client = clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    rules = client.arrangement_rules

    def change() -> Dossier:
        dossier = dossiers.get(client_id, debtor_id)
        if dossier is None:
            raise DossierNotFound(client_id, debtor_id)
        if (dossier.status, Trigger.ARRANGEMENT_AGREED) not in TRANSITIONS:
            raise TransitionNotAllowed(dossier.status.value, Trigger.ARRANGEMENT_AGREED.value)
        today = now.date()
        amount = dossier.due_cents
        if request.plan:
            installments = explicit_plan(
                amount, list(request.plan), today, rules, approved_by_client=request.approved_by_client
            )
        else:
            installments = plan_installments(
                amount,
                request.installments or 0,
                request.first_due or today + timedelta(days=FIRST_DUE_DAYS),
                rules,
                approved_by_client=request.approved_by_client,
            )
        dossier.apply(
            Trigger.ARRANGEMENT_AGREED,
            at=now,
            actor=actor,
            reason=f"{len(installments)} installments for {format_eur(amount)}",
            installments=[
                {"number": i.number, "due_date": i.due_date.isoformat(), "amount_cents": i.amount_cents}
                for i in installments
            ],
            approved_by_client=request.approved_by_client,
        )
        dossier.arrangement = Arrangement(today, installments, request.approved_by_client)
        dossier.retire_payment_link(at=now, actor=actor, reason="replaced by installment links")
        dossier.next_action_at = now  # the first installment's link goes out with the next sweep
        dossiers.save(dossier)
        return dossier

    return on_conflict_retry(change)


def _at(day: date) -> datetime:
    return datetime.combine(day, SEND_AT, UTC)


def next_arrangement_action(arrangement: Arrangement, grace_days: int) -> datetime | None:
    """The next moment something may need doing: a link to send or a due date to check."""
    moments: list[datetime] = []
    for item in arrangement.installments:
        if item.is_paid or item.missed:
            continue
        if not item.link_sent:
            moments.append(_at(item.due_date - timedelta(days=LINK_LEAD_DAYS)))
        moments.append(_at(item.due_date + timedelta(days=grace_days + 1)))
    return min(moments) if moments else None


def run_arrangement_step(client: Client, dossier: Dossier, now: datetime, deps: ActionDeps) -> ActionOutcome:
    rules = client.arrangement_rules
    arrangement = dossier.arrangement
    if arrangement is None:
        dossier.next_action_at = None
        return (
            ActionOutcome.NOTHING_TO_DO
            if saved_first(deps.dossiers, dossier)
            else ActionOutcome.ALREADY_CLAIMED
        )
    today = now.date()
    missed = arrangement.newly_missed(today, rules)
    if missed:
        arrangement = arrangement.mark_missed({i.number for i in missed})
        dossier.arrangement = arrangement
        for item in missed:
            dossier.record(
                AuditEvent(
                    at=now,
                    what="installment_missed",
                    actor=ACTOR,
                    reason=f"installment {item.number} was due {item.due_date.isoformat()}",
                    details={"installment": item.number, "open_cents": item.open_cents},
                )
            )
        if arrangement.is_defaulted(rules):
            dossier.retire_payment_link(at=now, actor=ACTOR, reason="the arrangement ended")
            dossier.apply(
                Trigger.ARRANGEMENT_DEFAULTED,
                at=now,
                actor=ACTOR,
                reason=f"{arrangement.missed_count} installments missed; dunning resumes at step "
                f"{dossier.step} with {format_eur(arrangement.paid_cents)} paid counted",
                paid_cents=arrangement.paid_cents,
                due_cents=dossier.due_cents,
            )
            dossier.next_action_at = now
            return (
                ActionOutcome.NOTHING_TO_DO
                if saved_first(deps.dossiers, dossier)
                else ActionOutcome.ALREADY_CLAIMED
            )
        return _send(client, dossier, missed[0], now, deps, MISSED_TEMPLATE, reminder=True)
    target = arrangement.next_open
    if (
        target is not None
        and not target.link_sent
        and (target.number == 1 or today >= target.due_date - timedelta(days=LINK_LEAD_DAYS))
    ):
        return _send(client, dossier, target, now, deps, INSTALLMENT_TEMPLATE, reminder=False)
    dossier.next_action_at = next_arrangement_action(arrangement, rules.grace_days)
    return ActionOutcome.NOT_DUE if saved_first(deps.dossiers, dossier) else ActionOutcome.ALREADY_CLAIMED


def _send(
    client: Client,
    dossier: Dossier,
    item: Installment,
    now: datetime,
    deps: ActionDeps,
    template: str,
    *,
    reminder: bool,
) -> ActionOutcome:
    """Claim (save), then send, then confirm: as dunning does, a redelivery sends nothing twice."""
    assert dossier.arrangement is not None
    link = payment_link_for(
        client,
        dossier,
        dossier.step,
        now,
        gateway=deps.payments,
        links=deps.links,
        public_api_url=deps.public_api_url,
        amount_cents=item.open_cents,
        installment=item.number,
        expires_at=_at(item.due_date + timedelta(days=client.arrangement_rules.grace_days + 30)),
        actor=ACTOR,
    )
    dossier.arrangement = dossier.arrangement.mark(
        item.number, link_sent=True, reminded=True if reminder else None
    )
    # A bounced address (services/email_feedback.py) is not used: the installment is then recorded
    # unsent and the client sees it on the dossier.
    channel = "email" if dossier.usable_email else "none"
    dossier.record_message(
        SentMessage(
            dossier.step,
            f"{channel}-installment-{item.number}",
            template,
            now,
            item.open_cents,
            link.payment_id,
        ),
        actor=ACTOR,
    )
    dossier.next_action_at = next_arrangement_action(dossier.arrangement, client.arrangement_rules.grace_days)
    email = (
        email_for_debtor(
            client,
            dossier,
            template,
            link.checkout_url,
            total=format_eur(item.open_cents),
            installment_number=item.number,
            installments_total=len(dossier.arrangement.installments),
            installment_amount=format_eur(item.open_cents),
            installment_due_date=long_date(item.due_date, language_of(client, dossier)),
            # The missed-installment e-mail warns only when one more miss really ends the plan.
            last_chance=dossier.arrangement.missed_count >= client.arrangement_rules.misses_allowed,
        )
        if dossier.usable_email
        else None
    )
    if not saved_first(deps.dossiers, dossier):
        return ActionOutcome.ALREADY_CLAIMED
    if email is None:
        return ActionOutcome.NO_CONTACT_DETAILS
    provider_id = deps.mailer.send(email)
    remember_email(deps, dossier, dossier.step, f"{channel}-installment-{item.number}", provider_id, now)

    def confirm() -> None:
        fresh = deps.dossiers.get(dossier.client_id, dossier.debtor_id)
        if fresh is not None:
            fresh.confirm_message(
                dossier.step, f"{channel}-installment-{item.number}", provider_id, at=now, actor=ACTOR
            )
            deps.dossiers.save(fresh)

    on_conflict_retry(confirm)
    return ActionOutcome.SENT
