"""The treasurer's figures, as pure formulas over counts the store keeps per client.

Every function takes `today`; nothing here reads a clock or a table. Amounts are integer cents,
rates are fractions between 0 and 1, days are floats rounded to one decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Days past the due date: (name, first day, last day); the last bucket has no end.
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)
NOT_DUE = "not_due"
# The windows of the payment rate: share of a cohort's principal paid within so many days of due.
PAYMENT_WINDOWS = (30, 60, 90)


def aging_bucket(due_date: date, today: date) -> str:
    """The bucket of an invoice by days past its due date; an invoice due today or later is not due.
    Day 1 after the due date is the first day past due, in the 0-30 bucket."""
    days = (today - due_date).days
    if days <= 0:
        return NOT_DUE
    for name, first, last in AGING_BUCKETS:
        if days >= first and (last is None or days <= last):
            return name
    raise AssertionError(days)  # pragma: no cover


def aging(open_by_due_date: Mapping[date, int], today: date) -> dict[str, int]:
    """Open principal per aging bucket (not due, 0-30, 31-60, 61-90, 90+ days past due)."""
    buckets = {NOT_DUE: 0, **{name: 0 for name, _, _ in AGING_BUCKETS}}
    for due_date, cents in open_by_due_date.items():
        buckets[aging_bucket(due_date, today)] += cents
    return buckets


def due_dates_of_bucket(bucket: str, today: date) -> tuple[date | None, date | None]:
    """The due dates (first, last; None = unbounded) whose invoices fall in `bucket` today, so a
    list can filter on a stored due date without recomputing every row."""
    if bucket == NOT_DUE:
        return today, None
    for name, first, last in AGING_BUCKETS:
        if name == bucket:
            earliest = None if last is None else today - timedelta(days=last)
            return earliest, today - timedelta(days=first or 1)
    raise ValueError(bucket)


class DsoMethod(StrEnum):
    COUNTBACK = "countback"
    AVERAGE_DAYS_BEYOND_TERMS = "average_days_beyond_terms"


@dataclass(frozen=True)
class MonthSales:
    """Invoiced sales of one calendar month, as the client states them in its settings."""

    days: int
    cents: int


@dataclass(frozen=True)
class Dso:
    days: float | None
    method: DsoMethod


def countback_dso(receivables_cents: int, sales_latest_first: Sequence[MonthSales]) -> float | None:
    """Countback DSO: peel the receivables back month by month, latest month first; each month
    fully covered counts all its days, the month where they run out counts its share.

    AR 212,000 with sales 100,000 / 80,000 / 70,000 in 30-day months: 30 + 30 + 32/70 x 30 = 73.7.
    None when the stated months do not cover the receivables (the answer would be a guess)."""
    left = receivables_cents
    days = 0.0
    if left <= 0:
        return 0.0
    for month in sales_latest_first:
        if month.cents <= 0:
            continue
        if left <= month.cents:
            return round(days + left / month.cents * month.days, 1)
        left -= month.cents
        days += month.days
    return None


def average_days_beyond_terms(open_by_due_date: Mapping[date, int], today: date) -> float:
    """Days past due, weighted by the open principal of each invoice (not-yet-due counts as 0)."""
    total = sum(cents for cents in open_by_due_date.values() if cents > 0)
    if total == 0:
        return 0.0
    weighted = sum(
        cents * max((today - due_date).days, 0) for due_date, cents in open_by_due_date.items() if cents > 0
    )
    return round(weighted / total, 1)


def dso(
    receivables_cents: int,
    sales_latest_first: Sequence[MonthSales],
    open_by_due_date: Mapping[date, int],
    today: date,
) -> Dso:
    """Countback DSO when the client stated its monthly sales (and they cover the receivables),
    otherwise the average days beyond terms; the answer names which."""
    if sales_latest_first:
        days = countback_dso(receivables_cents, sales_latest_first)
        if days is not None:
            return Dso(days, DsoMethod.COUNTBACK)
    return Dso(average_days_beyond_terms(open_by_due_date, today), DsoMethod.AVERAGE_DAYS_BEYOND_TERMS)


@dataclass(frozen=True)
class Cohort:
    """Invoices falling due in one month: their principal, and how much of it was paid how soon
    after the due date (`paid_within[30]` = paid no later than 30 days after due)."""

    month: str  # YYYY-MM
    principal_cents: int
    paid_within: Mapping[int, int]


@dataclass(frozen=True)
class CohortRate:
    month: str
    principal_cents: int
    rates: dict[int, float | None]  # window -> share paid; None while the window has not passed


def window_passed(month: str, window: int, today: date) -> bool:
    """Whether every invoice of the cohort has had `window` days since it fell due."""
    year, number = (int(part) for part in month.split("-"))
    last_day = date(year + number // 12, number % 12 + 1, 1).toordinal() - 1
    return today.toordinal() - last_day >= window


def payment_rates(cohorts: Iterable[Cohort], today: date) -> list[CohortRate]:
    """Per monthly cohort (latest first) the share of principal paid within 30, 60 and 90 days of
    due. A window still running for part of the cohort shows None, not a rate that will rise."""
    rates = []
    for cohort in sorted(cohorts, key=lambda c: c.month, reverse=True):
        shares: dict[int, float | None] = {}
        for window in PAYMENT_WINDOWS:
            if not window_passed(cohort.month, window, today) or cohort.principal_cents <= 0:
                shares[window] = None
            else:
                shares[window] = round(cohort.paid_within.get(window, 0) / cohort.principal_cents, 3)
        rates.append(CohortRate(cohort.month, cohort.principal_cents, shares))
    return rates


def kept_arrangement_rate(kept: int, broken: int) -> float | None:
    """Share of finished arrangements that were paid as agreed; None before any has finished."""
    finished = kept + broken
    return round(kept / finished, 3) if finished else None


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def days_in_month(month: str) -> int:
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return (following - first).days


def previous_months(today: date, count: int) -> list[str]:
    """The `count` full calendar months before today's month, latest first."""
    year, number = today.year, today.month
    months = []
    for _ in range(count):
        number -= 1
        if number == 0:
            year, number = year - 1, 12
        months.append(f"{year:04d}-{number:02d}")
    return months
