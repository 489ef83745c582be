"""Payment allocation: costs, then interest, then principal (BW 6:44, DOMAIN.md §6)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.legal import (
    Allocation,
    InvoicePayment,
    LegalRuleError,
    OpenInvoice,
    UnknownInvoice,
    allocate_payment,
)

INVOICES = [
    OpenInvoice("F-003", date(2026, 3, 1), 30000),
    OpenInvoice("F-001", date(2026, 1, 1), 10000),
    OpenInvoice("F-002", date(2026, 2, 1), 20000),
]


def test_a_payment_pays_costs_then_interest_then_the_oldest_invoice() -> None:
    allocation = allocate_payment(25000, 4000, 1500, INVOICES)
    assert allocation == Allocation(
        amount_cents=25000,
        costs_cents=4000,
        interest_cents=1500,
        invoices=(InvoicePayment("F-001", 10000, 0), InvoicePayment("F-002", 9500, 10500)),
        overpayment_cents=0,
    )
    assert allocation.principal_cents == 19500


def test_a_small_payment_only_reduces_the_costs() -> None:
    allocation = allocate_payment(2500, 4000, 1500, INVOICES)
    assert (allocation.costs_cents, allocation.interest_cents, allocation.invoices) == (2500, 0, ())


def test_a_payment_covering_costs_reaches_interest_next() -> None:
    allocation = allocate_payment(5000, 4000, 1500, INVOICES)
    assert (allocation.costs_cents, allocation.interest_cents, allocation.principal_cents) == (4000, 1000, 0)


def test_a_named_invoice_is_paid_first_within_the_principal() -> None:
    allocation = allocate_payment(40000, 4000, 1500, INVOICES, named_invoice="F-003")
    assert allocation.invoices == (InvoicePayment("F-003", 30000, 0), InvoicePayment("F-001", 4500, 5500))
    assert allocation.costs_cents == 4000
    assert allocation.interest_cents == 1500


def test_more_than_everything_owed_is_reported_as_overpayment() -> None:
    allocation = allocate_payment(70000, 4000, 1500, INVOICES)
    assert allocation.principal_cents == 60000
    assert allocation.overpayment_cents == 4500
    assert [p.remaining_cents for p in allocation.invoices] == [0, 0, 0]


def test_invoices_due_the_same_day_are_paid_in_the_given_order() -> None:
    same_day = [("B", date(2026, 1, 1), 1000), ("A", date(2026, 1, 1), 1000)]
    assert [p.invoice_number for p in allocate_payment(1500, 0, 0, same_day).invoices] == ["B", "A"]


def test_plain_tuples_are_accepted() -> None:
    allocation = allocate_payment(1000, 0, 0, [("F-9", date(2026, 1, 1), 1500)])
    assert allocation.invoices == (InvoicePayment("F-9", 1000, 500),)


def test_naming_an_invoice_that_is_not_open_is_refused() -> None:
    with pytest.raises(UnknownInvoice):
        allocate_payment(1000, 0, 0, INVOICES, named_invoice="F-999")


@pytest.mark.parametrize(
    ("amount", "costs", "interest", "invoices"),
    [
        (-1, 0, 0, INVOICES),
        (100, -1, 0, INVOICES),
        (100, 0, -1, INVOICES),
        (100, 0, 0, [("C-1", date(2026, 1, 1), -500)]),
    ],
)
def test_negative_amounts_are_refused(
    amount: int, costs: int, interest: int, invoices: list[tuple[str, date, int]]
) -> None:
    with pytest.raises(LegalRuleError):
        allocate_payment(amount, costs, interest, invoices)


cents = st.integers(min_value=0, max_value=10**8)
invoice_lists = st.lists(
    st.tuples(cents, st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))), max_size=6
)


@given(cents, cents, cents, invoice_lists, st.booleans())
def test_allocation_conserves_money_and_respects_the_order(
    amount: int, costs: int, interest: int, rows: list[tuple[int, date]], name_last: bool
) -> None:
    invoices = [(f"F-{i}", due, open_cents) for i, (open_cents, due) in enumerate(rows)]
    named = invoices[-1][0] if name_last and invoices else None
    allocation = allocate_payment(amount, costs, interest, invoices, named_invoice=named)
    parts = (allocation.costs_cents, allocation.interest_cents, allocation.principal_cents)
    assert sum(parts) + allocation.overpayment_cents == amount
    assert min(*parts, allocation.overpayment_cents) >= 0
    assert all(p.amount_cents > 0 and p.remaining_cents >= 0 for p in allocation.invoices)
    owed = {number: open_cents for number, _, open_cents in invoices}
    assert all(p.amount_cents + p.remaining_cents == owed[p.invoice_number] for p in allocation.invoices)
    # interest only once costs are paid in full, principal only once interest is
    if allocation.interest_cents > 0:
        assert allocation.costs_cents == costs
    if allocation.principal_cents > 0:
        assert allocation.interest_cents == interest
    if allocation.overpayment_cents > 0:
        assert allocation.principal_cents == sum(owed.values())
