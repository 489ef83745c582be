"""The dunning engine's promises: one message per step even when a crash comes between sending
and recording; the client's hand-over decision; call outcomes feeding back into the dossier."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chalicelib.domain.call_tasks import CallOutcome
from chalicelib.domain.clients import BusinessCosts
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Invoice, Status
from chalicelib.domain.errors import InvalidRequest, TransitionNotAllowed
from chalicelib.services.call_tasks import CallReport, record_call_outcome, worklist
from chalicelib.services.dossier_actions import ActionOutcome, run_due_action
from chalicelib.services.handover import Decision, HandoverDecision, decide_handover
from tests.fakes import FakeMailer
from tests.unit.test_dunning_walkthrough import CLUB, WHOLESALER, Calendar, local, pdf_text

MEMBER = DebtorDetails(
    "L-9",
    "Lotte Bakker",
    DebtorType.CONSUMER,
    email="lotte@example.nl",
    phone_e164="+31622334455",
    mobile_e164="+31622334455",
    street="Dorpsweg 3",
    postcode="1234 AB",
    city="Zwolle",
)


class LostResponseMailer(FakeMailer):
    """SES accepted the e-mail, but the answer never reached us (timeout, Lambda killed)."""

    def send(self, email: object) -> str:
        super().send(email)  # type: ignore[arg-type]
        raise TimeoutError("read timeout from SES")


def test_a_crash_after_sending_never_sends_the_message_twice() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    world.mailer = LostResponseMailer()
    now = local(2026, 6, 1, 9, 0)
    with pytest.raises(TimeoutError):
        run_due_action(CLUB.client_id, "L-9", now, world.deps())
    # SQS redelivers the action: the e-mail is claimed and not sent again; the SMS after it was
    # never tried, so it goes now.
    world.mailer = FakeMailer()
    assert run_due_action(CLUB.client_id, "L-9", now, world.deps()) is ActionOutcome.SENT
    assert world.mailer.sent == []
    assert [s.to for s in world.sms.sent] == ["+31622334455"]
    assert run_due_action(CLUB.client_id, "L-9", now, world.deps()) is ActionOutcome.NOT_DUE
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None
    email = next(m for m in dossier.messages if m.channel == "email")
    # It errs towards silence: the e-mail is on file, unconfirmed, for the client to see.
    assert (email.confirmed, email.provider_id) == (False, None)


def test_a_failed_confirmation_save_sends_nothing_again() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    original_save = world.dossiers.save
    saves = {"n": 0}

    def failing_confirm(dossier: object) -> None:
        saves["n"] += 1
        if saves["n"] == 2:  # the claim is save 1, the confirmation save 2
            raise ConnectionError("DynamoDB unreachable")
        original_save(dossier)  # type: ignore[arg-type]

    world.dossiers.save = failing_confirm  # type: ignore[method-assign]
    now = local(2026, 6, 1, 9, 0)
    with pytest.raises(ConnectionError):
        run_due_action(CLUB.client_id, "L-9", now, world.deps())
    world.dossiers.save = original_save  # type: ignore[method-assign]
    # The e-mail went out, unrecorded: never again. The SMS after it was never tried: it goes.
    assert len(world.mailer.sent) == 1 and world.sms.sent == []
    assert run_due_action(CLUB.client_id, "L-9", now, world.deps()) is ActionOutcome.SENT
    assert run_due_action(CLUB.client_id, "L-9", now, world.deps()) is ActionOutcome.NOT_DUE
    assert len(world.mailer.sent) == 1 and len(world.sms.sent) == 1


def _awaiting_decision(world: Calendar) -> None:
    world.open(CLUB, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    world.run(local(2026, 6, 1, 8, 0), local(2026, 6, 30, 23, 0))


def test_approving_a_handover_exports_the_complete_file_for_the_agency() -> None:
    world = Calendar(CLUB)
    _awaiting_decision(world)
    deps = world.deps()
    result = decide_handover(
        CLUB.client_id, "L-9", HandoverDecision(Decision.APPROVE), local(2026, 7, 1, 10, 0), deps
    )
    assert result.status == "handed_over"
    assert result.export_key == "handover/hc-de-ijsvogels/L-9/2026-07-01.json"
    export = json.loads(world.files.files[result.export_key])
    # The 14-day letter went out with the day-7 reminder (Mon 8 June); presumed receipt Wed 10 June,
    # the term ended Wed 24 June,
    # so the announced EUR 40 is due; consumer interest (4%) from 2 May through 1 July.
    assert export["fourteen_day_letter"]["posted_on"] == "2026-06-08"
    assert export["fourteen_day_letter"]["costs_due_from"] == "2026-06-25"
    assert export["amounts"] == {
        "principal_cents": 7_500,
        "costs_cents": 4_000,
        "costs_basis": "BW 6:96 lid 6: the term of the 14-day letter posted 2026-06-08 has ended",
        "interest_cents": 50,  # 49 to 30 June + 1 on 1 July (rate periods round apart)
        "interest_kind": "consumer",
        "paid_cents": 0,
        "total_cents": 11_550,
    }
    assert [m["channel"] for m in export["messages"]][:2] == ["email", "sms"]
    # The approval and the end of the schedule are the file's last two lines.
    assert [e["what"] for e in export["events"]][-2:] == ["client_approved_handover", "next_action_planned"]
    summary = " ".join(pdf_text(world.files.files[result.summary_key or ""]).split())
    assert "Incassokosten: € 40,00" in summary and "Totaal: € 115,50" in summary
    with pytest.raises(TransitionNotAllowed):
        decide_handover(CLUB.client_id, "L-9", HandoverDecision(Decision.APPROVE), local(2026, 7, 2), deps)


def test_declining_with_pause_stops_the_reminders_until_the_default_pause_ends() -> None:
    world = Calendar(CLUB)
    _awaiting_decision(world)
    deps = world.deps()
    result = decide_handover(
        CLUB.client_id,
        "L-9",
        HandoverDecision(Decision.DECLINE, continue_dunning=False),
        local(2026, 7, 1),
        deps,
    )
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert result.status == "paused" and dossier is not None
    # A pause always ends: the client's default of 30 days, then the reminders come back by themselves.
    assert (dossier.status, dossier.next_action_at) == (Status.PAUSED, local(2026, 7, 31))
    assert dossier.waiting_for is not None and dossier.waiting_for.who.value == "client"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"decision": "maybe"}, '"decision" must be "approve" or "decline"'),
        ({"decision": "decline", "continue": "yes"}, '"continue" must be true or false'),
        ({"decision": "approve", "agency": "x"}, "unknown field(s): agency"),
        (["approve"], 'send a JSON object such as {"decision": "approve"}'),
    ],
)
def test_a_wrong_decision_request_says_what_to_fix(body: object, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        HandoverDecision.from_json(body)


def test_call_tasks_reach_the_worklist_and_outcomes_feed_back() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    world.run(local(2026, 6, 1, 8, 0), local(2026, 6, 4, 12, 0))
    assert worklist(CLUB.client_id, local(2026, 6, 7, 12, 0), world.dossiers) == []  # a Sunday
    [item] = worklist(CLUB.client_id, local(2026, 6, 4, 12, 0), world.dossiers)
    assert (item["task_id"], item["name"], item["phone"], item["due"]) == (
        "step-3",
        "Lotte Bakker",
        "+31622334455",
        "€ 75,00",
    )
    assert [h["channel"] for h in item["history"]] == ["email", "sms"]

    report = CallReport.from_json(
        {"outcome": "promise_to_pay", "promised_on": "2026-06-12", "caller": "Noor"}
    )
    record_call_outcome(
        CLUB.client_id, "L-9", "step-3", report, local(2026, 6, 4, 12, 5), world.deps(), actor="call-team"
    )
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None and dossier.call_tasks[0].outcome is CallOutcome.PROMISE_TO_PAY
    # No reminder before the day after the promised date (Sat 13 June, 08:30).
    assert dossier.next_action_at == local(2026, 6, 13)
    assert "payment_promised" in [e.what for e in world.dossiers.events(CLUB.client_id, "L-9")]


def test_a_dispute_on_the_phone_goes_to_the_client_who_is_reminded_until_it_decides() -> None:
    world = Calendar(CLUB)
    world.open(CLUB, MEMBER, date(2026, 6, 1), Invoice("C-9", date(2026, 5, 1), 7_500, 7_500))
    world.run(local(2026, 6, 1, 8, 0), local(2026, 6, 4, 12, 0))
    report = CallReport.from_json({"outcome": "dispute", "note": "says the invoice was cancelled"})
    record_call_outcome(
        CLUB.client_id, "L-9", "step-3", report, local(2026, 6, 4, 12, 5), world.deps(), actor="call-team"
    )
    dossier = world.dossiers.get(CLUB.client_id, "L-9")
    assert dossier is not None and dossier.status is Status.DISPUTED
    # Not silent: the client has a week to decide (Thu 11 June, 08:30), then it is reminded.
    assert dossier.next_action_at == local(2026, 6, 11)
    assert dossier.waiting_for is not None and dossier.waiting_for.who.value == "client"
    assert [e.subject for e in world.mailer.sent[-2:]][1].startswith(("Betwist", "Beslissing", "Bezwaar"))
    with pytest.raises(InvalidRequest, match="promise to pay needs"):
        CallReport.from_json({"outcome": "promise_to_pay"})


def test_a_business_client_without_costs_charges_nothing() -> None:
    from dataclasses import replace

    # The client's terms: no costs and no interest.
    client = replace(WHOLESALER, business_costs=BusinessCosts.NONE, charge_interest=False)
    world = Calendar(client)
    shop = DebtorDetails("D-1", "Café De Hoek", DebtorType.BUSINESS, email="kroeg@dehoek.example")
    world.open(client, shop, date(2026, 6, 1), Invoice("F-1", date(2026, 5, 1), 64_235, 64_235))
    world.run(local(2026, 6, 1, 8, 0), local(2026, 6, 1, 9, 0))
    [notice] = world.log
    assert "Incassokosten" not in notice.text and "Totaal open: € 642,35" in notice.text
