"""The [open] cap on collection costs for small recurring consumer claims (DOMAIN.md §3), held by
the dossier itself: a club member's letters and charges month after month, as dunning makes them
(`dunning.fourteen_day_letter`, `dunning.costs_due`, `Dossier.charge_costs`), never add up to
more than the cap in any six months."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.dossier_codec import dossier_from_dict, dossier_to_dict
from chalicelib.domain import legal
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Dossier, Invoice
from chalicelib.domain.dunning import costs_due, fourteen_day_letter
from tests.unit.test_dunning_money import SPORTS_CLUB

CONTRIBUTIE_CENTS = 1_500
CAP = legal.cost_scale().small_recurring_claims.cap_cents


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(11, 0), tzinfo=UTC)


def _member() -> Dossier:
    debtor = DebtorDetails("L-1001", "Sanne de Vries", DebtorType.CONSUMER)
    return Dossier(client_id="vv-de-zwaluwen", debtor=debtor, opened_on=date(2025, 1, 1))


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError(day)  # pragma: no cover


def _charges(member: Dossier) -> list[tuple[date, int]]:
    return [(c.charged_on, c.cents) for c in member.cost_charges]


def _worst_six_months(charges: list[tuple[date, int]]) -> int:
    """The most charged in any six months: every window that starts on a charge day."""
    return max(
        (sum(c for d, c in charges if start <= d < _add_months(start, 6)) for start, _ in charges),
        default=0,
    )


def _month_of_contributie(member: Dossier, month: int, letter_delay: int, pays: bool, rerun: bool) -> None:
    """One month: the contributie falls due on the 1st, a 14-day letter goes out a few days later,
    the costs are charged when its term has ended (once more on a re-run of the same day's action),
    and the member pays everything or nothing."""
    due = _add_months(date(2025, 1, 1), month)
    member.take_invoice(
        Invoice(f"CONTR-{due:%Y-%m}", due, CONTRIBUTIE_CENTS, CONTRIBUTIE_CENTS),
        at=_noon(due - timedelta(days=20)),
        actor="import",
    )
    posted = due + timedelta(days=letter_delay)
    letter = fourteen_day_letter(member, SPORTS_CLUB, posted, step=2)
    assert letter is not None
    member.record_fourteen_day_letter(letter, at=_noon(posted), actor="dunning")
    costs_day = letter.costs_due_from
    for _ in range(2 if rerun else 1):
        costs = costs_due(member, SPORTS_CLUB, costs_day)
        # What is charged is never more than the letter announced (BW 6:96 lid 6).
        assert costs.cents <= letter.costs_cents
        member.charge_costs(costs.cents, at=_noon(costs_day), actor="dunning", reason=costs.reason)
    if pays and member.owed_cents > 0:
        member.receive_payment(
            f"tr_{month}", member.owed_cents, at=_noon(costs_day + timedelta(days=1)), actor="mollie"
        )


months = st.lists(
    st.tuples(st.integers(min_value=1, max_value=9), st.booleans(), st.booleans()), min_size=1, max_size=30
)


@settings(max_examples=80, deadline=None)
@given(months)
def test_a_member_with_monthly_contributie_is_never_charged_more_than_the_cap_in_six_months(
    plan: list[tuple[int, bool, bool]],
) -> None:
    member = _member()
    for month, (letter_delay, pays, rerun) in enumerate(plan):
        _month_of_contributie(member, month, letter_delay, pays, rerun)
        # The dated charges survive the table (a later action reads them back).
        member = dossier_from_dict(dossier_to_dict(member), version=None)
    assert _worst_six_months(_charges(member)) <= CAP


def test_a_year_of_unpaid_contributie_costs_the_cap_per_six_months_and_no_more() -> None:
    member = _member()
    for month in range(12):
        _month_of_contributie(member, month, letter_delay=3, pays=False, rerun=True)
    charges = _charges(member)
    # EUR 40 for each of the first three letters, EUR 20 to reach the cap, then nothing until
    # the first charge leaves the window; every new letter counts the earlier ones.
    assert [c for _, c in charges][:4] == [4_000, 4_000, 4_000, 2_000]
    assert _worst_six_months(charges) == CAP
    assert sum(c for _, c in charges) == member.charged_costs_cents
    assert sum(c for _, c in charges) > CAP  # a new six months allows new costs


def test_a_new_letter_is_not_compared_with_what_an_earlier_letter_charged() -> None:
    # Not a club: the scale alone. A lifetime comparison would charge the second letter nothing.
    client = replace(SPORTS_CLUB, club=False)
    member = _member()
    for month in (0, 1):
        due = _add_months(date(2025, 1, 1), month)
        member.take_invoice(Invoice(f"C-{month}", due, 1_500, 1_500), at=_noon(due), actor="import")
        letter = fourteen_day_letter(member, client, due + timedelta(days=2), step=2)
        assert letter is not None
        member.record_fourteen_day_letter(letter, at=_noon(letter.posted_on), actor="dunning")
        costs = costs_due(member, client, letter.costs_due_from)
        member.charge_costs(
            costs.cents, at=_noon(letter.costs_due_from), actor="dunning", reason=costs.reason
        )
        member.receive_payment(
            f"tr_{month}", member.owed_cents, at=_noon(letter.costs_due_from), actor="mollie"
        )
    assert [c.cents for c in member.cost_charges] == [4_000, 4_000]


def test_a_dossier_stored_before_charges_were_dated_is_not_charged_twice() -> None:
    member = _member()
    member.take_invoice(
        Invoice("C-1", date(2025, 1, 1), 1_500, 1_500), at=_noon(date(2025, 1, 1)), actor="import"
    )
    letter = fourteen_day_letter(member, SPORTS_CLUB, date(2025, 1, 6), step=2)
    assert letter is not None
    member.record_fourteen_day_letter(letter, at=_noon(date(2025, 1, 6)), actor="dunning")
    member.open_costs_cents = 4_000  # as an older item holds it: a total without dated charges
    costs = costs_due(member, SPORTS_CLUB, letter.costs_due_from)
    assert (
        member.charge_costs(costs.cents, at=_noon(letter.costs_due_from), actor="dunning", reason="") is False
    )
    assert member.open_costs_cents == 4_000
