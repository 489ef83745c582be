"""Two imports of one client at the same time, naming the same new debtor: the upload claim
covers one file, not one client, so both read the debtor as absent before either writes. The
later create must be refused and redone as an update, never reset the dossier to step 0."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chalicelib.domain.dossier import Dossier
from chalicelib.services.import_upload import ImportDeps, ImportResult, import_upload
from tests.builders import CLUB, NOW
from tests.fakes import FakeDossierRepository
from tests.unit.test_services import World

HEADER = "Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand\n"
# Both lists name Jan (new); each names one other debtor of its own and one invoice of its own.
LEDEN = HEADER + (
    "10023;Jan de Vries;jan@example.nl;2026-0101;01-10-2026;31-10-2026;125,00\n"
    "10024;Fatima El Amrani;fatima@example.nl;2026-0102;01-10-2026;31-10-2026;87,50\n"
)
KANTINE = HEADER + (
    "10023;Jan de Vries;jan@example.nl;K-0007;05-10-2026;04-11-2026;12,50\n"
    "10025;Bakkerij Smit B.V.;;2026-0103;01-10-2026;31-10-2026;310,00\n"
)


class SecondImportInBetween(FakeDossierRepository):
    """The first import's create waits until the second import has read (and written): both read
    Jan as absent, then the first one's write comes last."""

    def __init__(self, second: Callable[[], object] | None) -> None:
        super().__init__()
        self.second = second
        self.reads: list[str] = []

    def get_many(self, client_id: str, debtor_ids: Iterable[str]) -> dict[str, Dossier]:
        ids = list(debtor_ids)
        self.reads.extend(ids)
        return super().get_many(client_id, ids)

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        if self.second is not None:
            second, self.second = self.second, None
            second()
        return super().create_many(dossiers)


def test_two_imports_naming_the_same_new_debtor_open_one_dossier_and_send_one_reminder() -> None:
    world = World()
    first_upload = world.upload(LEDEN, "leden.csv", "e1")
    second_upload = world.upload(KANTINE, "kantine.csv", "e2")
    results: dict[str, ImportResult] = {}

    def second() -> None:
        results["second"] = import_upload(second_upload, NOW, world.import_deps())

    racing = SecondImportInBetween(second)
    world.dossiers = racing
    results["first"] = import_upload(
        first_upload, NOW, ImportDeps(world.clients, racing, world.ledger, world.files)
    )

    assert racing.reads.count("10023") >= 2  # both imports read Jan before the first one wrote
    assert "10023" in results["second"].opened
    assert "10023" in results["first"].updated  # refused as a create, redone as an update
    jan = racing.get(CLUB.client_id, "10023")
    assert jan is not None
    assert sorted(jan.invoices) == ["2026-0101", "K-0007"]
    assert jan.version == 2
    events = [e.what for e in racing.events(CLUB.client_id, "10023")]
    assert events.count("dossier_opened") == 1
    assert events.count("invoice_added") == 2

    world.run_due(NOW)
    world.run_due(NOW)
    to_jan = [m for m in world.mailer.sent if m.to == "jan@example.nl"]
    assert len(to_jan) == 1
    assert [e.what for e in racing.events(CLUB.client_id, "10023")].count("dossier_opened") == 1
