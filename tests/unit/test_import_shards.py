"""A large list split into debtor shards (services/list_chunks.py, services/import_chunks.py): the
same dossiers and the same report as a single-invocation import, idempotent at every step."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType, InvoiceLine
from chalicelib.domain.dossier import Dossier, Status
from chalicelib.services.import_chunks import CHUNK_DELIVERIES, ImportChunk, import_chunk
from chalicelib.services.import_upload import (
    FAILED_REASON,
    ImportDeps,
    ImportResult,
    ImportUpload,
    import_upload,
)
from chalicelib.services.list_chunks import decode_line, encode_line, upload_prefix
from chalicelib.services.report_language import translate_reason
from tests.builders import CLUB, NOW
from tests.fakes import (
    FakeChunkQueue,
    FakeChunkStore,
    FakeClientDirectory,
    FakeDossierRepository,
    FakeFileStore,
    FakeListDigests,
    FakeUploadLedger,
)

HEADER = "Relatiecode;Naam;E-mail;Factuurnummer;Factuurdatum;Vervaldatum;Openstaand\n"
DAY = timedelta(days=1)


def members(numbers: range, *, amount: str = "45,00") -> str:
    # Two invoices each (one of them a second row further down), and one rejected row.
    first = "".join(f"{n};Lid {n};lid{n}@example.nl;C-{n};01-10-2026;31-10-2026;{amount}\n" for n in numbers)
    second = "".join(f"{n};Lid {n};lid{n}@example.nl;D-{n};01-11-2026;30-11-2026;10,00\n" for n in numbers)
    return HEADER + first + "99999;Zonder bedrag;;X-1;01-10-2026;31-10-2026;\n" + second


class FailingOnce(FakeDossierRepository):
    """Dies after saving the first batch of new dossiers, like a Lambda that times out."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_after_create = False

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        refused = super().create_many(dossiers)
        if self.fail_after_create and dossiers:
            self.fail_after_create = False
            raise TimeoutError("the invocation timed out")
        return refused


class World:
    def __init__(self, *, shard_above_rows: int | None) -> None:
        self.dossiers = FailingOnce()
        self.files = FakeFileStore()
        self.ledger = FakeUploadLedger()
        self.digests = FakeListDigests()
        self.chunks = FakeChunkStore()
        self.queue = FakeChunkQueue()
        self.deps = ImportDeps(
            FakeClientDirectory(CLUB), self.dossiers, self.ledger, self.files, digests=self.digests
        )
        if shard_above_rows is not None:
            self.deps = replace(
                self.deps, chunks=self.chunks, chunk_queue=self.queue, shard_above_rows=shard_above_rows
            )

    def upload(self, body: str, name: str, etag: str) -> ImportUpload:
        key = f"incoming/{CLUB.client_id}/{name}"
        self.files.files[key] = body.encode("utf-8")
        return ImportUpload("uploads", key, etag)

    def chunks_queued(self) -> list[ImportChunk]:
        queued = [ImportChunk.from_message(m) for m in self.queue.messages]
        self.queue.messages.clear()
        return queued

    def drop(self, body: str, name: str, etag: str, day: int = 0) -> dict[str, Any]:
        """Upload and import completely (every queued chunk delivered); returns the report."""
        now = NOW + day * DAY
        import_upload(self.upload(body, name, etag), now, self.deps)
        for chunk in self.chunks_queued():
            import_chunk(chunk, now, self.deps)
        return self.report(name)

    def report(self, name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.files.files[f"reports/{CLUB.client_id}/{name}.result.json"])
        return loaded

    def state(self) -> dict[str, tuple[str, int, list[str]]]:
        return {
            d.debtor_id: (d.status.value, d.open_cents, sorted(n for n, i in d.invoices.items() if i.is_open))
            for d in self.dossiers.list_for_client(CLUB.client_id)
        }


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v) if k in ("opened", "updated", "closed") else v for k, v in report.items()}


def test_a_split_list_gives_the_same_dossiers_and_report_as_one_invocation() -> None:
    single, sharded = World(shard_above_rows=None), World(shard_above_rows=7)
    day0 = members(range(20000, 20040))
    # Day 1: ten members paid the club directly, two new ones, one paid part.
    day1 = members(range(20010, 20042)).replace(
        "20011;Lid 20011;lid20011@example.nl;C-20011;01-10-2026;31-10-2026;45,00",
        "20011;Lid 20011;lid20011@example.nl;C-20011;01-10-2026;31-10-2026;20,00",
    )

    for world in (single, sharded):
        world.drop(day0, "dag0.csv", "e0")
        world.drop(day1, "dag1.csv", "e1", day=1)

    assert len(sharded.queue.messages) == 0
    assert sharded.chunks.chunks, "the list was split"
    assert not single.chunks.chunks
    for name in ("dag0.csv", "dag1.csv"):
        assert comparable(sharded.report(name)) == comparable(single.report(name))
    report = sharded.report("dag1.csv")
    assert (report["rows"], report["accepted"], report["rejected_count"]) == (65, 64, 1)
    assert (report["dossiers_opened"], report["dossiers_updated"], report["dossiers_closed"]) == (2, 1, 10)
    assert report["debtors_unchanged"] == 29
    assert report["rejected"] == [
        {"line": 34, "column": "Openstaand", "reason": "het openstaande bedrag is leeg"}
    ]
    assert sharded.state() == single.state()
    assert sharded.state()["20000"] == ("settled_by_client", 0, [])
    assert sharded.state()["20011"] == ("open", 3_000, ["C-20011", "D-20011"])
    # Each shard keeps its own debtors' fingerprints; together: today's list.
    assert sharded.digests.load(CLUB.client_id, range(16)).keys() == {str(n) for n in range(20010, 20042)}


def test_a_small_list_stays_in_one_invocation() -> None:
    world = World(shard_above_rows=1000)
    report = world.drop(members(range(20000, 20010)), "klein.csv", "e0")

    assert (report["status"], report["dossiers_opened"]) == ("imported", 10)
    assert world.queue.messages == [] and world.chunks.chunks == {}


def test_completion_is_written_once_all_shards_are_done_and_chunks_delivered_twice_change_nothing() -> None:
    world = World(shard_above_rows=7)
    upload = world.upload(members(range(20000, 20040)), "dag0.csv", "e0")

    split = import_upload(upload, NOW, world.deps)
    chunks = world.chunks_queued()

    assert (split.status, split.split, [c.shard for c in chunks]) == ("imported", True, list(range(16)))
    # The upload redelivered while the chunks run: the file is not split again.
    assert import_upload(upload, NOW, world.deps).status == "duplicate"
    assert world.queue.messages == []
    results = [import_chunk(chunk, NOW, world.deps) for chunk in chunks[:-1]]
    assert results == [None] * 15
    assert "reports/vv-de-ballentrappers/dag0.csv.result.json" not in world.files.files
    again = import_chunk(chunks[3], NOW, world.deps)  # delivered twice: done already, no effect
    assert again is None and world.ledger.shards(CLUB.client_id, upload.key, upload.etag)[1] == frozenset(
        range(16)
    ) - {15}
    last = import_chunk(chunks[-1], NOW, world.deps)

    assert isinstance(last, ImportResult)
    assert (last.status, len(last.opened), len(last.rejected)) == ("imported", 40, 1)
    assert world.report("dag0.csv")["dossiers_opened"] == 40
    assert world.ledger.claims[(CLUB.client_id, upload.key, upload.etag)] == "imported"
    events = sum(len(world.dossiers.events(CLUB.client_id, str(n))) for n in range(20000, 20040))
    for chunk in chunks:  # every chunk again, after completion: nothing happens
        assert import_chunk(chunk, NOW, world.deps) is None
    assert sum(len(world.dossiers.events(CLUB.client_id, str(n))) for n in range(20000, 20040)) == events
    assert world.report("dag0.csv")["dossiers_opened"] == 40


def test_a_crashed_chunk_is_retried_and_the_import_completes_with_the_right_dossiers() -> None:
    single, world = World(shard_above_rows=None), World(shard_above_rows=7)
    body = members(range(20000, 20040))
    single.drop(body, "dag0.csv", "e0")
    import_upload(world.upload(body, "dag0.csv", "e0"), NOW, world.deps)
    chunks = world.chunks_queued()
    prefix = upload_prefix(CLUB.client_id, chunks[0].key, chunks[0].etag)
    crashing = next(c for c in chunks if len(world.chunks.chunks[(prefix, c.shard)]) >= 4)

    world.dossiers.fail_after_create = True
    with pytest.raises(TimeoutError):
        import_chunk(crashing, NOW, world.deps)
    assert crashing.shard not in world.ledger.shards(CLUB.client_id, crashing.key, crashing.etag)[1]
    for chunk in chunks:  # SQS brings the crashed one back after its visibility timeout
        import_chunk(chunk, NOW, world.deps)

    assert world.state() == single.state()
    report = world.report("dag0.csv")
    # The retry found the dossiers its first attempt had saved: counted unchanged, not opened.
    assert report["dossiers_opened"] + report["debtors_unchanged"] == 40
    assert report["status"] == "imported"


def test_a_held_split_list_closes_nothing_in_any_shard() -> None:
    world = World(shard_above_rows=3)
    world.drop(members(range(20000, 20040)), "dag0.csv", "e0")
    report = world.drop(members(range(20000, 20005)), "kort.csv", "e1", day=1)

    assert (report["status"], report["dossiers_closed"], report["confirm_with"]) == (
        "held_for_confirmation",
        0,
        "kort.csv.bevestigd",
    )
    assert len(world.state()) == 40
    assert Status.SETTLED_BY_CLIENT.value not in {s for s, _, _ in world.state().values()}


def test_an_invoice_line_survives_the_chunk_codec() -> None:
    original = InvoiceLine(
        line=7,
        debtor=DebtorDetails(
            "10023", "Jan de Vries", DebtorType.CONSUMER, email="jan@example.nl", city="Zwolle"
        ),
        invoice_number="2026-0101",
        due_date=date(2026, 10, 31),
        open_cents=12_500,
        amount_cents=15_000,
        invoice_date=date(2026, 10, 1),
        paid=True,
    )
    assert decode_line(json.loads(json.dumps(encode_line(original)))) == original


class BrokenDossierRepository(FakeDossierRepository):
    """DynamoDB failing in a way no retry fixes, until someone fixes it."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    def create_many(self, dossiers: list[Dossier]) -> list[Dossier]:
        if self.broken:
            raise RuntimeError("ValidationException")
        return super().create_many(dossiers)


def test_a_shard_failing_on_its_last_delivery_tells_the_client_and_a_redrive_finishes_the_report() -> None:
    world = World(shard_above_rows=7)
    broken = BrokenDossierRepository()
    world.deps = replace(world.deps, dossiers=broken)
    import_upload(world.upload(members(range(20000, 20040)), "dag0.csv", "e0"), NOW, world.deps)
    chunks = world.chunks_queued()
    report_key = f"reports/{CLUB.client_id}/dag0.csv.result.json"

    with pytest.raises(RuntimeError):
        import_chunk(chunks[0], NOW, world.deps, delivery=CHUNK_DELIVERIES - 1)
    assert report_key not in world.files.files  # SQS retries it first
    with pytest.raises(RuntimeError):
        import_chunk(chunks[0], NOW, world.deps, delivery=CHUNK_DELIVERIES)
    report = world.report("dag0.csv")
    # The report speaks the client's language (services/report_language.py).
    assert (report["status"], report["error"]) == ("failed", translate_reason(FAILED_REASON, CLUB.language))

    broken.broken = False  # fixed; the shard comes back from the dead-letter queue
    for chunk in chunks:
        import_chunk(chunk, NOW, world.deps)
    report = world.report("dag0.csv")
    assert (report["status"], report["error"], report["dossiers_opened"]) == ("imported", None, 40)


def test_the_last_delivery_of_a_chunk_is_the_chunk_queues_max_receive_count() -> None:
    resources = json.loads((Path(__file__).parents[2] / "infra" / "resources.json").read_text())
    queue = resources["Resources"]["ImportChunksQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == CHUNK_DELIVERIES
