"""A household: one parent paying the contributie of three children. The import forms it from the
list's payer columns; the parent gets one message naming each child and their items with one
payment link for the total; paying it closes every child's dossier, a partial payment goes to the
oldest items across the children, and one child's dispute leaves the others chased."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
from chalicelib.domain.dossier import DisputeReason, Dossier, Status
from chalicelib.domain.households import household_key, households
from chalicelib.services.disputes import DisputeRequest, file_dispute
from chalicelib.services.households import HouseholdOutcome, send_household_reminder
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from chalicelib.services.payments import WebhookOutcome, on_mollie_webhook
from tests.builders import CLUB
from tests.fakes import (
    FakeClientDirectory,
    FakeDossierRepository,
    FakeFileStore,
    FakeMailer,
    FakePaymentGateway,
    FakePaymentLinkRegistry,
    FakeUploadLedger,
    fake_action_deps,
)

SPORTS_CLUB = replace(CLUB, club=True)
NOW = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
FAMILY = ("L2001", "L2002", "L2003")
LIST = (
    "Lidnummer;Roepnaam;Achternaam;Team;E-mail;Ouder/verzorger;E-mail ouder/verzorger;Factuurnummer;Vervaldatum;Openstaand\n"
    "L2001;Sem;Jansen;JO11-2;;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-09-L2001;01-09-2026;15,00\n"
    "L2001;Sem;Jansen;JO11-2;;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-10-L2001;01-10-2026;15,00\n"
    "L2002;Lotte;Jansen;MO13-1;;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-10-L2002;01-10-2026;15,00\n"
    "L2003;Daan;Jansen;JO9-3;;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-11-L2003;01-11-2026;15,00\n"
    "L2010;Eva;Mulder;VR1;eva.mulder@example.nl;;;CONTR-2026-10-L2010;01-10-2026;15,00\n"
)  # fmt: skip


class Club:
    def __init__(self, client: object = SPORTS_CLUB) -> None:
        self.client = client
        self.dossiers = FakeDossierRepository()
        self.files = FakeFileStore()
        self.clients = FakeClientDirectory(client)  # type: ignore[arg-type]
        self.gateway = FakePaymentGateway()
        self.mailer = FakeMailer()
        self.links = FakePaymentLinkRegistry()
        self.deps = fake_action_deps(
            self.dossiers, self.clients, self.gateway, self.mailer, files=self.files, links=self.links
        )

    def import_list(self, text: str = LIST) -> dict[str, object]:
        key = f"incoming/{SPORTS_CLUB.client_id}/leden.csv"
        self.files.files[key] = text.encode()
        deps = ImportDeps(self.clients, self.dossiers, FakeUploadLedger(), self.files)
        import_upload(ImportUpload("uploads", key, "e1"), NOW, deps)
        report: dict[str, object] = json.loads(
            self.files.files[f"reports/{SPORTS_CLUB.client_id}/leden.csv.result.json"]
        )
        return report

    def member(self, debtor_id: str) -> Dossier:
        found = self.dossiers.get(SPORTS_CLUB.client_id, debtor_id)
        assert found is not None
        return found

    @property
    def household(self) -> str:
        key = household_key(self.member("L2001").debtor)
        assert key is not None
        return key

    def remind(self, step: int = 1) -> HouseholdOutcome:
        return send_household_reminder(SPORTS_CLUB, self.household, step, NOW, self.deps)

    def pay(self, amount_cents: int | None = None) -> WebhookOutcome:
        (link_id,) = list(self.gateway.links)[-1:]
        payment_id = self.gateway.pay_link(link_id, amount_cents, at=NOW)
        return self.webhook(payment_id)

    def webhook(self, payment_id: str) -> WebhookOutcome:
        return on_mollie_webhook(
            SPORTS_CLUB.client_id,
            payment_id,
            NOW,
            clients=self.clients,
            dossiers=self.dossiers,
            gateway=self.gateway,
            links=self.links,
        )


@pytest.fixture
def club() -> Club:
    club = Club()
    club.import_list()
    return club


def test_the_import_forms_the_household_from_the_payer_columns_and_reports_it(club: Club) -> None:
    report = club.import_list()
    assert report["households"] == [
        {"household": club.household, "payer": "Marieke Jansen", "members": list(FAMILY)}
    ]
    sem = club.member("L2001").debtor
    assert (sem.name, sem.team, sem.payer, sem.payer_email) == (
        "Sem Jansen",
        "JO11-2",
        "Marieke Jansen",
        "marieke.jansen@example.nl",
    )
    assert household_key(club.member("L2010").debtor) is None


def test_members_sharing_an_address_form_a_household_only_when_the_client_asks() -> None:
    siblings = [
        DebtorDetails(f"L30{n}", f"Kind {n}", DebtorType.CONSUMER, email="Fam.Bakker@example.nl")
        for n in range(2)
    ]
    assert households(siblings) == {}
    (members,) = households(siblings, group_by_shared_contact=True).values()
    assert members == ("L300", "L301")
    # The same on the import: the client's setting, off by default.
    text = "Lidnummer;Naam;E-mail;Factuurnummer;Vervaldatum;Openstaand\n" + "".join(
        f"L30{n};Kind {n};fam.bakker@example.nl;C-{n};01-10-2026;15,00\n" for n in range(2)
    )
    assert "households" not in Club().import_list(text)
    grouped = Club(replace(SPORTS_CLUB, group_households_by_contact=True)).import_list(text)
    assert grouped["households"] == [
        {
            "household": household_key(siblings[0], group_by_shared_contact=True),
            "payer": "fam.bakker@example.nl",
            "members": ["L300", "L301"],
        }
    ]


def test_the_payer_gets_one_message_naming_each_child_and_one_link_for_the_total(club: Club) -> None:
    assert club.remind() is HouseholdOutcome.SENT

    (email,) = club.mailer.sent
    assert email.to == "marieke.jansen@example.nl"
    assert (
        email.subject
        == "Herinnering: contributie voor Sem Jansen, Lotte Jansen en Daan Jansen aan Voetbalvereniging De Zwaluwen"
    )
    assert "Beste Marieke Jansen," in email.text
    for line in (
        "Sem Jansen (team JO11-2)\n- Contributie CONTR-2026-09-L2001, vervallen op 01-09-2026: € 15,00\n"
        "- Contributie CONTR-2026-10-L2001, vervallen op 01-10-2026: € 15,00",
        "Lotte Jansen (team MO13-1)\n- Contributie CONTR-2026-10-L2002, vervallen op 01-10-2026: € 15,00",
        "Daan Jansen (team JO9-3)\n- Contributie CONTR-2026-11-L2003, vervallen op 01-11-2026: € 15,00",
        "Totaal open: € 60,00",
    ):
        assert line in email.text
    (link,) = club.gateway.links.values()
    assert link["amount_cents"] == 6_000
    assert (
        f"https://pay.example/{link['id']}" in email.text
        and f"https://pay.example/{link['id']}" in email.html
    )
    for debtor_id in FAMILY:
        member = club.member(debtor_id)
        (message,) = member.messages
        assert (message.template, message.payment_id) == ("household_reminder", link["id"])
        events = club.dossiers.events(SPORTS_CLUB.client_id, debtor_id)
        assert [e.details["household"] for e in events if e.what == "household_message_sent"] == [
            club.household
        ]
    # Eva pays for herself: not in the family's message.
    assert "Eva" not in email.text

    # A redelivered action sends nothing twice and asks Mollie for no second link.
    assert club.remind() is HouseholdOutcome.ALREADY_SENT
    assert len(club.mailer.sent) == 1 and len(club.gateway.links) == 1


def test_paying_the_household_link_closes_every_childs_dossier(club: Club) -> None:
    club.remind()
    assert club.pay() is WebhookOutcome.APPLIED

    paid = {d: club.member(d) for d in FAMILY}
    assert {d: (m.status, m.paid_cents, m.open_cents) for d, m in paid.items()} == {
        "L2001": (Status.PAID, 3_000, 0),
        "L2002": (Status.PAID, 1_500, 0),
        "L2003": (Status.PAID, 1_500, 0),
    }
    # Each child's own audit trail records its own share of the one payment.
    for debtor_id, cents in (("L2001", 3_000), ("L2002", 1_500), ("L2003", 1_500)):
        (received,) = [
            e for e in club.dossiers.events(SPORTS_CLUB.client_id, debtor_id) if e.what == "payment_received"
        ]
        assert received.details["amount_cents"] == cents
    # Mollie retries the webhook: nothing is applied twice.
    (payment_id,) = list(club.gateway.payments)
    assert club.webhook(payment_id) is WebhookOutcome.ALREADY_APPLIED
    assert club.member("L2001").paid_cents == 3_000


def test_a_partial_payment_goes_to_the_oldest_items_across_the_children(club: Club) -> None:
    club.remind()
    club.pay(3_500)

    # Sem's September item (oldest), then the October items (Sem's, then Lotte's), then Daan's November one.
    assert {d: club.member(d).open_cents for d in FAMILY} == {"L2001": 0, "L2002": 1_000, "L2003": 1_500}
    assert club.member("L2001").status is Status.PAID
    assert all(club.member(d).is_active for d in ("L2002", "L2003"))


def test_one_childs_dispute_leaves_the_others_chased(club: Club) -> None:
    file_dispute(
        SPORTS_CLUB.client_id,
        "L2002",
        DisputeRequest(("CONTR-2026-10-L2002",), DisputeReason.AMOUNT_WRONG, "Lotte was geblesseerd"),
        NOW,
        club.deps,
        actor="debtor",
    )
    club.remind()

    # The club is asked about Lotte's dispute; the parent gets the household's one message.
    (email,) = [m for m in club.mailer.sent if m.to == "marieke.jansen@example.nl"]
    assert "Sem Jansen" in email.text and "Daan Jansen" in email.text
    assert "CONTR-2026-10-L2002" not in email.text and "Lotte" not in email.text
    (link,) = club.gateway.links.values()
    assert link["amount_cents"] == 4_500
    assert [m.template for m in club.member("L2002").messages] == ["dispute_for_client"]

    club.pay()
    assert club.member("L2001").status is Status.PAID and club.member("L2003").status is Status.PAID
    lotte = club.member("L2002")
    assert lotte.is_active and lotte.open_cents == 1_500 and lotte.paid_cents == 0


def test_the_sweep_sends_the_household_one_message_whichever_child_comes_first(club: Club) -> None:
    from chalicelib.services.dossier_actions import ActionOutcome, run_due_action

    due = max(club.member(d).next_action_at for d in FAMILY if club.member(d).next_action_at)  # type: ignore[type-var]
    assert due is not None
    outcomes = [run_due_action(SPORTS_CLUB.client_id, d, due, club.deps) for d in FAMILY]

    assert outcomes == [
        ActionOutcome.SENT,
        ActionOutcome.SENT_WITH_HOUSEHOLD,
        ActionOutcome.SENT_WITH_HOUSEHOLD,
    ]
    (email,) = club.mailer.sent
    assert email.to == "marieke.jansen@example.nl" and email.tags["template"] == "household_reminder"
    for debtor_id in FAMILY:
        member = club.member(debtor_id)
        assert member.step == 1 and member.status is Status.REMINDED
        assert [m.template for m in member.messages] == ["household_reminder"]
    # Eva, on her own, gets her own reminder when her turn comes.
    eva = club.member("L2010")
    assert eva.next_action_at is not None
    assert run_due_action(SPORTS_CLUB.client_id, "L2010", eva.next_action_at, club.deps) is ActionOutcome.SENT
    assert club.mailer.sent[-1].to == "eva.mulder@example.nl"
