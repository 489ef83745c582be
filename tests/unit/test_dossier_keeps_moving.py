"""Wherever a person steps in, the dossier keeps moving until it ends: a declined hand-over, a
dispute about one invoice, a pause, a broken plan, a missed installment. Each scenario runs on the
simulated calendar (swept every 15 minutes with fakes) and checks what the debtor and the client
actually receive."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import DisputeReason, Dossier, Invoice, Status
from chalicelib.domain.schedule import BUDGET_WINDOW
from chalicelib.services.arrangements import ArrangementRequest, create_arrangement
from chalicelib.services.client_decisions import pause_dunning, resume_dunning, withdraw_dossier
from chalicelib.services.disputes import DisputeDecision, DisputeRequest, decide_dispute, file_dispute
from chalicelib.services.handover import Decision, HandoverDecision, decide_handover
from tests.unit.test_dunning_walkthrough import CLUB, Calendar, Sent, local

MEMBER = DebtorDetails(
    "L-77",
    "Noor de Boer",
    DebtorType.CONSUMER,
    email="noor@example.nl",
    phone_e164="+31611223344",
    mobile_e164="+31611223344",
)
LESSONS = Invoice("C-101", date(2026, 8, 31), 12_500, 12_500)
KIT = Invoice("C-102", date(2026, 9, 30), 18_500, 18_500)
OPENED = date(2026, 10, 5)  # a Monday


def stored(world: Calendar, debtor_id: str = "L-77") -> Dossier:
    found = world.dossiers.get(CLUB.client_id, debtor_id)
    assert found is not None
    return found


def to_debtor(world: Calendar) -> list[Sent]:
    return [s for s in world.log if s.to in (MEMBER.email, MEMBER.mobile_e164)]


def to_club(world: Calendar) -> list[Sent]:
    return [s for s in world.log if s.to == CLUB.reply_to_email]


def awaiting_decision(world: Calendar) -> None:
    world.open(CLUB, MEMBER, OPENED, LESSONS)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 10, 20, 12, 0))
    assert stored(world).status is Status.AWAITING_HANDOVER_DECISION


def test_a_declined_hand_over_keeps_reminding_at_the_follow_up_rhythm_within_the_contact_budget() -> None:
    world = Calendar(CLUB)
    awaiting_decision(world)
    decide_handover(
        CLUB.client_id, "L-77", HandoverDecision(Decision.DECLINE), local(2026, 10, 20, 13), world.deps()
    )
    world.run(local(2026, 10, 20, 13, 15), local(2027, 1, 31, 23, 45))

    follow_ups = [s for s in to_debtor(world) if s.channel == "email" and s.subject.startswith("Herinnering")]
    follow_ups = [s for s in follow_ups if s.at > local(2026, 10, 20, 13)]
    # A week after the decision would be 27 October, but six contacts (mail, calls, the second
    # reminder) fell in the 30 days before: the first follow-up waits until 4 November, the next
    # come every 30 days (3 January is a Sunday: Monday the 4th).
    assert [s.at.date() for s in follow_ups] == [date(2026, 11, 4), date(2026, 12, 4), date(2027, 1, 4)]
    assert "Noor de Boer" in follow_ups[0].text and "€ 125,00" in follow_ups[0].text
    dossier = stored(world)
    assert dossier.status is Status.REMINDED and dossier.next_action_at is not None
    # About 6 contact moments a month at most, whatever the channel (calls included).
    moments = dossier.contact_moments()
    assert moments, "the debtor was contacted"
    for start in moments:
        assert (
            len([m for m in moments if start <= m < start + BUDGET_WINDOW]) <= CLUB.contact_moments_per_month
        )


def test_the_contact_budget_pushes_steps_out_rather_than_exceed_it() -> None:
    thrifty = replace(CLUB, contact_moments_per_month=3)
    world = Calendar(thrifty)
    world.open(thrifty, MEMBER, OPENED, LESSONS)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 11, 30, 23, 45))
    moments = stored(world).contact_moments()
    # Day 0 mail, calls on days 3 and 6: the budget is spent, so the day-7 reminder waits until
    # the first moment leaves the 30-day window (4 November).
    assert [m.astimezone(local(2026, 1, 1).tzinfo).date() for m in moments[:4]] == [
        date(2026, 10, 5),
        date(2026, 10, 8),
        date(2026, 10, 12),
        date(2026, 11, 4),
    ]
    for start in moments:
        assert len([m for m in moments if start <= m < start + BUDGET_WINDOW]) <= 3


def test_a_dispute_about_one_invoice_leaves_the_other_chased() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, OPENED, LESSONS, KIT)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 10, 5, 9, 0))
    request = DisputeRequest(
        ("C-101",), DisputeReason.AMOUNT_WRONG, "ik heb maar de helft van de lessen gehad"
    )
    dispute = file_dispute(
        CLUB.client_id, "L-77", request, local(2026, 10, 6, 19), world.deps(), actor="debtor"
    )
    assert dispute.state.value == "with_client"
    acknowledgement, question = world.mailer.sent[-2:]
    assert acknowledgement.to == MEMBER.email and "C-101" in acknowledgement.text
    assert question.to == CLUB.reply_to_email and "het bedrag klopt niet" in question.text

    world.run(local(2026, 10, 6, 19, 15), local(2026, 10, 12, 23, 45))
    second = next(s for s in to_debtor(world) if s.subject.startswith("Tweede herinnering"))
    # Only the undisputed EUR 185 is asked for; the disputed invoice waits for the club.
    assert "C-102" in second.text and "C-101" not in second.text
    assert "Totaal open: € 185,00" in second.text
    dossier = stored(world)
    assert dossier.status is Status.REMINDED
    assert dossier.payment_link is not None and dossier.payment_link.amount_cents == 18_500
    assert dossier.open_cents == 31_000  # the disputed invoice is still owed, only not chased

    # The club upholds the invoice: it is chased again with the next message.
    decide_dispute(
        CLUB.client_id,
        "L-77",
        DisputeDecision(("C-101",), credit=False),
        local(2026, 10, 13, 10),
        world.deps(),
        actor="club",
    )
    assert stored(world).due_cents == 31_000


def test_a_credited_invoice_closes_and_the_file_settles_when_nothing_is_left() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, OPENED, LESSONS)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 10, 5, 9, 0))
    request = DisputeRequest(("C-101",), DisputeReason.NOT_DELIVERED)
    file_dispute(CLUB.client_id, "L-77", request, local(2026, 10, 6, 10), world.deps(), actor="debtor")
    assert stored(world).status is Status.DISPUTED
    decide_dispute(
        CLUB.client_id,
        "L-77",
        DisputeDecision(("C-101",), credit=True),
        local(2026, 10, 7, 10),
        world.deps(),
        actor="club",
    )
    dossier = stored(world)
    assert (dossier.status, dossier.owed_cents, dossier.next_action_at) == (Status.SETTLED_BY_CLIENT, 0, None)


def test_already_paid_is_checked_against_what_we_know() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, OPENED, LESSONS, KIT)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 10, 5, 9, 0))
    dossier = stored(world)
    dossier.settle_invoice_by_client("C-101", at=local(2026, 10, 6, 6), actor="import", reason="paid list")
    world.dossiers.save(dossier)
    # Our records show C-101 paid: the debtor is told so at once, nothing goes to the club.
    answered = file_dispute(
        CLUB.client_id,
        "L-77",
        DisputeRequest(("C-101",), DisputeReason.ALREADY_PAID),
        local(2026, 10, 6, 10),
        world.deps(),
        actor="debtor",
    )
    assert answered.state.value == "confirmed_paid"
    assert [m.to for m in world.mailer.sent[-1:]] == [MEMBER.email]
    # C-102 is open in our books: the club has to check its bank.
    asked = file_dispute(
        CLUB.client_id,
        "L-77",
        DisputeRequest(("C-102",), DisputeReason.ALREADY_PAID),
        local(2026, 10, 6, 11),
        world.deps(),
        actor="debtor",
    )
    assert asked.state.value == "with_client"
    assert world.mailer.sent[-1].to == CLUB.reply_to_email


def test_never_received_sends_a_copy_and_restarts_that_invoices_term() -> None:
    world = Calendar(CLUB)
    world.files.files[f"invoices/{CLUB.client_id}/C-102.pdf"] = b"%PDF-1.4 the club's own invoice"
    world.open(CLUB, MEMBER, OPENED, LESSONS, KIT)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 10, 5, 9, 0))
    copy = file_dispute(
        CLUB.client_id,
        "L-77",
        DisputeRequest(("C-102",), DisputeReason.NEVER_RECEIVED),
        local(2026, 10, 6, 10),
        world.deps(),
        actor="debtor",
    )
    assert copy.resume_at == local(2026, 10, 20).astimezone(UTC)  # 14 days, at 08:30
    email = world.mailer.sent[-1]
    assert email.to == MEMBER.email
    assert [a.filename for a in email.attachments] == ["C-102.pdf"]
    world.run(local(2026, 10, 6, 10, 15), local(2026, 10, 21, 23, 45))
    second = next(s for s in to_debtor(world) if s.subject.startswith("Tweede herinnering"))
    assert "C-102" not in second.text and "Totaal open: € 125,00" in second.text  # on hold
    dossier = stored(world)
    assert not dossier.open_disputes  # reinstated on 20 October
    assert "C-102" in [i.number for i in dossier.chased_invoices]


def test_a_pause_ends_by_itself_and_resume_ends_it_sooner_and_withdraw_ends_everything() -> None:
    world = Calendar(replace(CLUB, phone_contact=False))
    world.open(CLUB, MEMBER, OPENED, LESSONS)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 10, 5, 9, 0))
    pause_dunning(
        CLUB.client_id, "L-77", date(2026, 11, 2), local(2026, 10, 6, 10), world.deps(), actor="club"
    )
    paused = stored(world)
    assert paused.status is Status.PAUSED and paused.waiting_for is not None
    assert (paused.waiting_for.who.value, paused.next_action_at) == (
        "client",
        local(2026, 11, 2).astimezone(UTC),
    )
    world.run(local(2026, 10, 6, 10, 15), local(2026, 11, 1, 23, 45))
    assert [s.at.date() for s in to_debtor(world)] == [date(2026, 10, 5), date(2026, 10, 5)]  # mail + sms
    world.run(local(2026, 11, 2, 0, 0), local(2026, 11, 2, 12, 0))
    assert stored(world).status is Status.REMINDED
    assert to_debtor(world)[-1].at.date() == date(2026, 11, 2)  # the overdue day-7 reminder

    pause_dunning(
        CLUB.client_id, "L-77", date(2027, 1, 4), local(2026, 11, 3, 10), world.deps(), actor="club"
    )
    resume_dunning(CLUB.client_id, "L-77", local(2026, 11, 4, 10), world.deps(), actor="club")
    assert stored(world).status is Status.REMINDED and stored(world).waiting_for is None

    withdraw_dossier(
        CLUB.client_id, "L-77", "settled at the bar", local(2026, 11, 4, 11), world.deps(), actor="club"
    )
    before = len(world.log)
    world.run(local(2026, 11, 4, 11, 15), local(2026, 12, 31, 23, 45))
    assert len(world.log) == before
    final = stored(world)
    assert (final.status, final.next_action_at, final.payment_link) == (Status.WITHDRAWN, None, None)


def test_a_broken_plan_agreed_during_the_hand_over_decision_returns_to_it_and_the_club_is_told() -> None:
    world = Calendar(replace(CLUB, phone_contact=False))
    awaiting_decision(world)
    request = ArrangementRequest(plan=((date(2026, 11, 2), 6_000), (date(2026, 12, 2), 6_500)))
    create_arrangement(CLUB.client_id, "L-77", request, local(2026, 10, 21, 10), world.deps())
    world.run(local(2026, 10, 21, 10, 15), local(2026, 12, 10, 23, 45))
    dossier = stored(world)
    # Installment 1 missed and reminded, installment 2 missed as well: back to the decision.
    assert dossier.status is Status.AWAITING_HANDOVER_DECISION
    assert dossier.waiting_for is not None and dossier.waiting_for.who.value == "client"
    debtor_mail = [s.subject for s in to_debtor(world) if s.channel == "email" and s.at > local(2026, 10, 21)]
    assert [subject.split(" ")[0] for subject in debtor_mail] == [
        "Bevestiging",
        "Termijn",
        "Termijn",
        "Termijn",
    ]
    assert "Termijn 2 van uw betalingsregeling" in debtor_mail[3]  # installment 2's link despite the miss
    told = [s for s in to_club(world) if s.at > local(2026, 10, 21)]
    assert told and "betalingsregeling" in told[-1].subject.lower()
    assert "weer aan u" in told[-1].text or "beslissing" in told[-1].text.lower()


def test_installment_2_gets_its_link_and_email_on_time_after_installment_1_was_missed() -> None:
    world = Calendar(replace(CLUB, phone_contact=False))
    world.open(CLUB, MEMBER, OPENED, LESSONS)
    request = ArrangementRequest(plan=((date(2026, 10, 19), 6_000), (date(2026, 11, 19), 6_500)))
    create_arrangement(CLUB.client_id, "L-77", request, local(2026, 10, 5, 7), world.deps())
    world.run(local(2026, 10, 5, 7, 15), local(2026, 11, 13, 23, 45))
    installments = [(s.at.date(), s.subject) for s in to_debtor(world) if s.channel == "email"]
    assert [day for day, _ in installments] == [
        date(2026, 10, 5),  # the plan in writing
        date(2026, 10, 5),  # installment 1's link
        date(2026, 10, 23),  # installment 1 missed (3 grace days)
        date(2026, 11, 12),  # installment 2's link, a week before it is due
    ]
    assert installments[-1][1].startswith("Termijn 2 van uw betalingsregeling")
    link = stored(world).payment_link
    assert link is not None and (link.installment, link.amount_cents) == (2, 6_500)


def test_a_consumers_hand_over_request_waits_for_the_fourteen_day_term() -> None:
    member = replace(MEMBER, street="Dorpsweg 3", postcode="1234 AB", city="Zwolle")
    world = Calendar(replace(CLUB, phone_contact=False))
    world.open(CLUB, member, OPENED, LESSONS)
    world.run(local(2026, 10, 5, 8, 0), local(2026, 11, 10, 23, 45))
    letter = stored(world).fourteen_day_letter
    assert letter is not None and letter.posted_on == date(2026, 10, 12)
    # The question reaches the club in its daily digest, not in an e-mail of its own.
    assert not [s for s in to_club(world) if "overdragen" in s.subject]
    [asked] = [
        e.at
        for e in world.dossiers.events(CLUB.client_id, MEMBER.debtor_id)
        if e.what == "handover_decision_requested"
    ]
    # Not on day 15 (20 October) but the day costs are due: the term ran to 28 October.
    assert asked == local(2026, 10, 29)
    assert stored(world).open_costs_cents == 4_000
    assert datetime(2026, 10, 29, tzinfo=UTC).date() == letter.costs_due_from
    assert timedelta(days=14) <= letter.costs_due_from - letter.posted_on
