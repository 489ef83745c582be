"""Import one shard of a large list that `import_upload` split (see `list_chunks`), and write the
report once every shard is done.

Idempotent at every step (SQS delivers at least once):
- the ledger keeps the set of finished shards (adding a shard twice changes nothing); a shard in
  the set is not imported again, and nothing is done once the file is `imported`;
- a shard's result is stored before the shard is marked done: a chunk that died after storing it
  is marked done by its retry without importing anything again;
- the chunk that completes the set (or any retry that finds it complete while the file is not yet
  `imported`) merges the results into the report and completes the ledger. Two of them doing it
  write the same report.
A chunk that died halfway is imported again from a fresh read: the dossiers it had saved are then
counted as unchanged in the report (their state is right; only the counts of that retry differ).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from chalicelib.domain.debtor_list import DroppedField, InvoiceLine, RejectedRow
from chalicelib.domain.policies import default_policy
from chalicelib.services.import_report import NotOpened
from chalicelib.services.import_upload import (
    AMSTERDAM,
    PAID_ITEMS,
    ImportDeps,
    ImportResult,
    ImportUpload,
    ListContext,
    _write_reports,
    apply_list,
    client_of,
    ledger_summary,
    report_failed_upload,
    save_digests,
)
from chalicelib.services.list_chunks import (
    MANIFEST,
    SHARDS,
    context_name,
    decode_line,
    result_name,
    upload_prefix,
)

IMPORTED = "imported"
# The import-chunks queue's maxReceiveCount (infra/resources.json; a test keeps the two equal): a
# shard failing on this delivery goes to the dead-letter queue and the file cannot finish, so the
# client is told there and then, as for an upload that failed (`import_upload`).
CHUNK_DELIVERIES = 3


@dataclass(frozen=True)
class ImportChunk:
    client_id: str
    key: str  # the uploaded file (the list, or its .bevestigd confirmation)
    etag: str
    shard: int

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> ImportChunk:
        shard = int(message["shard"])
        if shard not in SHARDS:
            raise ValueError(f"no such shard {shard}")
        return cls(str(message["client_id"]), str(message["key"]), str(message["etag"]), shard)


def import_chunk(
    cmd: ImportChunk, now: datetime, deps: ImportDeps, *, delivery: int = 1
) -> ImportResult | None:
    """Returns the merged result when this call finished the import, else None. `delivery` is how
    often SQS has delivered the chunk (1 the first time): when the last delivery fails, the file's
    report says it could not be processed. A shard redriven from the dead-letter queue later and
    completing the file replaces that report with the real one."""
    try:
        return _import_chunk(cmd, now, deps)
    except Exception:
        if delivery >= CHUNK_DELIVERIES:
            # The bucket does not matter to the report: it is named after the client and file.
            report_failed_upload(ImportUpload("", cmd.key, cmd.etag), deps)
        raise


def _import_chunk(cmd: ImportChunk, now: datetime, deps: ImportDeps) -> ImportResult | None:
    assert deps.chunks is not None
    status, done = deps.ledger.shards(cmd.client_id, cmd.key, cmd.etag)
    if status == IMPORTED:
        return None
    if status is None:
        # The split was given up (its claim released): the redelivered upload splits it again.
        return None
    prefix = upload_prefix(cmd.client_id, cmd.key, cmd.etag)
    manifest: dict[str, Any] = deps.chunks.get_json(prefix, MANIFEST)
    if cmd.shard not in done:
        try:
            deps.chunks.get_json(prefix, result_name(cmd.shard))
        except FileNotFoundError:
            deps.chunks.put_json(
                prefix, result_name(cmd.shard), _import_shard(cmd, prefix, manifest, now, deps)
            )
        done = deps.ledger.shard_done(cmd.client_id, cmd.key, cmd.etag, cmd.shard)
    if len(done) < len(SHARDS):
        return None
    return _finish(cmd, prefix, manifest, deps)


def _import_shard(
    cmd: ImportChunk, prefix: str, manifest: dict[str, Any], now: datetime, deps: ImportDeps
) -> dict[str, Any]:
    assert deps.chunks is not None
    context_doc: dict[str, Any] = deps.chunks.get_json(prefix, context_name(cmd.shard))
    known: dict[str, bool] = context_doc["known"]
    missing: list[str] = context_doc["missing"]
    lines_by_debtor: dict[str, list[InvoiceLine]] = defaultdict(list)
    for record in deps.chunks.records(prefix, cmd.shard):
        line = decode_line(record)
        lines_by_debtor[line.debtor.debtor_id].append(line)
    paid_items = manifest["kind"] == PAID_ITEMS
    hold = bool(manifest["hold"])
    result = ImportResult(cmd.client_id, str(manifest["result"]["file"]))
    context = ListContext(
        cmd.client_id,
        paid_items,
        hold,
        now.astimezone(AMSTERDAM).date(),
        now,
        deps.policy or default_policy(),
        deps,
        result,
    )
    shards = [cmd.shard]
    before = {} if paid_items else deps.digests.load(cmd.client_id, shards)
    after = apply_list(context, lines_by_debtor, known, missing, before)
    if not paid_items:
        save_digests(deps.digests, cmd.client_id, shards, before, after, missing if hold else [])
    return {
        "opened": result.opened,
        "updated": result.updated,
        "closed": result.closed,
        "unchanged": result.unchanged,
        "invoices_settled": result.invoices_settled,
        "not_opened": [[n.debtor_id, n.line, n.balance_cents] for n in result.not_opened],
    }


def merged_result(client_id: str, split: dict[str, Any], parts: list[dict[str, Any]]) -> ImportResult:
    """The report of a split import: the splitting pass's counts plus every shard's outcome."""
    result = ImportResult(
        client_id,
        str(split["file"]),
        status=str(split["status"]),
        error=split["error"],
        rows=int(split["rows"]),
        accepted=int(split["accepted"]),
        total_open_cents=int(split["total_open_cents"]),
        rejected=[RejectedRow(r["line"], r["column"], r["reason"]) for r in split["rejected"]],
        dropped=[DroppedField(d["line"], d["column"], d["reason"]) for d in split["fields_dropped"]],
        confirmed=bool(split["confirmed"]),
    )
    for part in parts:
        result.opened += part["opened"]
        result.updated += part["updated"]
        result.closed += part["closed"]
        result.unchanged += int(part["unchanged"])
        result.invoices_settled += int(part["invoices_settled"])
        result.not_opened += [
            NotOpened(str(d), int(line), int(cents)) for d, line, cents in part["not_opened"]
        ]
    result.not_opened.sort(key=lambda entry: entry.line)
    return result


def _finish(cmd: ImportChunk, prefix: str, manifest: dict[str, Any], deps: ImportDeps) -> ImportResult:
    assert deps.chunks is not None
    parts = [deps.chunks.get_json(prefix, result_name(shard)) for shard in SHARDS]
    result = merged_result(cmd.client_id, manifest["result"], parts)
    listed = client_of(result.key)
    file_name = listed[2] if listed else PurePosixPath(result.key).name
    client = deps.clients.get(cmd.client_id)
    _write_reports(deps.files, cmd.client_id, file_name, result, client.language if client else "nl")
    deps.ledger.complete(
        cmd.client_id,
        cmd.key,
        cmd.etag,
        ledger_summary(result),
    )
    return result
