"""WhatsApp in a dunning step: only for a debtor who agreed to it, lock-screen-safe words, SMS
when WhatsApp does not take it, and one contact moment either way."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Invoice
from tests.fakes import FakeWhatsApp
from tests.unit.test_dunning_walkthrough import CLUB, Calendar, local


def member(consent: bool) -> DebtorDetails:
    return DebtorDetails(
        debtor_id="L-0412",
        name="Sanne Jansen",
        debtor_type=DebtorType.CONSUMER,
        email="sanne@example.nl",
        mobile_e164="+31687654321",
        whatsapp_consent=consent,
    )


def run_first_step(consent: bool, whatsapp: FakeWhatsApp) -> Calendar:
    world = Calendar(CLUB)
    original = world.deps
    world.deps = lambda: replace(original(), whatsapp=whatsapp)  # type: ignore[method-assign]
    world.open(CLUB, member(consent), date(2026, 3, 2), Invoice("C-1", date(2026, 2, 15), 7_500, 7_500))
    world.run(local(2026, 3, 2, 8, 0), local(2026, 3, 2, 9, 0))
    return world


def test_a_member_who_agreed_gets_the_approved_template_instead_of_an_sms() -> None:
    whatsapp = FakeWhatsApp()
    world = run_first_step(True, whatsapp)

    (message,) = whatsapp.sent
    assert message.to == "+31687654321" and message.template == "debtflow_betaalherinnering"
    assert message.parameters[:2] == ("Hockeyclub De IJsvogels", "L-0412")
    # The same link an SMS carries: the member's own page (amounts, paying, a plan).
    assert message.parameters[2].startswith("https://api.debtflow.example/p/hc-de-ijsvogels/")
    assert not any("€" in p for p in message.parameters)
    assert world.sms.sent == []
    dossier = world.dossiers.get(CLUB.client_id, "L-0412")
    assert dossier is not None
    assert [(m.channel, m.provider_id) for m in dossier.messages if m.channel == "whatsapp"] == [
        ("whatsapp", "wamid.fake1")
    ]
    # E-mail and WhatsApp in one step: one contact moment of the budget.
    assert len(dossier.contact_moments()) == 1


def test_without_consent_the_member_gets_the_sms_and_never_whatsapp() -> None:
    whatsapp = FakeWhatsApp()
    world = run_first_step(False, whatsapp)

    assert whatsapp.sent == []
    assert [s.to for s in world.sms.sent] == ["+31687654321"]


def test_when_whatsapp_refuses_the_same_words_go_by_sms() -> None:
    world = run_first_step(True, FakeWhatsApp(refuse=True))

    (sms,) = world.sms.sent
    assert "Hockeyclub De IJsvogels" in sms.text and "L-0412" in sms.text and "€" not in sms.text
    dossier = world.dossiers.get(CLUB.client_id, "L-0412")
    assert dossier is not None
    (sent,) = [m for m in dossier.messages if m.channel == "whatsapp"]
    assert sent.confirmed and (sent.provider_id or "").startswith("sms:")
