"""Disputes: a debtor objects to some invoices; the rest of the file goes on (DOMAIN.md §11).

Filing: the disputed invoices drop out of what is chased. "Already paid" is checked against our
payments and the client's paid lists; "never received" sends a copy (the client's own PDF from
`invoices/<client>/<number>.pdf` when it is there, else the e-mail itself is the statement) and
restarts that invoice's term; anything else goes to the client, who is reminded until it decides.
Deciding: the client upholds (the invoices are chased again) or credits (they close).

The same use cases serve the call team's outcome, the operator routes, the CLI and, later, the
debtor's own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import dunning, schedule
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Dispute, DisputeReason, DisputeState, Dossier, SentMessage
from chalicelib.domain.errors import InvalidRequest, UnknownClient
from chalicelib.domain.money import format_eur
from chalicelib.services.dossier_actions import (
    ActionDeps,
    confirm,
    decision_url,
    policy_for,
    remember_email,
)
from chalicelib.services.message_content import (
    dispute_facts,
    email_for_client,
    email_for_debtor,
    language_of,
    long_date,
)
from chalicelib.services.payments import payment_link_for
from chalicelib.services.personal_links import issue_personal_link
from chalicelib.services.ports import Attachment, Email
from chalicelib.services.request_bodies import json_object

MAX_NOTE = 1000
MAX_INVOICES = 100
DEBTOR_TEMPLATE = {
    DisputeState.WITH_CLIENT: "dispute_received",
    DisputeState.COPY_SENT: "invoice_copy",
    DisputeState.CONFIRMED_PAID: "dispute_confirmed_paid",
}
CLIENT_TEMPLATE = "dispute_for_client"


def _invoice_numbers(body: dict[str, Any]) -> tuple[str, ...]:
    invoices = body.get("invoices")
    if (
        not isinstance(invoices, list)
        or not invoices
        or len(invoices) > MAX_INVOICES
        or not all(isinstance(n, str) and 0 < len(n) <= 100 for n in invoices)
    ):
        raise InvalidRequest('"invoices" must be a list of invoice numbers, e.g. ["2026-0101"]')
    return tuple(invoices)


def _note(body: dict[str, Any]) -> str:
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise InvalidRequest(f'"note" must be text of at most {MAX_NOTE} characters')
    return note


@dataclass(frozen=True)
class DisputeRequest:
    invoices: tuple[str, ...]
    reason: DisputeReason
    note: str = ""

    @classmethod
    def from_json(cls, body: Any) -> DisputeRequest:
        body = json_object(
            body, ("invoices", "reason", "note"), '{"invoices": ["2026-0101"], "reason": "amount_wrong"}'
        )
        try:
            reason = DisputeReason(str(body.get("reason")))
        except ValueError as error:
            choices = ", ".join(r.value for r in DisputeReason)
            raise InvalidRequest(f'"reason" must be one of: {choices}') from error
        return cls(_invoice_numbers(body), reason, _note(body))


@dataclass(frozen=True)
class DisputeDecision:
    invoices: tuple[str, ...]
    credit: bool
    note: str = ""

    @classmethod
    def from_json(cls, body: Any) -> DisputeDecision:
        body = json_object(
            body, ("invoices", "decision", "note"), '{"invoices": ["2026-0101"], "decision": "uphold"}'
        )
        decision = body.get("decision")
        if decision not in ("uphold", "credit"):
            raise InvalidRequest(
                '"decision" must be "uphold" (chase the invoices again) or "credit" (close them)'
            )
        return cls(_invoice_numbers(body), decision == "credit", _note(body))


def file_dispute(
    client_id: str, debtor_id: str, request: DisputeRequest, now: datetime, deps: ActionDeps, *, actor: str
) -> Dispute:
    client = _client(deps, client_id)
    then = schedule.planner(client, policy_for(client), now)
    today = schedule.local_day(now)
    dispute = deps.uow.change(
        client_id,
        debtor_id,
        lambda dossier: dossier.file_dispute(
            request.invoices,
            request.reason,
            then,
            at=now,
            actor=actor,
            note=request.note,
            decide_by=schedule.morning(today + timedelta(days=client.decision_days)),
            copy_term_ends=schedule.morning(today + timedelta(days=client.invoice_copy_term_days)),
        ),
    )
    _tell(client, debtor_id, dispute, now, deps)
    return dispute


def decide_dispute(
    client_id: str, debtor_id: str, decision: DisputeDecision, now: datetime, deps: ActionDeps, *, actor: str
) -> tuple[Dispute, ...]:
    client = _client(deps, client_id)
    then = schedule.planner(client, policy_for(client), now)
    today = schedule.local_day(now)

    def charges(dossier: Dossier) -> tuple[int, int]:
        return dunning.costs_due(dossier, client, today).cents, dunning.interest_due(
            dossier, client, today
        ).cents

    return deps.uow.change(
        client_id,
        debtor_id,
        lambda dossier: dossier.decide_dispute(
            decision.invoices,
            decision.credit,
            then,
            at=now,
            actor=actor,
            note=decision.note,
            charges_after_credit=charges,
        ),
    )


def _client(deps: ActionDeps, client_id: str) -> Client:
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    return client


def _tell(client: Client, debtor_id: str, dispute: Dispute, now: datetime, deps: ActionDeps) -> None:
    """After the dispute is saved: the debtor hears what happens to it, and the client is asked
    when the decision is theirs. Each message is recorded before it is sent, then confirmed."""
    dossier = _with_link_for_what_is_chased(client, debtor_id, dispute, now, deps)
    outgoing: list[tuple[str, str, Email]] = []
    language = language_of(client, dossier)
    if dossier.usable_email is not None and dispute.state in DEBTOR_TEMPLATE:
        template = DEBTOR_TEMPLATE[dispute.state]
        facts = dispute_facts(dossier, dispute, language)
        attachments: tuple[Attachment, ...] = ()
        if dispute.state is DisputeState.COPY_SENT:
            attachments = _invoice_pdfs(client, dispute, deps)
            facts |= {
                "copy_invoices": facts["disputed_invoices"],
                "new_due_date": long_date(schedule.local_day(dispute.resume_at or now), language),
                "attached": bool(attachments),
                "total": format_eur(sum(dossier.invoices[n].open_cents for n in dispute.invoices)),
            }
        link = dossier.payment_link
        email = email_for_debtor(
            client,
            dossier,
            template,
            link.checkout_url if link else "",
            attachments=attachments,
            # Where the debtor follows the dispute (and sends a proof for "already paid").
            page_url=issue_personal_link(dossier, now, deps.personal_links, deps.public_api_url),
            **facts,
        )
        outgoing.append(("email", template, email))
    if dispute.state is DisputeState.WITH_CLIENT:
        email = email_for_client(
            client,
            dossier,
            CLIENT_TEMPLATE,
            decision_url(deps, client.client_id, debtor_id),
            **dispute_facts(dossier, dispute, client.language),
        )
        outgoing.append(("email-client", CLIENT_TEMPLATE, email))
    if not outgoing:
        return

    def claim(fresh: Dossier) -> None:
        for channel, template, _ in outgoing:
            key = f"sent/{client.client_id}/{debtor_id}/{dispute.dispute_id}-{template}.txt"
            fresh.record_message(
                SentMessage(fresh.step, channel, template, now, fresh.due_cents, None, s3_key=key),
                actor="disputes",
            )

    deps.uow.change(client.client_id, debtor_id, claim)
    confirmed: list[tuple[str, str, str]] = []
    for channel, template, email in outgoing:
        key = f"sent/{client.client_id}/{debtor_id}/{dispute.dispute_id}-{template}.txt"
        deps.files.put(
            key, f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}".encode(), "text/plain"
        )
        message_id = deps.mailer.send(email)
        if channel == "email":
            remember_email(deps, dossier, dossier.step, channel, message_id, now)
        confirmed.append((channel, template, message_id))
    confirm(deps, client.client_id, debtor_id, dossier.step, confirmed, now)


def _with_link_for_what_is_chased(
    client: Client, debtor_id: str, dispute: Dispute, now: datetime, deps: ActionDeps
) -> Dossier:
    """The dispute changed what is due, which retired the old link: the debtor's answer carries a
    link for the invoices still chased (Mollie hands back the same link for the same key)."""

    def issue(dossier: Dossier) -> None:
        if dossier.usable_email is not None and dispute.state in DEBTOR_TEMPLATE and dossier.due_cents > 0:
            payment_link_for(
                client,
                dossier,
                dossier.step,
                now,
                gateway=deps.payments,
                links=deps.links,
                public_api_url=deps.public_api_url,
                actor="disputes",
            )

    deps.uow.change(client.client_id, debtor_id, issue)
    dossier = deps.dossiers.get(client.client_id, debtor_id)
    assert dossier is not None
    return dossier


def _invoice_pdfs(client: Client, dispute: Dispute, deps: ActionDeps) -> tuple[Attachment, ...]:
    """The client's own invoice PDFs, where it put them in the bucket."""
    found = []
    for number in dispute.invoices:
        key = f"invoices/{client.client_id}/{number}.pdf"
        try:
            with deps.files.open(key) as pdf:
                found.append(Attachment(f"{number}.pdf", "application/pdf", pdf.read()))
        except FileNotFoundError:
            continue
    return tuple(found)
