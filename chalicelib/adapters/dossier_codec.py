"""Dossiers and audit events to and from the JSON kept in the table."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import AuditEvent, Dossier, Invoice, PaymentLink, SentMessage, Status


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def dossier_to_dict(dossier: Dossier) -> dict[str, Any]:
    return {
        "client_id": dossier.client_id,
        "debtor": {**asdict(dossier.debtor), "debtor_type": dossier.debtor.debtor_type.value},
        "opened_on": dossier.opened_on.isoformat(),
        "status": dossier.status.value,
        "step": dossier.step,
        "invoices": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "amount_cents": i.amount_cents,
                "open_cents": i.open_cents,
                "invoice_date": i.invoice_date.isoformat() if i.invoice_date else None,
            }
            for i in dossier.invoices.values()
        ],
        "next_action_at": dossier.next_action_at.isoformat() if dossier.next_action_at else None,
        "payment_link": asdict(dossier.payment_link) if dossier.payment_link else None,
        "received_payment_ids": list(dossier.received_payment_ids),
        "paid_cents": dossier.paid_cents,
        "overpaid_cents": dossier.overpaid_cents,
        "messages": [{**asdict(m), "sent_at": m.sent_at.isoformat()} for m in dossier.messages],
    }


def dossier_from_dict(data: dict[str, Any], version: int | None) -> Dossier:
    debtor = dict(data["debtor"])
    debtor["debtor_type"] = DebtorType(debtor["debtor_type"])
    invoices = {
        i["number"]: Invoice(
            number=i["number"],
            due_date=date.fromisoformat(i["due_date"]),
            amount_cents=i["amount_cents"],
            open_cents=i["open_cents"],
            invoice_date=date.fromisoformat(i["invoice_date"]) if i.get("invoice_date") else None,
        )
        for i in data["invoices"]
    }
    return Dossier(
        client_id=data["client_id"],
        debtor=DebtorDetails(**debtor),
        opened_on=date.fromisoformat(data["opened_on"]),
        status=Status(data["status"]),
        step=data["step"],
        invoices=invoices,
        next_action_at=_dt(data.get("next_action_at")),
        payment_link=PaymentLink(**data["payment_link"]) if data.get("payment_link") else None,
        received_payment_ids=tuple(data.get("received_payment_ids", ())),
        paid_cents=data.get("paid_cents", 0),
        overpaid_cents=data.get("overpaid_cents", 0),
        messages=tuple(
            SentMessage(**{**m, "sent_at": datetime.fromisoformat(m["sent_at"])})
            for m in data.get("messages", ())
        ),
        version=version,
    )


def event_to_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "what": event.what,
        "actor": event.actor,
        "reason": event.reason,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value if event.to_status else None,
        "details": event.details,
    }


def event_from_dict(data: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        at=datetime.fromisoformat(data["at"]),
        what=data["what"],
        actor=data["actor"],
        reason=data["reason"],
        from_status=Status(data["from_status"]) if data.get("from_status") else None,
        to_status=Status(data["to_status"]) if data.get("to_status") else None,
        details=data.get("details", {}),
    )
