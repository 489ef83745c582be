"""A large list split by debtor shard (`domain.reconciliation.digest_shard`, the same 16 shards as
the list digests): the splitting pass streams the file once and hands every accepted row to the
chunk of its debtor's shard; each chunk is then imported by its own invocation (`import_chunk`).

Layout of one import in the uploads bucket, `state/<client>/imports/<upload id>/`:
- `shard-NN.jsonl.gz`: the shard's invoice lines, in file order (one JSON array per line);
- `shard-NN.context.json`: the shard's debtors with a dossier before the import (id -> active) and
  the active ones missing from the list (closed by the chunk unless the list is held);
- `manifest.json`: what the splitting pass learnt (rows, rejected rows, totals, held or not);
- `shard-NN.result.json`: what the chunk did (opened, updated, closed...), merged into the report
  by the chunk that finishes last.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import date
from typing import Any

from chalicelib.domain.debtor_list import DebtorDetails, DebtorType, InvoiceLine
from chalicelib.domain.reconciliation import DIGEST_SHARDS, digest_shard
from chalicelib.services.ports import ChunkWriter

_DEBTOR_FIELDS = tuple(f.name for f in fields(DebtorDetails))
MANIFEST = "manifest.json"
SHARDS = tuple(range(DIGEST_SHARDS))


def upload_prefix(client_id: str, key: str, etag: str) -> str:
    """Where one file version's chunks live; stable, so a retried split overwrites its own."""
    upload_id = hashlib.blake2b(f"{key}\n{etag}".encode(), digest_size=8).hexdigest()
    return f"state/{client_id}/imports/{upload_id}"


def context_name(shard: int) -> str:
    return f"shard-{shard:02d}.context.json"


def result_name(shard: int) -> str:
    return f"shard-{shard:02d}.result.json"


def encode_line(line: InvoiceLine) -> list[Any]:
    debtor = line.debtor
    return [
        line.line,
        [getattr(debtor, name) for name in _DEBTOR_FIELDS],
        line.invoice_number,
        line.due_date.isoformat(),
        line.open_cents,
        line.amount_cents,
        line.invoice_date.isoformat() if line.invoice_date else None,
        line.paid,
    ]


def decode_line(record: list[Any]) -> InvoiceLine:
    number, debtor, invoice_number, due, open_cents, amount_cents, issued, paid = record
    details = dict(zip(_DEBTOR_FIELDS, debtor, strict=True))
    details["debtor_type"] = DebtorType(details["debtor_type"])
    return InvoiceLine(
        line=number,
        debtor=DebtorDetails(**details),
        invoice_number=invoice_number,
        due_date=date.fromisoformat(due),
        open_cents=open_cents,
        amount_cents=amount_cents,
        invoice_date=date.fromisoformat(issued) if issued else None,
        paid=paid,
    )


class ListSplitter:
    """Streams accepted rows into their shard's chunk; keeps only the set of debtor ids (the
    partial-list guard needs the count, closing needs to know who is listed)."""

    def __init__(self, writer: ChunkWriter) -> None:
        self.writer = writer
        self.debtors: set[str] = set()

    def add(self, line: InvoiceLine) -> None:
        debtor_id = line.debtor.debtor_id
        self.debtors.add(debtor_id)
        self.writer.add(digest_shard(debtor_id), encode_line(line))

    def __contains__(self, debtor_id: object) -> bool:
        return debtor_id in self.debtors

    def __len__(self) -> int:
        return len(self.debtors)


def by_shard(known: dict[str, bool], missing: list[str]) -> list[dict[str, Any]]:
    """Each shard's share of the debtor index and of the missing debtors."""
    contexts: list[dict[str, Any]] = [{"known": {}, "missing": []} for _ in SHARDS]
    for debtor_id, active in known.items():
        contexts[digest_shard(debtor_id)]["known"][debtor_id] = active
    for debtor_id in missing:
        contexts[digest_shard(debtor_id)]["missing"].append(debtor_id)
    return contexts
