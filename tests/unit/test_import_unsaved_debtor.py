"""One debtor the store refuses (not a race: e.g. too large) becomes a rejected entry of the report
with its line numbers and a reason; the other debtors of the list still land."""

from __future__ import annotations

import json

from chalicelib.domain.dossier import Dossier
from chalicelib.services.import_upload import ImportDeps, ImportUpload, import_upload
from chalicelib.services.ports import UnstorableDossier
from tests.builders import CLUB, NOW
from tests.fakes import FakeClientDirectory, FakeDossierRepository, FakeFileStore, FakeUploadLedger

LIST = """Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand
10023;Jan de Vries;jan@example.nl;2026-0101;01-10-2026;31-10-2026;125,00
10024;Fatima El Amrani;fatima@example.nl;2026-0102;01-10-2026;31-10-2026;87,50
10024;Fatima El Amrani;fatima@example.nl;2026-0103;01-10-2026;31-10-2026;12,50
10025;Bakkerij Smit B.V.;;2026-0104;01-10-2026;31-10-2026;310,00
10024;Fatima El Amrani;fatima@example.nl;2026-0105;01-10-2026;31-10-2026;10,00
"""


class RefusingOneDebtor(FakeDossierRepository):
    """Like DynamoDB refusing an item it cannot store (ValidationException), for debtor 10024."""

    def save(self, dossier: Dossier) -> None:
        if dossier.debtor_id == "10024":
            raise UnstorableDossier(dossier.client_id, dossier.debtor_id, "the dossier is too large to store")
        super().save(dossier)

    def save_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        refused = [d for d in dossiers if d.debtor_id == "10024"]
        return refused + super().save_many([d for d in dossiers if d.debtor_id != "10024"])


def test_a_debtor_that_cannot_be_saved_is_reported_and_the_others_land() -> None:
    files, dossiers = FakeFileStore(), RefusingOneDebtor()
    key = f"incoming/{CLUB.client_id}/leden.csv"
    files.files[key] = LIST.encode("utf-8")

    result = import_upload(
        ImportUpload("uploads", key, "e1"),
        NOW,
        ImportDeps(FakeClientDirectory(CLUB), dossiers, FakeUploadLedger(), files),
    )

    assert result.status == "imported"
    assert sorted(result.opened) == ["10023", "10025"]
    [rejected] = result.rejected
    assert rejected.line == 3
    assert "debtor 10024 (lines 3-4, 6)" in rejected.reason
    assert "the dossier is too large to store" in rejected.reason
    assert dossiers.get(CLUB.client_id, "10024") is None
    report = json.loads(files.files[f"reports/{CLUB.client_id}/leden.csv.result.json"])
    assert (report["dossiers_opened"], report["rejected_count"]) == (2, 1)
    assert "10024" in files.files[f"reports/{CLUB.client_id}/leden.csv.errors.csv"].decode("utf-8-sig")
