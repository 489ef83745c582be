"""A state machine over everything that can happen to a dossier: the clock and the sweep, payments
(in full, in part, refunded), the client's lists, disputes and their answers, hand-over decisions,
pauses, withdrawals, arrangements, bounces and calls. After every step:

- no silent dossier: an active dossier always has a next action time, and one that waits on a
  person says who and until when;
- money is conserved: every cent of every payment is on an invoice, on costs, on interest or kept
  as an overpayment, and nothing is open below zero;
- nothing is sent to the debtor of a closed or handed-over dossier.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chalicelib.domain.call_tasks import CallOutcome
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import DisputeReason, Dossier, Invoice, Status
from chalicelib.domain.errors import DebtflowError
from chalicelib.services.arrangements import ArrangementRequest, create_arrangement
from chalicelib.services.call_tasks import CallReport, record_call_outcome
from chalicelib.services.client_decisions import pause_dunning, resume_dunning, withdraw_dossier
from chalicelib.services.disputes import DisputeDecision, DisputeRequest, decide_dispute, file_dispute
from chalicelib.services.dossier_actions import run_due_action
from chalicelib.services.email_feedback import EmailFeedback, FeedbackDeps, FeedbackKind, on_email_feedback
from chalicelib.services.handover import Decision, HandoverDecision, decide_handover
from chalicelib.services.payments import on_mollie_webhook
from chalicelib.services.unit_of_work import DossierUnitOfWork
from tests.fakes import FakeSentEmailIndex
from tests.unit.test_dunning_walkthrough import CLUB, WHOLESALER, Calendar

START = datetime(2026, 10, 5, 6, 0, tzinfo=UTC)
DEBTOR = "S-1"
INVOICES = ("S-101", "S-102", "S-103")
# Closed or gone to the agency: the debtor hears nothing more from us.
SILENT = (Status.PAID, Status.SETTLED_BY_CLIENT, Status.WITHDRAWN, Status.HANDED_OVER)
# A dossier due again and again at one moment would be swept every 15 minutes forever.
MAX_ACTIONS_AT_ONE_MOMENT = 12


def paid_through_us(dossier: Dossier, number: str) -> bool:
    """The client's books lag behind our payments, and the import never raises an invoice above
    what we know is open (services/import_upload.py); only what the client settled reappears."""
    return any(cents for p in dossier.payments.values() for n, cents in p.invoices if n == number)


class DossierLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START

    @initialize(
        client=st.sampled_from(
            [CLUB, replace(CLUB, phone_contact=False, contact_moments_per_month=3), WHOLESALER]
        ),
        consumer=st.booleans(),
        amounts=st.lists(st.integers(1_000, 400_000), min_size=1, max_size=3),
        postal=st.booleans(),
    )
    def open_the_dossier(self, client: object, consumer: bool, amounts: list[int], postal: bool) -> None:
        from chalicelib.domain.clients import Client

        assert isinstance(client, Client)
        self.client = client
        self.world = Calendar(client)
        self.sent_emails = FakeSentEmailIndex()
        self.debtor = DebtorDetails(
            DEBTOR,
            "Sem Visser",
            DebtorType.CONSUMER if consumer else DebtorType.BUSINESS,
            email="sem@example.nl",
            phone_e164="+31612121212",
            mobile_e164="+31612121212",
            street="Laan 1" if postal else None,
            postcode="1000 AA" if postal else None,
            city="Amsterdam" if postal else None,
        )
        invoices = [
            Invoice(number, date(2026, 9, 1) + timedelta(days=10 * n), cents, cents)
            for n, (number, cents) in enumerate(zip(INVOICES, amounts, strict=False))
        ]
        self.world.open(client, self.debtor, START.date(), *invoices)

    # --- helpers --------------------------------------------------------------------------------

    def dossier(self) -> Dossier:
        found = self.world.dossiers.get(self.client.client_id, DEBTOR)
        assert found is not None
        return found

    def deps(self):  # type: ignore[no-untyped-def]
        return replace(self.world.deps(), sent_emails=self.sent_emails)

    def attempt(self, action) -> None:  # type: ignore[no-untyped-def]
        """A person's request the product may refuse: refused with a reason is fine, a crash is not."""
        silent_before = self.dossier().status in SILENT
        to_debtor = self.debtor_messages()
        try:
            action()
        except DebtflowError as refused:
            assert str(refused)
        if silent_before:
            assert self.debtor_messages() == to_debtor, "a message went to the debtor of a closed dossier"

    def debtor_messages(self) -> int:
        return sum(1 for m in self.world.mailer.sent if m.to == self.debtor.email) + len(self.world.sms.sent)

    # --- the clock -------------------------------------------------------------------------------

    @rule(hours=st.integers(1, 24 * 20))
    def time_passes(self, hours: int) -> None:
        """Every due action runs, as the sweep would find it; none may come back at once forever."""
        self.now += timedelta(hours=hours)
        for _ in range(MAX_ACTIONS_AT_ONE_MOMENT):
            dossier = self.dossier()
            if dossier.next_action_at is None or dossier.next_action_at > self.now:
                return
            silent = dossier.status in SILENT
            before = self.debtor_messages()
            run_due_action(self.client.client_id, DEBTOR, self.now, self.deps())
            if silent:
                assert self.debtor_messages() == before, "a message went to the debtor of a closed dossier"
        pytest.fail(f"the dossier is due again and again at {self.now}: {self.dossier().next_action_at}")

    # --- the debtor and Mollie -------------------------------------------------------------------

    @rule(share=st.sampled_from([1.0, 0.5, 0.1, 1.5]))
    def debtor_pays_the_open_link(self, share: float) -> None:
        link = self.dossier().payment_link
        if link is None:
            return
        payment_id = self.world.payments.pay_link(
            link.payment_id, max(1, int(link.amount_cents * share)), at=self.now
        )
        self.webhook(payment_id)

    @precondition(lambda self: bool(self.world.payments.payments))
    @rule(data=st.data())
    def a_payment_is_refunded(self, data: st.DataObject) -> None:
        payment_id = data.draw(st.sampled_from(sorted(self.world.payments.payments)))
        payment = self.world.payments.payments[payment_id]
        self.world.payments.refund(payment_id, max(1, payment["amount_cents"] // 2))
        self.webhook(payment_id)

    def webhook(self, payment_id: str) -> None:
        self.attempt(
            lambda: on_mollie_webhook(
                self.client.client_id,
                payment_id,
                self.now,
                clients=self.world.clients,
                dossiers=self.world.dossiers,
                gateway=self.world.payments,
                links=self.world.links,
            )
        )

    @rule(
        invoices=st.lists(st.sampled_from(INVOICES), min_size=1, max_size=2),
        reason=st.sampled_from(DisputeReason),
    )
    def debtor_disputes(self, invoices: list[str], reason: DisputeReason) -> None:
        request = DisputeRequest(tuple(invoices), reason, "")
        self.attempt(
            lambda: file_dispute(
                self.client.client_id, DEBTOR, request, self.now, self.deps(), actor="debtor"
            )
        )

    @rule()
    def the_email_bounces(self) -> None:
        sent = [m for m in self.dossier().messages if m.provider_id and m.channel.startswith("email")]
        if not sent:
            return
        feedback = EmailFeedback(
            FeedbackKind.PERMANENT_BOUNCE, sent[-1].provider_id or "", self.now, ("sem@example.nl",)
        )
        on_email_feedback(feedback, FeedbackDeps(self.world.dossiers, self.sent_emails))

    @rule(outcome=st.sampled_from(CallOutcome), days=st.integers(0, 30))
    def the_call_team_calls(self, outcome: CallOutcome, days: int) -> None:
        open_tasks = [t for t in self.dossier().call_tasks if t.is_open]
        if not open_tasks:
            return
        promised = (self.now + timedelta(days=days)).date() if outcome is CallOutcome.PROMISE_TO_PAY else None
        report = CallReport(outcome, promised, "", "Noor")
        task_id = open_tasks[0].task_id
        self.attempt(
            lambda: record_call_outcome(
                self.client.client_id, DEBTOR, task_id, report, self.now, self.deps(), actor="call-team"
            )
        )

    # --- the client ------------------------------------------------------------------------------

    @rule(invoices=st.lists(st.sampled_from(INVOICES), min_size=1, max_size=2), credit=st.booleans())
    def client_answers_a_dispute(self, invoices: list[str], credit: bool) -> None:
        decision = DisputeDecision(tuple(invoices), credit)
        self.attempt(
            lambda: decide_dispute(
                self.client.client_id, DEBTOR, decision, self.now, self.deps(), actor="club"
            )
        )

    @rule(decision=st.sampled_from(Decision), carry_on=st.booleans())
    def client_decides_on_a_hand_over(self, decision: Decision, carry_on: bool) -> None:
        choice = HandoverDecision(decision, carry_on)
        self.attempt(lambda: decide_handover(self.client.client_id, DEBTOR, choice, self.now, self.deps()))

    @rule(days=st.integers(1, 120))
    def client_pauses(self, days: int) -> None:
        until = (self.now + timedelta(days=days)).date()
        self.attempt(
            lambda: pause_dunning(self.client.client_id, DEBTOR, until, self.now, self.deps(), actor="club")
        )

    @rule()
    def client_resumes(self) -> None:
        self.attempt(
            lambda: resume_dunning(self.client.client_id, DEBTOR, self.now, self.deps(), actor="club")
        )

    @rule()
    def client_withdraws(self) -> None:
        self.attempt(
            lambda: withdraw_dossier(self.client.client_id, DEBTOR, "", self.now, self.deps(), actor="club")
        )

    @rule(count=st.integers(2, 4))
    def client_agrees_an_arrangement(self, count: int) -> None:
        request = ArrangementRequest(installments=count, approved_by_client=True)
        self.attempt(
            lambda: create_arrangement(self.client.client_id, DEBTOR, request, self.now, self.deps())
        )

    @rule(number=st.sampled_from(INVOICES), paid=st.booleans())
    def the_clients_list_changes(self, number: str, paid: bool) -> None:
        """A paid-list line settles an invoice; a reappearing line opens it again."""

        def change(dossier: Dossier) -> None:
            known = dossier.invoices.get(number)
            if paid:
                dossier.settle_invoice_by_client(
                    number, at=self.now, actor="import", reason="paid to the club"
                )
            elif known is not None and not known.is_open and not paid_through_us(dossier, number):
                dossier.take_invoice(
                    replace(known, open_cents=known.amount_cents), at=self.now, actor="import"
                )
                if dossier.is_active and dossier.next_action_at is None:
                    raise AssertionError("reopened without a next action")

        DossierUnitOfWork(self.world.dossiers).change(self.client.client_id, DEBTOR, change)

    # --- what must always hold -------------------------------------------------------------------

    @invariant()
    def no_silent_dossier(self) -> None:
        dossier = self.dossier()
        if dossier.is_active:
            assert dossier.next_action_at is not None, f"{dossier.status.value} without a next action"
        else:
            assert dossier.next_action_at is None or dossier.status is Status.HANDED_OVER
        if dossier.waiting_for is not None:
            assert dossier.waiting_for.until is not None and dossier.waiting_for.who is not None

    @invariant()
    def money_is_conserved(self) -> None:
        dossier = self.dossier()
        for payment in dossier.payments.values():
            placed = payment.costs_cents + payment.interest_cents + sum(c for _, c in payment.invoices)
            assert placed + payment.overpaid_cents == payment.amount_cents - payment.reversed_cents
            assert min(payment.costs_cents, payment.interest_cents, payment.overpaid_cents) >= 0
        assert dossier.paid_cents == sum(p.amount_cents - p.reversed_cents for p in dossier.payments.values())
        assert dossier.overpaid_cents == sum(p.overpaid_cents for p in dossier.payments.values())
        assert dossier.open_costs_cents >= 0 and dossier.open_interest_cents >= 0
        for invoice in dossier.invoices.values():
            assert 0 <= invoice.open_cents <= invoice.amount_cents


TestDossierLife = DossierLife.TestCase
TestDossierLife.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
