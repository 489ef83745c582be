"""The bulk methods the import uses, one contract for the fake and the DynamoDB repository."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.adapters import table
from chalicelib.adapters.dynamodb_repository import DynamoDossierRepository
from chalicelib.domain.dossier import AuditEvent, Status
from chalicelib.services.ports import DossierRepository
from infra.local.provision import Provisioned
from tests.builders import NOW, dossier, invoice
from tests.fakes import FakeDossierRepository


@pytest.fixture(params=["fake", "dynamodb"])
def repository(request: pytest.FixtureRequest) -> Iterator[DossierRepository]:
    if request.param == "fake":
        yield FakeDossierRepository()
    else:
        request.getfixturevalue("aws")
        yield DynamoDossierRepository()


def opened(debtor_id: str, cents: int = 4_500):  # type: ignore[no-untyped-def]
    file = dossier(invoice(f"F-{debtor_id}", cents), debtor_id=debtor_id)
    file.record(AuditEvent(at=NOW, what="dossier_opened", actor="import", reason="new debtor"))
    return file


def test_many_new_dossiers_are_saved_with_their_events(repository: DossierRepository) -> None:
    files = [opened(f"D{n:03d}") for n in range(120)]  # more than one transaction's worth

    assert repository.save_many(files) == []

    assert all((f.version, f.new_events) == (1, []) for f in files)
    stored = repository.get_many("vv-de-zwaluwen", [f"D{n:03d}" for n in range(120)])
    assert len(stored) == 120 and stored["D119"].open_cents == 4_500
    assert [e.what for e in repository.events("vv-de-zwaluwen", "D007")] == ["dossier_opened"]


def test_a_bulk_save_refuses_stale_and_existing_dossiers_and_saves_the_rest(
    repository: DossierRepository,
) -> None:
    repository.save_many([opened("A"), opened("B")])
    stale = repository.get("vv-de-zwaluwen", "A")
    fresh = repository.get("vv-de-zwaluwen", "B")
    assert stale is not None and fresh is not None
    winner = repository.get("vv-de-zwaluwen", "A")
    assert winner is not None
    winner.receive_payment("tr_1", 1_000, at=NOW, actor="mollie-webhook")
    repository.save(winner)
    stale.receive_payment("tr_2", 2_000, at=NOW, actor="mollie-webhook")
    fresh.receive_payment("tr_3", 3_000, at=NOW, actor="mollie-webhook")
    duplicate = opened("B", 9_999)  # a new dossier for a debtor that has one already
    newcomer = opened("C")

    refused = repository.save_many([stale, fresh, duplicate, newcomer])

    assert [(d.debtor_id, d.version) for d in refused] == [("A", 1), ("B", None)]
    a, b, c = (repository.get("vv-de-zwaluwen", d) for d in "ABC")
    assert a is not None and b is not None and c is not None
    assert (a.paid_cents, b.paid_cents, b.open_cents, c.version) == (1_000, 3_000, 1_500, 1)
    assert [e.what for e in repository.events("vv-de-zwaluwen", "B")] == [
        "dossier_opened",
        "payment_received",
    ]


def test_the_debtor_index_tells_every_debtor_of_the_client_and_whether_it_is_active(
    repository: DossierRepository,
) -> None:
    closed = opened("B")
    closed.receive_payment("tr_1", 4_500, at=NOW, actor="test")
    assert closed.status is Status.PAID
    other = dossier(debtor_id="C", client_id="hockeyclub")
    repository.save_many([opened("A"), closed, other])
    assert repository.debtor_index("vv-de-zwaluwen") == {"A": True, "B": False}


def test_a_bulk_save_of_49_new_dossiers_with_their_counts_is_one_request(aws: Provisioned) -> None:
    repository = DynamoDossierRepository()
    calls: list[str] = []
    connection = table.DossierItem._get_connection().connection
    from pynamodb.connection.base import Connection

    original = Connection.dispatch

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, object]) -> object:
        calls.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    Connection.dispatch = counting  # type: ignore[method-assign]
    try:
        assert repository.save_many([opened(f"N{n}") for n in range(49)]) == []
    finally:
        Connection.dispatch = original  # type: ignore[method-assign]
    assert connection is not None
    assert calls == ["TransactWriteItems"]


def test_new_dossiers_are_created_with_their_events(repository: DossierRepository) -> None:
    files = [opened(f"K{n:02d}") for n in range(60)]  # more than one transaction's worth
    assert repository.create_many(files) == []
    assert all((f.version, f.new_events) == (1, []) for f in files)
    stored = repository.get_many("vv-de-zwaluwen", [f"K{n:02d}" for n in range(60)])
    assert sorted(stored) == [f"K{n:02d}" for n in range(60)]
    assert stored["K59"].version == 1
    assert [e.what for e in repository.events("vv-de-zwaluwen", "K17")] == ["dossier_opened"]
    # Saved under the version condition afterwards like any other.
    again = repository.get("vv-de-zwaluwen", "K17")
    assert again is not None
    again.receive_payment("tr_9", 500, at=NOW, actor="test")
    assert repository.save_many([again]) == []
    assert repository.get_many("vv-de-zwaluwen", ["K17"])["K17"].version == 2


def test_creating_a_dossier_that_exists_is_refused_and_never_overwrites(
    repository: DossierRepository,
) -> None:
    """Two imports of one client both read a new debtor as absent: the second create must not
    reset the first one's dossier (its step, its version, its audit trail)."""
    first = opened("A", 4_500)
    assert repository.create_many([first]) == []
    stored = repository.get("vv-de-zwaluwen", "A")
    assert stored is not None
    stored.receive_payment("tr_1", 1_000, at=NOW, actor="mollie-webhook")
    repository.save(stored)

    late = opened("A", 9_999)
    newcomer = opened("B")
    refused = repository.create_many([late, newcomer])

    assert [(d.debtor_id, d.version) for d in refused] == [("A", None)]
    a, b = repository.get("vv-de-zwaluwen", "A"), repository.get("vv-de-zwaluwen", "B")
    assert a is not None and b is not None
    assert (a.version, a.paid_cents, a.open_cents, b.version) == (2, 1_000, 3_500, 1)
    assert [e.what for e in repository.events("vv-de-zwaluwen", "A")] == [
        "dossier_opened",
        "payment_received",
    ]
