"""The client's hand-over decision (DOMAIN.md §1.2: handing over is always the client's choice).

Approve: the dossier is handed over and a complete file is written to S3 for the agency,
`handover/<client>/<debtor>/<date>.json` (debtor, invoices, amounts with costs and statutory
interest as of that day, every message and audit event) plus a readable PDF summary beside it.
The file is written before the state is saved: a failed save leaves a file that the retry
overwrites (same key, same day), never a handed-over dossier without its file.

Decline: dunning continues with the policy's steps after the hand-over step and then at the
follow-up rhythm (never silence), or pauses until a date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from chalicelib.domain import dunning, legal, schedule
from chalicelib.domain.clients import BusinessCosts, Client
from chalicelib.domain.dossier import AuditEvent, Dossier
from chalicelib.domain.errors import InvalidRequest, UnknownClient
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.services.dossier_actions import ActionDeps, charge_money_due, policy_for
from chalicelib.services.letter_content import plain_letter
from chalicelib.services.ports import Letter
from chalicelib.services.request_bodies import json_object
from chalicelib.services.templates import TEMPLATES_DIR

ACTOR = "client"


class Decision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


@dataclass(frozen=True)
class HandoverDecision:
    decision: Decision
    continue_dunning: bool = True

    @classmethod
    def from_json(cls, body: Any) -> HandoverDecision:
        """{"decision": "approve"|"decline", "continue": true|false}; InvalidRequest says what is wrong."""
        body = json_object(body, ("decision", "continue"), '{"decision": "approve"}')
        try:
            decision = Decision(str(body.get("decision")))
        except ValueError as error:
            raise InvalidRequest('"decision" must be "approve" or "decline"') from error
        carry_on = body.get("continue", True)
        if not isinstance(carry_on, bool):
            raise InvalidRequest('"continue" must be true or false')
        return cls(decision, carry_on)


@dataclass(frozen=True)
class HandoverResult:
    status: str
    export_key: str | None = None
    summary_key: str | None = None


def decide_handover(
    client_id: str,
    debtor_id: str,
    decision: HandoverDecision,
    now: datetime,
    deps: ActionDeps,
    *,
    actor: str = ACTOR,
) -> HandoverResult:
    """Approve: the file goes to the agency. Decline: the policy's remaining steps, then the
    follow-up rhythm; or, with `continue: false`, a pause of the client's default length."""
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    if decision.decision is Decision.APPROVE:
        return _approve(client, debtor_id, now, deps, actor)
    then = schedule.planner(client, policy_for(client), now)

    def decline(dossier: Dossier) -> HandoverResult:
        if decision.continue_dunning:
            dossier.decline_handover(then, at=now, actor=actor)
        else:
            until = schedule.local_day(now) + timedelta(days=client.default_pause_days)
            dossier.pause(
                schedule.morning(until),
                at=now,
                actor=actor,
                reason=f"the client declined a hand-over and paused the reminders until {until}",
            )
        return HandoverResult(dossier.status.value)

    return deps.uow.change(client_id, debtor_id, decline)


def _approve(client: Client, debtor_id: str, now: datetime, deps: ActionDeps, actor: str) -> HandoverResult:
    """The file for the agency is written before the state is saved: a failed save leaves a file
    that the retry overwrites (same key, same day), never a handed-over dossier without its file."""
    today = schedule.local_day(now)
    base = f"handover/{client.client_id}/{debtor_id}/{today.isoformat()}"

    def approve(dossier: Dossier) -> HandoverResult:
        charge_money_due(dossier, client, today, now)
        costs = dunning.costs_due(dossier, client, today)
        dossier.approve_handover(at=now, actor=actor)
        events = [*deps.dossiers.events(client.client_id, dossier.debtor_id), *dossier.new_events]
        export = handover_file(client, dossier, events, today, costs.reason)
        deps.files.put(
            f"{base}.json",
            json.dumps(export, indent=2, ensure_ascii=False).encode("utf-8"),
            "application/json",
        )
        deps.files.put(f"{base}.pdf", deps.letters.render(summary_letter(client, export)), "application/pdf")
        return HandoverResult(dossier.status.value, f"{base}.json", f"{base}.pdf")

    return deps.uow.change(client.client_id, debtor_id, approve)


def handover_file(
    client: Client, dossier: Dossier, events: list[AuditEvent], as_of: date, costs_reason: str
) -> dict[str, Any]:
    """Everything the agency needs, amounts in cents as of `as_of` (BW 6:119 / 6:119a interest
    from the day after each due date through `as_of`, on what is still open of each invoice)."""
    kind = legal.InterestKind.for_debtor(dossier.debtor.debtor_type)
    invoices = []
    interest_total = 0
    for invoice in sorted(dossier.invoices.values(), key=lambda i: (i.due_date, i.number)):
        interest = (
            legal.statutory_interest_cents(
                invoice.open_cents, legal.commercial_interest_first_day(invoice.due_date), as_of, kind
            )
            if invoice.open_cents > 0
            else 0
        )
        interest_total += interest
        invoices.append(
            {
                "number": invoice.number,
                "invoice_date": invoice.invoice_date.isoformat() if invoice.invoice_date else None,
                "due_date": invoice.due_date.isoformat(),
                "amount_cents": invoice.amount_cents,
                "open_cents": invoice.open_cents,
                "interest_cents": interest,
            }
        )
    letter = dossier.fourteen_day_letter
    principal = dossier.open_cents
    costs = dossier.open_costs_cents
    return {
        "format": "debtflow-handover/1",
        "as_of": as_of.isoformat(),
        "client": {"client_id": client.client_id, "name": client.name, "iban": client.iban},
        "debtor": {
            "debtor_id": dossier.debtor_id,
            "name": dossier.debtor.name,
            "type": dossier.debtor.debtor_type.value,
            "email": dossier.debtor.email,
            "phone": dossier.debtor.phone_e164,
            "street": dossier.debtor.street,
            "postcode": dossier.debtor.postcode,
            "city": dossier.debtor.city,
        },
        "status": dossier.status.value,
        "opened_on": dossier.opened_on.isoformat(),
        "invoices": invoices,
        "amounts": {
            "principal_cents": principal,
            "costs_cents": costs,
            "costs_basis": costs_reason,
            "interest_cents": interest_total,
            "interest_kind": kind.value,
            "paid_cents": dossier.paid_cents,
            "total_cents": principal + costs + interest_total,
        },
        "fourteen_day_letter": {
            "posted_on": letter.posted_on.isoformat(),
            "presumed_receipt": letter.presumed_receipt.isoformat(),
            "last_day": letter.last_day.isoformat(),
            "costs_due_from": letter.costs_due_from.isoformat(),
            "announced_costs_cents": letter.costs_cents,
            "invoices": list(letter.invoices),
        }
        if letter
        else None,
        "messages": [
            {
                "step": m.step,
                "channel": m.channel,
                "template": m.template,
                "sent_at": m.sent_at.isoformat(),
                "amount_cents": m.amount_cents,
                "provider_id": m.provider_id,
                "confirmed": m.confirmed,
                # A message given up never reached the debtor; the agency must not count on it.
                "failed": m.failed,
                "s3_key": m.s3_key,
            }
            for m in dossier.messages
        ],
        "call_tasks": [
            {
                "task_id": t.task_id,
                "call_from": t.call_from.isoformat(),
                "outcome": t.outcome.value if t.outcome else None,
                "promised_on": t.promised_on.isoformat() if t.promised_on else None,
                "note": t.note,
            }
            for t in dossier.call_tasks
        ],
        "events": [e.to_dict() for e in events],
    }


# The summary is for a Dutch collection agency: Dutch words and Dutch dates throughout (the JSON
# file beside it keeps the machine-readable values).
_DEBTOR_TYPE_NL = {"consumer": "consument", "business": "zakelijk"}
_CHANNEL_NL = {
    "email": "e-mail",
    "sms": "sms",
    "letter": "brief",
    "whatsapp": "WhatsApp",
    "call": "telefoon",
    "email-client": "e-mail aan opdrachtgever",
}
_COSTS_BASIS_NL = {
    "consumer": "volgens de veertiendagenbrief (art. 6:96 lid 6 BW)",
    "scale": "staffel Besluit vergoeding voor buitengerechtelijke incassokosten",
    "minimum": "€ 40 per te laat betaalde factuur (art. 6:96 lid 4 BW)",
    "none": "geen: de opdrachtgever rekent zakelijke debiteuren geen incassokosten",
}


@cache
def _event_names() -> dict[str, str]:
    path = TEMPLATES_DIR / "letter" / "nl" / "event_names.json"
    names: dict[str, str] = json.loads(path.read_text("utf-8"))
    return names


def _nl_date(iso: str) -> str:
    return date.fromisoformat(iso[:10]).strftime("%d-%m-%Y")


def _nl_moment(iso: str) -> str:
    """An ISO moment as the agency reads it: Amsterdam local time, `07-12-2026 09:00`."""
    return datetime.fromisoformat(iso).astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def summary_letter(client: Client, export: dict[str, Any]) -> Letter:
    """The agency's one-page reading of the hand-over file, in Dutch with Dutch dates."""
    amounts = export["amounts"]
    debtor = export["debtor"]
    basis = "consumer" if debtor["type"] == "consumer" else BusinessCosts(client.business_costs).value
    lines = [
        f"Opdrachtgever: {client.name}",
        f"Debiteur: {debtor['name']} ({_DEBTOR_TYPE_NL.get(debtor['type'], debtor['type'])}), "
        f"debiteurnummer {debtor['debtor_id']}",
        f"Dossier geopend op {_nl_date(export['opened_on'])}",
        "",
        "Facturen:",
        *(
            f"- {i['number']}, vervallen op {_nl_date(i['due_date'])}: {format_eur(i['open_cents'])} open "
            f"van {format_eur(i['amount_cents'])}, rente {format_eur(i['interest_cents'])}"
            for i in export["invoices"]
        ),
        "",
        f"Hoofdsom open: {format_eur(amounts['principal_cents'])}",
        f"Incassokosten: {format_eur(amounts['costs_cents'])} ({_COSTS_BASIS_NL[basis]})",
        f"Wettelijke rente tot en met {_nl_date(export['as_of'])}: {format_eur(amounts['interest_cents'])}",
        f"Totaal: {format_eur(amounts['total_cents'])}",
    ]
    letter = export["fourteen_day_letter"]
    if letter:
        lines += [
            "",
            f"Veertiendagenbrief (art. 6:96 lid 6 BW): gepost op {_nl_date(letter['posted_on'])}, termijn tot en "
            f"met {_nl_date(letter['last_day'])}, aangekondigde kosten {format_eur(letter['announced_costs_cents'])}.",
        ]
    lines += ["", "Berichten aan de debiteur en de opdrachtgever:"]
    lines += [
        f"- {_nl_moment(m['sent_at'])} {_CHANNEL_NL.get(m['channel'], m['channel'])}: {m['template']}"
        + (" (niet verstuurd)" if m.get("failed") else "")
        for m in export["messages"]
    ]
    lines += ["", "Verloop van het dossier:"]
    names = _event_names()
    lines += [
        f"- {_nl_moment(e['at'])} {names.get(e['what'], e['what'].replace('_', ' '))}"
        for e in export["events"]
    ]
    return plain_letter(
        client,
        (),
        date.fromisoformat(export["as_of"]),
        f"Overdrachtsdossier {debtor['name']} (debiteurnummer {debtor['debtor_id']})",
        "\n".join(lines),
        "nl",
    )
