"""What dunning may charge and when: collection costs and statutory interest due on a given day.

Pure rules over a dossier and the client's settings; `today` comes in as an argument and the legal
arithmetic itself lives in `legal.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from chalicelib.domain import legal
from chalicelib.domain.clients import BusinessCosts, Client
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Dossier, FourteenDayLetter, Invoice


@dataclass(frozen=True)
class CostsDue:
    cents: int
    reason: str


@dataclass(frozen=True)
class InterestDue:
    cents: int
    reason: str


def invoices_in_default(dossier: Dossier, today: date) -> list[Invoice]:
    """Open invoices past their due date, oldest first, leaving out disputed ones (they are not
    chased until the dispute is answered; interest on them catches up then, since interest is
    computed in all). A 14-day letter may cover only these: never an invoice that is not yet due
    (DOMAIN.md §4)."""
    return [i for i in dossier.chased_invoices if i.due_date < today]


@dataclass(frozen=True)
class _ConsumerCosts:
    cents: int
    capped: bool  # the [open] cap for small recurring claims lowered the amount


def _consumer_costs(
    principals_cents: Sequence[int], client: Client, on: date, charged_in_window_cents: int
) -> _ConsumerCosts:
    """Costs over a consumer's claims in one letter: the scale over their summed principal (BW
    6:96 lid 7). For a club, each claim below the [open] small-recurring-claims threshold costs at
    most what the cap leaves this member in the six months up to `on`; the letter's costs are the
    lower of the two. `charged_in_window_cents` excludes VAT: the cap is on the costs before VAT."""
    costs = legal.consumer_costs_cents(principals_cents, vat=client.costs_vat)
    rule = legal.cost_scale().small_recurring_claims
    if not client.club or not any(rule.applies(p, on) for p in principals_cents):
        return _ConsumerCosts(costs, capped=False)
    charged = charged_in_window_cents
    per_claim = 0
    for principal in principals_cents:
        claim_costs = legal.capped_small_claim_costs_cents(principal, on=on, charged_in_window_cents=charged)
        if rule.applies(principal, on):
            charged += claim_costs
        per_claim += claim_costs
    if client.costs_vat:
        per_claim += legal.vat_on_costs_cents(per_claim)
    return _ConsumerCosts(min(costs, per_claim), capped=per_claim < costs)


def charged_in_cap_window(dossier: Dossier, client: Client, on: date, *, for_current_letter: bool) -> int:
    """What this member was charged in collection costs, before VAT, in the six months up to
    `on`: what the [open] cap for small recurring claims counts. Read from the dossier's dated
    charges; for the current letter its own charges are left out (they are what is being
    computed). Charges made with VAT are counted back rounded up, so the cap is never exceeded."""
    start = legal.small_claims_window_start(on)
    cents = dossier.costs_charged_since(start, leave_out_current_letter=for_current_letter)
    if client.costs_vat and cents > 0:
        rate = legal.cost_scale().vat_rate
        cents = -((-cents * 100) // int(100 + rate * 100))
    return max(cents, 0)


def fourteen_day_letter(
    dossier: Dossier,
    client: Client,
    posted_on: date,
    step: int,
    *,
    charged_in_window_cents: int | None = None,
    awaiting_posting: bool = False,
) -> FourteenDayLetter | None:
    """The letter a consumer would get if posted on `posted_on`: the claims in default go in one
    letter and their principals are summed (BW 6:96 lid 7); the term and the costs date follow
    from the posting date (BW 6:96 lid 6). For a club the announced costs respect the [open] cap
    for small recurring claims on the day they become due (see `costs_due`). None when nothing is
    in default yet."""
    claims = invoices_in_default(dossier, posted_on)
    if not claims:
        return None
    principals = [i.open_cents for i in claims]
    term = legal.fourteen_day_term(posted_on, receipt_offset_days=client.letter_receipt_offset_days)
    if charged_in_window_cents is None:
        charged_in_window_cents = charged_in_cap_window(
            dossier, client, term.costs_due_from, for_current_letter=False
        )
    costs = _consumer_costs(principals, client, term.costs_due_from, charged_in_window_cents)
    return FourteenDayLetter(
        posted_on=posted_on,
        presumed_receipt=term.presumed_receipt,
        last_day=term.last_day,
        costs_due_from=term.costs_due_from,
        principal_cents=sum(principals),
        costs_cents=costs.cents,
        invoices=tuple(i.number for i in claims),
        step=step,
        posting_reported=not awaiting_posting,
    )


def costs_due(
    dossier: Dossier, client: Client, today: date, *, charged_in_window_cents: int | None = None
) -> CostsDue:
    """Collection costs that may be on the dossier on `today` under its current 14-day letter
    (for a business: in all); the dossier charges the difference with what it charged under it
    before and never lowers it.

    Consumer: only after a correct 14-day letter, from the day after its term, and at most the
    amount it announced; a partial payment within the term lowers them to the scale over what
    is left of the letter's claims (BW 6:96 lid 6, DOMAIN.md §4). For a club (`client.club`) each
    claim below the [open] small-recurring-claims threshold is capped per member per six months
    (`legal.capped_small_claim_costs_cents`). What this member was already charged, before VAT,
    since `legal.small_claims_window_start(today)` under earlier letters is read from the
    dossier's dated charges (`charged_in_cap_window`); `charged_in_window_cents` overrides it.

    Business (BW 6:96 lid 4, due the day after the due date without any reminder), as the client
    chose: the BIK scale over the summed principal of the late invoices, at least EUR 40 each (the
    default); only the EUR 40 per late invoice; or nothing. VAT on top when the client declared it.
    """
    if dossier.debtor.debtor_type is DebtorType.CONSUMER:
        if charged_in_window_cents is None:
            charged_in_window_cents = charged_in_cap_window(dossier, client, today, for_current_letter=True)
        return _consumer_costs_due(dossier, client, today, charged_in_window_cents)
    choice = BusinessCosts(client.business_costs)
    if choice is BusinessCosts.NONE:
        return CostsDue(0, "the client does not charge collection costs to businesses")
    late = invoices_in_default(dossier, today)
    if not late:
        return CostsDue(0, "no invoice is past its due date")
    if choice is BusinessCosts.MINIMUM:
        cents = legal.business_minimum_costs_cents(len(late))
        if client.costs_vat:
            cents += legal.vat_on_costs_cents(cents)
        return CostsDue(
            cents, f"BW 6:96 lid 4: EUR 40 per late invoice under the client's terms, {len(late)} late"
        )
    cents = legal.business_costs_cents([i.open_cents for i in late], vat=client.costs_vat)
    return CostsDue(
        cents,
        "Besluit vergoeding voor buitengerechtelijke incassokosten: the scale over the summed "
        f"principal of {len(late)} late invoice(s), at least EUR 40 each (BW 6:96 lid 4)",
    )


def _consumer_costs_due(
    dossier: Dossier, client: Client, today: date, charged_in_window_cents: int
) -> CostsDue:
    letter = dossier.fourteen_day_letter
    if letter is None or today < letter.costs_due_from:
        return CostsDue(0, "no costs before the 14-day term has ended")
    if not letter.posting_reported:
        # The term runs from the posting date the print partner reports, not from our step.
        return CostsDue(0, "no costs while the 14-day letter is not reported posted")
    left = [
        dossier.invoices[n].open_cents
        for n in letter.invoices
        if n in dossier.invoices and dossier.invoices[n].open_cents > 0
    ]
    if not left:
        return CostsDue(0, "the claims of the 14-day letter were paid")
    costs = _consumer_costs(left, client, today, charged_in_window_cents)
    reason = f"BW 6:96 lid 6: the term of the 14-day letter posted {letter.posted_on} has ended"
    if costs.capped and costs.cents < letter.costs_cents:
        reason += "; capped for small recurring claims per six months [open rule]"
    return CostsDue(min(letter.costs_cents, costs.cents), reason)


def _first_default_day(invoice: Invoice) -> date:
    """The day after the due date. Commercial interest runs from then without notice (BW 6:119a
    lid 1); for a consumer the due date is taken as a fixed term, whose expiry puts the debtor in
    default without notice (BW 6:83 sub a), so BW 6:119 interest starts the same day."""
    return legal.commercial_interest_first_day(invoice.due_date)


def interest_due(dossier: Dossier, client: Client, today: date) -> InterestDue:
    """Statutory interest accrued through `today` (inclusive) on the dossier's open invoices, in
    all: the dossier charges the difference with what it charged before and never lowers it.

    Per invoice in default (due date before `today`) from its first default day, on its open
    principal only, never on costs; the consumer rate (BW 6:119) or the commercial rate (BW
    6:119a) by debtor type, compounded yearly as `legal.statutory_interest` does. Nothing when the
    client's setting, or its default for the debtor type (on for businesses, off for consumers),
    says so.

    Simplification: interest is computed on what is open now. Money paid earlier stops accruing
    from its payment, as it should, but the interest it accrued before it was paid is not
    recomputed here; the dossier's never-lower rule keeps what was already charged for it.
    """
    debtor_type = dossier.debtor.debtor_type
    if not client.charges_interest(debtor_type):
        if client.charge_interest is None:
            return InterestDue(0, f"no statutory interest for {debtor_type.value} debtors by default")
        return InterestDue(0, "the client does not charge statutory interest")
    late = invoices_in_default(dossier, today)
    if not late:
        return InterestDue(0, "no invoice is past its due date")
    kind = legal.InterestKind.for_debtor(debtor_type)
    cents = sum(
        legal.statutory_interest_cents(invoice.open_cents, _first_default_day(invoice), today, kind)
        for invoice in late
    )
    article = "BW 6:119" if kind is legal.InterestKind.CONSUMER else "BW 6:119a"
    return InterestDue(
        cents,
        f"{article}: {kind.value} statutory interest through {today.isoformat()} on the open "
        f"principal of {len(late)} invoice(s), from the day after each due date",
    )
