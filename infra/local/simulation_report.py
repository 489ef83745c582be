"""What `debtflow simulate` shows: per debtor its state and a timeline built from the dossier's
saved audit events and messages, plus what the simulation itself noted (scripted events, refused
requests, errors); as JSON, as a readable table, and the sent messages as files."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.dossier import AuditEvent, Dossier, Trigger
from chalicelib.domain.money import format_eur
from infra.local.simulation import Note, SimulationOutcome
from infra.local.simulation_script import AMSTERDAM

# The channels that reach the debtor: these must respect the contact window.
DEBTOR_CHANNELS = ("email", "sms", "letter", "call")
# Bookkeeping of the adapters that a reader of the timeline does not need: the message itself is
# on the timeline, its confirmation by the provider and the link it carried are not news.
_NOT_SHOWN = {
    "message_delivered_to_provider",
    "payment_link_issued",
    "payment_link_retired",
    # The status change that every reminder makes; the message_sent line says it all.
    Trigger.REMINDER_SENT.value,
}
_WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


def timeline(events: list[AuditEvent], notes: list[Note]) -> list[dict[str, Any]]:
    """The debtor's story in order; the simulation's own notes come before what the product did at
    the same moment (the debtor pays, then the payment is received)."""
    ordered: list[tuple[datetime, int, int, AuditEvent | Note]] = [
        (n.at, 0, i, n) for i, n in enumerate(notes)
    ]
    ordered += [(e.at, 1, i, e) for i, e in enumerate(events)]
    ordered.sort(key=lambda item: (item[0], item[1], item[2]))
    open_invoices: dict[str, int] = {}
    lines: list[dict[str, Any]] = []
    for _, _, _, item in ordered:
        if isinstance(item, Note):
            lines.append(_note_line(item))
            continue
        invoices = _follow_invoices(item, open_invoices)
        if item.what in _NOT_SHOWN:
            continue
        lines.append(_event_line(item, invoices))
    return lines


def _note_line(note: Note) -> dict[str, Any]:
    details = dict(note.details)
    line: dict[str, Any] = {"at": local_iso(note.at), "what": note.what}
    if "do" in details:
        line["do"] = details.pop("do")
    line.update(details)
    return line


def _follow_invoices(event: AuditEvent, open_invoices: dict[str, int]) -> list[str]:
    """Replay the invoice amounts the events carry; returns the invoices this event concerns (for
    a message: those open when it went out)."""
    details = event.details
    if event.what == "invoice_added":
        open_invoices[str(details["invoice"])] = int(details.get("open_cents", 0))
    elif event.what == "invoice_amount_changed":
        open_invoices[str(details["invoice"])] = int(details.get("to_cents", 0))
    elif event.what == "invoice_settled_by_client":
        open_invoices[str(details["invoice"])] = 0
    elif event.what == "payment_received":
        for number, cents in dict(details.get("allocated") or {}).items():
            open_invoices[number] = open_invoices.get(number, 0) - int(cents)
        return list(dict(details.get("allocated") or {}))
    elif event.what.startswith("payment_") and details.get("reopened_invoices"):
        for number, cents in dict(details["reopened_invoices"]).items():
            open_invoices[number] = open_invoices.get(number, 0) + int(cents)
    if event.what in ("message_sent", "call_task_opened", Trigger.HANDOVER_DECISION_REQUESTED.value):
        return sorted(n for n, cents in open_invoices.items() if cents > 0)
    named = details.get("invoices")
    if isinstance(named, list):
        return [str(n) for n in named]
    return [str(details["invoice"])] if "invoice" in details else []


def _event_line(event: AuditEvent, invoices: list[str]) -> dict[str, Any]:
    details = event.details
    channel = details.get("channel")
    if event.what == "call_task_opened":
        channel = "call"
    line: dict[str, Any] = {
        "at": local_iso(event.at),
        "what": event.what,
        # An arrangement's messages name their channel "email-installment-2": the channel is e-mail.
        "channel": str(channel).split("-installment")[0] if channel else None,
        "template": details.get("template"),
        "invoices": invoices,
        "amount_cents": _amount(event),
    }
    if event.to_status is not None and event.from_status != event.to_status:
        line["status"] = event.to_status.value
    if event.what != "message_sent":
        line["reason"] = event.reason
    return line


def _amount(event: AuditEvent) -> int | None:
    details = event.details
    for name in (
        "amount_cents",
        "costs_cents",
        "interest_cents",
        "settled_cents",
        "open_cents",
        "undone_cents",
    ):
        value = details.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def local_iso(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).isoformat(timespec="minutes")


def _waiting_for(dossier: Dossier) -> dict[str, Any] | None:
    # The dossier gains `waiting_for` (who must act next, until when) in the aggregate's refactor.
    waiting = getattr(dossier, "waiting_for", None)
    if waiting is None:
        return None
    until = getattr(waiting, "until", None)
    who = getattr(waiting, "who", None)
    return {
        "who": str(getattr(who, "value", who)),
        "until": until.isoformat() if until is not None else None,
    }


def as_json(outcome: SimulationOutcome) -> dict[str, Any]:
    return {
        "start": local_iso(outcome.start),
        "end": local_iso(outcome.end),
        "client": outcome.client.client_id,
        "rejected_rows": outcome.rejected_rows,
        "debtors": [
            {
                "debtor": dossier.debtor_id,
                "name": dossier.debtor.name,
                "status": dossier.status.value,
                "next_action_at": local_iso(dossier.next_action_at) if dossier.next_action_at else None,
                "waiting_for": _waiting_for(dossier),
                "open_cents": dossier.due_cents,
                "costs_cents": dossier.open_costs_cents,
                "interest_cents": dossier.open_interest_cents,
                "paid_cents": dossier.paid_cents,
                "timeline": timeline(
                    outcome.audit.get(dossier.debtor_id, []), outcome.notes.get(dossier.debtor_id, [])
                ),
            }
            for dossier in outcome.dossiers
        ],
    }


# --- readable ---------------------------------------------------------------------------------------


def dutch_moment(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{_WEEKDAYS[moment.weekday()]} {moment:%d-%m-%Y %H:%M}"


def as_text(report: dict[str, Any]) -> str:
    lines = [
        f"Simulation for {report['client']}: {dutch_moment(report['start'])} to {dutch_moment(report['end'])}",
    ]
    channels: Counter[str] = Counter()
    paid = still_open = 0
    for debtor in report["debtors"]:
        paid += debtor["paid_cents"]
        still_open += debtor["open_cents"]
        lines += ["", _debtor_heading(debtor)]
        for entry in debtor["timeline"]:
            if entry["what"] == "message_sent" and entry.get("channel"):
                channels[entry["channel"]] += 1
            lines.append(f"    {dutch_moment(entry['at'])}  {_entry_text(entry)}")
    sent = ", ".join(f"{count} {channel}" for channel, count in sorted(channels.items())) or "none"
    lines += [
        "",
        f"Messages sent: {sent}. Paid: {format_eur(paid)}. Still open: {format_eur(still_open)} "
        f"over {sum(1 for d in report['debtors'] if d['open_cents'] > 0)} of {len(report['debtors'])} debtors.",
    ]
    return "\n".join(lines)


def _debtor_heading(debtor: dict[str, Any]) -> str:
    owed = (
        f"owes {format_eur(debtor['open_cents'])}"
        f" (costs {format_eur(debtor['costs_cents'])}, interest {format_eur(debtor['interest_cents'])})"
    )
    heading = f"{debtor['debtor']:<8} {debtor['name'][:34]:<34} {debtor['status']:<27} {owed}"
    if debtor["next_action_at"]:
        heading += f"\n{'':<8} next step {dutch_moment(debtor['next_action_at'])}"
    waiting = debtor.get("waiting_for")
    if waiting:
        until = f" until {waiting['until']}" if waiting.get("until") else ""
        heading += f"\n{'':<8} waiting for the {waiting['who']}{until}"
    return heading


def _entry_text(entry: dict[str, Any]) -> str:
    what = entry["what"]
    if what == "scripted":
        extra = {k: v for k, v in entry.items() if k not in ("at", "what", "do")}
        return f"script: {entry['do']}" + (f" {extra}" if extra else "")
    if what in ("refused", "error"):
        return f"{what.upper()}: {entry.get('reason', '')}"
    parts = [what.replace("_", " ")]
    if entry.get("channel"):
        parts.append(f"[{entry['channel']}]")
    if entry.get("template"):
        parts.append(str(entry["template"]))
    if entry.get("amount_cents") is not None:
        parts.append(format_eur(entry["amount_cents"]))
    if entry.get("invoices"):
        parts.append("invoices " + ", ".join(entry["invoices"]))
    if entry.get("status"):
        parts.append(f"-> {entry['status']}")
    return " ".join(parts)


# --- files ------------------------------------------------------------------------------------------


def write_sent_messages(outcome: SimulationOutcome, folder: Path) -> int:
    """One folder per debtor with every message as it went out; returns the number of files."""
    for dossier in outcome.dossiers:
        (folder / _safe(dossier.debtor_id)).mkdir(parents=True, exist_ok=True)
    for sent in outcome.sent_files:
        target = folder / _safe(sent.debtor_id) / _safe(sent.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(sent.body)
    return len(outcome.sent_files)


def _safe(name: str) -> str:
    # A debtor id comes from the client's list: it must not climb out of the folder.
    cleaned = "".join(c if c.isalnum() or c in "-_. " else "_" for c in name).strip(". ")
    return cleaned or "_"
