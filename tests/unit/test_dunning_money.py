"""What a dossier is charged on a given day: collection costs by debtor type and the client's
settings (BW 6:96, Besluit BIK, DOMAIN.md §3) and statutory interest (BW 6:119, 6:119a, §5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from chalicelib.domain import legal
from chalicelib.domain.clients import BusinessCosts, Client
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Dossier, Invoice
from chalicelib.domain.dunning import costs_due, fourteen_day_letter, interest_due
from tests.builders import CLUB

WHOLESALER = Client(
    client_id="groothandel-peeters",
    name="Groothandel Peeters B.V.",
    sender_email="noreply@debtflow.example",
    reply_to_email="debiteuren@peeters.example",
    redirect_url="https://peeters.example/bedankt",
    mollie_key_parameter="/debtflow/clients/groothandel-peeters/mollie-api-key",
)
SPORTS_CLUB = replace(CLUB, club=True)


def file_of(debtor_type: DebtorType, *invoices: Invoice) -> Dossier:
    debtor = DebtorDetails("D-1", "Bakkerij Smit B.V.", debtor_type)
    file = Dossier(client_id="c", debtor=debtor, opened_on=date(2025, 1, 1))
    for item in invoices:
        file.invoices[item.number] = item
    return file


def invoice(number: str, due: date, open_cents: int) -> Invoice:
    return Invoice(number, due, open_cents, open_cents)


# EUR 1,670.50 in two late invoices (DOMAIN.md §3).
TWO_LATE = (invoice("F-1", date(2026, 3, 1), 125_000), invoice("F-2", date(2026, 3, 15), 42_050))
TODAY = date(2026, 4, 1)


@pytest.mark.parametrize(
    ("setting", "vat", "cents"),
    [
        (BusinessCosts.SCALE, False, 25_058),  # 15% of 1,670.50, rounded half-up
        (BusinessCosts.MINIMUM, False, 8_000),  # EUR 40 x 2 late invoices
        (BusinessCosts.NONE, False, 0),
        (BusinessCosts.SCALE, True, 30_320),  # 250.58 + 21% VAT (52.62)
        (BusinessCosts.MINIMUM, True, 9_680),
        (BusinessCosts.NONE, True, 0),
    ],
)
def test_business_costs_follow_the_clients_choice(setting: BusinessCosts, vat: bool, cents: int) -> None:
    client = replace(WHOLESALER, business_costs=setting, costs_vat=vat)
    assert costs_due(file_of(DebtorType.BUSINESS, *TWO_LATE), client, TODAY).cents == cents


def test_a_business_is_charged_the_scale_by_default_and_the_reason_names_the_rule() -> None:
    due = costs_due(file_of(DebtorType.BUSINESS, *TWO_LATE), WHOLESALER, TODAY)
    assert due.cents == 25_058
    assert "Besluit vergoeding voor buitengerechtelijke incassokosten" in due.reason
    minimum = costs_due(
        file_of(DebtorType.BUSINESS, *TWO_LATE), replace(WHOLESALER, business_costs="minimum"), TODAY
    )
    assert "BW 6:96 lid 4" in minimum.reason


def test_the_business_scale_counts_only_invoices_past_their_due_date() -> None:
    not_yet_due = invoice("F-3", date(2026, 4, 30), 500_000)
    due = costs_due(file_of(DebtorType.BUSINESS, *TWO_LATE, not_yet_due), WHOLESALER, TODAY)
    assert due.cents == 25_058
    # Costs are due from the day after the due date, without any reminder (BW 6:96 lid 4).
    assert costs_due(file_of(DebtorType.BUSINESS, *TWO_LATE), WHOLESALER, date(2026, 3, 1)).cents == 0
    assert costs_due(file_of(DebtorType.BUSINESS, *TWO_LATE), WHOLESALER, date(2026, 3, 2)).cents == 18_750


def test_many_small_late_invoices_cost_at_least_forty_euros_each() -> None:
    small = [invoice(f"F-{n}", date(2026, 1, n), 1_000) for n in range(1, 6)]
    assert costs_due(file_of(DebtorType.BUSINESS, *small), WHOLESALER, TODAY).cents == 5 * 4_000


def test_a_consumer_is_never_charged_business_costs_whatever_the_setting() -> None:
    client = replace(WHOLESALER, business_costs=BusinessCosts.SCALE)
    assert costs_due(file_of(DebtorType.CONSUMER, *TWO_LATE), client, TODAY).cents == 0


# --- statutory interest -------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "cents"), [(date(2025, 12, 31), 10_646), (date(2026, 6, 30), 16_215)])
def test_a_business_pays_commercial_interest_from_the_day_after_the_due_date(today: date, cents: int) -> None:
    # First default day 2025-01-01; the 2026 figure compounds on 2026-01-01 (BW 6:119a lid 3).
    file = file_of(DebtorType.BUSINESS, invoice("F-1", date(2024, 12, 31), 100_000))
    due = interest_due(file, WHOLESALER, today)
    assert due.cents == cents
    assert "BW 6:119a" in due.reason


def test_a_consumer_pays_interest_only_when_the_client_charges_it() -> None:
    file = file_of(DebtorType.CONSUMER, invoice("L-1", date(2025, 2, 28), 50_000))
    assert interest_due(file, CLUB, date(2026, 2, 28)).cents == 0
    due = interest_due(file, replace(CLUB, charge_interest=True), date(2026, 2, 28))
    assert due.cents == 2_838
    assert "BW 6:119:" in due.reason


def test_a_client_can_switch_interest_off_for_businesses() -> None:
    file = file_of(DebtorType.BUSINESS, invoice("F-1", date(2024, 12, 31), 100_000))
    due = interest_due(file, replace(WHOLESALER, charge_interest=False), date(2025, 12, 31))
    assert (due.cents, due.reason) == (0, "the client does not charge statutory interest")


def test_interest_runs_per_invoice_on_the_open_principal_only() -> None:
    partly_paid = Invoice("F-1", date(2024, 12, 31), 150_000, 100_000)
    not_yet_due = invoice("F-2", date(2025, 12, 31), 80_000)
    file = file_of(DebtorType.BUSINESS, partly_paid, not_yet_due)
    file.open_costs_cents = 15_000  # costs never bear interest
    assert interest_due(file, WHOLESALER, date(2025, 12, 31)).cents == 10_646
    # The second invoice defaults on 2026-01-01 and adds its own interest from that day.
    expected = legal.statutory_interest_cents(
        100_000, date(2025, 1, 1), date(2026, 1, 31), legal.InterestKind.COMMERCIAL
    ) + legal.statutory_interest_cents(
        80_000, date(2026, 1, 1), date(2026, 1, 31), legal.InterestKind.COMMERCIAL
    )
    assert interest_due(file, WHOLESALER, date(2026, 1, 31)).cents == expected


def test_no_interest_before_the_first_default_day() -> None:
    file = file_of(DebtorType.BUSINESS, invoice("F-1", date(2025, 6, 30), 100_000))
    assert interest_due(file, WHOLESALER, date(2025, 6, 30)).cents == 0
    assert interest_due(file, WHOLESALER, date(2025, 7, 1)).cents > 0


# --- the [open] cap for small recurring claims of a club --------------------------------------------


def _charge_window(charges: list[tuple[date, int]], today: date) -> int:
    start = legal.small_claims_window_start(today)
    return sum(cents for day, cents in charges if day >= start)


def test_a_member_with_monthly_contributie_is_never_charged_more_than_the_cap_in_six_months() -> None:
    # EUR 15 contributie each month for two years; each month's claim gets its own 14-day letter
    # and its costs once the term has ended, the costs charged earlier in the window counted.
    cap = legal.cost_scale().small_recurring_claims.cap_cents
    charges: list[tuple[date, int]] = []
    for month in range(24):
        due = date(2025 + month // 12, month % 12 + 1, 1)
        member = file_of(DebtorType.CONSUMER, invoice(f"C-{month}", due, 1_500))
        posted = due + timedelta(days=3)
        costs_from = legal.fourteen_day_term(posted).costs_due_from
        in_window = _charge_window(charges, costs_from)
        letter = fourteen_day_letter(member, SPORTS_CLUB, posted, step=2, charged_in_window_cents=in_window)
        assert letter is not None
        member.fourteen_day_letter = letter
        charged = costs_due(member, SPORTS_CLUB, costs_from, charged_in_window_cents=in_window)
        # The letter announces exactly what is charged (BW 6:96 lid 6).
        assert charged.cents == letter.costs_cents
        charges.append((costs_from, charged.cents))

    assert sum(cents for _, cents in charges) < 24 * 4_000  # the cap did bite
    for day, _ in charges:
        window_start = legal.small_claims_window_start(day)
        assert sum(cents for d, cents in charges if window_start <= d <= day) <= cap
    assert cap == 14_000


def test_the_club_cap_lowers_the_costs_and_says_why() -> None:
    member = file_of(DebtorType.CONSUMER, invoice("C-1", date(2026, 1, 1), 1_500))
    member.fourteen_day_letter = fourteen_day_letter(member, SPORTS_CLUB, date(2026, 1, 5), step=2)
    assert member.fourteen_day_letter is not None
    day = member.fourteen_day_letter.costs_due_from
    assert costs_due(member, SPORTS_CLUB, day).cents == 4_000
    capped = costs_due(member, SPORTS_CLUB, day, charged_in_window_cents=12_000)
    assert capped.cents == 2_000 and "small recurring claims" in capped.reason
    # A client that is not a club, or a claim at or above the threshold, keeps the plain scale.
    assert costs_due(member, CLUB, day, charged_in_window_cents=12_000).cents == 4_000
    large = file_of(DebtorType.CONSUMER, invoice("C-2", date(2026, 1, 1), 30_000))
    large.fourteen_day_letter = fourteen_day_letter(large, SPORTS_CLUB, date(2026, 1, 5), step=2)
    assert costs_due(large, SPORTS_CLUB, day, charged_in_window_cents=14_000).cents == 4_500
