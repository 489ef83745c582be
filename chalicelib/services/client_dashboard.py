"""What a client's dashboard shows: the overview, the list of dossiers and one dossier, read for
a verified caller of that client. The overview is computed from the client's counters
(domain/dossier_counts.py) with the formulas of domain/kpis.py: a handful of reads whatever
the client's size. Everything is plain JSON values, amounts in cents."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from chalicelib.domain import kpis
from chalicelib.domain.access import Caller, actions_on
from chalicelib.domain.dossier import Dossier, Status
from chalicelib.domain.errors import DossierNotFound, InvalidRequest, UnknownClient
from chalicelib.services.ports import ClientViews, DossierRepository, FileStore, ListFilters

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Months of cohorts shown: a year back.
COHORT_MONTHS = 12
# The copies of the latest messages shown with the dossier (each is one file read).
COPIES_SHOWN = 20
LIST_PARAMETERS = ("status", "q", "aging", "dispute", "arrangement", "channel", "page", "size")
CHANNELS = ("email", "sms", "letter", "none")


def overview(client_id: str, today: date, views: ClientViews) -> dict[str, Any]:
    counts, profile = views.counts(client_id)
    if profile is None:
        raise UnknownClient(client_id)
    open_by_due = {
        date.fromisoformat(name.removeprefix("due:")): value
        for name, value in counts.items()
        if name.startswith("due:") and value
    }
    stated = {str(k): int(v) for k, v in (profile.get("monthly_sales_cents") or {}).items()}
    # Countback runs over consecutive full months back from the last one: it stops at a gap.
    consecutive = []
    for month in kpis.previous_months(today, 24):
        if month not in stated:
            break
        consecutive.append(kpis.MonthSales(kpis.days_in_month(month), stated[month]))
    receivables = counts.get("open_cents", 0)
    dso = kpis.dso(receivables, consecutive, open_by_due, today)
    this_month = kpis.month_of(today)
    collected = {n.removeprefix("collected:"): v for n, v in counts.items() if n.startswith("collected:")}
    cohorts = []
    for cohort_month in [this_month, *kpis.previous_months(today, COHORT_MONTHS)]:
        principal = counts.get(f"cohort:{cohort_month}:principal", 0)
        if principal <= 0:
            continue
        paid = {w: counts.get(f"cohort:{cohort_month}:paid{w}", 0) for w in kpis.PAYMENT_WINDOWS}
        running = 0
        within = {}
        for window in kpis.PAYMENT_WINDOWS:
            running += paid[window]
            within[window] = running
        cohorts.append(kpis.Cohort(cohort_month, principal, within))
    statuses = {s.value: counts.get(f"status:{s.value}", 0) for s in Status}
    return {
        "client_id": client_id,
        "as_of": today.isoformat(),
        "open_cents": receivables,
        "debtors_with_open": counts.get("with_open", 0),
        "dossiers": counts.get("dossiers", 0),
        "dossiers_by_status": statuses,
        "aging_cents": kpis.aging(open_by_due, today),
        "collected_this_month_cents": collected.get(this_month, 0),
        "collected_to_date_cents": sum(collected.values()),
        "payment_rate_by_cohort": [
            {
                "month": rate.month,
                "principal_cents": rate.principal_cents,
                **{f"within_{window}_days": share for window, share in rate.rates.items()},
            }
            for rate in kpis.payment_rates(cohorts, today)
        ],
        "kept_arrangement_rate": kpis.kept_arrangement_rate(
            counts.get("arrangements:kept", 0), counts.get("arrangements:broken", 0)
        ),
        "dso": {"days": dso.days, "method": dso.method.value},
        "waiting_for_you": {
            "handover_decisions": counts.get("waiting:handover", 0),
            "disputes": counts.get("waiting:dispute", 0),
            "broken_arrangements": counts.get("waiting:arrangement", 0),
        },
    }


def _yes_no(name: str, value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise InvalidRequest(f'"{name}" must be yes or no')


def list_filters(params: Mapping[str, str], today: date) -> tuple[ListFilters, str | None, int]:
    """The list's query string as filters, a cursor and a page size; InvalidRequest names what
    is wrong (an unknown parameter, status, aging bucket or channel)."""
    unknown = sorted(set(params) - set(LIST_PARAMETERS))
    if unknown:
        raise InvalidRequest(f"unknown parameter {unknown[0]!r}; known: {', '.join(LIST_PARAMETERS)}")
    status = params.get("status") or None
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidRequest(f'"status" must be one of {", ".join(s.value for s in Status)}')
    due_from = due_to = None
    aging = params.get("aging") or None
    if aging is not None:
        buckets = [kpis.NOT_DUE, *(name for name, _, _ in kpis.AGING_BUCKETS)]
        if aging not in buckets:
            raise InvalidRequest(f'"aging" must be one of {", ".join(buckets)}')
        first, last = kpis.due_dates_of_bucket(aging, today)
        due_from = first.isoformat() if first else None
        due_to = last.isoformat() if last else None
    channel = params.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise InvalidRequest(f'"channel" must be one of {", ".join(CHANNELS)}')
    query = (params.get("q") or "").strip() or None
    if query is not None and len(query) > 100:
        raise InvalidRequest('"q" is at most 100 characters')
    try:
        size = int(params.get("size") or PAGE_SIZE)
    except ValueError as error:
        raise InvalidRequest('"size" must be a whole number') from error
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequest(f'"size" must be between 1 and {MAX_PAGE_SIZE}')
    filters = ListFilters(
        status=status,
        query=query,
        oldest_due_from=due_from,
        oldest_due_to=due_to,
        disputed=_yes_no("dispute", params.get("dispute")),
        in_arrangement=_yes_no("arrangement", params.get("arrangement")),
        channel=channel,
    )
    return filters, params.get("page") or None, size


def dossier_list(
    client_id: str, params: Mapping[str, str], today: date, views: ClientViews
) -> dict[str, Any]:
    filters, after, size = list_filters(params, today)
    page = views.dossier_page(client_id, filters, after, size)
    return {"dossiers": page.lines, "next_page": page.next_page}


def dossier_detail(
    caller: Caller, debtor_id: str, dossiers: DossierRepository, files: FileStore | None = None
) -> dict[str, Any]:
    """One dossier as its client sees it: invoices, money, the timeline of every event, messages
    with their copy as sent, payments, the arrangement's schedule, disputes, and what the caller
    may decide now."""
    dossier = dossiers.get(caller.client_id, debtor_id)
    if dossier is None:
        raise DossierNotFound(caller.client_id, debtor_id)
    events = dossiers.events(caller.client_id, debtor_id)
    return {
        "debtor": {
            "debtor_id": dossier.debtor_id,
            "name": dossier.debtor.name,
            "type": dossier.debtor.debtor_type.value,
        },
        "status": dossier.status.value,
        "opened_on": dossier.opened_on.isoformat(),
        "next_action_at": dossier.next_action_at.isoformat() if dossier.next_action_at else None,
        "waiting_for": {
            "who": dossier.waiting_for.who.value,
            "until": dossier.waiting_for.until.isoformat(),
            "about": dossier.waiting_for.about,
        }
        if dossier.waiting_for
        else None,
        "invoices": [
            {
                "number": i.number,
                "invoice_date": i.invoice_date.isoformat() if i.invoice_date else None,
                "due_date": i.due_date.isoformat(),
                "principal_cents": i.amount_cents,
                "open_cents": i.open_cents,
                "disputed": i.number in dossier.disputed_invoice_numbers,
            }
            for i in sorted(dossier.invoices.values(), key=lambda i: (i.due_date, i.number))
        ],
        "amounts": _amounts(dossier),
        "messages": _messages(dossier, files),
        "payments": [
            {
                "payment_id": p.payment_id,
                "amount_cents": p.amount_cents,
                "costs_cents": p.costs_cents,
                "interest_cents": p.interest_cents,
                "invoices": [{"number": n, "cents": c} for n, c in p.invoices],
                "overpaid_cents": p.overpaid_cents,
                "reversed_cents": p.reversed_cents,
            }
            for p in dossier.payments.values()
        ],
        "arrangement": _arrangement(dossier),
        "disputes": [
            {
                "dispute_id": d.dispute_id,
                "invoices": list(d.invoices),
                "reason": d.reason.value,
                "state": d.state.value,
                "opened_at": d.opened_at.isoformat(),
                "decide_by": d.decide_by.isoformat() if d.decide_by else None,
                "note": d.note,
                # Checked files only; refused ones are gone, only their count is kept.
                "proofs": [
                    {
                        "key": p.key,
                        "content_type": p.content_type,
                        "size_bytes": p.size_bytes,
                        "received_at": p.received_at.isoformat(),
                    }
                    for p in d.proofs
                ],
                "proofs_refused": len(d.refused_proofs),
            }
            for d in dossier.disputes
        ],
        "timeline": [e.to_dict() for e in sorted(events, key=lambda e: e.at)],
        "actions": [a.value for a in actions_on(dossier, caller)],
        "role": caller.role.value,
    }


def _amounts(dossier: Dossier) -> dict[str, int]:
    return {
        "principal_open_cents": dossier.open_cents,
        "costs_charged_cents": dossier.charged_costs_cents,
        "costs_open_cents": dossier.open_costs_cents,
        "interest_charged_cents": dossier.charged_interest_cents,
        "interest_open_cents": dossier.open_interest_cents,
        "owed_cents": dossier.owed_cents,
        "paid_cents": dossier.paid_cents,
        "overpaid_cents": dossier.overpaid_cents,
    }


def _messages(dossier: Dossier, files: FileStore | None) -> list[dict[str, Any]]:
    messages = sorted(dossier.messages, key=lambda m: m.sent_at)
    shown = {id(m) for m in messages[-COPIES_SHOWN:]}
    out = []
    for m in messages:
        copy = None
        if files is not None and m.s3_key and m.s3_key.endswith(".txt") and id(m) in shown:
            try:
                with files.open(m.s3_key) as body:
                    copy = body.read(64_000).decode("utf-8", errors="replace")
            except FileNotFoundError:
                copy = None
        out.append(
            {
                "step": m.step,
                "channel": m.channel,
                "template": m.template,
                "sent_at": m.sent_at.isoformat(),
                "amount_cents": m.amount_cents,
                "confirmed": m.confirmed,
                # Why it did not go out (throttled, refused), and whether it was given up.
                "not_sent": m.not_sent,
                "failed": m.failed,
                "feedback": m.feedback,
                "copy_key": m.s3_key,
                "copy": copy,
            }
        )
    return out


def _arrangement(dossier: Dossier) -> dict[str, Any] | None:
    plan = dossier.arrangement
    if plan is None:
        return None
    return {
        "agreed_on": plan.agreed_on.isoformat(),
        "approved_by_client": plan.approved_by_client,
        "installments": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "amount_cents": i.amount_cents,
                "paid_cents": i.paid_cents,
                "missed": i.missed,
            }
            for i in plan.installments
        ],
    }
