from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.dossier import TRANSITIONS, Status, Trigger
from chalicelib.domain.errors import TransitionNotAllowed
from tests.builders import NOW, dossier, invoice


def test_a_reminder_moves_an_open_dossier_to_reminded_and_leaves_an_audit_event() -> None:
    file = dossier()
    file.apply(Trigger.REMINDER_SENT, at=NOW, actor="dunning", reason="dunning step 1", step=1)

    assert file.status is Status.REMINDED
    [event] = file.new_events
    assert (event.what, event.from_status, event.to_status, event.actor) == (
        "reminder_sent",
        Status.OPEN,
        Status.REMINDED,
        "dunning",
    )
    assert event.details == {"step": 1}


def test_a_paid_dossier_cannot_be_reminded() -> None:
    file = dossier()
    file.status = Status.PAID
    with pytest.raises(TransitionNotAllowed, match="a dossier that is paid cannot get a reminder"):
        file.apply(Trigger.REMINDER_SENT, at=NOW, actor="dunning", reason="x")
    assert file.status is Status.PAID
    assert file.new_events == []


def test_handing_over_is_only_possible_after_the_client_was_asked() -> None:
    assert (Status.REMINDED, Trigger.CLIENT_APPROVED_HANDOVER) not in TRANSITIONS
    assert (
        TRANSITIONS[(Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_APPROVED_HANDOVER)]
        is Status.HANDED_OVER
    )


def test_every_state_is_reachable_from_open() -> None:
    reached, frontier = {Status.OPEN}, [Status.OPEN]
    while frontier:
        status = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is status and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(Status)


def test_a_payment_pays_the_oldest_invoice_first_and_closes_the_dossier_when_nothing_is_left() -> None:
    older = invoice("A-1", 10_000, NOW.date() - timedelta(days=40))
    newer = invoice("A-2", 5_000, NOW.date() - timedelta(days=10))
    file = dossier(newer, older)

    assert file.receive_payment("tr_1", 12_000, at=NOW, actor="mollie-webhook")
    assert (file.invoices["A-1"].open_cents, file.invoices["A-2"].open_cents) == (0, 3_000)
    assert file.status is Status.OPEN

    assert file.receive_payment("tr_2", 3_000, at=NOW, actor="mollie-webhook")
    assert file.status is Status.PAID
    assert file.next_action_at is None


def test_the_same_payment_twice_is_applied_once() -> None:
    file = dossier(invoice(open_cents=10_000))
    assert file.receive_payment("tr_1", 4_000, at=NOW, actor="mollie-webhook")
    assert not file.receive_payment("tr_1", 4_000, at=NOW, actor="mollie-webhook")
    assert file.open_cents == 6_000
    assert file.paid_cents == 4_000


def test_an_overpayment_is_recorded_not_lost() -> None:
    file = dossier(invoice(open_cents=10_000))
    file.receive_payment("tr_1", 12_500, at=NOW, actor="mollie-webhook")
    assert file.overpaid_cents == 2_500
    assert file.new_events[-2].details["overpaid_cents"] == 2_500


@given(
    opens=st.lists(st.integers(min_value=1, max_value=10_000_00), min_size=1, max_size=6),
    payments=st.lists(st.integers(min_value=1, max_value=10_000_00), min_size=1, max_size=6),
)
def test_payments_conserve_money(opens: list[int], payments: list[int]) -> None:
    file = dossier(*(invoice(f"F-{i}", cents) for i, cents in enumerate(opens)))
    for i, amount in enumerate(payments):
        file.receive_payment(f"tr_{i}", amount, at=NOW, actor="mollie-webhook")
    paid = sum(payments)
    assert file.open_cents + paid - file.overpaid_cents == sum(opens)
    assert all(i.open_cents >= 0 for i in file.invoices.values())
    assert (file.status is Status.PAID) == (file.open_cents == 0)


def test_an_invoice_missing_from_the_list_is_settled_by_the_client_and_closes_the_dossier() -> None:
    file = dossier(invoice("A-1", 10_000))
    file.settle_invoice_by_client("A-1", at=NOW, actor="import", reason="no longer on the client's list")
    assert file.status is Status.SETTLED_BY_CLIENT
    assert [e.what for e in file.new_events] == ["invoice_settled_by_client", "settled_by_client"]


def test_a_lower_open_amount_is_recorded_as_a_partial_payment_to_the_client() -> None:
    file = dossier(invoice("A-1", 10_000))
    changed = file.take_invoice(invoice("A-1", 4_000), at=NOW, actor="import")
    assert changed
    assert file.new_events[-1].reason == "partly paid to the client directly"
    assert not file.take_invoice(invoice("A-1", 4_000), at=NOW, actor="import")
