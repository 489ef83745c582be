"""The treasurer's figures as worked examples: every formula of domain/kpis.py with numbers a
treasurer can check by hand."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain import kpis
from chalicelib.domain.kpis import Cohort, DsoMethod, MonthSales

TODAY = date(2026, 12, 2)


def test_countback_dso_peels_the_receivables_back_month_by_month() -> None:
    # AR 212,000; sales 100,000 (latest) / 80,000 / 70,000 in 30-day months:
    # 100,000 covers 30 days, 80,000 the next 30, the 32,000 left is 32/70 of the third month.
    sales = [MonthSales(30, 100_000_00), MonthSales(30, 80_000_00), MonthSales(30, 70_000_00)]

    assert kpis.countback_dso(212_000_00, sales) == 73.7


def test_countback_counts_each_calendar_month_with_its_own_days() -> None:
    # November (30 days) covers 100,000; October (31) covers the 50,000 left by half: 30 + 15.5.
    sales = [MonthSales(30, 100_000_00), MonthSales(31, 100_000_00)]

    assert kpis.countback_dso(150_000_00, sales) == 45.5
    assert kpis.countback_dso(0, sales) == 0.0


def test_countback_gives_no_answer_when_the_stated_months_do_not_cover_the_receivables() -> None:
    assert kpis.countback_dso(300_000_00, [MonthSales(30, 100_000_00)]) is None


def test_without_monthly_sales_dso_is_the_average_days_beyond_terms_and_says_so() -> None:
    # 1,000 open 10 days past due and 3,000 open 50 days past due: (1,000x10 + 3,000x50) / 4,000 = 40.
    open_by_due = {date(2026, 11, 22): 1_000_00, date(2026, 10, 13): 3_000_00}

    answer = kpis.dso(4_000_00, [], open_by_due, TODAY)

    assert answer == kpis.Dso(40.0, DsoMethod.AVERAGE_DAYS_BEYOND_TERMS)


def test_with_monthly_sales_dso_is_countback_and_says_so() -> None:
    sales = [MonthSales(30, 100_000_00), MonthSales(30, 80_000_00), MonthSales(30, 70_000_00)]

    assert kpis.dso(212_000_00, sales, {}, TODAY) == kpis.Dso(73.7, DsoMethod.COUNTBACK)


def test_invoices_not_yet_due_count_as_zero_days_beyond_terms() -> None:
    open_by_due = {date(2026, 12, 20): 2_000_00, date(2026, 11, 2): 2_000_00}  # 30 days past due

    assert kpis.average_days_beyond_terms(open_by_due, TODAY) == 15.0


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (date(2026, 12, 2), "not_due"),  # due today: not late yet
        (date(2026, 12, 1), "0-30"),
        (date(2026, 11, 2), "0-30"),  # 30 days
        (date(2026, 11, 1), "31-60"),  # 31 days
        (date(2026, 10, 3), "31-60"),  # 60 days
        (date(2026, 10, 2), "61-90"),
        (date(2026, 9, 3), "61-90"),  # 90 days
        (date(2026, 9, 2), "90+"),  # 91 days
    ],
)
def test_aging_buckets_by_days_past_due(due: date, bucket: str) -> None:
    assert kpis.aging_bucket(due, TODAY) == bucket
    first, last = kpis.due_dates_of_bucket(bucket, TODAY)
    assert (first is None or first <= due) and (last is None or due <= last)


def test_aging_adds_up_the_open_principal_per_bucket() -> None:
    open_by_due = {
        date(2026, 12, 10): 500,
        date(2026, 11, 20): 1_000,
        date(2026, 11, 25): 250,
        date(2026, 10, 1): 4_000,
        date(2025, 1, 1): 9_999,
    }

    assert kpis.aging(open_by_due, TODAY) == {
        "not_due": 500,
        "0-30": 1_250,
        "31-60": 0,
        "61-90": 4_000,
        "90+": 9_999,
    }


def test_payment_rate_per_cohort_is_the_share_of_principal_paid_within_30_60_90_days() -> None:
    # August's invoices: 10,000 principal; 6,000 paid within 30 days of due, 8,000 within 60, 9,000 within 90.
    august = Cohort("2026-08", 10_000_00, {30: 6_000_00, 60: 8_000_00, 90: 9_000_00})
    # November's: the 30-day window has not passed for all of them yet on 2 December.
    november = Cohort("2026-11", 5_000_00, {30: 1_000_00, 60: 1_000_00, 90: 1_000_00})

    rates = kpis.payment_rates([august, november], TODAY)

    assert [(r.month, r.rates) for r in rates] == [
        ("2026-11", {30: None, 60: None, 90: None}),
        ("2026-08", {30: 0.6, 60: 0.8, 90: 0.9}),
    ]


def test_kept_arrangement_rate() -> None:
    assert kpis.kept_arrangement_rate(kept=3, broken=1) == 0.75
    assert kpis.kept_arrangement_rate(kept=0, broken=0) is None


def test_months_back_from_today() -> None:
    assert kpis.previous_months(date(2026, 2, 15), 3) == ["2026-01", "2025-12", "2025-11"]
    assert kpis.days_in_month("2028-02") == 29
