"""Statutory interest, BW 6:119 and 6:119a (DOMAIN.md §5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.legal import (
    InterestKind,
    InterestRateUnknown,
    InterestTable,
    LegalRuleError,
    commercial_interest_first_day,
    interest_table,
    statutory_interest,
    statutory_interest_cents,
)

COMMERCIAL = InterestKind.COMMERCIAL
CONSUMER = InterestKind.CONSUMER


@pytest.mark.parametrize(
    ("principal_cents", "first_day", "last_day", "kind", "interest_cents"),
    [
        (100000, date(2025, 1, 1), date(2025, 12, 31), COMMERCIAL, 10646),
        (100000, date(2025, 1, 1), date(2026, 6, 30), COMMERCIAL, 16215),
        (50000, date(2025, 3, 1), date(2026, 2, 28), CONSUMER, 2838),
    ],
)
def test_domain_vectors(
    principal_cents: int, first_day: date, last_day: date, kind: InterestKind, interest_cents: int
) -> None:
    assert statutory_interest_cents(principal_cents, first_day, last_day, kind) == interest_cents


def test_the_breakdown_splits_at_rate_changes_and_compounds_on_the_anniversary() -> None:
    result = statutory_interest(100000, date(2025, 1, 1), date(2026, 6, 30), COMMERCIAL)
    assert [
        (p.first_day, p.last_day, p.days, p.base_cents, p.rate_percent, p.interest_cents)
        for p in result.periods
    ] == [
        (date(2025, 1, 1), date(2025, 6, 30), 181, 100000, Decimal("11.15"), 5529),
        (date(2025, 7, 1), date(2025, 12, 31), 184, 100000, Decimal("10.15"), 5117),
        # 2026-01-01 is the first anniversary: the year's 106.46 joins the base
        (date(2026, 1, 1), date(2026, 6, 30), 181, 110646, Decimal("10.15"), 5569),
    ]
    assert result.total_cents == 16215
    assert not result.provisional


def test_the_consumer_vector_breakdown() -> None:
    result = statutory_interest(50000, date(2025, 3, 1), date(2026, 2, 28), CONSUMER)
    assert [(p.first_day, p.rate_percent, p.interest_cents) for p in result.periods] == [
        (date(2025, 3, 1), Decimal(6), 1003),
        (date(2025, 7, 1), Decimal(6), 1512),
        (date(2026, 1, 1), Decimal(4), 323),
    ]


def test_one_day_of_commercial_interest() -> None:
    # 1,000.00 x 11.15% / 365 = 0.3055 -> 0.31
    assert statutory_interest_cents(100000, date(2025, 1, 1), date(2025, 1, 1), COMMERCIAL) == 31


def test_an_empty_period_has_no_interest() -> None:
    result = statutory_interest(100000, date(2025, 1, 2), date(2025, 1, 1), COMMERCIAL)
    assert result.total_cents == 0
    assert result.periods == ()


def test_a_year_from_29_february_compounds_on_1_march() -> None:
    result = statutory_interest(100000, date(2024, 2, 29), date(2025, 3, 1), CONSUMER)
    assert [(p.first_day, p.last_day, p.base_cents) for p in result.periods] == [
        (date(2024, 2, 29), date(2024, 6, 30), 100000),
        (date(2024, 7, 1), date(2024, 12, 31), 100000),
        (date(2025, 1, 1), date(2025, 2, 28), 100000),
        (date(2025, 3, 1), date(2025, 3, 1), 100000 + 2359 + 3529 + 970),
    ]
    assert result.total_cents == 2359 + 3529 + 970 + 18  # 1,068.58 x 6% / 365 = 0.1757


def test_compounding_continues_every_year_through_the_rate_table_gap() -> None:
    # 2016-07-01 .. 2022-12-31 has one commercial rate (8.00%); the base still grows yearly.
    result = statutory_interest(100000, date(2017, 1, 1), date(2019, 12, 31), COMMERCIAL)
    assert [(p.first_day, p.base_cents, p.interest_cents) for p in result.periods] == [
        (date(2017, 1, 1), 100000, 8000),
        (date(2018, 1, 1), 108000, 8640),
        (date(2019, 1, 1), 116640, 9331),
    ]


def test_rates_after_the_open_row_are_flagged_provisional() -> None:
    result = statutory_interest(100000, date(2026, 6, 1), date(2026, 7, 31), COMMERCIAL)
    assert [p.provisional for p in result.periods] == [False, True]
    assert result.periods[1].rate_percent == Decimal("10.40")
    assert result.provisional


def test_a_day_before_the_rate_table_is_refused_not_guessed() -> None:
    with pytest.raises(InterestRateUnknown):
        statutory_interest(100000, date(2014, 12, 31), date(2015, 1, 31), COMMERCIAL)


def test_a_negative_principal_is_refused() -> None:
    with pytest.raises(LegalRuleError):
        statutory_interest(-1, date(2025, 1, 1), date(2025, 1, 31), COMMERCIAL)


def test_the_day_count_is_configurable_data() -> None:
    table = InterestTable.from_data(
        {"day_count": "actual/360", "rates": [{"from": "2025-01-01", "consumer": "6", "commercial": "12"}]}
    )
    result = statutory_interest(100000, date(2025, 1, 1), date(2025, 1, 30), COMMERCIAL, table=table)
    assert result.total_cents == 1000  # 1,000.00 x 12% x 30/360
    assert interest_table().days_in_year == 365


def test_an_unknown_day_count_is_refused() -> None:
    with pytest.raises(LegalRuleError):
        InterestTable.from_data({"day_count": "30/360", "rates": []})


def test_the_interest_kind_follows_the_debtor_type() -> None:
    assert InterestKind.for_debtor(DebtorType.CONSUMER) is CONSUMER
    assert InterestKind.for_debtor(DebtorType.BUSINESS) is COMMERCIAL


def test_commercial_interest_runs_from_the_day_after_the_due_date() -> None:
    assert commercial_interest_first_day(date(2024, 12, 31)) == date(2025, 1, 1)


first_days = st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31))
lengths = st.integers(min_value=0, max_value=1500)
kinds = st.sampled_from(list(InterestKind))
principals = st.integers(min_value=0, max_value=10**9)


@given(principals, first_days, kinds)
def test_interest_is_zero_for_an_empty_period(
    principal_cents: int, first_day: date, kind: InterestKind
) -> None:
    assert statutory_interest_cents(principal_cents, first_day, first_day - timedelta(days=1), kind) == 0


@given(principals, first_days, lengths, st.integers(min_value=1, max_value=400), kinds)
def test_interest_never_decreases_when_the_period_grows(
    principal_cents: int, first_day: date, length: int, extra: int, kind: InterestKind
) -> None:
    last_day = first_day + timedelta(days=length)
    shorter = statutory_interest_cents(principal_cents, first_day, last_day, kind)
    longer = statutory_interest_cents(principal_cents, first_day, last_day + timedelta(days=extra), kind)
    assert 0 <= shorter <= longer


@given(principals, first_days, lengths, kinds)
def test_the_periods_cover_the_days_exactly_and_add_up(
    principal_cents: int, first_day: date, length: int, kind: InterestKind
) -> None:
    last_day = first_day + timedelta(days=length)
    result = statutory_interest(principal_cents, first_day, last_day, kind)
    assert result.periods[0].first_day == first_day
    assert result.periods[-1].last_day == last_day
    for before, after in zip(result.periods, result.periods[1:], strict=False):
        assert after.first_day == before.last_day + timedelta(days=1)
        assert after.base_cents >= before.base_cents
    assert sum(p.days for p in result.periods) == length + 1
    assert result.total_cents == sum(p.interest_cents for p in result.periods)


def test_days_after_the_published_table_use_the_last_rate_but_are_provisional() -> None:
    result = statutory_interest(100000, date(2026, 12, 1), date(2027, 1, 31), COMMERCIAL)
    assert [(p.first_day, p.last_day, p.rate_percent, p.provisional) for p in result.periods] == [
        (date(2026, 12, 1), date(2026, 12, 31), Decimal("10.40"), True),
        (date(2027, 1, 1), date(2027, 1, 31), Decimal("10.40"), True),
    ]


def test_a_table_without_a_publication_date_is_never_provisional_by_date() -> None:
    table = InterestTable.from_data(
        {"day_count": "actual/365", "rates": [{"from": "2025-01-01", "consumer": "6", "commercial": "12"}]}
    )
    result = statutory_interest(100000, date(2030, 1, 1), date(2030, 12, 31), CONSUMER, table=table)
    assert (result.total_cents, result.provisional) == (6000, False)
