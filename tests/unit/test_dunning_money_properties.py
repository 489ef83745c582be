"""Properties of what dunning charges, over generated dossiers (BW 6:96, 6:119, 6:119a)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import legal
from chalicelib.domain.debtor_list import DebtorType
from chalicelib.domain.dossier import Invoice
from chalicelib.domain.dunning import costs_due, fourteen_day_letter, interest_due
from tests.unit.test_dunning_money import SPORTS_CLUB, WHOLESALER, file_of

FAST = settings(max_examples=60, deadline=None)

due_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))
invoices = st.lists(
    st.tuples(due_dates, st.integers(min_value=1, max_value=50_000_000)), min_size=1, max_size=12
).map(lambda rows: [Invoice(f"F-{n}", due, cents, cents) for n, (due, cents) in enumerate(rows)])


@FAST
@given(invoices, st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)), st.booleans())
def test_business_costs_by_default_stay_between_the_minimum_and_the_maximum(
    items: list[Invoice], today: date, vat: bool
) -> None:
    scale = legal.cost_scale()
    late = [i for i in items if i.due_date < today]
    cents = costs_due(file_of(DebtorType.BUSINESS, *items), replace(WHOLESALER, costs_vat=vat), today).cents
    vat_on = (lambda c: c + legal.vat_on_costs_cents(c)) if vat else (lambda c: c)
    minimum = scale.business_minimum_per_invoice_cents * len(late)
    # Above the scale's maximum only when EUR 40 per late invoice adds up to more (BW 6:96 lid 4).
    maximum = max(scale.maximum_cents, minimum) if late else 0
    assert vat_on(minimum) <= cents <= vat_on(maximum)


@FAST
@given(
    invoices,
    st.sampled_from(DebtorType),
    st.booleans(),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 6, 30)),
    st.integers(min_value=1, max_value=800),
)
def test_interest_never_goes_down_as_the_days_pass(
    items: list[Invoice], debtor_type: DebtorType, forced: bool, today: date, later_by: int
) -> None:
    client = replace(WHOLESALER, charge_interest=True if forced else None)
    file = file_of(debtor_type, *items)
    later = today + timedelta(days=later_by)
    assert interest_due(file, client, today).cents <= interest_due(file, client, later).cents


@FAST
@given(invoices, st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31)))
def test_a_consumer_pays_no_interest_unless_the_client_charges_it(items: list[Invoice], today: date) -> None:
    assert interest_due(file_of(DebtorType.CONSUMER, *items), WHOLESALER, today).cents == 0


@FAST
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=25),  # days between one letter and the next
            st.lists(st.integers(min_value=1, max_value=26_666), min_size=1, max_size=4),  # its claims
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_club_cap_holds_over_any_sequence_of_small_claims(letters: list[tuple[int, list[int]]]) -> None:
    # The cap is on the costs before VAT (legal.capped_small_claim_costs_cents); this club adds none.
    club = SPORTS_CLUB
    cap = legal.cost_scale().small_recurring_claims.cap_cents
    charges: list[tuple[date, int]] = []  # costs, on the day they were charged
    posted = date(2025, 1, 6)
    for n, (gap, claims) in enumerate(letters):
        posted += timedelta(days=gap)
        member = file_of(
            DebtorType.CONSUMER,
            *(Invoice(f"C-{n}-{k}", posted - timedelta(days=1), c, c) for k, c in enumerate(claims)),
        )
        costs_from = legal.fourteen_day_term(posted).costs_due_from
        start = legal.small_claims_window_start(costs_from)
        in_window = sum(cents for day, cents in charges if day >= start)
        member.fourteen_day_letter = fourteen_day_letter(
            member, club, posted, step=2, charged_in_window_cents=in_window
        )
        cents = costs_due(member, club, costs_from, charged_in_window_cents=in_window).cents
        charges.append((costs_from, cents))
        assert in_window + cents <= cap
