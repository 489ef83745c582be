"""What dunning may charge and when: collection costs that are due on a given day.

Pure rules over a dossier; the legal arithmetic itself lives in `legal.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.domain import legal
from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Dossier, FourteenDayLetter, Invoice


@dataclass(frozen=True)
class CostsDue:
    cents: int
    reason: str


def invoices_in_default(dossier: Dossier, today: date) -> list[Invoice]:
    """Open invoices past their due date, oldest first. A 14-day letter may cover only these:
    never an invoice that is not yet due (DOMAIN.md §4)."""
    return sorted(
        (i for i in dossier.invoices.values() if i.open_cents > 0 and i.due_date < today),
        key=lambda i: (i.due_date, i.number),
    )


def fourteen_day_letter(
    dossier: Dossier, client: Client, posted_on: date, step: int
) -> FourteenDayLetter | None:
    """The letter a consumer would get if posted on `posted_on`: the claims in default go in one
    letter and their principals are summed (BW 6:96 lid 7); the term and the costs date follow
    from the posting date (BW 6:96 lid 6). None when nothing is in default yet."""
    claims = invoices_in_default(dossier, posted_on)
    if not claims:
        return None
    principal = sum(i.open_cents for i in claims)
    term = legal.fourteen_day_term(posted_on, receipt_offset_days=client.letter_receipt_offset_days)
    return FourteenDayLetter(
        posted_on=posted_on,
        presumed_receipt=term.presumed_receipt,
        last_day=term.last_day,
        costs_due_from=term.costs_due_from,
        principal_cents=principal,
        costs_cents=legal.consumer_costs_cents([i.open_cents for i in claims], vat=client.costs_vat),
        invoices=tuple(i.number for i in claims),
        step=step,
    )


def costs_due(dossier: Dossier, client: Client, today: date) -> CostsDue:
    """Collection costs that may be on the dossier on `today`.

    Consumer: only after a correct 14-day letter, from the day after its term, and at most the
    amount it announced; a partial payment within the term lowers them to the scale over what
    is left of the letter's claims (BW 6:96 lid 6, DOMAIN.md §4). Business: the EUR 40 per late
    invoice of BW 6:96 lid 4 when the client chose to charge it, due the day after the due date
    without any reminder.
    """
    if dossier.debtor.debtor_type is DebtorType.CONSUMER:
        letter = dossier.fourteen_day_letter
        if letter is None or today < letter.costs_due_from:
            return CostsDue(0, "no costs before the 14-day term has ended")
        left = [
            dossier.invoices[n].open_cents
            for n in letter.invoices
            if n in dossier.invoices and dossier.invoices[n].open_cents > 0
        ]
        if not left:
            return CostsDue(0, "the claims of the 14-day letter were paid")
        cents = min(letter.costs_cents, legal.consumer_costs_cents(left, vat=client.costs_vat))
        return CostsDue(
            cents, f"BW 6:96 lid 6: the term of the 14-day letter posted {letter.posted_on} has ended"
        )
    if not client.business_minimum_costs:
        return CostsDue(0, "the client does not charge costs to businesses")
    late = invoices_in_default(dossier, today)
    cents = legal.business_minimum_costs_cents(len(late))
    if client.costs_vat:
        cents += legal.vat_on_costs_cents(cents)
    return CostsDue(cents, f"BW 6:96 lid 4: EUR 40 per late invoice, {len(late)} late")
