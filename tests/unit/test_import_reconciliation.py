"""The reconciliation rules of a client's list, through the import use case with in-memory fakes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain.dossier import Status
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from tests.builders import CLUB, NOW
from tests.fakes import (
    FakeClientDirectory,
    FakeDossierRepository,
    FakeFileStore,
    FakeListDigests,
    FakeUploadLedger,
)

HEADER = "Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand\n"
JAN_1 = "10023;Jan de Vries;jan@example.nl;2026-0101;01-10-2026;31-10-2026;125,00\n"
JAN_2 = "10023;Jan de Vries;jan@example.nl;2026-0140;15-10-2026;14-11-2026;€ 1.250,50\n"
FATIMA = "10024;Fatima El Amrani;fatima@example.nl;2026-0102;01-10-2026;31-10-2026;87,50\n"
SMIT = "10025;Bakkerij Smit B.V.;;2026-0103;01-10-2026;31-10-2026;310,00\n"
DAY = timedelta(days=1)


class World:
    def __init__(self) -> None:
        self.dossiers = FakeDossierRepository()
        self.clients = FakeClientDirectory(CLUB)
        self.files = FakeFileStore()
        self.ledger = FakeUploadLedger()
        self.digests = FakeListDigests()
        self.etags = 0

    def deps(self) -> ImportDeps:
        return ImportDeps(self.clients, self.dossiers, self.ledger, self.files, digests=self.digests)

    def drop(self, body: str, name: str = "openstaand.csv", prefix: str = "incoming", at_day: int = 0):  # type: ignore[no-untyped-def]
        self.etags += 1
        key = f"{prefix}/{CLUB.client_id}/{name}"
        self.files.files[key] = body.encode("utf-8")
        return import_upload(ImportUpload("uploads", key, f"e{self.etags}"), NOW + at_day * DAY, self.deps())

    def dossier(self, debtor_id: str):  # type: ignore[no-untyped-def]
        found = self.dossiers.get(CLUB.client_id, debtor_id)
        assert found is not None
        return found

    def events(self, debtor_id: str) -> list[str]:
        # The schedule's own lines are left out: these tests read what happened to the money.
        return [
            e.what for e in self.dossiers.events(CLUB.client_id, debtor_id) if e.what != "next_action_planned"
        ]


@pytest.fixture
def world() -> World:
    return World()


def members(count: int, start: int = 20000) -> str:
    return "".join(
        f"{n};Lid {n};lid{n}@example.nl;C-{n};01-10-2026;31-10-2026;45,00\n"
        for n in range(start, start + count)
    )


def test_a_new_invoice_of_a_known_debtor_joins_the_debtors_dossier(world: World) -> None:
    world.drop(HEADER + JAN_1)
    result = world.drop(HEADER + JAN_1 + JAN_2, at_day=1)

    assert (result.opened, result.updated) == ([], ["10023"])
    jan = world.dossier("10023")
    assert sorted(jan.invoices) == ["2026-0101", "2026-0140"]
    assert jan.open_cents == 137_550
    assert world.events("10023") == ["dossier_opened", "invoice_added", "invoice_added"]


def test_a_lower_open_amount_is_a_part_payment_to_the_client_with_an_audit_event(world: World) -> None:
    world.drop(HEADER + JAN_1)
    result = world.drop(HEADER + JAN_1.replace("125,00", "25,00"), at_day=1)

    assert result.updated == ["10023"]
    jan = world.dossier("10023")
    assert (jan.open_cents, jan.status) == (2_500, Status.OPEN)
    [changed] = [
        e for e in world.dossiers.events(CLUB.client_id, "10023") if e.what == "invoice_amount_changed"
    ]
    assert changed.reason == "partly paid to the client directly"
    assert changed.details == {"invoice": "2026-0101", "from_cents": 12_500, "to_cents": 2_500}


def test_an_invoice_missing_from_the_next_full_list_was_settled_by_the_client(world: World) -> None:
    world.drop(HEADER + JAN_1 + JAN_2)
    result = world.drop(HEADER + JAN_2, at_day=1)

    assert (result.updated, result.invoices_settled) == (["10023"], 1)
    jan = world.dossier("10023")
    assert (jan.invoices["2026-0101"].open_cents, jan.open_cents, jan.status) == (0, 125_050, Status.OPEN)


def test_a_dossier_with_nothing_open_closes_as_settled_and_stops_dunning(world: World) -> None:
    world.drop(HEADER + JAN_1 + FATIMA)
    result = world.drop(HEADER + FATIMA.replace("87,50", "0,00") + JAN_1, at_day=1)

    assert result.closed == ["10024"]
    fatima = world.dossier("10024")
    assert (fatima.status, fatima.open_cents, fatima.next_action_at) == (Status.SETTLED_BY_CLIENT, 0, None)
    assert world.events("10024")[-1] == "settled_by_client"


def test_a_paid_items_list_under_the_paid_prefix_settles_what_it_names(world: World) -> None:
    world.drop(HEADER + JAN_1 + JAN_2 + FATIMA)
    result = world.drop(HEADER + JAN_1 + FATIMA + members(1), name="betaald.csv", prefix="paid", at_day=1)

    # Listed as paid: settled; unknown debtor on a paid list: nothing opened; nothing else closed.
    assert (sorted(result.updated), result.closed, result.opened) == (["10023"], ["10024"], [])
    assert result.invoices_settled == 2
    jan = world.dossier("10023")
    assert (jan.open_cents, jan.status) == (125_050, Status.OPEN)
    assert world.dossier("10024").status is Status.SETTLED_BY_CLIENT
    assert world.dossiers.get(CLUB.client_id, "20000") is None


def test_a_paid_column_has_the_same_effect_as_a_paid_items_list(world: World) -> None:
    world.drop(HEADER + JAN_1 + JAN_2 + FATIMA)
    header = HEADER.rstrip("\n") + ";Betaald\n"
    body = (
        header + JAN_1.rstrip("\n") + ";ja\n" + JAN_2.rstrip("\n") + ";nee\n" + FATIMA.rstrip("\n") + ";ja\n"
    )
    result = world.drop(body, at_day=1)

    assert (result.updated, result.closed, result.invoices_settled) == (["10023"], ["10024"], 2)
    assert world.dossier("10023").open_cents == 125_050
    assert world.dossier("10024").status is Status.SETTLED_BY_CLIENT


def test_a_credit_note_lowers_the_balance_and_never_opens_a_dossier_alone(world: World) -> None:
    credit = "10026;Kantine BV;;CN-7;01-10-2026;31-10-2026;-40,00\n"
    jan_credit = "10023;Jan de Vries;jan@example.nl;CN-8;01-10-2026;31-10-2026;-25,00\n"
    result = world.drop(HEADER + JAN_1 + jan_credit + credit)

    assert result.opened == ["10023"]
    assert world.dossiers.get(CLUB.client_id, "10026") is None
    assert world.dossier("10023").open_cents == 10_000


def test_a_credit_note_covering_everything_closes_the_dossier(world: World) -> None:
    world.drop(HEADER + JAN_1)
    jan_credit = "10023;Jan de Vries;jan@example.nl;CN-8;01-10-2026;31-10-2026;-125,00\n"
    result = world.drop(HEADER + JAN_1 + jan_credit, at_day=1)

    assert result.closed == ["10023"]
    jan = world.dossier("10023")
    assert (jan.status, jan.open_cents, jan.next_action_at) == (Status.SETTLED_BY_CLIENT, 0, None)


def test_a_settled_debtor_with_a_new_invoice_is_reopened_and_dunning_starts_again(world: World) -> None:
    world.drop(HEADER + JAN_1 + members(1))
    world.drop(HEADER + members(1), at_day=1)
    jan = world.dossier("10023")
    assert jan.status is Status.SETTLED_BY_CLIENT
    jan.step = 2  # it had been reminded twice before the club was paid
    jan.version = None
    world.dossiers._dossiers[(CLUB.client_id, "10023")] = replace(jan, version=2)

    result = world.drop(HEADER + JAN_2 + members(1), at_day=30)

    assert result.updated == ["10023"]
    jan = world.dossier("10023")
    assert (jan.status, jan.step, jan.open_cents) == (Status.REMINDED, 0, 125_050)
    assert jan.opened_on == (NOW + 30 * DAY).date()
    assert jan.next_action_at is not None and jan.next_action_at > NOW + 29 * DAY
    assert world.events("10023")[-2:] == ["reopened", "dunning_restarted"]


def test_a_list_lagging_behind_a_payment_through_us_does_not_reopen_the_dossier(world: World) -> None:
    world.drop(HEADER + JAN_1)
    jan = world.dossier("10023")
    jan.receive_payment("tr_1", 12_500, at=NOW, actor="mollie-webhook")
    world.dossiers.save(jan)
    assert world.dossier("10023").status is Status.PAID

    result = world.drop(HEADER + JAN_1.replace(";jan@", ";jan@"), name="dag2.csv", at_day=1)

    assert (result.updated, result.opened) == ([], [])
    assert world.dossier("10023").status is Status.PAID


def test_a_list_with_less_than_half_the_open_debtors_is_held_and_closes_nothing(world: World) -> None:
    world.drop(HEADER + members(12))
    result = world.drop(HEADER + members(4) + JAN_1, name="gefilterd.csv", at_day=1)

    assert result.status == "held_for_confirmation"
    assert result.closed == [] and result.opened == ["10023"]
    assert len(world.dossiers.active_debtor_ids(CLUB.client_id)) == 13
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/gefilterd.csv.result.json"])
    assert (report["status"], report["dossiers_closed"], report["confirm_with"]) == (
        "held_for_confirmation",
        0,
        "gefilterd.csv.bevestigd",
    )
    assert "gefilterd.csv.bevestigd" in report["error"]


def test_a_held_list_is_confirmed_by_uploading_an_empty_bevestigd_file(world: World) -> None:
    world.drop(HEADER + members(12))
    world.drop(HEADER + members(5), name="gefilterd.csv", at_day=1)

    result = world.drop("", name="gefilterd.csv.bevestigd", at_day=1)

    assert (result.status, result.confirmed) == ("imported", True)
    assert sorted(result.closed) == [str(n) for n in range(20005, 20012)]
    assert world.dossiers.active_debtor_ids(CLUB.client_id) == [str(n) for n in range(20000, 20005)]
    report = json.loads(world.files.files[f"reports/{CLUB.client_id}/gefilterd.csv.result.json"])
    assert (report["status"], report["confirmed"], report["dossiers_closed"]) == ("imported", True, 7)
    # The confirmation marker is claimed like any upload: delivered twice, it acts once.
    again = import_upload(
        ImportUpload("uploads", f"incoming/{CLUB.client_id}/gefilterd.csv.bevestigd", f"e{world.etags}"),
        NOW + DAY,
        world.deps(),
    )
    assert again.status == "duplicate"


def test_a_confirmation_for_a_list_that_does_not_exist_says_so(world: World) -> None:
    result = world.drop("", name="nergens.csv.confirm")
    assert (result.status, result.error) == (
        "rejected_file",
        "there is no list 'nergens.csv' to confirm; upload the list itself",
    )


def test_a_held_list_keeps_the_missing_debtors_as_candidates_for_the_next_full_list(world: World) -> None:
    world.drop(HEADER + members(12))
    world.drop(HEADER + members(5), name="gefilterd.csv", at_day=1)
    result = world.drop(HEADER + members(5), at_day=2)
    # The same five again, now as the daily list: still held (a filter left on twice).
    assert result.status == "held_for_confirmation"
    assert len(world.dossiers.active_debtor_ids(CLUB.client_id)) == 12


def test_the_same_file_delivered_twice_is_imported_once(world: World) -> None:
    key = f"incoming/{CLUB.client_id}/openstaand.csv"
    world.files.files[key] = (HEADER + JAN_1).encode()
    first = import_upload(ImportUpload("uploads", key, "same"), NOW, world.deps())
    saves = world.dossiers.saves
    second = import_upload(ImportUpload("uploads", key, "same"), NOW, world.deps())
    assert (first.status, first.opened, second.status) == ("imported", ["10023"], "duplicate")
    assert world.dossiers.saves == saves
    assert world.ledger.claims == {(CLUB.client_id, key, "same"): "imported"}


def test_an_unchanged_list_is_neither_read_nor_written(world: World) -> None:
    world.drop(HEADER + JAN_1 + JAN_2 + FATIMA + SMIT)
    saves, bulk = world.dossiers.saves, world.dossiers.bulk_saves
    reads: list[str] = []
    original = world.dossiers.get_many
    world.dossiers.get_many = lambda c, ids: reads.extend(ids) or original(c, ids)  # type: ignore[method-assign,func-returns-value]

    # Rows in another order, on other lines: the same list.
    result = world.drop(HEADER + SMIT + FATIMA + JAN_2 + JAN_1, at_day=1)

    assert (result.opened, result.updated, result.closed, result.unchanged) == ([], [], [], 3)
    assert (world.dossiers.saves, world.dossiers.bulk_saves, reads) == (saves, bulk, [])


def test_a_client_column_mapping_is_used_for_its_lists(world: World) -> None:
    world.clients.save(
        replace(CLUB, column_mapping={"debtor_id": "Klant-ID", "open_amount": "Nog te ontvangen"})
    )
    body = (
        "Klant-ID;Naam;Factuurnummer;Vervaldatum;Nog te ontvangen\nK-1;Sportschool Fit;F-1;31-10-2026;99,95\n"
    )
    result = world.drop(body)
    assert (result.status, result.opened, result.rejected) == ("imported", ["K-1"], [])
    assert world.dossier("K-1").open_cents == 9_995
