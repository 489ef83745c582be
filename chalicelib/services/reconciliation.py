"""Daily reconciliation: payments Mollie reports paid that no webhook brought in.

A webhook can be lost for good (our API down for Mollie's whole ~26 h retry window, a deploy
mistake). Once a day each client's recent payments are listed from Mollie and settled exactly as a
webhook would (idempotent per payment id), and what that fixed is written to a report for the
client beside its import reports.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.errors import PaymentProviderUnavailable
from chalicelib.services.payments import WebhookOutcome, owner_of, settle_payment
from chalicelib.services.ports import (
    ClientDirectory,
    DossierRepository,
    FileStore,
    PaymentGateway,
    PaymentLinkRegistry,
)

ACTOR = "reconciliation"
# Longer than a day so a run that failed yesterday is covered today.
LOOKBACK = timedelta(days=3)


@dataclass
class ReconciliationReport:
    client_id: str
    run_at: str
    since: str
    payments_checked: int = 0
    fixed: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None

    @property
    def key(self) -> str:
        return f"reports/{self.client_id}/reconciliation-{self.run_at[:10]}.json"


@dataclass(frozen=True)
class ReconciliationDeps:
    clients: ClientDirectory
    dossiers: DossierRepository
    gateway: PaymentGateway
    links: PaymentLinkRegistry
    files: FileStore


def reconcile_payments(
    now: datetime, deps: ReconciliationDeps, lookback: timedelta = LOOKBACK
) -> list[ReconciliationReport]:
    reports: list[ReconciliationReport] = []
    since = now - lookback
    for client in deps.clients.all():
        report = ReconciliationReport(client.client_id, now.isoformat(), since.isoformat())
        try:
            for facts in deps.gateway.recent_payments(client, since):
                report.payments_checked += 1
                if facts.status != "paid":
                    continue
                outcome = settle_payment(
                    client,
                    facts,
                    now,
                    dossiers=deps.dossiers,
                    gateway=deps.gateway,
                    links=deps.links,
                    actor=ACTOR,
                )
                if outcome in (WebhookOutcome.APPLIED, WebhookOutcome.REVERSED):
                    owner = owner_of(client.client_id, facts, deps.links)
                    report.fixed.append(
                        {
                            "payment_id": facts.payment_id,
                            "debtor_id": owner.debtor_id if owner else None,
                            "amount_cents": facts.amount_cents,
                            "outcome": outcome.value,
                        }
                    )
        except PaymentProviderUnavailable as error:
            # One client's outage must not stop the others; tomorrow's run looks back far enough.
            report.error = str(error)
        deps.files.put(
            report.key,
            json.dumps(asdict(report), indent=2, ensure_ascii=False).encode("utf-8"),
            "application/json",
        )
        reports.append(report)
    return reports
