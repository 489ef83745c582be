"""What the client's dashboard pages show, made from the JSON the client API's services already
give (services/client_dashboard.py): the same numbers, written as a Dutch or English reader
expects them (amounts in euros, dates in words, statuses in the page texts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain import kpis
from chalicelib.domain.dossier import Status
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.services.client_dashboard import CHANNELS
from chalicelib.services.message_content import long_date

# The list's filters as the page offers them (names as the JSON list takes them).
FILTER_NAMES = ("q", "status", "aging", "dispute", "arrangement", "channel")
AGING_CHOICES = (kpis.NOT_DUE, *(name for name, _, _ in kpis.AGING_BUCKETS))


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    link: str = ""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: tuple[Choice, ...]


def _day(text: str | None, lang: str) -> str:
    if not text:
        return ""
    return long_date(date.fromisoformat(text[:10]), lang)


def _moment(text: str | None, lang: str) -> str:
    """An ISO time as a reader in the Netherlands sees it: `3 maart 2026 14:05`."""
    if not text:
        return ""
    at = datetime.fromisoformat(text).astimezone(AMSTERDAM)
    return f"{long_date(at.date(), lang)} {at:%H:%M}"


def _decimal(number: float, lang: str) -> str:
    """One decimal, with a comma for a Dutch reader: `73,7`."""
    text = f"{number:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def status_label(t: dict[str, str], status: str) -> str:
    return t.get(f"status_{status}", status)


def list_link(base: str, **filters: str) -> str:
    query = urlencode({k: v for k, v in filters.items() if v})
    return f"{base}/dossiers?{query}" if query else f"{base}/dossiers"


def overview_view(
    summary: dict[str, Any], t: dict[str, str], lang: str, base: str, unposted: Sequence[str] = ()
) -> dict[str, Any]:
    """`unposted`: the debtors whose letter the print partner has not reported posted in time,
    oldest first; the row opens the oldest one's dossier."""
    waiting = summary["waiting_for_you"]
    waits = [
        Row(
            t["waiting_handover"],
            str(waiting["handover_decisions"]),
            list_link(base, status=Status.AWAITING_HANDOVER_DECISION.value),
        ),
        Row(t["waiting_dispute"], str(waiting["disputes"]), list_link(base, dispute="yes")),
        Row(
            t["waiting_arrangement"], str(waiting["broken_arrangements"]), list_link(base, arrangement="yes")
        ),
        Row(
            t["waiting_letters_not_posted"],
            str(len(unposted)),
            f"{base}/dossiers/{unposted[0]}" if unposted else "",
        ),
    ]
    aging = summary["aging_cents"]
    dso = summary["dso"]
    kept = summary["kept_arrangement_rate"]
    return {
        "as_of": t["as_of"].format(date=_day(summary["as_of"], lang)),
        "total_open": format_eur(summary["open_cents"]),
        "debtors": str(summary["debtors_with_open"]),
        "dossiers": str(summary["dossiers"]),
        "waiting": [w for w in waits if w.value != "0"],
        "by_status": [
            Row(status_label(t, status), str(count), list_link(base, status=status))
            for status, count in summary["dossiers_by_status"].items()
            if count
        ],
        "aging": [
            Row(
                t["aging_not_due"] if name == kpis.NOT_DUE else name,
                format_eur(cents),
                list_link(base, aging=name),
            )
            for name, cents in aging.items()
        ],
        "collected_month": format_eur(summary["collected_this_month_cents"]),
        "collected_to_date": format_eur(summary["collected_to_date_cents"]),
        "windows": kpis.PAYMENT_WINDOWS,
        "cohorts": [
            {
                "month": c["month"],
                "principal": format_eur(c["principal_cents"]),
                "rates": [_percent(c.get(f"within_{w}_days")) for w in kpis.PAYMENT_WINDOWS],
            }
            for c in summary["payment_rate_by_cohort"]
        ],
        "kept": t["kept_none"] if kept is None else _percent(kept),
        "dso_days": "–" if dso["days"] is None else t["dso_days"].format(days=_decimal(dso["days"], lang)),
        "dso_method": t[f"dso_{dso['method']}"],
    }


def list_filters_view(params: dict[str, str], t: dict[str, str]) -> list[Filter]:
    def choices(values: list[tuple[str, str]], name: str) -> tuple[Choice, ...]:
        chosen = params.get(name, "")
        return tuple(Choice(v, label, v == chosen) for v, label in [("", t["any"]), *values])

    yes_no = [("yes", t["yes"]), ("no", t["no"])]
    return [
        Filter(
            "status", t["status"], choices([(s.value, status_label(t, s.value)) for s in Status], "status")
        ),
        Filter(
            "aging",
            t["aging"],
            choices([(a, t["aging_not_due"] if a == kpis.NOT_DUE else a) for a in AGING_CHOICES], "aging"),
        ),
        Filter("dispute", t["dispute"], choices(yes_no, "dispute")),
        Filter("arrangement", t["arrangement"], choices(yes_no, "arrangement")),
        Filter("channel", t["channel"], choices([(c, t[f"channel_{c}"]) for c in CHANNELS], "channel")),
    ]


def list_rows(lines: list[dict[str, Any]], t: dict[str, str], lang: str, base: str) -> list[dict[str, str]]:
    return [
        {
            "debtor_id": line["debtor_id"],
            "name": line["name"],
            "status": status_label(t, line["status"]),
            "open": format_eur(line["open_cents"]),
            "owed": format_eur(line["owed_cents"]),
            "oldest_due": _day(line.get("oldest_due"), lang),
            "link": f"{base}/dossiers/{line['debtor_id']}",
        }
        for line in lines
    ]


def dossier_view(detail: dict[str, Any], t: dict[str, str], lang: str) -> dict[str, Any]:
    amounts = detail["amounts"]
    waiting = detail["waiting_for"]
    arrangement = detail["arrangement"]
    return {
        "debtor_id": detail["debtor"]["debtor_id"],
        "name": detail["debtor"]["name"],
        "status": status_label(t, detail["status"]),
        "opened_on": t["opened_on"].format(date=_day(detail["opened_on"], lang)),
        "next_action": t["next_action"].format(date=_moment(detail["next_action_at"], lang))
        if detail["next_action_at"]
        else "",
        "waiting": t["waiting_for"].format(
            who=t.get(f"who_{waiting['who']}", waiting["who"]), date=_moment(waiting["until"], lang)
        )
        if waiting
        else "",
        "invoices": [
            {
                "number": i["number"],
                "due_date": _day(i["due_date"], lang),
                "principal": format_eur(i["principal_cents"]),
                "open": format_eur(i["open_cents"]),
                "disputed": i["disputed"],
            }
            for i in detail["invoices"]
        ],
        "principal_open": format_eur(amounts["principal_open_cents"]),
        "costs_charged": format_eur(amounts["costs_charged_cents"]),
        "costs_open": format_eur(amounts["costs_open_cents"]),
        "interest_charged": format_eur(amounts["interest_charged_cents"]),
        "interest_open": format_eur(amounts["interest_open_cents"]),
        "owed": format_eur(amounts["owed_cents"]),
        "paid": format_eur(amounts["paid_cents"]),
        "messages": [
            {
                "when": t["sent_on"].format(date=_moment(m["sent_at"], lang)),
                "channel": t.get(f"channel_{m['channel']}", m["channel"]),
                "template": m["template"],
                "amount": format_eur(m["amount_cents"]) if m.get("amount_cents") is not None else "",
                "copy": m["copy"],
            }
            for m in reversed(detail["messages"])
        ],
        "payments": [
            {
                "id": p["payment_id"],
                "amount": format_eur(p["amount_cents"]),
                "reversed": p["reversed_cents"] > 0,
            }
            for p in detail["payments"]
        ],
        "schedule": [
            {
                "number": i["number"],
                "due_date": _day(i["due_date"], lang),
                "amount": format_eur(i["amount_cents"]),
                "paid": format_eur(i["paid_cents"]),
                "missed": i["missed"],
            }
            for i in (arrangement["installments"] if arrangement else [])
        ],
        "disputes": [
            {
                "invoices": ", ".join(d["invoices"]),
                "reason": d["reason"],
                "state": d["state"],
                "note": d["note"] or "",
                "decide_by": t["decide_by"].format(date=_moment(d["decide_by"], lang))
                if d["decide_by"]
                else "",
            }
            for d in detail["disputes"]
        ],
        "disputed_invoices": sorted(
            {n for d in detail["disputes"] if d["state"] == "with_client" for n in d["invoices"]}
        ),
        "timeline": [
            {
                "when": _moment(e["at"], lang),
                "what": e["what"].replace("_", " "),
                "to_status": status_label(t, e["to_status"]) if e["to_status"] else "",
                "actor": e["actor"],
                "reason": e["reason"] or "",
            }
            for e in reversed(detail["timeline"])
        ],
        "actions": detail["actions"],
    }
