"""The use cases with in-memory fakes: what a club treasurer and its members would see."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.dossier import Status
from chalicelib.services.dossier_actions import ActionDeps, ActionOutcome, run_due_action
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from chalicelib.services.payments import WebhookOutcome, on_mollie_webhook
from chalicelib.services.sweep import sweep_due
from tests.builders import CLUB, NOW
from tests.fakes import (
    FakeActionQueue,
    FakeClientDirectory,
    FakeDossierRepository,
    FakeFileStore,
    FakeMailer,
    FakePaymentGateway,
    FakePaymentLinkRegistry,
    FakeUploadLedger,
    fake_action_deps,
)

LIST = """Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand
10023;Jan de Vries;jan@example.nl;2026-0101;01-10-2026;31-10-2026;125,00
10023;Jan de Vries;jan@example.nl;2026-0140;15-10-2026;14-11-2026;€ 1.250,50
10024;Fatima El Amrani;fatima@example.nl;2026-0102;01-10-2026;31-10-2026;87,50
10025;Bakkerij Smit B.V.;;2026-0103;01-10-2026;31-10-2026;310,00
"""


class World:
    def __init__(self) -> None:
        self.dossiers = FakeDossierRepository()
        self.clients = FakeClientDirectory(CLUB)
        self.files = FakeFileStore()
        self.ledger = FakeUploadLedger()
        self.mailer = FakeMailer()
        self.payments = FakePaymentGateway()
        self.queue = FakeActionQueue()
        self.links = FakePaymentLinkRegistry()

    def upload(self, text: str, name: str = "openstaand.csv", etag: str = "e1") -> ImportUpload:
        key = f"incoming/{CLUB.client_id}/{name}"
        self.files.files[key] = text.encode("utf-8")
        return ImportUpload("uploads", key, etag)

    def import_deps(self) -> ImportDeps:
        return ImportDeps(self.clients, self.dossiers, self.ledger, self.files)

    def action_deps(self) -> ActionDeps:
        deps: ActionDeps = fake_action_deps(
            self.dossiers, self.clients, self.payments, self.mailer, files=self.files, links=self.links
        )
        return deps

    def run_due(self, now: object) -> list[ActionOutcome]:
        sweep_due(now, self.dossiers, self.queue)  # type: ignore[arg-type]
        outcomes = [run_due_action(c, d, now, self.action_deps()) for c, d in self.queue.messages]  # type: ignore[arg-type]
        self.queue.messages.clear()
        return outcomes


@pytest.fixture
def world() -> World:
    return World()


def test_an_import_opens_one_dossier_per_debtor_and_reports_beside_the_file(world: World) -> None:
    result = import_upload(world.upload(LIST), NOW, world.import_deps())

    assert (result.status, result.rows, result.accepted) == ("imported", 4, 4)
    assert sorted(result.opened) == ["10023", "10024", "10025"]
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None
    assert jan.open_cents == 12_500 + 125_050
    assert jan.status is Status.OPEN
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.result.json"])
    assert report["dossiers_opened"] == 3
    assert report["total_open_cents"] == 12_500 + 125_050 + 8_750 + 31_000


def test_the_same_file_delivered_twice_is_imported_once(world: World) -> None:
    upload = world.upload(LIST)
    import_upload(upload, NOW, world.import_deps())
    saves = world.dossiers.saves
    again = import_upload(upload, NOW, world.import_deps())
    assert again.status == "duplicate"
    assert world.dossiers.saves == saves


def test_an_unchanged_list_the_next_day_writes_nothing(world: World) -> None:
    import_upload(world.upload(LIST, etag="day1"), NOW, world.import_deps())
    saves = world.dossiers.saves
    result = import_upload(world.upload(LIST, etag="day2"), NOW + timedelta(days=1), world.import_deps())
    assert world.dossiers.saves == saves
    assert (result.opened, result.updated, result.closed) == ([], [], [])


def test_a_debtor_missing_from_the_next_list_was_paid_directly_and_is_closed(world: World) -> None:
    import_upload(world.upload(LIST, etag="day1"), NOW, world.import_deps())
    without_fatima = "\n".join(line for line in LIST.splitlines() if "Fatima" not in line) + "\n"
    result = import_upload(
        world.upload(without_fatima, etag="day2"), NOW + timedelta(days=1), world.import_deps()
    )

    assert result.closed == ["10024"]
    fatima = world.dossiers.get(CLUB.client_id, "10024")
    assert fatima is not None and fatima.status is Status.SETTLED_BY_CLIENT
    assert [e.what for e in world.dossiers.events(CLUB.client_id, "10024")][-2:] == [
        "settled_by_client",
        "next_action_planned",  # nothing further: the schedule ends
    ]


def test_a_rejected_row_is_reported_with_its_line_and_the_good_rows_still_land(world: World) -> None:
    broken = LIST.replace("87,50", "zevenentachtig")
    result = import_upload(world.upload(broken), NOW, world.import_deps())
    assert result.accepted == 3
    [rejected] = result.rejected
    assert (rejected.line, rejected.column) == (4, "Openstaand")
    errors_csv = world.files.files[f"reports/{CLUB.client_id}/openstaand.csv.errors.csv"].decode("utf-8-sig")
    assert errors_csv.splitlines()[0] == "regel;kolom;gevolg;reden"
    assert errors_csv.splitlines()[1].startswith("4;Openstaand;rij niet geïmporteerd;")


def test_an_unknown_client_prefix_imports_nothing_and_says_why(world: World) -> None:
    world.files.files["incoming/onbekend/lijst.csv"] = LIST.encode()
    result = import_upload(
        ImportUpload("uploads", "incoming/onbekend/lijst.csv", "e"), NOW, world.import_deps()
    )
    assert (result.status, result.error) == ("rejected_file", "unknown client 'onbekend'")
    assert world.dossiers.list_for_client("onbekend") == []


def test_day_0_sends_a_reminder_with_a_payment_link_for_the_open_amount(world: World) -> None:
    import_upload(world.upload(LIST), NOW, world.import_deps())

    outcomes = world.run_due(NOW)

    assert sorted(outcomes) == sorted(
        [ActionOutcome.SENT, ActionOutcome.SENT, ActionOutcome.NO_CONTACT_DETAILS]
    )
    jan_mail = next(m for m in world.mailer.sent if m.to == "jan@example.nl")
    assert jan_mail.subject == "Herinnering: openstaande betaling aan Voetbalvereniging De Zwaluwen (10023)"
    assert "Totaal open: € 1.375,50" in jan_mail.text
    assert jan_mail.reply_to == "penningmeester@dezwaluwen.example"
    assert jan_mail.sender == "Voetbalvereniging De Zwaluwen <noreply@debtflow.example>"
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None and jan.payment_link is not None
    assert jan.payment_link.checkout_url in jan_mail.text
    # A Mollie payment link (valid for days), not a 15-minute payment: docs/decisions/003.
    assert world.payments.links[jan.payment_link.payment_id]["amount_cents"] == 137_550
    assert (jan.status, jan.step) == (Status.REMINDED, 1)
    assert jan.messages[0].confirmed and jan.messages[0].provider_id


def test_a_redelivered_action_sends_nothing_twice(world: World) -> None:
    import_upload(world.upload(LIST), NOW, world.import_deps())
    world.run_due(NOW)
    sent = len(world.mailer.sent)
    again = [run_due_action(CLUB.client_id, d, NOW, world.action_deps()) for d in ("10023", "10024")]
    assert again == [ActionOutcome.NOT_DUE, ActionOutcome.NOT_DUE]
    assert len(world.mailer.sent) == sent
    assert len(world.payments.links) == 2


def test_day_7_sends_the_second_reminder_and_day_15_asks_the_client_about_a_handover(world: World) -> None:
    import_upload(world.upload(LIST), NOW, world.import_deps())
    world.run_due(NOW)
    assert world.run_due(NOW + timedelta(days=6)) == []
    world.run_due(NOW + timedelta(days=7))
    second = [m for m in world.mailer.sent if m.subject.startswith("Tweede herinnering")]
    assert sorted(m.to for m in second) == ["fatima@example.nl", "jan@example.nl"]

    world.run_due(NOW + timedelta(days=15))
    # The bakery has no address or e-mail for its final demand: that step is skipped, and its
    # hand-over decision is due at once, on the next run.
    assert world.run_due(NOW + timedelta(days=15)) == [ActionOutcome.HANDOVER_REQUESTED]
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None and jan.status is Status.AWAITING_HANDOVER_DECISION
    # The question goes in the client's daily digest: no e-mail per dossier.
    assert not [m for m in world.mailer.sent if m.to == CLUB.reply_to_email]
    assert "handover_decision_requested" in [e.what for e in world.dossiers.events(CLUB.client_id, "10023")]
    assert world.run_due(NOW + timedelta(days=21)) == []
    # A week without a decision: the client is reminded, and the dossier says on whom it waits.
    assert world.run_due(NOW + timedelta(days=22)) == [ActionOutcome.CLIENT_REMINDED] * 3
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None and jan.waiting_for is not None
    assert (jan.waiting_for.who.value, jan.waiting_for.reminders) == ("client", 1)
    # A week later again, inside the contact window: Christmas Day is a Friday, so Monday 28th.
    assert jan.next_action_at == jan.waiting_for.until == datetime(2026, 12, 28, 7, 30, tzinfo=UTC)


def test_a_paid_webhook_closes_the_dossier_and_a_second_delivery_changes_nothing(world: World) -> None:
    import_upload(world.upload(LIST), NOW, world.import_deps())
    world.run_due(NOW)
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None and jan.payment_link is not None
    payment_id = world.payments.pay_link(jan.payment_link.payment_id)

    deliver = lambda: on_mollie_webhook(  # noqa: E731
        CLUB.client_id,
        payment_id,
        NOW,
        clients=world.clients,
        dossiers=world.dossiers,
        gateway=world.payments,
        links=world.links,
    )
    assert deliver() is WebhookOutcome.APPLIED
    assert deliver() is WebhookOutcome.ALREADY_APPLIED
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None
    assert (jan.status, jan.open_cents, jan.paid_cents) == (Status.PAID, 0, 137_550)
    assert world.run_due(NOW + timedelta(days=7)) and all(
        m.to != "jan@example.nl" for m in world.mailer.sent if m.subject.startswith("Tweede")
    )


def test_a_webhook_for_another_clients_payment_is_ignored(world: World) -> None:
    import_upload(world.upload(LIST), NOW, world.import_deps())
    world.run_due(NOW)
    other = CLUB.__class__(**{**CLUB.__dict__, "client_id": "hockeyclub"})
    world.clients.save(other)
    jan = world.dossiers.get(CLUB.client_id, "10023")
    assert jan is not None and jan.payment_link is not None
    payment_id = world.payments.pay_link(jan.payment_link.payment_id)
    outcome = on_mollie_webhook(
        "hockeyclub",
        payment_id,
        NOW,
        clients=world.clients,
        dossiers=world.dossiers,
        gateway=world.payments,
        links=world.links,
    )
    assert outcome is WebhookOutcome.IGNORED
    assert world.dossiers.get(CLUB.client_id, "10023").status is Status.REMINDED  # type: ignore[union-attr]


def test_a_file_being_imported_elsewhere_is_not_dropped_as_a_duplicate(world: World) -> None:
    from chalicelib.domain.errors import UploadInProgress

    upload = world.upload(LIST)
    world.ledger.claim(CLUB.client_id, upload.key, upload.etag, NOW)  # an invocation still running
    with pytest.raises(UploadInProgress):
        import_upload(upload, NOW + timedelta(minutes=5), world.import_deps())
    assert world.dossiers.list_for_client(CLUB.client_id) == []

    # That invocation timed out: the redelivery after the lease imports the file.
    result = import_upload(upload, NOW + timedelta(minutes=20), world.import_deps())
    assert (result.status, len(result.opened)) == ("imported", 3)
