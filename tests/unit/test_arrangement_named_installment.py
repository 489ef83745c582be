"""A payment made for one installment (chosen on the debtor's page) pays that installment first;
any other payment is spread earliest first, and refunds come back from the latest paid."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.arrangements import Arrangement, Installment


def plan() -> Arrangement:
    return Arrangement(
        agreed_on=date(2026, 12, 1),
        installments=tuple(Installment(n, date(2027, n, 10), 5_000) for n in (1, 2, 3)),
    )


def paid(arrangement: Arrangement) -> list[int]:
    return [i.paid_cents for i in arrangement.installments]


def test_a_payment_for_installment_two_pays_installment_two() -> None:
    assert paid(plan().credit(5_000, named=2)) == [0, 5_000, 0]


def test_more_than_the_named_installment_goes_on_earliest_first() -> None:
    assert paid(plan().credit(7_000, named=3)) == [2_000, 0, 5_000]


def test_without_a_named_installment_the_earliest_is_paid_first() -> None:
    assert paid(plan().credit(5_000)) == [5_000, 0, 0]


def test_a_refund_takes_back_from_the_latest_paid_whatever_was_named() -> None:
    assert paid(plan().credit(5_000, named=2).credit(-1_000, named=2)) == [0, 4_000, 0]
