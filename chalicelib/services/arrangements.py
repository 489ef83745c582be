"""Payment arrangements: agree a plan, confirm it in writing, then follow it installment by
installment.

Each installment gets its own Mollie payment link and e-mail some days before it is due, whatever
happened to the one before; a missed installment gets one reminder; more misses than the client
allows end the arrangement, and the dossier returns to where the plan was agreed (dunning, or the
pending hand-over decision) with what was paid counted, and the client is told. Paying everything
completes it (ARRANGEMENT_COMPLETED, in the dossier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.domain import schedule
from chalicelib.domain.arrangements import Arrangement, Installment, explicit_plan, plan_installments
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Dossier, Planner, SentMessage, Status, Trigger
from chalicelib.domain.errors import TransitionNotAllowed, UnknownClient
from chalicelib.domain.money import format_eur
from chalicelib.services.dossier_actions import (
    ActionDeps,
    ActionOutcome,
    confirm,
    decision_url,
    policy_for,
    remember_email,
)
from chalicelib.services.letter_content import plain_letter, postal_lines
from chalicelib.services.message_content import email_for_client, email_for_debtor, language_of, long_date
from chalicelib.services.payments import payment_link_for
from chalicelib.services.personal_links import issue_personal_link
from chalicelib.services.ports import Attachment, Letter

ACTOR = "arrangement"
# The first installment falls due this many days after the plan is agreed.
FIRST_DUE_DAYS = 14
# templates/email/<language>/installment_*.{txt,html}: the installment's amount, due date and link.
INSTALLMENT_TEMPLATE = "installment_due"
MISSED_TEMPLATE = "installment_missed"
CONFIRMATION_TEMPLATE = "arrangement_confirmation"
BROKEN_TEMPLATE = "arrangement_broken"


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
    deps: ActionDeps,
    *,
    actor: str = "client",
) -> Dossier:
    """Agree a plan for what is due now (disputed invoices stay out of it). The next action sends
    the debtor the whole schedule in writing (an e-mail and a PDF kept with the dossier), inside
    the contact window, then the first installment's link."""
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    then = schedule.planner(client, policy_for(client), now)
    today = schedule.local_day(now)

    def agree(dossier: Dossier) -> Arrangement:
        if not dossier.may(Trigger.ARRANGEMENT_AGREED):
            raise TransitionNotAllowed(dossier.status.value, Trigger.ARRANGEMENT_AGREED.value)
        arrangement = Arrangement(
            today,
            _installments(client, dossier.due_cents, request, today),
            request.approved_by_client,
            agreed_in=dossier.status.value,
        )
        dossier.agree_arrangement(arrangement, then, at=now, actor=actor)
        return arrangement

    deps.uow.change(client_id, debtor_id, agree)
    dossier = deps.dossiers.get(client_id, debtor_id)
    assert dossier is not None
    return dossier


def _installments(
    client: Client, amount_cents: int, request: ArrangementRequest, today: date
) -> tuple[Installment, ...]:
    rules = client.arrangement_rules
    if request.plan:
        return explicit_plan(
            amount_cents, list(request.plan), today, rules, approved_by_client=request.approved_by_client
        )
    return plan_installments(
        amount_cents,
        request.installments or 0,
        request.first_due or today + timedelta(days=FIRST_DUE_DAYS),
        rules,
        approved_by_client=request.approved_by_client,
    )


def _confirm_in_writing(
    client: Client, dossier: Dossier, then: Planner, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    """The written confirmation: every date and amount, the total, what a missed installment
    means. The PDF is kept under letters/ so the file shows exactly what the debtor got; claimed
    before it is sent, like every message."""
    arrangement = dossier.arrangement
    assert arrangement is not None
    language = language_of(client, dossier)
    rules = client.arrangement_rules
    pdf = deps.letters.render(_confirmation_letter(client, dossier, arrangement, language))
    key = (
        f"letters/{client.client_id}/{dossier.debtor_id}/arrangement-{arrangement.agreed_on.isoformat()}.pdf"
    )
    channel = "email" if dossier.usable_email else "letter"
    email = (
        email_for_debtor(
            client,
            dossier,
            CONFIRMATION_TEMPLATE,
            "",
            installments=[
                {
                    "number": i.number,
                    "due_date": long_date(i.due_date, language),
                    "amount": format_eur(i.amount_cents),
                }
                for i in arrangement.installments
            ],
            arrangement_total=format_eur(arrangement.total_cents),
            first_payment_url="",
            # The debtor's own page: every installment there with a button to pay it.
            page_url=issue_personal_link(dossier, now, deps.personal_links, deps.public_api_url),
            misses_allowed=rules.misses_allowed,
            grace_days=rules.grace_days,
            attachments=(Attachment(f"betalingsregeling-{dossier.debtor_id}.pdf", "application/pdf", pdf),),
        )
        if dossier.usable_email
        else None
    )
    sent = SentMessage(
        dossier.step, channel, CONFIRMATION_TEMPLATE, now, arrangement.total_cents, None, s3_key=key
    )
    dossier.confirm_arrangement(sent, then, at=now, actor=ACTOR)
    if not deps.uow.claim(dossier):
        return ActionOutcome.ALREADY_CLAIMED
    # Without a usable e-mail address the PDF is on file for the client to post or hand over.
    deps.files.put(key, pdf, "application/pdf")
    if email is None:
        return ActionOutcome.NO_CONTACT_DETAILS
    message_id = deps.mailer.send(email)
    remember_email(deps, dossier, dossier.step, channel, message_id, now)
    confirm(
        deps,
        dossier.client_id,
        dossier.debtor_id,
        dossier.step,
        [(channel, CONFIRMATION_TEMPLATE, message_id)],
        now,
    )
    return ActionOutcome.SENT


def _confirmation_letter(client: Client, dossier: Dossier, arrangement: Arrangement, language: str) -> Letter:
    english = language == "en"
    rules = client.arrangement_rules
    lines = [
        (f"Payment arrangement with {client.name}" if english else f"Betalingsregeling met {client.name}"),
        "",
        *(
            f"{i.number}. {long_date(i.due_date, language)}: {format_eur(i.amount_cents)}"
            for i in arrangement.installments
        ),
        "",
        (
            f"Total: {format_eur(arrangement.total_cents)}"
            if english
            else f"Totaal: {format_eur(arrangement.total_cents)}"
        ),
        "",
        (
            f"Each installment has its own payment link. An installment not paid {rules.grace_days} days "
            f"after its date gets a reminder; after more than {rules.misses_allowed} missed installment(s) "
            "the arrangement ends and the full remaining amount is due again."
            if english
            else f"Elke termijn heeft een eigen betaallink. Is een termijn {rules.grace_days} dagen na de datum "
            f"niet betaald, dan krijgt u een herinnering. Mist u meer dan {rules.misses_allowed} termijn(en), "
            "dan stopt de regeling en is het hele resterende bedrag weer direct verschuldigd."
        ),
    ]
    return plain_letter(
        client,
        postal_lines(dossier, language),
        arrangement.agreed_on,
        ("Your payment arrangement" if english else "Uw betalingsregeling"),
        "\n".join(lines),
        language,
    )


def run_arrangement_step(
    client: Client, dossier: Dossier, then: Planner, now: datetime, deps: ActionDeps
) -> ActionOutcome:
    arrangement = dossier.arrangement
    if arrangement is None:
        dossier.reschedule(then, at=now, actor=ACTOR)
        return ActionOutcome.NOTHING_TO_DO if deps.uow.claim(dossier) else ActionOutcome.ALREADY_CLAIMED
    if not arrangement.confirmation_sent:
        return _confirm_in_writing(client, dossier, then, now, deps)
    rules = client.arrangement_rules
    missed = arrangement.newly_missed(schedule.local_day(now), rules)
    if missed:
        dossier.miss_installments([i.number for i in missed], at=now, actor=ACTOR)
        assert dossier.arrangement is not None
        if dossier.arrangement.is_defaulted(rules):
            return _end(client, dossier, then, now, deps)
        return _send(client, dossier, missed[0], then, now, deps, MISSED_TEMPLATE, reminder=True)
    if arrangement.next_open is None:
        dossier.fulfil_arrangement(then, at=now, actor=ACTOR)
        return ActionOutcome.RESUMED if deps.uow.claim(dossier) else ActionOutcome.ALREADY_CLAIMED
    to_send = schedule.installments_to_send(arrangement, now)
    if to_send:
        return _send(client, dossier, to_send[0], then, now, deps, INSTALLMENT_TEMPLATE, reminder=False)
    dossier.reschedule(then, at=now, actor=ACTOR)
    return ActionOutcome.NOT_DUE if deps.uow.claim(dossier) else ActionOutcome.ALREADY_CLAIMED


def _end(client: Client, dossier: Dossier, then: Planner, now: datetime, deps: ActionDeps) -> ActionOutcome:
    """The plan broke: back where it came from, and the client hears of it."""
    assert dossier.arrangement is not None
    paid = dossier.arrangement.paid_cents
    dossier.end_arrangement(
        then,
        at=now,
        actor=ACTOR,
        reason=f"{dossier.arrangement.missed_count} installments missed; {format_eur(paid)} paid is counted",
    )
    back_to_decision = dossier.status is Status.AWAITING_HANDOVER_DECISION
    email = email_for_client(
        client,
        dossier,
        BROKEN_TEMPLATE,
        decision_url(deps, client.client_id, dossier.debtor_id),
        paid=format_eur(paid),
        back_to_decision=back_to_decision,
    )
    key = f"sent/{client.client_id}/{dossier.debtor_id}/{dossier.step}-{BROKEN_TEMPLATE}.txt"
    dossier.record_message(
        SentMessage(dossier.step, "email-client", BROKEN_TEMPLATE, now, dossier.due_cents, None, s3_key=key),
        actor=ACTOR,
    )
    if not deps.uow.claim(dossier):
        return ActionOutcome.ALREADY_CLAIMED
    deps.files.put(key, f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}".encode(), "text/plain")
    provider_id = deps.mailer.send(email)
    confirm(
        deps,
        dossier.client_id,
        dossier.debtor_id,
        dossier.step,
        [("email-client", BROKEN_TEMPLATE, provider_id)],
        now,
    )
    return ActionOutcome.CLIENT_REMINDED


def _send(
    client: Client,
    dossier: Dossier,
    item: Installment,
    then: Planner,
    now: datetime,
    deps: ActionDeps,
    template: str,
    *,
    reminder: bool,
) -> ActionOutcome:
    """Claim (save), then send, then confirm: as dunning does, a redelivery sends nothing twice."""
    assert dossier.arrangement is not None
    grace = client.arrangement_rules.grace_days
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
        expires_at=schedule.installment_missed_at(item, grace + 30),
        actor=ACTOR,
    )
    # A bounced address (services/email_feedback.py) is not used: the installment is then recorded
    # unsent and the client sees it on the dossier.
    channel = f"{'email' if dossier.usable_email else 'none'}-installment-{item.number}"
    if reminder:
        channel += "-reminder"
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
            page_url=issue_personal_link(dossier, now, deps.personal_links, deps.public_api_url),
        )
        if dossier.usable_email
        else None
    )
    dossier.send_installment(
        item.number,
        SentMessage(dossier.step, channel, template, now, item.open_cents, link.payment_id),
        then,
        at=now,
        actor=ACTOR,
        reminder=reminder,
    )
    if not deps.uow.claim(dossier):
        return ActionOutcome.ALREADY_CLAIMED
    if email is None:
        return ActionOutcome.NO_CONTACT_DETAILS
    provider_id = deps.mailer.send(email)
    remember_email(deps, dossier, dossier.step, channel, provider_id, now)
    confirm(deps, dossier.client_id, dossier.debtor_id, dossier.step, [(channel, template, provider_id)], now)
    return ActionOutcome.SENT
