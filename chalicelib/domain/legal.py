"""The legal arithmetic of Dutch pre-collection: collection costs, statutory interest, the 14-day
letter term and how a payment is allocated.

Pure functions: every date comes in as an argument, money is int cents, and the published figures
(cost scale, VAT rate, interest rates) are data in `chalicelib/data/`, never branches in code.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from chalicelib.domain import calendar
from chalicelib.domain.debtor_list import DebtorType

MONDAY = 0
SUNDAY = 6


class LegalRuleError(ValueError):
    """Input the legal rules cannot be applied to (a negative principal, a date without a rate)."""


class InterestRateUnknown(LegalRuleError):
    """The interest table has no rate for a day: the table must be extended, never guessed."""


class UnknownInvoice(LegalRuleError):
    """The debtor named an invoice that is not among the open invoices."""


def _load(name: str) -> dict[str, Any]:
    # importlib.resources reads from inside the Lambda package as well as from a checkout.
    text = resources.files("chalicelib").joinpath("data").joinpath(name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _round_cents(value: Decimal) -> int:
    """Round half-up to whole cents (DOMAIN.md §3); Decimal rounds half-even unless told otherwise."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _add_months(day: date, months: int) -> date:
    """Same day `months` later (or earlier); the month's last day when that day does not exist."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    next_year, next_month_index = divmod(year * 12 + month_index + 1, 12)
    days_in_month = (date(next_year, next_month_index + 1, 1) - timedelta(days=1)).day
    return date(year, month_index + 1, min(day.day, days_in_month))


# --------------------------------------------------------------------------------------------------
# Collection costs: Besluit vergoeding voor buitengerechtelijke incassokosten (Stb. 2012, 141)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmallRecurringClaimsRule:
    """[open] Reported cap for small recurring consumer claims (e.g. monthly contributie): costs at
    most `cap_cents` per `period_months` for claims each below `claim_below_cents`, since
    `effective_from`. Not confirmed in statute: kept as data and switchable with `enabled`."""

    enabled: bool
    effective_from: date
    claim_below_cents: int
    cap_cents: int
    period_months: int

    def applies(self, principal_cents: int, on: date) -> bool:
        return self.enabled and on >= self.effective_from and principal_cents < self.claim_below_cents


@dataclass(frozen=True)
class CostScale:
    # (upper bound of the bracket in cents, or None for "and above"; rate as a fraction)
    brackets: tuple[tuple[int | None, Decimal], ...]
    minimum_cents: int
    maximum_cents: int
    vat_rate: Decimal
    business_minimum_per_invoice_cents: int
    small_recurring_claims: SmallRecurringClaimsRule

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CostScale:
        small = data["small_recurring_claims"]
        return cls(
            brackets=tuple(
                (None if b["up_to_cents"] is None else int(b["up_to_cents"]), Decimal(b["rate"]))
                for b in data["scale"]
            ),
            minimum_cents=int(data["minimum_cents"]),
            maximum_cents=int(data["maximum_cents"]),
            vat_rate=Decimal(data["vat_rate"]),
            business_minimum_per_invoice_cents=int(data["business_minimum_per_invoice_cents"]),
            small_recurring_claims=SmallRecurringClaimsRule(
                enabled=bool(small["enabled"]),
                effective_from=date.fromisoformat(small["effective_from"]),
                claim_below_cents=int(small["claim_below_cents"]),
                cap_cents=int(small["cap_cents"]),
                period_months=int(small["period_months"]),
            ),
        )


@cache
def cost_scale() -> CostScale:
    return CostScale.from_data(_load("collection_costs.json"))


def _check_principal(principal_cents: int) -> None:
    if principal_cents <= 0:
        raise LegalRuleError(f"a principal must be positive, got {principal_cents} cents")


def vat_on_costs_cents(costs_cents: int, *, scale: CostScale | None = None) -> int:
    """VAT on collection costs, only for a creditor that cannot deduct VAT and declares so."""
    scale = scale or cost_scale()
    return _round_cents(Decimal(costs_cents) * scale.vat_rate)


def collection_costs_cents(principal_cents: int, *, vat: bool = False, scale: CostScale | None = None) -> int:
    """Extrajudicial collection costs over a principal (invoice amount incl. its VAT, no interest).

    Besluit BIK art. 2: 15% / 10% / 5% / 1% / 0.5% over the brackets, rounded half-up to cents,
    then at least EUR 40 and at most EUR 6,775. With `vat`, 21% VAT is added on top (only when the
    creditor cannot deduct VAT and declares so: a per-client flag, off by default).
    """
    _check_principal(principal_cents)
    scale = scale or cost_scale()
    exact = Decimal(0)
    lower = 0
    for upper, rate in scale.brackets:
        top = principal_cents if upper is None else min(principal_cents, upper)
        if top > lower:
            exact += Decimal(top - lower) * rate
        if upper is None or principal_cents <= upper:
            break
        lower = upper
    costs = min(max(_round_cents(exact), scale.minimum_cents), scale.maximum_cents)
    return costs + vat_on_costs_cents(costs, scale=scale) if vat else costs


def consumer_costs_cents(
    principals_cents: Sequence[int], *, vat: bool = False, scale: CostScale | None = None
) -> int:
    """Costs for several claims on one consumer: the claims go in one letter and their principals
    are summed before the scale is applied (BW 6:96 lid 7), so the EUR 40 minimum counts once."""
    if not principals_cents:
        raise LegalRuleError("no claims to compute collection costs over")
    for principal in principals_cents:
        _check_principal(principal)
    return collection_costs_cents(sum(principals_cents), vat=vat, scale=scale)


def business_minimum_costs_cents(invoice_count: int, *, scale: CostScale | None = None) -> int:
    """At least EUR 40 per late invoice is due from a business, without any reminder, from the day
    after the due date (BW 6:96 lid 4, Late Payment Directive 2011/7/EU art. 6)."""
    if invoice_count < 0:
        raise LegalRuleError("the number of invoices cannot be negative")
    scale = scale or cost_scale()
    return invoice_count * scale.business_minimum_per_invoice_cents


def business_costs_cents(
    principals_cents: Sequence[int], *, vat: bool = False, scale: CostScale | None = None
) -> int:
    """Default costs for a business with late invoices: the BIK scale over the summed principals
    (the default unless the client's terms say otherwise), but never less than the EUR 40 per
    invoice of BW 6:96 lid 4. VAT, when declared, is added on top of that amount."""
    if not principals_cents:
        raise LegalRuleError("no claims to compute collection costs over")
    for principal in principals_cents:
        _check_principal(principal)
    scale = scale or cost_scale()
    costs = max(
        collection_costs_cents(sum(principals_cents), scale=scale),
        business_minimum_costs_cents(len(principals_cents), scale=scale),
    )
    return costs + vat_on_costs_cents(costs, scale=scale) if vat else costs


def small_claims_window_start(on: date, *, scale: CostScale | None = None) -> date:
    """First day of the [open] cap period ending on `on`: costs charged on or after it count."""
    rule = (scale or cost_scale()).small_recurring_claims
    return _add_months(on, -rule.period_months) + timedelta(days=1)


def capped_small_claim_costs_cents(
    principal_cents: int,
    *,
    on: date,
    charged_in_window_cents: int,
    vat: bool = False,
    scale: CostScale | None = None,
) -> int:
    """Costs that may be charged on `on` for one consumer claim, under the [open] cap for small
    recurring claims: `charged_in_window_cents` is what this debtor was already charged for small
    claims since `small_claims_window_start(on)`. Claims at or above the threshold, days before the
    rule's start, or a disabled rule give the plain scale amount. The cap is applied to the costs
    before VAT; VAT (when declared) is added on the capped amount."""
    if charged_in_window_cents < 0:
        raise LegalRuleError("costs already charged cannot be negative")
    scale = scale or cost_scale()
    costs = collection_costs_cents(principal_cents, scale=scale)
    rule = scale.small_recurring_claims
    if rule.applies(principal_cents, on):
        costs = max(0, min(costs, rule.cap_cents - charged_in_window_cents))
    return costs + vat_on_costs_cents(costs, scale=scale) if vat else costs


# --------------------------------------------------------------------------------------------------
# Statutory interest: BW 6:119 (consumer) and 6:119a (commercial)
# --------------------------------------------------------------------------------------------------


class InterestKind(StrEnum):
    CONSUMER = "consumer"  # wettelijke rente, BW 6:119: from the day of default
    COMMERCIAL = "commercial"  # wettelijke handelsrente, BW 6:119a: from the day after the due date

    @classmethod
    def for_debtor(cls, debtor_type: DebtorType) -> InterestKind:
        return cls.CONSUMER if debtor_type is DebtorType.CONSUMER else cls.COMMERCIAL


@dataclass(frozen=True)
class RateChange:
    starts: date
    consumer_percent: Decimal
    commercial_percent: Decimal
    provisional: bool  # an [open] row: not (yet) confirmed as published

    def percent(self, kind: InterestKind) -> Decimal:
        return self.consumer_percent if kind is InterestKind.CONSUMER else self.commercial_percent


# Day count conventions the table may name; DOMAIN.md §5 says actual/365, configurable.
_DAY_COUNT_DENOMINATORS = {"actual/365": 365, "actual/360": 360}


@dataclass(frozen=True)
class InterestTable:
    changes: tuple[RateChange, ...]
    days_in_year: int
    # Rates are published half-yearly; a day after this date has no published rate yet, so the
    # last row is used but the result is marked provisional.
    published_through: date | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> InterestTable:
        day_count = data["day_count"]
        if day_count not in _DAY_COUNT_DENOMINATORS:
            raise LegalRuleError(f"unsupported day count {day_count!r}")
        changes = sorted(
            (
                RateChange(
                    starts=date.fromisoformat(row["from"]),
                    consumer_percent=Decimal(row["consumer"]),
                    commercial_percent=Decimal(row["commercial"]),
                    provisional=bool(row.get("open", False)),
                )
                for row in data["rates"]
            ),
            key=lambda change: change.starts,
        )
        published_through = data.get("published_through")
        return cls(
            changes=tuple(changes),
            days_in_year=_DAY_COUNT_DENOMINATORS[day_count],
            published_through=None if published_through is None else date.fromisoformat(published_through),
        )

    def is_published(self, day: date) -> bool:
        return self.published_through is None or day <= self.published_through

    def change_on(self, day: date) -> RateChange:
        index = bisect.bisect_right([c.starts for c in self.changes], day) - 1
        if index < 0:
            raise InterestRateUnknown(f"no statutory interest rate known for {day.isoformat()}")
        return self.changes[index]

    def next_change_after(self, day: date) -> date | None:
        for change in self.changes:
            if change.starts > day:
                return change.starts
        return None


@cache
def interest_table() -> InterestTable:
    return InterestTable.from_data(_load("interest_rates.json"))


@dataclass(frozen=True)
class InterestPeriod:
    """A stretch with one rate and one base; its interest is rounded half-up to cents.
    `provisional`: the rate is an [open] row or lies beyond the table's publication date."""

    first_day: date
    last_day: date
    base_cents: int
    rate_percent: Decimal
    interest_cents: int
    provisional: bool

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True)
class StatutoryInterest:
    principal_cents: int
    first_day: date
    last_day: date
    kind: InterestKind
    periods: tuple[InterestPeriod, ...]

    @property
    def total_cents(self) -> int:
        return sum(period.interest_cents for period in self.periods)

    @property
    def provisional(self) -> bool:
        """True when a period used an [open] (unconfirmed) rate."""
        return any(period.provisional for period in self.periods)


def _anniversary(first_day: date, years: int) -> date:
    """The day a new interest year starts. A year from 29 February ends on 28 February, so in a
    non-leap year the new year starts on 1 March."""
    try:
        return first_day.replace(year=first_day.year + years)
    except ValueError:
        return date(first_day.year + years, 3, 1)


def statutory_interest(
    principal_cents: int,
    first_day: date,
    last_day: date,
    kind: InterestKind,
    *,
    table: InterestTable | None = None,
) -> StatutoryInterest:
    """Statutory interest over `principal_cents` for `first_day` through `last_day`, both inclusive.

    BW 6:119 lid 2 / 6:119a lid 3: after each year (on every anniversary of `first_day`) the
    interest of that year is added to the base. Periods are split at rate changes and anniversaries;
    each period's interest is base x rate x days / days-in-year, rounded half-up to cents, so the
    breakdown adds up to the total. A last day before the first day is an empty period: no interest.
    """
    if principal_cents < 0:
        raise LegalRuleError(f"a principal cannot be negative, got {principal_cents} cents")
    table = table or interest_table()
    periods: list[InterestPeriod] = []
    base = principal_cents
    interest_this_year = 0
    year = 1
    next_anniversary = _anniversary(first_day, year)
    start = first_day
    while start <= last_day:
        change = table.change_on(start)
        end = min(last_day, next_anniversary - timedelta(days=1))
        next_change = table.next_change_after(start)
        if next_change is not None:
            end = min(end, next_change - timedelta(days=1))
        published = table.is_published(start)
        if published and table.published_through is not None:
            end = min(end, table.published_through)
        provisional = change.provisional or not published
        rate = change.percent(kind)
        days = (end - start).days + 1
        amount = _round_cents(Decimal(base) * rate * days / (100 * table.days_in_year))
        periods.append(InterestPeriod(start, end, base, rate, amount, provisional))
        interest_this_year += amount
        start = end + timedelta(days=1)
        if start == next_anniversary:
            base += interest_this_year
            interest_this_year = 0
            year += 1
            next_anniversary = _anniversary(first_day, year)
    return StatutoryInterest(principal_cents, first_day, last_day, kind, tuple(periods))


def statutory_interest_cents(
    principal_cents: int, first_day: date, last_day: date, kind: InterestKind
) -> int:
    """Total of `statutory_interest`; see there for the rules."""
    return statutory_interest(principal_cents, first_day, last_day, kind).total_cents


def commercial_interest_first_day(due_date: date) -> date:
    """Commercial interest runs from the day after the due date, without a demand (BW 6:119a lid 1)."""
    return due_date + timedelta(days=1)


# --------------------------------------------------------------------------------------------------
# The 14-day letter: BW 6:96 lid 6
# --------------------------------------------------------------------------------------------------

# The wording accepted in practice; "within 14 days of the letter date" voids the letter
# (HR 25-11-2016, ECLI:NL:HR:2016:2704). Templates must use this sentence verbatim.
FOURTEEN_DAY_TERM_WORDING_NL = "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd"
FOURTEEN_DAY_TERM_WORDING_EN = "within fourteen days from the day after this letter has been delivered to you"
FOURTEEN_DAY_TERM_WORDING = {"nl": FOURTEEN_DAY_TERM_WORDING_NL, "en": FOURTEEN_DAY_TERM_WORDING_EN}

# Presumed delivery of a posted letter: the 2nd day after sending. Configurable per call because
# PostNL delivery days are being cut (DOMAIN.md §4).
DEFAULT_RECEIPT_OFFSET_DAYS = 2
FOURTEEN_DAYS = timedelta(days=14)


@dataclass(frozen=True)
class FourteenDayTerm:
    sent: date
    presumed_receipt: date
    last_day: date  # the last day on which the debtor can still pay without costs
    costs_due_from: date


def presumed_receipt(sent: date, *, offset_days: int = DEFAULT_RECEIPT_OFFSET_DAYS) -> date:
    """The `offset_days`-th day after sending, not counting Sundays, Mondays and holidays: the days
    on which no post is delivered."""
    if offset_days < 0:
        raise LegalRuleError("the receipt offset cannot be negative")
    day = sent
    counted = 0
    while counted < offset_days:
        day += timedelta(days=1)
        if day.weekday() not in (SUNDAY, MONDAY) and not calendar.is_holiday(day):
            counted += 1
    return day


def fourteen_day_term(
    sent: date, *, receipt_offset_days: int = DEFAULT_RECEIPT_OFFSET_DAYS
) -> FourteenDayTerm:
    """The term of a consumer's 14-day letter (BW 6:96 lid 6).

    The 14 days start the day after presumed receipt, so the last day is receipt + 14; a last day
    on a Saturday, Sunday or holiday moves to the next working day (Algemene termijnenwet art. 1).
    Costs are due from the day after the term, without a further reminder (HR 13-06-2014,
    ECLI:NL:HR:2014:1405).
    """
    receipt = presumed_receipt(sent, offset_days=receipt_offset_days)
    last_day = calendar.next_working_day_on_or_after(receipt + FOURTEEN_DAYS)
    return FourteenDayTerm(sent, receipt, last_day, last_day + timedelta(days=1))


def final_demand_last_day(
    sent: date, term_days: int, *, receipt_offset_days: int = DEFAULT_RECEIPT_OFFSET_DAYS
) -> date:
    """The last day to pay under a business debtor's final demand / notice of default (BW 6:82:
    a reasonable term; DOMAIN.md §10, commonly 5-8 days, a policy setting). Counted from the
    presumed receipt, like the 14-day term, so a slow post never shortens it; a last day on a
    weekend or holiday moves to the next working day (Algemene termijnenwet art. 1). The letter
    states this date itself, so the debtor need not count."""
    if term_days < 1:
        raise LegalRuleError("a final demand needs a term of at least one day")
    receipt = presumed_receipt(sent, offset_days=receipt_offset_days)
    return calendar.next_working_day_on_or_after(receipt + timedelta(days=term_days))


# --------------------------------------------------------------------------------------------------
# Payment allocation: BW 6:44
# --------------------------------------------------------------------------------------------------


class OpenInvoice(NamedTuple):
    invoice_number: str
    due_date: date
    open_cents: int


@dataclass(frozen=True)
class InvoicePayment:
    invoice_number: str
    amount_cents: int
    remaining_cents: int


@dataclass(frozen=True)
class Allocation:
    amount_cents: int
    costs_cents: int
    interest_cents: int
    invoices: tuple[InvoicePayment, ...]  # in the order paid; only invoices that received money
    overpayment_cents: int  # reported for refund or set-off, never silently dropped

    @property
    def principal_cents(self) -> int:
        return sum(payment.amount_cents for payment in self.invoices)


def allocate_payment(
    amount_cents: int,
    costs_cents: int,
    interest_cents: int,
    invoices: Sequence[tuple[str, date, int]],
    named_invoice: str | None = None,
) -> Allocation:
    """Split a payment: costs first, then interest, then principal (BW 6:44 lid 1).

    Principal goes to the oldest due invoice first (equal due dates: in the given order). An invoice
    the debtor named (BW 6:43 lid 1) is paid first within the principal; what is left goes to the
    other invoices, oldest first. Money beyond everything owed is an overpayment.
    """
    if min(amount_cents, costs_cents, interest_cents) < 0:
        raise LegalRuleError("amounts to allocate cannot be negative")
    open_invoices = [OpenInvoice(*invoice) for invoice in invoices]
    if any(invoice.open_cents < 0 for invoice in open_invoices):
        raise LegalRuleError("an open invoice amount cannot be negative; net credit notes first")
    order = sorted(open_invoices, key=lambda invoice: invoice.due_date)
    if named_invoice is not None:
        named = [invoice for invoice in order if invoice.invoice_number == named_invoice]
        if not named:
            raise UnknownInvoice(f"invoice {named_invoice!r} is not open")
        order = named + [invoice for invoice in order if invoice.invoice_number != named_invoice]

    left = amount_cents
    to_costs = min(left, costs_cents)
    left -= to_costs
    to_interest = min(left, interest_cents)
    left -= to_interest
    payments: list[InvoicePayment] = []
    for invoice in order:
        if left == 0:
            break
        paid = min(left, invoice.open_cents)
        if paid > 0:
            payments.append(InvoicePayment(invoice.invoice_number, paid, invoice.open_cents - paid))
            left -= paid
    return Allocation(amount_cents, to_costs, to_interest, tuple(payments), overpayment_cents=left)
