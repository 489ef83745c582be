"""Business metrics as CloudWatch EMF log lines (powertools), for the dashboards and alarms an
engineer on call looks at. Counts only: no debtor, no name, no per-person amount.

Dossier metrics are read off the audit trail as it is saved, so they count what really happened
(a step claimed by another worker, or a save that lost a race, counts nothing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.domain.dossier import AuditEvent, Dossier

NAMESPACE = "Debtflow"
metrics = Metrics(namespace=NAMESPACE, service="debtflow")

# Audit event -> metric. Closing and opening states are counted through their triggers.
_EVENT_METRICS = {
    "dossier_opened": "DossiersOpened",
    "fully_paid": "DossiersPaid",
    "settled_by_client": "DossiersSettledByClient",
    "handover_decision_requested": "HandoverDecisionsRequested",
    "client_approved_handover": "DossiersHandedOver",
    "reopened": "DossiersReopened",
}


# Summed per invocation and published once: an import of 100,000 rows makes one line, not
# thousands (powertools would flush on its own every 100 values).
_pending: defaultdict[str, float] = defaultdict(float)


def count(name: str, value: float = 1) -> None:
    _pending[name] += value


@contextmanager
def published() -> Iterator[None]:
    """Publish what a handler counted, also when it fails (the failure is worth a look too)."""
    try:
        yield
    finally:
        totals = dict(_pending)
        _pending.clear()
        for name, value in totals.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        if totals:  # a handler that counted nothing prints nothing
            metrics.flush_metrics(raise_on_empty_metrics=False)
            # With metrics disabled (local runs, tests) powertools keeps the set instead of
            # clearing it, and prints it anyway once a metric holds 100 values: clear it here.
            metrics.clear_metrics()


def count_events(events: list[AuditEvent]) -> None:
    for event in events:
        if event.what == "message_sent":
            # Per channel by name (MessagesSent.email, .sms, .letter): one EMF line per flush,
            # and no dimension whose values a client's data could multiply.
            count("MessagesSent")
            count(f"MessagesSent.{event.details.get('channel', 'unknown')}")
        elif event.what == "payment_received":
            count("PaymentsReceived")
            # A sum per invocation; the line carries no debtor to tie it to.
            count("AmountCollectedCents", float(event.details.get("amount_cents", 0)))
        elif event.what in _EVENT_METRICS:
            count(_EVENT_METRICS[event.what])


class MeteredDossiers:
    """A dossier repository that counts the audit events of every dossier it saved."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def save(self, dossier: Dossier) -> None:
        events = list(dossier.new_events)
        self._inner.save(dossier)
        count_events(events)

    def save_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        pending = [(d, list(d.new_events)) for d in dossiers]
        refused: list[Dossier] = self._inner.save_many(dossiers)
        refused_ids = {id(d) for d in refused}
        for dossier, events in pending:
            if id(dossier) not in refused_ids:
                count_events(events)
        return refused

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        pending = [(d, list(d.new_events)) for d in dossiers]
        refused: list[Dossier] = self._inner.create_many(dossiers)
        refused_ids = {id(d) for d in refused}
        for dossier, events in pending:
            if id(dossier) not in refused_ids:
                count_events(events)
        return refused

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
