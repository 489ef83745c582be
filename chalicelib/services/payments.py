"""Mollie tells us a payment changed. The webhook body is only a hint: the payment is fetched
with the client's own key, and acted upon only when it belongs to that client and a dossier of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from chalicelib.services.ports import ClientDirectory, DossierRepository, PaymentGateway
from chalicelib.services.retry import on_conflict_retry

ACTOR = "mollie-webhook"


class WebhookOutcome(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    NOT_PAID = "not_paid"
    IGNORED = "ignored"


def on_mollie_webhook(
    client_id: str,
    payment_id: str,
    now: datetime,
    *,
    clients: ClientDirectory,
    dossiers: DossierRepository,
    gateway: PaymentGateway,
) -> WebhookOutcome:
    client = clients.get(client_id)
    if client is None:
        return WebhookOutcome.IGNORED
    facts = gateway.get_payment(client, payment_id)
    if facts is None or facts.metadata.get("client_id") != client_id:
        return WebhookOutcome.IGNORED
    debtor_id = str(facts.metadata.get("debtor_id", ""))
    if facts.status != "paid":
        return WebhookOutcome.NOT_PAID

    def apply() -> WebhookOutcome:
        dossier = dossiers.get(client_id, debtor_id)
        if dossier is None:
            return WebhookOutcome.IGNORED
        if not dossier.receive_payment(
            facts.payment_id, facts.amount_cents, at=facts.paid_at or now, actor=ACTOR
        ):
            return WebhookOutcome.ALREADY_APPLIED
        dossiers.save(dossier)
        return WebhookOutcome.APPLIED

    return on_conflict_retry(apply)
