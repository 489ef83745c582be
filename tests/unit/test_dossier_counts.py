"""What a save adds to its client's counters: the difference between the dossier before and
after, plus the money and arrangements its new events are about."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from chalicelib.domain.dossier import AuditEvent, ReceivedPayment, Status
from chalicelib.domain.dossier_counts import count_changes, facts_of, list_line
from tests.builders import dossier, invoice

PAID_AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_a_new_dossier_counts_once_with_its_open_principal_by_due_date_and_cohort() -> None:
    new = dossier(invoice("A", 10_000, date(2026, 10, 15)), invoice("B", 2_500, date(2026, 11, 14)))

    assert count_changes(None, new, [], None) == {
        "dossiers": 1,
        "status:open": 1,
        "open_cents": 12_500,
        "with_open": 1,
        "due:2026-10-15": 10_000,
        "due:2026-11-14": 2_500,
        "cohort:2026-10:principal": 10_000,
        "cohort:2026-11:principal": 2_500,
    }


def test_a_payment_moves_open_money_and_counts_collected_and_how_soon_after_due() -> None:
    before = dossier(invoice("A", 10_000, date(2026, 10, 15)), invoice("B", 2_500, date(2026, 11, 14)))
    facts = facts_of(before)
    after = replace(before, invoices=dict(before.invoices), payments={})
    after.invoices["A"] = replace(after.invoices["A"], open_cents=0)
    after.invoices["B"] = replace(after.invoices["B"], open_cents=500)
    after.payments["tr_1"] = ReceivedPayment("tr_1", 12_000, 0, 0, (("A", 10_000), ("B", 2_000)), 0)

    changes = count_changes(
        facts, after, [AuditEvent(PAID_AT, "payment_received", "mollie", "paid")], PAID_AT
    )

    assert changes == {
        "open_cents": -12_000,
        "due:2026-10-15": -10_000,
        "due:2026-11-14": -2_000,
        "collected:2026-12": 12_000,
        # A: due 15 October, paid 2 December = 48 days; B: 18 days.
        "cohort:2026-10:paid60": 10_000,
        "cohort:2026-11:paid30": 2_000,
    }


def test_a_status_change_moves_one_dossier_between_statuses_and_a_kept_arrangement_counts() -> None:
    before = dossier(invoice("A", 0, date(2026, 10, 15)))
    before.status = Status.IN_ARRANGEMENT
    facts = facts_of(before)
    before.status = Status.PAID
    event = AuditEvent(PAID_AT, "arrangement_completed", "mollie", "last installment paid")

    assert count_changes(facts, before, [event], PAID_AT) == {
        "status:in_arrangement": -1,
        "status:paid": 1,
        "arrangements:kept": 1,
    }


def test_unchanged_counts_nothing() -> None:
    same = dossier()
    assert count_changes(facts_of(same), same, [], PAID_AT) == {}


def test_the_list_line_carries_what_the_list_filters_on() -> None:
    line = list_line(dossier(invoice("A", 100, date(2026, 10, 15)), invoice("B", 0, date(2026, 9, 1))))

    assert (line.oldest_due, line.disputed, line.in_arrangement, line.channel) == (
        date(2026, 10, 15),
        False,
        False,
        "none",
    )
    assert "jan de vries" in line.search_text and "10023" in line.search_text
