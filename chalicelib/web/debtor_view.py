"""What the debtor's page shows, taken from the dossier and the client: plain values for the
template, dates and amounts already written as a Dutch or English reader expects them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.call_backs import CallBackSlot
from chalicelib.domain.clients import Client
from chalicelib.domain.contact_window import ContactWindow
from chalicelib.domain.dossier import DisputeReason, Dossier, Invoice, Status, Trigger
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.services.dispute_proofs import ProofForm
from chalicelib.services.message_content import long_date

REASONS = tuple(r.value for r in DisputeReason)


@dataclass(frozen=True)
class Creditor:
    name: str
    email: str
    address: tuple[str, ...]


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    due_date: str
    open: str


@dataclass(frozen=True)
class InstallmentLine:
    number: int
    due_date: str
    amount: str
    paid: bool
    # Still something open of it: the page shows a button to pay it.
    payable: bool = False


@dataclass(frozen=True)
class ProofRequest:
    """An "already paid" dispute waiting for the client: what proof came in, and the forms."""

    dispute_id: str
    invoices: str
    received: int
    refused: int
    forms: tuple[ProofForm, ...]


@dataclass(frozen=True)
class CallBackView:
    """The call-back form (times to choose) or, once asked, when the call comes."""

    planned: str
    choices: tuple[tuple[str, str], ...]
    window_start: str
    window_end: str


@dataclass(frozen=True)
class DebtorView:
    reference: str
    invoices: tuple[InvoiceLine, ...]
    disputed: tuple[InvoiceLine, ...]
    costs: str
    interest: str
    total: str
    nothing_due: bool
    next_text: str
    may_plan: bool
    plan_choices: tuple[int, ...]
    installments: tuple[InstallmentLine, ...]
    proof_requests: tuple[ProofRequest, ...] = ()
    call_back: CallBackView | None = None


def creditor_of(client: Client) -> Creditor:
    return Creditor(
        client.name, client.reply_to_email, tuple(line for line in client.postal_address.splitlines() if line)
    )


def _line(invoice: Invoice, lang: str) -> InvoiceLine:
    return InvoiceLine(invoice.number, long_date(invoice.due_date, lang), format_eur(invoice.open_cents))


def _next_text(client: Client, dossier: Dossier, texts: dict[str, str], lang: str) -> str:
    if dossier.due_cents <= 0 and not dossier.open_disputes:
        return texts["next_none"]
    if dossier.status is Status.IN_ARRANGEMENT:
        return texts["next_arrangement"]
    if dossier.status is Status.AWAITING_HANDOVER_DECISION:
        return texts["next_decision"].format(client=client.name)
    if dossier.status is Status.PAUSED:
        return texts["next_paused"]
    if dossier.status is Status.DISPUTED:
        return texts["next_disputed"].format(client=client.name)
    if dossier.next_action_at is not None:
        day = dossier.next_action_at.astimezone(AMSTERDAM).date()
        return texts["next_reminder"].format(date=long_date(day, lang))
    return texts["next_none"]


def _proof_requests(dossier: Dossier, forms: tuple[ProofForm, ...]) -> tuple[ProofRequest, ...]:
    return tuple(
        ProofRequest(
            d.dispute_id,
            ", ".join(d.invoices),
            len(d.proofs),
            len(d.refused_proofs),
            tuple(f for f in forms if f.dispute_id == d.dispute_id),
        )
        for d in dossier.disputes
        if d.takes_proof
    )


def _moment(at: datetime, end: datetime, window: ContactWindow, texts: dict[str, str], lang: str) -> str:
    start, stop = at.astimezone(window.zone), end.astimezone(window.zone)
    weekday = texts["weekday_names"].split(",")[start.weekday()]
    return texts["callback_slot_label"].format(
        day=f"{weekday} {long_date(start.date(), lang)}", start=f"{start:%H:%M}", end=f"{stop:%H:%M}"
    )


def call_back_view(
    dossier: Dossier, slots: tuple[CallBackSlot, ...], window: ContactWindow, texts: dict[str, str], lang: str
) -> CallBackView | None:
    """Only for a file still open and a debtor whose phone number the client gave."""
    if not dossier.is_active or dossier.debtor.phone_e164 is None:
        return None
    planned = dossier.open_call_backs
    when = ""
    if planned:
        task = planned[-1]
        assert task.call_until is not None
        when = _moment(task.call_from, task.call_until, window, texts, lang)
    return CallBackView(
        planned=when,
        choices=tuple((s.value, _moment(s.start, s.end, window, texts, lang)) for s in slots),
        window_start=f"{window.start:%H:%M}",
        window_end=f"{window.end:%H:%M}",
    )


def debtor_view(
    client: Client,
    dossier: Dossier,
    texts: dict[str, str],
    lang: str,
    proof_forms: tuple[ProofForm, ...] = (),
    call_back: CallBackView | None = None,
) -> DebtorView:
    rules = client.arrangement_rules
    due = dossier.due_cents
    # Choices up to what the client allows without looking; a larger number is still a request.
    most = max(rules.max_installments, 2)
    arrangement = dossier.arrangement if dossier.status is Status.IN_ARRANGEMENT else None
    return DebtorView(
        reference=dossier.debtor_id,
        invoices=tuple(_line(i, lang) for i in dossier.chased_invoices),
        disputed=tuple(
            _line(dossier.invoices[n], lang)
            for n in sorted(dossier.disputed_invoice_numbers)
            if n in dossier.invoices
        ),
        costs=format_eur(dossier.open_costs_cents) if dossier.open_costs_cents else "",
        interest=format_eur(dossier.open_interest_cents) if dossier.open_interest_cents else "",
        total=format_eur(due),
        nothing_due=due <= 0,
        next_text=_next_text(client, dossier, texts, lang),
        may_plan=due > 0 and dossier.may(Trigger.ARRANGEMENT_AGREED),
        plan_choices=tuple(range(2, most + 1)),
        installments=tuple(
            InstallmentLine(
                i.number,
                long_date(i.due_date, lang),
                format_eur(i.open_cents if i.open_cents else i.amount_cents),
                i.is_paid,
                payable=i.open_cents > 0,
            )
            for i in (arrangement.installments if arrangement else ())
        ),
        proof_requests=_proof_requests(dossier, proof_forms),
        call_back=call_back,
    )
