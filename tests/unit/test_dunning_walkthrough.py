"""A consumer and a business dossier walk the default policy on a simulated calendar, swept every
15 minutes as production does. The days cross a weekend, King's Day, Liberation Day, Christmas
and Boxing Day; every message is checked for its moment, channel, text and amount."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from chalicelib.domain.clients import BusinessCosts, Client, FirstStep
from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import Dossier, Invoice, Status
from chalicelib.domain.policies import default_policy
from chalicelib.services.dossier_actions import ActionDeps, run_due_action
from chalicelib.services.sweep import sweep_due
from tests.fakes import (
    FakeActionQueue,
    FakeClientDirectory,
    FakeDossierRepository,
    FakeFileStore,
    FakeMailer,
    FakePaymentGateway,
    FakePaymentLinkRegistry,
    FakeSmsSender,
    fake_action_deps,
)

AMS = ZoneInfo("Europe/Amsterdam")
CLUB = Client(
    client_id="hc-de-ijsvogels",
    name="Hockeyclub De IJsvogels",
    sender_email="noreply@debtflow.example",
    reply_to_email="penningmeester@ijsvogels.example",
    redirect_url="https://ijsvogels.example/bedankt",
    mollie_key_parameter="/debtflow/clients/hc-de-ijsvogels/mollie-api-key",
    default_debtor_type=DebtorType.CONSUMER,
    phone_contact=True,
    iban="NL91ABNA0417164300",
)
WHOLESALER = Client(
    client_id="groothandel-peeters",
    name="Groothandel Peeters B.V.",
    sender_email="noreply@debtflow.example",
    reply_to_email="debiteuren@peeters.example",
    redirect_url="https://peeters.example/bedankt",
    mollie_key_parameter="/debtflow/clients/groothandel-peeters/mollie-api-key",
    first_step=FirstStep.PRECOLLECTION_NOTICE,
    business_costs=BusinessCosts.MINIMUM,
)


def local(year: int, month: int, day: int, hour: int = 8, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


@dataclass
class Sent:
    at: datetime  # local time
    channel: str
    to: str
    subject: str
    text: str


class Calendar:
    def __init__(self, *clients: Client) -> None:
        self.dossiers = FakeDossierRepository()
        self.clients = FakeClientDirectory(*clients)
        self.payments = FakePaymentGateway()
        self.links = FakePaymentLinkRegistry()
        self.mailer = FakeMailer()
        self.sms = FakeSmsSender()
        self.files = FakeFileStore()
        self.queue = FakeActionQueue()
        self.log: list[Sent] = []

    def deps(self) -> ActionDeps:
        deps: ActionDeps = fake_action_deps(
            self.dossiers,
            self.clients,
            self.payments,
            self.mailer,
            sms=self.sms,
            files=self.files,
            links=self.links,
        )
        return deps

    def open(self, client: Client, debtor: DebtorDetails, opened: date, *invoices: Invoice) -> None:
        first = default_policy().step_after(0)
        assert first is not None
        at = datetime.combine(opened, datetime.min.time(), UTC)
        dossier = Dossier.open(
            client.client_id,
            debtor,
            invoices,
            today=opened,
            at=at,
            actor="test",
            first_action_at=default_policy().due_at(opened, first),
        )
        self.dossiers.save(dossier)

    def run(self, start: datetime, end: datetime) -> None:
        """Sweep every 15 minutes, like the EventBridge schedule, and log what leaves."""
        now = start.astimezone(UTC)
        while now <= end:
            emails, texts, files = len(self.mailer.sent), len(self.sms.sent), set(self.files.files)
            sweep_due(now, self.dossiers, self.queue)
            for client_id, debtor_id in self.queue.messages:
                run_due_action(client_id, debtor_id, now, self.deps())
            self.queue.messages.clear()
            at = now.astimezone(AMS)
            for email in self.mailer.sent[emails:]:
                self.log.append(Sent(at, "email", email.to, email.subject, email.text))
            for sms in self.sms.sent[texts:]:
                self.log.append(Sent(at, "sms", sms.to, "", sms.text))
            for key in sorted(set(self.files.files) - files):
                if key.endswith(".pdf"):
                    self.log.append(Sent(at, "letter", key, "", pdf_text(self.files.files[key])))
            now += timedelta(minutes=15)

    def calls(self, client_id: str, debtor_id: str) -> list[datetime]:
        dossier = self.dossiers.get(client_id, debtor_id)
        assert dossier is not None
        return [t.call_from.astimezone(AMS) for t in dossier.call_tasks]


def pdf_text(pdf: bytes) -> str:
    """The text a reader sees in one of our letters, as pypdf extracts it (non-breaking spaces
    read as spaces, lines joined by single spaces)."""
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ").split())


def test_a_consumer_walks_the_default_policy_around_kings_day_and_liberation_day() -> None:
    world = Calendar(CLUB)
    member = DebtorDetails(
        debtor_id="L-0412",
        name="Sanne Jansen",
        debtor_type=DebtorType.CONSUMER,
        email="sanne@example.nl",
        phone_e164="+31687654321",
        mobile_e164="+31687654321",
        street="Kerkstraat 12",
        postcode="3511 AB",
        city="Utrecht",
    )
    # The list arrives on Sunday 26 April 2026; Monday the 27th is King's Day.
    world.open(CLUB, member, date(2026, 4, 26), Invoice("C-2026-04", date(2026, 4, 1), 200_000, 200_000))
    world.run(local(2026, 4, 26, 10, 0), local(2026, 4, 29, 23, 45))
    # A new invoice joins the open dossier; the next messages include it.
    dossier = world.dossiers.get(CLUB.client_id, "L-0412")
    assert dossier is not None
    dossier.take_invoice(
        Invoice("C-2026-05", date(2026, 4, 15), 100_000, 100_000), at=local(2026, 4, 30, 6), actor="import"
    )
    world.dossiers.save(dossier)
    world.run(local(2026, 4, 30, 0, 0), local(2026, 5, 31, 23, 45))

    assert [(s.at, s.channel) for s in world.log] == [
        (local(2026, 4, 28), "email"),  # day 0 is Sunday, day 1 King's Day: Tuesday 08:30
        (local(2026, 4, 28), "sms"),
        (local(2026, 5, 4), "email"),  # day 7 is Sunday 3 May: Monday 08:30
        (local(2026, 5, 4), "sms"),
        (local(2026, 5, 4), "letter"),  # the 14-day letter with the second reminder
        # Day 15 would be 11 May, but the consumer's term runs until 21 May (receipt presumed on
        # Thursday 7 May: 5 May is a holiday): the club is asked on 22 May, once costs can be
        # charged, in that morning's daily digest (no e-mail of its own).
        (local(2026, 5, 29), "email"),  # no decision after a week: the club is reminded
    ]
    first, first_sms, second, second_sms, letter, reminder = world.log
    asked = [
        e.at
        for e in world.dossiers.events(CLUB.client_id, "L-0412")
        if e.what == "handover_decision_requested"
    ]
    assert asked == [local(2026, 5, 22)]
    assert first.subject == "Herinnering: openstaande betaling aan Hockeyclub De IJsvogels (L-0412)"
    assert "- Factuur C-2026-04, vervallen op 01-04-2026: € 2.000,00\nTotaal open: € 2.000,00" in first.text
    # The SMS carries the debtor's own page (amounts, paying, a plan), not the bare payment link.
    assert re.fullmatch(
        r"Hockeyclub De IJsvogels: er staat nog een betaling voor u open \(kenmerk L-0412\)\. "
        r"Bekijk en betaal: https://api\.debtflow\.example/p/hc-de-ijsvogels/[A-Za-z0-9_-]{43}",
        first_sms.text,
    )
    assert "€" not in first_sms.text and "€" not in second_sms.text  # no amounts on a lock screen
    assert second.subject == "Tweede herinnering: openstaande betaling aan Hockeyclub De IJsvogels (L-0412)"
    assert "C-2026-05, vervallen op 15-04-2026: € 1.000,00\nTotaal open: € 3.000,00" in second.text

    # The 14-day letter: verbatim term wording, the exact costs over the summed principals
    # (BW 6:96 lid 6 and 7): EUR 425, not 300 + 150.
    assert letter.to == "outbox/hc-de-ijsvogels/L-0412/5.pdf"
    flat = letter.text  # as read, whatever the line breaks
    assert "Sanne Jansen Kerkstraat 12 3511 AB Utrecht" in flat and "4 mei 2026" in flat
    assert (
        "Wilt u dit bedrag betalen binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd?"
        in flat
    )
    assert "• Factuur C-2026-05, vervallen op 15-04-2026: € 1.000,00 Totaal open: € 3.000,00" in flat
    assert "Die zijn € 425,00. Zo staat het in de wet" in flat
    assert "Of maak het bedrag over naar NL91ABNA0417164300 ten name van Hockeyclub De IJsvogels" in flat
    # The debtor's own page is on the letter too, like in every reminder.
    assert "Op uw eigen pagina ziet u wat er openstaat." in flat
    assert "https://api.debtflow.example/p/hc-de-ijsvogels/" in flat

    assert reminder.to == CLUB.reply_to_email and reminder.subject.startswith("Herinnering: beslissing nodig")

    # Phone contact moments every 3 days, moved off the holiday (5 May) into the window.
    assert world.calls(CLUB.client_id, "L-0412") == [
        local(2026, 4, 29),
        local(2026, 5, 2),  # a Saturday is a contact day
        local(2026, 5, 6),  # day 9 is Liberation Day
        local(2026, 5, 8),
    ]
    final = world.dossiers.get(CLUB.client_id, "L-0412")
    assert final is not None
    assert final.status is Status.AWAITING_HANDOVER_DECISION
    assert final.fourteen_day_letter is not None
    assert (final.fourteen_day_letter.posted_on, final.fourteen_day_letter.last_day) == (
        date(2026, 5, 4),
        date(2026, 5, 21),
    )
    assert final.fourteen_day_letter.costs_due_from == date(2026, 5, 22)
    assert final.open_costs_cents == 42_500  # due from 22 May, charged with the hand-over request
    assert [m.s3_key for m in final.messages if m.step == 5] == [
        "outbox/hc-de-ijsvogels/L-0412/5.pdf",
        "sent/hc-de-ijsvogels/L-0412/5-email.txt",
        "sent/hc-de-ijsvogels/L-0412/5-sms.txt",
    ]
    assert all(m.confirmed and m.provider_id for m in final.messages)


def test_a_business_goes_straight_to_the_precollection_notice_across_christmas() -> None:
    world = Calendar(WHOLESALER)
    shop = DebtorDetails(
        debtor_id="D-7781",
        name="Bakkerij Smit B.V.",
        debtor_type=DebtorType.BUSINESS,
        email="boekhouding@bakkerijsmit.example",
        phone_e164="+31651234567",  # the owner's mobile: a landline would get no SMS
        mobile_e164="+31651234567",
    )
    world.open(
        WHOLESALER,
        shop,
        date(2026, 12, 18),
        Invoice("F-1001", date(2026, 11, 1), 125_000, 125_000),
        Invoice("F-1002", date(2026, 11, 20), 42_050, 42_050),
    )
    world.run(local(2026, 12, 18, 8, 0), local(2027, 1, 16, 23, 45))

    assert [(s.at, s.channel) for s in world.log] == [
        (local(2026, 12, 18), "email"),  # day 0, a Friday
        (local(2026, 12, 18), "sms"),
        (local(2026, 12, 28), "email"),  # day 7 is Christmas, then Boxing Day, then Sunday
        (local(2026, 12, 28), "sms"),
        # Day 15, Saturday 2 January: the final demand and notice of default (DOMAIN.md §10).
        (local(2027, 1, 2), "email"),
        (local(2027, 1, 2), "sms"),
        # Its final term: presumed received Wednesday 6 January (no post on Sunday and Monday),
        # 7 days to Wednesday 13 January; the wholesaler is asked to decide the day after, in
        # that morning's daily digest.
    ]
    notice, notice_sms, reminder, _, demand, _ = world.log
    asked = [
        e.at
        for e in world.dossiers.events(WHOLESALER.client_id, "D-7781")
        if e.what == "handover_decision_requested"
    ]
    assert asked == [local(2027, 1, 14)]
    assert demand.subject == (
        "Laatste aanmaning en ingebrekestelling: betaling aan Groothandel Peeters B.V. (D-7781)"
    )
    assert demand.text.startswith("Geachte heer/mevrouw,\n")
    assert "het laatst op 28 december 2026" in demand.text
    assert "uiterlijk op 13 januari 2027" in demand.text
    assert "Hoofdsom: € 1.670,50\nIncassokosten: € 80,00\n" in demand.text
    assert notice.subject == (
        "Vooraankondiging incasso: openstaande betaling aan Groothandel Peeters B.V. (D-7781)"
    )
    # BW 6:96 lid 4: EUR 40 per late invoice, on the dossier from day 0 because the client chose it.
    assert (
        "Incassokosten: € 80,00\nWettelijke rente over de te late betaling: € 20,09\nTotaal open: € 1.770,59"
        in notice.text
    )
    assert "recht op vergoeding van de incassokosten: € 80,00." in notice.text
    assert "€" not in notice_sms.text
    # Commercial interest (BW 6:119a, 10.40%) runs from the day after each due date, no notice
    # needed: 1,250.00 for 57 days and 420.50 for 38 days by 28 December.
    assert (
        "Incassokosten: € 80,00\nWettelijke rente over de te late betaling: € 24,85\nTotaal open: € 1.775,35"
        in reminder.text
    )
    final = world.dossiers.get(WHOLESALER.client_id, "D-7781")
    assert final is not None and final.payment_link is not None
    # Interest goes on with the hand-over request (14 January); the link of the final demand
    # (2 January) stays payable for what it asked, and the next message carries a new one.
    assert (final.open_costs_cents, final.open_interest_cents, final.due_cents) == (8_000, 3_295, 178_345)
    assert final.payment_link.amount_cents == 177_773
    assert "Totaal te betalen: € 1.777,73" in demand.text
    assert final.fourteen_day_letter is None  # never for a business
    assert final.call_tasks == ()  # this client has no call team


def test_nothing_is_sent_to_a_debtor_whose_only_invoice_is_disputed_and_the_client_is_reminded() -> None:
    from chalicelib.domain.dossier import DisputeReason
    from chalicelib.services.disputes import DisputeRequest, file_dispute

    world = Calendar(CLUB)
    member = DebtorDetails("L-1", "Eva Mulder", DebtorType.CONSUMER, email="eva@example.nl")
    world.open(CLUB, member, date(2026, 4, 28), Invoice("C-1", date(2026, 4, 1), 5_000, 5_000))
    world.run(local(2026, 4, 28, 8, 0), local(2026, 4, 28, 9, 0))
    request = DisputeRequest(("C-1",), DisputeReason.AMOUNT_WRONG, "ik heb maar 1 training gehad")
    file_dispute(CLUB.client_id, "L-1", request, local(2026, 4, 29, 12), world.deps(), actor="debtor")
    # The debtor hears the invoice is on hold; the club is asked to decide.
    acknowledgement, question = world.mailer.sent[-2:]
    assert (acknowledgement.to, question.to) == ("eva@example.nl", CLUB.reply_to_email)
    assert "C-1" in acknowledgement.text and "het bedrag klopt niet" in question.text
    world.run(local(2026, 4, 29, 12, 15), local(2026, 5, 20, 0, 0))
    assert [s.to for s in world.log] == [
        "eva@example.nl",  # the day-0 reminder, before the dispute
        CLUB.reply_to_email,  # Wed 6 May: the club is reminded to decide
        CLUB.reply_to_email,  # Wed 13 May: and again
    ]
    after = world.dossiers.get(CLUB.client_id, "L-1")
    assert after is not None and after.status is Status.DISPUTED
    assert after.next_action_at == local(2026, 5, 20).astimezone(UTC)
    assert after.waiting_for is not None and after.waiting_for.who.value == "client"


def test_a_step_is_never_due_outside_the_contact_window() -> None:
    policy = default_policy()
    first = policy.step_after(0)
    assert first is not None
    # Christmas Day 2026 is a Friday; Boxing Day Saturday; then Sunday: Monday 28th at 08:30.
    assert policy.due_at(date(2026, 12, 25), first) == local(2026, 12, 28).astimezone(UTC)
    # A retried action at 21:00 is put off to the next morning and sends nothing now.
    world = Calendar(replace(CLUB, phone_contact=False))
    member = DebtorDetails("L-2", "Daan Visser", DebtorType.CONSUMER, email="daan@example.nl")
    world.open(CLUB, member, date(2026, 6, 1), Invoice("C-2", date(2026, 5, 1), 5_000, 5_000))
    late = local(2026, 6, 2, 21, 0).astimezone(UTC)
    assert run_due_action(CLUB.client_id, "L-2", late, world.deps()).value == "rescheduled"
    assert world.mailer.sent == []
    stored = world.dossiers.get(CLUB.client_id, "L-2")
    assert stored is not None and stored.next_action_at == local(2026, 6, 3).astimezone(UTC)
