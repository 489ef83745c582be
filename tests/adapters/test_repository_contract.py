"""One contract, two repositories: the in-memory fake used by service tests and the DynamoDB one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.adapters import table
from chalicelib.adapters.dynamodb_repository import DynamoDossierRepository, DynamoUploadLedger
from chalicelib.domain.dossier import Status, Trigger
from chalicelib.domain.errors import ConcurrentChange
from chalicelib.services.ports import CLAIM_LEASE, Claim, DossierRepository, UploadLedger
from infra.local.provision import Provisioned
from tests.builders import NOW, dossier, invoice
from tests.fakes import FakeDossierRepository, FakeUploadLedger


@pytest.fixture(params=["fake", "dynamodb"])
def repository(request: pytest.FixtureRequest) -> Iterator[DossierRepository]:
    if request.param == "fake":
        yield FakeDossierRepository()
    else:
        request.getfixturevalue("aws")
        yield DynamoDossierRepository()


def test_a_saved_dossier_reads_back_equal(repository: DossierRepository) -> None:
    file = dossier(invoice("A-1", 12_345), invoice("A-2", -1_000))
    file.next_action_at = NOW
    file.apply(Trigger.REMINDER_SENT, at=NOW, actor="test", reason="step 1", step=1)
    repository.save(file)

    loaded = repository.get(file.client_id, file.debtor_id)
    assert loaded is not None
    assert loaded.invoices == file.invoices
    assert (loaded.status, loaded.open_cents, loaded.next_action_at, loaded.version) == (
        Status.REMINDED,
        11_345,
        NOW,
        1,
    )
    [event] = repository.events(file.client_id, file.debtor_id)
    assert (event.what, event.to_status, event.details) == ("reminder_sent", Status.REMINDED, {"step": 1})


def test_a_stale_version_is_refused_and_the_first_write_survives(repository: DossierRepository) -> None:
    repository.save(dossier())
    first = repository.get("vv-de-zwaluwen", "10023")
    second = repository.get("vv-de-zwaluwen", "10023")
    assert first is not None and second is not None
    first.receive_payment("tr_webhook", 2_500, at=NOW, actor="mollie-webhook")
    repository.save(first)
    second.apply(Trigger.REMINDER_SENT, at=NOW, actor="dunning", reason="step 1")
    with pytest.raises(ConcurrentChange):
        repository.save(second)
    stored = repository.get("vv-de-zwaluwen", "10023")
    assert stored is not None
    assert (stored.paid_cents, stored.status) == (2_500, Status.OPEN)
    assert [e.what for e in repository.events("vv-de-zwaluwen", "10023")] == ["payment_received"]


def test_a_new_dossier_cannot_overwrite_an_existing_one(repository: DossierRepository) -> None:
    repository.save(dossier(invoice("A-1", 100)))
    with pytest.raises(ConcurrentChange):
        repository.save(dossier(invoice("B-1", 200)))


def test_only_due_dossiers_come_back_from_the_due_index(repository: DossierRepository) -> None:
    for number, offset in enumerate((-60, -1, 0, 1, 60)):
        file = dossier(debtor_id=f"D{number}")
        file.next_action_at = NOW + timedelta(minutes=offset)
        repository.save(file)
    without_action = dossier(debtor_id="D9")
    repository.save(without_action)

    due = repository.due(NOW, limit=100)
    assert sorted(due) == [("vv-de-zwaluwen", "D0"), ("vv-de-zwaluwen", "D1"), ("vv-de-zwaluwen", "D2")]
    assert len(repository.due(NOW, limit=2)) == 2


def test_active_and_all_dossiers_of_a_client(repository: DossierRepository) -> None:
    open_file = dossier(debtor_id="A")
    closed = dossier(debtor_id="B")
    closed.receive_payment("tr_1", closed.open_cents, at=NOW, actor="test")
    other_client = dossier(debtor_id="C", client_id="hockeyclub")
    for file in (open_file, closed, other_client):
        repository.save(file)
    assert repository.active_debtor_ids("vv-de-zwaluwen") == ["A"]
    assert sorted(d.debtor_id for d in repository.list_for_client("vv-de-zwaluwen")) == ["A", "B"]
    assert set(repository.get_many("vv-de-zwaluwen", ["A", "B", "C"])) == {"A", "B"}


@pytest.fixture(params=["fake", "dynamodb"])
def ledger(request: pytest.FixtureRequest) -> UploadLedger:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
        return DynamoUploadLedger()
    return FakeUploadLedger()


def test_an_upload_is_claimed_once_and_done_after_completion(ledger: UploadLedger) -> None:
    key = "incoming/club/a.csv"
    assert ledger.claim("club", key, "etag1", NOW) is Claim.CLAIMED
    assert ledger.claim("club", key, "etag1", NOW) is Claim.BUSY
    assert ledger.claim("club", key, "etag2", NOW) is Claim.CLAIMED
    ledger.complete("club", key, "etag1", {"status": "imported"})
    assert ledger.claim("club", key, "etag1", NOW + timedelta(days=1)) is Claim.DONE


def test_a_released_claim_can_be_taken_again(ledger: UploadLedger) -> None:
    ledger.claim("club", "incoming/club/a.csv", "etag1", NOW)
    ledger.release("club", "incoming/club/a.csv", "etag1")
    assert ledger.claim("club", "incoming/club/a.csv", "etag1", NOW) is Claim.CLAIMED


def test_the_claim_of_an_import_that_timed_out_is_taken_over_after_the_lease(ledger: UploadLedger) -> None:
    """A Lambda killed at its timeout never releases its claim; the redelivery must not be dropped."""
    ledger.claim("club", "incoming/club/a.csv", "etag1", NOW)
    just_before = NOW + CLAIM_LEASE - timedelta(seconds=1)
    assert ledger.claim("club", "incoming/club/a.csv", "etag1", just_before) is Claim.BUSY
    assert ledger.claim("club", "incoming/club/a.csv", "etag1", NOW + CLAIM_LEASE) is Claim.CLAIMED


def test_the_due_index_is_queried_not_scanned(aws: Provisioned) -> None:
    """The sweep must cost what is due, not what is stored: count the items DynamoDB reads."""
    repository = DynamoDossierRepository()
    for number in range(40):
        file = dossier(debtor_id=f"N{number}")
        file.next_action_at = NOW + timedelta(days=1) if number >= 5 else NOW - timedelta(minutes=1)
        repository.save(file)
    calls: list[str] = []
    connection = table.DossierItem._get_connection().connection
    original = connection.dispatch

    def counting(operation_name: str, operation_kwargs: dict[str, object]) -> object:
        calls.append(operation_name)
        return original(operation_name, operation_kwargs)

    connection.dispatch = counting  # type: ignore[method-assign]
    due = repository.due(NOW, limit=1000)
    assert len(due) == 5
    assert "Scan" not in calls
    assert set(calls) == {"Query"}
