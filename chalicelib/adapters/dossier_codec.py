"""Dossiers and audit events to and from the JSON kept in the table."""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from chalicelib.domain.arrangements import Arrangement, Installment
from chalicelib.domain.call_tasks import CallOutcome, CallTask
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import (
    AuditEvent,
    CostCharge,
    Dispute,
    DisputeProof,
    DisputeReason,
    DisputeState,
    Dossier,
    FourteenDayLetter,
    Invoice,
    Party,
    PaymentLink,
    ReceivedPayment,
    SentMessage,
    Status,
    Waiting,
)

# Above this much JSON a body is stored zlib-compressed (binary). Measured on a debtor with 10,000
# invoices (numbers like VF2024-004711, random dates and amounts): the dossier's JSON is 1.22 MB,
# 175 KB compressed (7.0x, level 6); its 10,000 opening events 2.09 MB -> 89 KB (23x). DynamoDB's
# item limit is 400 KB, so a dossier holds ~22,000 such invoices. Smaller bodies stay readable text.
PACK_ABOVE_BYTES = 32 * 1024


def pack(value: Any) -> tuple[str | None, bytes | None]:
    """(text, None) for an ordinary body, (None, compressed) for a large one."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if len(text) <= PACK_ABOVE_BYTES:  # characters <= bytes: a cheap first look
        encoded = text.encode("utf-8")
        if len(encoded) <= PACK_ABOVE_BYTES:
            return text, None
    return None, zlib.compress(text.encode("utf-8"))


def unpack(text: str | None, packed: bytes | None) -> Any:
    if packed is not None:
        return json.loads(zlib.decompress(packed))
    if text is None:
        raise ValueError("an item holds neither a body nor a packed body")
    return json.loads(text)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def dossier_to_dict(dossier: Dossier) -> dict[str, Any]:
    return {
        "client_id": dossier.client_id,
        "debtor": {**asdict(dossier.debtor), "debtor_type": dossier.debtor.debtor_type.value},
        "opened_on": dossier.opened_on.isoformat(),
        "status": dossier.status.value,
        "step": dossier.step,
        # Added when a policy gained a step; older items have none (Policy.position reads them).
        "step_name": dossier.step_name,
        "invoices": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "amount_cents": i.amount_cents,
                "open_cents": i.open_cents,
                "invoice_date": i.invoice_date.isoformat() if i.invoice_date else None,
                **({"reversal_code": i.reversal_code} if i.reversal_code else {}),
            }
            for i in dossier.invoices.values()
        ],
        "next_action_at": dossier.next_action_at.isoformat() if dossier.next_action_at else None,
        "payment_link": _link_to_dict(dossier.payment_link) if dossier.payment_link else None,
        "received_payment_ids": list(dossier.received_payment_ids),
        "paid_cents": dossier.paid_cents,
        "overpaid_cents": dossier.overpaid_cents,
        "messages": [_message_to_dict(m) for m in dossier.messages],
        # Added with payments; every reader below defaults them for older items.
        "open_costs_cents": dossier.open_costs_cents,
        "open_interest_cents": dossier.open_interest_cents,
        "payments": [asdict(p) for p in dossier.payments.values()],
        "retired_links": [_link_to_dict(link) for link in dossier.retired_links],
        "flags": list(dossier.flags),
        "arrangement": _arrangement_to_dict(dossier.arrangement) if dossier.arrangement else None,
        # Added with dunning; readers default them for older items.
        "last_step_at": dossier.last_step_at.isoformat() if dossier.last_step_at else None,
        "fourteen_day_letter": _letter_to_dict(dossier.fourteen_day_letter)
        if dossier.fourteen_day_letter
        else None,
        "call_tasks": [_call_task_to_dict(t) for t in dossier.call_tasks],
        # Added with SES feedback; older items have none.
        "undeliverable_emails": list(dossier.undeliverable_emails),
        # Added with steps a provider interrupted; older items have none.
        "unfinished_step": dossier.unfinished_step,
        # Added with disputes per invoice and the dossier's own schedule; readers default them.
        "disputes": [_dispute_to_dict(d) for d in dossier.disputes],
        "waiting_for": _waiting_to_dict(dossier.waiting_for) if dossier.waiting_for else None,
        "handover_declined_at": dossier.handover_declined_at.isoformat()
        if dossier.handover_declined_at
        else None,
        # Added with the club cap; older items have none (charge_costs falls back to their total).
        "cost_charges": [
            {
                "charged_on": c.charged_on.isoformat(),
                "cents": c.cents,
                "letter_posted_on": c.letter_posted_on.isoformat() if c.letter_posted_on else None,
            }
            for c in dossier.cost_charges
        ],
    }


def _dispute_to_dict(dispute: Dispute) -> dict[str, Any]:
    return {
        **asdict(dispute),
        "invoices": list(dispute.invoices),
        "reason": dispute.reason.value,
        "state": dispute.state.value,
        **{
            name: getattr(dispute, name).isoformat() if getattr(dispute, name) else None
            for name in ("opened_at", "decide_by", "resume_at", "closed_at")
        },
        "proofs": [{**asdict(p), "received_at": p.received_at.isoformat()} for p in dispute.proofs],
        "refused_proofs": list(dispute.refused_proofs),
    }


def _dispute_from_dict(data: dict[str, Any]) -> Dispute:
    return Dispute(
        **{
            **data,
            "invoices": tuple(data["invoices"]),
            "reason": DisputeReason(data["reason"]),
            "state": DisputeState(data["state"]),
            "opened_at": datetime.fromisoformat(data["opened_at"]),
            "decide_by": _dt(data.get("decide_by")),
            "resume_at": _dt(data.get("resume_at")),
            "closed_at": _dt(data.get("closed_at")),
            "proofs": tuple(
                DisputeProof(**{**p, "received_at": datetime.fromisoformat(p["received_at"])})
                for p in data.get("proofs", ())
            ),
            "refused_proofs": tuple(data.get("refused_proofs", ())),
        }
    )


def _waiting_to_dict(waiting: Waiting) -> dict[str, Any]:
    return {**asdict(waiting), "who": waiting.who.value, "until": waiting.until.isoformat()}


def _waiting_from_dict(data: dict[str, Any]) -> Waiting:
    return Waiting(**{**data, "who": Party(data["who"]), "until": datetime.fromisoformat(data["until"])})


def _message_to_dict(message: SentMessage) -> dict[str, Any]:
    return {
        **asdict(message),
        "sent_at": message.sent_at.isoformat(),
        "posted_on": message.posted_on.isoformat() if message.posted_on else None,
    }


def _message_from_dict(data: dict[str, Any]) -> SentMessage:
    # Older items have no posting date; `posted_on` is None for them.
    posted_on = data.get("posted_on")
    return SentMessage(
        **{
            **data,
            "sent_at": datetime.fromisoformat(data["sent_at"]),
            "posted_on": date.fromisoformat(posted_on) if posted_on else None,
        }
    )


def _letter_to_dict(letter: FourteenDayLetter) -> dict[str, Any]:
    return {
        **asdict(letter),
        **{
            name: getattr(letter, name).isoformat()
            for name in ("posted_on", "presumed_receipt", "last_day", "costs_due_from")
        },
        "invoices": list(letter.invoices),
    }


def _letter_from_dict(data: dict[str, Any]) -> FourteenDayLetter:
    return FourteenDayLetter(
        **{
            **data,
            **{
                name: date.fromisoformat(data[name])
                for name in ("posted_on", "presumed_receipt", "last_day", "costs_due_from")
            },
            "invoices": tuple(data["invoices"]),
        }
    )


def _call_task_to_dict(task: CallTask) -> dict[str, Any]:
    return {
        **asdict(task),
        "created_at": task.created_at.isoformat(),
        "call_from": task.call_from.isoformat(),
        "outcome": task.outcome.value if task.outcome else None,
        "outcome_at": task.outcome_at.isoformat() if task.outcome_at else None,
        "promised_on": task.promised_on.isoformat() if task.promised_on else None,
        "call_until": task.call_until.isoformat() if task.call_until else None,
    }


def _call_task_from_dict(data: dict[str, Any]) -> CallTask:
    return CallTask(
        **{
            **data,
            "created_at": datetime.fromisoformat(data["created_at"]),
            "call_from": datetime.fromisoformat(data["call_from"]),
            "outcome": CallOutcome(data["outcome"]) if data.get("outcome") else None,
            "outcome_at": _dt(data.get("outcome_at")),
            "promised_on": date.fromisoformat(data["promised_on"]) if data.get("promised_on") else None,
            "call_until": _dt(data.get("call_until")),
        }
    )


def _link_to_dict(link: PaymentLink) -> dict[str, Any]:
    return {
        **asdict(link),
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "retired_at": link.retired_at.isoformat() if link.retired_at else None,
    }


def _link_from_dict(data: dict[str, Any]) -> PaymentLink:
    return PaymentLink(
        **{**data, "expires_at": _dt(data.get("expires_at")), "retired_at": _dt(data.get("retired_at"))}
    )


def _payment_from_dict(data: dict[str, Any]) -> ReceivedPayment:
    return ReceivedPayment(
        **{
            **data,
            "invoices": tuple((number, cents) for number, cents in data["invoices"]),
            "reversal_ids": tuple(data.get("reversal_ids", ())),
        }
    )


def _arrangement_to_dict(arrangement: Arrangement) -> dict[str, Any]:
    return {
        "agreed_on": arrangement.agreed_on.isoformat(),
        "approved_by_client": arrangement.approved_by_client,
        "agreed_in": arrangement.agreed_in,
        "confirmation_sent": arrangement.confirmation_sent,
        "installments": [{**asdict(i), "due_date": i.due_date.isoformat()} for i in arrangement.installments],
    }


def _arrangement_from_dict(data: dict[str, Any]) -> Arrangement:
    return Arrangement(
        agreed_on=date.fromisoformat(data["agreed_on"]),
        approved_by_client=data.get("approved_by_client", False),
        agreed_in=data.get("agreed_in", ""),
        # Plans agreed before written confirmations existed are not confirmed again.
        confirmation_sent=data.get("confirmation_sent", True),
        installments=tuple(
            Installment(**{**i, "due_date": date.fromisoformat(i["due_date"])}) for i in data["installments"]
        ),
    )


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
            reversal_code=i.get("reversal_code"),
        )
        for i in data["invoices"]
    }
    return Dossier(
        client_id=data["client_id"],
        debtor=DebtorDetails(**debtor),
        opened_on=date.fromisoformat(data["opened_on"]),
        status=Status(data["status"]),
        step=data["step"],
        step_name=data.get("step_name", ""),
        invoices=invoices,
        next_action_at=_dt(data.get("next_action_at")),
        payment_link=_link_from_dict(data["payment_link"]) if data.get("payment_link") else None,
        received_payment_ids=tuple(data.get("received_payment_ids", ())),
        paid_cents=data.get("paid_cents", 0),
        overpaid_cents=data.get("overpaid_cents", 0),
        messages=tuple(_message_from_dict(m) for m in data.get("messages", ())),
        open_costs_cents=data.get("open_costs_cents", 0),
        open_interest_cents=data.get("open_interest_cents", 0),
        payments={p["payment_id"]: _payment_from_dict(p) for p in data.get("payments", ())},
        retired_links=tuple(_link_from_dict(link) for link in data.get("retired_links", ())),
        flags=tuple(data.get("flags", ())),
        arrangement=_arrangement_from_dict(data["arrangement"]) if data.get("arrangement") else None,
        last_step_at=_dt(data.get("last_step_at")),
        fourteen_day_letter=_letter_from_dict(data["fourteen_day_letter"])
        if data.get("fourteen_day_letter")
        else None,
        call_tasks=tuple(_call_task_from_dict(t) for t in data.get("call_tasks", ())),
        undeliverable_emails=tuple(data.get("undeliverable_emails", ())),
        unfinished_step=data.get("unfinished_step"),
        disputes=tuple(_dispute_from_dict(d) for d in data.get("disputes", ())),
        waiting_for=_waiting_from_dict(data["waiting_for"]) if data.get("waiting_for") else None,
        handover_declined_at=_dt(data.get("handover_declined_at")),
        cost_charges=tuple(
            CostCharge(
                charged_on=date.fromisoformat(c["charged_on"]),
                cents=c["cents"],
                letter_posted_on=date.fromisoformat(c["letter_posted_on"])
                if c.get("letter_posted_on")
                else None,
            )
            for c in data.get("cost_charges", ())
        ),
        version=version,
    )


def event_to_dict(event: AuditEvent) -> dict[str, Any]:
    return event.to_dict()


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
