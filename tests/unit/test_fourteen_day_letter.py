"""The term of the 14-day letter, BW 6:96 lid 6 (DOMAIN.md §4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.calendar import is_holiday, is_working_day
from chalicelib.domain.legal import (
    FOURTEEN_DAY_TERM_WORDING,
    FOURTEEN_DAY_TERM_WORDING_NL,
    FourteenDayTerm,
    LegalRuleError,
    fourteen_day_term,
    presumed_receipt,
)


@pytest.mark.parametrize(
    ("sent", "receipt", "last_day", "costs_due_from"),
    [
        (date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 19), date(2026, 3, 20)),
        # Saturday counts; Sunday, Monday and 5 May do not
        (date(2026, 5, 1), date(2026, 5, 6), date(2026, 5, 20), date(2026, 5, 21)),
        # Christmas, Boxing Day, Sunday and Monday are skipped
        (date(2026, 12, 23), date(2026, 12, 29), date(2027, 1, 12), date(2027, 1, 13)),
        # Good Friday and Easter Monday are skipped
        (date(2025, 4, 17), date(2025, 4, 22), date(2025, 5, 6), date(2025, 5, 7)),
    ],
)
def test_domain_vectors(sent: date, receipt: date, last_day: date, costs_due_from: date) -> None:
    assert fourteen_day_term(sent) == FourteenDayTerm(sent, receipt, last_day, costs_due_from)


def test_a_term_ending_on_a_saturday_moves_to_monday() -> None:
    # sent Wed 2026-03-04 -> receipt Fri 03-06 -> +14 = Fri 03-20: a working day, stays
    assert fourteen_day_term(date(2026, 3, 4)).last_day == date(2026, 3, 20)
    # sent Thu 2026-03-05 -> receipt Sat 03-07 -> +14 = Sat 03-21 -> Mon 03-23
    term = fourteen_day_term(date(2026, 3, 5))
    assert term.presumed_receipt == date(2026, 3, 7)
    assert term.last_day == date(2026, 3, 23)
    assert term.costs_due_from == date(2026, 3, 24)


def test_a_term_ending_on_a_holiday_moves_past_it() -> None:
    # receipt Thu 2026-04-30 -> +14 = Thu 05-14 (Ascension), Fri 05-15 (decree), weekend -> Mon 05-18
    term = fourteen_day_term(date(2026, 4, 28))
    assert term.presumed_receipt == date(2026, 4, 30)
    assert term.last_day == date(2026, 5, 18)


@pytest.mark.parametrize(
    ("offset", "receipt"),
    [
        (0, date(2026, 3, 3)),
        (1, date(2026, 3, 4)),
        (3, date(2026, 3, 6)),
        (4, date(2026, 3, 7)),
        (5, date(2026, 3, 10)),  # Sunday 8 and Monday 9 are not delivery days
    ],
)
def test_the_receipt_offset_is_configurable(offset: int, receipt: date) -> None:
    assert presumed_receipt(date(2026, 3, 3), offset_days=offset) == receipt
    assert fourteen_day_term(date(2026, 3, 3), receipt_offset_days=offset).presumed_receipt == receipt


def test_a_negative_offset_is_refused() -> None:
    with pytest.raises(LegalRuleError):
        fourteen_day_term(date(2026, 3, 3), receipt_offset_days=-1)


def test_the_accepted_wording_is_available_verbatim() -> None:
    # HR 25-11-2016, ECLI:NL:HR:2016:2704: the term runs from the day after receipt
    assert (
        FOURTEEN_DAY_TERM_WORDING_NL == "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd"
    )
    assert FOURTEEN_DAY_TERM_WORDING["nl"] == FOURTEEN_DAY_TERM_WORDING_NL
    assert "day after" in FOURTEEN_DAY_TERM_WORDING["en"]


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(min_value=1, max_value=5)
)
def test_the_term_always_ends_on_a_working_day_at_least_14_days_after_receipt(
    sent: date, offset: int
) -> None:
    term = fourteen_day_term(sent, receipt_offset_days=offset)
    assert term.presumed_receipt > sent
    assert term.presumed_receipt.weekday() not in (0, 6)
    assert not is_holiday(term.presumed_receipt)
    assert is_working_day(term.last_day)
    earliest = term.presumed_receipt + timedelta(days=14)
    assert term.last_day >= earliest
    # it moves only past non-working days, never further
    assert all(
        not is_working_day(earliest + timedelta(days=n)) for n in range((term.last_day - earliest).days)
    )
    assert term.costs_due_from == term.last_day + timedelta(days=1)
