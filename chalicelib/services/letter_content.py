"""What a posted letter says and whom it is from: the consumer's 14-day letter, the ordinary
reminder letter (the channel of last resort for a debtor with only a postal address) and the
business debtor's final demand, each laid out as a Dutch business letter (adapters/letters.py).

The template (`templates/letter/<lang>/<template>.txt`) writes the subject and the body from the
salutation to the signature; this module adds the letterhead from the client's settings, the
window-envelope address, the reference line, the payment block with its QR code and the footer.
Labels per language live in `templates/letter/labels.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from chalicelib.domain import legal
from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Dossier, FourteenDayLetter
from chalicelib.domain.money import format_eur
from chalicelib.services.message_content import (
    dossier_facts,
    history_facts,
    language_of,
    long_date,
)
from chalicelib.services.ports import Letter, Letterhead, PaymentInstructions
from chalicelib.services.templates import TEMPLATES_DIR, render_text

FOURTEEN_DAY_LETTER = "fourteen_day_letter"


@cache
def labels(language: str) -> dict[str, str]:
    table: dict[str, dict[str, str]] = json.loads(
        (TEMPLATES_DIR / "letter" / "labels.json").read_text("utf-8")
    )
    return table["en" if language == "en" else "nl"]


def letterhead(client: Client, language: str) -> Letterhead:
    return Letterhead(
        name=client.name,
        address_lines=tuple(line.strip() for line in client.postal_address.splitlines() if line.strip()),
        phone=client.phone or "",
        email=client.reply_to_email,
        kvk=client.kvk_number or "",
        iban=client.iban or "",
        labels=labels(language),
    )


def footer(head: Letterhead) -> str:
    """One line under every page: who sent it and how to reach and pay them."""
    parts = [head.name, *head.address_lines]
    if head.kvk:
        parts.append(f"{head.labels['kvk']} {head.kvk}")
    if head.iban:
        parts.append(f"{head.labels['iban']} {head.iban}")
    parts += [p for p in (head.phone, head.email) if p]
    return " · ".join(parts)


def postal_lines(dossier: Dossier, language: str = "nl") -> tuple[str, ...]:
    """The address as the window shows it; a business letter goes to its accounts department."""
    debtor = dossier.debtor
    attention = (
        labels(language)["for_the_attention_of_business"] if debtor.debtor_type is DebtorType.BUSINESS else ""
    )
    city_line = " ".join(part for part in (debtor.postcode, debtor.city) if part)
    return tuple(line for line in (debtor.name, attention, debtor.street, city_line) if line)


def dated(client: Client, day: date, language: str) -> str:
    """`Amsterdam, 3 maart 2026`: the place the client writes from, and the date."""
    return f"{client.place}, {long_date(day, language)}" if client.place else long_date(day, language)


@dataclass(frozen=True)
class LetterOccasion:
    """What makes this letter: its template, the step it belongs to and the day it is posted."""

    template: str
    step: int
    posted_on: date
    payment_url: str
    # The consumer's 14-day letter, when this is one (its term and announced costs).
    fourteen_day: FourteenDayLetter | None = None
    # A final demand's term in days from the posting date (a policy setting).
    term_days: int = 0
    # The debtor's own page (services/personal_links.py); empty when none was issued.
    page_url: str = ""


def letter_for(client: Client, dossier: Dossier, occasion: LetterOccasion) -> Letter:
    language = language_of(client, dossier)
    facts: dict[str, Any] = {
        **dossier_facts(client, dossier),
        **history_facts(dossier, occasion.posted_on, language, step=occasion.step),
        "payment_url": occasion.payment_url,
        "page_url": occasion.page_url,
    }
    if occasion.fourteen_day is not None:
        facts |= fourteen_day_facts(client, dossier, occasion.fourteen_day, language)
    if occasion.term_days:
        last_day = legal.final_demand_last_day(
            occasion.posted_on, occasion.term_days, receipt_offset_days=client.letter_receipt_offset_days
        )
        facts["final_term_last_day"] = long_date(last_day, language)
        facts["principal"] = format_eur(dossier.chased_cents)
    subject, body = render_text("letter", occasion.template, language, facts)
    _, payment_text = render_text("letter", "_payment", language, facts)
    head = letterhead(client, language)
    words = labels(language)
    return Letter(
        sender=head,
        recipient_lines=postal_lines(dossier, language),
        place_and_date=dated(client, occasion.posted_on, language),
        subject=subject,
        body=body,
        title=f"{client.name} - {dossier.debtor_id}",
        references=(
            (words["our_reference"], f"{dossier.debtor_id}-{occasion.step}"),
            (words["debtor_number"], dossier.debtor_id),
        ),
        payment=PaymentInstructions(text=payment_text, url=occasion.payment_url),
        footer=footer(head),
        page_label=words["page"],
    )


def fourteen_day_facts(
    client: Client, dossier: Dossier, letter: FourteenDayLetter, language: str
) -> dict[str, Any]:
    """The consumer's 14-day letter: the verbatim term wording (HR 25-11-2016), the exact cost
    amount with VAT if any (BW 6:96 lid 6), the claims summed (lid 7)."""
    claims = [dossier.invoices[n] for n in letter.invoices]
    vat_cents = (
        letter.costs_cents - legal.consumer_costs_cents([i.open_cents for i in claims])
        if client.costs_vat
        else 0
    )
    return {
        "term_wording": legal.FOURTEEN_DAY_TERM_WORDING["en" if language == "en" else "nl"],
        "letter_invoices": [
            {
                "number": i.number,
                "due_date": i.due_date.strftime("%d-%m-%Y"),
                "open": format_eur(i.open_cents),
            }
            for i in claims
        ],
        "letter_total": format_eur(letter.principal_cents),
        "letter_costs": format_eur(letter.costs_cents),
        "letter_vat": format_eur(vat_cents) if vat_cents else "",
    }


def fourteen_day_letter_for(
    client: Client,
    dossier: Dossier,
    letter: FourteenDayLetter,
    template: str,
    payment_url: str,
    page_url: str = "",
) -> Letter:
    return letter_for(
        client,
        dossier,
        LetterOccasion(
            template, letter.step, letter.posted_on, payment_url, fourteen_day=letter, page_url=page_url
        ),
    )


def plain_letter(
    client: Client, recipient_lines: tuple[str, ...], day: date, subject: str, body: str, language: str
) -> Letter:
    """A letter without a payment block (an arrangement's confirmation, a hand-over summary)."""
    head = letterhead(client, language)
    return Letter(
        sender=head,
        recipient_lines=recipient_lines,
        place_and_date=dated(client, day, language),
        subject=subject,
        body=body,
        title=subject,
        footer=footer(head),
        page_label=labels(language)["page"],
    )
