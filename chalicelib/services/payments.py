"""Payments through Mollie: the links debtors pay through, and what Mollie tells us afterwards.

The webhook body is only a hint: the payment is fetched with the client's own key, and acted
upon only when it belongs to that client and one of its dossiers (through the payment link it was
paid by, or the metadata of a payment we created). Applying is idempotent per payment id, and
refunds and chargebacks are applied by comparing Mollie's totals with what the dossier recorded,
so a webhook delivered twice or out of order changes nothing the second time. Load-change-save
runs under optimistic locking, retried from a fresh read when the sweep saved meanwhile.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Dossier, PaymentLink
from chalicelib.domain.errors import DossierNotFound
from chalicelib.domain.households import allocate_over_members
from chalicelib.services.ports import (
    ClientDirectory,
    DossierRepository,
    LinkOwner,
    PaymentFacts,
    PaymentGateway,
    PaymentLinkRegistry,
    Reversal,
)
from chalicelib.services.unit_of_work import DossierUnitOfWork

ACTOR = "mollie-webhook"
# A link in an e-mail or letter must still work when the debtor reads it days later; a Mollie
# *payment* expires after about 15 minutes for iDEAL (docs/decisions/003-payment-links.md).
LINK_VALIDITY = timedelta(days=30)
# A link closer than this to its expiry is not sent again: the debtor gets a fresh one.
REUSE_MARGIN = timedelta(days=7)
DESCRIPTION_LIMIT = 255


class WebhookOutcome(StrEnum):
    APPLIED = "applied"
    REVERSED = "reversed"
    ALREADY_APPLIED = "already_applied"
    NOT_PAID = "not_paid"
    IGNORED = "ignored"


# --- links ----------------------------------------------------------------------------------------


def webhook_url(public_api_url: str, client_id: str) -> str:
    return f"{public_api_url.rstrip('/')}/webhooks/mollie/{client_id}"


def link_description(client: Client, dossier: Dossier, installment: int | None = None) -> str:
    """What the debtor sees at the bank: the client's name and the invoice numbers."""
    numbers = ", ".join(sorted(i.number for i in dossier.invoices.values() if i.is_open))
    text = f"{client.name} - {numbers}" if numbers else client.name
    if installment is not None:
        text = f"{client.name} - termijn {installment} - {numbers}" if numbers else text
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 3] + "..."
    return text


def idempotency_key(facts: str) -> str:
    """The Idempotency-Key sent to Mollie for a request described by `facts`: its SHA-256, so the
    same facts give the same key (Mollie's replay protection holds) while the debtor number and
    the amount stay out of the key. The Mollie client logs the key of every replayed request."""
    return hashlib.sha256(facts.encode()).hexdigest()


def link_expiry(now: datetime, validity: timedelta = LINK_VALIDITY) -> datetime:
    # End of a day, so that a redelivered action on the same day asks Mollie for the same link.
    return datetime.combine((now + validity).date(), time(23, 0), UTC)


def payment_link_for(
    client: Client,
    dossier: Dossier,
    step: int,
    now: datetime,
    *,
    gateway: PaymentGateway,
    links: PaymentLinkRegistry,
    public_api_url: str,
    amount_cents: int | None = None,
    installment: int | None = None,
    expires_at: datetime | None = None,
    actor: str = "dunning",
    redirect_url: str | None = None,
    invoice: str | None = None,
) -> PaymentLink:
    """The dossier's one open link for what is due now: the current one when it still fits,
    else a new Mollie payment link, the old one retired in the dossier (and still credited if
    the debtor pays it anyway). The caller saves the dossier."""
    amount = dossier.due_cents if amount_cents is None else amount_cents
    current = dossier.payment_link
    if (
        current is not None
        # A link that returns to the debtor's page is made for the page; one from a message
        # returns to the client's site.
        and redirect_url is None
        and current.amount_cents == amount
        and current.installment == installment
        and current.invoice == invoice
        and (current.expires_at is None or current.expires_at - now > REUSE_MARGIN)
    ):
        return current
    expires = expires_at or link_expiry(now)
    # Same dossier, step, amount (and validity day): Mollie hands back the link it already made.
    facts = f"{client.client_id}:{dossier.debtor_id}:step{step}:{amount}:until{expires.date().isoformat()}"
    if installment is not None:
        facts += f":installment{installment}"
    if invoice is not None:
        facts += f":invoice:{invoice}"
    if redirect_url is not None:
        facts += f":returns-to:{redirect_url}"
    key = idempotency_key(facts)
    created = gateway.create_payment_link(
        client,
        amount_cents=amount,
        description=f"{client.name} - {invoice}"
        if invoice
        else link_description(client, dossier, installment),
        # Where Mollie sends the debtor after paying: the client's site, or the debtor's own page.
        redirect_url=redirect_url or client.redirect_url,
        webhook_url=webhook_url(public_api_url, client.client_id),
        expires_at=expires,
        idempotency_key=key,
    )
    # Before the dossier is saved: a payment may arrive the moment the message is out.
    links.remember(created.payment_id, LinkOwner(client.client_id, dossier.debtor_id, installment))
    link = PaymentLink(
        created.payment_id,
        created.checkout_url,
        created.amount_cents,
        step,
        installment,
        expires,
        invoice=invoice,
    )
    dossier.issue_payment_link(link, at=now, actor=actor)
    return link


# --- webhook --------------------------------------------------------------------------------------


def on_mollie_webhook(
    client_id: str,
    payment_id: str,
    now: datetime,
    *,
    clients: ClientDirectory,
    dossiers: DossierRepository,
    gateway: PaymentGateway,
    links: PaymentLinkRegistry | None = None,
) -> WebhookOutcome:
    """Raises PaymentProviderUnavailable when Mollie cannot answer (the route answers 503 and
    Mollie retries) and ConcurrentChange when the dossier kept changing under us (idem)."""
    client = clients.get(client_id)
    if client is None:
        return WebhookOutcome.IGNORED
    facts = gateway.get_payment(client, payment_id)
    if facts is None:
        return WebhookOutcome.IGNORED
    return settle_payment(client, facts, now, dossiers=dossiers, gateway=gateway, links=links)


def _settle_household_payment(
    client: Client,
    facts: PaymentFacts,
    owner: LinkOwner,
    now: datetime,
    *,
    dossiers: DossierRepository,
    actor: str,
) -> WebhookOutcome:
    """A payment through a household's link: divided over the members' items oldest first as the
    link listed them (the same division on every redelivery), each member's dossier receiving its
    share under its own lock and audit trail; a share already applied is not applied again."""
    at = facts.paid_at or now
    applied = False
    for debtor_id, share in allocate_over_members(facts.amount_cents, owner.household).items():

        def change(dossier: Dossier, share: int = share) -> bool:
            return dossier.receive_payment(facts.payment_id, share, at=at, actor=actor, link_id=facts.link_id)

        try:
            applied |= DossierUnitOfWork(dossiers).change(client.client_id, debtor_id, change)
        except DossierNotFound:
            continue
    return WebhookOutcome.APPLIED if applied else WebhookOutcome.ALREADY_APPLIED


def owner_of(client_id: str, facts: PaymentFacts, links: PaymentLinkRegistry | None) -> LinkOwner | None:
    if facts.link_id is not None:
        return links.find(client_id, facts.link_id) if links is not None else None
    if facts.metadata.get("client_id") != client_id or not facts.metadata.get("debtor_id"):
        return None
    installment = str(facts.metadata.get("installment") or "")
    return LinkOwner(
        client_id, str(facts.metadata["debtor_id"]), int(installment) if installment.isdigit() else None
    )


def settle_payment(
    client: Client,
    facts: PaymentFacts,
    now: datetime,
    *,
    dossiers: DossierRepository,
    gateway: PaymentGateway,
    links: PaymentLinkRegistry | None,
    actor: str = ACTOR,
) -> WebhookOutcome:
    """Bring the dossier in line with what Mollie says about one payment of this client."""
    if facts.status != "paid":
        # open/pending: not yet; failed/canceled/expired: nothing was paid, dunning goes on.
        return WebhookOutcome.NOT_PAID
    owner = owner_of(client.client_id, facts, links)
    if owner is None:
        return WebhookOutcome.IGNORED
    if owner.household:
        return _settle_household_payment(client, facts, owner, now, dossiers=dossiers, actor=actor)
    listed: list[Reversal] | None = None

    def reversal_ids(kind: str) -> tuple[str, ...]:
        nonlocal listed
        if listed is None:
            listed = gateway.reversals(client, facts.payment_id)
        return tuple(r.reversal_id for r in listed if r.kind == kind)

    def change(dossier: Dossier) -> WebhookOutcome:
        at = facts.paid_at or now
        applied = dossier.receive_payment(
            facts.payment_id, facts.amount_cents, at=at, actor=actor, link_id=facts.link_id
        )
        reversed_cents = 0
        recorded = dossier.payments[facts.payment_id].reversed_cents
        if facts.refunded_cents + facts.charged_back_cents > recorded:
            for kind, total in (
                ("refunded", facts.refunded_cents),
                ("charged_back", facts.refunded_cents + facts.charged_back_cents),
            ):
                if total > dossier.payments[facts.payment_id].reversed_cents:
                    reversed_cents += dossier.reverse_payment(
                        facts.payment_id,
                        total,
                        at=now,
                        actor=actor,
                        kind=kind,
                        reversal_ids=reversal_ids(kind),
                    )
        if not applied and not reversed_cents:
            return WebhookOutcome.ALREADY_APPLIED
        return WebhookOutcome.REVERSED if reversed_cents else WebhookOutcome.APPLIED

    try:
        return DossierUnitOfWork(dossiers).change(owner.client_id, owner.debtor_id, change)
    except DossierNotFound:
        return WebhookOutcome.IGNORED
