"""A debtor reachable only by post gets every step as a letter, and a business gets the final
demand (notice of default) before its client is asked about a hand-over (DOMAIN.md §10)."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Invoice, Status
from tests.unit.test_dunning_walkthrough import CLUB, WHOLESALER, Calendar, local

# A member the club can reach only by post (no e-mail, no mobile), with letters outside Windows-1252.
POSTAL_ONLY_MEMBER = DebtorDetails(
    debtor_id="L-0977",
    name="Ĳsbrand Doğan",
    debtor_type=DebtorType.CONSUMER,
    street="Dorpsstraat 3",
    postcode="3732 HJ",
    city="De Bilt",
)


def test_a_member_with_only_a_postal_address_gets_a_reminder_letter_then_the_14_day_letter() -> None:
    world = Calendar(CLUB)
    member = POSTAL_ONLY_MEMBER
    world.open(CLUB, member, date(2026, 3, 2), Invoice("C-2026-02", date(2026, 2, 15), 7_500, 7_500))
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 9, 23, 45))

    letters = [s for s in world.log if s.channel == "letter"]
    assert [(s.at, s.to) for s in letters] == [
        (local(2026, 3, 2), "outbox/hc-de-ijsvogels/L-0977/1.pdf"),
        (local(2026, 3, 9), "outbox/hc-de-ijsvogels/L-0977/5.pdf"),
    ]
    first, fourteen_day = letters
    # Once skipped as "no contact details", the first reminder now goes by post.
    assert "Herinnering: openstaande facturen van Hockeyclub De IJsvogels" in first.text
    assert "Beste Ĳsbrand Doğan," in first.text
    assert "Of maak het bedrag over naar NL91ABNA0417164300" in first.text
    # One envelope per step: the 14-day letter, not a reminder letter beside it.
    assert "Betaal nu, dan komen er geen incassokosten bij" in fourteen_day.text
    assert "Herinnering:" not in fourteen_day.text
    assert "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd" in fourteen_day.text
    dossier = world.dossiers.get(CLUB.client_id, "L-0977")
    assert dossier is not None
    assert [m.channel for m in dossier.messages] == ["letter", "letter"]
    assert all(e.what != "step_skipped" for e in world.dossiers.events(CLUB.client_id, "L-0977"))


def test_a_business_with_only_a_postal_address_gets_the_final_demand_before_the_hand_over_question() -> None:
    world = Calendar(WHOLESALER)
    shop = DebtorDetails(
        debtor_id="D-5120",
        name="Łukasz Szőke Bouw B.V.",
        debtor_type=DebtorType.BUSINESS,
        street="Havenweg 12",
        postcode="3011 AB",
        city="Rotterdam",
    )
    world.open(WHOLESALER, shop, date(2026, 3, 2), Invoice("F-2001", date(2026, 2, 1), 100_000, 100_000))
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 31, 23, 45))

    assert [(s.at, s.channel, s.to) for s in world.log] == [
        (local(2026, 3, 2), "letter", "outbox/groothandel-peeters/D-5120/2.pdf"),  # pre-collection notice
        (local(2026, 3, 9), "letter", "outbox/groothandel-peeters/D-5120/5.pdf"),  # day 7
        (local(2026, 3, 17), "letter", "outbox/groothandel-peeters/D-5120/8.pdf"),  # day 15: final demand
    ]
    notice, second, demand = world.log
    assert "T.a.v. de administratie" in notice.text and "Geachte heer/mevrouw," in notice.text
    assert "Tweede herinnering: openstaande facturen van Groothandel Peeters B.V." in second.text
    assert "Op 2 maart 2026 stuurden wij u een herinnering." in second.text
    assert "Laatste aanmaning en ingebrekestelling" in demand.text
    assert "Hoofdsom: € 1.000,00" in demand.text and "Incassokosten: € 40,00" in demand.text
    assert "uiterlijk op 26 maart 2026" in demand.text
    # Posted Tue 17 March, presumed received Thu 19 March, 7 days: the last day is Thu 26 March;
    # the question waits for the client (in its daily digest) from the day after.
    asked = [
        e.at
        for e in world.dossiers.events(WHOLESALER.client_id, "D-5120")
        if e.what == "handover_decision_requested"
    ]
    assert asked == [local(2026, 3, 27)]
    dossier = world.dossiers.get(WHOLESALER.client_id, "D-5120")
    assert dossier is not None and dossier.status is Status.AWAITING_HANDOVER_DECISION


def test_the_hand_over_summary_is_dutch_with_dutch_dates() -> None:
    from chalicelib.services.handover import Decision, HandoverDecision, decide_handover
    from tests.unit.test_dunning_walkthrough import pdf_text

    world = Calendar(WHOLESALER)
    shop = DebtorDetails(
        debtor_id="D-5120",
        name="Søren Weiß Bouw B.V.",
        debtor_type=DebtorType.BUSINESS,
        street="Havenweg 12",
        postcode="3011 AB",
        city="Rotterdam",
    )
    world.open(WHOLESALER, shop, date(2026, 3, 2), Invoice("F-2001", date(2026, 2, 1), 100_000, 100_000))
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 27, 9, 0))
    result = decide_handover(
        WHOLESALER.client_id,
        "D-5120",
        HandoverDecision(Decision.APPROVE),
        local(2026, 3, 30, 10),
        world.deps(),
    )

    assert result.summary_key is not None
    text = pdf_text(world.files.files[result.summary_key])
    assert "Debiteur: Søren Weiß Bouw B.V. (zakelijk), debiteurnummer D-5120" in text
    assert "F-2001, vervallen op 01-02-2026: € 1.000,00 open" in text
    assert "Incassokosten: € 40,00 (€ 40 per te laat betaalde factuur (art. 6:96 lid 4 BW))" in text
    assert "Wettelijke rente tot en met 30-03-2026" in text
    assert "17-03-2026 08:30 brief: final_demand" in text
    assert "veertiendagenbrief" not in text  # a business never gets one
    # No English and no ISO dates among the Dutch.
    for english in ("(business)", "(consumer)", "message_sent", "2026-03-"):
        assert english not in text
