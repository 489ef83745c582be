"""Collection costs: Besluit BIK (Stb. 2012, 141) and BW 6:96 (DOMAIN.md §3)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.legal import (
    LegalRuleError,
    business_costs_cents,
    business_minimum_costs_cents,
    capped_small_claim_costs_cents,
    collection_costs_cents,
    consumer_costs_cents,
    cost_scale,
    small_claims_window_start,
    vat_on_costs_cents,
)

SCALE_VECTORS = [
    (1, 4000),
    (26667, 4000),
    (100000, 15000),
    (250000, 37500),
    (500000, 62500),
    (600000, 67500),
    (1000000, 87500),
    (2500000, 102500),
    (10000000, 177500),
    (20000000, 277500),
    (100000000, 677500),
    (500000000, 677500),
]


@pytest.mark.parametrize(("principal_cents", "costs_cents"), SCALE_VECTORS)
def test_costs_follow_the_bik_scale(principal_cents: int, costs_cents: int) -> None:
    assert collection_costs_cents(principal_cents) == costs_cents


@pytest.mark.parametrize(("principal_cents", "costs_with_vat_cents"), [(100000, 18150), (1000000, 105875)])
def test_vat_is_added_on_top_when_declared(principal_cents: int, costs_with_vat_cents: int) -> None:
    assert collection_costs_cents(principal_cents, vat=True) == costs_with_vat_cents


@pytest.mark.parametrize(
    ("principal_cents", "costs_cents"),
    [
        (26669, 4000),  # 40.0035 -> 40.00
        (26670, 4001),  # 40.005 -> 40.01: half-up, not banker's rounding
        (26671, 4001),
        (250001, 37500),  # 375.0 + 0.001 cent
        (250005, 37501),  # 375.0 + 0.5 cent -> up
    ],
)
def test_costs_are_rounded_half_up_to_cents(principal_cents: int, costs_cents: int) -> None:
    assert collection_costs_cents(principal_cents) == costs_cents


def test_vat_is_rounded_half_up() -> None:
    # 270.00 -> costs 40.50; VAT 8.505 -> 8.51
    assert collection_costs_cents(27000) == 4050
    assert vat_on_costs_cents(4050) == 851
    assert collection_costs_cents(27000, vat=True) == 4901


def test_minimum_and_maximum_with_vat() -> None:
    assert collection_costs_cents(1, vat=True) == 4840
    assert collection_costs_cents(500000000, vat=True) == 819775


@pytest.mark.parametrize("principal_cents", [0, -1, -100000])
def test_a_principal_must_be_positive(principal_cents: int) -> None:
    with pytest.raises(LegalRuleError):
        collection_costs_cents(principal_cents)


def test_several_consumer_claims_are_summed_before_the_scale() -> None:
    # BW 6:96 lid 7: three claims of 100.00 are one principal of 300.00 -> 45.00, not 3 x 40.00
    assert consumer_costs_cents([10000, 10000, 10000]) == 4500
    assert consumer_costs_cents([200000, 300000]) == 62500
    assert consumer_costs_cents([200000, 300000], vat=True) == 75625


def test_consumer_costs_need_at_least_one_claim() -> None:
    with pytest.raises(LegalRuleError):
        consumer_costs_cents([])
    with pytest.raises(LegalRuleError):
        consumer_costs_cents([10000, 0])


@pytest.mark.parametrize(("invoice_count", "minimum_cents"), [(0, 0), (1, 4000), (3, 12000), (25, 100000)])
def test_a_business_owes_at_least_40_euro_per_late_invoice(invoice_count: int, minimum_cents: int) -> None:
    assert business_minimum_costs_cents(invoice_count) == minimum_cents


def test_business_invoice_count_cannot_be_negative() -> None:
    with pytest.raises(LegalRuleError):
        business_minimum_costs_cents(-1)


@pytest.mark.parametrize(
    ("principals", "costs_cents"),
    [
        ([10000, 10000, 10000], 12000),  # 3 x 40.00 beats the scale's 45.00
        ([1000000], 87500),
        ([500000, 500000], 87500),  # scale over the sum beats 2 x 40.00
    ],
)
def test_business_costs_are_the_scale_but_at_least_40_per_invoice(
    principals: list[int], costs_cents: int
) -> None:
    assert business_costs_cents(principals) == costs_cents


def test_business_costs_with_vat() -> None:
    assert business_costs_cents([10000, 10000, 10000], vat=True) == 14520


def test_the_small_recurring_claims_rule_is_open_configurable_data() -> None:
    rule = cost_scale().small_recurring_claims
    assert rule.enabled
    assert rule.effective_from == date(2024, 10, 1)
    assert rule.claim_below_cents == 26667
    assert rule.cap_cents == 14000
    assert rule.period_months == 6


@pytest.mark.parametrize(
    ("principal_cents", "on", "charged_cents", "expected_cents"),
    [
        (2500, date(2025, 3, 1), 0, 4000),
        (2500, date(2025, 3, 1), 8000, 4000),
        (2500, date(2025, 3, 1), 12000, 2000),  # only 20.00 left under the 140.00 cap
        (2500, date(2025, 3, 1), 14000, 0),
        (2500, date(2025, 3, 1), 20000, 0),
        (2500, date(2024, 9, 30), 20000, 4000),  # before the rule's start
        (26667, date(2025, 3, 1), 14000, 4000),  # not a small claim
    ],
)
def test_small_recurring_claims_are_capped_per_six_months(
    principal_cents: int, on: date, charged_cents: int, expected_cents: int
) -> None:
    got = capped_small_claim_costs_cents(principal_cents, on=on, charged_in_window_cents=charged_cents)
    assert got == expected_cents


def test_the_small_claims_cap_applies_before_vat() -> None:
    assert (
        capped_small_claim_costs_cents(2500, on=date(2025, 3, 1), charged_in_window_cents=12000, vat=True)
        == 2420
    )


def test_a_disabled_small_claims_rule_gives_the_plain_scale() -> None:
    scale = cost_scale()
    off = dataclasses.replace(
        scale, small_recurring_claims=dataclasses.replace(scale.small_recurring_claims, enabled=False)
    )
    got = capped_small_claim_costs_cents(2500, on=date(2025, 3, 1), charged_in_window_cents=14000, scale=off)
    assert got == 4000


@pytest.mark.parametrize(
    ("on", "window_start"),
    [
        (date(2025, 7, 15), date(2025, 1, 16)),
        (date(2025, 8, 31), date(2025, 3, 1)),  # 28 February + 1 day
        (date(2024, 8, 31), date(2024, 3, 1)),  # 29 February (leap year) + 1 day
        (date(2026, 3, 1), date(2025, 9, 2)),
    ],
)
def test_the_small_claims_window_is_the_six_months_up_to_the_day(on: date, window_start: date) -> None:
    assert small_claims_window_start(on) == window_start


def test_negative_costs_already_charged_are_refused() -> None:
    with pytest.raises(LegalRuleError):
        capped_small_claim_costs_cents(2500, on=date(2025, 3, 1), charged_in_window_cents=-1)


principals = st.integers(min_value=1, max_value=10**11)


@given(principals, principals)
def test_costs_are_monotone_in_the_principal(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert collection_costs_cents(low) <= collection_costs_cents(high)


@given(principals)
def test_costs_stay_between_40_and_6775_euro(principal_cents: int) -> None:
    assert 4000 <= collection_costs_cents(principal_cents) <= 677500


@given(principals)
def test_vat_is_21_percent_of_the_costs_rounded(principal_cents: int) -> None:
    costs = collection_costs_cents(principal_cents)
    with_vat = collection_costs_cents(principal_cents, vat=True)
    assert abs((with_vat - costs) * 100 - costs * 21) <= 50


@given(st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=8))
def test_summing_consumer_claims_never_costs_more_than_separate_letters(claims: list[int]) -> None:
    # Each separate amount is rounded to cents on its own, so the sum may be up to half a cent
    # per claim lower than the exact figure.
    assert consumer_costs_cents(claims) <= sum(collection_costs_cents(c) for c in claims) + len(claims) // 2
