"""What a message says: the facts a template needs, taken from the dossier, in the reader's language."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.ses_mailer import sender_address
from chalicelib.adapters.templates import render_email
from chalicelib.domain.clients import Client
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.money import format_eur
from chalicelib.services.ports import Email


def dossier_facts(client: Client, dossier: Dossier) -> dict[str, Any]:
    open_invoices = sorted(
        (i for i in dossier.invoices.values() if i.is_open), key=lambda i: (i.due_date, i.number)
    )
    return {
        "client_name": client.name,
        "debtor_name": dossier.debtor.name,
        "reference": dossier.debtor_id,
        "invoices": [
            {
                "number": i.number,
                "due_date": i.due_date.strftime("%d-%m-%Y"),
                "open": format_eur(i.open_cents),
            }
            for i in open_invoices
        ],
        "total": format_eur(dossier.open_cents),
    }


def email_for_debtor(client: Client, dossier: Dossier, template: str, payment_url: str) -> Email:
    if not dossier.debtor.email:
        raise ValueError("the debtor has no e-mail address")
    language = dossier.debtor.language or client.language
    subject, text, html = render_email(
        template, language, {**dossier_facts(client, dossier), "payment_url": payment_url}
    )
    return Email(
        sender=sender_address(client.name, client.sender_email),
        reply_to=client.reply_to_email,
        to=dossier.debtor.email,
        subject=subject,
        text=text,
        html=html,
        tags={"client": client.client_id, "template": template},
    )


def email_for_client(client: Client, dossier: Dossier, template: str, decision_url: str) -> Email:
    subject, text, html = render_email(
        template, client.language, {**dossier_facts(client, dossier), "decision_url": decision_url}
    )
    return Email(
        sender=sender_address("Debtflow", client.sender_email),
        reply_to=client.reply_to_email,
        to=client.reply_to_email,
        subject=subject,
        text=text,
        html=html,
        tags={"client": client.client_id, "template": template},
    )
