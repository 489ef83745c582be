"""What the debtor can do on their own page: pay, propose a plan, dispute, ask for a fresh link.

Each answer goes through the same use cases as the client's and the call team's: a plan inside
the client's rules is agreed at once (services/arrangements.py, confirmed in writing by the next
action), outside them it goes to the client as a request; a dispute is filed as any other
(services/disputes.py). Nothing here decides money or status itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.arrangements import ArrangementRefused
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import DisputeReason, Dossier, SentMessage, Status
from chalicelib.domain.errors import DossierNotFound, InvalidRequest, UnknownClient
from chalicelib.domain.money import format_eur
from chalicelib.domain.personal_links import looks_like_token, token_digest
from chalicelib.services.arrangements import ArrangementRequest, create_arrangement
from chalicelib.services.disputes import DisputeRequest, file_dispute
from chalicelib.services.dossier_actions import ActionDeps, confirm, decision_url
from chalicelib.services.message_content import email_for_client, email_for_debtor
from chalicelib.services.payments import payment_link_for
from chalicelib.services.personal_links import issue_personal_link

ACTOR = "debtor"
REQUEST_TEMPLATE = "arrangement_request"
FRESH_LINK_TEMPLATE = "personal_link"
MAX_INSTALLMENTS_ASKED = 60


def _client(deps: ActionDeps, client_id: str) -> Client:
    client = deps.clients.get(client_id)
    if client is None:
        raise UnknownClient(client_id)
    return client


def _dossier(deps: ActionDeps, client_id: str, debtor_id: str) -> Dossier:
    dossier = deps.dossiers.get(client_id, debtor_id)
    if dossier is None:
        raise DossierNotFound(client_id, debtor_id)
    return dossier


def checkout_for(
    client_id: str,
    debtor_id: str,
    invoice: str | None,
    now: datetime,
    deps: ActionDeps,
    *,
    return_url: str,
) -> str:
    """A Mollie payment link for everything due now, or for one chased invoice; Mollie sends the
    debtor back to their page. The money goes to the client's own account, as with every link."""
    client = _client(deps, client_id)

    def issue(dossier: Dossier) -> str:
        if invoice:
            chased = {i.number: i for i in dossier.chased_invoices}
            if invoice not in chased:
                raise InvalidRequest("this invoice cannot be paid here")
            amount = chased[invoice].open_cents
        else:
            amount = dossier.due_cents
        if amount <= 0:
            raise InvalidRequest("nothing is due")
        link = payment_link_for(
            client,
            dossier,
            dossier.step,
            now,
            gateway=deps.payments,
            links=deps.links,
            public_api_url=deps.public_api_url,
            amount_cents=amount,
            actor=ACTOR,
            redirect_url=return_url,
            invoice=invoice or None,
        )
        return link.checkout_url

    return deps.uow.change(client_id, debtor_id, issue)


def checkout_for_installment(
    client_id: str, debtor_id: str, number: int, now: datetime, deps: ActionDeps, *, return_url: str
) -> str:
    """A Mollie payment link for what is still open of one installment of the agreed plan; the
    webhook credits it to that installment, as a link from the installment's e-mail would be."""
    client = _client(deps, client_id)

    def issue(dossier: Dossier) -> str:
        plan = dossier.arrangement if dossier.status is Status.IN_ARRANGEMENT else None
        item = next((i for i in (plan.installments if plan else ()) if i.number == number), None)
        if item is None or item.open_cents <= 0:
            raise InvalidRequest("this installment cannot be paid here")
        link = payment_link_for(
            client,
            dossier,
            dossier.step,
            now,
            gateway=deps.payments,
            links=deps.links,
            public_api_url=deps.public_api_url,
            amount_cents=item.open_cents,
            installment=item.number,
            actor=ACTOR,
            redirect_url=return_url,
        )
        return link.checkout_url

    return deps.uow.change(client_id, debtor_id, issue)


class Proposal(StrEnum):
    AGREED = "agreed"
    SENT_TO_CLIENT = "sent_to_client"


@dataclass(frozen=True)
class PlanProposal:
    installments: int | None = None
    monthly_cents: int | None = None

    def count(self, due_cents: int) -> int:
        if self.installments is not None:
            return self.installments
        if not self.monthly_cents or self.monthly_cents <= 0:
            raise InvalidRequest("choose a number of installments or a monthly amount")
        return -(-due_cents // self.monthly_cents)


def propose_arrangement(
    client_id: str, debtor_id: str, proposal: PlanProposal, now: datetime, deps: ActionDeps
) -> Proposal:
    """Inside the client's rules the plan is agreed at once; outside them (more installments,
    smaller ones, a larger amount than the client allows without looking) the client gets the
    proposal as a request and decides."""
    client = _client(deps, client_id)
    dossier = _dossier(deps, client_id, debtor_id)
    count = proposal.count(dossier.due_cents)
    if dossier.due_cents <= 0 or count < 2 or count > MAX_INSTALLMENTS_ASKED:
        raise InvalidRequest("a plan has at least 2 installments")
    try:
        create_arrangement(
            client_id, debtor_id, ArrangementRequest(installments=count), now, deps, actor=ACTOR
        )
    except ArrangementRefused as refused:
        _ask_client(client, dossier, count, str(refused), now, deps)
        return Proposal.SENT_TO_CLIENT
    return Proposal.AGREED


def _ask_client(
    client: Client, dossier: Dossier, count: int, rule: str, now: datetime, deps: ActionDeps
) -> None:
    """The client decides on a plan outside its rules; the request is recorded on the dossier
    before it is sent, like every message."""
    monthly = -(-dossier.due_cents // count)
    email = email_for_client(
        client,
        dossier,
        REQUEST_TEMPLATE,
        decision_url(deps, client.client_id, dossier.debtor_id),
        installments_asked=count,
        monthly=format_eur(monthly),
        rule=rule,
    )
    key = f"sent/{client.client_id}/{dossier.debtor_id}/{now:%Y%m%dT%H%M%S}-{REQUEST_TEMPLATE}.txt"

    def claim(fresh: Dossier) -> int:
        fresh.record_message(
            SentMessage(fresh.step, "email-client", REQUEST_TEMPLATE, now, fresh.due_cents, None, s3_key=key),
            actor=ACTOR,
        )
        return fresh.step

    step = deps.uow.change(client.client_id, dossier.debtor_id, claim)
    deps.plan_requests.add(client.client_id, dossier.debtor_id, now)
    deps.files.put(key, f"To: {email.to}\nSubject: {email.subject}\n\n{email.text}".encode(), "text/plain")
    message_id = deps.mailer.send(email)
    confirm(
        deps, client.client_id, dossier.debtor_id, step, [("email-client", REQUEST_TEMPLATE, message_id)], now
    )


def dispute_invoices(
    client_id: str,
    debtor_id: str,
    invoices: tuple[str, ...],
    reason: str,
    note: str,
    now: datetime,
    deps: ActionDeps,
) -> None:
    if not invoices:
        raise InvalidRequest("choose at least one invoice")
    try:
        why = DisputeReason(reason)
    except ValueError as error:
        raise InvalidRequest("choose a reason") from error
    if len(note) > 1000:
        raise InvalidRequest("the note is too long")
    file_dispute(client_id, debtor_id, DisputeRequest(invoices, why, note), now, deps, actor=ACTOR)


def send_fresh_link(client_id: str, old_token: str, address: str, now: datetime, deps: ActionDeps) -> bool:
    """An expired link's owner asks for a new one: it goes only to the e-mail address on file,
    and only when the address given is that one. The visitor gets the same answer either way;
    True here only tells the caller (and its tests) whether a message went out."""
    if not looks_like_token(old_token):
        return False
    link = deps.personal_links.find(token_digest(old_token))
    if link is None or link.revoked or link.client_id != client_id:
        return False
    client = deps.clients.get(client_id)
    dossier = deps.dossiers.get(client_id, link.debtor_id)
    if client is None or dossier is None or not dossier.is_active:
        return False
    on_file = dossier.usable_email
    if on_file is None or on_file.strip().lower() != address.strip().lower():
        return False
    page_url = issue_personal_link(dossier, now, deps.personal_links, deps.public_api_url)
    deps.mailer.send(email_for_debtor(client, dossier, FRESH_LINK_TEMPLATE, "", page_url=page_url))
    return True
