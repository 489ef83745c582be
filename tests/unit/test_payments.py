"""Payments through Mollie with fakes: links, webhooks, refunds, chargebacks, reconciliation and
arrangements, in the amounts a club treasurer would check."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from chalicelib.domain.dossier import OVERPAID_FLAG, Dossier, Status
from chalicelib.domain.errors import ConcurrentChange, PaymentProviderUnavailable
from chalicelib.services.dossier_actions import ActionDeps, ActionOutcome, run_due_action
from chalicelib.services.payments import WebhookOutcome, on_mollie_webhook, payment_link_for
from chalicelib.services.reconciliation import ReconciliationDeps, reconcile_payments
from tests.builders import CLUB, NOW, dossier, invoice
from tests.fakes import (
    FakeClientDirectory,
    FakeDossierRepository,
    FakeFileStore,
    FakeMailer,
    FakePaymentGateway,
    FakePaymentLinkRegistry,
    fake_action_deps,
)

OLD = invoice("2026-0101", 10_000, date(2026, 9, 30))
NEW = invoice("2026-0140", 5_000, date(2026, 10, 31))


class Payments:
    def __init__(self) -> None:
        self.dossiers = FakeDossierRepository()
        self.clients = FakeClientDirectory(CLUB)
        self.gateway = FakePaymentGateway()
        self.links = FakePaymentLinkRegistry()
        self.files = FakeFileStore()
        self.mailer = FakeMailer()
        file = dossier(OLD, NEW)
        file.step = 1
        self.dossiers.save(file)

    def file(self) -> Dossier:
        found = self.dossiers.get(CLUB.client_id, "10023")
        assert found is not None
        return found

    def issue_link(self, step: int = 1, days: int = 0) -> str:
        file = self.file()
        link = payment_link_for(
            CLUB,
            file,
            step,
            NOW + timedelta(days=days),
            gateway=self.gateway,
            links=self.links,
            public_api_url="https://api.debtflow.example",
        )
        self.dossiers.save(file)
        return link.payment_id

    def webhook(self, payment_id: str, client_id: str = CLUB.client_id) -> WebhookOutcome:
        return on_mollie_webhook(
            client_id,
            payment_id,
            NOW,
            clients=self.clients,
            dossiers=self.dossiers,
            gateway=self.gateway,
            links=self.links,
        )

    def events(self) -> list[str]:
        # The schedule's own lines are left out: these tests read what happened to the money.
        return [
            e.what for e in self.dossiers.events(CLUB.client_id, "10023") if e.what != "next_action_planned"
        ]


@pytest.fixture
def pay() -> Payments:
    return Payments()


def test_a_link_carries_the_client_the_invoices_the_webhook_url_and_the_amount_due(pay: Payments) -> None:
    link_id = pay.issue_link()
    link = pay.gateway.links[link_id]
    assert link["amount_cents"] == 15_000
    assert link["description"] == "Voetbalvereniging De Zwaluwen - 2026-0101, 2026-0140"
    assert link["redirect_url"] == CLUB.redirect_url
    assert link["webhook_url"] == f"https://api.debtflow.example/webhooks/mollie/{CLUB.client_id}"
    assert pay.links.find(CLUB.client_id, link_id) is not None
    # The same amount at the next step reuses the open link: one open link per dossier.
    assert pay.issue_link(step=2, days=7) == link_id
    assert len(pay.gateway.links) == 1


def test_paying_in_full_closes_the_dossier(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    assert pay.webhook(payment_id) is WebhookOutcome.APPLIED
    file = pay.file()
    assert (file.status, file.due_cents, file.paid_cents, file.payment_link) == (Status.PAID, 0, 15_000, None)
    assert file.next_action_at is None


def test_paying_part_then_the_rest_pays_the_oldest_invoice_first_and_renews_the_link(pay: Payments) -> None:
    first_link = pay.issue_link()
    assert pay.webhook(pay.gateway.pay_link(first_link, 12_000)) is WebhookOutcome.APPLIED
    file = pay.file()
    assert (file.invoices["2026-0101"].open_cents, file.invoices["2026-0140"].open_cents) == (0, 3_000)
    assert file.status is Status.OPEN
    assert file.payment_link is None and file.retired_links[-1].payment_id == first_link

    second_link = pay.issue_link(step=2, days=7)
    assert second_link != first_link and pay.gateway.links[second_link]["amount_cents"] == 3_000
    assert pay.webhook(pay.gateway.pay_link(second_link)) is WebhookOutcome.APPLIED
    assert (pay.file().status, pay.file().paid_cents) == (Status.PAID, 15_000)


def test_costs_and_interest_are_paid_before_principal(pay: Payments) -> None:
    file = pay.file()
    file.open_costs_cents, file.open_interest_cents = 4_000, 250
    pay.dossiers.save(file)
    pay.webhook(pay.gateway.pay_link(pay.issue_link(), 10_000))
    file = pay.file()
    assert (file.open_costs_cents, file.open_interest_cents) == (0, 0)
    assert (file.invoices["2026-0101"].open_cents, file.invoices["2026-0140"].open_cents) == (4_250, 5_000)


def test_an_old_link_paid_after_a_new_one_was_issued_is_still_credited(pay: Payments) -> None:
    old_link = pay.issue_link()
    pay.webhook(pay.gateway.pay_link(old_link, 5_000))  # partly, through the old link
    new_link = pay.issue_link(step=2, days=7)
    assert pay.file().payment_link.payment_id == new_link  # type: ignore[union-attr]
    # The debtor still has the first e-mail and pays the old link's full amount.
    assert pay.webhook(pay.gateway.pay_link(old_link)) is WebhookOutcome.APPLIED
    file = pay.file()
    assert (file.status, file.paid_cents, file.overpaid_cents) == (Status.PAID, 20_000, 5_000)
    assert OVERPAID_FLAG in file.flags


def test_an_overpayment_is_recorded_and_flagged_for_the_client(pay: Payments) -> None:
    pay.webhook(pay.gateway.pay_link(pay.issue_link(), 16_000))
    file = pay.file()
    assert (file.status, file.overpaid_cents, file.flags) == (Status.PAID, 1_000, (OVERPAID_FLAG,))
    flagged = [e for e in pay.dossiers.events(CLUB.client_id, "10023") if e.what == "overpayment_flagged"]
    assert flagged[0].details["overpaid_cents"] == 1_000


def test_a_refund_reopens_what_it_undoes_once_however_often_the_webhook_comes(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    pay.webhook(payment_id)
    pay.gateway.refund(payment_id, 6_000)
    assert pay.webhook(payment_id) is WebhookOutcome.REVERSED
    assert pay.webhook(payment_id) is WebhookOutcome.ALREADY_APPLIED
    file = pay.file()
    # The newest principal is undone first: 5,000 on 2026-0140, then 1,000 on 2026-0101.
    assert (file.invoices["2026-0101"].open_cents, file.invoices["2026-0140"].open_cents) == (1_000, 5_000)
    assert (file.status, file.paid_cents, file.next_action_at) == (Status.REMINDED, 9_000, NOW)
    assert pay.events()[-2:] == ["payment_refunded", "reopened"]
    refunded = [e for e in pay.dossiers.events(CLUB.client_id, "10023") if e.what == "payment_refunded"]
    assert refunded[0].details["reversal_ids"] == [
        r.reversal_id for r in pay.gateway.reversals(CLUB, payment_id)
    ]


def test_a_chargeback_reopens_the_dossier_with_an_audit_event(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    pay.webhook(payment_id)
    pay.gateway.charge_back(payment_id, 15_000)
    assert pay.webhook(payment_id) is WebhookOutcome.REVERSED
    file = pay.file()
    assert (file.status, file.due_cents, file.paid_cents) == (Status.REMINDED, 15_000, 0)
    [reopened] = [e for e in pay.dossiers.events(CLUB.client_id, "10023") if e.what == "reopened"]
    assert (reopened.what, reopened.from_status, reopened.to_status) == (
        "reopened",
        Status.PAID,
        Status.REMINDED,
    )
    assert "charged back" in reopened.reason


def test_a_first_webhook_that_arrives_after_the_refund_applies_payment_and_refund_once(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    pay.gateway.refund(payment_id, 15_000)  # the "paid" webhook was lost; the refund's came first
    assert pay.webhook(payment_id) is WebhookOutcome.REVERSED
    assert pay.webhook(payment_id) is WebhookOutcome.ALREADY_APPLIED
    file = pay.file()
    assert (file.status, file.due_cents, file.paid_cents) == (Status.REMINDED, 15_000, 0)
    assert pay.events().count("payment_received") == 1


@pytest.mark.parametrize("status", ["open", "pending", "failed", "canceled", "expired"])
def test_unpaid_statuses_change_nothing(pay: Payments, status: str) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    pay.gateway.payments[payment_id]["status"] = status
    before = pay.file().version
    assert pay.webhook(payment_id) is WebhookOutcome.NOT_PAID
    assert pay.file().version == before


def test_a_forged_id_and_another_clients_payment_are_ignored(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    other = CLUB.__class__(**{**CLUB.__dict__, "client_id": "hockeyclub"})
    pay.clients.save(other)
    assert pay.webhook("tr_forged123") is WebhookOutcome.IGNORED
    assert pay.webhook(payment_id, client_id="hockeyclub") is WebhookOutcome.IGNORED
    assert pay.webhook(payment_id, client_id="unknown-club") is WebhookOutcome.IGNORED
    assert pay.file().paid_cents == 0


def test_mollie_down_raises_and_the_retry_applies_the_payment_once(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    pay.gateway.fail_next(1)
    with pytest.raises(PaymentProviderUnavailable):
        pay.webhook(payment_id)
    assert pay.file().paid_cents == 0
    assert pay.webhook(payment_id) is WebhookOutcome.APPLIED
    assert pay.webhook(payment_id) is WebhookOutcome.ALREADY_APPLIED
    assert pay.file().paid_cents == 15_000


def test_the_sweep_saving_meanwhile_is_retried_and_neither_change_is_lost(pay: Payments) -> None:
    payment_id = pay.gateway.pay_link(pay.issue_link())
    original_save = pay.dossiers.save
    raced = []

    def sweep_wins_once(file: Dossier) -> None:
        if not raced:
            raced.append(True)
            other = pay.dossiers.get(CLUB.client_id, "10023")
            assert other is not None
            other.step = 2  # the action runner's change lands first
            original_save(other)
            raise ConcurrentChange("changed meanwhile")
        original_save(file)

    pay.dossiers.save = sweep_wins_once  # type: ignore[method-assign]
    assert pay.webhook(payment_id) is WebhookOutcome.APPLIED
    file = pay.file()
    assert (file.step, file.status, file.paid_cents) == (2, Status.PAID, 15_000)


def test_reconciliation_applies_a_paid_payment_no_webhook_delivered_and_reports_it(pay: Payments) -> None:
    link_id = pay.issue_link()
    missed = pay.gateway.pay_link(link_id, at=NOW - timedelta(hours=5))
    deps = ReconciliationDeps(pay.clients, pay.dossiers, pay.gateway, pay.links, pay.files)
    [report] = reconcile_payments(NOW, deps)
    assert report.fixed == [
        {"payment_id": missed, "debtor_id": "10023", "amount_cents": 15_000, "outcome": "applied"}
    ]
    assert pay.file().status is Status.PAID
    stored = json.loads(
        pay.files.files[f"reports/{CLUB.client_id}/reconciliation-{NOW.date().isoformat()}.json"]
    )
    assert stored["fixed"][0]["payment_id"] == missed
    # A second run finds nothing left to fix.
    assert reconcile_payments(NOW, deps)[0].fixed == []


def test_reconciliation_reports_a_client_whose_mollie_is_down_and_goes_on(pay: Payments) -> None:
    pay.gateway.fail_next(1)
    deps = ReconciliationDeps(pay.clients, pay.dossiers, pay.gateway, pay.links, pay.files)
    [report] = reconcile_payments(NOW, deps)
    assert report.error == "Mollie answered HTTP 503; try again later"


def _arrangement_world(pay: Payments) -> ActionDeps:
    from chalicelib.services.arrangements import ArrangementRequest, create_arrangement

    deps: ActionDeps = fake_action_deps(pay.dossiers, pay.clients, pay.gateway, pay.mailer, links=pay.links)
    create_arrangement(CLUB.client_id, "10023", ArrangementRequest(installments=3), NOW, deps)
    return deps


def _confirmed_in_writing(pay: Payments, deps: ActionDeps) -> None:
    """The first action after an agreement: the schedule in writing, before any link."""
    assert run_due_action(CLUB.client_id, "10023", NOW, deps) is ActionOutcome.SENT
    assert pay.mailer.sent[-1].subject.startswith("Bevestiging van uw betalingsregeling")
    assert pay.file().payment_link is None


def test_an_arrangement_survives_one_missed_installment_and_completes(pay: Payments) -> None:
    deps = _arrangement_world(pay)
    file = pay.file()
    assert file.status is Status.IN_ARRANGEMENT and file.arrangement is not None
    assert [(i.due_date, i.amount_cents) for i in file.arrangement.installments] == [
        (date(2026, 12, 10), 5_000),
        (date(2027, 1, 10), 5_000),
        (date(2027, 2, 10), 5_000),
    ]
    _confirmed_in_writing(pay, deps)
    assert run_due_action(CLUB.client_id, "10023", NOW, deps) is ActionOutcome.SENT
    first = pay.file().payment_link
    assert first is not None and (first.installment, first.amount_cents) == (1, 5_000)
    pay.webhook(pay.gateway.pay_link(first.payment_id))
    # Installment 2 is not paid: its link goes out, then it is missed and reminded.
    due = pay.file().next_action_at
    assert due is not None and run_due_action(CLUB.client_id, "10023", due, deps) is ActionOutcome.NOT_DUE
    due = pay.file().next_action_at
    # A week before installment 2 is Sunday 3 January: Monday 08:30 Amsterdam, in the contact window.
    assert due == NOW.replace(year=2027, month=1, day=4, hour=7, minute=30)
    assert run_due_action(CLUB.client_id, "10023", due, deps) is ActionOutcome.SENT
    missed_at = NOW.replace(year=2027, month=1, day=14)
    assert run_due_action(CLUB.client_id, "10023", missed_at, deps) is ActionOutcome.SENT
    assert pay.events().count("installment_missed") == 1
    assert pay.file().status is Status.IN_ARRANGEMENT
    second = pay.file().payment_link
    assert second is not None and second.installment == 2
    pay.webhook(pay.gateway.pay_link(second.payment_id))
    pay.webhook(pay.gateway.pay_link(pay.issue_link(step=1, days=60)))  # the rest, 5,000
    file = pay.file()
    assert (file.status, file.paid_cents) == (Status.PAID, 15_000)
    assert "arrangement_completed" in pay.events()


def test_two_missed_installments_end_the_arrangement_and_dunning_resumes_with_payments_counted(
    pay: Payments,
) -> None:
    deps = _arrangement_world(pay)
    _confirmed_in_writing(pay, deps)
    run_due_action(CLUB.client_id, "10023", NOW, deps)
    link = pay.file().payment_link
    assert link is not None
    pay.webhook(pay.gateway.pay_link(link.payment_id, 2_000))  # part of installment 1
    run_due_action(CLUB.client_id, "10023", NOW.replace(month=12, day=14), deps)  # first miss
    assert pay.file().status is Status.IN_ARRANGEMENT
    late = NOW.replace(year=2027, month=1, day=14)
    run_due_action(CLUB.client_id, "10023", late, deps)  # second miss
    file = pay.file()
    assert (file.status, file.step, file.due_cents, file.next_action_at) == (Status.REMINDED, 1, 13_000, late)
    assert "arrangement_defaulted" in pay.events()


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "at least 2 installments"),
        (13, "at most 12 monthly installments"),
    ],
)
def test_an_arrangement_outside_the_clients_rules_is_refused_with_a_reason(
    pay: Payments, count: int, message: str
) -> None:
    from chalicelib.domain.arrangements import ArrangementRefused
    from chalicelib.services.arrangements import ArrangementRequest, create_arrangement

    with pytest.raises(ArrangementRefused, match=message):
        create_arrangement(
            CLUB.client_id,
            "10023",
            ArrangementRequest(installments=count),
            NOW,
            fake_action_deps(pay.dossiers, pay.clients, pay.gateway, pay.mailer),
        )


def test_a_large_plan_needs_the_clients_approval_and_sums_exactly() -> None:
    from chalicelib.domain.arrangements import ArrangementNeedsApproval, ArrangementRules, plan_installments

    with pytest.raises(ArrangementNeedsApproval):
        plan_installments(300_001, 3, date(2026, 12, 1), ArrangementRules())
    plan = plan_installments(300_001, 3, date(2026, 12, 1), ArrangementRules(), approved_by_client=True)
    assert [i.amount_cents for i in plan] == [100_001, 100_000, 100_000]
    assert [i.due_date for i in plan] == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
