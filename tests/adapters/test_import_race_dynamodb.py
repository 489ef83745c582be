"""The race of two imports of one client against DynamoDB (moto): both read a new debtor as
absent, the first one's create comes last and must be refused by its condition, not overwrite."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.adapters.dynamodb_repository import DynamoDossierRepository
from chalicelib.domain.dossier import Dossier
from chalicelib.services.import_upload import ImportDeps, ImportResult, import_upload
from infra.local.provision import Provisioned
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory, FakeFileStore, FakeUploadLedger
from tests.unit.test_import_race import KANTINE, LEDEN
from tests.unit.test_services import World


class SecondImportInBetween(DynamoDossierRepository):
    def __init__(self, second: Callable[[], object] | None) -> None:
        super().__init__()
        self.second = second

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        if self.second is not None:
            second, self.second = self.second, None
            second()
        return super().create_many(dossiers)


def test_the_later_create_of_a_racing_import_is_refused_and_becomes_an_update(aws: Provisioned) -> None:
    files, ledger, clients = FakeFileStore(), FakeUploadLedger(), FakeClientDirectory(CLUB)
    uploads = World()  # only for its upload helper's key layout
    uploads.files = files
    first_upload = uploads.upload(LEDEN, "leden.csv", "e1")
    second_upload = uploads.upload(KANTINE, "kantine.csv", "e2")
    results: dict[str, ImportResult] = {}

    def second() -> None:
        results["second"] = import_upload(
            second_upload, NOW, ImportDeps(clients, DynamoDossierRepository(), ledger, files)
        )

    racing = SecondImportInBetween(second)
    results["first"] = import_upload(first_upload, NOW, ImportDeps(clients, racing, ledger, files))

    assert "10023" in results["second"].opened and "10023" in results["first"].updated
    jan = racing.get(CLUB.client_id, "10023")
    assert jan is not None
    assert (sorted(jan.invoices), jan.version, jan.step) == (["2026-0101", "K-0007"], 2, 0)
    events = [e.what for e in racing.events(CLUB.client_id, "10023")]
    assert events.count("dossier_opened") == 1 and events.count("invoice_added") == 2
    assert {d.debtor_id for d in racing.list_for_client(CLUB.client_id)} == {"10023", "10024", "10025"}
