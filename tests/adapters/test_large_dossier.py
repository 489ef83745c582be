"""A business debtor with 10,000 open invoices: its dossier must fit DynamoDB's 400 KB item limit
(plain JSON it would be ~1.2 MB, and its opening events ~2 MB), and the list naming it must land."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from chalicelib.adapters import table
from chalicelib.adapters.dynamodb_repository import DynamoDossierRepository
from chalicelib.domain.dossier import Dossier, Invoice, Trigger
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from infra.local.provision import Provisioned
from tests.builders import CLUB, NOW, debtor
from tests.fakes import FakeClientDirectory, FakeFileStore, FakeUploadLedger

INVOICES = 10_000
ITEM_LIMIT = 400 * 1024


def invoices(count: int, seed: int = 3) -> list[Invoice]:
    """Realistic numbers, dates and amounts: compression must not rely on repetition."""
    rng = random.Random(seed)
    result = []
    for n in range(count):
        issued = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 900))
        cents = rng.randrange(1_500, 2_500_000)
        result.append(
            Invoice(
                number=f"VF{issued.year}-{n + 4711:06d}",
                due_date=issued + timedelta(days=30),
                amount_cents=cents,
                open_cents=cents if rng.random() < 0.8 else cents // 2,
                invoice_date=issued,
            )
        )
    return result


def wholesaler() -> Dossier:
    return Dossier.open(
        CLUB.client_id,
        debtor("20001", "Groothandel Bakker B.V.", "crediteuren@bakker.example"),
        invoices(INVOICES),
        today=NOW.date(),
        at=NOW,
        actor="import",
        first_action_at=NOW,
    )


def stored_sizes(pk: str) -> list[int]:
    """Bytes of every stored item of the collection, as DynamoDB counts them (names + values)."""
    items = table.DossierItem._get_connection().query(pk)["Items"]
    sizes = []
    for item in items:
        total = 0
        for name, value in item.items():
            [raw] = value.values()
            total += len(name.encode()) + (len(raw) if isinstance(raw, bytes) else len(str(raw).encode()))
        sizes.append(total)
    return sizes


def test_a_dossier_of_10000_invoices_saves_loads_and_keeps_optimistic_locking(aws: Provisioned) -> None:
    repository = DynamoDossierRepository()
    file = wholesaler()
    assert repository.create_many([file]) == []

    sizes = stored_sizes(table.dossier_pk(CLUB.client_id, "20001"))
    assert len(sizes) == 2 and max(sizes) < ITEM_LIMIT / 2  # dossier + events item, with margin
    loaded = repository.get(CLUB.client_id, "20001")
    assert loaded is not None
    assert loaded.invoices == file.invoices and loaded.open_cents == file.open_cents
    assert len(repository.events(CLUB.client_id, "20001")) == INVOICES + 1

    stale = repository.get(CLUB.client_id, "20001")
    assert stale is not None
    loaded.apply(Trigger.REMINDER_SENT, at=NOW, actor="dunning", reason="step 1", step=1)
    repository.save(loaded)
    stale.receive_payment("tr_late", 1_000, at=NOW, actor="mollie-webhook")
    with pytest.raises(ConcurrentChange):
        repository.save(stale)
    again = repository.get(CLUB.client_id, "20001")
    assert again is not None and (again.version, again.paid_cents) == (2, 0)

    assert repository.due(NOW, limit=10) == [(CLUB.client_id, "20001")]
    [listed] = repository.list_for_client(CLUB.client_id)
    assert len(listed.invoices) == INVOICES
    assert repository.debtor_index(CLUB.client_id) == {"20001": True}


def test_a_list_with_a_debtor_of_10000_invoices_imports_every_debtor_and_writes_its_report(
    aws: Provisioned,
) -> None:
    header = "Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand\n"
    rows = [
        f"20001;Groothandel Bakker B.V.;crediteuren@bakker.example;{i.number};"
        f"{i.invoice_date:%d-%m-%Y};{i.due_date:%d-%m-%Y};{i.open_cents // 100},{i.open_cents % 100:02d}\n"
        for i in invoices(INVOICES)
    ]
    body = (
        header + "10023;Jan de Vries;jan@example.nl;2026-0101;01-10-2026;31-10-2026;125,00\n" + "".join(rows)
    )
    files = FakeFileStore()
    key = f"incoming/{CLUB.client_id}/debiteuren.csv"
    files.files[key] = body.encode("utf-8")
    deps = ImportDeps(FakeClientDirectory(CLUB), DynamoDossierRepository(), FakeUploadLedger(), files)

    result = import_upload(ImportUpload("uploads", key, "e1"), NOW, deps)

    assert (result.status, result.accepted, result.rejected) == ("imported", INVOICES + 1, [])
    assert sorted(result.opened) == ["10023", "20001"]
    assert f"reports/{CLUB.client_id}/debiteuren.csv.result.json" in files.files
    big = deps.dossiers.get(CLUB.client_id, "20001")
    assert big is not None and len(big.invoices) == INVOICES


def test_a_debtor_dynamodb_refuses_is_reported_while_the_rest_of_the_list_lands(
    aws: Provisioned, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without packing the wholesaler's dossier is over 400 KB: DynamoDB answers ValidationException
    for its transaction, and that debtor alone must become a rejected entry of the report."""
    from chalicelib.adapters import dossier_codec

    monkeypatch.setattr(dossier_codec, "PACK_ABOVE_BYTES", 10**9)
    header = "Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand\n"
    rows = [
        f"20001;Groothandel Bakker B.V.;;{i.number};{i.invoice_date:%d-%m-%Y};{i.due_date:%d-%m-%Y};"
        f"{i.open_cents // 100},{i.open_cents % 100:02d}\n"
        for i in invoices(5_000)
    ]
    ordinary = "".join(
        f"1{n:04d};Lid {n};lid{n}@example.nl;C-{n};01-10-2026;31-10-2026;45,00\n" for n in range(30)
    )
    files = FakeFileStore()
    key = f"incoming/{CLUB.client_id}/debiteuren.csv"
    files.files[key] = (header + ordinary + "".join(rows)).encode("utf-8")
    deps = ImportDeps(FakeClientDirectory(CLUB), DynamoDossierRepository(), FakeUploadLedger(), files)

    result = import_upload(ImportUpload("uploads", key, "e1"), NOW, deps)

    assert len(result.opened) == 30 and "20001" not in result.opened
    [rejected] = result.rejected
    assert rejected.line == 32 and "debtor 20001 (lines 32-5031)" in rejected.reason
    assert "maximum allowed size" in rejected.reason
    assert len(deps.dossiers.list_for_client(CLUB.client_id)) == 30
    assert f"reports/{CLUB.client_id}/debiteuren.csv.errors.csv" in files.files
