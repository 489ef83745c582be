"""One reminder to a household's payer: one message naming each member and their items, and one
payment link for the total, whose payment `services/payments.py` divides over the members.

Each member keeps its own dossier: the message is recorded on every member's dossier (its own
audit event, saved under its own lock) before the e-mail leaves, so a redelivered action finds the
step taken and sends nothing twice. Members whose items are all disputed wait and are left out;
the others are still chased."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Dossier, SentMessage
from chalicelib.domain.households import household_items, household_key
from chalicelib.services.dossier_actions import ActionDeps
from chalicelib.services.message_content import household_email
from chalicelib.services.payments import idempotency_key, link_expiry, webhook_url
from chalicelib.services.ports import LinkOwner

ACTOR = "dunning"
TEMPLATE = "household_reminder"


class HouseholdOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    NOTHING_TO_ASK = "nothing_to_ask"


def household_members(client: Client, household: str, deps: ActionDeps) -> list[Dossier]:
    """The active dossiers of the household's members, by debtor id. Reads the client's dossiers:
    fine for a club's few hundred members; a household index would be the next step."""
    return [
        d
        for d in deps.dossiers.list_for_client(client.client_id)
        if d.is_active
        and household_key(d.debtor, group_by_shared_contact=client.group_households_by_contact) == household
    ]


def send_household_reminder(
    client: Client, household: str, step: int, now: datetime, deps: ActionDeps
) -> HouseholdOutcome:
    members = [m for m in household_members(client, household, deps) if m.chased_invoices]
    if not members:
        return HouseholdOutcome.NOTHING_TO_ASK
    items = household_items(members)
    total = sum(item.cents for item in items)
    expires = link_expiry(now)
    # The same household, step, amount and validity day: Mollie hands back the link it made.
    facts = f"{client.client_id}:{household}:step{step}:{total}:until{expires.date().isoformat()}"
    created = deps.payments.create_payment_link(
        client,
        amount_cents=total,
        description=f"{client.name} - " + ", ".join(m.debtor_id for m in members),
        redirect_url=client.redirect_url,
        webhook_url=webhook_url(deps.public_api_url, client.client_id),
        expires_at=expires,
        idempotency_key=idempotency_key(facts),
    )
    # Before any dossier is saved: the payer may pay the moment the message is out.
    deps.links.remember(created.payment_id, LinkOwner(client.client_id, household, household=items))
    email = household_email(client, members, TEMPLATE, created.checkout_url)
    claimed = 0
    for member in members:
        message = SentMessage(step, "email", TEMPLATE, now, member.due_cents, created.payment_id)
        if member.record_household_message(message, household, actor=ACTOR) and deps.uow.claim(member):
            claimed += 1
    if not claimed:
        return HouseholdOutcome.ALREADY_SENT
    deps.mailer.send(email)
    return HouseholdOutcome.SENT
