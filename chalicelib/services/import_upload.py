"""Import a client's debtor list: open a dossier per new debtor, update known ones, and close what
the client was paid directly. The daily list is a snapshot of everything still open.

The rules live in `domain/reconciliation.py`; this module reads the list, loads and saves in bulk:
- an unchanged debtor (same fingerprint as on the last full list) is neither read nor written;
- the others are read 100 per consistent BatchGetItem;
- new dossiers are created 50 per TransactWriteItems, each with its events item and on condition
  that it does not exist yet (another import of the same client may have opened it meanwhile);
- changed dossiers are saved 50 per TransactWriteItems (dossier + its events, each under its own
  version condition); a refused one is reconciled again from a fresh read;
- a debtor the store refuses outright (not a race) becomes a rejected entry of the report with
  its line numbers; the rest of the list lands.

Confirming a held list: a list far shorter than the open dossiers is imported without closing
anything (`held_for_confirmation`). The client confirms it by uploading an empty file with the
same name plus `.bevestigd` (or `.confirm`) next to it, e.g. `leden.csv.bevestigd`: the list is
imported again with the missing debtors closed. An upload is the one action a club treasurer
already knows, it needs no new credentials, and only someone allowed to upload for the client can do it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.debtor_list import DroppedField, InvoiceLine, RejectedRow
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import UploadInProgress
from chalicelib.domain.households import households
from chalicelib.domain.policies import Policy, default_policy
from chalicelib.domain.reconciliation import (
    DIGEST_SHARDS,
    Outcome,
    Reconciled,
    close_missing,
    debtor_digest,
    digest_shard,
    is_partial_list,
    reconcile,
)
from chalicelib.importing import ImportSettings, UnreadableList, read_debtor_list
from chalicelib.services.import_report import NotOpened, rejected_rows_csv, write_reports
from chalicelib.services.import_reversals import import_reversals
from chalicelib.services.list_chunks import (
    MANIFEST,
    SHARDS,
    ListSplitter,
    by_shard,
    context_name,
    upload_prefix,
)
from chalicelib.services.ports import (
    ChunkQueue,
    ChunkStore,
    Claim,
    ClientDirectory,
    DossierRepository,
    FileStore,
    ListDigests,
    UnstorableDossier,
    UploadLedger,
)
from chalicelib.services.unit_of_work import DossierUnitOfWork

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INCOMING = "incoming"
PAID_ITEMS = "paid"
# A bank's reversed direct debits (services/import_reversals.py).
STORNO = "storno"
CONFIRM_SUFFIXES = (".bevestigd", ".confirm")
READ_BATCH = 100  # BatchGetItem's limit
SAVE_BATCH = 50  # dossier + events = 2 of TransactWriteItems' 100 items
# A list with more accepted rows than this is split into shard chunks, imported in parallel by
# `import_chunk` (services/import_chunks.py); below it one invocation imports it all.
SHARD_ABOVE_ROWS = 50_000
# The uploads queue's maxReceiveCount (infra/resources.json; a test keeps the two equal): a failure
# on this delivery sends the upload to the dead-letter queue, so the client is told there and then.
UPLOAD_DELIVERIES = 3
FAILED_REASON = (
    "We could not process this file because of a fault on our side; our team has been alerted. "
    "Nothing needs to change in the file: please upload it again later. If this keeps happening, "
    "contact us and mention the file name."
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportUpload:
    bucket: str
    key: str
    etag: str


@dataclass
class ImportResult:
    client_id: str | None
    key: str
    # imported | duplicate | held_for_confirmation | rejected_file (the file's fault) | failed (ours)
    status: str = "imported"
    error: str | None = None
    rows: int = 0
    accepted: int = 0
    total_open_cents: int = 0
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    unchanged: int = 0
    invoices_settled: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    dropped: list[DroppedField] = field(default_factory=list)  # optional fields left out; rows landed
    not_opened: list[NotOpened] = field(default_factory=list)
    confirmed: bool = False
    split: bool = False  # split into shard chunks: the chunk handlers finish the import
    # A storno upload: each reversed direct debit, its reason and what it did (None for a list).
    reversed_debits: list[dict[str, Any]] | None = None
    # The households the list forms: one payer, two or more members (domain/households.py).
    households: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "file": self.key,
            "status": self.status,
            "error": self.error,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected_count": len(self.rejected),
            "fields_dropped_count": len(self.dropped),
            "total_open_cents": self.total_open_cents,
            "dossiers_opened": len(self.opened),
            "dossiers_updated": len(self.updated),
            "dossiers_closed": len(self.closed),
            "debtors_unchanged": self.unchanged,
            "invoices_settled_by_client": self.invoices_settled,
            "confirmed": self.confirmed,
            "confirm_with": (
                f"{PurePosixPath(self.key).name}{CONFIRM_SUFFIXES[0]}"
                if self.status == "held_for_confirmation"
                else None
            ),
            "opened": self.opened,
            "updated": self.updated,
            "closed": self.closed,
            "rejected": [{"line": r.line, "column": r.column, "reason": r.reason} for r in self.rejected],
            "fields_dropped": [
                {"line": d.line, "column": d.column, "reason": d.reason} for d in self.dropped
            ],
            "not_opened": [
                {"debtor_id": n.debtor_id, "line": n.line, "balance_cents": n.balance_cents}
                for n in self.not_opened
            ],
        } | self._extras()

    def _extras(self) -> dict[str, Any]:
        """Parts only some reports have: a storno upload's reversals, a list's households."""
        extras: dict[str, Any] = {}
        if self.reversed_debits is not None:
            extras["reversed_debits"] = self.reversed_debits
        if self.households:
            extras["households"] = self.households
        return extras


def ledger_summary(result: ImportResult) -> dict[str, Any]:
    """The report without its lists: those stay in S3, a ledger item must stay far below
    DynamoDB's 400 KB (a 300k-row list can leave out tens of thousands of phone numbers)."""
    report = result.to_dict()
    lists = ("opened", "updated", "closed", "rejected", "fields_dropped", "not_opened")
    lists_of_some = ("reversed_debits", "households")
    return report | {key: [] for key in lists} | {key: [] for key in lists_of_some if key in report}


class NoListDigests:
    """Without fingerprints every listed debtor is read: correct, only slower."""

    def load(self, client_id: str, shards: Iterable[int]) -> dict[str, str]:
        return {}

    def save(self, client_id: str, shard: int, digests: dict[str, str]) -> None:
        return None


@dataclass(frozen=True)
class ImportDeps:
    clients: ClientDirectory
    dossiers: DossierRepository
    ledger: UploadLedger
    files: FileStore
    policy: Policy | None = None
    digests: ListDigests = field(default_factory=NoListDigests)
    # Without a chunk store and queue every list is imported in one invocation.
    chunks: ChunkStore | None = None
    chunk_queue: ChunkQueue | None = None
    shard_above_rows: int = SHARD_ABOVE_ROWS


def client_of(key: str) -> tuple[str, str, str] | None:
    """`incoming/<client>/<file>`, `paid/<client>/<file>` or `storno/<client>/<file>` -> (kind,
    client, file name)."""
    parts = PurePosixPath(key).parts
    if len(parts) < 3 or parts[0] not in (INCOMING, PAID_ITEMS, STORNO) or not parts[1]:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def confirmation_of(key: str) -> str | None:
    """`incoming/<client>/leden.csv.bevestigd` confirms `incoming/<client>/leden.csv`."""
    for suffix in CONFIRM_SUFFIXES:
        if key.lower().endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return None


def import_upload(cmd: ImportUpload, now: datetime, deps: ImportDeps, *, delivery: int = 1) -> ImportResult:
    """Import one upload. `delivery` is how often SQS has delivered it (1 the first time): when
    the last delivery fails, a report tells the client before the upload goes to the DLQ."""
    try:
        return _import_upload(cmd, now, deps)
    except UploadInProgress:
        raise  # another invocation is importing it and will write the report
    except Exception:
        if delivery >= UPLOAD_DELIVERIES:
            report_failed_upload(cmd, deps)
        raise


def report_failed_upload(cmd: ImportUpload, deps: ImportDeps) -> None:
    """The report of an upload we failed on, in the same shape as any other. Never raises: the
    failure that brought us here is the one that must reach the dead-letter queue."""
    located = client_of(cmd.key)
    if located is None:
        return
    _, client_id, file_name = located
    listed = client_of(confirmation_of(cmd.key) or cmd.key)
    try:
        client = deps.clients.get(client_id)
        if client is None:
            return  # no report under the prefix of a client that does not exist
        result = ImportResult(client_id, cmd.key, status="failed", error=FAILED_REASON)
        _write_reports(deps.files, client_id, listed[2] if listed else file_name, result, client.language)
    except Exception as error:
        logger.error("the report of a failed upload could not be written: %s", type(error).__name__)


def _import_upload(cmd: ImportUpload, now: datetime, deps: ImportDeps) -> ImportResult:
    located = client_of(cmd.key)
    if located is None:
        return ImportResult(
            None, cmd.key, status="rejected_file", error="the file is not under incoming/<client id>/"
        )
    kind, client_id, file_name = located
    client = deps.clients.get(client_id)
    if client is None:
        result = ImportResult(
            client_id, cmd.key, status="rejected_file", error=f"unknown client {client_id!r}"
        )
        _write_reports(deps.files, client_id, file_name, result)
        return result
    claim = deps.ledger.claim(client_id, cmd.key, cmd.etag, now)
    if claim is Claim.DONE:
        return ImportResult(client_id, cmd.key, status="duplicate")
    if claim is Claim.BUSY:
        # Not a duplicate to drop: the message must come back in case that import dies.
        raise UploadInProgress(f"{cmd.key} is being imported by another invocation")
    target = confirmation_of(cmd.key) if kind == INCOMING else None
    list_key = target or cmd.key
    settings = ImportSettings(
        default_debtor_type=client.default_debtor_type,
        column_mapping=dict(client.column_mapping),
        group_households_by_contact=client.group_households_by_contact,
    )
    prefix = upload_prefix(client_id, cmd.key, cmd.etag)
    try:
        if kind == STORNO:
            today = now.astimezone(AMSTERDAM).date()
            result = import_reversals(client, cmd.key, today, now, deps.policy or default_policy(), deps)
        else:
            result = _import(
                kind, client_id, list_key, now, deps, settings, confirmed=target is not None, prefix=prefix
            )
    except Exception:
        # Let the retry (SQS redelivery) import the file from scratch; nothing is half-claimed.
        deps.ledger.release(client_id, cmd.key, cmd.etag)
        raise
    if result.split:
        assert deps.chunk_queue is not None
        # Queued before the ledger says so: a crash in between leaves the claim to go stale and
        # the file to be split again (same chunks, same keys); a chunk delivered twice is harmless.
        deps.chunk_queue.enqueue(
            [{"client_id": client_id, "key": cmd.key, "etag": cmd.etag, "shard": shard} for shard in SHARDS]
        )
        deps.ledger.split(client_id, cmd.key, cmd.etag)
        return result
    listed = client_of(list_key)
    _write_reports(deps.files, client_id, listed[2] if listed else file_name, result, client.language)
    deps.ledger.complete(
        client_id,
        cmd.key,
        cmd.etag,
        ledger_summary(result),
    )
    return result


@dataclass
class ListContext:
    """What every debtor of one list is reconciled with."""

    client_id: str
    paid_items: bool
    hold: bool
    today: date
    now: datetime
    policy: Policy
    deps: ImportDeps
    result: ImportResult


def _import(
    kind: str,
    client_id: str,
    key: str,
    now: datetime,
    deps: ImportDeps,
    settings: ImportSettings,
    *,
    confirmed: bool,
    prefix: str = "",
) -> ImportResult:
    result = ImportResult(client_id, key, confirmed=confirmed)
    lines_by_debtor: dict[str, list[InvoiceLine]] = defaultdict(list)
    splitter: ListSplitter | None = None
    try:
        reader = read_debtor_list(deps.files.open(key), PurePosixPath(key).name, settings)
        for row in reader:
            if isinstance(row, RejectedRow):
                result.rejected.append(row)
                continue
            result.accepted += 1
            result.dropped.extend(row.dropped)
            if not row.paid:
                result.total_open_cents += row.open_cents
            if splitter is not None:
                splitter.add(row)
                continue
            lines_by_debtor[row.debtor.debtor_id].append(row)
            if deps.chunks is not None and result.accepted > deps.shard_above_rows:
                # Too large for one invocation's memory: from here on rows go to shard chunks.
                splitter = ListSplitter(deps.chunks.writer(prefix))
                for lines in lines_by_debtor.values():
                    for line in lines:
                        splitter.add(line)
                lines_by_debtor = defaultdict(list)
        result.rows = reader.rows_seen
    except FileNotFoundError:
        result.status = "rejected_file"
        result.error = f"there is no list {PurePosixPath(key).name!r} to confirm; upload the list itself"
        return result
    except UnreadableList as error:
        # Nothing of the file is imported: a fresh result, not the counts of the rows read so far.
        return ImportResult(client_id, key, status="rejected_file", error=error.reason, confirmed=confirmed)

    paid_items = kind == PAID_ITEMS
    known = deps.dossiers.debtor_index(client_id)
    listed: ListSplitter | dict[str, list[InvoiceLine]] = (
        splitter if splitter is not None else lines_by_debtor
    )
    missing: list[str] = []
    hold = False
    if not paid_items:
        active = [d for d, is_active in known.items() if is_active]
        missing = [d for d in active if d not in listed]
        if not confirmed and is_partial_list(len(listed), len(active)):
            hold, result.status = True, "held_for_confirmation"
            result.error = (
                f"this list names {len(listed)} debtors while {len(active)} have open dossiers; "
                f"nothing was closed. Upload the complete list, or confirm that the others paid the "
                f"club directly by uploading an empty file named "
                f"'{PurePosixPath(key).name}{CONFIRM_SUFFIXES[0]}'."
            )
    context = ListContext(
        client_id,
        paid_items,
        hold,
        now.astimezone(AMSTERDAM).date(),
        now,
        deps.policy or default_policy(),
        deps,
        result,
    )
    if splitter is not None:
        assert deps.chunks is not None
        _finish_split(deps.chunks, prefix, splitter, known, missing, kind, result)
        return result
    shards = range(DIGEST_SHARDS)
    before = {} if paid_items else deps.digests.load(client_id, shards)
    after = apply_list(context, lines_by_debtor, known, missing, before)
    if not paid_items:
        result.households = household_report(lines_by_debtor, settings.group_households_by_contact)
    if not paid_items:
        save_digests(deps.digests, client_id, shards, before, after, missing if hold else [])
    return result


def household_report(lines_by_debtor: dict[str, list[InvoiceLine]], by_contact: bool) -> list[dict[str, Any]]:
    """Which households the list formed, for the import report: the payer and the members."""
    debtors = {lines[-1].debtor.debtor_id: lines[-1].debtor for lines in lines_by_debtor.values()}
    formed = households(debtors.values(), group_by_shared_contact=by_contact)
    report: list[dict[str, Any]] = []
    for key, members in formed.items():
        first = debtors[members[0]]
        report.append(
            {
                "household": key,
                "payer": first.payer or first.payer_email or first.email or first.iban,
                "members": list(members),
            }
        )
    return report


def _finish_split(
    chunks: ChunkStore,
    prefix: str,
    splitter: ListSplitter,
    known: dict[str, bool],
    missing: list[str],
    kind: str,
    result: ImportResult,
) -> None:
    """Store the chunks, each shard's context and the manifest; the caller queues the chunks."""
    splitter.writer.close()
    for shard, context in zip(SHARDS, by_shard(known, missing), strict=True):
        chunks.put_json(prefix, context_name(shard), context)
    chunks.put_json(
        prefix,
        MANIFEST,
        {"kind": kind, "hold": result.status == "held_for_confirmation", "result": result.to_dict()},
    )
    result.split = True


def apply_list(
    context: ListContext,
    lines_by_debtor: dict[str, list[InvoiceLine]],
    known: dict[str, bool],
    missing: list[str],
    digests_before: dict[str, str],
) -> dict[str, str]:
    """Reconcile every listed debtor, then close the missing ones (unless held). Returns the
    fingerprints of the listed debtors."""
    digests: dict[str, str] = {}
    to_read: list[str] = []
    to_save: list[tuple[Reconciled, list[InvoiceLine]]] = []
    for debtor_id, lines in lines_by_debtor.items():
        digest = debtor_digest(lines)
        digests[debtor_id] = digest
        if not context.paid_items and digests_before.get(debtor_id) == digest and debtor_id in known:
            context.result.unchanged += 1
            continue
        # New debtors are read too (consistently): the index may lag behind a dossier created
        # moments ago, and a create that finds one is refused and redone as an update.
        to_read.append(debtor_id)
        if len(to_read) == READ_BATCH:
            _reconcile_known(context, to_read, lines_by_debtor, to_save)
            to_read = []
        if len(to_save) >= SAVE_BATCH:
            _save(context, to_save)
            to_save = []
    if to_read:
        _reconcile_known(context, to_read, lines_by_debtor, to_save)
    _save(context, to_save)
    if not context.hold:
        _close_missing(context, missing)
    return digests


def save_digests(
    digests: ListDigests,
    client_id: str,
    shards: Iterable[int],
    before: dict[str, str],
    after: dict[str, str],
    still_missing: list[str],
) -> None:
    """Keep the fingerprints of today's full list; a held list keeps the missing debtors' old
    ones, so they are still candidates for closing. Only changed shards are written."""
    merged = {**{d: before[d] for d in still_missing if d in before}, **after}
    for shard in shards:
        new = {d: h for d, h in merged.items() if digest_shard(d) == shard}
        old = {d: h for d, h in before.items() if digest_shard(d) == shard}
        if new != old:
            digests.save(client_id, shard, new)


def _reconcile(context: ListContext, dossier: Dossier | None, lines: list[InvoiceLine]) -> Reconciled:
    return reconcile(
        context.client_id,
        dossier,
        lines,
        paid_items=context.paid_items,
        hold=context.hold,
        today=context.today,
        now=context.now,
        policy=context.policy,
    )


def _queue(
    context: ListContext,
    reconciled: Reconciled,
    lines: list[InvoiceLine],
    to_save: list[tuple[Reconciled, list[InvoiceLine]]],
) -> None:
    if reconciled.changed:
        to_save.append((reconciled, lines))
    elif reconciled.outcome is Outcome.UNCHANGED:
        context.result.unchanged += 1
    elif reconciled.dossier is None and not context.paid_items:
        # Listed, yet nothing to collect (credit notes or paid rows only): named, never silent.
        balance = sum(line.open_cents for line in lines if not line.paid)
        context.result.not_opened.append(NotOpened(lines[0].debtor.debtor_id, lines[0].line, balance))


def _reconcile_known(
    context: ListContext,
    debtor_ids: list[str],
    lines_by_debtor: dict[str, list[InvoiceLine]],
    to_save: list[tuple[Reconciled, list[InvoiceLine]]],
) -> None:
    found = context.deps.dossiers.get_many(context.client_id, debtor_ids)
    for debtor_id in debtor_ids:
        lines = lines_by_debtor[debtor_id]
        _queue(context, _reconcile(context, found.get(debtor_id), lines), lines, to_save)


def _save(context: ListContext, to_save: list[tuple[Reconciled, list[InvoiceLine]]]) -> None:
    if not to_save:
        return
    new = [r.dossier for r, _ in to_save if r.dossier is not None and r.dossier.version is None]
    # Conditional creates: a dossier another import opened since we read it absent is refused,
    # never overwritten, and reconciled below as an update of what that import stored.
    refused = {id(d) for d in context.deps.dossiers.create_many(new)}
    created = {id(d) for d in new}
    changed = [r.dossier for r, _ in to_save if r.dossier is not None and id(r.dossier) not in created]
    refused |= {id(d) for d in context.deps.dossiers.save_many(changed)}
    for reconciled, lines in to_save:
        assert reconciled.dossier is not None
        if id(reconciled.dossier) not in refused:
            _record(context.result, reconciled)
            continue
        # Someone saved this dossier meanwhile (a payment, a reminder, a parallel import), or the
        # store refused it: reconcile again from what is stored now, saving it on its own.
        debtor_id = reconciled.dossier.debtor_id

        def again(debtor_id: str = debtor_id, lines: list[InvoiceLine] = lines) -> None:
            fresh = _reconcile(context, context.deps.dossiers.get(context.client_id, debtor_id), lines)
            if fresh.changed and fresh.dossier is not None:
                context.deps.dossiers.save(fresh.dossier)
                _record(context.result, fresh)

        try:
            DossierUnitOfWork(context.deps.dossiers).retry(again)
        except UnstorableDossier as refusal:
            # One debtor the store cannot hold must not keep the rest of the list from landing.
            context.result.rejected.append(_unsaved_debtor(debtor_id, lines, refusal.reason))


def _unsaved_debtor(debtor_id: str, lines: list[InvoiceLine], reason: str) -> RejectedRow:
    numbers = sorted(line.line for line in lines)
    return RejectedRow(
        numbers[0],
        None,
        f"debtor {debtor_id} (lines {_line_ranges(numbers)}) could not be saved and was not "
        f"imported: {reason}. The other debtors of the list were imported; upload the list "
        f"again once this is resolved, or contact support.",
    )


def _line_ranges(numbers: list[int]) -> str:
    """[2, 3, 4, 9] -> "2-4, 9": a debtor's rows may be many."""
    ranges: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(ranges)


def _close_missing(context: ListContext, missing: list[str]) -> None:
    dossiers = context.deps.dossiers
    for start in range(0, len(missing), READ_BATCH):
        batch = missing[start : start + READ_BATCH]
        found = dossiers.get_many(context.client_id, batch)
        closing: list[Dossier] = []
        for debtor_id in batch:
            dossier = found.get(debtor_id)
            if dossier is not None and dossier.is_active:
                settled = close_missing(dossier, context.now)
                closing.append(dossier)
                context.result.invoices_settled += settled
        for start_save in range(0, len(closing), SAVE_BATCH):
            part = closing[start_save : start_save + SAVE_BATCH]
            refused = {id(d) for d in dossiers.save_many(part)}
            for dossier in part:
                if id(dossier) in refused:
                    DossierUnitOfWork(dossiers).retry(_closer(context, dossier.debtor_id))
                else:
                    # A reversed direct debit keeps a dossier open when the rest was paid directly.
                    (context.result.closed if dossier.is_closed else context.result.updated).append(
                        dossier.debtor_id
                    )


def _closer(context: ListContext, debtor_id: str) -> Callable[[], None]:
    def close() -> None:
        dossier = context.deps.dossiers.get(context.client_id, debtor_id)
        if dossier is None or not dossier.is_active:
            return
        context.result.invoices_settled += close_missing(dossier, context.now)
        context.deps.dossiers.save(dossier)
        (context.result.closed if dossier.is_closed else context.result.updated).append(debtor_id)

    return close


def _record(result: ImportResult, reconciled: Reconciled) -> None:
    assert reconciled.dossier is not None
    debtor_id = reconciled.dossier.debtor_id
    result.invoices_settled += reconciled.invoices_settled
    {
        Outcome.OPENED: result.opened,
        Outcome.UPDATED: result.updated,
        Outcome.CLOSED: result.closed,
    }[reconciled.outcome].append(debtor_id)


def _write_reports(
    files: FileStore, client_id: str, file_name: str, result: ImportResult, language: str = "nl"
) -> None:
    problems = result.rejected or result.dropped or result.not_opened
    errors_csv = (
        rejected_rows_csv(result.rejected, result.dropped, result.not_opened, language) if problems else None
    )
    write_reports(files, client_id, file_name, result.to_dict(), errors_csv, language)
