"""What a message says: the facts a template needs, taken from the dossier, in the reader's language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from email.utils import formataddr
from functools import cache
from importlib import resources
from typing import Any

from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Dispute, DisputeReason, Dossier, Invoice, SentMessage
from chalicelib.domain.money import format_eur
from chalicelib.domain.policies import AMSTERDAM
from chalicelib.domain.reversals import explanation
from chalicelib.services.ports import Attachment, Email, Sms, WhatsAppMessage
from chalicelib.services.templates import member_line, render_email, render_text, wording

MONTHS_NL = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def sender_address(display_name: str, address: str) -> str:
    """`"Voetbalclub De Zwaluwen" <noreply@...>`: the debtor sees the client's name."""
    return formataddr((display_name, address))


def long_date(day: date, language: str) -> str:
    """`3 maart 2026` / `3 March 2026`: how a letter is dated."""
    months = MONTHS_EN if language == "en" else MONTHS_NL
    return f"{day.day} {months[day.month - 1]} {day.year}"


def language_of(client: Client, dossier: Dossier) -> str:
    return dossier.debtor.language or client.language


def invoice_facts(invoices: Iterable[Invoice]) -> list[dict[str, str]]:
    return [
        {
            "number": i.number,
            "invoice_date": i.invoice_date.strftime("%d-%m-%Y") if i.invoice_date else "",
            "due_date": i.due_date.strftime("%d-%m-%Y"),
            "amount": format_eur(i.amount_cents),
            "open": format_eur(i.open_cents),
        }
        for i in sorted(invoices, key=lambda i: (i.due_date, i.number))
    ]


def dossier_facts(client: Client, dossier: Dossier) -> dict[str, Any]:
    """The facts every message gets. Disputed invoices are left out: they wait for an answer and
    are not asked for (DOMAIN.md §11). A club's messages speak of contributie and name the member
    (and team) the lidmaatschap is for."""
    language = language_of(client, dossier)
    return {
        "words": wording(language, club=client.club),
        "member_line": member_line(
            language,
            club=client.club,
            club_name=client.name,
            member=dossier.debtor.name,
            team=dossier.debtor.team,
        ),
        "reversal_lines": reversal_lines(dossier, language),
        "client_name": client.name,
        "debtor_name": dossier.debtor.name,
        "reference": dossier.debtor_id,
        "invoices": invoice_facts(dossier.chased_invoices),
        # Costs and interest show only once they are due on the dossier (BW 6:96, 6:119, 6:119a).
        "costs": format_eur(dossier.open_costs_cents) if dossier.open_costs_cents else "",
        "interest": format_eur(dossier.open_interest_cents) if dossier.open_interest_cents else "",
        "total": format_eur(dossier.due_cents),
        "reply_to": client.reply_to_email,
        "iban": client.iban or "",
        # Businesses are addressed as a company ("Geachte heer/mevrouw,"), consumers by name.
        "business": dossier.debtor.debtor_type is DebtorType.BUSINESS,
    }


# Channels that reach the debtor, as messages record them.
DEBTOR_CHANNELS = ("email", "sms", "letter", "whatsapp")


def kind_of_step(templates: Iterable[str]) -> str:
    """What a step that sent these templates was to the debtor, for "we sent you ..." wording."""
    names = set(templates)
    for template, kind in (
        ("final_demand", "final_demand"),
        ("fourteen_day_letter", "fourteen_day_letter"),
        ("precollection_notice", "precollection_notice"),
    ):
        if template in names:
            return kind
    return "reminder"


def history_facts(dossier: Dossier, today: date, language: str, *, step: int | None = None) -> dict[str, Any]:
    """What was really sent to the debtor before today's step (`step`, when a retry sends what
    did not go out of it), so a message says "second" only when it is, and counts the real days
    since the last one. A message given up never reached the debtor."""
    by_step: dict[int, list[SentMessage]] = {}
    for message in dossier.messages:
        if message.channel in DEBTOR_CHANNELS and message.step != step and not message.failed:
            by_step.setdefault(message.step, []).append(message)
    steps = sorted(by_step.values(), key=lambda sent: min(m.sent_at for m in sent))
    if not steps:
        return {
            "reminders_before": 0,
            "last_sent_on": "",
            "days_since_last": 0,
            "last_kind": "",
            "history": [],
        }
    days = [min(m.sent_at for m in sent).astimezone(AMSTERDAM).date() for sent in steps]
    return {
        "reminders_before": len(steps),
        "last_sent_on": long_date(days[-1], language),
        "days_since_last": (today - days[-1]).days,
        "last_kind": kind_of_step(m.template for m in steps[-1]),
        "history": [
            {
                "on": long_date(day, language),
                "kind": kind_of_step(m.template for m in sent),
                "channels": sorted({m.channel for m in sent}),
            }
            for day, sent in zip(days, steps, strict=True)
        ],
    }


def reversal_lines(dossier: Dossier, language: str) -> list[str]:
    """For each chased item that is a direct debit the member's bank reversed: what the bank did
    and why, in plain words (chalicelib/data/return_reasons.json)."""
    return [
        explanation(
            invoice.reversal_code,
            amount=format_eur(invoice.amount_cents),
            collected_on=long_date(invoice.due_date, language),
            reference=invoice.number,
            language=language,
        )
        for invoice in dossier.chased_invoices
        if invoice.reversal_code
    ]


def email_for_debtor(
    client: Client,
    dossier: Dossier,
    template: str,
    payment_url: str,
    *,
    attachments: tuple[Attachment, ...] = (),
    **extra: Any,
) -> Email:
    to = dossier.usable_email
    if to is None:
        raise ValueError("the debtor has no e-mail address that can be used")
    language = language_of(client, dossier)
    subject, text, html = render_email(
        template,
        language,
        {
            **dossier_facts(client, dossier),
            "payment_url": payment_url,
            "page_url": "",
            "letter_follows": False,
            "costs_reason": "",
            **extra,
        },
    )
    return Email(
        sender=sender_address(client.name, client.sender_email),
        reply_to=client.reply_to_email,
        to=to,
        subject=subject,
        text=text,
        html=html,
        tags={"client": client.client_id, "template": template},
        attachments=attachments,
    )


def email_for_client(
    client: Client, dossier: Dossier, template: str, decision_url: str, **extra: Any
) -> Email:
    subject, text, html = render_email(
        template,
        client.language,
        {
            **dossier_facts(client, dossier),
            # The client reads its own language, whatever the debtor's.
            "words": wording(client.language, club=client.club),
            "member_line": "",
            "decision_url": decision_url,
            "term_note": "",
            **extra,
        },
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


def term_note(client: Client, dossier: Dossier, today: date, language: str) -> str:
    """For a consumer's hand-over request: where the 14-day term stands, since collection costs may
    be charged only from the day after it ends (BW 6:96 lid 6)."""
    if dossier.debtor.debtor_type is not DebtorType.CONSUMER:
        return ""
    letter = dossier.fourteen_day_letter
    english = language == "en"
    if letter is None:
        return (
            "No 14-day letter was sent to this consumer, so no collection costs can be charged."
            if english
            else "Deze consument heeft geen veertiendagenbrief gekregen. Daarom mogen er geen incassokosten "
            "in rekening worden gebracht."
        )
    last_day, from_day = long_date(letter.last_day, language), long_date(letter.costs_due_from, language)
    if today < letter.costs_due_from:
        return (
            f"The term of the 14-day letter runs until {last_day}: collection costs may be charged only "
            f"from {from_day}."
            if english
            else f"De termijn van de veertiendagenbrief loopt tot en met {last_day}. Incassokosten mogen pas "
            f"vanaf {from_day} in rekening worden gebracht."
        )
    return (
        f"The term of the 14-day letter ended on {last_day}; collection costs are due since {from_day}."
        if english
        else f"De termijn van de veertiendagenbrief is op {last_day} verstreken; de incassokosten zijn "
        f"verschuldigd vanaf {from_day}."
    )


def sms_sender_id(name: str) -> str:
    """An alphanumeric SMS sender: letters and digits only, at most 11 characters."""
    return re.sub(r"[^A-Za-z0-9 ]", "", name).strip()[:11].strip() or "Debtflow"


def sms_for_debtor(
    client: Client, dossier: Dossier, template: str, payment_url: str, page_url: str = ""
) -> Sms:
    """Creditor name, reference and link only: an SMS shows on a lock screen, so no amounts
    (DOMAIN.md §8); the amounts are behind the link. With a personal page link, that link
    replaces the payment link: the page shows the amounts and pays."""
    if not dossier.debtor.mobile_e164:
        raise ValueError("the debtor has no mobile number")
    _, text = render_text(
        "sms",
        template,
        language_of(client, dossier),
        {
            "client_name": client.name,
            "reference": dossier.debtor_id,
            "payment_url": page_url or payment_url,
            "words": wording(language_of(client, dossier), club=client.club),
        },
    )
    return Sms(
        to=dossier.debtor.mobile_e164,
        text=text,
        sender_id=sms_sender_id(client.name),
        tags={"client": client.client_id, "template": template},
    )


@cache
def whatsapp_settings() -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(
        resources.files("chalicelib.data").joinpath("whatsapp.json").read_text("utf-8")
    )
    return settings


def whatsapp_for_debtor(client: Client, dossier: Dossier, template: str, payment_url: str) -> WhatsAppMessage:
    """The approved WhatsApp template with creditor, reference and link, like an SMS: no amounts
    (DOMAIN.md §8). Only for a debtor who agreed to WhatsApp."""
    if not (dossier.debtor.mobile_e164 and dossier.debtor.whatsapp_consent):
        raise ValueError("the debtor has no mobile number with WhatsApp consent")
    language = "en" if language_of(client, dossier) == "en" else "nl"
    return WhatsAppMessage(
        to=dossier.debtor.mobile_e164,
        template=whatsapp_settings()["templates"][template][language],
        language=language,
        parameters=(client.name, dossier.debtor_id, payment_url),
        tags={"client": client.client_id, "template": template},
    )


# What the debtor said, in the words a message uses.
REASON_TEXT = {
    "nl": {
        DisputeReason.ALREADY_PAID: "de factuur is al betaald",
        DisputeReason.NEVER_RECEIVED: "de factuur is nooit ontvangen",
        DisputeReason.AMOUNT_WRONG: "het bedrag klopt niet",
        DisputeReason.NOT_DELIVERED: "het product of de dienst is niet geleverd",
        DisputeReason.OTHER: "een andere reden",
    },
    "en": {
        DisputeReason.ALREADY_PAID: "the invoice has already been paid",
        DisputeReason.NEVER_RECEIVED: "the invoice never arrived",
        DisputeReason.AMOUNT_WRONG: "the amount is wrong",
        DisputeReason.NOT_DELIVERED: "the product or service was not delivered",
        DisputeReason.OTHER: "another reason",
    },
}


def dispute_facts(dossier: Dossier, dispute: Dispute, language: str) -> dict[str, Any]:
    """What a message about `dispute` says, in `language`."""
    decide_by = dispute.decide_by
    return {
        "disputed_invoices": invoice_facts(dossier.invoices[n] for n in dispute.invoices),
        "reason_text": REASON_TEXT["en" if language == "en" else "nl"][dispute.reason],
        "note": dispute.note,
        "decide_by": long_date(decide_by.astimezone(AMSTERDAM).date(), language) if decide_by else "",
        "still_chased": bool(dossier.chased_invoices),
    }


def household_email(client: Client, members: list[Dossier], template: str, payment_url: str) -> Email:
    """One e-mail to the payer of a household: each member (and team) with their chased items,
    one total and one payment link. The payer is named on the club's list; the address is the
    payer's, else the first member's own."""
    first = members[0].debtor
    to = first.payer_email or next((m.usable_email for m in members if m.usable_email), None)
    if to is None:
        raise ValueError("the household's payer has no e-mail address that can be used")
    language = language_of(client, members[0])
    words = wording(language, club=client.club)
    names = [m.debtor.name for m in members]
    member_names = (
        names[0]
        if len(names) == 1
        else ", ".join(names[:-1]) + (" en " if language != "en" else " and ") + names[-1]
    )
    facts = {
        "words": words,
        "client_name": client.name,
        "payer_name": first.payer or (first.name if not first.payer_email else first.payer_email),
        "member_names": member_names,
        "members": [
            {
                "line": m.debtor.name
                + (words["team"].format(team=m.debtor.team) if m.debtor.team and words["team"] else ""),
                "invoices": invoice_facts(m.chased_invoices),
                "charges": format_eur(m.open_costs_cents + m.open_interest_cents)
                if m.open_costs_cents + m.open_interest_cents
                else "",
                "reversal_lines": reversal_lines(m, language),
            }
            for m in members
        ],
        "total": format_eur(sum(m.due_cents for m in members)),
        "payment_url": payment_url,
        "references": ", ".join(m.debtor_id for m in members),
    }
    subject, text, html = render_email(template, language, facts)
    return Email(
        sender=sender_address(client.name, client.sender_email),
        reply_to=client.reply_to_email,
        to=to,
        subject=subject,
        text=text,
        html=html,
        tags={"client": client.client_id, "template": template},
    )
